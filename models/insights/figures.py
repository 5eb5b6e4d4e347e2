"""The figures of one period, one small query function per capability, each reading that capability's own tables.

Every function takes the server and a `Window` [start, end) and returns plain numbers; none writes. Which panels a
server sees is `in_use`: a capability it has ever used (a row in its main table).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Select, and_, distinct, exists, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from models.conduct.tables import ConductAcceptance, ConductVersion
from models.groups.rules import Status as GroupStatus
from models.groups.tables import Group, GroupProject, GroupSeat
from models.insights.rules import Capability, Values, Window, ratio
from models.knowledge.rules import Kind as EntryKind
from models.knowledge.tables import KnowledgeEntry, KnowledgeResource, KnowledgeThread
from models.mentoring.rules import PairState
from models.mentoring.tables import Feedback as MentoringFeedback
from models.mentoring.tables import MenteeRequest, MentorOffer, Mentorship
from models.onboarding.tables import OnboardingAnswer, OnboardingMember
from models.polls.tables import PollVote
from models.profiles import Profile
from models.recognition.tables import Kudos
from models.sessions.rules import State as OccurrenceState
from models.sessions.tables import (
    FeedbackAnswer,
    FeedbackRound,
    SessionOccurrence,
    SessionPresence,
    SessionRsvp,
    SessionSeries,
)


async def _number(session: AsyncSession, statement: Select[Any]) -> float | None:
    value = await session.scalar(statement)
    return None if value is None else float(value)


def _count() -> Any:
    return func.count()


# --- which capabilities a server uses -------------------------------------------------------------------------

MAIN_TABLES: dict[Capability, tuple[Any, ...]] = {
    Capability.ONBOARDING: (OnboardingMember,),
    Capability.CONDUCT: (ConductVersion,),
    Capability.KNOWLEDGE: (KnowledgeThread, KnowledgeEntry),
    Capability.SESSIONS: (SessionOccurrence,),
    Capability.MENTORING: (MentorOffer, MenteeRequest, Mentorship),
    Capability.RECOGNITION: (Kudos,),
    Capability.GROUPS: (Group,),
}


async def in_use(session: AsyncSession, guild_id: int) -> set[Capability]:
    """The capabilities this server has used at least once; activity shows as soon as one of them is."""
    used: set[Capability] = set()
    for capability, tables in MAIN_TABLES.items():
        for table in tables:
            if await session.scalar(select(exists().where(table.guild_id == guild_id))):
                used.add(capability)
                break
    if used:
        used.add(Capability.ACTIVITY)
    return used


# --- onboarding and the code of conduct -----------------------------------------------------------------------


def _newcomers(guild_id: int, w: Window) -> Any:
    member = OnboardingMember
    return and_(member.guild_id == guild_id, member.joined_at >= w.start, member.joined_at < w.end)


async def onboarding(session: AsyncSession, guild_id: int, w: Window) -> Values:
    """Newcomers of the period and how far they went (a cohort: those who joined then, wherever they are now)."""
    member = OnboardingMember
    row = (
        await session.execute(
            select(
                _count(),
                func.count(member.started_at),
                func.count(member.finished_at),
            ).where(_newcomers(guild_id, w))
        )
    ).one()
    departures = await _number(
        session,
        select(_count()).where(member.guild_id == guild_id, member.left_at >= w.start, member.left_at < w.end),
    )
    newcomers, started, finished = (float(value) for value in row)
    return {
        "newcomers": newcomers,
        "onboarding_started": started,
        "onboarding_finished": finished,
        "onboarding_rate": ratio(finished, newcomers),
        "departures": departures,
    }


async def conduct(session: AsyncSession, guild_id: int, w: Window) -> Values:
    """Members who accepted a version in the period, and the share of the period's newcomers who accepted one."""
    accepted = ConductAcceptance
    acknowledgements = await _number(
        session,
        select(func.count(distinct(accepted.member_id))).where(
            accepted.guild_id == guild_id, accepted.accepted_at >= w.start, accepted.accepted_at < w.end
        ),
    )
    newcomers = await _number(session, select(_count()).where(_newcomers(guild_id, w)))
    acknowledged = await _number(
        session,
        select(_count()).where(
            _newcomers(guild_id, w),
            exists().where(accepted.guild_id == guild_id, accepted.member_id == OnboardingMember.member_id),
        ),
    )
    return {"acknowledgements": acknowledgements, "acknowledgement_rate": ratio(acknowledged, newcomers)}


# --- who did anything ----------------------------------------------------------------------------------------


