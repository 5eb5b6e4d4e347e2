"""Mentoring use cases for members and hosts: offers and requests (pre-filled from the profile), pausing, the
server's settings, what hosts follow (status, export), and privacy. They flush, never commit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import profiles, scheduling
from models.base import guild_row
from models.errors import UserError
from models.mentoring import languages as spoken
from models.mentoring import rules
from models.mentoring.rules import LIVE, PairState, Weights
from models.mentoring.tables import (
    DEFAULT_CHECK_IN_DAYS,
    DEFAULT_WEIGHTS,
    CheckIn,
    Feedback,
    MenteeRequest,
    MentoringSettings,
    MentorOffer,
    Mentorship,
    RoundPair,
)

ROUND_JOB = "mentoring.round"
REMIND_JOB = "mentoring.remind"
EXPIRE_JOB = "mentoring.expire"
CHECK_IN_JOB = "mentoring.check_in"
RECENT_FEEDBACK = 5


class NothingToPauseError(UserError, key="mentoring.pause.nothing"): ...


@dataclass(frozen=True)
class OfferText:
    """The fields of the offer form, as typed (or as pre-filled)."""

    capacity: str = "1"
    skills: str = ""
    languages: str = ""
    note: str = ""


@dataclass(frozen=True)
class RequestText:
    skills: str = ""
    goals: str = ""
    languages: str = ""


@dataclass(frozen=True)
class Paused:
    """What pausing or resuming touched, and the mentees a mentor keeps meanwhile."""

    offer: bool
    request: bool
    mentees: int


@dataclass(frozen=True)
class Summary:
    """A member's mentoring as `/profile show` tells it."""

    offer: MentorOffer | None
    load: int
    request: MenteeRequest | None
    mentor_id: int | None  # who mentors them now
    waiting: bool  # their request is open and nobody is proposed or mentoring them


# --- settings ----------------------------------------------------------------------------------------------


async def mentoring_settings(session: AsyncSession, guild_id: int) -> MentoringSettings:
    """The server's row, created on first use."""
    return await guild_row(
        session,
        MentoringSettings,
        guild_id,
        skills_weight=DEFAULT_WEIGHTS["skills"],
        timezone_weight=DEFAULT_WEIGHTS["timezone"],
        goals_weight=DEFAULT_WEIGHTS["goals"],
        check_in_days=DEFAULT_CHECK_IN_DAYS,
        auto_round_days=0,
        publications=0,
    )


def server_languages(settings: MentoringSettings | None) -> list[str]:
    return list(settings.languages or spoken.DEFAULT) if settings else list(spoken.DEFAULT)


def weights_of(settings: MentoringSettings) -> Weights:
    return Weights(settings.skills_weight, settings.timezone_weight, settings.goals_weight)


async def save_weights(session: AsyncSession, guild_id: int, weights: Weights, *, now: datetime) -> None:
    """The weights of the latest preview become the server's: automatic rounds use them too."""
    settings = await mentoring_settings(session, guild_id)
    settings.skills_weight, settings.timezone_weight, settings.goals_weight = (
        weights.skills,
        weights.timezone,
        weights.goals,
    )
    settings.updated_at = now


async def update_settings(
    session: AsyncSession,
    guild_id: int,
    *,
    check_in_days: int | None = None,
    auto_round_days: int | None = None,
    languages: list[str] | None = None,
    zone: str,
    now: datetime,
) -> MentoringSettings:
    """Change what was given; automatic rounds start, move or stop, and active pairs follow a new check-in pace."""
    settings = await mentoring_settings(session, guild_id)
    if languages is not None:
        settings.languages = languages
    if check_in_days is not None and check_in_days != settings.check_in_days:
        settings.check_in_days = rules.check_check_in_days(check_in_days)
        await reschedule_check_ins(session, guild_id, check_in_days, now=now)
    if auto_round_days is not None:
        settings.auto_round_days = rules.check_auto_round_days(auto_round_days)
        if auto_round_days:
            await scheduling.schedule_job(
                session,
                kind=ROUND_JOB,
                key=str(guild_id),
                due_at=now + timedelta(days=auto_round_days),
                guild_id=guild_id,
                rrule=rules.auto_round_rule(auto_round_days),
                timezone=zone,
            )
        else:
            await scheduling.cancel_job(session, kind=ROUND_JOB, key=str(guild_id))
    settings.updated_at = now
    await session.flush()
    return settings


