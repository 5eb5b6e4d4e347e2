"""Recognition use cases besides giving: the server's settings and categories, members' preferences, the hosts'
tools (exclude, reset a board), a member's own summary, and privacy. They flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import guild_row, insert_or_ignore
from models.recognition import milestones
from models.recognition.rules import (
    DEFAULT_ALLOWANCE,
    DEFAULT_PAIR_CAP,
    DEFAULT_REACTION,
    DEFAULT_REACTION_CATEGORY,
    MAX_ALLOWANCE,
    AllowanceError,
    Cadence,
    Category,
    MilestoneKind,
    Period,
    Streak,
    UnknownCategoryError,
    check_category,
    day_bounds,
    day_number,
    local_day,
    period_key,
    server_categories,
    streak,
    thresholds_for,
    week_number,
)
from models.recognition.tables import (
    BoardReset,
    Kudos,
    KudosCategory,
    KudosTally,
    Milestone,
    RecognitionEvent,
    RecognitionMember,
    RecognitionSettings,
)

# --- the server's settings --------------------------------------------------------------------------------------


async def get_settings(session: AsyncSession, guild_id: int) -> RecognitionSettings:
    """The server's row, created with the defaults on first use."""
    return await guild_row(
        session,
        RecognitionSettings,
        guild_id,
        reaction=DEFAULT_REACTION,
        reaction_category=DEFAULT_REACTION_CATEGORY,
        daily_allowance=DEFAULT_ALLOWANCE,
        pair_cap=DEFAULT_PAIR_CAP,
        post_cadence=Cadence.WEEKLY.value,
        public_thanks=True,
        members_celebrate=False,
        thresholds={},
    )


async def reaction_of(session: AsyncSession, guild_id: int) -> str:
    settings = await session.get(RecognitionSettings, guild_id)
    return settings.reaction if settings is not None else DEFAULT_REACTION


@dataclass(frozen=True)
class SettingsChange:
    reaction: str | None = None
    reaction_category: str | None = None
    daily_allowance: int | None = None
    pair_cap: int | None = None
    post_cadence: Cadence | None = None
    public_thanks: bool | None = None
    members_celebrate: bool | None = None


async def update_settings(
    session: AsyncSession, guild_id: int, change: SettingsChange, *, now: datetime
) -> RecognitionSettings:
    settings = await get_settings(session, guild_id)
    for limit in (change.daily_allowance, change.pair_cap):
        if limit is not None and not 1 <= limit <= MAX_ALLOWANCE:
            raise AllowanceError(limit=MAX_ALLOWANCE)
    if change.reaction_category is not None:
        await require_category(session, guild_id, change.reaction_category)
    for name, value in vars(change).items():
        if value is not None:
            setattr(settings, name, value.value if isinstance(value, Cadence) else value)
    settings.updated_at = now
    await session.flush()
    return settings


async def set_thresholds(
    session: AsyncSession, guild_id: int, kind: MilestoneKind, levels: tuple[int, ...], *, now: datetime
) -> None:
    settings = await get_settings(session, guild_id)
    settings.thresholds = {**settings.thresholds, kind.value: list(levels)}
    settings.updated_at = now
    await session.flush()


async def all_thresholds(session: AsyncSession, guild_id: int) -> dict[MilestoneKind, tuple[int, ...]]:
    chosen = await milestones.chosen_thresholds(session, guild_id)
    return {kind: thresholds_for(kind, chosen) for kind in MilestoneKind}


# --- categories -------------------------------------------------------------------------------------------------


async def categories(session: AsyncSession, guild_id: int) -> list[Category]:
    rows = await session.scalars(select(KudosCategory).where(KudosCategory.guild_id == guild_id))
    return server_categories({row.key: row.names for row in rows})


async def require_category(session: AsyncSession, guild_id: int, key: str) -> Category:
    found = next((category for category in await categories(session, guild_id) if category.key == key), None)
    if found is None:
        raise UnknownCategoryError(category=key[:40])
    return found


async def save_category(
    session: AsyncSession, guild_id: int, key: str, names: dict[str, str], *, now: datetime
) -> tuple[Category, bool]:
    """Add a category, or rename one (a default one too) in the languages given; (category, added)."""
    existing = [category.key for category in await categories(session, guild_id)]
    key, cleaned = check_category(key, names, existing)
    row = await session.get(KudosCategory, (guild_id, key))
    if row is None:
        session.add(KudosCategory(guild_id=guild_id, key=key, names=dict(cleaned), created_at=now))
    else:
        row.names = {**row.names, **cleaned}
    await session.flush()
    found = next(category for category in await categories(session, guild_id) if category.key == key)
    return found, key not in existing


# --- members ----------------------------------------------------------------------------------------------------


async def member_row(session: AsyncSession, guild_id: int, member_id: int, *, now: datetime) -> RecognitionMember:
    row = await session.get(RecognitionMember, (guild_id, member_id))
    if row is None:
        await insert_or_ignore(session, RecognitionMember, guild_id=guild_id, member_id=member_id, updated_at=now)
        row = await session.get_one(RecognitionMember, (guild_id, member_id))
    return row


async def set_preferences(
    session: AsyncSession,
    guild_id: int,
    member_id: int,
    *,
    notices: bool | None = None,
    named: bool | None = None,
    now: datetime,
) -> RecognitionMember:
    row = await member_row(session, guild_id, member_id, now=now)
    if notices is not None:
        row.notices = notices
    if named is not None:
        row.named = named
    row.updated_at = now
    await session.flush()
    return row


async def set_excluded(
    session: AsyncSession, guild_id: int, member_id: int, excluded: bool, *, now: datetime
) -> RecognitionMember:
    row = await member_row(session, guild_id, member_id, now=now)
    row.excluded = excluded
    row.updated_at = now
    await session.flush()
    return row


