"""Rounds: who is in the pool, the optimal plan a host previews, and publishing it as proposals without ever
exceeding a mentor's capacity or proposing a pair twice — even when two hosts publish at the same moment.

Publishing first takes the server's lock (an UPDATE of its `mentoring_settings` row: PostgreSQL makes a second
publisher wait for the first to commit, SQLite lets one writer in at a time), then re-checks every pair against
the database as it is now. The unique slot, live-mentee and pair columns of `mentorships` would refuse anything
that still slipped through.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.errors import UserError
from models.mentoring import rules
from models.mentoring.rules import PairState, RoundKind, RoundState, Unmatched, Weights
from models.mentoring.service import EXPIRE_JOB, REMIND_JOB, live_loads, mentoring_settings, weights_of
from models.mentoring.tables import MenteeRequest, MentoringRound, MentoringSettings, MentorOffer, Mentorship, RoundPair
from models.profiles import Profile

ROW_ID_MAX = 2**31 - 1  # our row ids are INTEGER: PostgreSQL refuses to compare them with more

if TYPE_CHECKING:
    from models.mentoring.matching import Mentee, Mentor, Plan


class NoMentorsError(UserError, key="mentoring.round.no_mentors"): ...


class NoMenteesError(UserError, key="mentoring.round.no_mentees"): ...


class RoundGoneError(UserError, key="mentoring.round.gone"):
    """The preview was published, discarded, or replaced by a newer one."""


class NotWaitingError(UserError, key="mentoring.rematch.not_waiting"): ...


class NoMatchError(UserError, key="mentoring.rematch.no_capacity"):
    """Nobody fits the mentee now; the key says why (`mentoring.rematch.<reason>`)."""


@dataclass(frozen=True)
class Pool:
    """Who a round can match: open, unpaused requests of mentees nobody is proposed to or mentoring, and
    unpaused mentors with places left; `met`: every pair proposed before."""

    mentees: list[Mentee]
    mentors: list[Mentor]
    met: set[tuple[int, int]]


@dataclass(frozen=True)
class Preview:
    round: MentoringRound
    plan: Plan


@dataclass(frozen=True)
class Candidate:
    mentee_id: int
    mentor_id: int
    score: float
    why: dict[str, Any]


@dataclass(frozen=True)
class Proposal:
    """A proposal just written, as the members are told about it."""

    id: int
    mentor_id: int
    mentee_id: int
    score: float
    why: dict[str, Any]
    answer_by: datetime


@dataclass(frozen=True)
class Publication:
    round: MentoringRound
    proposals: list[Proposal]
    skipped: int  # pairs of the preview no longer possible (someone was proposed, paused or left meanwhile)


async def lock(session: AsyncSession, guild_id: int) -> None:
    """Hold the server's publication lock until the transaction ends (take it before reading what to write)."""
    await mentoring_settings(session, guild_id)
    await session.execute(
        update(MentoringSettings)
        .where(MentoringSettings.guild_id == guild_id)
        .values(publications=MentoringSettings.publications + 1)
        .execution_options(synchronize_session=False)
    )


async def load_pool(session: AsyncSession, guild_id: int, *, now: datetime) -> Pool:
    from models.mentoring.matching import Mentee, Mentor

    zones: dict[int, str | None] = {
        member_id: zone
        for member_id, zone in await session.execute(
            select(Profile.member_id, Profile.timezone).where(
                Profile.guild_id == guild_id, Profile.timezone.is_not(None)
            )
        )
    }
    offsets: dict[str | None, float | None] = {}

    def offset(member_id: int) -> float | None:
        zone = zones.get(member_id)
        if zone not in offsets:
            offsets[zone] = rules.utc_offset_hours(zone, now)
        return offsets[zone]

    loads = await live_loads(session, guild_id)
    mentors = [
        Mentor(member_id, [rules.normalise_skill(s) for s in skills], list(codes), offset(member_id), free)
        for member_id, capacity, skills, codes in (
            await session.execute(
                select(MentorOffer.member_id, MentorOffer.capacity, MentorOffer.skills, MentorOffer.languages)
                .where(MentorOffer.guild_id == guild_id, MentorOffer.paused_at.is_(None))
                .order_by(MentorOffer.member_id)
            )
        )
        if (free := capacity - loads.get(member_id, 0)) > 0
    ]
    live = select(Mentorship.live_mentee_id).where(
        Mentorship.guild_id == guild_id, Mentorship.live_mentee_id.is_not(None)
    )
    mentees = [
        Mentee(member_id, [rules.normalise_skill(s) for s in skills], list(codes), offset(member_id), goals or "")
        for member_id, skills, codes, goals in (
            await session.execute(
                select(MenteeRequest.member_id, MenteeRequest.skills, MenteeRequest.languages, MenteeRequest.goals)
                .where(
                    MenteeRequest.guild_id == guild_id,
                    MenteeRequest.closed_at.is_(None),
                    MenteeRequest.paused_at.is_(None),
                    MenteeRequest.member_id.not_in(live),
                )
                .order_by(MenteeRequest.waiting_since, MenteeRequest.member_id)  # ties go to those waiting longest
            )
        )
    ]
    return Pool(mentees, mentors, await met_pairs(session, guild_id))


