"""Knowledge use cases: settings, saving and withdrawing, opting out, searching with pages, exports and members'
data. They flush, never commit. Indexing lives in `index`, the weekly digest in `digest`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.base import guild_row, insert_or_ignore
from models.errors import StrangerError
from models.knowledge import resources, rules
from models.knowledge.index import Draft, get_entry, index_message, opted_out
from models.knowledge.rules import Kind, Tag
from models.knowledge.search import Filters, Found, search
from models.knowledge.tables import (
    KnowledgeEntry,
    KnowledgeOptOut,
    KnowledgeSearch,
    KnowledgeSettings,
    KnowledgeThread,
    KnowledgeWithdrawal,
)
from models.knowledge.text import fold, parse_query

DIGEST_JOB = "knowledge.digest"
EXPORT_COLUMNS = (
    "message_id",
    "thread_id",
    "channel_id",
    "kind",
    "title",
    "author_id",
    "tags",
    "solved",
    "accepted_answer",
    "helpful",
    "language",
    "created_at",
    "edited_at",
)


# --- settings -------------------------------------------------------------------------------------------------


async def knowledge_settings(session: AsyncSession, guild_id: int) -> KnowledgeSettings:
    return await guild_row(
        session,
        KnowledgeSettings,
        guild_id,
        digest_enabled=True,
        digest_day=rules.DEFAULT_DIGEST_DAY,
        helpful_emoji=rules.DEFAULT_HELPFUL_EMOJI,
    )


def tag_ids(settings: KnowledgeSettings) -> dict[Tag, int | None]:
    return {tag: getattr(settings, f"{tag.value}_tag_id") for tag in Tag}


async def set_tag(session: AsyncSession, guild_id: int, tag: Tag, tag_id: int | None, *, now: datetime) -> None:
    settings = await knowledge_settings(session, guild_id)
    setattr(settings, f"{tag.value}_tag_id", tag_id)
    settings.updated_at = now


async def set_digest(
    session: AsyncSession,
    guild_id: int,
    *,
    enabled: bool | None,
    day: int | None,
    emoji: str | None,
    zone: ZoneInfo,
    now: datetime,
) -> KnowledgeSettings:
    """Change the digest or the helpful emoji; the digest's job moves to the chosen day (or is cancelled)."""
    settings = await knowledge_settings(session, guild_id)
    if enabled is not None:
        settings.digest_enabled = enabled
    if day is not None:
        settings.digest_day = day
    if emoji is not None:
        settings.helpful_emoji = emoji
    settings.updated_at = now
    if enabled is not None or day is not None:
        await schedule_digest(session, settings, zone, now=now, move=True)
    return settings


async def schedule_digest(
    session: AsyncSession, settings: KnowledgeSettings, zone: ZoneInfo, *, now: datetime, move: bool = False
) -> None:
    """Keep one weekly job per server: created when missing, moved when `move`, cancelled when the digest is off."""
    key = str(settings.guild_id)
    if not settings.digest_enabled:
        await scheduling.cancel_job(session, kind=DIGEST_JOB, key=key)
        return
    existing = await session.scalar(
        select(scheduling.ScheduledJob).where(
            scheduling.ScheduledJob.kind == DIGEST_JOB, scheduling.ScheduledJob.key == key
        )
    )
    if existing is not None and existing.state == scheduling.JobState.PENDING and not move:
        return
    await scheduling.schedule_job(
        session,
        kind=DIGEST_JOB,
        key=key,
        due_at=rules.next_digest(now, settings.digest_day, zone),
        guild_id=settings.guild_id,
        rrule=rules.digest_rule(settings.digest_day),
        timezone=zone.key,
    )


# --- saving, withdrawing, opting out -------------------------------------------------------------------------


