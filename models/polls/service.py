"""Poll use cases: each takes a session (and `now`), reads or writes rows, never commits, never opens a session."""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, bindparam, delete, distinct, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.polls.rules import (
    Outcome,
    PollDraft,
    PollNotFoundError,
    PollRules,
    Tally,
    VoteOp,
    decide,
    emoji_key,
)
from models.polls.tables import Poll, PollOption, PollVote

CLOSE_JOB = "polls.close"
# Bound parameters per IN (...) list: below SQLite's (32,766 since 3.32) and asyncpg's (32,767) limits. Large
# chunks matter: under a burst every statement is a round trip to the driver's thread that waits for the GIL.
CHUNK = 5000
VOTES = cast(Table, PollVote.__table__)
OPTIONS = cast(Table, PollOption.__table__)


class CloseReason:
    DEADLINE = "deadline"
    COMMAND = "command"
    DELETED = "deleted"


@dataclass(frozen=True)
class OptionView:
    id: int
    position: int
    label: str
    emoji: str
    final_votes: int | None = None


@dataclass(frozen=True)
class PollView:
    """Everything needed to render a poll, detached from the session."""

    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    author_id: int
    question: str
    language: str
    options: tuple[OptionView, ...]
    multiple: bool
    max_choices: int | None
    role_id: int | None
    anonymous: bool
    hide_results: bool
    closes_at: datetime | None
    created_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    voters: int | None
    results_message_id: int | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def option(self, option_id: int) -> OptionView | None:
        return next((option for option in self.options if option.id == option_id), None)


@dataclass(frozen=True)
class PollRef:
    """What the reaction handler needs to route an event without touching the database."""

    poll_id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    anonymous: bool
    role_id: int | None
    is_open: bool
    salt: bytes | None
    emojis: dict[str, int] = field(default_factory=dict)  # emoji key → option id
    option_emojis: dict[int, str] = field(default_factory=dict)  # option id → emoji as written
    positions: dict[int, int] = field(default_factory=dict)

    def option_for(self, name: str | None, emoji_id: int | None = None) -> int | None:
        return self.emojis.get(emoji_key(name, emoji_id))


# Poll id → (voting rules, guild id), kept by the writer between batches.
KnownRules = dict[int, tuple[PollRules, int]]


def close_job_key(poll_id: int) -> str:
    return f"poll:{poll_id}"


# --- creating and finding polls ------------------------------------------------------------------------------


async def create_poll(
    session: AsyncSession,
    *,
    guild_id: int,
    channel_id: int,
    author_id: int,
    draft: PollDraft,
    language: str,
    now: datetime,
) -> PollView:
    """Store a checked poll and, when it has a deadline, the job that closes it."""
    poll = Poll(
        guild_id=guild_id,
        channel_id=channel_id,
        author_id=author_id,
        question=draft.question,
        language=language,
        multiple=draft.multiple,
        max_choices=draft.max_choices,
        role_id=draft.role_id,
        anonymous=draft.anonymous,
        hide_results=draft.hide_results,
        closes_at=draft.closes_at,
        created_at=now,
        salt=secrets.token_bytes(32) if draft.anonymous else None,
    )
    session.add(poll)
    await session.flush()
    for position, option in enumerate(draft.options):
        session.add(
            PollOption(
                poll_id=poll.id, guild_id=guild_id, position=position, label=option.label, emoji=option.emoji or ""
            )
        )
    await session.flush()
    if draft.closes_at is not None:
        await scheduling.schedule_job(
            session,
            kind=CLOSE_JOB,
            key=close_job_key(poll.id),
            due_at=draft.closes_at,
            guild_id=guild_id,
            payload={"poll_id": poll.id},
        )
    return await get_view(session, poll.id)


async def attach_message(session: AsyncSession, poll_id: int, message_id: int) -> None:
    await session.execute(update(Poll).where(Poll.id == poll_id).values(message_id=message_id))


async def discard_poll(session: AsyncSession, poll_id: int) -> None:
    """Forget a poll that could not be posted (its options and votes go with it)."""
    await scheduling.cancel_job(session, kind=CLOSE_JOB, key=close_job_key(poll_id))
    await session.execute(delete(PollVote).where(PollVote.poll_id == poll_id))
    await session.execute(delete(PollOption).where(PollOption.poll_id == poll_id))
    await session.execute(delete(Poll).where(Poll.id == poll_id))


