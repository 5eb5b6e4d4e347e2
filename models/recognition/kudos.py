"""Giving and withdrawing kudos in batches, and the hosts' revoke.

`apply_kudos` is what the single writer runs: a batch of events (a reaction, the message command, `/kudos give`, a
reaction removed, a message deleted) decided in arrival order against today's counts, read once per batch, then
written with a few bulk statements — the same approach as poll votes. The boards are counters kept here as kudos
start and stop counting (`kudos_tallies`), so reading one costs a counter per member, whatever the number of kudos.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Table, TextualSelect, bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.bulk import insert_rows
from models.guild_settings import GuildSettings
from models.recognition import boards, milestones
from models.recognition.rules import (
    Action,
    EndReason,
    Limits,
    MilestoneKind,
    Source,
    TallyChange,
    UnknownKudosError,
    Verdict,
    day_bounds,
    decide_give,
    server_categories,
    tally_deltas,
    thresholds_for,
)
from models.recognition.tables import (
    BoardReset,
    Kudos,
    KudosCategory,
    KudosTally,
    RecognitionMember,
    RecognitionSettings,
)

T = TypeVar("T")
CHUNK = 500  # ids per IN (...) list: well under SQLite's and asyncpg's parameter limits
WHOLE_MESSAGE = (Action.DROP_MESSAGE, Action.CLEAR_REACTIONS)


@dataclass(frozen=True)
class KudosOp:
    """One event for the writer. `refused` carries a verdict only Discord could tell (a bot, a member who left, a
    reason too long): the writer still answers it, with how many kudos the giver has left."""

    action: Action
    guild_id: int
    giver_id: int = 0
    receiver_id: int = 0
    category: str = ""
    source: Source = Source.COMMAND
    channel_id: int | None = None
    message_id: int | None = None
    reason: str | None = None
    refused: Verdict | None = None
    emoji: str | None = None  # a reaction as the member added it (to take it back if refused)


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    left: int = 0  # kudos the giver has left today
    allowance: int = 0
    retry_at: datetime | None = None  # when a refused kudos would count (back-thank) or the allowance resets
    notify: bool = False  # a new kudos: the receiver is told


@dataclass(frozen=True)
class GuildRules:
    """What the writer needs to know about a server, cached between batches (`forget` after a host changes it)."""

    limits: Limits
    zone: ZoneInfo
    excluded: frozenset[int]
    categories: frozenset[str]
    kudos_thresholds: tuple[int, ...]
    resets: dict[str, datetime]


KnownRules = dict[int, GuildRules]


async def load_rules(session: AsyncSession, guild_id: int, default_zone: str) -> GuildRules:
    settings = await session.get(RecognitionSettings, guild_id)
    server = await session.get(GuildSettings, guild_id)
    categories = await session.scalars(select(KudosCategory.key).where(KudosCategory.guild_id == guild_id))
    excluded = await session.scalars(
        select(RecognitionMember.member_id).where(
            RecognitionMember.guild_id == guild_id, RecognitionMember.excluded.is_(True)
        )
    )
    resets = await session.execute(
        select(BoardReset.period, BoardReset.reset_at).where(BoardReset.guild_id == guild_id)
    )
    limits = Limits(settings.daily_allowance, settings.pair_cap) if settings else Limits()
    chosen = settings.thresholds if settings else {}
    keys = {category.key for category in server_categories({key: {} for key in categories})}
    return GuildRules(
        limits=limits,
        zone=ZoneInfo((server.timezone if server else None) or default_zone),
        excluded=frozenset(excluded),
        categories=frozenset(keys),
        kudos_thresholds=thresholds_for(MilestoneKind.KUDOS_RECEIVED, chosen),
        resets={period: at for period, at in resets},
    )


@dataclass
class Slot:
    """A kudos for a message by one giver, as the batch changes it (row_id None: new in this batch)."""

    row_id: int | None
    guild_id: int
    giver_id: int
    receiver_id: int
    category: str
    source: str
    channel_id: int | None
    message_id: int
    reason: str | None
    given_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    changed: bool = False

    @property
    def standing(self) -> bool:
        return self.ended_at is None


@dataclass
class Today:
    """One server's counts for the people of a batch: kudos given today, per pair today, latest per pair."""

    start: datetime
    end: datetime
    given: Counter[int] = field(default_factory=Counter)
    pairs: Counter[tuple[int, int]] = field(default_factory=Counter)
    latest: dict[tuple[int, int], datetime] = field(default_factory=dict)

    def add(self, giver: int, receiver: int, given_at: datetime) -> None:
        if given_at >= self.start:
            self.given[giver] += 1
            self.pairs[giver, receiver] += 1
        latest = self.latest.get((giver, receiver))
        if latest is None or given_at > latest:
            self.latest[giver, receiver] = given_at

    def remove(self, giver: int, receiver: int, given_at: datetime) -> None:
        if given_at >= self.start:
            self.given[giver] -= 1
            self.pairs[giver, receiver] -= 1
        if self.latest.get((giver, receiver)) == given_at:
            del self.latest[giver, receiver]


