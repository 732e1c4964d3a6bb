"""End clients of a partner, their WhatsApp Business Accounts and channels (phone numbers)."""
