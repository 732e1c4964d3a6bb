"""Who is calling: partner API keys, bearer tokens, passwords."""
