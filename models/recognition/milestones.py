"""Milestones: the one interface other capabilities report their events through, and what recording one does.

How another capability plugs in — inside its own unit of work, after the event happened::

    from models.recognition.milestones import MilestoneKind, report_milestone

    await report_milestone(session, guild_id, member_id, MilestoneKind.SESSION_ATTENDED, occurrence_id)

- `kind` is one of `REPORTED_KINDS` (a `MilestoneKind` or its value):
  `shared_post` (a member shared a post: level 1 is their first), `accepted_answer` (a member's answer was accepted),
  `session_attended` (a member attended a session), `mentorship_completed` (a mentorship the member took part in was
  completed: report it for the mentor and for the mentee), `project_finished` (a working-group project the member
  worked on was finished: report it for each member of the group).
- `dedupe_key` names the event (the post, answer, session occurrence, mentorship or project id): the same key
  reported twice counts once, so a retried or replayed report is harmless.
- Each event counts towards the server's thresholds for its kind (hosts choose them; defaults in
  `rules.DEFAULT_THRESHOLDS`, e.g. sessions attended 1, 5, 10, 25); each level is recorded once per member, gets the
  role a host mapped to it (given shortly after the transaction commits, by a scheduled job) and is named in the
  next recognition post. The function flushes and never commits; it returns the levels newly reached.

Recognition records `kudos_received` (thresholds) and `anniversary` (years since joining) itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.base import insert_or_ignore, utcnow
from models.recognition.rules import REPORTED_KINDS, MilestoneKind, anniversary_level, reached_levels, thresholds_for
from models.recognition.tables import Milestone, MilestoneRole, RecognitionEvent, RecognitionSettings

ROLES_JOB = "recognition.roles"
DEDUPE_KEY_MAX = 100

__all__ = ["REPORTED_KINDS", "MilestoneKind", "report_milestone"]


class RoleState:
    NONE = "none"
    PENDING = "pending"
    GIVEN = "given"
    FAILED = "failed"
    GONE = "gone"


async def report_milestone(
    session: AsyncSession,
    guild_id: int,
    member_id: int,
    kind: MilestoneKind | str,
    dedupe_key: str | int,
    *,
    now: datetime | None = None,
) -> list[int]:
    """Record that `member_id` did `kind` in `guild_id` (once per `dedupe_key`); the levels newly reached.

    Raises ValueError for a kind other capabilities cannot report (a programming error, not a member's).
    """
    chosen = MilestoneKind(kind)
    if chosen not in REPORTED_KINDS:
        raise ValueError(f"{chosen.value} is recorded by recognition itself, not reported")
    now = now or utcnow()
    fresh = await insert_or_ignore(
        session,
        RecognitionEvent,
        guild_id=guild_id,
        member_id=member_id,
        kind=chosen.value,
        dedupe_key=str(dedupe_key)[:DEDUPE_KEY_MAX],
        reported_at=now,
    )
    if not fresh:
        return []
    count = await session.scalar(
        select(func.count()).where(
            RecognitionEvent.guild_id == guild_id,
            RecognitionEvent.member_id == member_id,
            RecognitionEvent.kind == chosen.value,
        )
    )
    thresholds = thresholds_for(chosen, await chosen_thresholds(session, guild_id))
    reached = await record_levels(session, guild_id, chosen, {member_id: int(count or 0)}, thresholds, now=now)
    return [level for _, level in reached]


async def chosen_thresholds(session: AsyncSession, guild_id: int) -> dict[str, list[int]]:
    settings = await session.get(RecognitionSettings, guild_id)
    return dict(settings.thresholds) if settings is not None else {}


async def record_levels(
    session: AsyncSession,
    guild_id: int,
    kind: MilestoneKind,
    counts: Mapping[int, int],
    thresholds: Sequence[int],
    *,
    now: datetime,
) -> list[tuple[int, int]]:
    """The levels each member's count reaches that are not recorded yet, recorded now: [(member, level)]."""
    rows = await session.execute(
        select(Milestone.member_id, Milestone.level).where(
            Milestone.guild_id == guild_id, Milestone.kind == kind.value, Milestone.member_id.in_(sorted(counts))
        )
    )
    recorded: dict[int, list[int]] = {}
    for member, level in rows:
        recorded.setdefault(member, []).append(level)
    new = [
        (member, level)
        for member, count in counts.items()
        for level in reached_levels(count, thresholds, recorded.get(member, ()))
    ]
    return await record(session, guild_id, kind, new, now=now)


async def record(
    session: AsyncSession, guild_id: int, kind: MilestoneKind, reached: Sequence[tuple[int, int]], *, now: datetime
) -> list[tuple[int, int]]:
    """Record each (member, level) once; a level a host mapped to a role is queued for the roles job."""
    if not reached:
        return []
    roles = await mapped_roles(session, guild_id, kind)
    table = cast(Table, Milestone.__table__)
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table)
        .values(guild_id=guild_id, kind=kind.value, reached_at=now)
        .on_conflict_do_nothing()
        .returning(table.c.member_id, table.c.level)
    )
    rows = [
        {"member_id": member, "level": level, "role_state": RoleState.PENDING if level in roles else RoleState.NONE}
        for member, level in reached
    ]
    # One statement for the batch; a milestone another transaction recorded meanwhile is skipped, not returned.
    result = await session.execute(statement, rows)
    recorded = [(member, level) for member, level in result]
    if any(level in roles for _, level in recorded):
        await schedule_roles(session, guild_id, now=now)
    return recorded


