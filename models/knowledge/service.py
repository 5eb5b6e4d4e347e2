"""Knowledge use cases: settings, indexing messages and threads, solved threads, saving and withdrawing, opting out,
searching with pages, the weekly digest, exports and members' data. They flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.base import insert_or_ignore
from models.errors import StrangerError
from models.knowledge import resources, rules
from models.knowledge.rules import Kind, Tag
from models.knowledge.search import Filters, Found, search
from models.knowledge.tables import (
    KnowledgeDigest,
    KnowledgeEntry,
    KnowledgeOptOut,
    KnowledgeResource,
    KnowledgeSearch,
    KnowledgeSettings,
    KnowledgeThread,
    KnowledgeWithdrawal,
)
from models.knowledge.text import Analysis, analyse, fold, parse_query, terms

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
    settings = await session.get(KnowledgeSettings, guild_id)
    if settings is None:
        await insert_or_ignore(
            session,
            KnowledgeSettings,
            guild_id=guild_id,
            digest_enabled=True,
            digest_day=rules.DEFAULT_DIGEST_DAY,
            helpful_emoji=rules.DEFAULT_HELPFUL_EMOJI,
        )
        settings = await session.get_one(KnowledgeSettings, guild_id)
    return settings


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


# --- indexing -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A message to index, as the cog read it from Discord."""

    guild_id: int
    channel_id: int
    message_id: int
    author_id: int
    content: str
    created_at: datetime
    kind: Kind
    thread_id: int | None = None
    title: str = ""
    tag_names: Sequence[str] = ()
    link: str | None = None
    saved_by: int | None = None
    helpful: int = 0
    edited_at: datetime | None = None


def tag_key(name: str) -> str:
    return fold(name).replace("|", " ").strip()


def tag_keys(names: Iterable[str]) -> str:
    keys = [tag_key(name) for name in names if tag_key(name)]
    return "|" + "|".join(keys) + "|" if keys else ""


def entry_values(draft: Draft, *, solved: bool = False, accepted: bool = False) -> dict[str, Any]:
    """Every column of the entry a draft becomes: its terms, language and ranking boost."""
    title = draft.title or first_line(draft.content)
    heading, body = analyse(title), analyse(draft.content)
    title_terms = heading.terms if draft.kind is Kind.POST else []
    body_terms = body.terms
    return {
        "guild_id": draft.guild_id,
        "channel_id": draft.channel_id,
        "message_id": draft.message_id,
        "thread_id": draft.thread_id,
        "author_id": draft.author_id,
        "saved_by": draft.saved_by,
        "kind": draft.kind.value,
        "title": title[: rules.TITLE_MAX],
        "content": draft.content,
        "link": draft.link,
        "tag_keys": tag_keys(draft.tag_names)[:200],
        "language": Analysis(body_terms, heading.french + body.french, heading.english + body.english).language,
        "solved": solved,
        "accepted": accepted,
        "helpful": draft.helpful,
        "boost": rules.boost(solved=solved, accepted=accepted, helpful=draft.helpful),
        "title_terms": " ".join(title_terms),
        "body_terms": " ".join(body_terms),
        "length": len(title_terms) + len(body_terms),
        "created_at": draft.created_at,
        "edited_at": draft.edited_at,
    }


def first_line(content: str) -> str:
    line = next((line.strip() for line in content.splitlines() if line.strip()), "")
    return line if len(line) <= rules.TITLE_MAX else line[: rules.TITLE_MAX - 1] + "…"


async def opted_out(session: AsyncSession, guild_id: int, member_id: int) -> bool:
    return await session.get(KnowledgeOptOut, (guild_id, member_id)) is not None


async def get_entry(session: AsyncSession, guild_id: int, message_id: int) -> KnowledgeEntry | None:
    return await session.scalar(
        select(KnowledgeEntry).where(KnowledgeEntry.guild_id == guild_id, KnowledgeEntry.message_id == message_id)
    )