async def save_message(session: AsyncSession, draft: Draft) -> KnowledgeEntry:
    """A member saves a helpful message; its author may withdraw it, and nobody saves it again after that."""
    if not draft.content.strip():
        raise rules.SaveEmptyError()
    if await session.get(KnowledgeWithdrawal, (draft.guild_id, draft.message_id)) is not None:
        raise rules.WithdrawnError()
    if await get_entry(session, draft.guild_id, draft.message_id) is not None:
        raise rules.AlreadySavedError()
    if await opted_out(session, draft.guild_id, draft.author_id):
        raise rules.AuthorOptedOutError()
    entry = await index_message(session, draft)
    if entry is None:  # pragma: no cover - checked above
        raise rules.SaveEmptyError()
    return entry


async def withdraw(session: AsyncSession, guild_id: int, entry_id: int, member_id: int, *, now: datetime) -> bool:
    """The author takes their message out of the index for good; False when it was already gone."""
    entry = await session.get(KnowledgeEntry, entry_id)
    if entry is None or entry.guild_id != guild_id:
        return False
    if entry.author_id != member_id:
        raise StrangerError()
    await insert_or_ignore(
        session, KnowledgeWithdrawal, guild_id=guild_id, message_id=entry.message_id, withdrawn_at=now
    )
    await session.delete(entry)
    await session.flush()
    return True