async def record_anniversaries(
    session: AsyncSession, guild_id: int, joined: Mapping[int, datetime], *, now: datetime
) -> list[tuple[int, int]]:
    """Members whose join anniversary fell in the last few days (each year once)."""
    reached = [(member, years) for member, joined_at in joined.items() if (years := anniversary_level(joined_at, now))]
    return await record(session, guild_id, MilestoneKind.ANNIVERSARY, reached, now=now)


async def mapped_roles(session: AsyncSession, guild_id: int, kind: MilestoneKind) -> dict[int, int]:
    rows = await session.execute(
        select(MilestoneRole.level, MilestoneRole.role_id).where(
            MilestoneRole.guild_id == guild_id, MilestoneRole.kind == kind.value
        )
    )
    return {level: role_id for level, role_id in rows}


async def schedule_roles(session: AsyncSession, guild_id: int, *, now: datetime) -> None:
    """The roles job runs once this transaction commits (one job per server, however many milestones)."""
    await scheduling.schedule_job(
        session, kind=ROLES_JOB, key=f"guild:{guild_id}", due_at=now, guild_id=guild_id, payload={}
    )


@dataclass(frozen=True)
class RoleToGive:
    milestone_id: int
    member_id: int
    role_id: int


async def roles_to_give(session: AsyncSession, guild_id: int) -> list[RoleToGive]:
    rows = await session.execute(
        select(Milestone.id, Milestone.member_id, MilestoneRole.role_id)
        .join(
            MilestoneRole,
            (MilestoneRole.guild_id == Milestone.guild_id)
            & (MilestoneRole.kind == Milestone.kind)
            & (MilestoneRole.level == Milestone.level),
        )
        .where(Milestone.guild_id == guild_id, Milestone.role_state == RoleState.PENDING)
        .order_by(Milestone.id)
    )
    return [RoleToGive(*row) for row in rows]


async def mark_roles(session: AsyncSession, milestone_ids: Sequence[int], state: str) -> None:
    if milestone_ids:
        await session.execute(update(Milestone).where(Milestone.id.in_(list(milestone_ids))).values(role_state=state))


async def map_role(
    session: AsyncSession, guild_id: int, kind: MilestoneKind, level: int, role_id: int | None, *, now: datetime
) -> int:
    """Give `role_id` for a milestone from now on (None: no role any more). Members who already reached it get the
    role too; returns how many."""
    row = await session.get(MilestoneRole, (guild_id, kind.value, level))
    if role_id is None:
        if row is not None:
            await session.delete(row)
        return 0
    if row is None:
        session.add(MilestoneRole(guild_id=guild_id, kind=kind.value, level=level, role_id=role_id))
    else:
        row.role_id = role_id
    result = await session.execute(
        update(Milestone)
        .where(
            Milestone.guild_id == guild_id,
            Milestone.kind == kind.value,
            Milestone.level == level,
            Milestone.role_state.in_([RoleState.NONE, RoleState.FAILED]),
        )
        .values(role_state=RoleState.PENDING)
        .returning(Milestone.id)
    )
    waiting = len(result.all())
    if waiting:
        await schedule_roles(session, guild_id, now=now)
    await session.flush()
    return waiting


async def member_milestones(session: AsyncSession, guild_id: int, member_id: int) -> list[Milestone]:
    rows = await session.scalars(
        select(Milestone)
        .where(Milestone.guild_id == guild_id, Milestone.member_id == member_id)
        .order_by(Milestone.reached_at, Milestone.id)
    )
    return list(rows)
