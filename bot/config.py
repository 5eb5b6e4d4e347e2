"""Deployment settings: `config.toml` plus `AGORA_<SECTION>__<KEY>` variables; the token only from `DISCORD_TOKEN`.

Per-guild choices (channels, roles, locale) are not here: hosts change them with `/agora` and they live in the database.
"""

from __future__ import annotations

import itertools
import json
import os
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("config.toml")
ENV_PREFIX, ENV_DELIMITER = "AGORA_", "__"
TOKEN_VARIABLE = "DISCORD_TOKEN"  # noqa: S105  (the variable's name, not a secret)
DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg"}


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(Section):
    url: str = ""
    migrate_on_start: bool = True

    @field_validator("url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL; use sqlite+aiosqlite:///path/agora.db or postgresql+asyncpg://user@host/db"
            ) from None
        backend = url.get_backend_name()
        if backend not in DRIVERS:
            raise ValueError("only SQLite and PostgreSQL are supported; use a sqlite:/// or postgresql:// URL")
        return url.set(drivername=DRIVERS[backend]).render_as_string(hide_password=False)


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class LocaleSettings(Section):
    default: Literal["fr", "en"] = "fr"
    timezone: str = "Europe/Paris"

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone; use a name such as Europe/Paris or America/Montreal") from None
        return value


class DiscordSettings(Section):
    sync_guilds: list[int] = Field(default_factory=list)
    api_base: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"
    # Seconds discord.py waits after the last server arrives before it calls the bot ready (its own default: 2).
    ready_timeout: float = Field(default=2.0, gt=0, le=60)

    @field_validator("api_base")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http:// for a local proxy or emulator)")
        return value.rstrip("/")

    @field_validator("gateway_url")
    @classmethod
    def _ws(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("must start with wss:// (or ws:// for a local emulator)")
        return value


# ---- welcome: the code of conduct's texts and the onboarding questionnaire ---------------------------------

CONDUCT_MAX_CHARS = 4000  # one embed per language (Discord allows 4096 characters in an embed description)
QUESTION_ID = r"^[a-z0-9][a-z0-9_-]{0,31}$"  # short: it travels in Discord custom_ids (≤ 100 characters)
QuestionType = Literal["single", "multiple", "short", "long", "scale"]
ProfileField = Literal["skills_to_learn", "skills_to_share", "languages", "timezone", "goals", "mentor"]
CHOICE_TYPES = ("single", "multiple")
TEXT_TYPES = ("short", "long")
# Default and largest answer length per text type (Discord's text inputs take at most 4000 characters).
TEXT_LENGTHS = {"short": (200, 200), "long": (1000, 4000)}
# Which question types may fill which profile field.
PROFILE_TYPES: dict[str, tuple[str, ...]] = {
    "skills_to_learn": ("single", "multiple", "short", "long"),
    "skills_to_share": ("single", "multiple", "short", "long"),
    "languages": ("single", "multiple", "short", "long"),
    "goals": ("single", "multiple", "short", "long"),
    "timezone": ("single", "short"),
    "mentor": ("single",),
}


class ConductSettings(Section):
    """Markdown files with the code of conduct, one per language; hosts may also set the texts with `/conduct edit`."""

    fr: Path | None = None
    en: Path | None = None

    def path(self, language: str) -> Path | None:
        return self.fr if language == "fr" else self.en if language == "en" else None


class Choice(Section):
    id: str = Field(pattern=QUESTION_ID)
    fr: str = Field(min_length=1, max_length=100)
    en: str = Field(min_length=1, max_length=100)
    roles: list[int | str] = Field(default_factory=list)
    value: str | bool | None = None

    @property
    def stored(self) -> str | bool:
        """What the choice writes into the profile field: its `value`, else its id."""
        return self.id if self.value is None else self.value


class Question(Section):
    """One question of the onboarding questionnaire; the wording exists in French and English."""

    id: str = Field(pattern=QUESTION_ID)
    type: QuestionType
    fr: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)
    required: bool = True
    choices: list[Choice] = Field(default_factory=list)
    max_choices: int | None = None
    max_length: int | None = None
    profile: ProfileField | None = None

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
        return self.fr if language == "fr" else self.en


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
    problems += _profile_problems(question)
    return problems


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
            except (ZoneInfoNotFoundError, ValueError):
                return [f"choice {choice.id}: value {choice.stored!r} is not an IANA time zone such as Europe/Paris"]
    return []


