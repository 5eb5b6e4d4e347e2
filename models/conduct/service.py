"""Conduct use cases: publishing versions, accepting, lapsed members and notices, status, ledger, reports.

They flush, never commit; the cog owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.base import guild_row
from models.conduct.rules import (
    DEFAULT_GRACE_DAYS,
    LINK_MAX_CHARS,
    MAX_GRACE_DAYS,
    REPORT_MAX_CHARS,
    ConductGraceInvalidError,
    ConductNotPublishedError,
    ConductOutdatedError,
    ConductTextMissingError,
    ReportEmptyError,
    ReportTooLongError,
    check_text,
    split_pending,
)
from models.conduct.tables import (
    ConductAcceptance,
    ConductDraft,
    ConductGuildSettings,
    ConductNotice,
    ConductReport,
    ConductVersion,
)
from models.localized import LANGUAGE_NAMES, Localized

NOTIFY_JOB = "conduct.notify"
GRACE_JOB = "conduct.grace"


@dataclass(frozen=True)
class Publication:
    version: ConductVersion
    is_new: bool
    previous: int | None


@dataclass(frozen=True)
class Acceptance:
    version: int
    newly: bool


@dataclass(frozen=True)
class Status:
    version: int
    accepted: list[int]
    pending: list[int]


async def conduct_settings(session: AsyncSession, guild_id: int) -> ConductGuildSettings:
    return await guild_row(session, ConductGuildSettings, guild_id, grace_days=DEFAULT_GRACE_DAYS)


async def set_grace_days(session: AsyncSession, guild_id: int, days: int, *, now: datetime) -> ConductGuildSettings:
    if not 0 <= days <= MAX_GRACE_DAYS:
        raise ConductGraceInvalidError(limit=MAX_GRACE_DAYS)
    settings = await conduct_settings(session, guild_id)
    settings.grace_days = days
    settings.updated_at = now
    return settings


async def current_version(session: AsyncSession, guild_id: int) -> ConductVersion | None:
    return await session.scalar(
        select(ConductVersion).where(ConductVersion.guild_id == guild_id).order_by(ConductVersion.version.desc())
    )


async def get_version(session: AsyncSession, guild_id: int, version: int) -> ConductVersion | None:
    return await session.scalar(
        select(ConductVersion).where(ConductVersion.guild_id == guild_id, ConductVersion.version == version)
    )


async def save_draft(
    session: AsyncSession, guild_id: int, language: str, text: str, *, member_id: int, now: datetime
) -> ConductDraft:
    text = check_text(text)
    draft = await session.get(ConductDraft, (guild_id, language))
    if draft is None:
        draft = ConductDraft(guild_id=guild_id, language=language)
        session.add(draft)
    draft.text, draft.updated_by, draft.updated_at = text, member_id, now
    await session.flush()
    return draft


async def drafts(session: AsyncSession, guild_id: int) -> dict[str, str]:
    rows = await session.scalars(select(ConductDraft).where(ConductDraft.guild_id == guild_id))
    return {row.language: row.text for row in rows}


async def publish(
    session: AsyncSession, guild_id: int, texts: Localized, *, member_id: int, now: datetime
) -> Publication:
    """A new version when the texts changed, else the current one. A version replacing another gets a grace period:
    members are told now (`conduct.notify`) and lose the member role at its end unless they accept (`conduct.grace`).
    """
    for language in texts.missing():
        raise ConductTextMissingError(language=LANGUAGE_NAMES[language], code=language)
    checked = Localized({language: check_text(text) for language, text in texts.items()})
    current = await current_version(session, guild_id)
    if current is not None and current.localized == checked:
        return Publication(current, is_new=False, previous=None)
    settings = await conduct_settings(session, guild_id)
    version = ConductVersion(
        guild_id=guild_id,
        version=(current.version + 1) if current else 1,
        texts=dict(checked),
        published_at=now,
        published_by=member_id,
        grace_until=now + timedelta(days=settings.grace_days) if current else None,
    )
    session.add(version)
    await session.flush()
    if version.grace_until is not None:
        key, payload = f"{guild_id}:{version.version}", {"version": version.version}
        await scheduling.schedule_job(session, kind=NOTIFY_JOB, key=key, due_at=now, guild_id=guild_id, payload=payload)
        await scheduling.schedule_job(
            session, kind=GRACE_JOB, key=key, due_at=version.grace_until, guild_id=guild_id, payload=payload
        )
    return Publication(version, is_new=True, previous=current.version if current else None)


async def record_rules_message(session: AsyncSession, guild_id: int, channel_id: int, message_id: int) -> None:
    settings = await conduct_settings(session, guild_id)
    settings.rules_channel_id, settings.rules_message_id = channel_id, message_id


async def accept_version(
    session: AsyncSession, guild_id: int, member_id: int, *, version: int, now: datetime
) -> Acceptance:
    """Record that the member accepted `version`, which must be the current one; accepting twice is harmless."""
    current = await current_version(session, guild_id)
    if current is None:
        raise ConductNotPublishedError()
    if version != current.version:
        raise ConductOutdatedError(version=current.version)
    if await has_accepted(session, guild_id, member_id, version):
        return Acceptance(version, newly=False)
    session.add(ConductAcceptance(guild_id=guild_id, member_id=member_id, version=version, accepted_at=now))
    await session.flush()
    return Acceptance(version, newly=True)


async def has_accepted(session: AsyncSession, guild_id: int, member_id: int, version: int) -> bool:
    found = await session.scalar(
        select(ConductAcceptance.id).where(
            ConductAcceptance.guild_id == guild_id,
            ConductAcceptance.member_id == member_id,
            ConductAcceptance.version == version,
        )
    )
    return found is not None


async def accepted_current(session: AsyncSession, guild_id: int, member_id: int) -> bool | None:
    """Whether the member accepted the current version; None when nothing is published."""
    current = await current_version(session, guild_id)
    if current is None:
        return None
    return await has_accepted(session, guild_id, member_id, current.version)


async def ever_accepted(session: AsyncSession, guild_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(ConductAcceptance.id)
        .where(ConductAcceptance.guild_id == guild_id, ConductAcceptance.member_id == member_id)
        .limit(1)
    )
    return found is not None


async def accepted_members(session: AsyncSession, guild_id: int, version: int) -> list[int]:
    rows = await session.scalars(
        select(ConductAcceptance.member_id).where(
            ConductAcceptance.guild_id == guild_id, ConductAcceptance.version == version
        )
    )
    return list(rows)


async def lapsed_members(session: AsyncSession, guild_id: int, version: int) -> list[int]:
    """Members who accepted an older version but not `version`: the only ones who may lose the member role."""
    accepted_now = select(ConductAcceptance.member_id).where(
        ConductAcceptance.guild_id == guild_id, ConductAcceptance.version >= version
    )
    rows = await session.scalars(
        select(ConductAcceptance.member_id)
        .where(
            ConductAcceptance.guild_id == guild_id,
            ConductAcceptance.version < version,
            ConductAcceptance.member_id.not_in(accepted_now),
        )
        .group_by(ConductAcceptance.member_id)
        .order_by(func.min(ConductAcceptance.accepted_at))
    )
    return list(rows)


async def members_to_notify(session: AsyncSession, guild_id: int, version: int) -> list[int]:
    """Lapsed members not told yet about `version`."""
    told = set(
        await session.scalars(
            select(ConductNotice.member_id).where(ConductNotice.guild_id == guild_id, ConductNotice.version == version)
        )
    )
    return [member for member in await lapsed_members(session, guild_id, version) if member not in told]


async def record_notice(
    session: AsyncSession, guild_id: int, member_id: int, version: int, *, delivered: bool, now: datetime
) -> None:
    if await session.get(ConductNotice, (guild_id, member_id, version)) is None:
        session.add(
            ConductNotice(guild_id=guild_id, member_id=member_id, version=version, delivered=delivered, sent_at=now)
        )
        await session.flush()


async def undelivered_notices(session: AsyncSession, guild_id: int, version: int) -> int:
    count = await session.scalar(
        select(func.count()).where(
            ConductNotice.guild_id == guild_id, ConductNotice.version == version, ConductNotice.delivered.is_(False)
        )
    )
    return int(count or 0)


async def acceptance_status(session: AsyncSession, guild_id: int, member_ids: Sequence[int]) -> Status | None:
    """Who among `member_ids` (the guild's people now) accepted the current version; None when none is published."""
    current = await current_version(session, guild_id)
    if current is None:
        return None
    accepted, pending = split_pending(member_ids, await accepted_members(session, guild_id, current.version))
    return Status(current.version, accepted, pending)


async def acceptance_ledger(session: AsyncSession, guild_id: int) -> list[ConductAcceptance]:
    rows = await session.scalars(
        select(ConductAcceptance)
        .where(ConductAcceptance.guild_id == guild_id)
        .order_by(ConductAcceptance.accepted_at, ConductAcceptance.id)
    )
    return list(rows)


async def file_report(
    session: AsyncSession,
    guild_id: int,
    *,
    reporter_id: int,
    anonymous: bool,
    channel_id: int | None,
    text: str,
    link: str = "",
    now: datetime,
) -> ConductReport:
    """Keep a concern until the moderators have it; an anonymous one is stored without the reporter's id."""
    text = text.strip()
    if not text:
        raise ReportEmptyError()
    if len(text) > REPORT_MAX_CHARS:
        raise ReportTooLongError(limit=REPORT_MAX_CHARS, length=len(text))
    report = ConductReport(
        guild_id=guild_id,
        reporter_id=None if anonymous else reporter_id,
        anonymous=anonymous,
        channel_id=channel_id,
        text=text,
        link=link.strip()[:LINK_MAX_CHARS] or None,
        created_at=now,
    )
    session.add(report)
    await session.flush()
    return report


async def waiting_reports(session: AsyncSession, guild_id: int) -> list[ConductReport]:
    rows = await session.scalars(
        select(ConductReport)
        .where(ConductReport.guild_id == guild_id, ConductReport.delivered_at.is_(None))
        .order_by(ConductReport.id)
    )
    return list(rows)


async def mark_delivered(session: AsyncSession, report_id: int, message_id: int, *, now: datetime) -> None:
    """The moderators have the text now: Agora stops keeping it."""
    await session.execute(
        update(ConductReport)
        .where(ConductReport.id == report_id)
        .values(delivered_at=now, delivered_message_id=message_id, text="")
    )


async def forget_member(session: AsyncSession, guild_id: int, member_id: int) -> int:
    """Erase the member's acceptances, notices and signed reports here (anonymous reports cannot be traced)."""
    removed = 0
    for table, column in (
        (ConductAcceptance, ConductAcceptance.member_id),
        (ConductNotice, ConductNotice.member_id),
        (ConductReport, ConductReport.reporter_id),
    ):
        result = await session.execute(delete(table).where(table.guild_id == guild_id, column == member_id))
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return removed


async def export_member(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    acceptances = await session.scalars(
        select(ConductAcceptance)
        .where(ConductAcceptance.guild_id == guild_id, ConductAcceptance.member_id == member_id)
        .order_by(ConductAcceptance.version)
    )
    reports = await session.scalars(
        select(ConductReport).where(ConductReport.guild_id == guild_id, ConductReport.reporter_id == member_id)
    )
    return {
        "conduct_acceptances": [{"version": a.version, "accepted_at": a.accepted_at.isoformat()} for a in acceptances],
        "conduct_reports": [
            {"created_at": r.created_at.isoformat(), "delivered": r.delivered_at is not None, "text": r.text}
            for r in reports
        ],
    }
