"""Poll tables: the poll, its options, and one row per (poll, voter, option) — the votes are the truth.

The poll message on Discord is derived from these rows. A public poll's votes are in `poll_votes` under the member
id. An anonymous poll's ballots are in `poll_ballots` under a keyed hash of the member id (see `rules.ballot_id`),
and its key in `poll_keys`: two small tables that hold only open polls' secrets, so a close can destroy them in
the database files too (`service.close_poll`), after copying the counts to `poll_options.final_votes`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanString, Snowflake, UTCDateTime


class Poll(Base):
    __tablename__ = "polls"
    __table_args__ = (
        Index("ix_polls_guild_id_created_at", "guild_id", "created_at"),
        Index("ix_polls_message_id", "message_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    author_id: Mapped[int] = mapped_column(Snowflake)
    question: Mapped[str] = mapped_column(CleanString(300))
    language: Mapped[str] = mapped_column(CleanString(8))
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    max_choices: Mapped[int | None] = mapped_column(Integer)
    role_id: Mapped[int | None] = mapped_column(Snowflake)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    hide_results: Mapped[bool] = mapped_column(Boolean, default=False)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_reason: Mapped[str | None] = mapped_column(CleanString(16))
    # Distinct voters, frozen at close (anonymous ballots are gone by then).
    voters: Mapped[int | None] = mapped_column(Integer)
    results_message_id: Mapped[int | None] = mapped_column(Snowflake)


class PollOption(Base):
    __tablename__ = "poll_options"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    guild_id: Mapped[int] = mapped_column(Snowflake)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(CleanString(80))
    emoji: Mapped[str] = mapped_column(CleanString(100))
    final_votes: Mapped[int | None] = mapped_column(Integer)


class VoteColumns:
    """One choice of one voter; the primary key is the (poll, voter, option) uniqueness that keeps counts exact."""

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    # The member id in `poll_votes`, the ballot id (a keyed hash of it) in `poll_ballots`.
    voter_id: Mapped[int] = mapped_column(Snowflake, autoincrement=False)
    # No foreign key to poll_options: the writer checks options, and a cascade from options would scan this table.
    option_id: Mapped[int] = mapped_column(Integer, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PollVote(VoteColumns, Base):
    """A vote in a public poll, kept after the close (exports list them)."""

    __tablename__ = "poll_votes"
    __table_args__ = (
        PrimaryKeyConstraint("poll_id", "voter_id", "option_id"),
        # The tally reads (poll_id, option_id) only: 100k-vote tally 21 ms → 6 ms (DECISIONS.md).
        Index("ix_poll_votes_poll_id_option_id", "poll_id", "option_id"),
    )


class PollBallot(VoteColumns, Base):
    """A choice in an open anonymous poll, under its ballot id; every ballot of the poll is destroyed at close."""

    __tablename__ = "poll_ballots"
    __table_args__ = (
        PrimaryKeyConstraint("poll_id", "voter_id", "option_id"),
        Index("ix_poll_ballots_poll_id_option_id", "poll_id", "option_id"),
    )


class PollKey(Base):
    """The secret HMAC key of an open anonymous poll's ballot ids; destroyed at close, which unlinks the ballots."""

    __tablename__ = "poll_keys"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[bytes] = mapped_column(LargeBinary(32))