async def apply_kudos(
    session: AsyncSession, ops: Sequence[KudosOp], *, now: datetime, default_zone: str, known: KnownRules | None = None
) -> list[Outcome]:
    """Decide and write a batch of kudos events in arrival order; one outcome per event."""
    known = {} if known is None else known
    for guild_id in {op.guild_id for op in ops} - known.keys():
        known[guild_id] = await load_rules(session, guild_id, default_zone)
    today = {
        guild_id: await _today(session, guild_id, ops, known[guild_id], now) for guild_id in {o.guild_id for o in ops}
    }
    slots = await _slots(session, ops)
    batch = Batch(known, today, slots, now)
    outcomes = [batch.apply(op) for op in ops]
    await _write(session, batch)
    await _tally(session, batch.changes, known)
    await _kudos_milestones(session, batch.gained, known, now)
    return outcomes


class Batch:
    """The in-memory state of one batch: decisions update it, `_write` persists its net effect."""

    def __init__(
        self, known: KnownRules, today: dict[int, Today], slots: dict[tuple[int, int], Slot], now: datetime
    ) -> None:
        self.known, self.today, self.slots, self.now = known, today, slots, now
        self.new_rows: list[dict[str, object]] = []  # kudos without a message (/kudos give without a link)
        self.changes: list[TallyChange] = []
        self.gained: defaultdict[int, Counter[int]] = defaultdict(Counter)  # guild → kudos each receiver gained

    def apply(self, op: KudosOp) -> Outcome:
        if op.action is Action.GIVE:
            return self.give(op)
        if op.action is Action.WITHDRAW:
            slot = self.slots.get((op.message_id or 0, op.giver_id))
            ended = [slot] if slot and slot.standing and slot.source == Source.REACTION else []
        else:
            ended = [
                slot
                for (message_id, _), slot in self.slots.items()
                if message_id == op.message_id and slot.standing and slot.guild_id == op.guild_id
            ]
            if op.action is Action.CLEAR_REACTIONS:
                ended = [slot for slot in ended if slot.source == Source.REACTION]
        reason = EndReason.DELETED if op.action is Action.DROP_MESSAGE else EndReason.WITHDRAWN
        for slot in ended:
            self.end(slot, reason)
        return Outcome(Verdict.WITHDRAWN if ended else Verdict.NOTHING)

    def give(self, op: KudosOp) -> Outcome:
        rules, today = self.known[op.guild_id], self.today[op.guild_id]
        slot = self.slots.get((op.message_id, op.giver_id)) if op.message_id is not None else None
        verdict = op.refused
        if verdict is None and op.category not in rules.categories:
            verdict = Verdict.UNKNOWN_CATEGORY
        if verdict is None and slot is not None and (slot.standing or slot.end_reason != EndReason.WITHDRAWN):
            verdict = Verdict.ALREADY  # thanked already (or a host revoked it): nothing changes
        if verdict is None:
            verdict = decide_give(
                giver=op.giver_id,
                receiver=op.receiver_id,
                excluded=rules.excluded,
                limits=rules.limits,
                given_today=today.given[op.giver_id],
                to_receiver_today=today.pairs[op.giver_id, op.receiver_id],
                thanked_by_receiver_at=today.latest.get((op.receiver_id, op.giver_id)),
                now=self.now,
            )
        notify = False
        if verdict is Verdict.GIVEN:
            notify = slot is None
            self.start(op, slot)
        allowance = rules.limits.allowance
        retry_at = None
        if verdict is Verdict.ALLOWANCE:
            retry_at = today.end
        elif verdict is Verdict.BACK_THANK:
            retry_at = today.latest[op.receiver_id, op.giver_id] + rules.limits.back_thank
        left = max(0, allowance - today.given[op.giver_id])
        return Outcome(verdict, left=left, allowance=allowance, retry_at=retry_at, notify=notify)

    def start(self, op: KudosOp, slot: Slot | None) -> None:
        """A kudos starts counting: new, or given again after its reaction was taken back."""
        if op.message_id is None:
            self.new_rows.append(_row(op, self.now))
        elif slot is None:
            slot = Slot(
                None,
                op.guild_id,
                op.giver_id,
                op.receiver_id,
                op.category,
                op.source,
                op.channel_id,
                op.message_id,
                op.reason,
                self.now,
                None,
                None,
                changed=True,
            )
            self.slots[op.message_id, op.giver_id] = slot
        else:
            slot.category, slot.source, slot.reason, slot.given_at = op.category, op.source, op.reason, self.now
            slot.ended_at = slot.end_reason = None
            slot.changed = True
        self.today[op.guild_id].add(op.giver_id, op.receiver_id, self.now)
        self.changes.append(TallyChange(op.guild_id, op.giver_id, op.receiver_id, op.category, self.now, +1))
        self.gained[op.guild_id][op.receiver_id] += 1

    def end(self, slot: Slot, reason: EndReason) -> None:
        slot.ended_at, slot.end_reason, slot.changed = self.now, reason.value, True
        today = self.today.get(slot.guild_id)
        if today is not None:
            today.remove(slot.giver_id, slot.receiver_id, slot.given_at)
        self.changes.append(
            TallyChange(slot.guild_id, slot.giver_id, slot.receiver_id, slot.category, slot.given_at, -1)
        )


