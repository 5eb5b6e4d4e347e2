"""Recognition tables: per-server settings and categories, every kudos, the board counters, members' preferences,
reported events and the milestones they reach, and the recognition posts.

A kudos row is never deleted when it stops counting: `ended_at` and `end_reason` say it was withdrawn (reaction
removed), its message deleted, or revoked by a host. `kudos_tallies` holds the leaderboards already counted per
period, so a board reads a few rows by index instead of counting a million kudos.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanJSON, CleanString, CleanText, Snowflake, UTCDateTime


class RecognitionSettings(Base):
    """A server's choices; a server without a row uses the defaults of `rules`."""

    __tablename__ = "recognition_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    reaction: Mapped[str] = mapped_column(CleanString(100))
    reaction_category: Mapped[str] = mapped_column(CleanString(32))
    daily_allowance: Mapped[int] = mapped_column(Integer)
    pair_cap: Mapped[int] = mapped_column(Integer)
    post_cadence: Mapped[str] = mapped_column(CleanString(8))
    public_thanks: Mapped[bool] = mapped_column(Boolean)
    members_celebrate: Mapped[bool] = mapped_column(Boolean)
    # {milestone kind: [levels]} for the kinds whose hosts changed the defaults.
    thresholds: Mapped[dict[str, Any]] = mapped_column(CleanJSON)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KudosCategory(Base):
    """A category a host added, or a default one a host renamed (`names`: {"fr": …, "en": …})."""

    __tablename__ = "kudos_categories"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(CleanString(32), primary_key=True)
    names: Mapped[dict[str, str]] = mapped_column(CleanJSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Kudos(Base):
    __tablename__ = "kudos"
    __table_args__ = (
        # One kudos per giver per message, whichever way it was given (reaction or the message command).
        UniqueConstraint("message_id", "giver_id"),
        Index("ix_kudos_guild_id_giver_id_given_at", "guild_id", "giver_id", "given_at"),
        Index("ix_kudos_guild_id_receiver_id_given_at", "guild_id", "receiver_id", "given_at"),
        # Kudos a host revoked, found when that host's data is erased (most kudos have none: a small index).
        Index(
            "ix_kudos_guild_id_ended_by",
            "guild_id",
            "ended_by",
            sqlite_where=text("ended_by IS NOT NULL"),
            postgresql_where=text("ended_by IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    giver_id: Mapped[int] = mapped_column(Snowflake)
    receiver_id: Mapped[int] = mapped_column(Snowflake)
    category: Mapped[str] = mapped_column(CleanString(32))
    source: Mapped[str] = mapped_column(CleanString(8))
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    reason: Mapped[str | None] = mapped_column(CleanText)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(CleanString(16))
    ended_by: Mapped[int | None] = mapped_column(Snowflake)


class KudosTally(Base):
    """How many kudos a member gave or received in one period (`w2026-48`, `m2026-11`, `all`) and category (`*`:
    all of them), kept as kudos are given and withdrawn.

    No index sorts them by total: a kudos moves up to twelve counters, and such an index would take a delete and an
    insert for each. A board reads its period's counters (one per member in it) in key order and keeps the top.
    """

    __tablename__ = "kudos_tallies"
    __table_args__ = (
        # A member's counters, for an erase (new counters only: a changed total leaves this index alone).
        Index("ix_kudos_tallies_guild_id_member_id", "guild_id", "member_id"),
        {"sqlite_with_rowid": False},  # on SQLite the rows live in the key's B-tree: one structure per counter
    )

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    board: Mapped[str] = mapped_column(CleanString(8), primary_key=True)
    period: Mapped[str] = mapped_column(CleanString(16), primary_key=True)
    category: Mapped[str] = mapped_column(CleanString(32), primary_key=True)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    total: Mapped[int] = mapped_column(Integer)


class BoardReset(Base):
    """A host started a period's boards over: kudos given before `reset_at` no longer count there."""

    __tablename__ = "kudos_board_resets"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(CleanString(16), primary_key=True)
    reset_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reset_by: Mapped[int | None] = mapped_column(Snowflake)


class RecognitionMember(Base):
    """A member's own choices (notices, being named in posts) and a host's exclusion."""

    __tablename__ = "recognition_members"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    notices: Mapped[bool] = mapped_column(Boolean, default=True)
    named: Mapped[bool] = mapped_column(Boolean, default=True)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecognitionEvent(Base):
    """One event another capability reported (a session attended…), once per dedupe key."""

    __tablename__ = "recognition_events"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(CleanString(32), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(CleanString(100), primary_key=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RecognitionPost(Base):
    """One recognition post per server and period; its message id once Discord has it."""

    __tablename__ = "recognition_posts"
    __table_args__ = (UniqueConstraint("guild_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    period: Mapped[str] = mapped_column(CleanString(24))
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Milestone(Base):
    """A milestone a member reached, once per (kind, level); its role and its recognition post follow."""

    __tablename__ = "recognition_milestones"
    __table_args__ = (
        UniqueConstraint("guild_id", "member_id", "kind", "level"),
        Index("ix_recognition_milestones_guild_id_post_id", "guild_id", "post_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    member_id: Mapped[int] = mapped_column(Snowflake)
    kind: Mapped[str] = mapped_column(CleanString(32))
    level: Mapped[int] = mapped_column(Integer)
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # none (no role for it), pending (to give), given, failed (hosts told), gone (the member left)
    role_state: Mapped[str] = mapped_column(CleanString(8))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("recognition_posts.id"))


class MilestoneRole(Base):
    """The role a host gives for a milestone (kind, level)."""

    __tablename__ = "recognition_milestone_roles"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(CleanString(32), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    role_id: Mapped[int] = mapped_column(Snowflake)