async def get_view(session: AsyncSession, poll_id: int, *, guild_id: int | None = None) -> PollView:
    """The poll (scoped to `guild_id` when given), or PollNotFoundError."""
    query = select(Poll).where(Poll.id == poll_id)
    if guild_id is not None:
        query = query.where(Poll.guild_id == guild_id)
    poll = await session.scalar(query)
    if poll is None:
        raise PollNotFoundError()
    options = await session.scalars(
        select(PollOption).where(PollOption.poll_id == poll_id).order_by(PollOption.position)
    )
    return _view(poll, list(options))


async def find_poll(
    session: AsyncSession, *, guild_id: int, text: str | None, channel_id: int | None, open_only: bool = False
) -> PollView:
    """A poll named by id, message id or message link; without text, the latest poll of the channel."""
    query = select(Poll.id).where(Poll.guild_id == guild_id)
    if open_only:
        query = query.where(Poll.closed_at.is_(None))
    numbers = re.findall(r"\d+", text or "")
    if numbers:
        number = int(numbers[-1])
        query = query.where((Poll.id == number) | (Poll.message_id == number))
    elif text and text.strip():
        raise PollNotFoundError()
    else:
        query = query.where(Poll.channel_id == channel_id).order_by(Poll.created_at.desc(), Poll.id.desc())
    poll_id = await session.scalar(query.limit(1))
    if poll_id is None:
        raise PollNotFoundError()
    return await get_view(session, poll_id)


async def poll_choices(
    session: AsyncSession, *, guild_id: int, text: str, open_only: bool, limit: int = 25
) -> list[tuple[int, str, bool]]:
    """(id, question, is_open) of the guild's newest polls whose question contains `text`, for autocomplete."""
    query = select(Poll.id, Poll.question, Poll.closed_at).where(Poll.guild_id == guild_id)
    if open_only:
        query = query.where(Poll.closed_at.is_(None))
    if text.strip():
        query = query.where(Poll.question.icontains(text.strip(), autoescape=True))
    rows = await session.execute(query.order_by(Poll.created_at.desc(), Poll.id.desc()).limit(limit))
    return [(poll_id, question, closed_at is None) for poll_id, question, closed_at in rows]


async def open_refs(session: AsyncSession) -> list[PollRef]:
    """Every open poll, oldest first, for the reaction handler's in-memory index (loaded at start)."""
    polls = list(await session.scalars(select(Poll).where(Poll.closed_at.is_(None)).order_by(Poll.id)))
    return await _refs(session, polls)


async def ref_by_message(session: AsyncSession, message_id: int) -> PollRef | None:
    polls = list(await session.scalars(select(Poll).where(Poll.message_id == message_id)))
    refs = await _refs(session, polls)
    return refs[0] if refs else None


async def ref_by_id(session: AsyncSession, poll_id: int) -> PollRef | None:
    poll = await session.get(Poll, poll_id)
    refs = await _refs(session, [poll] if poll is not None else [])
    return refs[0] if refs else None


async def unfinished_polls(session: AsyncSession) -> list[int]:
    """Closed polls whose results were not posted yet (the bot stopped mid-close): finished on start."""
    rows = await session.scalars(
        select(Poll.id).where(
            Poll.closed_at.is_not(None),
            Poll.results_message_id.is_(None),
            Poll.message_id.is_not(None),
            Poll.close_reason != CloseReason.DELETED,
        )
    )
    return list(rows)


# --- votes ---------------------------------------------------------------------------------------------------


