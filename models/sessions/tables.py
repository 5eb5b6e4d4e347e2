"""Sessions tables: series and their occurrences (one row each), what members answered, who was there, what went out
once, and feedback — with anonymous answers kept, while a round is open, under a keyed hash only.

The schedule is ours: an occurrence row is the truth for its time and place; the jobs in `scheduled_jobs` only say
when to act on it. `session_deliveries` is the ledger that makes every announcement, reminder and prompt happen at
most once per (kind, subject, member), whatever restarts or second process runs the same job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanJSON, CleanString, CleanText, Snowflake, UTCDateTime


class SessionSeries(Base):
    """What a host created: one session or a recurring series, expanded from `rule` in `timezone` wall-clock time."""

    __tablename__ = "session_series"
    __table_args__ = (Index("ix_session_series_guild_id_ended_at", "guild_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    title: Mapped[str] = mapped_column(CleanString(100))
    format: Mapped[str] = mapped_column(CleanString(16))
    description: Mapped[str | None] = mapped_column(CleanText)
    timezone: Mapped[str] = mapped_column(CleanString(64))
    # The first start as wall-clock time ("2027-03-28T02:30"): the rule's DTSTART, even when that time does not exist.
    anchor_local: Mapped[str] = mapped_column(CleanString(19))
    rule: Mapped[str | None] = mapped_column(CleanString(500))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location_kind: Mapped[str] = mapped_column(CleanString(8))
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    link: Mapped[str | None] = mapped_column(CleanString(500))
    speakers: Mapped[str | None] = mapped_column(CleanString(200))
    capacity: Mapped[int | None] = mapped_column(Integer)
    role_id: Mapped[int | None] = mapped_column(Snowflake)
    announce_leads: Mapped[list[int]] = mapped_column(CleanJSON)
    native_events: Mapped[int] = mapped_column(Integer)
    attendance_minutes: Mapped[int] = mapped_column(Integer)
    # How many of the rule's slots have a row (or were skipped as past): the next one to create is slot n.
    slots_done: Mapped[int] = mapped_column(Integer, default=0)
    exhausted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SessionOccurrence(Base):
    """One occurrence, identified by its slot in the series' rule: moving it keeps its RSVPs and its identity."""

    __tablename__ = "session_occurrences"
    __table_args__ = (
        UniqueConstraint("series_id", "slot"),
        Index("ix_session_occurrences_guild_id_starts_at", "guild_id", "starts_at"),
        Index("ix_session_occurrences_channel_id_starts_at", "channel_id", "starts_at"),
        Index("ix_session_occurrences_event_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("session_series.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(Snowflake)
    slot: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The wall-clock start did not exist (spring forward): it was moved as RFC 5545 says, and the host was told.
    shifted: Mapped[bool] = mapped_column(Boolean, default=False)
    location_kind: Mapped[str] = mapped_column(CleanString(8))
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    link: Mapped[str | None] = mapped_column(CleanString(500))
    state: Mapped[str] = mapped_column(CleanString(12), default="scheduled")
    moved: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by every change members should see (time, place, title, cancellation): native events follow it.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by every RSVP change; taking it first serializes the seat count (see `rsvp.answer`).
    rsvp_version: Mapped[int] = mapped_column(Integer, default=0)
    thread_id: Mapped[int | None] = mapped_column(Snowflake)
    event_id: Mapped[int | None] = mapped_column(Snowflake)
    event_revision: Mapped[int | None] = mapped_column(Integer)
    event_state: Mapped[str | None] = mapped_column(CleanString(12))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SessionPost(Base):
    """An announcement message of an occurrence (one per lead time); every change redraws them all."""

    __tablename__ = "session_posts"
    __table_args__ = (UniqueConstraint("occurrence_id", "lead_minutes"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("session_occurrences.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(Snowflake)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    message_id: Mapped[int] = mapped_column(Snowflake)
    lead_minutes: Mapped[int] = mapped_column(Integer)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionRsvp(Base):
    """A member's answer for one occurrence: going, maybe, cant, or waitlist (ordered by `answered_at`)."""

    __tablename__ = "session_rsvps"
    __table_args__ = (
        PrimaryKeyConstraint("occurrence_id", "member_id"),
        Index("ix_session_rsvps_occurrence_id_status", "occurrence_id", "status"),
        Index("ix_session_rsvps_guild_id_member_id", "guild_id", "member_id"),
    )

    occurrence_id: Mapped[int] = mapped_column(ForeignKey("session_occurrences.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(Snowflake, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    status: Mapped[str] = mapped_column(CleanString(10))
    # "button", "command", or "event" (Interested on the native event: a maybe that leaves with the interest).
    source: Mapped[str] = mapped_column(CleanString(8))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionMember(Base):
    """A member's reminder lead times (minutes; empty: none), language, and DM channel (one request per reminder)."""

    __tablename__ = "session_members"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    reminder_leads: Mapped[list[int]] = mapped_column(CleanJSON)
    language: Mapped[str | None] = mapped_column(CleanString(8))
    dm_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SessionPresence(Base):
    """Time a member spent in the occurrence's voice or stage channel, or their "I was there" for a link."""

    __tablename__ = "session_presence"
    __table_args__ = (PrimaryKeyConstraint("occurrence_id", "member_id"),)

    occurrence_id: Mapped[int] = mapped_column(ForeignKey("session_occurrences.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(Snowflake, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    seconds: Mapped[int] = mapped_column(Integer, default=0)
    # In the channel since then (an open stay); None when not in it.
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SessionDelivery(Base):
    """The exactly-once ledger: a row is claimed (inserted) before acting, so a second attempt finds it and stops.

    `kind` names the action ("announce:1440", "remind:60:1796…", "prompt"), `subject` the occurrence or round,
    `target` the member (0 for a single post, a revision number for native-event changes).
    """

    __tablename__ = "session_deliveries"
    __table_args__ = (
        PrimaryKeyConstraint("kind", "subject", "target"),
        Index("ix_session_deliveries_guild_id_target", "guild_id", "target"),  # a member's erase
    )

    kind: Mapped[str] = mapped_column(CleanString(40))
    subject: Mapped[int] = mapped_column(Snowflake, autoincrement=False)
    target: Mapped[int] = mapped_column(Snowflake, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(CleanString(12))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SessionDraft(Base):
    """A `/session create` whose options were checked, waiting for its description form (restart-proof)."""

    __tablename__ = "session_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    member_id: Mapped[int] = mapped_column(Snowflake)
    options: Mapped[dict[str, Any]] = mapped_column(CleanJSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PulseSurvey(Base):
    """A recurring short survey (a 1–5 rating and a comment), posted in a channel or sent by DM to a role."""

    __tablename__ = "pulse_surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    question: Mapped[str] = mapped_column(CleanString(300))
    rule: Mapped[str] = mapped_column(CleanString(100))
    timezone: Mapped[str] = mapped_column(CleanString(64))
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    role_id: Mapped[int | None] = mapped_column(Snowflake)
    created_by: Mapped[int] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FeedbackRound(Base):
    """One ask: the feedback on an occurrence, or one run of a pulse survey. Answers are taken until `closes_at`."""

    __tablename__ = "feedback_rounds"
    __table_args__ = (Index("ix_feedback_rounds_guild_id_opened_at", "guild_id", "opened_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_occurrences.id", ondelete="CASCADE"), unique=True
    )
    pulse_id: Mapped[int | None] = mapped_column(ForeignKey("pulse_surveys.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A pulse round posted in a channel: anyone may answer; otherwise only those prompted.
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    message_id: Mapped[int | None] = mapped_column(Snowflake)


class FeedbackPrompt(Base):
    """Who was asked (an attendee, or a member who said they would come and did not) and reminded."""

    __tablename__ = "feedback_prompts"
    __table_args__ = (PrimaryKeyConstraint("round_id", "member_id"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("feedback_rounds.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(Snowflake, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    attended: Mapped[bool] = mapped_column(Boolean)
    prompted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FeedbackAnswer(Base):
    """An answer kept for good: under the member's id, or — anonymous — with no member id and no time at all."""

    __tablename__ = "feedback_answers"
    __table_args__ = (
        # One named answer per member and round; anonymous answers (no member id) are kept apart by their ballots.
        UniqueConstraint("round_id", "member_id"),
        Index("ix_feedback_answers_guild_id_member_id", "guild_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("feedback_rounds.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(Snowflake)
    member_id: Mapped[int | None] = mapped_column(Snowflake)
    attended: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[int] = mapped_column(Integer)
    worked: Mapped[str | None] = mapped_column(CleanText)
    improve: Mapped[str | None] = mapped_column(CleanText)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FeedbackBallot(Base):
    """An anonymous answer while its round is open, under a keyed hash of the member id (one answer per member).

    At close the answers are copied, in random order and without hash or time, to `feedback_answers`; then every
    ballot and the round's key are destroyed in the database files too (`models.base.destroy_rows`).
    """

    __tablename__ = "feedback_ballots"
    __table_args__ = (PrimaryKeyConstraint("round_id", "ballot"),)

    round_id: Mapped[int] = mapped_column(ForeignKey("feedback_rounds.id", ondelete="CASCADE"))
    ballot: Mapped[int] = mapped_column(Snowflake, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    attended: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[int] = mapped_column(Integer)
    worked: Mapped[str | None] = mapped_column(CleanText)
    improve: Mapped[str | None] = mapped_column(CleanText)


class FeedbackKey(Base):
    """The secret key of an open round's ballot hashes; destroyed at close, which unlinks them for good."""

    __tablename__ = "feedback_keys"

    round_id: Mapped[int] = mapped_column(ForeignKey("feedback_rounds.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary(32))