async def reschedule_check_ins(session: AsyncSession, guild_id: int, days: int, *, now: datetime) -> None:
    for mentorship_id in await session.scalars(
        select(Mentorship.id).where(Mentorship.guild_id == guild_id, Mentorship.state == PairState.ACTIVE)
    ):
        await schedule_check_ins(session, guild_id, mentorship_id, days, now=now)


async def schedule_check_ins(
    session: AsyncSession, guild_id: int, mentorship_id: int, days: int, *, now: datetime
) -> None:
    await scheduling.schedule_job(
        session,
        kind=CHECK_IN_JOB,
        key=str(mentorship_id),
        due_at=now + timedelta(days=days),
        guild_id=guild_id,
        payload={"mentorship": mentorship_id},
        rrule=rules.check_in_rule(days),
        timezone="UTC",
    )


async def next_automatic_round(session: AsyncSession, guild_id: int) -> datetime | None:
    return await session.scalar(
        select(scheduling.ScheduledJob.due_at).where(
            scheduling.ScheduledJob.kind == ROUND_JOB,
            scheduling.ScheduledJob.key == str(guild_id),
            scheduling.ScheduledJob.state == scheduling.JobState.PENDING,
        )
    )


# --- offers and requests -----------------------------------------------------------------------------------


async def offer_text(session: AsyncSession, guild_id: int, member_id: int, language: str) -> OfferText:
    """What the offer form shows: the current offer, else the profile (skills to share, languages)."""
    allowed = server_languages(await session.get(MentoringSettings, guild_id))
    offer = await session.get(MentorOffer, (guild_id, member_id))
    if offer is not None:
        return OfferText(
            str(offer.capacity),
            ", ".join(offer.skills),
            spoken.display_names(offer.languages, language),
            offer.note or "",
        )
    profile = await profiles.get_profile(session, guild_id, member_id)
    if profile is None:
        return OfferText(languages=spoken.display_name(language, language) if language in allowed else "")
    return OfferText(
        "1",
        ", ".join(profile.skills_to_share),
        spoken.prefill(profile.languages, allowed, language) or _own_language(language, allowed),
    )


async def request_text(session: AsyncSession, guild_id: int, member_id: int, language: str) -> RequestText:
    """What the request form shows: the current request, else the profile (skills to learn, goals, languages)."""
    allowed = server_languages(await session.get(MentoringSettings, guild_id))
    request = await session.get(MenteeRequest, (guild_id, member_id))
    if request is not None:
        return RequestText(
            ", ".join(request.skills), request.goals or "", spoken.display_names(request.languages, language)
        )
    profile = await profiles.get_profile(session, guild_id, member_id)
    if profile is None:
        return RequestText(languages=_own_language(language, allowed))
    return RequestText(
        ", ".join(profile.skills_to_learn),
        profile.goals or "",
        spoken.prefill(profile.languages, allowed, language) or _own_language(language, allowed),
    )


def _own_language(language: str, allowed: list[str]) -> str:
    """A member without languages in their profile probably speaks the one Discord shows them."""
    return spoken.display_name(language, language) if language in allowed else ""


async def save_offer(
    session: AsyncSession, guild_id: int, member_id: int, text: OfferText, *, language: str, now: datetime
) -> MentorOffer:
    """Create or replace the offer; the member's profile now says they mentor."""
    capacity = rules.parse_capacity(text.capacity)
    skills = rules.parse_skills(text.skills, empty="mentoring.offer.no_skill")
    allowed = server_languages(await session.get(MentoringSettings, guild_id))
    codes = spoken.parse(text.languages, allowed, language)
    note = rules.check_note(text.note)
    offer = await session.get(MentorOffer, (guild_id, member_id))
    if offer is None:
        offer = MentorOffer(guild_id=guild_id, member_id=member_id, created_at=now)
        session.add(offer)
    offer.capacity, offer.skills, offer.languages, offer.note = capacity, skills, codes, note
    offer.updated_at = now
    await profiles.set_mentor(session, guild_id, member_id, True, now=now)
    await session.flush()
    return offer


async def save_request(
    session: AsyncSession, guild_id: int, member_id: int, text: RequestText, *, language: str, now: datetime
) -> MenteeRequest:
    """Create or replace the request; a fulfilled one opens again (the member waits from now)."""
    skills = rules.parse_skills(text.skills, empty="mentoring.request.no_skill")
    goals = rules.check_goals(text.goals)
    allowed = server_languages(await session.get(MentoringSettings, guild_id))
    codes = spoken.parse(text.languages, allowed, language)
    request = await session.get(MenteeRequest, (guild_id, member_id))
    if request is None:
        request = MenteeRequest(guild_id=guild_id, member_id=member_id, created_at=now, waiting_since=now)
        session.add(request)
    if request.closed_at is not None:
        request.closed_at, request.waiting_since = None, now
    request.skills, request.goals, request.languages = skills, goals, codes
    request.updated_at = now
    await session.flush()
    return request


