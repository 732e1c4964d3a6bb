"""Partner API keys: issuing, listing, revoking and checking them."""
