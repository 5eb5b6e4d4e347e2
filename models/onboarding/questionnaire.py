"""The onboarding questionnaire of a server: its questions, checked the same way wherever they come from.

A server's questionnaire belongs to that server: hosts import it in Discord (a JSON or TOML file) and it takes effect
at once; `config.toml`'s `[onboarding]` questions are only the default for servers that have none. Every problem is
reported as one line naming the question by its id, so a host can fix the file without guessing.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.errors import UserError
from models.localized import LANGUAGES, Localized

QUESTION_ID = r"^[a-z0-9][a-z0-9_-]{0,31}$"  # short: it travels in Discord custom_ids (≤ 100 characters)
MAX_QUESTIONS = 25
QuestionType = Literal["single", "multiple", "short", "long", "scale"]
ProfileField = Literal["skills_to_learn", "skills_to_share", "languages", "timezone", "goals", "mentor"]
CHOICE_TYPES = ("single", "multiple")
TEXT_TYPES = ("short", "long")
SCALE = ("1", "2", "3", "4", "5")
# Default and largest answer length per text type (Discord's text inputs take at most 4000 characters).
TEXT_LENGTHS = {"short": (200, 200), "long": (1000, 4000)}
WORDING_MAX, LABEL_MAX = 300, 100
# Which question types may fill which profile field.
PROFILE_TYPES: dict[str, tuple[str, ...]] = {
    "skills_to_learn": ("single", "multiple", "short", "long"),
    "skills_to_share": ("single", "multiple", "short", "long"),
    "languages": ("single", "multiple", "short", "long"),
    "goals": ("single", "multiple", "short", "long"),
    "timezone": ("single", "short"),
    "mentor": ("single",),
}


class QuestionnaireInvalidError(UserError, key="onboarding.questionnaire.invalid"):
    """An imported questionnaire a host must fix; `problems` holds one line per problem."""


class QuestionnaireUnreadableError(UserError, key="onboarding.questionnaire.unreadable"): ...


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _gather_texts(data: Any, field: str) -> Any:
    """Files write each language as its own key (`fr = "…"`, `en = "…"`): gather them into one `Localized`."""
    if not isinstance(data, dict) or field in data:
        return data
    texts = {language: data[language] for language in LANGUAGES if language in data}
    rest = {key: value for key, value in data.items() if key not in LANGUAGES}
    return {**rest, field: texts}


def _check_texts(texts: Localized, limit: int) -> Localized:
    missing = [language for language in LANGUAGES if not str(texts.get(language, "")).strip()]
    if missing:
        every = ", ".join(LANGUAGES)
        raise ValueError(f"the text in {', '.join(missing)} is missing; write it in every language ({every})")
    too_long = [language for language in LANGUAGES if len(texts[language]) > limit]
    if too_long:
        raise ValueError(f"the text in {', '.join(too_long)} is over {limit} characters; shorten it")
    return Localized({language: texts[language] for language in LANGUAGES})


class Choice(_Strict):
    id: str = Field(pattern=QUESTION_ID)
    label: Localized
    roles: list[int | str] = Field(default_factory=list)
    value: str | bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _languages(cls, data: Any) -> Any:
        return _gather_texts(data, "label")

    @field_validator("label")
    @classmethod
    def _label(cls, texts: Localized) -> Localized:
        return _check_texts(texts, LABEL_MAX)

    @property
    def stored(self) -> str | bool:
        """What the choice writes into the profile field: its `value`, else its id."""
        return self.id if self.value is None else self.value


class Question(_Strict):
    """One question; its wording exists in every language Agora speaks."""

    id: str = Field(pattern=QUESTION_ID)
    type: QuestionType
    text: Localized
    required: bool = True
    choices: list[Choice] = Field(default_factory=list)
    max_choices: int | None = None
    max_length: int | None = None
    profile: ProfileField | None = None

    @model_validator(mode="before")
    @classmethod
    def _languages(cls, data: Any) -> Any:
        return _gather_texts(data, "text")

    @field_validator("text")
    @classmethod
    def _wording(cls, texts: Localized) -> Localized:
        return _check_texts(texts, WORDING_MAX)

    @model_validator(mode="after")
    def _coherent(self) -> Question:
        problems = question_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def limit(self) -> int:
        """The longest answer accepted for a text question."""
        default, _ = TEXT_LENGTHS.get(self.type, (0, 0))
        return self.max_length or default

    def wording(self, language: str) -> str:
        return self.text.text(language)

    def choice_label(self, choice_id: str, language: str) -> str:
        found = next((choice for choice in self.choices if choice.id == choice_id), None)
        return found.label.text(language) if found else choice_id


class Questionnaire(_Strict):
    """The questions every newcomer answers, in order; empty means no questionnaire."""

    questions: list[Question] = Field(default_factory=list, max_length=MAX_QUESTIONS)

    @field_validator("questions")
    @classmethod
    def _unique_ids(cls, questions: list[Question]) -> list[Question]:
        seen: set[str] = set()
        for question in questions:
            if question.id in seen:
                raise ValueError(f"two questions have the id {question.id!r}; give each question its own id")
            seen.add(question.id)
        return questions

    def as_document(self) -> dict[str, Any]:
        """The questionnaire as a host writes it (each language as its own key), for export and storage."""
        return {"questions": [_written(question) for question in self.questions]}


def _written(question: Question) -> dict[str, Any]:
    data = question.model_dump(exclude_defaults=True, exclude={"text", "choices"})
    data = {"id": question.id, "type": question.type, **dict(question.text), **data}
    if question.choices:
        data["choices"] = [
            {
                "id": choice.id,
                **dict(choice.label),
                **choice.model_dump(exclude_defaults=True, exclude={"id", "label"}),
            }
            for choice in question.choices
        ]
    return data


def question_problems(question: Question) -> list[str]:
    """What is wrong with one question, in words a host can act on (empty: nothing)."""
    problems: list[str] = []
    kind = question.type
    if kind in CHOICE_TYPES:
        if not 2 <= len(question.choices) <= 25:
            problems.append(f"a {kind}-choice question needs 2 to 25 choices (it has {len(question.choices)})")
        ids = [choice.id for choice in question.choices]
        if len(set(ids)) != len(ids):
            problems.append("two choices share an id; give each choice its own id")
    elif question.choices:
        problems.append(f"a {kind} question takes no choices; remove them or use type single or multiple")
    if question.max_choices is not None and (kind != "multiple" or not 1 <= question.max_choices <= 25):
        problems.append("max_choices is for multiple-choice questions only, between 1 and the number of choices")
    if question.max_length is not None:
        _, largest = TEXT_LENGTHS.get(kind, (0, 0))
        if not largest or not 1 <= question.max_length <= largest:
            problems.append(
                f"max_length must be between 1 and {largest} for a {kind} question"
                if largest
                else f"max_length is for short and long questions only, not {kind}"
            )
    return problems + _profile_problems(question)


def _profile_problems(question: Question) -> list[str]:
    field = question.profile
    if field is None:
        return []
    if question.type not in PROFILE_TYPES[field]:
        allowed = ", ".join(PROFILE_TYPES[field])
        return [f"profile field {field} can be filled by {allowed} questions, not {question.type}"]
    values = [choice.value for choice in question.choices]
    if field == "mentor" and not all(isinstance(value, bool) for value in values):
        return ["profile field mentor needs value = true or value = false on every choice"]
    if field != "mentor" and any(isinstance(value, bool) for value in values):
        return [f"value = true/false is only for the mentor field, not {field}"]
    if field == "timezone" and question.type == "single":
        for choice in question.choices:
            try:
                ZoneInfo(str(choice.stored))
            except (ZoneInfoNotFoundError, ValueError, OSError):
                return [f"choice {choice.id}: value {choice.stored!r} is not an IANA time zone such as Europe/Paris"]
    return []


def parse_questionnaire(data: Any) -> Questionnaire:
    """A checked questionnaire from a host's document, or `QuestionnaireInvalidError` with one line per problem."""
    if not isinstance(data, dict):
        raise QuestionnaireInvalidError(problems="the file must hold a `questions` list")
    try:
        return Questionnaire(**data)
    except ValidationError as error:
        lines = [describe_problem(problem, data) for problem in error.errors()]
        raise QuestionnaireInvalidError(problems="\n".join(lines)) from None


