"""Insights tables: a server's choice about the weekly report, and each weekly report claimed before it is posted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanString, Snowflake, UTCDateTime


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
