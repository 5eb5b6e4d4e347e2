"""Mentoring tables: offers and requests (one per member per server), rounds and their previewed pairs,
mentorships (a proposal that becomes a pair), check-ins and exit feedback.

Three invariants are held by the database itself, so that no race can break them (two hosts publishing at once,
two processes on one PostgreSQL): a mentorship that holds a place takes one of its mentor's numbered slots
(`slot`, unique per mentor; NULL once it no longer holds one), a mentee has at most one live mentorship
(`live_mentee_id`, unique; NULL once it ends), and a pair is proposed at most once, ever (`pair_low`/`pair_high`,
the two member ids in order, unique per server).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanJSON, CleanString, CleanText, Snowflake, UTCDateTime

DEFAULT_WEIGHTS = {"skills": 3, "timezone": 1, "goals": 1}
DEFAULT_CHECK_IN_DAYS = 14


class MentoringSettings(Base):
    """A server's mentoring choices; its row is also what publishing rounds lock, one publication at a time."""

    __tablename__ = "mentoring_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    skills_weight: Mapped[int] = mapped_column(Integer, default=DEFAULT_WEIGHTS["skills"])
    timezone_weight: Mapped[int] = mapped_column(Integer, default=DEFAULT_WEIGHTS["timezone"])
    goals_weight: Mapped[int] = mapped_column(Integer, default=DEFAULT_WEIGHTS["goals"])
    # Language codes members may mentor in ("fr", "es"); None: the languages Agora speaks.
    languages: Mapped[list[str] | None] = mapped_column(CleanJSON)
    check_in_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_CHECK_IN_DAYS)
    auto_round_days: Mapped[int] = mapped_column(Integer, default=0)  # 0: no automatic rounds
    publications: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MentorOffer(Base):
    __tablename__ = "mentor_offers"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    capacity: Mapped[int] = mapped_column(Integer)
    skills: Mapped[list[str]] = mapped_column(CleanJSON, default=list)
    languages: Mapped[list[str]] = mapped_column(CleanJSON, default=list)
    note: Mapped[str | None] = mapped_column(CleanText)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MenteeRequest(Base):
    __tablename__ = "mentee_requests"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    skills: Mapped[list[str]] = mapped_column(CleanJSON, default=list)
    goals: Mapped[str | None] = mapped_column(CleanText)
    languages: Mapped[list[str]] = mapped_column(CleanJSON, default=list)
    waiting_since: Mapped[datetime] = mapped_column(UTCDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a completed mentorship fulfilled it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MentoringRound(Base):
    __tablename__ = "mentoring_rounds"
    __table_args__ = (Index("ix_mentoring_rounds_guild_id_created_at", "guild_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    kind: Mapped[str] = mapped_column(CleanString(16))  # RoundKind
    state: Mapped[str] = mapped_column(CleanString(16))  # RoundState
    weights: Mapped[dict[str, int]] = mapped_column(CleanJSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[int | None] = mapped_column(Snowflake)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    total_score: Mapped[float] = mapped_column(Float, default=0.0)


class RoundPair(Base):
    """A pair as the round's preview showed it; publishing turns those still possible into proposals."""

    __tablename__ = "mentoring_round_pairs"

    round_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("mentoring_rounds.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    mentee_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    mentor_id: Mapped[int] = mapped_column(Snowflake)
    score: Mapped[float] = mapped_column(Float)
    why: Mapped[dict[str, Any]] = mapped_column(CleanJSON, default=dict)


class Mentorship(Base):
    """A proposal (both asked), then a pair (both accepted), then history."""

    __tablename__ = "mentorships"
    __table_args__ = (
        UniqueConstraint("guild_id", "pair_low", "pair_high"),
        UniqueConstraint("guild_id", "mentor_id", "slot"),
        UniqueConstraint("guild_id", "live_mentee_id"),
        Index("ix_mentorships_guild_id_state", "guild_id", "state"),
        Index("ix_mentorships_round_id", "round_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    round_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("mentoring_rounds.id", ondelete="SET NULL"))
    mentor_id: Mapped[int] = mapped_column(Snowflake)
    mentee_id: Mapped[int] = mapped_column(Snowflake)
    pair_low: Mapped[int] = mapped_column(Snowflake)
    pair_high: Mapped[int] = mapped_column(Snowflake)
    state: Mapped[str] = mapped_column(CleanString(16))  # PairState
    slot: Mapped[int | None] = mapped_column(Integer)
    live_mentee_id: Mapped[int | None] = mapped_column(Snowflake)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    why: Mapped[dict[str, Any]] = mapped_column(CleanJSON, default=dict)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer_by: Mapped[datetime] = mapped_column(UTCDateTime())
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mentor_answer: Mapped[str | None] = mapped_column(CleanString(8))
    mentee_answer: Mapped[str | None] = mapped_column(CleanString(8))
    declined_by: Mapped[int | None] = mapped_column(Snowflake)
    decline_reason: Mapped[str | None] = mapped_column(CleanText)  # for hosts only
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    thread_id: Mapped[int | None] = mapped_column(Snowflake)
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[int | None] = mapped_column(Snowflake)


class CheckIn(Base):
    """“Did you meet since last time?”, one per occurrence of the pair's check-in job."""

    __tablename__ = "mentoring_check_ins"
    __table_args__ = (UniqueConstraint("mentorship_id", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(Integer, ForeignKey("mentorships.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(Snowflake)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    mentor_answer: Mapped[bool | None] = mapped_column(Boolean)
    mentee_answer: Mapped[bool | None] = mapped_column(Boolean)


class Feedback(Base):
    """A member's exit feedback on a mentorship: for the hosts' eyes only."""

    __tablename__ = "mentoring_feedback"

    mentorship_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(CleanText)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
