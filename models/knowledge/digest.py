"""The weekly knowledge digest: what it says, and claiming a week so it is posted exactly once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import insert_or_ignore
from models.knowledge import rules
from models.knowledge.rules import Kind
from models.knowledge.tables import (
    KnowledgeDigest,
    KnowledgeEntry,
    KnowledgeResource,
    KnowledgeThread,
)

# --- the weekly digest ------------------------------------------------------------------------------------------


@dataclass
class Digest:
    """What a week brought: new posts, newly solved questions, the most helpful answers, new resources."""

    posts: list[KnowledgeThread] = field(default_factory=list)
    solved: list[KnowledgeThread] = field(default_factory=list)
    helpful: list[KnowledgeEntry] = field(default_factory=list)
    resources: list[KnowledgeResource] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.posts or self.solved or self.helpful or self.resources)


async def digest_content(session: AsyncSession, guild_id: int, *, until: datetime) -> Digest:
    since = until - timedelta(days=7)
    limit = rules.DIGEST_ITEMS
    threads = KnowledgeThread
    posts = await session.scalars(
        select(threads)
        .where(threads.guild_id == guild_id, threads.created_at >= since, threads.created_at < until)
        .order_by(threads.created_at.desc())
        .limit(limit)
    )
    solved = await session.scalars(
        select(threads)
        .where(threads.guild_id == guild_id, threads.solved_at >= since, threads.solved_at < until)
        .order_by(threads.solved_at.desc())
        .limit(limit)
    )
    entries = KnowledgeEntry
    helpful = await session.scalars(
        select(entries)
        .where(
            entries.guild_id == guild_id,
            entries.helpful > 0,
            entries.created_at >= since,
            entries.kind != Kind.POST,
        )
        .order_by(entries.helpful.desc(), entries.id.desc())
        .limit(limit)
    )
    resources = await session.scalars(
        select(KnowledgeResource)
        .where(
            KnowledgeResource.guild_id == guild_id,
            KnowledgeResource.status == rules.ResourceStatus.APPROVED,
            KnowledgeResource.decided_at >= since,
            KnowledgeResource.decided_at < until,
        )
        .order_by(KnowledgeResource.upvotes.desc(), KnowledgeResource.id.desc())
        .limit(limit)
    )
    return Digest(list(posts), list(solved), list(helpful), list(resources))


async def claim_digest(session: AsyncSession, guild_id: int, week: str, *, now: datetime) -> KnowledgeDigest | None:
    """This week's digest row, unless it was already posted (a retry of a post that failed gets the row back)."""
    await insert_or_ignore(session, KnowledgeDigest, guild_id=guild_id, week=week, created_at=now)
    digest = await session.get_one(KnowledgeDigest, (guild_id, week))
    return None if digest.message_id is not None else digest


async def record_digest(session: AsyncSession, guild_id: int, week: str, channel_id: int, message_id: int) -> None:
    await session.execute(
        update(KnowledgeDigest)
        .where(KnowledgeDigest.guild_id == guild_id, KnowledgeDigest.week == week)
        .values(channel_id=channel_id, message_id=message_id)
    )