async def excluded_members(session: AsyncSession, guild_id: int) -> list[int]:
    rows = await session.scalars(
        select(RecognitionMember.member_id).where(
            RecognitionMember.guild_id == guild_id, RecognitionMember.excluded.is_(True)
        )
    )
    return list(rows)


async def muted(session: AsyncSession, guild_id: int, member_ids: list[int]) -> set[int]:
    """Members of `member_ids` who turned kudos notices off."""
    rows = await session.scalars(
        select(RecognitionMember.member_id).where(
            RecognitionMember.guild_id == guild_id,
            RecognitionMember.member_id.in_(member_ids),
            RecognitionMember.notices.is_(False),
        )
    )
    return set(rows)


async def reset_board(
    session: AsyncSession, guild_id: int, period: Period, *, host_id: int, zone: ZoneInfo, now: datetime
) -> str:
    """Start the current `period`'s boards over (kudos stay; they just stop counting there); returns the period."""
    key = period_key(period, now, zone)
    await session.execute(delete(KudosTally).where(KudosTally.guild_id == guild_id, KudosTally.period == key))
    row = await session.get(BoardReset, (guild_id, key))
    if row is None:
        session.add(BoardReset(guild_id=guild_id, period=key, reset_at=now, reset_by=host_id))
    else:
        row.reset_at, row.reset_by = now, host_id
    await session.flush()
    return key


# --- a member's own view ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    received: dict[str, int]  # per category
    given: int
    left_today: int
    giving: Streak  # days in a row with a kudos given
    receiving: Streak  # weeks in a row with a kudos received
    milestones: list[Milestone]
    preferences: RecognitionMember | None


async def summary(
    session: AsyncSession, guild_id: int, member_id: int, *, allowance: int, zone: ZoneInfo, now: datetime
) -> Summary:
    standing = (Kudos.guild_id == guild_id, Kudos.ended_at.is_(None))
    received_rows = (
        await session.execute(select(Kudos.category, Kudos.given_at).where(*standing, Kudos.receiver_id == member_id))
    ).all()
    given_at = list(await session.scalars(select(Kudos.given_at).where(*standing, Kudos.giver_id == member_id)))
    start, _ = day_bounds(now, zone)
    received: dict[str, int] = {}
    for category, _ in received_rows:
        received[category] = received.get(category, 0) + 1
    today = local_day(now, zone)
    return Summary(
        received=received,
        given=len(given_at),
        left_today=max(0, allowance - sum(1 for moment in given_at if moment >= start)),
        giving=streak((day_number(local_day(moment, zone)) for moment in given_at), day_number(today)),
        receiving=streak((week_number(local_day(at, zone)) for _, at in received_rows), week_number(today)),
        milestones=await milestones.member_milestones(session, guild_id, member_id),
        preferences=await session.get(RecognitionMember, (guild_id, member_id)),
    )


# --- privacy ----------------------------------------------------------------------------------------------------


async def export_member(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    """Everything stored about the member here, as plain data."""
    kudos = await session.scalars(
        select(Kudos)
        .where(  # each side on its own index (a guild-wide OR would read every kudos of the server)
            or_(
                (Kudos.guild_id == guild_id) & (Kudos.giver_id == member_id),
                (Kudos.guild_id == guild_id) & (Kudos.receiver_id == member_id),
            )
        )
        .order_by(Kudos.id)
    )
    prefs = await session.get(RecognitionMember, (guild_id, member_id))
    events = await session.scalars(
        select(RecognitionEvent).where(RecognitionEvent.guild_id == guild_id, RecognitionEvent.member_id == member_id)
    )
    return {
        "kudos": [
            {
                "giver_id": row.giver_id,
                "receiver_id": row.receiver_id,
                "category": row.category,
                "source": row.source,
                "reason": row.reason,
                "message_id": row.message_id,
                "given_at": row.given_at.isoformat(),
                "ended": row.end_reason,
            }
            for row in kudos
        ],
        "preferences": None
        if prefs is None
        else {"notices": prefs.notices, "named": prefs.named, "excluded": prefs.excluded},
        "events": [{"kind": row.kind, "key": row.dedupe_key, "at": row.reported_at.isoformat()} for row in events],
        "milestones": [
            {"kind": row.kind, "level": row.level, "reached_at": row.reached_at.isoformat()}
            for row in await milestones.member_milestones(session, guild_id, member_id)
        ],
    }


async def forget_member(session: AsyncSession, guild_id: int, member_id: int) -> int:
    """Erase the member here: kudos they received, their counters, preferences, events and milestones; kudos they
    gave stay counted for the people they thanked, with no trace of who gave them or why. Returns rows touched."""
    touched = 0
    statements = [
        delete(Kudos).where(Kudos.guild_id == guild_id, Kudos.receiver_id == member_id),
        update(Kudos)
        .where(Kudos.guild_id == guild_id, Kudos.giver_id == member_id)
        .values(giver_id=0, reason=None, message_id=None, channel_id=None),
        delete(KudosTally).where(KudosTally.guild_id == guild_id, KudosTally.member_id == member_id),
        delete(RecognitionMember).where(
            RecognitionMember.guild_id == guild_id, RecognitionMember.member_id == member_id
        ),
        delete(RecognitionEvent).where(RecognitionEvent.guild_id == guild_id, RecognitionEvent.member_id == member_id),
        delete(Milestone).where(Milestone.guild_id == guild_id, Milestone.member_id == member_id),
    ]
    for statement in statements:
        result = await session.execute(statement.execution_options(synchronize_session=False))
        touched += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return touched