class OnboardingSettings(Section):
    """The questionnaire every new member answers, in order; empty means no questionnaire."""

    questions: list[Question] = Field(default_factory=list, max_length=25)

    @field_validator("questions")
    @classmethod
    def _unique_ids(cls, questions: list[Question]) -> list[Question]:
        seen: set[str] = set()
        for question in questions:
            if question.id in seen:
                raise ValueError(f"two questions have the id {question.id!r}; give each question its own id")
            seen.add(question.id)
        return questions

    def question(self, question_id: str) -> Question | None:
        return next((question for question in self.questions if question.id == question_id), None)


class Settings(BaseSettings):
    """Everything a deployment decides; validated once at start."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter=ENV_DELIMITER, extra="forbid", frozen=True
    )

    database: DatabaseSettings = DatabaseSettings()
    logging: LoggingSettings = LoggingSettings()
    locale: LocaleSettings = LocaleSettings()
    discord: DiscordSettings = DiscordSettings()
    conduct: ConductSettings = ConductSettings()
    onboarding: OnboardingSettings = OnboardingSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment overrides the file, which arrives as init arguments.
        return env_settings, init_settings


def load_settings(path: Path | None = None) -> Settings:
    """Read and validate the configuration, or raise `ConfigError` with one line per problem."""
    explicit = path is not None or "AGORA_CONFIG" in os.environ
    path = path or Path(os.environ.get("AGORA_CONFIG", DEFAULT_CONFIG_PATH))
    data = _read_toml(path, required=explicit)
    if "token" in data or ("discord" in data and "token" in data["discord"]):
        raise ConfigError(f"{path}: remove the token; Agora reads it only from the {TOKEN_VARIABLE} variable")
    try:
        settings = Settings(**data)
    except ValidationError as error:
        raise ConfigError("\n".join(_describe(path, problem, data) for problem in error.errors())) from None
    return _with_conduct_files(_with_default_database(settings, path), path)


def load_token() -> SecretStr:
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise ConfigError(
            f"{TOKEN_VARIABLE} is not set: copy the bot token from https://discord.com/developers/applications "
            f"(your app → Bot → Reset Token) and run `export {TOKEN_VARIABLE}=<token>` before starting Agora."
        )
    return SecretStr(token)


def _read_toml(path: Path, *, required: bool) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{path}: file not found; copy config.example.toml there or fix the path") from None
        return {}
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error}); fix the syntax at that place") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror}); check the path and its permissions") from None


def environment_source(location: Sequence[str | int]) -> str | None:
    """The `AGORA_<SECTION>__<KEY>` variable that gave the value at `location`, or None when the file did.

    The environment wins over the file key by key; a variable may also hold a whole section as JSON.
    """
    names = {name.upper(): name for name in os.environ}  # pydantic-settings matches names case-insensitively
    keys = [str(part) for part in itertools.takewhile(lambda part: isinstance(part, str), location)]
    for length in range(len(keys), 0, -1):
        name = names.get(ENV_PREFIX + ENV_DELIMITER.join(keys[:length]).upper())
        if name is not None:
            return name if _holds(os.environ[name], location[length:]) else None
    return None


def _holds(value: str, rest: Sequence[str | int]) -> bool:
    """Whether a variable's JSON value contains `rest` (a plain value holds only what it names itself)."""
    if not rest:
        return True
    try:
        found: Any = json.loads(value)
    except ValueError:
        return True
    for part in rest:
        try:
            found = found[part]
        except (KeyError, IndexError, TypeError):
            return False
    return True


