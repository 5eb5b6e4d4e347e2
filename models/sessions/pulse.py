"""Pulse surveys: a short recurring question (1–5 and a comment) to a channel or, by DM, to a role's members.

Each run is a feedback round of its own, so answers (named or anonymous) and their trend use the same machinery as
session feedback. The recurrence is a recurring job in `scheduled_jobs`: after each run it moves to its next
occurrence after now, so runs missed while Agora was down happen once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.errors import UserError
from models.sessions import recurrence, rules
from models.sessions.tables import PulseSurvey

PULSE_JOB = "sessions.pulse"
ROUND_OPEN = timedelta(days=7)
CHOICES = {
    "weekly": "FREQ=WEEKLY",
    "biweekly": "FREQ=WEEKLY;INTERVAL=2",
    "monthly": "FREQ=MONTHLY",
    "quarterly": "FREQ=MONTHLY;INTERVAL=3",
}


class PulseUnknownError(UserError, key="sessions.pulse.unknown"): ...


class PulseTargetError(UserError, key="sessions.pulse.target"): ...


async def create_pulse(
    session: AsyncSession,
    guild_id: int,
    *,
    question: str,
    every: str,
    start: str,
    zone: ZoneInfo,
    channel_id: int | None,
    role_id: int | None,
    created_by: int,
    now: datetime,
) -> tuple[PulseSurvey, datetime]:
    """Store the survey and arm its recurring job; returns it and its first run (aware UTC)."""
    text = rules.check_text(question, rules.QUESTION_MAX, "question")
    if text is None:
        raise rules.TitleEmptyError()
    if (channel_id is None) == (role_id is None):
        raise PulseTargetError()
    rule = CHOICES.get(every)
    if rule is None:
        raise recurrence.RuleUnreadableError(value=every[:100])
    wall = rules.parse_local(start)
    first, _ = recurrence.to_utc(wall, zone)
    rules.check_start(first, now)
    pulse = PulseSurvey(
        guild_id=guild_id,
        question=text,
        rule=rule,
        timezone=zone.key,
        channel_id=channel_id,
        role_id=role_id,
        created_by=created_by,
        created_at=now,
    )
    session.add(pulse)
    await session.flush()
    await scheduling.schedule_job(
        session,
        kind=PULSE_JOB,
        key=str(pulse.id),
        due_at=first,
        guild_id=guild_id,
        payload={"pulse": pulse.id},
        rrule=rule,
        timezone=zone.key,
    )
    return pulse, first


async def get_pulse(session: AsyncSession, pulse_id: int | str | None, guild_id: int) -> PulseSurvey:
    wanted = rules.row_id(pulse_id)
    found = await session.get(PulseSurvey, wanted) if wanted else None
    if found is None or found.guild_id != guild_id:
        raise PulseUnknownError()
    return found


async def stop_pulse(session: AsyncSession, pulse: PulseSurvey, *, now: datetime) -> None:
    if pulse.stopped_at is not None:
        raise PulseUnknownError()
    pulse.stopped_at = now
    await scheduling.cancel_job(session, kind=PULSE_JOB, key=str(pulse.id))


async def pulse_choices(session: AsyncSession, guild_id: int, text: str, limit: int = 25) -> list[PulseSurvey]:
    query = select(PulseSurvey).where(PulseSurvey.guild_id == guild_id)
    needle = " ".join(text.split()).lower()[:100]
    if needle:
        query = query.where(func.lower(PulseSurvey.question).contains(needle, autoescape=True))
    found = await session.scalars(
        query.order_by(PulseSurvey.stopped_at.is_not(None), PulseSurvey.id.desc()).limit(limit)
    )
    return list(found)
