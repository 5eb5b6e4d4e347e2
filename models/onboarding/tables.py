"""Onboarding tables: per-guild host choices, each member's path from arrival to the end, and their answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanJSON, CleanString, Snowflake, UTCDateTime

DEFAULT_REMINDER_HOURS = 48


class OnboardingGuildSettings(Base):
    """Host choices for the welcome path; `watching_since` keeps members from before Agora from being greeted."""

    __tablename__ = "onboarding_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    first_step: Mapped[str] = mapped_column(CleanString(16), default="conduct")
    greeting: Mapped[str] = mapped_column(CleanString(16), default="welcome_channel")
    reminder_hours: Mapped[int] = mapped_column(Integer, default=DEFAULT_REMINDER_HOURS)
    watching_since: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OnboardingMember(Base):
    """One member's path: joined, greeted, started, finished, reminded, left (a rejoin reopens the same row)."""

    __tablename__ = "onboarding_members"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    greeted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    greeting_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    greeting_message_id: Mapped[int | None] = mapped_column(Snowflake)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OnboardingAnswer(Base):
    """An answer as soon as it is given: a list of choice ids, a scale value, a text; or skipped, or a draft."""

    __tablename__ = "onboarding_answers"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    question_id: Mapped[str] = mapped_column(CleanString(32), primary_key=True)
    state: Mapped[str] = mapped_column(CleanString(16))
    value: Mapped[Any] = mapped_column(CleanJSON, nullable=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OnboardingQuestionnaire(Base):
    """A server's own questionnaire, as its hosts imported it (servers without one use config.toml's default)."""

    __tablename__ = "onboarding_questionnaires"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    document: Mapped[dict[str, Any]] = mapped_column(CleanJSON)
    updated_by: Mapped[int | None] = mapped_column(Snowflake)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
