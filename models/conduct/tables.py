"""Conduct tables: per-guild settings, versions, drafts, the acceptance ledger, notices and reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanJSON, CleanString, CleanText, Snowflake, UTCDateTime
from models.conduct.rules import DEFAULT_GRACE_DAYS, LINK_MAX_CHARS
from models.localized import Localized


class ConductGuildSettings(Base):
    """Per-guild choices and the rules message Agora keeps up to date."""

    __tablename__ = "conduct_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    grace_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_GRACE_DAYS)
    rules_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    rules_message_id: Mapped[int | None] = mapped_column(Snowflake)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConductVersion(Base):
    __tablename__ = "conduct_versions"
    __table_args__ = (UniqueConstraint("guild_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    version: Mapped[int] = mapped_column(Integer)
    # The text in each language Agora speaks: {"fr": "…", "en": "…"}.
    texts: Mapped[dict[str, str]] = mapped_column(CleanJSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[int | None] = mapped_column(Snowflake)
    # Members who accepted an older version keep the member role until then (None for the first version).
    grace_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def localized(self) -> Localized:
        return Localized(self.texts)


class ConductDraft(Base):
    """A text a host set with `/conduct edit`; it replaces the config file's text at the next publication."""

    __tablename__ = "conduct_drafts"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(CleanString(8), primary_key=True)
    text: Mapped[str] = mapped_column(CleanText)
    updated_by: Mapped[int | None] = mapped_column(Snowflake)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConductAcceptance(Base):
    """The ledger: one row per member and version accepted, never rewritten."""

    __tablename__ = "conduct_acceptances"
    __table_args__ = (
        UniqueConstraint("guild_id", "member_id", "version"),
        Index("ix_conduct_acceptances_guild_id_version", "guild_id", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    member_id: Mapped[int] = mapped_column(Snowflake)
    version: Mapped[int] = mapped_column(Integer)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConductNotice(Base):
    """A member was told about a new version (by DM, or the DM failed): told once, even if the job runs again."""

    __tablename__ = "conduct_notices"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    delivered: Mapped[bool] = mapped_column(Boolean)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConductReport(Base):
    """A concern for the moderators. Anonymous ones keep no reporter id; the text is kept only until delivered."""

    __tablename__ = "conduct_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    reporter_id: Mapped[int | None] = mapped_column(Snowflake)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    text: Mapped[str] = mapped_column(CleanText)
    link: Mapped[str | None] = mapped_column(CleanString(LINK_MAX_CHARS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_message_id: Mapped[int | None] = mapped_column(Snowflake)
