"""Alembic migrations, shipped in the package and applied by `serve` and `db upgrade`."""
