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

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError
from models.conduct.rules import TEXT_MAX
from models.onboarding.questionnaire import Questionnaire, describe_problem
from models.privacy.policy import PrivacyPolicy
from models.sharding import Shards

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
    # Discord's sharding: absent for one process with one connection; "auto" for as many shards as Discord
    # recommends, all in this process; a number N for N shards over every process (`shard_ids` says which are here).
    shard_count: int | Literal["auto"] | None = None
    shard_ids: list[int] | None = None

    @field_validator("shard_count", mode="before")
    @classmethod
    def _count(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip().isdigit():
            if value.strip().lower() != "auto":
                raise ValueError('use a number of shards (1 or more) or "auto" (as many as Discord recommends)')
            return "auto"
        if isinstance(value, bool) or (value is not None and int(value) < 1):
            raise ValueError('use a number of shards (1 or more) or "auto" (as many as Discord recommends)')
        return value

    @field_validator("shard_ids")
    @classmethod
    def _ids(cls, value: list[int] | None, info: ValidationInfo) -> list[int] | None:
        if value is None:
            return None
        count = info.data.get("shard_count")
        if not isinstance(count, int):
            raise ValueError(
                'needs discord.shard_count, the number of shards over every process (not "auto"); '
                "set shard_count = N, or remove shard_ids to run every shard here"
            )
        wrong = [shard for shard in value if not 0 <= shard < count]
        if wrong or not value:
            raise ValueError(f"each id must be between 0 and shard_count - 1 = {count - 1}; e.g. [0] in one process")
        if len(set(value)) != len(value):
            raise ValueError("an id is listed twice; list each shard once")
        return sorted(value)

    @property
    def shards(self) -> Shards:
        """The shards this process runs (all of them when `shard_ids` is not set)."""
        if not isinstance(self.shard_count, int):
            return Shards()
        return Shards(self.shard_count, None if self.shard_ids is None else frozenset(self.shard_ids))

    @property
    def sharded(self) -> bool:
        return self.shard_count is not None

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


# ---- welcome: the code of conduct's files; the questionnaire's schema is the domain's ---------------------------


class ConductSettings(Section):
    """Markdown files with the code of conduct, one per language; hosts may also set the texts with `/conduct edit`."""

    fr: Path | None = None
    en: Path | None = None

    def path(self, language: str) -> Path | None:
        return self.fr if language == "fr" else self.en if language == "en" else None


class SessionsSettings(Section):
    """Defaults for `/session create` (hosts choose per series where it offers it)."""

    # How many upcoming occurrences of a series are mirrored as Discord scheduled events (0: none).
    native_events: int = Field(default=3, ge=0, le=10)
    # Minutes in the session's voice or stage channel for a member to count as present.
    attendance_minutes: int = Field(default=10, ge=1, le=600)
    # Days during which feedback is taken after a session (one reminder after 24 hours).
    feedback_days: int = Field(default=3, ge=2, le=14)


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
    # The default questionnaire, for servers whose hosts have not imported one of their own.
    onboarding: Questionnaire = Questionnaire()
    sessions: SessionsSettings = SessionsSettings()
    # When departed members are erased, and how long each kind of data is kept.
    privacy: PrivacyPolicy = PrivacyPolicy()

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
    if location[:1] == ["onboarding"]:
        line = describe_problem({**problem, "loc": problem["loc"][1:]}, (data or {}).get("onboarding", {}))
        return f"{path}: onboarding{' ' if line.startswith('question ') else '.'}{line}"
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
    if len(text) > TEXT_MAX:
        return f"{len(text)} characters; keep it under {TEXT_MAX} (Discord shows at most that in one post)"
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
