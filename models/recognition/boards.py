"""The leaderboards: counters per member, board, period and category (`kudos_tallies`), kept by the kudos writer, so
a board reads one counter per member in it, whatever the number of kudos."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.bulk import placeholders
from models.recognition.rules import ALL_CATEGORIES, Board
from models.recognition.tables import KudosTally

T = TypeVar("T")
CHUNK = 500


def tally_rows(deltas: dict[tuple[int, str, str, str, int], int]) -> list[tuple[int, str, str, str, int, int]]:
    """(guild_id, board, period, category, member_id, total), in `TALLY_COLUMNS` order."""
    return [(*key, delta) for key, delta in deltas.items()]


TALLY_COLUMNS = ("guild_id", "board", "period", "category", "member_id", "total")


async def upsert_totals(session: AsyncSession, rows: list[tuple[int, str, str, str, int, int]]) -> None:
    """Add each row's total to its counter (created at that total): one upsert, executed by the driver itself.

    A burst touches a few counters per kudos, tens of thousands per second; SQLAlchemy's per-row parameter
    processing would cost more than the database's own work, so the plain rows go straight to `executemany`.
    """
    connection = await session.connection()
    key = ", ".join(TALLY_COLUMNS[:-1])
    marks = placeholders(connection.dialect, len(TALLY_COLUMNS))
    statement = (
        f"INSERT INTO kudos_tallies ({', '.join(TALLY_COLUMNS)}) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET total = kudos_tallies.total + excluded.total"
    )
    await connection.exec_driver_sql(statement, rows)


async def received_totals(session: AsyncSession, guild_id: int, members: Iterable[int]) -> dict[int, int]:
    """Kudos each member received and still counting, from the all-time board's counters (valid while no host
    reset that board)."""
    table = _table(KudosTally)
    totals: dict[int, int] = {}
    for chunk in _chunks(sorted(members)):
        rows = await session.execute(
            select(table.c.member_id, table.c.total).where(
                table.c.guild_id == guild_id,
                table.c.board == Board.RECEIVED.value,
                table.c.period == "all",
                table.c.category == ALL_CATEGORIES,
                table.c.member_id.in_(chunk),
            )
        )
        totals.update({member: int(total) for member, total in rows})
    return totals


# --- boards -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardPage:
    rows: list[tuple[int, int]]  # (member id, kudos)
    has_more: bool


async def board_page(
    session: AsyncSession,
    guild_id: int,
    board: Board,
    period: str,
    category: str,
    *,
    page: int,
    size: int,
    excluded: Iterable[int] = (),
) -> BoardPage:
    """One page of a board, highest first: the period's counters, in key order, sorted (one row more tells if a page
    follows)."""
    table = _table(KudosTally)
    statement = (
        select(table.c.member_id, table.c.total)
        .where(
            table.c.guild_id == guild_id,
            table.c.board == board.value,
            table.c.period == period,
            table.c.category == category,
            table.c.total > 0,
        )
        .order_by(table.c.total.desc(), table.c.member_id.desc())
        .offset(page * size)
        .limit(size + 1)
    )
    hidden = sorted(excluded)
    if hidden:
        statement = statement.where(table.c.member_id.not_in(hidden))
    rows = [(member, total) for member, total in await session.execute(statement)]
    return BoardPage(rows[:size], len(rows) > size)


def _table(model: type[KudosTally]) -> Table:
    return model.__table__  # type: ignore[return-value]


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