async def apply_votes(
    session: AsyncSession, ops: Sequence[VoteOp], *, now: datetime, known: KnownRules | None = None
) -> list[Outcome]:
    """Apply vote events in arrival order with two bulk statements; one outcome per event.

    Reads the current choices of every voter in the batch, decides each event in memory (single choice replaces,
    maxima and closed polls reject), then deletes and inserts only the difference. `known` caches each poll's rules
    between batches (the writer clears it whenever a poll may change, e.g. when one closes).
    """
    known = {} if known is None else known
    missing = {op.poll_id for op in ops} - known.keys()
    if missing:
        loaded, loaded_guilds = await _rules(session, missing)
        known.update({poll_id: (loaded[poll_id], loaded_guilds[poll_id]) for poll_id in loaded})
    rules = {poll_id: found for poll_id, (found, _) in known.items()}
    guilds = {poll_id: guild for poll_id, (_, guild) in known.items()}
    before = await _current_choices(session, ops)
    state = dict(before)
    outcomes = []
    closed = PollRules(poll_id=0, option_ids=frozenset(), is_open=False)
    for op in ops:
        key = (op.poll_id, op.voter_id)
        outcome = decide(state.get(key, frozenset()), op, rules.get(op.poll_id, closed))
        state[key] = outcome.choices
        outcomes.append(outcome)
    deletes, inserts = [], []
    for (poll_id, voter_id), choices in state.items():
        previous = before.get((poll_id, voter_id), frozenset())
        deletes += [{"p": poll_id, "v": voter_id, "o": option} for option in previous - choices]
        inserts += [
            {"poll_id": poll_id, "voter_id": voter_id, "option_id": option, "guild_id": guilds[poll_id]}
            for option in choices - previous
        ]
    if deletes:
        await session.execute(
            delete(VOTES).where(
                and_(
                    VOTES.c.poll_id == bindparam("p"),
                    VOTES.c.voter_id == bindparam("v"),
                    VOTES.c.option_id == bindparam("o"),
                )
            ),
            deletes,
        )
    if inserts:
        # One timestamp for the batch, bound once rather than converted per row.
        await session.execute(insert(VOTES).values(voted_at=now), inserts)
    return outcomes


async def stored_votes(session: AsyncSession, poll_id: int) -> set[tuple[int, int]]:
    rows = await session.execute(select(PollVote.voter_id, PollVote.option_id).where(PollVote.poll_id == poll_id))
    return {(voter, option) for voter, option in rows}


async def voter_choices(session: AsyncSession, poll_id: int, voter_id: int) -> frozenset[int]:
    rows = await session.scalars(
        select(PollVote.option_id).where(PollVote.poll_id == poll_id, PollVote.voter_id == voter_id)
    )
    return frozenset(rows)


async def current_tally(session: AsyncSession, view: PollView) -> Tally:
    """Live counts from the votes, or the counts frozen at close."""
    if not view.is_open:
        return Tally({option.id: option.final_votes or 0 for option in view.options}, view.voters or 0)
    rows = await session.execute(
        select(PollVote.option_id, func.count()).where(PollVote.poll_id == view.id).group_by(PollVote.option_id)
    )
    counts = {option.id: 0 for option in view.options}
    counts.update({option: count for option, count in rows if option in counts})
    if view.multiple:
        voters = await session.scalar(
            select(func.count(distinct(PollVote.voter_id))).where(PollVote.poll_id == view.id)
        )
    else:
        voters = sum(counts.values())
    return Tally(counts, int(voters or 0))


async def votes_for_export(session: AsyncSession, poll_id: int) -> list[tuple[int, int, datetime]]:
    """(member id, option id, when) of a public poll, oldest first."""
    rows = await session.execute(
        select(PollVote.voter_id, PollVote.option_id, PollVote.voted_at)
        .where(PollVote.poll_id == poll_id)
        .order_by(PollVote.voted_at, PollVote.voter_id, PollVote.option_id)
    )
    return [(voter, option, when) for voter, option, when in rows]


# --- closing -------------------------------------------------------------------------------------------------


async def close_poll(session: AsyncSession, poll_id: int, *, now: datetime, reason: str) -> bool:
    """Close once: freeze the counts, erase anonymous ballots and their key; False when it was already closed."""
    claimed = await session.execute(
        update(Poll)
        .where(Poll.id == poll_id, Poll.closed_at.is_(None))
        .values(closed_at=now, close_reason=reason)
        .returning(Poll.id)
    )
    if claimed.first() is None:
        return False
    await scheduling.cancel_job(session, kind=CLOSE_JOB, key=close_job_key(poll_id))
    view = await get_view(session, poll_id)
    live = await current_tally(session, _reopened(view))
    await session.execute(
        update(OPTIONS).where(OPTIONS.c.id == bindparam("option")).values(final_votes=bindparam("votes")),
        [{"option": option_id, "votes": count} for option_id, count in live.counts.items()],
    )
    values: dict[str, object] = {"voters": live.voters}
    if view.anonymous:
        await session.execute(delete(PollVote).where(PollVote.poll_id == poll_id))
        values["salt"] = None
    await session.execute(update(Poll).where(Poll.id == poll_id).values(**values))
    return True


