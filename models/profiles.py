"""Member profiles: what each member wants to learn and can share, their languages, time zone, goals and whether
they would mentor. Onboarding fills them, members edit them, mentoring and knowledge read them; one row per member
per guild.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanJSON, CleanString, CleanText, Snowflake, UTCDateTime, is_timezone
from models.errors import UserError
from models.privacy.interface import MemberData

LIST_FIELDS = ("skills_to_learn", "skills_to_share", "languages")
MAX_ITEMS = 25
MAX_ITEM_CHARS = 60
MAX_GOALS_CHARS = 1000
SEPARATORS = re.compile(r"[,;\n]+")


class Profile(Base):
    __tablename__ = "profiles"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    skills_to_learn: Mapped[list[str]] = mapped_column(CleanJSON, default=list)
    skills_to_share: Mapped[list[str]] = mapped_column(CleanJSON, default=list)
    languages: Mapped[list[str]] = mapped_column(CleanJSON, default=list)
    timezone: Mapped[str | None] = mapped_column(CleanString(64))
    goals: Mapped[str | None] = mapped_column(CleanText)
    mentor: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def is_empty(self) -> bool:
        lists = (self.skills_to_learn, self.skills_to_share, self.languages)
        return not any(lists) and not self.timezone and not self.goals and self.mentor is None


class ProfileTooManyItemsError(UserError, key="profiles.edit.too_many"): ...


class ProfileItemTooLongError(UserError, key="profiles.edit.item_too_long"): ...


class ProfileGoalsTooLongError(UserError, key="profiles.edit.goals_too_long"): ...


class ProfileTimezoneError(UserError, key="profiles.edit.timezone_unknown"): ...


@dataclass(frozen=True)
class ProfileText:
    """The five free-text fields of `/profile edit`, as typed (lists comma-separated)."""

    skills_to_learn: str = ""
    skills_to_share: str = ""
    languages: str = ""
    timezone: str = ""
    goals: str = ""


# --- rules -------------------------------------------------------------------------------------------------


def parse_items(text: str, *, field: str) -> list[str]:
    """Comma-, semicolon- or line-separated items, trimmed, without duplicates (case-insensitive)."""
    items = merge_items([], (part.strip() for part in SEPARATORS.split(text)))
    if len(items) > MAX_ITEMS:
        raise ProfileTooManyItemsError(field=field, limit=MAX_ITEMS)
    long = next((item for item in items if len(item) > MAX_ITEM_CHARS), None)
    if long is not None:
        raise ProfileItemTooLongError(item=long[:40], limit=MAX_ITEM_CHARS)
    return items


def merge_items(old: Sequence[str], new: Iterable[str]) -> list[str]:
    """`old` then the items of `new` it lacks, in order; empty items dropped, case-insensitive."""
    merged = [item for item in old if item]
    seen = {item.casefold() for item in merged}
    for item in new:
        if item and item.casefold() not in seen:
            merged.append(item)
            seen.add(item.casefold())
    return merged


def check_timezone(name: str) -> str | None:
    """The IANA zone name, None for an empty one; raises for an unknown one."""
    name = name.strip()
    if not name:
        return None
    if not is_timezone(name):
        raise ProfileTimezoneError(name=name[:64])
    return name


def as_text(profile: Profile | None) -> ProfileText:
    """The profile as the edit form shows it (lists joined by commas)."""
    if profile is None:
        return ProfileText()
    return ProfileText(
        skills_to_learn=", ".join(profile.skills_to_learn),
        skills_to_share=", ".join(profile.skills_to_share),
        languages=", ".join(profile.languages),
        timezone=profile.timezone or "",
        goals=profile.goals or "",
    )


# --- use cases ---------------------------------------------------------------------------------------------


async def get_profile(session: AsyncSession, guild_id: int, member_id: int) -> Profile | None:
    return await session.get(Profile, (guild_id, member_id))


async def _row(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> Profile:
    profile = await get_profile(session, guild_id, member_id)
    if profile is None:
        profile = Profile(guild_id=guild_id, member_id=member_id, skills_to_learn=[], skills_to_share=[], languages=[])
        session.add(profile)
    profile.updated_at = now
    return profile


async def edit_profile(
    session: AsyncSession, guild_id: int, member_id: int, text: ProfileText, *, now: datetime
) -> Profile:
    """Replace the free-text fields with what the member typed (an empty field clears it)."""
    lists = {field: parse_items(getattr(text, field), field=field) for field in LIST_FIELDS}
    timezone = check_timezone(text.timezone)
    goals = text.goals.strip()
    if len(goals) > MAX_GOALS_CHARS:
        raise ProfileGoalsTooLongError(limit=MAX_GOALS_CHARS, length=len(goals))
    profile = await _row(session, guild_id, member_id, now)
    for field, items in lists.items():
        setattr(profile, field, items)
    profile.timezone = timezone
    profile.goals = goals or None
    await session.flush()
    return profile


async def set_mentor(session: AsyncSession, guild_id: int, member_id: int, mentor: bool, *, now: datetime) -> Profile:
    profile = await _row(session, guild_id, member_id, now)
    profile.mentor = mentor
    await session.flush()
    return profile


async def fill_profile(
    session: AsyncSession, guild_id: int, member_id: int, fills: dict[str, Any], *, now: datetime
) -> Profile:
    """Add what a questionnaire gave: list fields gain items, the other fields take the new value."""
    profile = await _row(session, guild_id, member_id, now)
    for field, value in fills.items():
        if field in LIST_FIELDS:
            items = value if isinstance(value, list) else [str(value)]
            setattr(
                profile, field, merge_items(getattr(profile, field), (str(item)[:MAX_ITEM_CHARS] for item in items))
            )
        elif field == "mentor":
            profile.mentor = bool(value)
        elif field == "timezone":
            profile.timezone = str(value)
        elif field == "goals":
            goals = ", ".join(value) if isinstance(value, list) else str(value)
            profile.goals = goals[:MAX_GOALS_CHARS] or None
    await session.flush()
    return profile


async def forget_member(session: AsyncSession, guild_id: int, member_id: int) -> int:
    """Erase the member's profile in this guild; returns how many rows went."""
    result = await session.execute(delete(Profile).where(Profile.guild_id == guild_id, Profile.member_id == member_id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def export_member(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    """Everything stored about the member here, as plain data."""
    profile = await get_profile(session, guild_id, member_id)
    if profile is None:
        return {"profile": None}
    return {
        "profile": {
            "skills_to_learn": list(profile.skills_to_learn),
            "skills_to_share": list(profile.skills_to_share),
            "languages": list(profile.languages),
            "timezone": profile.timezone,
            "goals": profile.goals,
            "mentor": profile.mentor,
            "updated_at": profile.updated_at.isoformat(),
        }
    }


async def _erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    return await forget_member(session, guild_id, member_id)


PRIVACY = MemberData(name="profiles", export=export_member, erase=_erase, columns=(Profile.member_id,))