async def met_pairs(session: AsyncSession, guild_id: int) -> set[tuple[int, int]]:
    rows = await session.execute(
        select(Mentorship.pair_low, Mentorship.pair_high).where(Mentorship.guild_id == guild_id)
    )
    return {(low, high) for low, high in rows}


def plan_for(pool: Pool, weights: Weights) -> Plan:
    if not pool.mentors:
        raise NoMentorsError()
    if not pool.mentees:
        raise NoMenteesError()
    from models.mentoring import matching  # numpy and scipy load with the first round, not with the bot

    return matching.solve(matching.build(pool.mentees, pool.mentors, pool.met, weights))


async def plan_round(
    session: AsyncSession,
    guild_id: int,
    weights: Weights,
    *,
    kind: RoundKind = RoundKind.MANUAL,
    host_id: int | None,
    now: datetime,
) -> Preview:
    """The optimal plan for everyone waiting, kept as a preview (the same host's earlier previews are replaced).

    Says so and keeps nothing when there is no mentor or no mentee to match.
    """
    plan = plan_for(await load_pool(session, guild_id, now=now), weights)
    if host_id is not None:
        await session.execute(
            update(MentoringRound)
            .where(
                MentoringRound.guild_id == guild_id,
                MentoringRound.created_by == host_id,
                MentoringRound.state == RoundState.PREVIEW,
            )
            .values(state=RoundState.SUPERSEDED)
            .execution_options(synchronize_session=False)
        )
    round_ = MentoringRound(
        guild_id=guild_id,
        kind=kind,
        state=RoundState.PREVIEW,
        weights=weights.as_dict(),
        created_by=host_id,
        created_at=now,
        pairs=len(plan.pairs),
        total_score=round(plan.total, 3),
    )
    session.add(round_)
    await session.flush()
    if plan.pairs:
        await session.execute(
            insert(cast(Table, RoundPair.__table__)),  # Core: the ORM's bulk path costs ~0.1 ms a row
            [
                {
                    "round_id": round_.id,
                    "guild_id": guild_id,
                    "mentee_id": pair.mentee_id,
                    "mentor_id": pair.mentor_id,
                    "score": pair.score,
                    "why": pair.why(),
                }
                for pair in plan.pairs
            ],
        )
    return Preview(round_, plan)


async def find_round(session: AsyncSession, round_id: int) -> MentoringRound | None:
    return await session.get(MentoringRound, round_id) if 0 < round_id <= ROW_ID_MAX else None


async def publish_round(session: AsyncSession, round_id: int, *, host_id: int | None, now: datetime) -> Publication:
    """Turn the preview's pairs that are still possible into proposals (both asked, 72 hours to answer)."""
    round_ = await find_round(session, round_id)
    if round_ is None:
        raise RoundGoneError()
    await lock(session, round_.guild_id)
    await session.refresh(round_)  # another click may have published it while this one waited for the lock
    if round_.state != RoundState.PREVIEW:
        raise RoundGoneError()
    pairs = await session.execute(
        select(RoundPair.mentee_id, RoundPair.mentor_id, RoundPair.score, RoundPair.why)
        .where(RoundPair.round_id == round_id)
        .order_by(RoundPair.score.desc(), RoundPair.mentee_id)
    )
    candidates = [Candidate(mentee, mentor, score, why) for mentee, mentor, score, why in pairs]
    return await publish(session, round_, candidates, host_id=host_id, now=now)


async def publish(
    session: AsyncSession,
    round_: MentoringRound,
    candidates: Sequence[Candidate],
    *,
    host_id: int | None,
    now: datetime,
) -> Publication:
    proposals = await propose(session, round_, candidates, now=now)
    round_.state, round_.published_at, round_.published_by = RoundState.PUBLISHED, now, host_id
    if proposals:
        key = str(round_.id)
        guild = round_.guild_id
        await scheduling.schedule_job(
            session,
            kind=REMIND_JOB,
            key=key,
            due_at=rules.reminder_due(now),
            guild_id=guild,
            payload={"round": round_.id},
        )
        await scheduling.schedule_job(
            session,
            kind=EXPIRE_JOB,
            key=key,
            due_at=rules.answer_deadline(now),
            guild_id=guild,
            payload={"round": round_.id},
        )
    return Publication(round_, proposals, len(candidates) - len(proposals))