def _row(op: KudosOp, now: datetime) -> dict[str, object]:
    return {
        "guild_id": op.guild_id,
        "giver_id": op.giver_id,
        "receiver_id": op.receiver_id,
        "category": op.category,
        "source": op.source.value,
        "channel_id": op.channel_id,
        "message_id": op.message_id,
        "reason": op.reason,
        "given_at": now,
        "ended_at": None,
        "end_reason": None,
    }


async def _today(
    session: AsyncSession, guild_id: int, ops: Sequence[KudosOp], rules: GuildRules, now: datetime
) -> Today:
    """Today's standing kudos (and the last few minutes', for back-thanks) of everyone a batch's gifts involve."""
    start, end = day_bounds(now, rules.zone)
    today = Today(start, end)
    gifts = [op for op in ops if op.guild_id == guild_id and op.action is Action.GIVE]
    people = {op.giver_id for op in gifts} | {op.receiver_id for op in gifts}
    since = min(start, now - rules.limits.back_thank)
    for chunk in _chunks(sorted(people)):
        rows = await session.execute(
            select(Kudos.giver_id, Kudos.receiver_id, Kudos.given_at).where(
                Kudos.guild_id == guild_id,
                Kudos.giver_id.in_(chunk),
                Kudos.given_at >= since,
                Kudos.given_at < end,
                Kudos.ended_at.is_(None),
            )
        )
        for giver, receiver, given_at in rows:
            today.add(giver, receiver, given_at)
    return today


SLOT_COLUMNS = (
    "id",
    "guild_id",
    "giver_id",
    "receiver_id",
    "category",
    "source",
    "channel_id",
    "message_id",
    "reason",
    "given_at",
    "ended_at",
    "end_reason",
)


@functools.cache
def _pairs_query() -> TextualSelect:
    """Kudos by (message, giver) pairs, joined to a list of CHUNK of them, so each pair is one probe of the unique
    index (`message_id IN (…) AND giver_id IN (…)` would probe every message with every giver). Built and compiled
    once: shorter lists are padded with their last pair."""
    table = _table(Kudos)
    wanted = ", ".join(f"(CAST(:m{n} AS BIGINT), CAST(:g{n} AS BIGINT))" for n in range(CHUNK))
    columns = ", ".join(f"kudos.{name}" for name in SLOT_COLUMNS)
    statement = text(
        f"WITH wanted(m, g) AS (VALUES {wanted}) "  # noqa: S608 (our own column names and numbered parameters)
        f"SELECT {columns} FROM kudos JOIN wanted ON kudos.message_id = wanted.m AND kudos.giver_id = wanted.g"
    )
    return statement.columns(*(table.c[name] for name in SLOT_COLUMNS))


def _pairs_params(pairs: Sequence[tuple[int, int]]) -> dict[str, int]:
    padded = [*pairs, *[pairs[-1]] * (CHUNK - len(pairs))]
    return {f"{key}{n}": value for n, pair in enumerate(padded) for key, value in zip("mg", pair, strict=True)}


async def _slots(session: AsyncSession, ops: Sequence[KudosOp]) -> dict[tuple[int, int], Slot]:
    """The kudos already given for the batch's messages by the batch's givers, and every kudos of a message deleted
    or cleared (read as plain rows: the batch writes in bulk)."""
    table = _table(Kudos)
    columns = [table.c[name] for name in SLOT_COLUMNS]
    whole = sorted({op.message_id for op in ops if op.message_id is not None and op.action in WHOLE_MESSAGE})
    pairs = {(op.message_id, op.giver_id) for op in ops if op.message_id is not None and op.action not in WHOLE_MESSAGE}
    found: list[Any] = []
    for messages in _chunks(whole):
        found += await session.execute(select(*columns).where(table.c.message_id.in_(messages)))
    for chunk in _chunks(sorted(pairs)):
        found += await session.execute(_pairs_query(), _pairs_params(chunk))
    return {(row.message_id, row.giver_id): Slot(*row) for row in found}


