"""Group members: joining (or asking to), leaving, invitations, requests, the waitlist, the lead, the cap, and
what a member's departure from the server changes. The cog adds and removes them in the group's space."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import NoLongerAvailableError
from models.groups import rules
from models.groups.rules import (
    SEATED,
    AlreadyInvitedError,
    InviteBotError,
    LeadTargetError,
    NotInGroupError,
    NotLeadError,
    Seat,
    Status,
)
from models.groups.tables import Group, GroupSeat


@dataclass(frozen=True)
class Joined:
    """Where a member landed: seated, waitlisted (with their place), or a request waiting for a lead."""

    seat: Seat
    position: int | None = None


@dataclass(frozen=True)
class Left:
    seat: Seat
    promoted: list[int]  # waitlisted members seated in the place freed
    new_lead: int | None = None


async def group_by_id(session: AsyncSession, group_id: int) -> Group:
    """The group a button or job names; a group that is gone makes the button stale."""
    group = await session.get(Group, group_id)
    if group is None:
        raise NoLongerAvailableError()
    return group


async def lock_group(session: AsyncSession, group_id: int) -> Group:
    """The group, its row locked until the transaction ends (PostgreSQL): two processes never overfill a group.

    SQLite needs no lock: it runs one write transaction at a time, and the cog runs one change per group at a time.
    """
    group = await session.scalar(
        select(Group).where(Group.id == group_id).with_for_update().execution_options(populate_existing=True)
    )
    if group is None:
        raise NoLongerAvailableError()
    return group


async def drop_seat(session: AsyncSession, group_id: int, member_id: int) -> None:
    """Give back a seat the group's space refused (nothing half-joined)."""
    seat = await seat_of(session, group_id, member_id)
    if seat is not None:
        await session.delete(seat)
        await session.flush()


async def seats(session: AsyncSession, group_id: int) -> list[GroupSeat]:
    rows = await session.scalars(
        select(GroupSeat).where(GroupSeat.group_id == group_id).order_by(GroupSeat.since, GroupSeat.member_id)
    )
    return list(rows)


async def seat_of(session: AsyncSession, group_id: int, member_id: int) -> GroupSeat | None:
    return await session.get(GroupSeat, (group_id, member_id))


async def require_seat(
    session: AsyncSession, group: Group, member_id: int, *, lead: bool = False, host: bool = False
) -> GroupSeat | None:
    """The member's seat; refuses people outside the group (and non-leads for a lead's action). Hosts pass."""
    seat = await seat_of(session, group.id, member_id)
    if host:
        return seat
    if seat is None or seat.seat not in SEATED:
        raise NotInGroupError(group=group.name)
    if lead and seat.seat != Seat.LEAD:
        raise NotLeadError(group=group.name)
    return seat


# --- members -----------------------------------------------------------------------------------------------


def seated_count(all_seats: Sequence[GroupSeat]) -> int:
    return sum(seat.seat in SEATED for seat in all_seats)


def waitlist(all_seats: Sequence[GroupSeat]) -> list[GroupSeat]:
    return [seat for seat in all_seats if seat.seat == Seat.WAITLISTED]


async def join_group(session: AsyncSession, group: Group, member_id: int, *, now: datetime) -> Joined:
    all_seats = await seats(session, group.id)
    current = next((seat for seat in all_seats if seat.member_id == member_id), None)
    landed = rules.join_seat(
        status=group.status,
        private=group.private,
        current=current.seat if current else None,
        seated=seated_count(all_seats),
        cap=group.cap,
    )
    return await _seat(session, group, current, member_id, landed, now)


async def _seat(
    session: AsyncSession, group: Group, current: GroupSeat | None, member_id: int, landed: Seat, now: datetime
) -> Joined:
    if current is None:
        current = GroupSeat(group_id=group.id, member_id=member_id, guild_id=group.guild_id, seat=landed, since=now)
        session.add(current)
    else:
        current.seat, current.since = landed, now
    await session.flush()
    if landed == Seat.WAITLISTED:
        return Joined(landed, len(waitlist(await seats(session, group.id))))
    return Joined(landed)


async def answer_request(
    session: AsyncSession, group: Group, member_id: int, *, accept: bool, now: datetime
) -> Joined | None:
    """A lead's answer to a request: seated (or waitlisted when full), or dropped. None: no such request left."""
    rules.check_active(group.status)
    current = await seat_of(session, group.id, member_id)
    if current is None or current.seat != Seat.REQUESTED:
        return None
    if not accept:
        await session.delete(current)
        await session.flush()
        return None
    seated = seated_count(await seats(session, group.id))
    landed = Seat.MEMBER if rules.has_room(group.cap, seated) else Seat.WAITLISTED
    return await _seat(session, group, current, member_id, landed, now)


async def invite_member(
    session: AsyncSession, group: Group, inviter_id: int, invitee_id: int, *, invitee_is_bot: bool, now: datetime
) -> GroupSeat:
    """Members invite to open groups, leads to private ones; the invitation is the lead's yes to a request."""
    rules.check_active(group.status)
    await require_seat(session, group, inviter_id, lead=group.private)
    if invitee_is_bot:
        raise InviteBotError()
    current = await seat_of(session, group.id, invitee_id)
    if current is not None and current.seat in SEATED:
        raise rules.AlreadyInGroupError()
    if current is not None and current.seat in (Seat.INVITED, Seat.WAITLISTED):
        raise AlreadyInvitedError(member=f"<@{invitee_id}>")
    if current is None:
        current = GroupSeat(group_id=group.id, member_id=invitee_id, guild_id=group.guild_id, seat=Seat.INVITED)
        session.add(current)
    current.seat, current.since, current.invited_by = Seat.INVITED, now, inviter_id
    await session.flush()
    return current


