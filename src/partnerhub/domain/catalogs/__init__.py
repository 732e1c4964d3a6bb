"""Product catalogs connected to a WABA (issue 17)."""
