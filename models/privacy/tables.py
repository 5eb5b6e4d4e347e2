"""The privacy capability's own table: what a server's hosts add to the privacy notice (how to reach them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanString, Snowflake, UTCDateTime

CONTACT_MAX = 300  # characters: an address, a link, a name


class PrivacySettings(Base):
    __tablename__ = "privacy_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    contact: Mapped[str | None] = mapped_column(CleanString(CONTACT_MAX))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