async def decline_invitation(session: AsyncSession, group: Group, member_id: int) -> bool:
    current = await seat_of(session, group.id, member_id)
    if current is None or current.seat != Seat.INVITED:
        return False
    await session.delete(current)
    await session.flush()
    return True


async def leave_group(session: AsyncSession, group: Group, member_id: int, *, now: datetime) -> Left:
    """Leave (or withdraw a request, an invitation, a place on the waitlist); a freed seat goes to the waitlist."""
    all_seats = await seats(session, group.id)
    current = next((seat for seat in all_seats if seat.member_id == member_id), None)
    leads = sum(seat.seat == Seat.LEAD for seat in all_seats)
    if current is None:
        raise NotInGroupError(group=group.name)
    if current.seat in SEATED:
        rules.check_leave(current=current.seat, leads=leads, seated=seated_count(all_seats))
    seat = Seat(current.seat)
    await session.delete(current)
    await session.flush()
    promoted = await promote_waitlisted(session, group, now=now) if seat in SEATED else []
    return Left(seat, promoted)


async def promote_waitlisted(session: AsyncSession, group: Group, *, now: datetime) -> list[int]:
    """Seat the waitlist, first come first seated, while there is room; returns who got a seat."""
    if group.status != Status.ACTIVE:
        return []
    all_seats = await seats(session, group.id)
    room = len(all_seats) if group.cap is None else group.cap - seated_count(all_seats)
    promoted = []
    for seat in waitlist(all_seats)[: max(0, room)]:
        seat.seat, seat.since = Seat.MEMBER, now
        promoted.append(seat.member_id)
    await session.flush()
    return promoted


async def transfer_lead(session: AsyncSession, group: Group, by_id: int, to_id: int, *, host: bool) -> int | None:
    """The lead hands over to a member; returns the former lead (None when a host named a lead)."""
    rules.check_active(group.status)
    giver = await require_seat(session, group, by_id, lead=True, host=host)
    target = await seat_of(session, group.id, to_id)
    if target is None or target.seat not in SEATED:
        raise LeadTargetError(member=f"<@{to_id}>")
    if target.seat == Seat.LEAD:
        raise LeadTargetError(member=f"<@{to_id}>")
    target.seat = Seat.LEAD
    former = None
    if giver is not None and giver.seat == Seat.LEAD:
        giver.seat = Seat.MEMBER
        former = giver.member_id
    elif host:
        for seat in await seats(session, group.id):
            if seat.seat == Seat.LEAD and seat.member_id != to_id:
                seat.seat, former = Seat.MEMBER, seat.member_id
    await session.flush()
    return former


async def edit_group(
    session: AsyncSession,
    group: Group,
    *,
    now: datetime,
    cap: int | None = None,
    no_cap: bool = False,
    private: bool | None = None,
    purpose: str | None = None,
) -> list[int]:
    """Change the cap (never below the members already seated), privacy or purpose; returns who the freed room
    seated from the waitlist."""
    rules.check_active(group.status)
    if no_cap:
        group.cap = None
    elif cap is not None:
        group.cap = rules.check_cap(cap, seated_count(await seats(session, group.id)))
    if private is not None:
        group.private = private
    if purpose is not None:
        group.purpose = rules.check_purpose(purpose)
    await session.flush()
    return await promote_waitlisted(session, group, now=now)


async def set_committee(session: AsyncSession, group: Group, committee: bool) -> Group:
    if group.status in (Status.ARCHIVED, Status.REJECTED):
        raise rules.GroupArchivedError()
    group.committee = committee
    await session.flush()
    return group


@dataclass(frozen=True)
class Departure:
    """What a member's departure from the server changed in one group."""

    group: Group
    seat: Seat
    promoted: list[int]
    new_lead: int | None


async def member_gone(session: AsyncSession, guild_id: int, member_id: int, *, now: datetime) -> list[Departure]:
    """A member left the server (or asked to be forgotten): they leave every group; a group whose last lead left
    is led by its longest-seated member; freed seats go to the waitlist."""
    mine = await session.scalars(
        select(GroupSeat).where(GroupSeat.guild_id == guild_id, GroupSeat.member_id == member_id)
    )
    changes = []
    for seat in list(mine):
        group = await session.get_one(Group, seat.group_id)
        all_seats = await seats(session, group.id)
        was = Seat(seat.seat)
        new_lead = None
        if was == Seat.LEAD and sum(other.seat == Seat.LEAD for other in all_seats) == 1:
            new_lead = rules.successor([(s.member_id, s.seat, s.since) for s in all_seats], member_id)
            if new_lead is not None:
                next(s for s in all_seats if s.member_id == new_lead).seat = Seat.LEAD
        await session.delete(seat)
        await session.flush()
        promoted = await promote_waitlisted(session, group, now=now) if was in SEATED else []
        changes.append(Departure(group, was, promoted, new_lead))
    return changes


async def members_with_seats(session: AsyncSession, guild_id: int) -> set[int]:
    """Everyone with a seat of any kind in the server's groups (to find those who left while Agora was away)."""
    rows = await session.scalars(select(GroupSeat.member_id).where(GroupSeat.guild_id == guild_id).distinct())
    return set(rows)
