"""End clients of a partner, their WhatsApp Business Accounts and channels (phone numbers).

One module per job:

- ``model``: the dataclasses and the lifecycle table;
- ``onboarding``: a signup (client, WABA, numbers) and a logged-in client's later visit;
  ``signup`` and ``login``: the onboarding page's checks and the client's password;
- ``shared``: clients a partner creates itself (account sharing);
- ``editing``: what a partner changes on a client;
- ``lifecycle``: cancellation, the simulated Meta review, the emulator's forced transitions;
- ``release``: the operator giving a squatted number back;
- ``queries``: lists and look-ups, with their sort and filter keys;
- ``phones``: E.164 numbers; ``events``: the partner webhook events of clients and channels.
"""
