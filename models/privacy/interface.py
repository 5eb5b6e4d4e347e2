"""The one interface every capability implements for its members' data: what it holds, exporting, erasing, keeping.

Each capability declares a `MemberData` in its own models package (`models/<capability>/privacy.py`, or beside its
tables); `models.privacy.catalogue` lists them. The privacy package never reads a capability's tables itself, except
through the columns a capability declares here (to find who has data, and for the test that fails when a column
holding a member id is declared by nobody).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ColumnElement, case, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

# (session, guild id, member id) → plain data (JSON-ready but for datetimes), everything held about the member.
Exporter = Callable[[AsyncSession, int, int], Awaitable[dict[str, Any]]]
# (session, guild id, member id, now) → rows removed or changed. Flushes, never commits: the caller's one transaction
# spans every capability, so an erase is all or nothing.
Eraser = Callable[[AsyncSession, int, int, datetime], Awaitable[int]]
# (session, older than) → rows removed or emptied, in every server.
Purger = Callable[[AsyncSession, datetime], Awaitable[int]]
# (session, guild id) → the members it holds something about, for data not found through `columns`.
Lister = Callable[[AsyncSession, int], Awaitable[set[int]]]


@dataclass(frozen=True)
class Retention:
    """A kind of data kept for a time the deployment chooses (`[privacy.retention] <kind> = days`)."""

    kind: str
    purge: Purger
    what: str  # one line for `python -m bot check`, in English like the rest of the CLI

    @classmethod
    def deleting(cls, kind: str, when: InstrumentedAttribute[Any], what: str) -> Retention:
        """Rows go once `when` is older than the retention (rows whose `when` is empty stay)."""
        column = column_of(when)

        async def purge(session: AsyncSession, older_than: datetime) -> int:
            return rowcount(await session.execute(delete(column.table).where(column < older_than)))

        return cls(kind, purge, what)

    @classmethod
    def emptying(
        cls, kind: str, field: InstrumentedAttribute[Any], when: InstrumentedAttribute[Any], what: str
    ) -> Retention:
        """Rows stay (a rating, a kudos still counts); `field` is emptied once `when` is older than the retention."""
        emptied, column = column_of(field), column_of(when)

        async def purge(session: AsyncSession, older_than: datetime) -> int:
            statement = (
                update(column.table).where(column < older_than, emptied.is_not(None)).values({emptied.name: None})
            )
            return rowcount(await session.execute(statement))

        return cls(kind, purge, what)


@dataclass(frozen=True)
class MemberData:
    """What one capability holds about members, and how it hands it over and lets go of it."""

    name: str  # the capability: the export's key, i18n `privacy.capability.<name>`
    export: Exporter
    # Every column whose value can be a member's id (checked against the schema by the tests).
    columns: tuple[InstrumentedAttribute[Any], ...]
    # The rows about the member that go or change; what `unsigned` names is done after it.
    erase: Eraser | None = None
    # Columns of rows that stay but stop naming the member (a version they published, a round they ran): set to
    # `unsigned_to` (NULL, or 0 where the column may not be empty).
    unsigned: tuple[InstrumentedAttribute[Any], ...] = ()
    unsigned_to: int | None = None
    # Columns holding a keyed hash of a member id (open anonymous ballots): the eraser finds them through the key.
    hashed: tuple[InstrumentedAttribute[Any], ...] = ()
    retention: tuple[Retention, ...] = ()
    # Fixed rules, as lines for `python -m bot check` ("report texts: until the moderators' channel has them").
    fixed: tuple[str, ...] = ()
    # Members held about otherwise than by `columns` (a job's key), for a server's export.
    members: Lister | None = None

    def __post_init__(self) -> None:
        missing = [str(attribute) for attribute in self.unsigned if all(attribute is not c for c in self.columns)]
        if missing:
            raise ValueError(f"{self.name}: unsigned columns must be among its columns too: {', '.join(missing)}")

    async def erase_member(self, session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
        """What this capability holds about the member goes, or stops naming them; rows touched."""
        changed = 0 if self.erase is None else await self.erase(session, guild_id, member_id, now)
        return changed + await unsign(session, guild_id, member_id, *self.unsigned, to=self.unsigned_to)


def column_of(attribute: InstrumentedAttribute[Any]) -> Column[Any]:
    """The table column behind a mapped attribute (`Profile.member_id` → `profiles.member_id`)."""
    found = attribute.property.columns[0]
    if not isinstance(found, Column):
        raise TypeError(f"{attribute} is not a plain column")
    return found


def in_guild(column: Column[Any], guild_id: int) -> ColumnElement[bool]:
    """The server's rows of `column`'s table, found the way its indexes allow.

    A table keyed by (parent, member) — a poll's votes, an occurrence's presence — has no index on its guild and
    member: its rows are found through the server's parents instead (one probe of the key per parent), not by
    reading the whole table.
    """
    table = column.table
    key = list(table.primary_key.columns)
    if len(key) >= 2 and key[1] is column and key[0].foreign_keys:
        parent = next(iter(key[0].foreign_keys)).column
        if "guild_id" in parent.table.c:
            return key[0].in_(select(parent).where(parent.table.c.guild_id == guild_id))
    return table.c.guild_id == guild_id


def of_member(attribute: InstrumentedAttribute[Any], guild_id: int, member_id: int) -> ColumnElement[bool]:
    """The rows naming the member in this server, through an index (see `in_guild`)."""
    column = column_of(attribute)
    return in_guild(column, guild_id) & (column == member_id)


def rowcount(result: Any) -> int:
    """Rows a DELETE or UPDATE touched (drivers that cannot tell count as 0)."""
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


async def unsign(
    session: AsyncSession, guild_id: int, member_id: int, *attributes: InstrumentedAttribute[Any], to: int | None = None
) -> int:
    """Rows that stay but no longer say the member did them (a version they published, a round they ran): each
    column naming them becomes `to` (NULL, or 0 where the column may not be empty). One statement per table,
    whatever its number of such columns; returns the rows changed."""
    by_table: dict[Any, list[Column[Any]]] = {}
    for attribute in attributes:
        column = column_of(attribute)
        by_table.setdefault(column.table, []).append(column)
    changed = 0
    for table, columns in by_table.items():
        values = {
            column.name: to if len(columns) == 1 else case((column == member_id, to), else_=column)
            for column in columns
        }
        statement = (
            update(table)
            .where(table.c.guild_id == guild_id, or_(*(column == member_id for column in columns)))
            .values(values)
        )
        changed += rowcount(await session.execute(statement))
    return changed
