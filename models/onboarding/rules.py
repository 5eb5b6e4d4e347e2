"""Pure rules of onboarding: the next step of a member's path, checking an answer, what answers give (roles,
profile), and the numbers hosts read back (funnel, distributions, CSV)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from models.base import is_timezone
from models.errors import UserError
from models.onboarding.questionnaire import CHOICE_TYPES, SCALE, Question
from models.profiles import LIST_FIELDS, SEPARATORS

MAX_MODAL_INPUTS = 5  # Discord: a modal holds at most 5 inputs


class FirstStep(StrEnum):
    """Which comes first on the path: accepting the code of conduct (default) or the questionnaire."""

    CONDUCT = "conduct"
    QUESTIONNAIRE = "questionnaire"


class Greeting(StrEnum):
    WELCOME_CHANNEL = "welcome_channel"
    DIRECT_MESSAGE = "direct_message"


class AnswerState(StrEnum):
    ANSWERED = "answered"
    SKIPPED = "skipped"
    DRAFT = "draft"  # a text refused (too long): kept so the member can shorten it, counts as unanswered


class Stage(StrEnum):
    CONDUCT = "conduct"
    QUESTIONS = "questions"
    DONE = "done"


class AnswerRequiredError(UserError, key="onboarding.answer.required"): ...


class AnswerTooLongError(UserError, key="onboarding.answer.too_long"): ...


class AnswerInvalidChoiceError(UserError, key="onboarding.answer.invalid_choice"): ...


class AnswerTimezoneError(UserError, key="onboarding.answer.timezone"): ...


@dataclass(frozen=True)
class Step:
    """What the member answers next: one choice or scale question, or up to 5 consecutive text questions."""

    questions: tuple[Question, ...]
    first: int  # 1-based position of the first question
    total: int

    @property
    def last(self) -> int:
        return self.first + len(self.questions) - 1

    @property
    def is_text(self) -> bool:
        return self.questions[0].is_text


@dataclass(frozen=True)
class Funnel:
    joined: int
    started: int
    finished: int
    left_midway: int

    def percent(self, count: int) -> int:
        return round(100 * count / self.joined) if self.joined else 0


@dataclass(frozen=True)
class QuestionReport:
    question: Question
    counts: list[tuple[str, int]] = field(default_factory=list)  # choice id or scale value → members
    texts: list[str] = field(default_factory=list)
    skipped: int = 0


# --- the path ----------------------------------------------------------------------------------------------


def next_step(questions: Sequence[Question], done: Iterable[str]) -> Step | None:
    """The first question not answered nor skipped, grouped with the text questions right after it."""
    finished = set(done)
    for index, question in enumerate(questions):
        if question.id in finished:
            continue
        group = [question]
        if question.is_text:
            for following in questions[index + 1 :]:
                if not following.is_text or len(group) == MAX_MODAL_INPUTS:
                    break
                if following.id not in finished:
                    group.append(following)
                else:
                    break
        return Step(tuple(group), first=index + 1, total=len(questions))
    return None


def next_stage(first: FirstStep, *, questions_left: bool, conduct_published: bool, conduct_accepted: bool) -> Stage:
    """Where the member's path goes now, given the host's order."""
    conduct_left = conduct_published and not conduct_accepted
    if first is FirstStep.CONDUCT:
        order = ((conduct_left, Stage.CONDUCT), (questions_left, Stage.QUESTIONS))
    else:
        order = ((questions_left, Stage.QUESTIONS), (conduct_left, Stage.CONDUCT))
    return next((stage for pending, stage in order if pending), Stage.DONE)


def may_accept_conduct(first: FirstStep, *, questions_left: bool, accepted_before: bool) -> bool:
    """With the questionnaire first, newcomers answer it before accepting; members re-accepting a version never wait."""
    return first is FirstStep.CONDUCT or not questions_left or accepted_before


# --- answers -----------------------------------------------------------------------------------------------


def check_answer(question: Question, raw: str | Sequence[str], *, number: int) -> tuple[AnswerState, Any]:
    """The state and value to store for what the member gave, or a `UserError` naming the question's number."""
    if question.type in CHOICE_TYPES or question.type == "scale":
        picked = [raw] if isinstance(raw, str) else list(dict.fromkeys(raw))
        if not picked:
            if question.required:
                raise AnswerRequiredError(number=number)
            return AnswerState.SKIPPED, None
        allowed = SCALE if question.type == "scale" else tuple(choice.id for choice in question.choices)
        limit = 1 if question.type != "multiple" else (question.max_choices or len(allowed))
        if any(value not in allowed for value in picked) or len(picked) > limit:
            raise AnswerInvalidChoiceError(number=number)
        return AnswerState.ANSWERED, int(picked[0]) if question.type == "scale" else picked
    text = (raw if isinstance(raw, str) else " ".join(raw)).strip()
    if not text:
        if question.required:
            raise AnswerRequiredError(number=number)
        return AnswerState.SKIPPED, None
    if len(text) > question.limit:
        raise AnswerTooLongError(number=number, limit=question.limit, length=len(text))
    if question.profile == "timezone" and not is_timezone(text):
        raise AnswerTimezoneError(number=number, name=text[:64])
    return AnswerState.ANSWERED, text