def _acts(guild_id: int, w: Window) -> list[Select[Any]]:
    """(member id) of every action a member took that Agora saw in the period, one select per kind of action."""

    def between(column: Any) -> Any:
        return and_(column >= w.start, column < w.end)

    occurrence = SessionOccurrence
    return [
        select(OnboardingAnswer.member_id).where(
            OnboardingAnswer.guild_id == guild_id, between(OnboardingAnswer.answered_at)
        ),
        select(ConductAcceptance.member_id).where(
            ConductAcceptance.guild_id == guild_id, between(ConductAcceptance.accepted_at)
        ),
        select(PollVote.voter_id).where(PollVote.guild_id == guild_id, between(PollVote.voted_at)),
        select(Profile.member_id).where(Profile.guild_id == guild_id, between(Profile.updated_at)),
        select(KnowledgeEntry.author_id).where(KnowledgeEntry.guild_id == guild_id, between(KnowledgeEntry.created_at)),
        select(KnowledgeResource.suggested_by).where(
            KnowledgeResource.guild_id == guild_id, between(KnowledgeResource.created_at)
        ),
        select(SessionRsvp.member_id).where(SessionRsvp.guild_id == guild_id, between(SessionRsvp.answered_at)),
        select(SessionPresence.member_id)
        .join(occurrence, occurrence.id == SessionPresence.occurrence_id)
        .where(occurrence.guild_id == guild_id, between(occurrence.starts_at)),
        select(FeedbackAnswer.member_id).where(
            FeedbackAnswer.guild_id == guild_id,
            FeedbackAnswer.member_id.is_not(None),
            between(FeedbackAnswer.answered_at),
        ),
        select(MentorOffer.member_id).where(MentorOffer.guild_id == guild_id, between(MentorOffer.updated_at)),
        select(MenteeRequest.member_id).where(MenteeRequest.guild_id == guild_id, between(MenteeRequest.updated_at)),
        select(MentoringFeedback.member_id).where(
            MentoringFeedback.guild_id == guild_id, between(MentoringFeedback.given_at)
        ),
        select(Kudos.giver_id).where(Kudos.guild_id == guild_id, between(Kudos.given_at)),
        select(GroupSeat.member_id).where(GroupSeat.guild_id == guild_id, between(GroupSeat.since)),
    ]


async def activity(session: AsyncSession, guild_id: int, w: Window) -> Values:
    """Distinct members who did anything Agora saw: answered, accepted, voted, posted, replied, RSVPed, attended,
    gave feedback or kudos, offered or asked for mentoring, joined a group, edited their profile."""
    members = union(*_acts(guild_id, w)).subquery()
    return {"active_members": await _number(session, select(_count()).select_from(members))}


# --- knowledge -----------------------------------------------------------------------------------------------


async def knowledge(session: AsyncSession, guild_id: int, w: Window) -> Values:
    thread, entry = KnowledgeThread, KnowledgeEntry
    posts = await _number(
        session,
        select(_count()).where(thread.guild_id == guild_id, thread.created_at >= w.start, thread.created_at < w.end),
    )
    replies = await _number(
        session,
        select(_count()).where(
            entry.guild_id == guild_id,
            entry.kind == EntryKind.REPLY,
            entry.created_at >= w.start,
            entry.created_at < w.end,
        ),
    )
    solved = await _number(
        session,
        select(_count()).where(thread.guild_id == guild_id, thread.solved_at >= w.start, thread.solved_at < w.end),
    )
    return {"knowledge_posts": posts, "knowledge_replies": replies, "questions_solved": solved}


# --- sessions and feedback -------------------------------------------------------------------------------------


async def sessions(session: AsyncSession, guild_id: int, w: Window) -> Values:
    """Sessions that started in the period (not cancelled), who was there by each series' own rule (minutes in the
    channel, or "I was there"), and the feedback asked about them."""
    occurrence, presence, series = SessionOccurrence, SessionPresence, SessionSeries
    held_in = and_(
        occurrence.guild_id == guild_id,
        occurrence.starts_at >= w.start,
        occurrence.starts_at < w.end,
        occurrence.state != OccurrenceState.CANCELLED,
    )
    held = await _number(session, select(_count()).where(held_in))
    attendances = await _number(
        session,
        select(_count())
        .select_from(presence)
        .join(occurrence, occurrence.id == presence.occurrence_id)
        .join(series, series.id == occurrence.series_id)
        .where(
            held_in,
            or_(presence.confirmed_at.is_not(None), presence.seconds >= series.attendance_minutes * 60),
        ),
    )
    rounds = FeedbackRound
    answers, average = (
        await session.execute(
            select(_count(), func.avg(FeedbackAnswer.rating))
            .select_from(FeedbackAnswer)
            .join(rounds, rounds.id == FeedbackAnswer.round_id)
            .where(
                rounds.guild_id == guild_id,
                rounds.occurrence_id.is_not(None),
                rounds.opened_at >= w.start,
                rounds.opened_at < w.end,
            )
        )
    ).one()
    return {
        "sessions_held": held,
        "attendances": attendances,
        "attendance_per_session": ratio(attendances, held),
        "feedback_answers": float(answers),
        "feedback_average": None if average is None else float(average),
    }


