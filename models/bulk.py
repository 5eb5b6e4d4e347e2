"""Rows written in bulk straight through the driver's `executemany`: what a burst of votes or kudos writes.

SQLAlchemy turns each row's dict into the driver's parameters one by one, running every column type's conversion on
every value; in a burst that cost more than the database's own work (bench/bench_recognition.py). Here each column's
conversion runs once per distinct value — a batch's rows share a few moments, categories and sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession


def placeholders(dialect: Dialect, count: int) -> str:
    """`?, ?, …` (SQLite) or `$1, $2, …` (asyncpg): the driver's own parameter marks."""
    if dialect.paramstyle == "qmark":
        return ", ".join("?" * count)
    if dialect.paramstyle == "numeric_dollar":
        return ", ".join(f"${n}" for n in range(1, count + 1))
    raise RuntimeError(f"unexpected parameter style {dialect.paramstyle}")


async def insert_rows(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys) into `table`, converted as SQLAlchemy would, in one `executemany`."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    converters = [_converter(table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]
    statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({placeholders(dialect, len(names))})"  # noqa: S608
    plain = [tuple(convert(row[name]) for name, convert in zip(names, converters, strict=True)) for row in rows]
    await connection.exec_driver_sql(statement, plain)


def _converter(process: Any) -> Any:
    """The column's conversion, remembered per value (None stays None, as SQLAlchemy's processors leave it)."""
    if process is None:
        return lambda value: value
    seen: dict[Any, Any] = {None: None}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            converted = seen[value] = process(value)
            return converted

    return convert