async def index_message(session: AsyncSession, draft: Draft) -> KnowledgeEntry | None:
    """Index (or re-index, after an edit) one message; None when its author opted out or it has no text.

    A re-indexed message keeps what it earned: solved, accepted, helpful reactions, who saved it.
    """
    existing = await get_entry(session, draft.guild_id, draft.message_id)
    if not draft.content.strip() or await opted_out(session, draft.guild_id, draft.author_id):
        if existing is not None:
            await session.delete(existing)
            await session.flush()
        return None
    thread = await session.get(KnowledgeThread, draft.thread_id) if draft.thread_id else None
    solved = thread.solved if thread else False
    if existing is None:
        accepted = thread is not None and thread.answer_message_id == draft.message_id
        entry = KnowledgeEntry(**entry_values(draft, solved=solved, accepted=accepted))
        session.add(entry)
    else:
        entry = existing
        kept = Draft(
            **{
                **draft.__dict__,
                "kind": Kind(existing.kind),
                "saved_by": existing.saved_by,
                "helpful": existing.helpful,
                "link": draft.link or existing.link,
                "created_at": existing.created_at,
            }
        )
        for column, value in entry_values(kept, solved=solved, accepted=existing.accepted).items():
            setattr(entry, column, value)
    await session.flush()
    return entry


async def index_many(session: AsyncSession, drafts: Sequence[Draft]) -> int:
    """Index new messages in bulk (catch-up, imports, the benchmark); authors who opted out are skipped."""
    if not drafts:
        return 0
    guilds = {draft.guild_id for draft in drafts}
    out = set(
        (
            await session.execute(
                select(KnowledgeOptOut.guild_id, KnowledgeOptOut.member_id).where(KnowledgeOptOut.guild_id.in_(guilds))
            )
        ).all()
    )
    rows = [entry_values(d) for d in drafts if d.content.strip() and (d.guild_id, d.author_id) not in out]
    if rows:
        await session.execute(insert(KnowledgeEntry), rows)
    return len(rows)


async def last_indexed(session: AsyncSession, guild_id: int, thread_id: int) -> int | None:
    """The newest indexed message of a thread (catching up reads what came after)."""
    found = await session.scalar(
        select(func.max(KnowledgeEntry.message_id)).where(
            KnowledgeEntry.guild_id == guild_id, KnowledgeEntry.thread_id == thread_id
        )
    )
    return int(found) if found else None


