"""Use cases over every capability's `MemberData`: a member's export and erase, a server's export, retention.

They take a session and flush, never commit: the caller's one transaction makes an erase all or nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Column, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.base import utcnow
from models.privacy import catalogue
from models.privacy.interface import MemberData, column_of, in_guild
from models.privacy.rules import NothingHeldError, cutoff
from models.privacy.tables import CONTACT_MAX, PrivacySettings

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
RETENTION_JOB = "privacy.retention"
RETENTION_HOUR = 4  # UTC: the quiet hours of most communities
# The smallest Discord id (its timestamp part is never zero): smaller values in a member column name nobody — 0 for
# an erased author, a revision number in the sessions' delivery ledger.
SNOWFLAKE_MIN = 1 << 22


async def holds_data(session: AsyncSession, guild_id: int, member_id: int) -> bool:
    """True when any capability holds a row naming the member in this server (one indexed probe per column)."""
    for column in catalogue.member_columns():
        probe = select(column).where(in_guild(column, guild_id), column == member_id).limit(1)
        if (await session.execute(probe)).first() is not None:
            return True
    return False


async def members_with_data(session: AsyncSession, guild_id: int) -> set[int]:
    """Everyone some capability holds data about in this server (values that cannot be a Discord id left out)."""
    return await _members_in(session, guild_id, catalogue.member_columns())


async def _members_in(session: AsyncSession, guild_id: int, columns: list[Column[Any]]) -> set[int]:
    if not columns:
        return set()
    queries = [
        select(column.label("member")).where(in_guild(column, guild_id), column >= SNOWFLAKE_MIN) for column in columns
    ]
    return {int(member) for member in await session.scalars(select(union(*queries).subquery().c.member))}


async def _holders_by_member(session: AsyncSession, guild_id: int) -> dict[int, list[MemberData]]:
    """For each member with data here, the capabilities holding some (one query per capability)."""
    found: dict[int, list[MemberData]] = defaultdict(list)
    for holder in catalogue.holders():
        members = await _members_in(session, guild_id, [column_of(attribute) for attribute in holder.columns])
        if holder.members is not None:
            members |= await holder.members(session, guild_id)
        for member_id in members:
            found[member_id].append(holder)
    return found


async def export_member(session: AsyncSession, guild_id: int, member_id: int, *, now: datetime) -> dict[str, Any]:
    """Everything Agora holds about the member here, per capability; `NothingHeldError` when there is nothing."""
    if not await holds_data(session, guild_id, member_id):
        raise NothingHeldError()
    return {
        "format": FORMAT_VERSION,
        "guild_id": guild_id,
        "member_id": member_id,
        "exported_at": now.isoformat(),
        "data": {holder.name: await holder.export(session, guild_id, member_id) for holder in catalogue.holders()},
    }


async def erase_member(session: AsyncSession, guild_id: int, member_id: int, *, now: datetime) -> dict[str, int]:
    """Remove or anonymise everything about the member here, in every capability; rows touched per capability.

    Raises `NothingHeldError` when there is nothing to erase (asked twice). The caller's transaction is the unit: if
    one capability fails, nothing is erased.
    """
    if not await holds_data(session, guild_id, member_id):
        raise NothingHeldError()
    touched = {
        holder.name: await holder.erase_member(session, guild_id, member_id, now) for holder in catalogue.holders()
    }
    await session.flush()
    return touched


async def export_guild(session: AsyncSession, guild_id: int, *, now: datetime) -> dict[str, Any]:
    """Every member's data in this server, for the hosts' records: per member, the capabilities holding some."""
    holding = await _holders_by_member(session, guild_id)
    return {
        "format": FORMAT_VERSION,
        "guild_id": guild_id,
        "exported_at": now.isoformat(),
        "members": {
            str(member_id): {
                holder.name: await holder.export(session, guild_id, member_id) for holder in holding[member_id]
            }
            for member_id in sorted(holding)
        },
    }


async def apply_retention(session: AsyncSession, days: Mapping[str, int | None], *, now: datetime) -> dict[str, int]:
    """Purge every kind of data older than its retention (kinds kept forever are skipped); rows per kind."""
    purged: dict[str, int] = {}
    for holder in catalogue.holders():
        for retention in holder.retention:
            kept = days.get(retention.kind)
            if kept is not None:
                purged[retention.kind] = await retention.purge(session, cutoff(now, kept))
    return purged


async def contact(session: AsyncSession, guild_id: int) -> str | None:
    row = await session.get(PrivacySettings, guild_id)
    return row.contact if row else None


async def set_contact(session: AsyncSession, guild_id: int, text: str | None, *, now: datetime | None = None) -> None:
    """The hosts' contact shown in the privacy notice (None or blank: no contact)."""
    cleaned = (text or "").strip()[:CONTACT_MAX] or None
    row = await session.get(PrivacySettings, guild_id)
    if row is None:
        session.add(PrivacySettings(guild_id=guild_id, contact=cleaned, updated_at=now or utcnow()))
    else:
        row.contact, row.updated_at = cleaned, now or utcnow()
    await session.flush()


async def ensure_retention_job(session: AsyncSession, *, now: datetime) -> None:
    """One daily job applies the retention policy in every server."""
    await scheduling.arm_daily(session, kind=RETENTION_JOB, hour=RETENTION_HOUR, now=now)
