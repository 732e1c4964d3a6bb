"""The emulator's own knobs: clock offset and faults."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    Integer,
    Table,
)

from partnerhub.adapters.tables.base import metadata

emulator_state = Table(
    "emulator_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("clock_offset_seconds", Float, nullable=False),
    Column("clock_epoch", Integer, nullable=False, server_default="0"),
    Column("fail_next", Integer, nullable=False),
    Column("fail_status", Integer, nullable=False),
    Column("delay_ms", Integer, nullable=False),
)