async def unindex_message(session: AsyncSession, guild_id: int, message_id: int) -> bool:
    result = await session.execute(
        delete(KnowledgeEntry).where(KnowledgeEntry.guild_id == guild_id, KnowledgeEntry.message_id == message_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unindex_messages(session: AsyncSession, guild_id: int, message_ids: Sequence[int]) -> int:
    result = await session.execute(
        delete(KnowledgeEntry).where(KnowledgeEntry.guild_id == guild_id, KnowledgeEntry.message_id.in_(message_ids))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- threads --------------------------------------------------------------------------------------------------


async def get_thread(session: AsyncSession, thread_id: int) -> KnowledgeThread | None:
    return await session.get(KnowledgeThread, thread_id)


async def record_thread(
    session: AsyncSession,
    guild_id: int,
    thread_id: int,
    *,
    channel_id: int,
    author_id: int,
    title: str,
    tag_names: Sequence[str],
    created_at: datetime,
    shared: bool = False,
    solved: bool | None = None,
) -> KnowledgeThread:
    """Create or update a knowledge thread; its entries follow its title, tags and solved state."""
    thread = await session.get(KnowledgeThread, thread_id)
    if thread is None:
        inserted = await insert_or_ignore(
            session,
            KnowledgeThread,
            thread_id=thread_id,
            guild_id=guild_id,
            channel_id=channel_id,
            author_id=author_id,
            title=title[: rules.TITLE_MAX],
            tag_names=list(tag_names),
            shared=shared,
            solved=False,
            created_at=created_at,
        )
        thread = await session.get_one(KnowledgeThread, thread_id)
        if inserted and not solved:
            return thread
    thread.title = title[: rules.TITLE_MAX]
    thread.tag_names = list(tag_names)
    if shared:  # Agora posted it for this member: they are its author, whoever recorded the thread first
        thread.shared, thread.author_id = True, author_id
    if solved is not None and solved != thread.solved:
        thread.solved = solved
        thread.solved_at = created_at if solved else None
    await session.flush()
    await _follow_thread(session, thread)
    return thread


async def _follow_thread(session: AsyncSession, thread: KnowledgeThread) -> None:
    """Entries show their thread's title and tags, and rank by its solved state."""
    entries = await session.scalars(
        select(KnowledgeEntry).where(
            KnowledgeEntry.guild_id == thread.guild_id, KnowledgeEntry.thread_id == thread.thread_id
        )
    )
    keys = tag_keys(thread.tag_names)[:200]
    for entry in entries:
        if entry.kind == Kind.POST and entry.title != thread.title:
            entry.title = thread.title
            title_terms = terms(thread.title)
            entry.length = len(title_terms) + len(entry.body_terms.split())
            entry.title_terms = " ".join(title_terms)
        elif entry.kind == Kind.REPLY:
            entry.title = thread.title
        entry.tag_keys = keys
        entry.accepted = thread.answer_message_id == entry.message_id
        entry.solved = thread.solved
        entry.boost = rules.boost(solved=entry.solved, accepted=entry.accepted, helpful=entry.helpful)
    await session.flush()


async def forget_thread(session: AsyncSession, guild_id: int, thread_id: int) -> int:
    """A deleted thread leaves the index with every message in it."""
    result = await session.execute(
        delete(KnowledgeEntry).where(KnowledgeEntry.guild_id == guild_id, KnowledgeEntry.thread_id == thread_id)
    )
    await session.execute(delete(KnowledgeThread).where(KnowledgeThread.thread_id == thread_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def mark_answer(
    session: AsyncSession, thread: KnowledgeThread, message_id: int | None, *, now: datetime
) -> KnowledgeThread:
    """The thread is solved, by this reply when one is given (a previous answer is no longer the accepted one)."""
    thread.solved = True
    thread.solved_at = thread.solved_at or now
    if message_id is not None:
        thread.answer_message_id = message_id
    await session.flush()
    await _follow_thread(session, thread)
    return thread


async def set_notice(session: AsyncSession, thread_id: int, message_id: int) -> None:
    await session.execute(
        update(KnowledgeThread).where(KnowledgeThread.thread_id == thread_id).values(notice_message_id=message_id)
    )


async def thread_replies(session: AsyncSession, guild_id: int, thread_id: int, limit: int = 25) -> list[KnowledgeEntry]:
    """The latest indexed replies of a thread (to pick its answer from)."""
    rows = await session.scalars(
        select(KnowledgeEntry)
        .where(
            KnowledgeEntry.guild_id == guild_id,
            KnowledgeEntry.thread_id == thread_id,
            KnowledgeEntry.kind == Kind.REPLY,
        )
        .order_by(KnowledgeEntry.message_id.desc())
        .limit(limit)
    )
    return list(rows)


async def count_helpful(session: AsyncSession, guild_id: int, message_id: int, delta: int) -> KnowledgeEntry | None:
    """A helpful reaction added (+1) or taken back (-1) on an indexed message."""
    entry = await get_entry(session, guild_id, message_id)
    if entry is not None:
        entry.helpful = max(0, entry.helpful + delta)
        entry.boost = rules.boost(solved=entry.solved, accepted=entry.accepted, helpful=entry.helpful)
        await session.flush()
    return entry


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
            KnowledgeEntry.guild_id == guild_id,
            or_(KnowledgeEntry.author_id == member_id, KnowledgeEntry.saved_by == member_id),
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
