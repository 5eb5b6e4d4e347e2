"""Declarative base shared by every capability's tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import BigInteger, ColumnElement, DateTime, MetaData, Table, delete, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Constraint names must be identical on SQLite and PostgreSQL so that migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Discord ids are unsigned 64-bit snowflakes that fit a signed BIGINT until 2084.
Snowflake = BigInteger


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the database keeps.

    SQLite has no time zones and hands back naive values; refusing naive input catches local-time bugs early.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def insert_or_ignore(session: AsyncSession, model: type[Base], **values: Any) -> bool:
    """Insert a row unless its key exists (two events racing to create it): True when this call inserted it."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = cast(Table, model.__table__)
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
    return (await session.execute(statement)).first() is not None


async def destroy_rows(session: AsyncSession, *deletions: tuple[Table, ColumnElement[bool]]) -> None:
    """Delete rows so that, once the transaction commits, no copy of them stays readable in the database files.

    A plain DELETE only marks rows dead; their bytes stay in the files until overwritten. SQLite zeroes deleted
    content itself (`secure_delete`, set on every connection), but its write-ahead log still holds the pages as
    they were: the caller runs `Database.erase_deleted()` after the commit. PostgreSQL has no such setting, and
    even VACUUM leaves the bytes in the pages' free space (VACUUM FULL copies them on while an older snapshot is
    open): the tables are emptied with TRUNCATE, which gives them new files and empties the old ones at commit,
    and their remaining rows are copied back. Meant for small tables (they stay locked until the commit).
    """
    for table, condition in deletions:
        await session.execute(delete(table).where(condition))
    if session.get_bind().dialect.name == "postgresql":
        await _rewrite_postgresql(session, [table for table, _ in deletions])


async def _rewrite_postgresql(session: AsyncSession, tables: list[Table]) -> None:
    """Move the tables' live rows aside, TRUNCATE them (new, empty files) and put the rows back."""
    quote = session.get_bind().dialect.identifier_preparer.quote
    names = [(quote(table.name), quote(f"kept_{table.name}")) for table in tables]  # our own tables, quoted
    for name, kept in names:
        await session.execute(text(f"CREATE TEMPORARY TABLE {kept} AS SELECT * FROM {name}"))  # noqa: S608
    await session.execute(text("TRUNCATE " + ", ".join(name for name, _ in names)))
    for name, kept in names:
        await session.execute(text(f"INSERT INTO {name} SELECT * FROM {kept}"))  # noqa: S608
        await session.execute(text(f"DROP TABLE {kept}"))


def is_timezone(name: str) -> bool:
    """True for an IANA time zone name this machine knows ("Europe/Paris")."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def utcnow() -> datetime:
    return datetime.now(UTC)