UPDATED = ("category", "source", "reason", "given_at", "ended_at", "end_reason")


async def _write(session: AsyncSession, batch: Batch) -> None:
    """New kudos in one insert, changed ones in one update."""
    table = _table(Kudos)
    inserts = list(batch.new_rows)
    updates = []
    for slot in batch.slots.values():
        if not slot.changed:
            continue
        values: dict[str, object] = {
            "category": slot.category,
            "source": slot.source,
            "reason": slot.reason,
            "given_at": slot.given_at,
            "ended_at": slot.ended_at,
            "end_reason": slot.end_reason,
        }
        if slot.row_id is not None:
            updates.append({"row": slot.row_id, **{f"new_{key}": value for key, value in values.items()}})
            continue
        row = values | {"guild_id": slot.guild_id, "giver_id": slot.giver_id, "receiver_id": slot.receiver_id}
        inserts.append(row | {"channel_id": slot.channel_id, "message_id": slot.message_id})
    await insert_rows(session, table, inserts)
    if updates:
        statement = (
            update(table)
            .where(table.c.id == bindparam("row"))
            .values({key: bindparam(f"new_{key}") for key in UPDATED})
        )
        await session.execute(statement, updates, execution_options={"synchronize_session": False})


async def _tally(session: AsyncSession, changes: list[TallyChange], known: KnownRules) -> None:
    """Add the batch's changes to the board counters with one bulk upsert."""
    if not changes:
        return
    zones = {guild_id: rules.zone for guild_id, rules in known.items()}
    resets = {(guild_id, period): at for guild_id, rules in known.items() for period, at in rules.resets.items()}
    deltas = tally_deltas(changes, zones, resets)
    if not deltas:
        return
    await boards.upsert_totals(session, boards.tally_rows(deltas))


async def _kudos_milestones(
    session: AsyncSession, gained: dict[int, Counter[int]], known: KnownRules, now: datetime
) -> None:
    """Receivers whose kudos (still standing) crossed a threshold in this batch get that milestone, once."""
    for guild_id, receivers in gained.items():
        rules = known[guild_id]
        if not rules.kudos_thresholds:
            continue
        # The all-time board's counters already hold this batch, unless a host reset that board.
        if "all" in rules.resets:
            counts = await received_counts(session, guild_id, receivers)
        else:
            counts = await boards.received_totals(session, guild_id, receivers)
        crossing = {
            member: count
            for member, count in counts.items()
            if any(count - receivers[member] < level <= count for level in rules.kudos_thresholds)
        }
        if crossing:
            await milestones.record_levels(
                session, guild_id, MilestoneKind.KUDOS_RECEIVED, crossing, rules.kudos_thresholds, now=now
            )


async def received_counts(session: AsyncSession, guild_id: int, members: Iterable[int]) -> dict[int, int]:
    """Kudos still standing that each member received, all time."""
    counts: dict[int, int] = {}
    for chunk in _chunks(sorted(members)):
        rows = await session.execute(
            select(Kudos.receiver_id, func.count())
            .where(Kudos.guild_id == guild_id, Kudos.receiver_id.in_(chunk), Kudos.ended_at.is_(None))
            .group_by(Kudos.receiver_id)
        )
        counts.update({receiver: int(count) for receiver, count in rows})
    return counts


# --- host tools -------------------------------------------------------------------------------------------------


async def revoke_kudos(
    session: AsyncSession, guild_id: int, kudos_id: int, *, host_id: int, now: datetime, rules: GuildRules
) -> Kudos:
    """A host takes a kudos back: it stops counting everywhere (the writer is held meanwhile)."""
    kudos = await session.get(Kudos, kudos_id)
    if kudos is None or kudos.guild_id != guild_id or kudos.ended_at is not None:
        raise UnknownKudosError()
    kudos.ended_at, kudos.end_reason, kudos.ended_by = now, EndReason.REVOKED.value, host_id
    change = TallyChange(guild_id, kudos.giver_id, kudos.receiver_id, kudos.category, kudos.given_at, -1)
    resets = {(guild_id, period): at for period, at in rules.resets.items()}
    deltas = tally_deltas([change], {guild_id: rules.zone}, resets)
    if deltas:
        await boards.upsert_totals(session, boards.tally_rows(deltas))
    await session.flush()
    return kudos


async def recent_kudos(session: AsyncSession, guild_id: int, limit: int = 25) -> list[Kudos]:
    """The latest kudos still counting, newest first (what a host picks from to revoke)."""
    rows = await session.scalars(
        select(Kudos).where(Kudos.guild_id == guild_id, Kudos.ended_at.is_(None)).order_by(Kudos.id.desc()).limit(limit)
    )
    return list(rows)


def _table(model: type[Kudos] | type[KudosTally]) -> Table:
    return model.__table__  # type: ignore[return-value]


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