async def set_paused(session: AsyncSession, guild_id: int, member_id: int, paused: bool, *, now: datetime) -> Paused:
    """Pause (or resume) the member's offer and request: no new proposals meanwhile; current mentees stay."""
    offer = await session.get(MentorOffer, (guild_id, member_id))
    request = await session.get(MenteeRequest, (guild_id, member_id))
    if request is not None and request.closed_at is not None:
        request = None
    if offer is None and request is None:
        raise NothingToPauseError()
    for row in (offer, request):
        if row is not None:
            row.paused_at = now if paused else None
            row.updated_at = now
    mentees = (await live_loads(session, guild_id, [member_id])).get(member_id, 0)
    await session.flush()
    return Paused(offer is not None, request is not None, mentees)


async def live_loads(session: AsyncSession, guild_id: int, mentor_ids: list[int] | None = None) -> dict[int, int]:
    """Places each mentor holds now: proposals waiting for answers and active pairs."""
    query = (
        select(Mentorship.mentor_id, func.count())
        .where(Mentorship.guild_id == guild_id, Mentorship.slot.is_not(None))
        .group_by(Mentorship.mentor_id)
    )
    if mentor_ids is not None:
        query = query.where(Mentorship.mentor_id.in_(mentor_ids))
    return {mentor_id: count for mentor_id, count in (await session.execute(query))}


async def summary(session: AsyncSession, guild_id: int, member_id: int) -> Summary:
    offer = await session.get(MentorOffer, (guild_id, member_id))
    request = await session.get(MenteeRequest, (guild_id, member_id))
    load = (await live_loads(session, guild_id, [member_id])).get(member_id, 0)
    live = await session.scalar(
        select(Mentorship).where(Mentorship.guild_id == guild_id, Mentorship.live_mentee_id == member_id)
    )
    mentor_id = live.mentor_id if live is not None and live.state == PairState.ACTIVE else None
    waiting = request is not None and request.closed_at is None and live is None
    return Summary(offer, load, request, mentor_id, waiting)


# --- hosts -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MentorLoad:
    member_id: int
    capacity: int
    load: int
    paused: bool


@dataclass(frozen=True)
class Waiting:
    member_id: int
    since: datetime
    paused: bool


@dataclass(frozen=True)
class Stale:
    mentorship: Mentorship
    flagged: bool  # two ❌ in a row; otherwise silent for the last two check-ins


@dataclass(frozen=True)
class FeedbackLine:
    mentorship: Mentorship
    member_id: int
    rating: int | None
    comment: str | None


@dataclass(frozen=True)
class Status:
    mentors: list[MentorLoad]
    waiting: list[Waiting]
    proposed: int
    active: int
    completed: int
    stale: list[Stale]
    feedback: list[FeedbackLine]
    next_round: datetime | None


async def status(session: AsyncSession, guild_id: int) -> Status:
    """What hosts follow: mentors' load, who waits and since when, pairs that stopped meeting, recent feedback."""
    loads = await live_loads(session, guild_id)
    offers = (await session.scalars(select(MentorOffer).where(MentorOffer.guild_id == guild_id))).all()
    mentors = sorted(
        (MentorLoad(o.member_id, o.capacity, loads.get(o.member_id, 0), o.paused_at is not None) for o in offers),
        key=lambda mentor: (-mentor.load, mentor.member_id),
    )
    counted = await session.execute(
        select(Mentorship.state, func.count()).where(Mentorship.guild_id == guild_id).group_by(Mentorship.state)
    )
    states = Counter({state: count for state, count in counted})
    return Status(
        mentors,
        await waiting_mentees(session, guild_id),
        states[PairState.PROPOSED],
        states[PairState.ACTIVE],
        states[PairState.COMPLETED],
        await stale_pairs(session, guild_id),
        await recent_feedback(session, guild_id),
        await next_automatic_round(session, guild_id),
    )