def _describe(path: Path, problem: Any, data: dict[str, Any] | None = None) -> str:
    location = [str(part) for part in problem["loc"]]
    variable = environment_source(problem["loc"])
    if variable is not None:
        return _describe_variable(variable, problem)
    if location[:2] == ["onboarding", "questions"]:
        if len(location) > 2 and location[2].isdigit():
            return _describe_question(path, problem, data or {})
        return f"{path}: onboarding.questions: {str(problem['msg']).removeprefix('Value error, ')}"
    key = ".".join(location)
    if problem["type"] == "extra_forbidden":
        return f"{path}: unknown key {key}; remove it or fix its spelling (config.example.toml lists every key)"
    message = str(problem["msg"]).removeprefix("Value error, ")
    return f"{path}: {key} = {problem['input']!r} is wrong: {message}"


def _describe_variable(variable: str, problem: Any) -> str:
    """A wrong value from the environment names the variable, not the file."""
    key = ".".join(str(part) for part in problem["loc"])
    if problem["type"] == "extra_forbidden":
        return (
            f"environment variable {variable}: unknown key {key}; unset it or fix its spelling "
            "(config.example.toml lists every key)"
        )
    message = str(problem["msg"]).removeprefix("Value error, ")
    return f"environment variable {variable}: {key} = {problem['input']!r} is wrong: {message}"


def _describe_question(path: Path, problem: Any, data: dict[str, Any]) -> str:
    """One line naming the question by its id (or its position when it has none) and the problem."""
    index = int(problem["loc"][2])
    questions = data.get("onboarding", {}).get("questions", [])
    raw = questions[index] if index < len(questions) and isinstance(questions[index], dict) else {}
    name = f"question {raw['id']!r}" if isinstance(raw.get("id"), str) else f"question #{index + 1}"
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in problem["loc"][3:]).lstrip(".")
    message = str(problem["msg"]).removeprefix("Value error, ")
    if problem["type"] == "string_pattern_mismatch":
        message = "use 1 to 32 lowercase letters, digits, - or _ (ids travel inside Discord buttons)"
    where = f"{path}: onboarding {name}"
    if problem["type"] == "extra_forbidden":
        return f"{where}: unknown key {field}; remove it or fix its spelling (config.example.toml lists every key)"
    if not field:
        return f"{where}: {message}"
    return f"{where}: {field} = {problem['input']!r} is wrong: {message}"


def _with_conduct_files(settings: Settings, path: Path) -> Settings:
    """Conduct files live next to the config file unless absolute; each must be readable, non-empty and short enough."""
    base = path.resolve().parent
    found: dict[str, Path] = {}
    problems: list[str] = []
    for language in ("fr", "en"):
        given = settings.conduct.path(language)
        if given is None:
            continue
        resolved = given if given.is_absolute() else base / given
        problem = conduct_file_problem(resolved)
        if problem:
            variable = environment_source(("conduct", language))
            where = f"environment variable {variable}" if variable else path
            problems.append(f"{where}: conduct.{language} = {str(given)!r} is wrong: {problem}")
        found[language] = resolved
    if problems:
        raise ConfigError("\n".join(problems))
    return settings.model_copy(update={"conduct": settings.conduct.model_copy(update=found)})


def conduct_file_problem(path: Path) -> str | None:
    """Why a conduct file cannot be used, or None."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return "file not found; write the code of conduct there or fix the path"
    except (OSError, UnicodeDecodeError) as error:
        return f"cannot be read ({error}); save it as UTF-8 text"
    if not text:
        return "the file is empty; write the code of conduct in it"
    if len(text) > CONDUCT_MAX_CHARS:
        return f"{len(text)} characters; keep it under {CONDUCT_MAX_CHARS} (Discord shows at most that in one post)"
    return None


def _with_default_database(settings: Settings, path: Path) -> Settings:
    """SQLite files live next to the config file unless the URL says otherwise."""
    base = path.resolve().parent
    url = settings.database.url or f"sqlite+aiosqlite:///{base / 'agora.db'}"
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        url = parsed.set(database=str(base / parsed.database)).render_as_string(hide_password=False)
    database = settings.database.model_copy(update={"url": url})
    return settings.model_copy(update={"database": database})
