"""Members who leave are erased after a delay: one scheduled job per departure, gone if they come back.

The job's key names the member, so it is part of what Agora holds about them: exported, and erased with the rest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.privacy.interface import MemberData, rowcount
from models.scheduling import JobState, ScheduledJob

ERASE_JOB = "privacy.erase_departed"


def job_key(guild_id: int, member_id: int) -> str:
    return f"{guild_id}:{member_id}"


async def schedule(session: AsyncSession, guild_id: int, member_id: int, *, due_at: datetime) -> None:
    """The member left: erase them at `due_at` unless they come back (a second departure keeps the first date)."""
    pending = await session.scalar(
        select(ScheduledJob.id).where(
            ScheduledJob.kind == ERASE_JOB,
            ScheduledJob.key == job_key(guild_id, member_id),
            ScheduledJob.state.in_((JobState.PENDING, JobState.RUNNING)),
        )
    )
    if pending is None:
        await scheduling.schedule_job(
            session,
            kind=ERASE_JOB,
            key=job_key(guild_id, member_id),
            due_at=due_at,
            guild_id=guild_id,
            payload={"member_id": member_id},
        )


async def cancel(session: AsyncSession, guild_id: int, member_id: int) -> bool:
    """The member came back: nothing is erased (the job's row goes, it named them)."""
    result = await session.execute(
        delete(ScheduledJob).where(ScheduledJob.kind == ERASE_JOB, ScheduledJob.key == job_key(guild_id, member_id))
    )
    return rowcount(result) > 0


async def pending(session: AsyncSession, guild_id: int) -> dict[int, datetime]:
    """Members of the server waiting to be erased, and when."""
    rows = await session.execute(
        select(ScheduledJob.payload, ScheduledJob.due_at).where(
            ScheduledJob.kind == ERASE_JOB, ScheduledJob.guild_id == guild_id, ScheduledJob.state == JobState.PENDING
        )
    )
    return {int(payload["member_id"]): due_at for payload, due_at in rows}


async def export(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    due = await session.scalar(
        select(ScheduledJob.due_at).where(
            ScheduledJob.kind == ERASE_JOB,
            ScheduledJob.key == job_key(guild_id, member_id),
            ScheduledJob.state == JobState.PENDING,
        )
    )
    return {"erase_after_leaving_at": due.isoformat() if due else None}


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    return int(await cancel(session, guild_id, member_id))


async def members(session: AsyncSession, guild_id: int) -> set[int]:
    return set(await pending(session, guild_id))


PRIVACY = MemberData(name="privacy", export=export, erase=erase, columns=(), members=members)
