"""The webhook delivery engine: claims due deliveries from the outbox and POSTs them."""