async def waiting_mentees(session: AsyncSession, guild_id: int) -> list[Waiting]:
    """Open requests with nobody proposed or mentoring them, longest wait first."""
    live = select(Mentorship.live_mentee_id).where(
        Mentorship.guild_id == guild_id, Mentorship.live_mentee_id.is_not(None)
    )
    rows = await session.execute(
        select(MenteeRequest.member_id, MenteeRequest.waiting_since, MenteeRequest.paused_at)
        .where(
            MenteeRequest.guild_id == guild_id,
            MenteeRequest.closed_at.is_(None),
            MenteeRequest.member_id.not_in(live),
        )
        .order_by(MenteeRequest.waiting_since, MenteeRequest.member_id)
    )
    return [Waiting(member_id, since, paused is not None) for member_id, since, paused in rows]


async def stale_pairs(session: AsyncSession, guild_id: int) -> list[Stale]:
    """Active pairs flagged (two ❌ in a row), or whose last two check-ins got no ✅ at all."""
    pairs = (
        await session.scalars(
            select(Mentorship).where(Mentorship.guild_id == guild_id, Mentorship.state == PairState.ACTIVE)
        )
    ).all()
    if not pairs:
        return []
    check_ins: dict[int, list[CheckIn]] = {}
    for check_in in await session.scalars(
        select(CheckIn)
        .where(CheckIn.mentorship_id.in_([pair.id for pair in pairs]))
        .order_by(CheckIn.mentorship_id, CheckIn.due_at)
    ):
        check_ins.setdefault(check_in.mentorship_id, []).append(check_in)
    stale = []
    for pair in pairs:
        recent = [rules.check_in_outcome(c.mentor_answer, c.mentee_answer) for c in check_ins.get(pair.id, [])][-2:]
        if pair.flagged_at is not None:
            stale.append(Stale(pair, flagged=True))
        elif len(recent) == 2 and True not in recent:
            stale.append(Stale(pair, flagged=False))
    return stale


async def recent_feedback(session: AsyncSession, guild_id: int, limit: int = RECENT_FEEDBACK) -> list[FeedbackLine]:
    rows = await session.execute(
        select(Feedback, Mentorship)
        .join(Mentorship, Mentorship.id == Feedback.mentorship_id)
        .where(Feedback.guild_id == guild_id)
        .order_by(Feedback.given_at.desc(), Feedback.member_id)
        .limit(limit)
    )
    return [FeedbackLine(pair, given.member_id, given.rating, given.comment) for given, pair in rows]


PAIR_COLUMNS = (
    "mentorship",
    "state",
    "mentor_id",
    "mentor",
    "mentee_id",
    "mentee",
    "score",
    "skills",
    "proposed_at",
    "started_at",
    "ended_at",
    "mentor_rating",
    "mentor_comment",
    "mentee_rating",
    "mentee_comment",
    "decline_reason",
)
MEMBER_COLUMNS = ("member_id", "member", "role", "capacity", "load", "skills", "languages", "paused", "since")


async def export_pairs(session: AsyncSession, guild_id: int, names: dict[int, str]) -> list[tuple[Any, ...]]:
    """Every proposal and pair of the server, with both members' feedback (the hosts' CSV)."""
    pairs = (
        await session.scalars(select(Mentorship).where(Mentorship.guild_id == guild_id).order_by(Mentorship.id))
    ).all()
    feedback = {
        (given.mentorship_id, given.member_id): given
        for given in await session.scalars(select(Feedback).where(Feedback.guild_id == guild_id))
    }
    rows = []
    for pair in pairs:
        mentor, mentee = feedback.get((pair.id, pair.mentor_id)), feedback.get((pair.id, pair.mentee_id))
        rows.append(
            (
                pair.id,
                pair.state,
                pair.mentor_id,
                names.get(pair.mentor_id, ""),
                pair.mentee_id,
                names.get(pair.mentee_id, ""),
                round(pair.score, 3),
                "; ".join(pair.why.get("skills") or []),
                pair.proposed_at,
                pair.started_at,
                pair.ended_at,
                mentor.rating if mentor else None,
                mentor.comment if mentor else None,
                mentee.rating if mentee else None,
                mentee.comment if mentee else None,
                pair.decline_reason,
            )
        )
    return rows


