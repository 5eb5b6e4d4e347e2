"""The knowledge base's part of a member's data: indexed messages, saves, searches, the opt-out, resources."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from models.knowledge import service
from models.knowledge.tables import (
    KnowledgeEntry,
    KnowledgeOptOut,
    KnowledgeResource,
    KnowledgeResourceMark,
    KnowledgeResourceVote,
    KnowledgeSearch,
    KnowledgeThread,
)
from models.privacy.interface import MemberData, rowcount


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """Their indexed messages leave the index; resources a host reviewed no longer name the host; searches others
    made for the member's posts go (they are kept a day only for their page buttons)."""
    changed = await service.forget_member(session, guild_id, member_id)
    searches = delete(KnowledgeSearch).where(
        KnowledgeSearch.guild_id == guild_id, KnowledgeSearch.author_id == member_id
    )
    return changed + rowcount(await session.execute(searches))


PRIVACY = MemberData(
    name="knowledge",
    export=service.export_member,
    erase=erase,
    unsigned=(KnowledgeResource.decided_by,),
    columns=(
        KnowledgeEntry.author_id,
        KnowledgeEntry.saved_by,
        KnowledgeThread.author_id,
        KnowledgeOptOut.member_id,
        KnowledgeSearch.member_id,
        KnowledgeSearch.author_id,
        KnowledgeResource.suggested_by,
        KnowledgeResource.decided_by,
        KnowledgeResourceVote.member_id,
        KnowledgeResourceMark.member_id,
    ),
    fixed=("knowledge searches: one day (their page buttons work that long)",),
)
