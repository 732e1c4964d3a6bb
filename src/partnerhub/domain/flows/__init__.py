"""WhatsApp Flows: the lifecycle of a WABA's Flows and Flow JSON validation."""