async def export_members(session: AsyncSession, guild_id: int, names: dict[int, str]) -> list[tuple[Any, ...]]:
    """Every offer and request, with mentors' load (the hosts' second CSV)."""
    loads = await live_loads(session, guild_id)
    rows: list[tuple[Any, ...]] = []
    for offer in await session.scalars(
        select(MentorOffer).where(MentorOffer.guild_id == guild_id).order_by(MentorOffer.member_id)
    ):
        rows.append(
            (
                offer.member_id,
                names.get(offer.member_id, ""),
                "mentor",
                offer.capacity,
                loads.get(offer.member_id, 0),
                "; ".join(offer.skills),
                "; ".join(offer.languages),
                offer.paused_at is not None,
                offer.created_at,
            )
        )
    for request in await session.scalars(
        select(MenteeRequest).where(MenteeRequest.guild_id == guild_id).order_by(MenteeRequest.member_id)
    ):
        rows.append(
            (
                request.member_id,
                names.get(request.member_id, ""),
                "mentee" if request.closed_at is None else "mentee (fulfilled)",
                None,
                None,
                "; ".join(request.skills),
                "; ".join(request.languages),
                request.paused_at is not None,
                request.waiting_since,
            )
        )
    return rows


async def member_ids(session: AsyncSession, guild_id: int, *, history: bool = False) -> set[int]:
    """Members with an offer, a request or a live proposal or pair here (`history`: every pair ever, for exports)."""
    found: set[int] = set(await session.scalars(select(MentorOffer.member_id).where(MentorOffer.guild_id == guild_id)))
    found |= set(await session.scalars(select(MenteeRequest.member_id).where(MenteeRequest.guild_id == guild_id)))
    pairs = select(Mentorship.mentor_id, Mentorship.mentee_id).where(Mentorship.guild_id == guild_id)
    if not history:
        pairs = pairs.where(Mentorship.state.in_(LIVE))
    for mentor_id, mentee_id in await session.execute(pairs):
        found |= {mentor_id, mentee_id}
    return found


# --- privacy -------------------------------------------------------------------------------------------------


def _involving(guild_id: int, member_id: int) -> Any:
    return (Mentorship.guild_id == guild_id) & or_(Mentorship.mentor_id == member_id, Mentorship.mentee_id == member_id)


async def export_member(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    """Everything mentoring keeps about the member in this server, as plain data."""
    offer = await session.get(MentorOffer, (guild_id, member_id))
    request = await session.get(MenteeRequest, (guild_id, member_id))
    pairs = (await session.scalars(select(Mentorship).where(_involving(guild_id, member_id)))).all()
    given = (
        await session.scalars(select(Feedback).where(Feedback.guild_id == guild_id, Feedback.member_id == member_id))
    ).all()
    return {
        "mentor_offer": None
        if offer is None
        else {"capacity": offer.capacity, "skills": offer.skills, "languages": offer.languages, "note": offer.note},
        "mentee_request": None
        if request is None
        else {"skills": request.skills, "goals": request.goals, "languages": request.languages},
        "mentorships": [
            {
                "mentor_id": pair.mentor_id,
                "mentee_id": pair.mentee_id,
                "state": pair.state,
                "proposed_at": pair.proposed_at.isoformat(),
                "ended_at": pair.ended_at.isoformat() if pair.ended_at else None,
            }
            for pair in pairs
        ],
        "feedback": [{"mentorship": f.mentorship_id, "rating": f.rating, "comment": f.comment} for f in given],
    }


async def forget_member(session: AsyncSession, guild_id: int, member_id: int) -> int:
    """Erase the member's offer, request, feedback and every proposal or pair they were part of; rows erased."""
    erased = 0
    for statement in (
        delete(MentorOffer).where(MentorOffer.guild_id == guild_id, MentorOffer.member_id == member_id),
        delete(MenteeRequest).where(MenteeRequest.guild_id == guild_id, MenteeRequest.member_id == member_id),
        delete(Feedback).where(Feedback.guild_id == guild_id, Feedback.member_id == member_id),
        delete(RoundPair).where(
            RoundPair.guild_id == guild_id, or_(RoundPair.mentor_id == member_id, RoundPair.mentee_id == member_id)
        ),
    ):
        erased += int((await session.execute(statement)).rowcount or 0)  # type: ignore[attr-defined]
    pairs = list(await session.scalars(select(Mentorship.id).where(_involving(guild_id, member_id))))
    if pairs:
        await session.execute(delete(CheckIn).where(CheckIn.mentorship_id.in_(pairs)))
        await session.execute(delete(Feedback).where(Feedback.mentorship_id.in_(pairs)))
        erased += int((await session.execute(delete(Mentorship).where(Mentorship.id.in_(pairs)))).rowcount or 0)  # type: ignore[attr-defined]
        for pair in pairs:
            await scheduling.cancel_job(session, kind=CHECK_IN_JOB, key=str(pair))
    return erased