# --- mentoring -----------------------------------------------------------------------------------------------


async def mentoring(session: AsyncSession, guild_id: int, w: Window) -> Values:
    """Pairs that were active at some point of the period, per busy mentor; mentorships that ended in it, and the
    share of those that were completed (rather than closed because a member left)."""
    pair = Mentorship
    active = and_(
        pair.guild_id == guild_id,
        pair.started_at.is_not(None),
        pair.started_at < w.end,
        or_(pair.ended_at.is_(None), pair.ended_at >= w.start),
    )
    pairs, mentors = (await session.execute(select(_count(), func.count(distinct(pair.mentor_id))).where(active))).one()
    ended = (
        await session.execute(
            select(pair.state, _count())
            .where(
                pair.guild_id == guild_id,
                pair.started_at.is_not(None),
                pair.ended_at >= w.start,
                pair.ended_at < w.end,
                pair.state.in_((PairState.COMPLETED, PairState.CLOSED)),
            )
            .group_by(pair.state)
        )
    ).all()
    by_state = {state: count for state, count in ended}
    completed = float(by_state.get(PairState.COMPLETED, 0))
    return {
        "active_pairs": float(pairs),
        "mentor_load": ratio(pairs, mentors),
        "mentorships_completed": completed,
        "completion_rate": ratio(completed, sum(by_state.values())),
    }


# --- recognition ---------------------------------------------------------------------------------------------


async def recognition(session: AsyncSession, guild_id: int, w: Window) -> Values:
    """Kudos given in the period that still count (not withdrawn, deleted or revoked), by how many givers, to how
    many members."""
    kudos = Kudos
    given, givers, receivers = (
        await session.execute(
            select(_count(), func.count(distinct(kudos.giver_id)), func.count(distinct(kudos.receiver_id))).where(
                kudos.guild_id == guild_id,
                kudos.given_at >= w.start,
                kudos.given_at < w.end,
                kudos.ended_at.is_(None),
            )
        )
    ).one()
    return {"kudos": float(given), "kudos_givers": float(givers), "kudos_receivers": float(receivers)}


# --- groups --------------------------------------------------------------------------------------------------


async def groups(session: AsyncSession, guild_id: int, w: Window) -> Values:
    """Groups open during the period (approved, not archived before it), groups started in it, projects finished."""
    group = Group
    opened = group.status.in_((GroupStatus.ACTIVE, GroupStatus.ARCHIVED))
    alive = await _number(
        session,
        select(_count()).where(
            group.guild_id == guild_id,
            opened,
            group.created_at < w.end,
            or_(group.archived_at.is_(None), group.archived_at >= w.start),
        ),
    )
    started = await _number(
        session,
        select(_count()).where(
            group.guild_id == guild_id, opened, group.created_at >= w.start, group.created_at < w.end
        ),
    )
    project = GroupProject
    finished = await _number(
        session,
        select(_count()).where(
            project.guild_id == guild_id, project.finished_at >= w.start, project.finished_at < w.end
        ),
    )
    return {"groups_alive": alive, "groups_started": started, "projects_finished": finished}


QUERIES: dict[Capability, Callable[[AsyncSession, int, Window], Awaitable[Values]]] = {
    Capability.ONBOARDING: onboarding,
    Capability.CONDUCT: conduct,
    Capability.ACTIVITY: activity,
    Capability.KNOWLEDGE: knowledge,
    Capability.SESSIONS: sessions,
    Capability.MENTORING: mentoring,
    Capability.RECOGNITION: recognition,
    Capability.GROUPS: groups,
}


async def figures(session: AsyncSession, guild_id: int, w: Window, capabilities: set[Capability]) -> Values:
    """Every figure of the given capabilities for one period."""
    values: Values = {}
    for capability, query in QUERIES.items():
        if capability in capabilities:
            values.update(await query(session, guild_id, w))
    return values
