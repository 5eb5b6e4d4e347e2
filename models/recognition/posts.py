"""The recognition post: milestones gathered into one post per day or week, posted once even across a restart.

A run first claims its period (`recognition_posts`, one row per server and period) and the milestones it will name,
and commits; only then is the post sent, with a nonce derived from that row, and its message id recorded. A run
that stopped in between finds the row and sends the same post again, which Discord recognises by its nonce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.recognition.rules import Cadence
from models.recognition.tables import Milestone, RecognitionMember, RecognitionPost
from models.scheduling import JobState, ScheduledJob

POST_JOB = "recognition.post"
DAILY_JOB = "recognition.daily"
POST_HOUR = 18  # local time: the day's or the week's post goes out in the evening
DAILY_HOUR = 9  # local time: anniversaries are noticed in the morning
RULES = {Cadence.DAILY: "FREQ=DAILY", Cadence.WEEKLY: "FREQ=WEEKLY;BYDAY=FR"}


def job_key(guild_id: int) -> str:
    return f"guild:{guild_id}"


def first_run(rule: str, hour: int, zone: ZoneInfo, now: datetime) -> datetime:
    """The first time `rule` fires at `hour` local time after `now` (aware UTC)."""
    anchor = datetime.combine(now.astimezone(zone).date(), time(hour), tzinfo=zone).astimezone(UTC)
    found = scheduling.next_occurrence(rule, anchor=anchor, timezone=zone.key, after=now)
    return found if found is not None else now + timedelta(days=1)


async def ensure_jobs(session: AsyncSession, guild_id: int, cadence: Cadence, zone: ZoneInfo, *, now: datetime) -> None:
    """The server's recurring jobs exist and follow its cadence and time zone (moved only when they changed)."""
    await _ensure(session, DAILY_JOB, guild_id, "FREQ=DAILY", DAILY_HOUR, zone, now)
    if cadence is Cadence.OFF:
        await scheduling.cancel_job(session, kind=POST_JOB, key=job_key(guild_id))
    else:
        await _ensure(session, POST_JOB, guild_id, RULES[cadence], POST_HOUR, zone, now)


async def _ensure(
    session: AsyncSession, kind: str, guild_id: int, rule: str, hour: int, zone: ZoneInfo, now: datetime
) -> None:
    job = await session.scalar(
        select(ScheduledJob).where(ScheduledJob.kind == kind, ScheduledJob.key == job_key(guild_id))
    )
    live = job is not None and job.state in (JobState.PENDING, JobState.RUNNING)
    if live and job is not None and job.rrule == rule and job.timezone == zone.key:
        return
    await scheduling.schedule_job(
        session,
        kind=kind,
        key=job_key(guild_id),
        due_at=first_run(rule, hour, zone, now),
        guild_id=guild_id,
        rrule=rule,
        timezone=zone.key,
    )


@dataclass(frozen=True)
class PostLine:
    member_id: int
    kind: str
    level: int
    named: bool


@dataclass(frozen=True)
class PostDraft:
    post_id: int
    period: str
    message_id: int | None
    lines: list[PostLine]

    @property
    def nonce(self) -> str:
        """A Discord nonce (≤ 25 characters) for this post: sent again after a stop, it is not posted twice."""
        return f"rp{self.post_id}"


async def claim_post(session: AsyncSession, guild_id: int, period: str, *, now: datetime) -> PostDraft | None:
    """This period's post: the one already claimed (maybe already sent), or a new one with the milestones nobody
    has been told about yet; None when there is nothing to post."""
    post = await session.scalar(
        select(RecognitionPost).where(RecognitionPost.guild_id == guild_id, RecognitionPost.period == period)
    )
    if post is None:
        waiting = list(
            await session.scalars(
                select(Milestone.id).where(
                    Milestone.guild_id == guild_id, Milestone.post_id.is_(None), Milestone.reached_at <= now
                )
            )
        )
        if not waiting:
            return None
        post = RecognitionPost(guild_id=guild_id, period=period, created_at=now)
        session.add(post)
        await session.flush()
        await session.execute(update(Milestone).where(Milestone.id.in_(waiting)).values(post_id=post.id))
    return PostDraft(post.id, period, post.message_id, await _lines(session, guild_id, post.id))


async def _lines(session: AsyncSession, guild_id: int, post_id: int) -> list[PostLine]:
    """The post's milestones, each member's highest level per kind, and whether the member may be named."""
    rows = await session.execute(
        select(Milestone.member_id, Milestone.kind, Milestone.level).where(Milestone.post_id == post_id)
    )
    highest: dict[tuple[int, str], int] = {}
    for member, kind, level in rows:
        highest[member, kind] = max(level, highest.get((member, kind), 0))
    hidden = set(
        await session.scalars(
            select(RecognitionMember.member_id).where(
                RecognitionMember.guild_id == guild_id,
                (RecognitionMember.named.is_(False)) | (RecognitionMember.excluded.is_(True)),
            )
        )
    )
    return [
        PostLine(member, kind, level, member not in hidden)
        for (member, kind), level in sorted(highest.items(), key=lambda item: (item[0][0], item[0][1]))
    ]


async def mark_posted(session: AsyncSession, post_id: int, *, channel_id: int, message_id: int, now: datetime) -> None:
    post = await session.get_one(RecognitionPost, post_id)
    post.channel_id, post.message_id, post.posted_at = channel_id, message_id, now
    await session.flush()
