"""Per-guild settings: the channels and roles each capability uses, the guild's locale and time zone.

Deployment defaults (locale, time zone) come from the config; a host overrides them per guild with `/agora`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import TIMEZONE_MAX_CHARS, Base, CleanString, Snowflake, UTCDateTime, guild_row, is_timezone
from models.errors import UserError
from models.localized import LANGUAGES, language_of

SUPPORTED_LOCALES = LANGUAGES


class ChannelPurpose(StrEnum):
    """What a host can point Agora at; the value is the column name."""

    ANNOUNCEMENTS = "announcements_channel_id"
    WELCOME = "welcome_channel_id"
    RULES = "rules_channel_id"
    MODERATORS = "moderators_channel_id"
    KNOWLEDGE = "knowledge_forum_id"
    MENTORING = "mentoring_channel_id"  # where each mentoring pair gets its private thread
    THANKS = "thanks_channel_id"


class RolePurpose(StrEnum):
    MEMBER = "member_role_id"
    MENTOR = "mentor_role_id"


class GuildSettings(Base):
    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    locale: Mapped[str | None] = mapped_column(CleanString(8))
    timezone: Mapped[str | None] = mapped_column(CleanString(64))
    announcements_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    welcome_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    rules_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    moderators_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    knowledge_forum_id: Mapped[int | None] = mapped_column(Snowflake)
    mentoring_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    thanks_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    member_role_id: Mapped[int | None] = mapped_column(Snowflake)
    mentor_role_id: Mapped[int | None] = mapped_column(Snowflake)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Defaults:
    """What a guild gets before its host changes anything (from the deployment config)."""

    locale: str
    timezone: str


class UnknownTimezoneError(UserError, key="settings.timezone.unknown"): ...


class UnsupportedLocaleError(UserError, key="settings.locale.unsupported"): ...


async def get_settings(session: AsyncSession, guild_id: int) -> GuildSettings:
    """The guild's row, created on first use so callers never handle a missing one."""
    return await guild_row(session, GuildSettings, guild_id)


class LanguageSource(StrEnum):
    """Why a guild's language is what it is (`/agora show` says it)."""

    HOST = "host"  # a host chose it with /agora language
    DISCORD = "discord"  # the server's language in Discord, when Agora speaks it
    DEFAULT = "default"  # the deployment's locale.default


def decide_language(
    settings: GuildSettings | None, discord_language: str | None, default: str
) -> tuple[str, LanguageSource]:
    """The language of Agora's posts in a guild, and why: the host's choice, else the server's Discord language
    (already mapped to one of ours, or None), else the deployment default. The one place that decides it."""
    if settings is not None and settings.locale:
        return settings.locale, LanguageSource.HOST
    if discord_language in SUPPORTED_LOCALES:
        return discord_language, LanguageSource.DISCORD
    return default, LanguageSource.DEFAULT


def effective_timezone(settings: GuildSettings | None, defaults: Defaults) -> ZoneInfo:
    return ZoneInfo((settings.timezone if settings else None) or defaults.timezone)


async def set_channel(
    session: AsyncSession, guild_id: int, purpose: ChannelPurpose, channel_id: int | None, *, now: datetime
) -> GuildSettings:
    settings = await get_settings(session, guild_id)
    setattr(settings, purpose.value, channel_id)
    settings.updated_at = now
    return settings


async def set_role(
    session: AsyncSession, guild_id: int, purpose: RolePurpose, role_id: int | None, *, now: datetime
) -> GuildSettings:
    settings = await get_settings(session, guild_id)
    setattr(settings, purpose.value, role_id)
    settings.updated_at = now
    return settings


async def set_locale(session: AsyncSession, guild_id: int, locale: str, *, now: datetime) -> GuildSettings:
    if locale not in SUPPORTED_LOCALES:
        raise UnsupportedLocaleError(locale=locale, supported=", ".join(SUPPORTED_LOCALES))
    settings = await get_settings(session, guild_id)
    settings.locale = locale
    settings.updated_at = now
    return settings


async def set_timezone(session: AsyncSession, guild_id: int, name: str, *, now: datetime) -> GuildSettings:
    settings = await get_settings(session, guild_id)
    settings.timezone = validate_timezone(name)
    settings.updated_at = now
    return settings


def validate_timezone(name: str) -> str:
    if not is_timezone(name):
        raise UnknownTimezoneError(name=name[:TIMEZONE_MAX_CHARS])
    return name


@functools.cache
def _zone_names() -> tuple[tuple[str, str], ...]:
    """(lowercase, name) of every IANA region/city zone, sorted: `available_timezones()` walks the disk each call."""
    return tuple((name.lower(), name) for name in sorted(available_timezones()) if "/" in name)


def timezone_suggestions(text: str, limit: int = 25) -> list[str]:
    """IANA names containing `text`, for autocomplete (Discord shows at most 25 choices)."""
    needle = text.strip().lower().replace(" ", "_")
    return [name for lowered, name in _zone_names() if needle in lowered][:limit]


@dataclass(frozen=True)
class GuildContext:
    """What one unit of work needs to know about its server, read once inside its transaction.

    `language` is for public posts (the server's, see `decide_language`); `reply_language` for the member acting,
    when Agora speaks their Discord language, else the server's.
    """

    guild_id: int
    settings: GuildSettings
    language: str
    language_source: LanguageSource
    zone: ZoneInfo
    reply_language: str


async def load_context(
    session: AsyncSession,
    guild_id: int,
    *,
    defaults: Defaults,
    guild_locale: str | None = None,
    member_locale: str | None = None,
) -> GuildContext:
    """The server's settings, language and time zone; reading never writes (a server without a row gets defaults)."""
    settings = await session.get(GuildSettings, guild_id) or GuildSettings(guild_id=guild_id)
    language, source = decide_language(settings, language_of(guild_locale), defaults.locale)
    return GuildContext(
        guild_id=guild_id,
        settings=settings,
        language=language,
        language_source=source,
        zone=effective_timezone(settings, defaults),
        reply_language=language_of(member_locale) or language,
    )
