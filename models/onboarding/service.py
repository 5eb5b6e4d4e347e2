"""Onboarding use cases: joins and leaves, answers saved as they come, finishing (roles, profile), reminders and
host reports. They flush, never commit; the cog owns the transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import profiles, scheduling
from models.base import guild_row, insert_or_ignore
from models.conduct import service as conduct
from models.errors import UserError
from models.onboarding import rules
from models.onboarding.questionnaire import Question, Questionnaire, parse_questionnaire
from models.onboarding.rules import AnswerRequiredError, AnswerState, FirstStep, Greeting, Step
from models.onboarding.tables import (
    DEFAULT_REMINDER_HOURS,
    OnboardingAnswer,
    OnboardingGuildSettings,
    OnboardingMember,
    OnboardingQuestionnaire,
)

MAX_REMINDER_HOURS = 720
REMIND_JOB = "onboarding.remind"


class ReminderInvalidError(UserError, key="onboarding.settings.reminder_invalid"): ...


class QuestionsFirstError(UserError, key="conduct.accept.questions_first"):
    """With the questionnaire first, a newcomer answers it before accepting the code of conduct."""


@dataclass(frozen=True)
class Progress:
    step: Step | None
    answers: dict[str, Any]  # question id → value, for answered questions only
    drafts: dict[str, str]  # question id → refused text kept for the member to shorten
    path: OnboardingMember | None

    @property
    def finished(self) -> bool:
        return self.path is not None and self.path.finished_at is not None


@dataclass(frozen=True)
class Completion:
    """What finishing gives: the roles to grant (as configured) and the profile fields filled."""

    roles: list[int | str]
    fills: dict[str, Any]


@dataclass(frozen=True)
class Problem:
    question: Question
    error: UserError


# --- guild settings ----------------------------------------------------------------------------------------


async def onboarding_settings(session: AsyncSession, guild_id: int, *, now: datetime) -> OnboardingGuildSettings:
    """The guild's row; created the first time Agora sees the guild, which starts `watching_since`."""
    return await guild_row(
        session,
        OnboardingGuildSettings,
        guild_id,
        first_step=FirstStep.CONDUCT,
        greeting=Greeting.WELCOME_CHANNEL,
        reminder_hours=DEFAULT_REMINDER_HOURS,
        watching_since=now,
    )


async def update_settings(
    session: AsyncSession,
    guild_id: int,
    *,
    first_step: FirstStep | None = None,
    greeting: Greeting | None = None,
    reminder_hours: int | None = None,
    now: datetime,
) -> OnboardingGuildSettings:
    settings = await onboarding_settings(session, guild_id, now=now)
    if reminder_hours is not None:
        if not 0 <= reminder_hours <= MAX_REMINDER_HOURS:
            raise ReminderInvalidError(limit=MAX_REMINDER_HOURS)
        settings.reminder_hours = reminder_hours
    if first_step is not None:
        settings.first_step = first_step
    if greeting is not None:
        settings.greeting = greeting
    settings.updated_at = now
    return settings


# --- arrivals and departures -------------------------------------------------------------------------------


async def get_path(session: AsyncSession, guild_id: int, member_id: int) -> OnboardingMember | None:
    return await session.get(OnboardingMember, (guild_id, member_id))


async def record_join(session: AsyncSession, guild_id: int, member_id: int, *, joined_at: datetime) -> bool:
    """Note an arrival; True when it is new (first join, or back after leaving) and deserves a greeting.

    Safe when the join event and the start-up catch-up report the same arrival at once: only one gets True.
    """
    if await insert_or_ignore(session, OnboardingMember, guild_id=guild_id, member_id=member_id, joined_at=joined_at):
        return True
    back = await session.execute(
        update(OnboardingMember)
        .where(
            OnboardingMember.guild_id == guild_id,
            OnboardingMember.member_id == member_id,
            OnboardingMember.left_at.is_not(None),
        )
        .values(left_at=None, joined_at=joined_at, greeted_at=None, reminded_at=None)
        .returning(OnboardingMember.member_id)
        .execution_options(synchronize_session="fetch")
    )
    return back.first() is not None


async def greeting_unsent(session: AsyncSession, guild_id: int, member_id: int) -> bool:
    """A member still here whose arrival was noted but never greeted: the bot stopped in between (a crash, kill -9)."""
    path = await get_path(session, guild_id, member_id)
    return path is not None and path.left_at is None and path.greeted_at is None


async def record_greeting(
    session: AsyncSession,
    guild_id: int,
    member_id: int,
    *,
    channel_id: int | None,
    message_id: int | None,
    remind_at: datetime | None,
    now: datetime,
) -> None:
    """The greeting went out (or could not: no ids); the one reminder is due at `remind_at` (None: no reminder)."""
    path = await get_path(session, guild_id, member_id)
    if path is not None:
        path.greeted_at, path.greeting_channel_id, path.greeting_message_id = now, channel_id, message_id
    if remind_at is not None:
        await scheduling.schedule_job(
            session,
            kind=REMIND_JOB,
            key=reminder_key(guild_id, member_id),
            due_at=remind_at,
            guild_id=guild_id,
            payload={"member_id": member_id},
        )


