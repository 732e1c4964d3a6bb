"""Partner webhooks: events written to an outbox with the change that causes them, signed and
delivered at least once with retries."""