async def opt_out(session: AsyncSession, guild_id: int, member_id: int, *, now: datetime) -> int:
    """None of the member's messages stay in the index, nor enter it from now on; returns how many left it."""
    await insert_or_ignore(session, KnowledgeOptOut, guild_id=guild_id, member_id=member_id, since=now)
    result = await session.execute(
        delete(KnowledgeEntry).where(KnowledgeEntry.guild_id == guild_id, KnowledgeEntry.author_id == member_id)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def opt_in(session: AsyncSession, guild_id: int, member_id: int) -> bool:
    result = await session.execute(
        delete(KnowledgeOptOut).where(KnowledgeOptOut.guild_id == guild_id, KnowledgeOptOut.member_id == member_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- searching ------------------------------------------------------------------------------------------------


async def start_search(
    session: AsyncSession, guild_id: int, member_id: int, typed: str, filters: Filters, *, now: datetime
) -> tuple[KnowledgeSearch, Found]:
    """A member's search: kept (so its pages work), and its first page."""
    query_text = rules.check_query(typed)
    query = parse_query(query_text)
    if query.empty:
        raise rules.QueryTooVagueError(query=query_text[:100])
    await session.execute(delete(KnowledgeSearch).where(KnowledgeSearch.created_at < now - rules.SEARCH_KEPT))
    saved = KnowledgeSearch(
        guild_id=guild_id,
        member_id=member_id,
        query=query_text,
        tag=filters.tag,
        author_id=filters.author_id,
        language=filters.language,
        created_at=now,
    )
    session.add(saved)
    await session.flush()
    return saved, await search(session, guild_id, query, filters, limit=rules.PAGE_SIZE)


async def search_page(session: AsyncSession, search_id: int, page: int) -> tuple[KnowledgeSearch, Found] | None:
    """Another page of a kept search; None once it expired."""
    saved = await session.get(KnowledgeSearch, search_id)
    if saved is None:
        return None
    filters = Filters(tag=saved.tag, author_id=saved.author_id, language=saved.language)
    query = parse_query(saved.query)
    offset = max(0, page) * rules.PAGE_SIZE
    return saved, await search(session, saved.guild_id, query, filters, offset=offset, limit=rules.PAGE_SIZE)


async def thread_tags(session: AsyncSession, entries: Iterable[KnowledgeEntry]) -> dict[int, list[str]]:
    """The tag names of the threads these entries belong to, as members see them."""
    ids = {entry.thread_id for entry in entries if entry.thread_id}
    if not ids:
        return {}
    rows = await session.execute(
        select(KnowledgeThread.thread_id, KnowledgeThread.tag_names).where(KnowledgeThread.thread_id.in_(ids))
    )
    return {thread_id: list(names or []) for thread_id, names in rows}


async def title_suggestions(session: AsyncSession, guild_id: int, typed: str, limit: int = 25) -> list[str]:
    """Thread titles with a word starting like what the member typed (accents and case aside), best ranked first."""
    wanted = fold(" ".join(typed.split()))[:50]
    rows = await session.scalars(
        select(KnowledgeThread.title)
        .where(KnowledgeThread.guild_id == guild_id)
        .order_by(KnowledgeThread.solved.desc(), KnowledgeThread.created_at.desc())
        .limit(2000)
    )
    found = []
    for title in rows:
        folded = fold(title)
        if not wanted or folded.startswith(wanted) or f" {wanted}" in folded:
            found.append(title)
            if len(found) == limit:
                break
    return found


# --- exports and members' data --------------------------------------------------------------------------------


async def export_rows(session: AsyncSession, guild_id: int) -> list[tuple[object, ...]]:
    """The index's metadata for hosts: no message text (a saved message may come from a channel they cannot see)."""
    rows = await session.scalars(
        select(KnowledgeEntry).where(KnowledgeEntry.guild_id == guild_id).order_by(KnowledgeEntry.message_id)
    )
    threads = {
        thread.thread_id: thread
        for thread in await session.scalars(select(KnowledgeThread).where(KnowledgeThread.guild_id == guild_id))
    }
    exported: list[tuple[object, ...]] = []
    for entry in rows:
        thread = threads.get(entry.thread_id or 0)
        exported.append(
            (
                entry.message_id,
                entry.thread_id,
                entry.channel_id,
                entry.kind,
                entry.title if entry.kind != Kind.SAVED else "",
                entry.author_id,
                ", ".join(thread.tag_names) if thread else "",
                entry.solved,
                entry.accepted,
                entry.helpful,
                entry.language,
                entry.created_at,
                entry.edited_at,
            )
        )
    return exported


async def entry_count(session: AsyncSession, guild_id: int) -> int:
    return int(await session.scalar(select(func.count()).where(KnowledgeEntry.guild_id == guild_id)) or 0)


async def forget_member(session: AsyncSession, guild_id: int, member_id: int) -> int:
    """Erase the member's indexed messages, saves, searches and opt-out here; their threads lose their author."""
    removed = 0
    for statement in (
        delete(KnowledgeEntry).where(KnowledgeEntry.guild_id == guild_id, KnowledgeEntry.author_id == member_id),
        delete(KnowledgeSearch).where(KnowledgeSearch.guild_id == guild_id, KnowledgeSearch.member_id == member_id),
        delete(KnowledgeOptOut).where(KnowledgeOptOut.guild_id == guild_id, KnowledgeOptOut.member_id == member_id),
    ):
        result = await session.execute(statement)
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    await session.execute(
        update(KnowledgeEntry)
        .where(KnowledgeEntry.guild_id == guild_id, KnowledgeEntry.saved_by == member_id)
        .values(saved_by=None)
    )
    await session.execute(
        update(KnowledgeThread)
        .where(KnowledgeThread.guild_id == guild_id, KnowledgeThread.author_id == member_id)
        .values(author_id=0)
    )
    return removed + await resources.forget_member(session, guild_id, member_id)


async def export_member(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    entries = await session.scalars(
        select(KnowledgeEntry)
        .where(
            or_(  # each on its own index
                (KnowledgeEntry.guild_id == guild_id) & (KnowledgeEntry.author_id == member_id),
                (KnowledgeEntry.guild_id == guild_id) & (KnowledgeEntry.saved_by == member_id),
            ),
        )
        .order_by(KnowledgeEntry.message_id)
    )
    return {
        "knowledge_opted_out": await opted_out(session, guild_id, member_id),
        "knowledge_entries": [
            {
                "message_id": entry.message_id,
                "kind": entry.kind,
                "title": entry.title,
                "content": entry.content if entry.author_id == member_id else "",
                "saved_by_you": entry.saved_by == member_id,
                "created_at": entry.created_at.isoformat(),
            }
            for entry in entries
        ],
        **await resources.export_member(session, guild_id, member_id),
    }