def reminder_key(guild_id: int, member_id: int) -> str:
    return f"{guild_id}:{member_id}"


async def record_leave(session: AsyncSession, guild_id: int, member_id: int, *, now: datetime) -> bool:
    """The member left; their answers stay so they can resume if they come back."""
    path = await get_path(session, guild_id, member_id)
    if path is None or path.left_at is not None:
        return False
    path.left_at = now
    return True


async def paths(session: AsyncSession, guild_id: int) -> dict[int, OnboardingMember]:
    rows = await session.scalars(select(OnboardingMember).where(OnboardingMember.guild_id == guild_id))
    return {row.member_id: row for row in rows}


# --- answering ---------------------------------------------------------------------------------------------


async def _answers(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, OnboardingAnswer]:
    rows = await session.scalars(
        select(OnboardingAnswer).where(OnboardingAnswer.guild_id == guild_id, OnboardingAnswer.member_id == member_id)
    )
    return {row.question_id: row for row in rows}


async def progress(session: AsyncSession, questions: Sequence[Question], guild_id: int, member_id: int) -> Progress:
    rows = await _answers(session, guild_id, member_id)
    done = [qid for qid, row in rows.items() if row.state != AnswerState.DRAFT]
    return Progress(
        step=rules.next_step(questions, done),
        answers={qid: row.value for qid, row in rows.items() if row.state == AnswerState.ANSWERED},
        drafts={qid: str(row.value) for qid, row in rows.items() if row.state == AnswerState.DRAFT},
        path=await get_path(session, guild_id, member_id),
    )


async def start_path(session: AsyncSession, guild_id: int, member_id: int, *, now: datetime) -> OnboardingMember:
    """The member opened the path; a member from before Agora gets a row here, counted as joining now.

    Inserts only when no row exists: the join event of a member who starts at once may be writing the same row.
    """
    path = await get_path(session, guild_id, member_id)
    if path is None:
        await insert_or_ignore(session, OnboardingMember, guild_id=guild_id, member_id=member_id, joined_at=now)
        path = await session.get_one(OnboardingMember, (guild_id, member_id))
    if path.started_at is None:
        path.started_at = now
    await session.flush()
    return path


def _store(
    session: AsyncSession, rows: dict[str, OnboardingAnswer], guild_id: int, member_id: int, question_id: str
) -> OnboardingAnswer:
    row = rows.get(question_id)
    if row is None:
        row = OnboardingAnswer(guild_id=guild_id, member_id=member_id, question_id=question_id)
        session.add(row)
        rows[question_id] = row
    return row


async def submit_answers(
    session: AsyncSession,
    questions: Sequence[Question],
    guild_id: int,
    member_id: int,
    given: Mapping[str, str | Sequence[str]],
    *,
    now: datetime,
) -> list[Problem]:
    """Save every acceptable answer at once; refused texts are kept as drafts. Returns what was refused."""
    rows = await _answers(session, guild_id, member_id)
    problems: list[Problem] = []
    for number, question in enumerate(questions, start=1):
        if question.id not in given:
            continue
        raw = given[question.id]
        try:
            state, value = rules.check_answer(question, raw, number=number)
        except UserError as error:
            problems.append(Problem(question, error))
            if question.is_text and isinstance(raw, str) and raw.strip():
                row = _store(session, rows, guild_id, member_id, question.id)
                row.state, row.value, row.answered_at = AnswerState.DRAFT, raw.strip()[: question.limit], now
            continue
        row = _store(session, rows, guild_id, member_id, question.id)
        row.state, row.value, row.answered_at = state, value, now
    await session.flush()
    return problems


async def skip_question(
    session: AsyncSession,
    questions: Sequence[Question],
    guild_id: int,
    member_id: int,
    question_id: str,
    *,
    now: datetime,
) -> None:
    number, question = next(((n, q) for n, q in enumerate(questions, start=1) if q.id == question_id), (0, None))
    if question is None:
        return
    if question.required:
        raise AnswerRequiredError(number=number)
    rows = await _answers(session, guild_id, member_id)
    row = _store(session, rows, guild_id, member_id, question_id)
    row.state, row.value, row.answered_at = AnswerState.SKIPPED, None, now
    await session.flush()


async def finish_if_complete(
    session: AsyncSession, questions: Sequence[Question], guild_id: int, member_id: int, *, now: datetime
) -> Completion | None:
    """The first time every question is answered or skipped: mark finished and fill the profile."""
    state = await progress(session, questions, guild_id, member_id)
    if state.step is not None or not questions or state.finished:
        return None
    path = await start_path(session, guild_id, member_id, now=now)
    path.finished_at = now
    fills = rules.profile_fills(questions, state.answers)
    if fills:
        await profiles.fill_profile(session, guild_id, member_id, fills, now=now)
    await session.flush()
    return Completion(rules.roles_for(questions, state.answers), fills)