def read_document(content: bytes, filename: str) -> dict[str, Any]:
    """A questionnaire file's data: TOML when its name ends in .toml, else JSON."""
    try:
        text = content.decode("utf-8-sig")
        data = tomllib.loads(text) if filename.lower().endswith(".toml") else json.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise QuestionnaireUnreadableError(reason=str(error)[:200]) from None
    if not isinstance(data, dict):
        raise QuestionnaireInvalidError(problems="the file must hold a `questions` list")
    return data


def describe_problem(problem: Any, data: dict[str, Any]) -> str:
    """One line naming the question by its id (or its position when it has none), the field and the fix."""
    location = [str(part) for part in problem["loc"]]
    message = str(problem["msg"]).removeprefix("Value error, ")
    if location[:1] != ["questions"] or len(location) < 2 or not location[1].isdigit():
        if problem["type"] == "extra_forbidden":
            return f"unknown key {'.'.join(location)}; remove it or fix its spelling"
        return f"questions: {message}"
    index = int(location[1])
    questions = data.get("questions", [])
    raw = questions[index] if isinstance(questions, list) and index < len(questions) else {}
    named = isinstance(raw, dict) and isinstance(raw.get("id"), str)
    name = f"question {raw['id']!r}" if named else f"question #{index + 1}"
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in problem["loc"][2:]).lstrip(".")
    if problem["type"] == "string_pattern_mismatch":
        message = "use 1 to 32 lowercase letters, digits, - or _ (ids travel inside Discord buttons)"
    if problem["type"] == "extra_forbidden":
        return f"{name}: unknown key {field}; remove it or fix its spelling"
    if not field:
        return f"{name}: {message}"
    return f"{name}: {field} = {problem['input']!r} is wrong: {message}"


def question(questions: Sequence[Question], question_id: str) -> Question | None:
    return next((found for found in questions if found.id == question_id), None)
