"""Test helpers for the privacy suites: reading every value of every table, to find a member id anywhere."""

from __future__ import annotations

from sqlalchemy import select

import models.registry  # noqa: F401  (every table)
from bot.database import Database
from models.base import Base


async def every_value(db: Database) -> list[tuple[str, str, str]]:
    """Every value of every column of every table, as text: (table, column, value)."""
    found = []
    async with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                for column, value in zip(table.columns, row, strict=True):
                    if value is not None:
                        text = value.hex() if isinstance(value, bytes) else str(value)
                        found.append((table.name, column.name, text))
    return found


async def mentions(db: Database, member_id: int) -> list[tuple[str, str]]:
    """The (table, column) pairs where the member's id appears, whole or inside a text, a JSON value or a key."""
    return sorted({(table, column) for table, column, text in await every_value(db) if str(member_id) in text})
