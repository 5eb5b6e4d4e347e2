"""A group's rhythm: check-in prompts on its cadence, a reminder when it has been silent too long, and the hosts'
weekly digest of every group's health. The schedule lives in `scheduled_jobs`; handlers take `now`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.groups import rules
from models.groups.projects import CHECKIN_JOB, checkin_key
from models.groups.rules import Cadence, Health, Status
from models.groups.service import group_settings
from models.groups.tables import Group, GroupSeat
from models.scheduling import JobState, ScheduledJob

SWEEP_JOB = "groups.sweep"  # daily, per server: silence reminders
DIGEST_JOB = "groups.digest"  # weekly, per server, when the hosts asked for it
DIGEST_WEEKDAY = 0  # Monday


def guild_key(guild_id: int) -> str:
    return f"guild:{guild_id}"


async def set_checkin(
    session: AsyncSession, group: Group, cadence: Cadence, *, zone: ZoneInfo, now: datetime
) -> datetime | None:
    """Start, change or stop a group's check-ins; returns the first one (None when stopped)."""
    rules.check_active(group.status)
    group.checkin = cadence
    if cadence == Cadence.OFF:
        await scheduling.cancel_job(session, kind=CHECKIN_JOB, key=checkin_key(group.id))
        return None
    rule, _ = rules.CADENCE_RULES[cadence]
    first = rules.first_checkin(now, zone, cadence)
    await scheduling.schedule_job(
        session,
        kind=CHECKIN_JOB,
        key=checkin_key(group.id),
        due_at=first,
        guild_id=group.guild_id,
        payload={"group_id": group.id},
        rrule=rule,
        timezone=zone.key,
    )
    return first


async def ensure_sweep(session: AsyncSession, guild_id: int, *, zone: ZoneInfo, now: datetime) -> None:
    """The server's daily look for silent groups, scheduled once (a pending one is left as it is)."""
    await _ensure(session, SWEEP_JOB, guild_id, "FREQ=DAILY", rules.next_local(now, zone), zone)


async def set_digest(session: AsyncSession, guild_id: int, enabled: bool, *, zone: ZoneInfo, now: datetime) -> None:
    if not enabled:
        await scheduling.cancel_job(session, kind=DIGEST_JOB, key=guild_key(guild_id))
        return
    first = rules.next_local(now, zone, weekday=DIGEST_WEEKDAY)
    await _ensure(session, DIGEST_JOB, guild_id, "FREQ=WEEKLY", first, zone)


async def _ensure(session: AsyncSession, kind: str, guild_id: int, rule: str, first: datetime, zone: ZoneInfo) -> None:
    pending = await session.scalar(
        select(ScheduledJob.id).where(
            ScheduledJob.kind == kind, ScheduledJob.key == guild_key(guild_id), ScheduledJob.state == JobState.PENDING
        )
    )
    if pending is None:
        await scheduling.schedule_job(
            session, kind=kind, key=guild_key(guild_id), due_at=first, guild_id=guild_id, rrule=rule, timezone=zone.key
        )


async def checkin_target(session: AsyncSession, group_id: int) -> Group | None:
    """The group a check-in job is for, when it is still active with a space; else the job has nothing to do."""
    group = await session.get(Group, group_id)
    if group is None or group.status != Status.ACTIVE or group.space_id is None or group.checkin == Cadence.OFF:
        return None
    return group


async def mark_checkin(session: AsyncSession, group_id: int, *, now: datetime) -> None:
    await session.execute(update(Group).where(Group.id == group_id).values(last_checkin_at=now))


async def silent_groups(session: AsyncSession, guild_id: int, *, now: datetime) -> tuple[int, list[Group]]:
    """(silence days, active groups silent that long and not reminded since they last spoke)."""
    days = (await group_settings(session, guild_id)).silence_days
    groups = await session.scalars(
        select(Group).where(Group.guild_id == guild_id, Group.status == Status.ACTIVE, Group.space_id.is_not(None))
    )
    silent = [
        group
        for group in groups
        if rules.is_silent(group.last_activity_at, group.silence_reminded_at, now=now, silence_days=days)
    ]
    return days, silent


async def mark_reminded(session: AsyncSession, group_id: int, *, now: datetime) -> None:
    await session.execute(update(Group).where(Group.id == group_id).values(silence_reminded_at=now))


async def health_report(session: AsyncSession, guild_id: int, *, now: datetime) -> tuple[list[Health], int]:
    """(each active group's health, committees first then the quietest; how many groups wait for approval).

    Two queries whatever the number of groups: the groups, and their seats counted by kind in the database.
    """
    days = (await group_settings(session, guild_id)).silence_days
    active = (Group.guild_id == guild_id, Group.status == Status.ACTIVE)
    groups = (
        await session.execute(
            select(
                Group.id, Group.name, Group.cap, Group.last_activity_at, Group.last_checkin_at, Group.committee
            ).where(*active)
        )
    ).all()
    counted = await session.execute(
        select(GroupSeat.group_id, GroupSeat.seat, func.count())
        .join(Group, Group.id == GroupSeat.group_id)
        .where(*active)
        .group_by(GroupSeat.group_id, GroupSeat.seat)
    )
    seats: dict[int, dict[str, int]] = {}
    for group_id, seat, count in counted:
        seats.setdefault(group_id, {})[seat] = count
    report = [
        rules.health(
            group_id=group.id,
            name=group.name,
            seats=seats.get(group.id, {}),
            cap=group.cap,
            last_activity_at=group.last_activity_at,
            last_checkin_at=group.last_checkin_at,
            committee=group.committee,
            now=now,
            silence_days=days,
        )
        for group in groups
    ]
    report.sort(key=lambda item: (not item.committee, -item.silent_days, item.name.casefold()))
    pending = await session.scalar(
        select(func.count()).select_from(Group).where(Group.guild_id == guild_id, Group.status == Status.PENDING)
    )
    return report, int(pending or 0)
