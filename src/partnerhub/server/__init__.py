"""The HTTP server: the Litestar app factory, settings, auth, error mapping and routes."""
