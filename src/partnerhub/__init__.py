"""partnerhub: a self-hostable, wire-compatible implementation of the 360dialog Partner API v2.

The server lives in :mod:`partnerhub.server`, the command line in :mod:`partnerhub.cli`.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
