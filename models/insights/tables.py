"""Insights tables: a server's choice about the weekly report, each weekly report claimed before it is posted, and
the indexes by time the report needs on other capabilities' tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanString, Snowflake, UTCDateTime
from models.conduct.tables import ConductAcceptance
from models.groups.tables import GroupSeat
from models.knowledge.tables import KnowledgeEntry, KnowledgeResource, KnowledgeThread
from models.onboarding.tables import OnboardingAnswer, OnboardingMember
from models.polls.tables import PollVote
from models.profiles import Profile
from models.recognition.tables import Kudos
from models.sessions.tables import FeedbackAnswer, SessionRsvp


class InsightsSettings(Base):
    """Whether the weekly report goes to the moderators' channel (on unless a host turned it off)."""

    __tablename__ = "insights_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    weekly: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[int | None] = mapped_column(Snowflake)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InsightsReport(Base):
    """One weekly report per server and week: its row is claimed first, so it is posted once whatever restarts."""

    __tablename__ = "insights_reports"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    week: Mapped[str] = mapped_column(CleanString(10), primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The report reads every capability's rows of a server by time. These indexes, on the capabilities' own tables, let
# each figure read only its period (most cover every column the figure reads): on a 100,000-member server, every
# figure of one 30-day period went from 2.5 s to about 0.55 s (bench/bench_insights.py, loaded machine).
REPORT_INDEXES = (
    Index(
        "ix_onboarding_members_guild_id_joined_at",
        OnboardingMember.guild_id,
        OnboardingMember.joined_at,
        OnboardingMember.started_at,
        OnboardingMember.finished_at,
    ),
    Index("ix_onboarding_members_guild_id_left_at", OnboardingMember.guild_id, OnboardingMember.left_at),
    Index(
        "ix_onboarding_answers_guild_id_answered_at",
        OnboardingAnswer.guild_id,
        OnboardingAnswer.answered_at,
        OnboardingAnswer.member_id,
    ),
    Index(
        "ix_conduct_acceptances_guild_id_accepted_at",
        ConductAcceptance.guild_id,
        ConductAcceptance.accepted_at,
        ConductAcceptance.member_id,
    ),
    Index("ix_poll_votes_guild_id_voted_at", PollVote.guild_id, PollVote.voted_at, PollVote.voter_id),
    Index("ix_profiles_guild_id_updated_at", Profile.guild_id, Profile.updated_at, Profile.member_id),
    Index(
        "ix_knowledge_entries_guild_id_created_at",
        KnowledgeEntry.guild_id,
        KnowledgeEntry.created_at,
        KnowledgeEntry.kind,
        KnowledgeEntry.author_id,
    ),
    Index("ix_knowledge_threads_guild_id_solved_at", KnowledgeThread.guild_id, KnowledgeThread.solved_at),
    Index(
        "ix_knowledge_resources_guild_id_created_at",
        KnowledgeResource.guild_id,
        KnowledgeResource.created_at,
        KnowledgeResource.suggested_by,
    ),
    Index(
        "ix_session_rsvps_guild_id_answered_at", SessionRsvp.guild_id, SessionRsvp.answered_at, SessionRsvp.member_id
    ),
    Index(
        "ix_feedback_answers_guild_id_answered_at",
        FeedbackAnswer.guild_id,
        FeedbackAnswer.answered_at,
        FeedbackAnswer.member_id,
    ),
    Index(
        "ix_kudos_guild_id_given_at",
        Kudos.guild_id,
        Kudos.given_at,
        Kudos.giver_id,
        Kudos.receiver_id,
        Kudos.ended_at,
    ),
    Index("ix_group_seats_guild_id_since", GroupSeat.guild_id, GroupSeat.since, GroupSeat.member_id),
)