def chosen(question: Question, value: Any) -> list[Any]:
    """The choices a stored value names, in the question's order."""
    picked = set(value) if isinstance(value, list) else set()
    return [choice for choice in question.choices if choice.id in picked]


def roles_for(questions: Sequence[Question], answers: Mapping[str, Any]) -> list[int | str]:
    """Roles the chosen choices grant (ids or names as the config wrote them), each once."""
    roles: list[int | str] = []
    for question in questions:
        for choice in chosen(question, answers.get(question.id)):
            roles += [role for role in choice.roles if role not in roles]
    return roles


def profile_fills(questions: Sequence[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Profile fields the answers fill; list fields gather items from every question that feeds them."""
    fills: dict[str, Any] = {}
    for question in questions:
        value = answers.get(question.id)
        if question.profile is None or value is None:
            continue
        if question.type in CHOICE_TYPES:
            stored = [choice.stored for choice in chosen(question, value)]
            if not stored:
                continue
            given: Any = stored if question.profile in LIST_FIELDS or question.type == "multiple" else stored[0]
        elif question.profile in LIST_FIELDS:
            given = [part.strip() for part in SEPARATORS.split(str(value)) if part.strip()]
        else:
            given = str(value)
        if question.profile in LIST_FIELDS:
            fills.setdefault(question.profile, []).extend(str(item) for item in given)
        else:
            fills[question.profile] = given
    return fills


# --- what hosts read back ----------------------------------------------------------------------------------


def funnel(paths: Iterable[tuple[datetime | None, datetime | None, datetime | None]]) -> Funnel:
    """Joined → started → finished, from (started_at, finished_at, left_at) per member who joined."""
    joined = started = finished = left_midway = 0
    for started_at, finished_at, left_at in paths:
        joined += 1
        started += started_at is not None or finished_at is not None
        finished += finished_at is not None
        left_midway += left_at is not None and finished_at is None
    return Funnel(joined, started, finished, left_midway)


def question_report(question: Question, answers: Iterable[tuple[str, Any]]) -> QuestionReport:
    """Counts per choice (or scale value), free texts, skips, from (state, value) pairs of one question."""
    tally: Counter[str] = Counter()
    texts: list[str] = []
    skipped = 0
    for state, value in answers:
        if state == AnswerState.SKIPPED:
            skipped += 1
        elif state != AnswerState.ANSWERED:
            continue
        elif question.type == "scale":
            tally[str(value)] += 1
        elif question.type in CHOICE_TYPES:
            tally.update(choice.id for choice in chosen(question, value))
        else:
            texts.append(str(value))
    keys = SCALE if question.type == "scale" else tuple(choice.id for choice in question.choices)
    counts = [(key, tally[key]) for key in keys] if not question.is_text else []
    return QuestionReport(question, counts, texts, skipped)


def shown_value(question: Question, value: Any, language: str) -> str:
    """An answer as hosts read it: choice labels in their language, the scale value, or the text."""
    if value is None:
        return ""
    if question.type in CHOICE_TYPES:
        return "; ".join(choice.label.text(language) for choice in chosen(question, value))
    return str(value)


ANSWER_COLUMNS = ("member_id", "joined_at", "started_at", "finished_at", "left_at")


def answer_rows(
    questions: Sequence[Question],
    paths: Iterable[tuple[int, datetime, datetime | None, datetime | None, datetime | None, Mapping[str, Any]]],
    language: str,
) -> list[list[object]]:
    """One row per member for the export: ids and dates, then one cell per question (choice labels in `language`)."""
    return [
        [
            member_id,
            joined_at,
            started_at,
            finished_at,
            left_at,
            *(shown_value(q, answers.get(q.id), language) for q in questions),
        ]
        for member_id, joined_at, started_at, finished_at, left_at, answers in paths
    ]
