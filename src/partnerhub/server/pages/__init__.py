"""Server-rendered pages: the integrated onboarding page (and later the partner dashboard)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

# Autoescaping on: brand names, client input and query parameters are all untrusted.
templates = Environment(
    loader=PackageLoader("partnerhub.server.pages", "templates"),
    autoescape=select_autoescape(default=True),
)
