"""Group use cases: creating (with the host's approval when asked), finding, joining, leaving, inviting, leading,
capping, and everything a member's departure changes. They flush, never commit; the cog owns the transaction and
the Discord side (the space, the role), which it makes between `start_group` and `activate_group`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import insert_or_ignore
from models.groups import rules
from models.groups.members import member_gone
from models.groups.rules import (
    SEATED,
    GroupName,
    GroupNameTakenError,
    GroupUnknownError,
    Seat,
    Space,
    Status,
)
from models.groups.tables import (
    LIVE_STATUSES,
    Group,
    GroupFormation,
    GroupProject,
    GroupProjectMember,
    GroupSeat,
    GroupSeeker,
    GroupSettings,
)

PAGE_SIZE = 8


@dataclass(frozen=True)
class Listed:
    group: Group
    seated: int
    waiting: int


@dataclass(frozen=True)
class Page:
    items: list[Listed]
    number: int
    pages: int
    total: int


# --- settings ----------------------------------------------------------------------------------------------


async def group_settings(session: AsyncSession, guild_id: int) -> GroupSettings:
    settings = await session.get(GroupSettings, guild_id)
    if settings is None:
        await insert_or_ignore(session, GroupSettings, guild_id=guild_id)
        settings = await session.get_one(GroupSettings, guild_id)
    return settings


async def update_settings(
    session: AsyncSession,
    guild_id: int,
    *,
    now: datetime,
    require_approval: bool | None = None,
    space: Space | None = None,
    parent_id: int | None = None,
    silence_days: int | None = None,
    digest: bool | None = None,
) -> GroupSettings:
    settings = await group_settings(session, guild_id)
    if require_approval is not None:
        settings.require_approval = require_approval
    if space is not None:
        settings.space = space
    if parent_id is not None:
        settings.parent_id = parent_id or None
    if silence_days is not None:
        settings.silence_days = rules.check_silence_days(silence_days)
    if digest is not None:
        settings.digest = digest
    settings.updated_at = now
    await session.flush()
    return settings


# --- finding groups ----------------------------------------------------------------------------------------


async def find_group(session: AsyncSession, guild_id: int, text: str) -> Group:
    """The group an option names: an autocomplete choice (its id), else its name (case and accents aside)."""
    text = text.strip()
    if text.isdigit() and len(text) < 10:
        found = await session.get(Group, int(text))
        if found is not None and found.guild_id == guild_id:
            return found
    key = rules.name_key(text)
    found = await session.scalar(
        select(Group)
        .where(Group.guild_id == guild_id, Group.name_key == key, Group.status != Status.REJECTED)
        .order_by(Group.status.in_(LIVE_STATUSES).desc(), Group.created_at.desc())
        .limit(1)
    )
    if found is None:
        raise GroupUnknownError(name=text[:50])
    return found


async def group_in(session: AsyncSession, guild_id: int, channel_id: int | None) -> Group | None:
    """The group whose space is this channel or thread, if any."""
    if channel_id is None:
        return None
    return await session.scalar(select(Group).where(Group.guild_id == guild_id, Group.space_id == channel_id))


async def group_choices(
    session: AsyncSession, guild_id: int, text: str, *, member_id: int | None = None, limit: int = 25
) -> list[tuple[int, str]]:
    """Active groups whose name holds `text` (only the member's own when `member_id` is given), for autocomplete."""
    query = select(Group.id, Group.name).where(Group.guild_id == guild_id, Group.status == Status.ACTIVE)
    key = rules.name_key(text)
    if key:
        query = query.where(Group.name_key.contains(key, autoescape=True))
    if member_id is not None:
        mine = select(GroupSeat.group_id).where(GroupSeat.member_id == member_id, GroupSeat.guild_id == guild_id)
        query = query.where(Group.id.in_(mine))
    rows = await session.execute(query.order_by(Group.name_key).limit(limit))
    return [(group_id, name) for group_id, name in rows]


# --- creating ----------------------------------------------------------------------------------------------


async def check_name_free(session: AsyncSession, guild_id: int, name: GroupName) -> None:
    taken = await session.scalar(
        select(Group.name).where(
            Group.guild_id == guild_id, Group.name_key == name.key, Group.status.in_(LIVE_STATUSES)
        )
    )
    if taken is not None:
        raise GroupNameTakenError(name=taken)


async def start_group(
    session: AsyncSession,
    guild_id: int,
    *,
    name: str,
    purpose: str,
    goals: str = "",
    how: str = "",
    cap: int | None,
    private: bool,
    with_role: bool,
    creator_id: int,
    space: Space,
    parent_id: int | None,
    needs_approval: bool,
    now: datetime,
    members: Sequence[int] = (),
) -> Group:
    """A new group with its creator as lead (then `members`, seated): `pending` when a host must approve it, else
    `creating` until its space exists (`activate_group`), or gone again (`discard_group`)."""
    checked = rules.check_name(name)
    await check_name_free(session, guild_id, checked)
    everyone = list(dict.fromkeys([creator_id, *members]))
    group = Group(
        guild_id=guild_id,
        name=checked.shown,
        name_key=checked.key,
        purpose=rules.check_purpose(purpose),
        goals=rules.check_text(goals),
        how=rules.check_text(how),
        cap=rules.check_cap(cap, len(everyone)),
        private=private,
        committee=False,
        with_role=with_role,
        status=Status.PENDING if needs_approval else Status.CREATING,
        space_kind=space,
        parent_id=parent_id,
        checkin=rules.Cadence.OFF,
        created_by=creator_id,
        created_at=now,
        last_activity_at=now,
    )
    session.add(group)
    try:
        await session.flush()
    except IntegrityError:
        raise GroupNameTakenError(name=checked.shown) from None  # created at the same moment by someone else
    for position, member_id in enumerate(everyone):
        seat = Seat.LEAD if position == 0 else Seat.MEMBER
        session.add(GroupSeat(group_id=group.id, member_id=member_id, guild_id=guild_id, seat=seat, since=now))
    await session.flush()
    return group


async def record_space(
    session: AsyncSession, group_id: int, *, space_id: int | None = None, role_id: int | None = None
) -> None:
    """Note each Discord object as soon as it exists, so that a crash mid-way can still remove it."""
    values: dict[str, Any] = {}
    if space_id is not None:
        values["space_id"] = space_id
    if role_id is not None:
        values["role_id"] = role_id
    if values:
        await session.execute(update(Group).where(Group.id == group_id).values(**values))


async def activate_group(session: AsyncSession, group_id: int, *, now: datetime) -> Group:
    group = await session.get_one(Group, group_id)
    group.status = Status.ACTIVE
    group.last_activity_at = now
    await session.flush()
    return group


async def discard_group(session: AsyncSession, group_id: int) -> None:
    """Undo a creation whose space could not be made: nothing of it is left."""
    await session.execute(delete(GroupSeat).where(GroupSeat.group_id == group_id))
    await session.execute(delete(Group).where(Group.id == group_id))


async def stale_creations(session: AsyncSession, before: datetime) -> list[Group]:
    """Creations a stopped process left midway (older than `before`): their Discord objects and rows go."""
    rows = await session.scalars(
        select(Group).where(Group.status == Status.CREATING, Group.created_at < before).order_by(Group.id)
    )
    return list(rows)


async def approve_group(session: AsyncSession, group: Group, *, now: datetime) -> Group:
    """A host's yes: the group's space is made next (`creating`)."""
    if group.status != Status.PENDING:
        raise rules.GroupNotActiveError()
    group.status = Status.CREATING
    group.approved_at = now
    await session.flush()
    return group


async def unapprove_group(session: AsyncSession, group_id: int) -> None:
    """The approved group's space could not be made: it waits again, nothing half-made."""
    await session.execute(
        update(Group)
        .where(Group.id == group_id)
        .values(status=Status.PENDING, approved_at=None, space_id=None, role_id=None)
    )


async def reject_group(session: AsyncSession, group: Group) -> Group:
    if group.status != Status.PENDING:
        raise rules.GroupNotActiveError()
    group.status = Status.REJECTED
    await session.execute(delete(GroupSeat).where(GroupSeat.group_id == group.id))
    await session.flush()
    return group


async def pending_groups(session: AsyncSession, guild_id: int) -> list[Group]:
    rows = await session.scalars(
        select(Group).where(Group.guild_id == guild_id, Group.status == Status.PENDING).order_by(Group.created_at)
    )
    return list(rows)


# --- listing -----------------------------------------------------------------------------------------------


async def list_groups(
    session: AsyncSession, guild_id: int, *, committees: bool, page: int, per_page: int = PAGE_SIZE
) -> Page:
    """Active groups (or committees), busiest first, with their members and waitlist counted."""
    where = (Group.guild_id == guild_id, Group.status == Status.ACTIVE, Group.committee.is_(committees))
    total = int(await session.scalar(select(func.count()).select_from(Group).where(*where)) or 0)
    pages = max(1, -(-total // per_page))
    number = min(max(1, page), pages)
    found = list(
        await session.scalars(
            select(Group)
            .where(*where)
            .order_by(Group.last_activity_at.desc(), Group.id)
            .offset((number - 1) * per_page)
            .limit(per_page)
        )
    )
    counts = await seat_counts(session, [group.id for group in found])
    items = [Listed(group, *counts.get(group.id, (0, 0))) for group in found]
    return Page(items, number, pages, total)


async def seat_counts(session: AsyncSession, group_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """{group id: (seated, waitlisted)} in one query."""
    if not group_ids:
        return {}
    rows = await session.execute(
        select(GroupSeat.group_id, GroupSeat.seat, func.count())
        .where(GroupSeat.group_id.in_(group_ids))
        .group_by(GroupSeat.group_id, GroupSeat.seat)
    )
    counts: dict[int, list[int]] = {}
    for group_id, seat, count in rows:
        found = counts.setdefault(group_id, [0, 0])
        if seat in SEATED:
            found[0] += count
        elif seat == Seat.WAITLISTED:
            found[1] += count
    return {group_id: (seated, waiting) for group_id, (seated, waiting) in counts.items()}


async def committee_count(session: AsyncSession, guild_id: int, *, committees: bool) -> int:
    where = (Group.guild_id == guild_id, Group.status == Status.ACTIVE, Group.committee.is_(committees))
    return int(await session.scalar(select(func.count()).select_from(Group).where(*where)) or 0)


async def active_spaces(session: AsyncSession) -> dict[int, int]:
    """{space id: group id} of every active group: which channels' messages count as a group's activity."""
    rows = await session.execute(
        select(Group.space_id, Group.id).where(Group.status == Status.ACTIVE, Group.space_id.is_not(None))
    )
    return {space_id: group_id for space_id, group_id in rows if space_id is not None}


async def note_activity(session: AsyncSession, group_id: int, *, now: datetime) -> None:
    await session.execute(update(Group).where(Group.id == group_id).values(last_activity_at=now))


# --- suggestions' opt-in -----------------------------------------------------------------------------------


async def set_available(
    session: AsyncSession, guild_id: int, member_id: int, available: bool, *, now: datetime
) -> bool:
    """Opt in or out of being suggested to groups; True when it changed something."""
    if available:
        return await insert_or_ignore(session, GroupSeeker, guild_id=guild_id, member_id=member_id, since=now)
    result = await session.execute(
        delete(GroupSeeker).where(GroupSeeker.guild_id == guild_id, GroupSeeker.member_id == member_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def seekers(session: AsyncSession, guild_id: int, *, excluding: Sequence[int] = ()) -> list[int]:
    query = select(GroupSeeker.member_id).where(GroupSeeker.guild_id == guild_id)
    if excluding:
        query = query.where(GroupSeeker.member_id.not_in(excluding))
    return list(await session.scalars(query.order_by(GroupSeeker.since)))


# --- privacy -----------------------------------------------------------------------------------------------


async def export_member(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    """Everything groups hold about the member in this server, as plain data."""
    seated = await session.execute(
        select(Group.name, Group.status, GroupSeat.seat, GroupSeat.since)
        .join(Group, Group.id == GroupSeat.group_id)
        .where(GroupSeat.guild_id == guild_id, GroupSeat.member_id == member_id)
        .order_by(GroupSeat.since)
    )
    created = await session.scalars(
        select(Group.name).where(Group.guild_id == guild_id, Group.created_by == member_id).order_by(Group.created_at)
    )
    projects = await session.execute(
        select(GroupProject.name, GroupProject.finished_at, GroupProjectMember.lead)
        .join(GroupProjectMember, GroupProjectMember.project_id == GroupProject.id)
        .where(GroupProjectMember.guild_id == guild_id, GroupProjectMember.member_id == member_id)
        .order_by(GroupProject.finished_at)
    )
    seeker = await session.get(GroupSeeker, (guild_id, member_id))
    return {
        "groups": [
            {"group": name, "group_status": status, "seat": seat, "since": since.isoformat()}
            for name, status, seat, since in seated
        ],
        "groups_created": list(created),
        "projects": [
            {"project": name, "finished_at": finished.isoformat(), "lead": lead} for name, finished, lead in projects
        ],
        "open_to_suggestions_since": seeker.since.isoformat() if seeker else None,
    }


async def forget_member(session: AsyncSession, guild_id: int, member_id: int, *, now: datetime) -> int:
    """Erase the member from groups here: seats (as if they left the server), projects' member lists, the opt-in,
    teams previewed; groups they created no longer name them. Returns how many rows changed."""
    changed = len(await member_gone(session, guild_id, member_id, now=now))
    for model in (GroupProjectMember, GroupSeeker):
        result = await session.execute(delete(model).where(model.guild_id == guild_id, model.member_id == member_id))
        changed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = await session.execute(
        update(Group).where(Group.guild_id == guild_id, Group.created_by == member_id).values(created_by=None)
    )
    changed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    for formation in await session.scalars(select(GroupFormation).where(GroupFormation.guild_id == guild_id)):
        if member_id in formation.members() or formation.created_by == member_id:
            formation.teams = [[other for other in team if other != member_id] for team in formation.teams]
            formation.created_by = 0 if formation.created_by == member_id else formation.created_by
            changed += 1
    await session.flush()
    return changed
