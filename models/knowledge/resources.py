"""Recommended resources: members suggest readings, videos and courses; hosts approve or reject them; members upvote
approved ones and keep their own list (to read, read). One URL (normalised) is suggested once per server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import insert_or_ignore
from models.errors import NoLongerAvailableError
from models.knowledge import rules
from models.knowledge.rules import Level, Mark, ResourceStatus
from models.knowledge.tables import KnowledgeResource, KnowledgeResourceMark, KnowledgeResourceVote
from models.knowledge.text import fold


async def suggest(
    session: AsyncSession,
    guild_id: int,
    member_id: int,
    *,
    url: str,
    title: str,
    topic: str,
    level: Level,
    language: str,
    now: datetime,
) -> KnowledgeResource:
    link = rules.check_link(url)
    key = rules.normalize_url(link)
    title, topic = rules.check_resource(title, topic)
    taken = await session.scalar(
        select(KnowledgeResource.id).where(KnowledgeResource.guild_id == guild_id, KnowledgeResource.url_key == key)
    )
    if taken is not None:
        raise rules.ResourceDuplicateError(url=link[:100])
    resource = KnowledgeResource(
        guild_id=guild_id,
        url=link,
        url_key=key,
        title=title,
        topic=topic,
        topic_key=fold(topic),
        level=level.value,
        language=language if language in rules.RESOURCE_LANGUAGES else "other",
        status=ResourceStatus.PENDING,
        suggested_by=member_id,
        upvotes=0,
        created_at=now,
    )
    session.add(resource)
    await session.flush()
    return resource


async def get(session: AsyncSession, guild_id: int, resource_id: int) -> KnowledgeResource:
    resource = await session.get(KnowledgeResource, resource_id)
    if resource is None or resource.guild_id != guild_id:
        raise NoLongerAvailableError()
    return resource


async def record_review(session: AsyncSession, resource_id: int, channel_id: int, message_id: int) -> None:
    await session.execute(
        update(KnowledgeResource)
        .where(KnowledgeResource.id == resource_id)
        .values(review_channel_id=channel_id, review_message_id=message_id)
    )


async def decide(
    session: AsyncSession, guild_id: int, resource_id: int, *, approve: bool, host_id: int, now: datetime
) -> KnowledgeResource:
    """A host approves or rejects a pending suggestion (once: a second click says who decided)."""
    resource = await get(session, guild_id, resource_id)
    if resource.status != ResourceStatus.PENDING:
        raise rules.ResourceDecidedError(status=resource.status)
    resource.status = ResourceStatus.APPROVED if approve else ResourceStatus.REJECTED
    resource.decided_by, resource.decided_at = host_id, now
    await session.flush()
    return resource


@dataclass(frozen=True)
class Listing:
    resources: list[KnowledgeResource]
    total: int
    page: rules.Page


async def approved(
    session: AsyncSession,
    guild_id: int,
    *,
    topic: str | None,
    level: str | None,
    language: str | None,
    page: int,
) -> Listing:
    """Approved resources, most upvoted first, one page."""
    conditions = [KnowledgeResource.guild_id == guild_id, KnowledgeResource.status == ResourceStatus.APPROVED]
    if topic:
        conditions.append(KnowledgeResource.topic_key == fold(" ".join(topic.split())))
    if level:
        conditions.append(KnowledgeResource.level == level)
    if language:
        conditions.append(KnowledgeResource.language == language)
    total = int(await session.scalar(select(func.count()).where(*conditions)) or 0)
    size = rules.RESOURCE_PAGE_SIZE
    shown = rules.Page.of(page, total, size)
    rows = await session.scalars(
        select(KnowledgeResource)
        .where(*conditions)
        .order_by(KnowledgeResource.upvotes.desc(), KnowledgeResource.id.desc())
        .offset(shown.number * size)
        .limit(size)
    )
    return Listing(list(rows), total, shown)


async def topics(session: AsyncSession, guild_id: int, typed: str, limit: int = 25) -> list[str]:
    """Topics of approved resources starting like what was typed (autocomplete)."""
    wanted = fold(typed.strip())
    rows = await session.execute(
        select(KnowledgeResource.topic, KnowledgeResource.topic_key)
        .where(KnowledgeResource.guild_id == guild_id, KnowledgeResource.status == ResourceStatus.APPROVED)
        .distinct()
        .order_by(KnowledgeResource.topic_key)
    )
    return [topic for topic, key in rows if key.startswith(wanted)][:limit]


async def upvote(session: AsyncSession, guild_id: int, resource_id: int, member_id: int) -> tuple[bool, int]:
    """Toggle the member's upvote: (upvoted now, count)."""
    resource = await get(session, guild_id, resource_id)
    if resource.status != ResourceStatus.APPROVED:
        raise NoLongerAvailableError()
    added = await insert_or_ignore(
        session, KnowledgeResourceVote, resource_id=resource_id, member_id=member_id, guild_id=guild_id
    )
    if not added:
        await session.execute(
            delete(KnowledgeResourceVote).where(
                KnowledgeResourceVote.resource_id == resource_id, KnowledgeResourceVote.member_id == member_id
            )
        )
    count = int(await session.scalar(select(func.count()).where(KnowledgeResourceVote.resource_id == resource_id)) or 0)
    resource.upvotes = count
    await session.flush()
    return added, count


