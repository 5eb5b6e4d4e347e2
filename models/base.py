"""Declarative base shared by every capability's tables, and the column types they use.

Every text column is `CleanString`/`CleanText` and every JSON column `CleanJSON` (`tests/test_schema.py` refuses a
plain one): PostgreSQL's text cannot hold a NUL character, SQLite's can, and lone surrogates encode on neither. A
member can type either into any option or form, so the one place that sees every value on its way to the database —
column values, and the parameters compared with a column (an autocomplete's `icontains`) — cleans it the same way on
both engines; assigning to such a column cleans too, so a row in memory reads what was stored. Cleaning beats
refusing here: the character is invisible, and refusing would mean one check per input.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import JSON, BigInteger, ColumnElement, DateTime, MetaData, String, Table, Text, delete, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapper
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
# The largest value a BIGINT (Snowflake) and an INTEGER column hold, on SQLite and PostgreSQL alike.
BIGINT_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1


def clean_text(value: str) -> str:
    """`value` as both databases can keep it: without NUL characters, lone surrogates replaced by "?"."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if value.isascii():  # no surrogate: the common case, answered without encoding the whole string
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def clean_json(value: Any) -> Any:
    """`clean_text` applied to every string (keys too) inside a JSON value."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_json(key): clean_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(item) for item in value]
    return value


class CleanString(TypeDecorator[str]):
    """VARCHAR(n) whose values and compared parameters go through `clean_text`."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else clean_text(value)


class CleanText(CleanString):
    """TEXT whose values and compared parameters go through `clean_text`."""

    impl = Text
    cache_ok = True


class CleanJSON(TypeDecorator[Any]):
    """JSON whose strings go through `clean_text`."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return clean_json(value)


@event.listens_for(Base, "mapper_configured", propagate=True)
def _clean_on_assignment(mapper: Mapper[Any], class_: type[Any]) -> None:
    """Clean values as they are assigned too, so a row in memory reads what the database keeps."""
    for prop in mapper.column_attrs:
        if any(isinstance(column.type, CleanString | CleanJSON) for column in prop.columns):
            event.listen(getattr(class_, prop.key), "set", _cleaned, retval=True)


def _cleaned(target: Any, value: Any, old: Any, initiator: Any) -> Any:
    return clean_json(value)


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


R = TypeVar("R", bound=Base)


async def guild_row(session: AsyncSession, model: type[R], guild_id: int, **defaults: Any) -> R:
    """A capability's one row per server (keyed by `guild_id`), created with `defaults` on first use; two first uses
    racing create it once."""
    row = await session.get(model, guild_id)
    if row is None:
        await insert_or_ignore(session, model, guild_id=guild_id, **defaults)
        row = await session.get_one(model, guild_id)
    return row


async def destroy_rows(session: AsyncSession, *deletions: tuple[Table, ColumnElement[bool]]) -> None:
    """Delete rows so that, once the transaction commits, no copy of them stays readable in the database files.

    A plain DELETE only marks rows dead; their bytes may stay in the files until overwritten. So the tables are
    emptied whole and their remaining rows copied back: PostgreSQL's TRUNCATE gives them new files and empties the
    old ones at commit (even VACUUM leaves bytes in the pages' free space, and VACUUM FULL copies them on while an
    older snapshot is open); SQLite's DELETE without a WHERE frees every page of the table at once, and
    `secure_delete` (set on every connection) zeroes freed pages — no rebalancing of pages can leave a stray copy
    behind. SQLite's write-ahead log still holds the pages as they were: the caller runs `Database.erase_deleted()`
    after the commit. Meant for small tables (they stay locked until the commit).
    """
    for table, condition in deletions:
        await session.execute(delete(table).where(condition))
    await _rewrite(session, [table for table, _ in deletions])


async def _rewrite(session: AsyncSession, tables: list[Table]) -> None:
    """Move the tables' live rows aside, empty the tables whole, and put the rows back."""
    quote = session.get_bind().dialect.identifier_preparer.quote
    names = [(quote(table.name), quote(f"kept_{table.name}")) for table in tables]  # our own tables, quoted
    for name, kept in names:
        await session.execute(text(f"CREATE TEMPORARY TABLE {kept} AS SELECT * FROM {name}"))  # noqa: S608
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("TRUNCATE " + ", ".join(name for name, _ in names)))
    else:
        for name, _ in names:
            await session.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (no WHERE: whole pages are freed)
    for name, kept in names:
        await session.execute(text(f"INSERT INTO {name} SELECT * FROM {kept}"))  # noqa: S608
        await session.execute(text(f"DROP TABLE {kept}"))


# No IANA zone name is longer (the longest is about 30 characters); the columns that keep one hold 64.
TIMEZONE_MAX_CHARS = 64


def is_timezone(name: str) -> bool:
    """True for an IANA time zone name this machine knows ("Europe/Paris").

    ZoneInfo reads a file named after the key: a hostile name fails with ValueError (NUL, "..", absolute path),
    OSError (longer than the file system allows, a directory) and the like, so anything it raises means "no".
    """
    if not name or len(name) > TIMEZONE_MAX_CHARS:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def utcnow() -> datetime:
    return datetime.now(UTC)


# PostgreSQL's classes for "the connection, not the data": 08 connection exception, 57P01-57P03 the server shutting
# down or not accepting connections yet.
UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
# SQLite's primary result codes for the same: BUSY and LOCKED (another writer), IOERR, CANTOPEN. Its other
# OperationalErrors (a missing column, a syntax error) are bugs.
UNREACHABLE_SQLITE_CODES = frozenset({5, 6, 10, 14})


def database_unreachable(error: BaseException) -> bool:
    """A failure that says nothing about the data, only that the database is away for now (a connection refused
    or cut, a server shutting down or refusing new connections, SQLite locked past its busy timeout): worth trying
    again later."""
    if isinstance(error, OSError):  # the driver could not connect at all
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.statement is None:  # failed while connecting, before any statement (e.g. connections not allowed now)
        return True
    if error.connection_invalidated or isinstance(error, InterfaceError):
        return True
    sqlite_code = getattr(error.orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in UNREACHABLE_SQLITE_CODES
    return str(getattr(error.orig, "sqlstate", "") or "").startswith(UNREACHABLE_SQLSTATES)