# --- reminders ---------------------------------------------------------------------------------------------


def reminder_due(joined_at: datetime, hours: int) -> datetime | None:
    return joined_at + timedelta(hours=hours) if hours > 0 else None


async def mark_reminded(session: AsyncSession, guild_id: int, member_id: int, *, now: datetime) -> None:
    """The one reminder of this stay went out (or could go nowhere): never again until the member rejoins."""
    path = await get_path(session, guild_id, member_id)
    if path is not None and path.reminded_at is None:
        path.reminded_at = now


# --- host reports ------------------------------------------------------------------------------------------


async def answers_report(
    session: AsyncSession, questions: Sequence[Question], guild_id: int
) -> tuple[rules.Funnel, list[rules.QuestionReport]]:
    members = (await paths(session, guild_id)).values()
    numbers = rules.funnel((m.started_at, m.finished_at, m.left_at) for m in members)
    rows = await session.scalars(select(OnboardingAnswer).where(OnboardingAnswer.guild_id == guild_id))
    by_question: dict[str, list[tuple[str, Any]]] = {}
    for row in rows:
        by_question.setdefault(row.question_id, []).append((row.state, row.value))
    return numbers, [rules.question_report(q, by_question.get(q.id, [])) for q in questions]


async def answers_export(
    session: AsyncSession, questions: Sequence[Question], guild_id: int, language: str
) -> tuple[list[str], list[list[object]]]:
    """The export's header and one row per member who joined (choice labels in `language`)."""
    members = await paths(session, guild_id)
    rows = await session.scalars(
        select(OnboardingAnswer).where(
            OnboardingAnswer.guild_id == guild_id, OnboardingAnswer.state == AnswerState.ANSWERED
        )
    )
    answers: dict[int, dict[str, Any]] = {}
    for row in rows:
        answers.setdefault(row.member_id, {})[row.question_id] = row.value
    lines = [
        (m.member_id, m.joined_at, m.started_at, m.finished_at, m.left_at, answers.get(m.member_id, {}))
        for m in sorted(members.values(), key=lambda m: (m.joined_at, m.member_id))
    ]
    header = [*rules.ANSWER_COLUMNS, *(question.id for question in questions)]
    return header, rules.answer_rows(questions, lines, language)


# --- the server's questionnaire ----------------------------------------------------------------------------


async def questionnaire(session: AsyncSession, guild_id: int, *, default: Questionnaire) -> list[Question]:
    """The questions this server's newcomers answer: its hosts' own, else the deployment's default."""
    own = await session.get(OnboardingQuestionnaire, guild_id)
    return list(parse_questionnaire(own.document).questions if own is not None else default.questions)


async def import_questionnaire(
    session: AsyncSession, guild_id: int, document: dict[str, Any], *, member_id: int, now: datetime
) -> Questionnaire:
    """Check a host's document (one line per problem) and make it this server's questionnaire, from now on."""
    checked = parse_questionnaire(document)
    row = await session.get(OnboardingQuestionnaire, guild_id)
    if row is None:
        row = OnboardingQuestionnaire(guild_id=guild_id)
        session.add(row)
    row.document, row.updated_by, row.updated_at = checked.as_document(), member_id, now
    await session.flush()
    return checked


# --- the code of conduct on the path -----------------------------------------------------------------------


async def accept_conduct(
    session: AsyncSession,
    questions: Sequence[Question],
    guild_id: int,
    member_id: int,
    *,
    version: int,
    now: datetime,
) -> conduct.Acceptance:
    """Accept the code of conduct, where the server's order allows it now (questionnaire first: answer it first)."""
    path = await onboarding_settings(session, guild_id, now=now)
    state = await progress(session, questions, guild_id, member_id)
    allowed = rules.may_accept_conduct(
        FirstStep(path.first_step),
        questions_left=state.step is not None,
        accepted_before=await conduct.ever_accepted(session, guild_id, member_id),
    )
    if not allowed:
        raise QuestionsFirstError()
    return await conduct.accept_version(session, guild_id, member_id, version=version, now=now)


# --- privacy -----------------------------------------------------------------------------------------------


async def forget_member(session: AsyncSession, guild_id: int, member_id: int) -> int:
    removed = 0
    for table in (OnboardingAnswer, OnboardingMember):
        result = await session.execute(delete(table).where(table.guild_id == guild_id, table.member_id == member_id))
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return removed


async def export_member(session: AsyncSession, guild_id: int, member_id: int) -> dict[str, Any]:
    path = await get_path(session, guild_id, member_id)
    answers = await _answers(session, guild_id, member_id)
    dates = ("joined_at", "left_at", "greeted_at", "started_at", "finished_at", "reminded_at")
    return {
        "onboarding": None
        if path is None
        else {name: (getattr(path, name).isoformat() if getattr(path, name) else None) for name in dates},
        "onboarding_answers": {qid: {"state": row.state, "value": row.value} for qid, row in answers.items()},
    }