async def mark(
    session: AsyncSession, guild_id: int, resource_id: int, member_id: int, state: Mark, *, now: datetime
) -> KnowledgeResource:
    """Put a resource in the member's list as to read or read (the same state again takes it out)."""
    resource = await get(session, guild_id, resource_id)
    existing = await session.get(KnowledgeResourceMark, (resource_id, member_id))
    if existing is not None and existing.state == state:
        await session.delete(existing)
    elif existing is not None:
        existing.state, existing.updated_at = state, now
    else:
        session.add(
            KnowledgeResourceMark(
                resource_id=resource_id, member_id=member_id, guild_id=guild_id, state=state, updated_at=now
            )
        )
    await session.flush()
    return resource


async def marks(session: AsyncSession, guild_id: int, member_id: int, resource_ids: list[int]) -> dict[int, str]:
    rows = await session.execute(
        select(KnowledgeResourceMark.resource_id, KnowledgeResourceMark.state).where(
            KnowledgeResourceMark.member_id == member_id, KnowledgeResourceMark.resource_id.in_(resource_ids)
        )
    )
    return {resource_id: state for resource_id, state in rows}


async def votes(session: AsyncSession, member_id: int, resource_ids: list[int]) -> set[int]:
    rows = await session.scalars(
        select(KnowledgeResourceVote.resource_id).where(
            KnowledgeResourceVote.member_id == member_id, KnowledgeResourceVote.resource_id.in_(resource_ids)
        )
    )
    return set(rows)


async def mine(session: AsyncSession, guild_id: int, member_id: int) -> list[tuple[KnowledgeResource, str]]:
    """The member's list: to read first, then read; newest first in each."""
    rows = await session.execute(
        select(KnowledgeResource, KnowledgeResourceMark.state)
        .join(KnowledgeResourceMark, KnowledgeResourceMark.resource_id == KnowledgeResource.id)
        .where(KnowledgeResourceMark.guild_id == guild_id, KnowledgeResourceMark.member_id == member_id)
        .order_by(KnowledgeResourceMark.state.desc(), KnowledgeResourceMark.updated_at.desc())
    )
    return [(resource, state) for resource, state in rows]


async def forget_member(session: AsyncSession, guild_id: int, member_id: int) -> int:
    """The member's votes and list go; resources they suggested stay, without their name."""
    removed = 0
    for table in (KnowledgeResourceVote, KnowledgeResourceMark):
        result = await session.execute(delete(table).where(table.guild_id == guild_id, table.member_id == member_id))
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    await session.execute(
        update(KnowledgeResource)
        .where(KnowledgeResource.guild_id == guild_id, KnowledgeResource.suggested_by == member_id)
        .values(suggested_by=0)
    )
    return removed


async def export_member(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    suggested = await session.scalars(
        select(KnowledgeResource).where(
            KnowledgeResource.guild_id == guild_id, KnowledgeResource.suggested_by == member_id
        )
    )
    return {
        "knowledge_resources_suggested": [{"url": r.url, "title": r.title, "status": r.status} for r in suggested],
        "knowledge_resources_list": [
            {"url": resource.url, "state": state} for resource, state in await mine(session, guild_id, member_id)
        ],
    }