async def mark_deleted(session: AsyncSession, poll_id: int) -> None:
    """The poll message is gone: nothing left to redraw or answer."""
    await session.execute(update(Poll).where(Poll.id == poll_id).values(close_reason=CloseReason.DELETED))


async def mark_results_posted(session: AsyncSession, poll_id: int, message_id: int) -> None:
    await session.execute(update(Poll).where(Poll.id == poll_id).values(results_message_id=message_id))


# --- helpers -------------------------------------------------------------------------------------------------


def _view(poll: Poll, options: list[PollOption]) -> PollView:
    return PollView(
        id=poll.id,
        guild_id=poll.guild_id,
        channel_id=poll.channel_id,
        message_id=poll.message_id,
        author_id=poll.author_id,
        question=poll.question,
        language=poll.language,
        options=tuple(OptionView(o.id, o.position, o.label, o.emoji, o.final_votes) for o in options),
        multiple=poll.multiple,
        max_choices=poll.max_choices,
        role_id=poll.role_id,
        anonymous=poll.anonymous,
        hide_results=poll.hide_results,
        closes_at=poll.closes_at,
        created_at=poll.created_at,
        closed_at=poll.closed_at,
        close_reason=poll.close_reason,
        voters=poll.voters,
        results_message_id=poll.results_message_id,
    )


def _reopened(view: PollView) -> PollView:
    """The same poll read as open, to count its live votes one last time while closing."""
    return replace(view, closed_at=None)


async def _refs(session: AsyncSession, polls: list[Poll]) -> list[PollRef]:
    if not polls:
        return []
    options: dict[int, list[PollOption]] = defaultdict(list)
    for chunk in _chunks([poll.id for poll in polls]):
        for option in await session.scalars(select(PollOption).where(PollOption.poll_id.in_(chunk))):
            options[option.poll_id].append(option)
    return [
        PollRef(
            poll_id=poll.id,
            guild_id=poll.guild_id,
            channel_id=poll.channel_id,
            message_id=poll.message_id,
            anonymous=poll.anonymous,
            role_id=poll.role_id,
            is_open=poll.closed_at is None,
            salt=poll.salt,
            emojis={emoji_key(option.emoji): option.id for option in options[poll.id]},
            option_emojis={option.id: option.emoji for option in options[poll.id]},
            positions={option.id: option.position for option in options[poll.id]},
        )
        for poll in polls
    ]


async def _rules(session: AsyncSession, poll_ids: set[int]) -> tuple[dict[int, PollRules], dict[int, int]]:
    """The voting rules of each poll in a batch, and its guild (votes are scoped by guild too)."""
    rows = await session.execute(
        select(Poll.id, Poll.guild_id, Poll.multiple, Poll.max_choices, Poll.closed_at).where(Poll.id.in_(poll_ids))
    )
    polls = {row.id: row for row in rows}
    option_ids: dict[int, set[int]] = defaultdict(set)
    for poll_id, option_id in await session.execute(
        select(PollOption.poll_id, PollOption.id).where(PollOption.poll_id.in_(poll_ids))
    ):
        option_ids[poll_id].add(option_id)
    rules = {
        poll_id: PollRules(
            poll_id=poll_id,
            option_ids=frozenset(option_ids[poll_id]),
            multiple=row.multiple,
            max_choices=row.max_choices,
            is_open=row.closed_at is None,
        )
        for poll_id, row in polls.items()
    }
    return rules, {poll_id: row.guild_id for poll_id, row in polls.items()}


async def _current_choices(session: AsyncSession, ops: Sequence[VoteOp]) -> dict[tuple[int, int], frozenset[int]]:
    voters: dict[int, set[int]] = defaultdict(set)
    for op in ops:
        voters[op.poll_id].add(op.voter_id)
    found: dict[tuple[int, int], set[int]] = defaultdict(set)
    for poll_id, poll_voters in voters.items():
        for chunk in _chunks(sorted(poll_voters)):
            rows = await session.execute(
                select(PollVote.voter_id, PollVote.option_id).where(
                    PollVote.poll_id == poll_id, PollVote.voter_id.in_(chunk)
                )
            )
            for voter, option in rows:
                found[(poll_id, voter)].add(option)
    return {key: frozenset(options) for key, options in found.items()}


def _chunks(items: Sequence[int]) -> list[Sequence[int]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]
