"""Onboarding's part of a member's data: their path (joined, greeted, finished) and their answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from models.onboarding import service
from models.onboarding.tables import OnboardingAnswer, OnboardingMember, OnboardingQuestionnaire
from models.privacy.interface import MemberData, Retention, rowcount
from models.scheduling import ScheduledJob


async def erase(session: AsyncSession, guild_id: int, member_id: int, now: datetime) -> int:
    """Path and answers go, and the reminder job that names them; a questionnaire a host imported stays, unsigned."""
    changed = await service.forget_member(session, guild_id, member_id)
    reminder = delete(ScheduledJob).where(
        ScheduledJob.kind == service.REMIND_JOB, ScheduledJob.key == service.reminder_key(guild_id, member_id)
    )
    return changed + rowcount(await session.execute(reminder))


PRIVACY = MemberData(
    name="onboarding",
    export=service.export_member,
    erase=erase,
    unsigned=(OnboardingQuestionnaire.updated_by,),
    columns=(OnboardingMember.member_id, OnboardingAnswer.member_id, OnboardingQuestionnaire.updated_by),
    retention=(
        Retention.deleting(
            "onboarding_answers", OnboardingAnswer.answered_at, "onboarding answers (from the day they were given)"
        ),
    ),
)
