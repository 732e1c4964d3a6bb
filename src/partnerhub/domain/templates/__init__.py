"""Message templates per WABA account and their simulated Meta review."""
