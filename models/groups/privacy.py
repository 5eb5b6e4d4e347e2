"""Working groups' part of a member's data: seats, projects, the opt-in to suggestions, groups they started."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.groups import service
from models.groups.tables import Group, GroupFormation, GroupProjectMember, GroupSeat, GroupSeeker
from models.privacy.interface import MemberData


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """As if they left every group (a lead's seat passes on), and nobody's seat says they invited them."""
    return await service.forget_member(session, guild_id, member_id, now=now)


PRIVACY = MemberData(
    name="groups",
    export=service.export_member,
    erase=erase,
    unsigned=(GroupSeat.invited_by,),
    columns=(
        GroupSeat.member_id,
        GroupSeat.invited_by,
        GroupSeeker.member_id,
        GroupProjectMember.member_id,
        Group.created_by,
        GroupFormation.created_by,
    ),
)
