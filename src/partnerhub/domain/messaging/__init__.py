"""The Messaging API side: channel keys, messages, status updates and the 24-hour window."""
