"""Adapters: the database, the cache and other things the domain talks to through interfaces."""
