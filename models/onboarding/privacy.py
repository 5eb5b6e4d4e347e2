"""Onboarding's part of a member's data: their path (joined, greeted, finished) and their answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from models.onboarding import service
from models.onboarding.tables import OnboardingAnswer, OnboardingMember, OnboardingQuestionnaire
from models.privacy.interface import MemberData, Retention, rowcount, unsign
from models.scheduling import ScheduledJob


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """Path and answers go, and the reminder job that names them; a questionnaire a host imported stays, unsigned."""
    changed = await service.forget_member(session, guild_id, member_id)
    reminder = delete(ScheduledJob).where(
        ScheduledJob.kind == service.REMIND_JOB, ScheduledJob.key == service.reminder_key(guild_id, member_id)
    )
    changed += rowcount(await session.execute(reminder))
    return changed + await unsign(session, guild_id, member_id, OnboardingQuestionnaire.updated_by)


async def purge_answers(session: AsyncSession, older_than: datetime) -> int:
    result = await session.execute(delete(OnboardingAnswer).where(OnboardingAnswer.answered_at < older_than))
    return rowcount(result)


PRIVACY = MemberData(
    name="onboarding",
    export=service.export_member,
    erase=erase,
    columns=(OnboardingMember.member_id, OnboardingAnswer.member_id, OnboardingQuestionnaire.updated_by),
    retention=(Retention("onboarding_answers", purge_answers, "onboarding answers (from the day they were given)"),),
)
