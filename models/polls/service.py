"""Poll use cases: each takes a session (and `now`), reads or writes rows, never commits, never opens a session.

Besides them, `prepare_button_vote` checks a click against what is known of the poll in memory (`PollRef`): the
button path never waits for the database before the vote reaches the writer.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from collections.abc import Container, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, delete, distinct, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.base import BIGINT_MAX, INTEGER_MAX, destroy_rows
from models.polls.rules import (
    Action,
    Outcome,
    PollAlreadyClosedError,
    PollClosedError,
    PollDraft,
    PollNotFoundError,
    PollRules,
    ResultsHiddenError,
    Tally,
    VoteNotAllowedError,
    VoteOp,
    ballot_id,
    decide,
    emoji_key,
    may_vote,
)
from models.polls.tables import Poll, PollBallot, PollKey, PollOption, PollVote
from models.scheduling import EVERY_SHARD
from models.sharding import Shards

CLOSE_JOB = "polls.close"
# Bound parameters per IN (...) list: below SQLite's (32,766 since 3.32) and asyncpg's (32,767) limits. Large
# chunks matter: under a burst every statement is a round trip to the driver's thread that waits for the GIL.
CHUNK = 5000
VOTES = cast(Table, PollVote.__table__)
BALLOTS = cast(Table, PollBallot.__table__)
KEYS = cast(Table, PollKey.__table__)
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


@dataclass(frozen=True)
class KnownPoll:
    """What the writer needs of a poll: its voting rules, its guild, and where its choices are kept."""

    rules: PollRules
    guild_id: int
    anonymous: bool

    @property
    def table(self) -> Table:
        return choices_table(self.anonymous)


# Poll id → what the writer knows of it, kept between batches.
KnownRules = dict[int, KnownPoll]


def choices_table(anonymous: bool) -> Table:
    """Public votes in `poll_votes`; anonymous ballots apart, in a small table a close can really erase."""
    return BALLOTS if anonymous else VOTES


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
    )
    session.add(poll)
    await session.flush()
    if draft.anonymous:
        session.add(PollKey(poll_id=poll.id, key=secrets.token_bytes(32)))
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
    await session.execute(delete(PollBallot).where(PollBallot.poll_id == poll_id))
    await session.execute(delete(PollKey).where(PollKey.poll_id == poll_id))
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
    numbers = re.findall(r"[0-9]+", text or "")
    if numbers:
        query = query.where(_named_by(numbers[-1]))
    elif text and text.strip():
        raise PollNotFoundError()
    else:
        query = query.where(Poll.channel_id == channel_id).order_by(Poll.created_at.desc(), Poll.id.desc())
    poll_id = await session.scalar(query.limit(1))
    if poll_id is None:
        raise PollNotFoundError()
    return await get_view(session, poll_id)


async def find_poll_to_close(
    session: AsyncSession, *, guild_id: int, text: str | None, channel_id: int | None
) -> PollView:
    """The poll `/poll close` names (by default the channel's latest open one); refuses a poll already closed."""
    view = await find_poll(session, guild_id=guild_id, text=text, channel_id=channel_id, open_only=text is None)
    if not view.is_open:
        raise PollAlreadyClosedError()
    return view


async def read_results(
    session: AsyncSession, *, guild_id: int, text: str | None, channel_id: int | None, host: bool
) -> tuple[PollView, Tally]:
    """A poll and its counts for the member asking: hidden results stay hidden from non-hosts until closing."""
    view = await find_poll(session, guild_id=guild_id, text=text, channel_id=channel_id)
    if view.is_open and view.hide_results and not host:
        raise ResultsHiddenError()
    return view, await count_votes(session, view)


@dataclass(frozen=True)
class PollExport:
    view: PollView
    tally: Tally
    votes: list[tuple[int, int, datetime]]  # (member, option, when): none for an anonymous poll


async def export_poll(session: AsyncSession, *, guild_id: int, text: str | None, channel_id: int | None) -> PollExport:
    """A poll's counts, and each vote of a public poll (an anonymous poll's ballots never leave the database)."""
    view = await find_poll(session, guild_id=guild_id, text=text, channel_id=channel_id)
    votes = [] if view.anonymous else await list_votes(session, view.id)
    return PollExport(view, await count_votes(session, view), votes)


async def suggest_polls(
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


async def load_open_refs(session: AsyncSession, shards: Shards = EVERY_SHARD) -> list[PollRef]:
    """Every open poll of the servers on `shards`, oldest first, for the reaction handler's in-memory index (loaded
    at start)."""
    polls = list(
        await session.scalars(
            select(Poll).where(Poll.closed_at.is_(None), shards.clause(Poll.guild_id)).order_by(Poll.id)
        )
    )
    return await _refs(session, polls)


async def find_ref_by_message(session: AsyncSession, message_id: int) -> PollRef | None:
    polls = list(await session.scalars(select(Poll).where(Poll.message_id == message_id)))
    refs = await _refs(session, polls)
    return refs[0] if refs else None


async def find_ref(session: AsyncSession, poll_id: int) -> PollRef | None:
    poll = await session.get(Poll, poll_id)
    refs = await _refs(session, [poll] if poll is not None else [])
    return refs[0] if refs else None


async def find_unfinished_polls(session: AsyncSession, shards: Shards = EVERY_SHARD) -> list[int]:
    """Closed polls whose results were not posted yet (the bot stopped mid-close): finished on start."""
    rows = await session.scalars(
        select(Poll.id).where(
            shards.clause(Poll.guild_id),
            Poll.closed_at.is_not(None),
            Poll.results_message_id.is_(None),
            Poll.message_id.is_not(None),
            Poll.close_reason != CloseReason.DELETED,
        )
    )
    return list(rows)


# --- votes ---------------------------------------------------------------------------------------------------


def prepare_button_vote(
    ref: PollRef | None, *, guild_id: int, member_id: int, member_roles: Container[int] | None, option_id: int
) -> VoteOp:
    """The vote a click on an anonymous poll's button casts (a toggle under the member's ballot id), or why not."""
    if ref is None or ref.guild_id != guild_id:
        raise PollNotFoundError()
    if not ref.is_open or ref.salt is None:
        raise PollClosedError()
    if not may_vote(ref.role_id, member_roles):
        raise VoteNotAllowedError(role_id=ref.role_id)
    return VoteOp(ref.poll_id, ballot_id(ref.salt, member_id), option_id, Action.TOGGLE)


async def apply_votes(
    session: AsyncSession, ops: Sequence[VoteOp], *, now: datetime, known: KnownRules | None = None
) -> list[Outcome]:
    """Apply vote events in arrival order with two bulk statements (per table); one outcome per event.

    Reads the current choices of every voter in the batch, decides each event in memory (single choice replaces,
    maxima and closed polls reject), then deletes and inserts only the difference. `known` caches each poll's rules
    between batches (the writer clears it whenever a poll may change, e.g. when one closes).
    """
    known = {} if known is None else known
    missing = {op.poll_id for op in ops} - known.keys()
    if missing:
        known.update(await _known_polls(session, missing))
    before = await _current_choices(session, ops, known)
    state = dict(before)
    outcomes = []
    closed = PollRules(poll_id=0, option_ids=frozenset(), is_open=False)
    for op in ops:
        key = (op.poll_id, op.voter_id)
        poll = known.get(op.poll_id)
        outcome = decide(state.get(key, frozenset()), op, closed if poll is None else poll.rules)
        state[key] = outcome.choices
        outcomes.append(outcome)
    # Rows to delete and insert, by table: anonymous ballots (True) or public votes (False).
    deletes: dict[bool, list[dict[str, int]]] = defaultdict(list)
    inserts: dict[bool, list[dict[str, int]]] = defaultdict(list)
    for (poll_id, voter_id), choices in state.items():
        previous = before.get((poll_id, voter_id), frozenset())
        if choices == previous:
            continue
        poll = known[poll_id]
        deletes[poll.anonymous] += [{"p": poll_id, "v": voter_id, "o": option} for option in previous - choices]
        inserts[poll.anonymous] += [
            {"poll_id": poll_id, "voter_id": voter_id, "option_id": option, "guild_id": poll.guild_id}
            for option in choices - previous
        ]
    for anonymous in (False, True):
        table = choices_table(anonymous)
        if deletes[anonymous]:
            same = and_(
                table.c.poll_id == bindparam("p"),
                table.c.voter_id == bindparam("v"),
                table.c.option_id == bindparam("o"),
            )
            await session.execute(delete(table).where(same), deletes[anonymous])
        if inserts[anonymous]:
            # One timestamp for the batch, bound once rather than converted per row.
            await session.execute(insert(table).values(voted_at=now), inserts[anonymous])
    return outcomes


async def read_votes(session: AsyncSession, poll_id: int) -> set[tuple[int, int]]:
    """(member id, option id) of a public poll's votes (an anonymous poll's ballots are not votes by member)."""
    rows = await session.execute(select(PollVote.voter_id, PollVote.option_id).where(PollVote.poll_id == poll_id))
    return {(voter, option) for voter, option in rows}


async def count_votes(session: AsyncSession, view: PollView) -> Tally:
    """Live counts from the votes, or the counts frozen at close."""
    if not view.is_open:
        return Tally({option.id: option.final_votes or 0 for option in view.options}, view.voters or 0)
    table = choices_table(view.anonymous)
    rows = await session.execute(
        select(table.c.option_id, func.count()).where(table.c.poll_id == view.id).group_by(table.c.option_id)
    )
    counts = {option.id: 0 for option in view.options}
    counts.update({option: count for option, count in rows if option in counts})
    if view.multiple:
        voters = await session.scalar(select(func.count(distinct(table.c.voter_id))).where(table.c.poll_id == view.id))
    else:
        voters = sum(counts.values())
    return Tally(counts, int(voters or 0))


async def list_votes(session: AsyncSession, poll_id: int) -> list[tuple[int, int, datetime]]:
    """(member id, option id, when) of a public poll, oldest first."""
    rows = await session.execute(
        select(PollVote.voter_id, PollVote.option_id, PollVote.voted_at)
        .where(PollVote.poll_id == poll_id)
        .order_by(PollVote.voted_at, PollVote.voter_id, PollVote.option_id)
    )
    return [(voter, option, when) for voter, option, when in rows]


# --- closing -------------------------------------------------------------------------------------------------


async def close_poll(session: AsyncSession, poll_id: int, *, now: datetime, reason: str) -> bool:
    """Close once: freeze the counts, destroy anonymous ballots and their key; False when it was already closed.

    Destroyed, not just deleted: no copy of the key or of a ballot id stays readable in the database files
    (`models.base.destroy_rows`), since with the key a ballot id is re-linked to its member by recomputing it.
    """
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
    live = await count_votes(session, _reopened(view))
    await session.execute(
        update(OPTIONS).where(OPTIONS.c.id == bindparam("option")).values(final_votes=bindparam("votes")),
        [{"option": option_id, "votes": count} for option_id, count in live.counts.items()],
    )
    await session.execute(update(Poll).where(Poll.id == poll_id).values(voters=live.voters))
    if view.anonymous:
        await destroy_rows(session, (BALLOTS, BALLOTS.c.poll_id == poll_id), (KEYS, KEYS.c.poll_id == poll_id))
    return True


async def mark_deleted(session: AsyncSession, poll_id: int) -> None:
    """The poll message is gone: nothing left to redraw or answer."""
    await session.execute(update(Poll).where(Poll.id == poll_id).values(close_reason=CloseReason.DELETED))


async def mark_results_posted(session: AsyncSession, poll_id: int, message_id: int) -> None:
    await session.execute(update(Poll).where(Poll.id == poll_id).values(results_message_id=message_id))


# --- helpers -------------------------------------------------------------------------------------------------


def _named_by(digits: str) -> ColumnElement[bool]:
    """The poll whose id or message id is `digits`, compared only with a column that can hold that number.

    A message link ends with a snowflake, too large for the INTEGER `polls.id`: PostgreSQL refuses such a comparison
    (it does not answer "no"), and no driver binds a number beyond BIGINT. The id column stays INTEGER: Agora's own
    row numbers never come near its limit, and every snowflake column is BIGINT.
    """
    significant = digits.lstrip("0") or "0"
    number = int(significant) if len(significant) <= len(str(BIGINT_MAX)) else BIGINT_MAX + 1
    matches = []
    if number <= INTEGER_MAX:
        matches.append(Poll.id == number)
    if number <= BIGINT_MAX:
        matches.append(Poll.message_id == number)
    if not matches:
        raise PollNotFoundError()
    return or_(*matches)


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
    keys: dict[int, bytes] = {}
    for chunk in _chunks([poll.id for poll in polls]):
        for option in await session.scalars(select(PollOption).where(PollOption.poll_id.in_(chunk))):
            options[option.poll_id].append(option)
    for chunk in _chunks([poll.id for poll in polls if poll.anonymous and poll.closed_at is None]):
        for key in await session.scalars(select(PollKey).where(PollKey.poll_id.in_(chunk))):
            keys[key.poll_id] = key.key
    return [
        PollRef(
            poll_id=poll.id,
            guild_id=poll.guild_id,
            channel_id=poll.channel_id,
            message_id=poll.message_id,
            anonymous=poll.anonymous,
            role_id=poll.role_id,
            is_open=poll.closed_at is None,
            salt=keys.get(poll.id),
            emojis={emoji_key(option.emoji): option.id for option in options[poll.id]},
            option_emojis={option.id: option.emoji for option in options[poll.id]},
            positions={option.id: option.position for option in options[poll.id]},
        )
        for poll in polls
    ]


async def _known_polls(session: AsyncSession, poll_ids: set[int]) -> KnownRules:
    """The voting rules, guild (votes are scoped by guild too) and kind of each poll in a batch."""
    rows = await session.execute(
        select(Poll.id, Poll.guild_id, Poll.multiple, Poll.max_choices, Poll.closed_at, Poll.anonymous).where(
            Poll.id.in_(poll_ids)
        )
    )
    polls = {row.id: row for row in rows}
    option_ids: dict[int, set[int]] = defaultdict(set)
    for poll_id, option_id in await session.execute(
        select(PollOption.poll_id, PollOption.id).where(PollOption.poll_id.in_(poll_ids))
    ):
        option_ids[poll_id].add(option_id)
    return {
        poll_id: KnownPoll(
            rules=PollRules(
                poll_id=poll_id,
                option_ids=frozenset(option_ids[poll_id]),
                multiple=row.multiple,
                max_choices=row.max_choices,
                is_open=row.closed_at is None,
            ),
            guild_id=row.guild_id,
            anonymous=row.anonymous,
        )
        for poll_id, row in polls.items()
    }


async def _current_choices(
    session: AsyncSession, ops: Sequence[VoteOp], known: KnownRules
) -> dict[tuple[int, int], frozenset[int]]:
    """The stored choices of each voter in the batch (none for a poll that does not exist)."""
    voters: dict[int, set[int]] = defaultdict(set)
    for op in ops:
        voters[op.poll_id].add(op.voter_id)
    found: dict[tuple[int, int], set[int]] = defaultdict(set)
    for poll_id, poll_voters in voters.items():
        if poll_id not in known:
            continue
        table = known[poll_id].table
        for chunk in _chunks(sorted(poll_voters)):
            rows = await session.execute(
                select(table.c.voter_id, table.c.option_id).where(
                    table.c.poll_id == poll_id, table.c.voter_id.in_(chunk)
                )
            )
            for voter, option in rows:
                found[(poll_id, voter)].add(option)
    return {key: frozenset(options) for key, options in found.items()}


def _chunks(items: Sequence[int]) -> list[Sequence[int]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]
