"""Fast paths: hand-tuned stores for the hottest request (``POST /messages``), outside the ORM.

They exist for throughput only (docs/benchmarks.md) and must behave exactly as the ordinary
path through the unit of work; their SQL is built from the table definitions in
:mod:`partnerhub.adapters.tables`, so a schema change cannot leave them behind silently.
"""
