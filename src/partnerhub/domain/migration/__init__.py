"""Number migration (issue 18 item 4): a number moved into a client from another BSP or from
Meta (two-step verification off, a one-time code by SMS or voice), and a number moved to a new
WABA of its client, with or without a currency change. docs/fidelity.md, "Number migration"."""
