"""Partners: the 360dialog hub account a WhatsApp solution provider integrates with."""
