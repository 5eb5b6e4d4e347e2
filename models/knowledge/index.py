"""Knowledge index use cases: messages and threads indexed as they are posted, edited, solved and deleted.

They flush, never commit. Search reads what this writes (`models.knowledge.search`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import insert_or_ignore
from models.knowledge import rules
from models.knowledge.rules import Kind
from models.knowledge.tables import (
    KnowledgeEntry,
    KnowledgeOptOut,
    KnowledgeThread,
)
from models.knowledge.text import Analysis, analyse, fold, terms
from models.recognition.milestones import MilestoneKind, report_milestone

# --- messages -------------------------------------------------------------------------------------------------


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
        await session.execute(insert(cast(Table, KnowledgeEntry.__table__)), rows)  # Core: no per-row ORM work
    return len(rows)


async def thread_entries(session: AsyncSession, guild_id: int, thread_id: int) -> dict[int, datetime | None]:
    """The indexed messages of a thread and when each was last edited (catching up compares them with Discord)."""
    rows = await session.execute(
        select(KnowledgeEntry.message_id, KnowledgeEntry.edited_at).where(
            KnowledgeEntry.guild_id == guild_id, KnowledgeEntry.thread_id == thread_id
        )
    )
    return {int(message_id): edited_at for message_id, edited_at in rows}


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


async def get_thread(session: AsyncSession, guild_id: int, thread_id: int) -> KnowledgeThread | None:
    """The thread of this server (a thread id from another server's component finds nothing)."""
    row = await session.get(KnowledgeThread, thread_id)
    return row if row is not None and row.guild_id == guild_id else None


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
        if inserted:
            await report_milestone(session, guild_id, author_id, MilestoneKind.SHARED_POST, thread_id, now=created_at)
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
        answer = await get_entry(session, thread.guild_id, message_id)
        if answer is not None:
            kind = MilestoneKind.ACCEPTED_ANSWER
            await report_milestone(session, thread.guild_id, answer.author_id, kind, message_id, now=now)
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