async def propose(
    session: AsyncSession, round_: MentoringRound, candidates: Sequence[Candidate], *, now: datetime
) -> list[Proposal]:
    """Write the proposals still possible now, each in one of its mentor's free slots (call under the lock)."""
    guild_id = round_.guild_id
    offers = {
        member_id: capacity
        for member_id, capacity in (
            await session.execute(
                select(MentorOffer.member_id, MentorOffer.capacity).where(
                    MentorOffer.guild_id == guild_id, MentorOffer.paused_at.is_(None)
                )
            )
        )
    }
    waiting = set(
        await session.scalars(
            select(MenteeRequest.member_id).where(
                MenteeRequest.guild_id == guild_id,
                MenteeRequest.closed_at.is_(None),
                MenteeRequest.paused_at.is_(None),
            )
        )
    )
    live = set(
        await session.scalars(
            select(Mentorship.live_mentee_id).where(
                Mentorship.guild_id == guild_id, Mentorship.live_mentee_id.is_not(None)
            )
        )
    )
    taken: dict[int, set[int]] = defaultdict(set)
    for mentor_id, slot in await session.execute(
        select(Mentorship.mentor_id, Mentorship.slot).where(
            Mentorship.guild_id == guild_id, Mentorship.slot.is_not(None)
        )
    ):
        if slot is not None:
            taken[mentor_id].add(slot)
    met = await met_pairs(session, guild_id)
    rows: list[dict[str, Any]] = []
    for candidate in candidates:
        mentor, mentee = candidate.mentor_id, candidate.mentee_id
        key = rules.pair_key(mentor, mentee)
        capacity = offers.get(mentor, 0)
        if mentee not in waiting or mentee in live or key in met or mentor == mentee:
            continue
        free = [slot for slot in range(capacity) if slot not in taken[mentor]]
        if len(taken[mentor]) >= capacity or not free:
            continue
        taken[mentor].add(free[0])
        live.add(mentee)
        met.add(key)
        rows.append(
            {
                "guild_id": guild_id,
                "round_id": round_.id,
                "mentor_id": mentor,
                "mentee_id": mentee,
                "pair_low": key[0],
                "pair_high": key[1],
                "state": PairState.PROPOSED,
                "slot": free[0],
                "live_mentee_id": mentee,
                "score": candidate.score,
                "why": candidate.why,
                "proposed_at": now,
                "answer_by": rules.answer_deadline(now),
            }
        )
    if not rows:
        return []
    await session.execute(insert(cast(Table, Mentorship.__table__)), rows)
    written = await session.execute(
        select(Mentorship.mentee_id, Mentorship.id).where(
            Mentorship.round_id == round_.id, Mentorship.state == PairState.PROPOSED
        )
    )
    ids = {mentee: mentorship for mentee, mentorship in written}  # a mentee has one live proposal: theirs
    return [
        Proposal(ids[row["mentee_id"]], row["mentor_id"], row["mentee_id"], row["score"], row["why"], row["answer_by"])
        for row in rows
    ]


async def discard_round(session: AsyncSession, round_id: int) -> None:
    round_ = await find_round(session, round_id)
    if round_ is None or round_.state != RoundState.PREVIEW:
        raise RoundGoneError()
    round_.state = RoundState.DISCARDED


async def round_pairs(session: AsyncSession, round_id: int) -> list[RoundPair]:
    return list(await session.scalars(select(RoundPair).where(RoundPair.round_id == round_id)))


async def run_automatic_round(session: AsyncSession, guild_id: int, *, now: datetime) -> Publication | None:
    """Plan and publish at once, with the server's weights; None when there is nobody to match."""
    await lock(session, guild_id)
    weights = weights_of(await mentoring_settings(session, guild_id))
    try:
        preview = await plan_round(session, guild_id, weights, kind=RoundKind.AUTOMATIC, host_id=None, now=now)
    except (NoMentorsError, NoMenteesError):
        return None
    candidates = [Candidate(p.mentee_id, p.mentor_id, p.score, p.why()) for p in preview.plan.pairs]
    return await publish(session, preview.round, candidates, host_id=None, now=now)


async def rematch(session: AsyncSession, guild_id: int, mentee_id: int, *, host_id: int, now: datetime) -> Publication:
    """Propose the mentee at once to the best mentor with a place left (a round of one)."""
    await lock(session, guild_id)
    pool = await load_pool(session, guild_id, now=now)
    mentee = next((candidate for candidate in pool.mentees if candidate.member_id == mentee_id), None)
    if mentee is None:
        raise NotWaitingError()
    weights = weights_of(await mentoring_settings(session, guild_id))
    plan = plan_for(Pool([mentee], pool.mentors, pool.met), weights)
    if not plan.pairs:
        raise NoMatchError(f"mentoring.rematch.{plan.unmatched.get(mentee_id, Unmatched.NO_CAPACITY)}")
    pair = plan.pairs[0]
    round_ = MentoringRound(
        guild_id=guild_id,
        kind=RoundKind.REMATCH,
        state=RoundState.PREVIEW,
        weights=weights.as_dict(),
        created_by=host_id,
        created_at=now,
        pairs=1,
        total_score=pair.score,
    )
    session.add(round_)
    await session.flush()
    candidate = Candidate(pair.mentee_id, pair.mentor_id, pair.score, pair.why())
    return await publish(session, round_, [candidate], host_id=host_id, now=now)
