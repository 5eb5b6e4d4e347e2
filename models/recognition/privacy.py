"""Recognition's part of a member's data: kudos given and received, counters, preferences, events, milestones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.privacy.interface import MemberData, Retention
from models.recognition import service
from models.recognition.tables import (
    BoardReset,
    Kudos,
    KudosTally,
    Milestone,
    RecognitionEvent,
    RecognitionMember,
)


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """Kudos they gave keep counting for the people they thanked, without giver or reason; a kudos or a board
    they took back as a host no longer names them."""
    return await service.forget_member(session, guild_id, member_id)


PRIVACY = MemberData(
    name="recognition",
    export=service.export_member,
    erase=erase,
    unsigned=(Kudos.ended_by, BoardReset.reset_by),
    columns=(
        Kudos.giver_id,
        Kudos.receiver_id,
        Kudos.ended_by,
        KudosTally.member_id,
        BoardReset.reset_by,
        RecognitionMember.member_id,
        RecognitionEvent.member_id,
        Milestone.member_id,
    ),
    # The kudos stays counted; why it was given goes.
    retention=(
        Retention.emptying(
            "kudos_reasons", Kudos.reason, Kudos.given_at, "reasons written with kudos (the kudos keep counting)"
        ),
    ),
)
