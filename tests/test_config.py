"""Configuration: every mistake is one line naming the key, the bad value and the fix; the CLI exits non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings, load_token
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problem(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    return str(caught.value)


def test_example_config_is_valid_and_defaults_sqlite_next_to_it(tmp_path: Path) -> None:
    path = write(tmp_path, (ROOT / "config.example.toml").read_text(encoding="utf-8"))
    settings = load_settings(path)
    assert settings.database.url == f"sqlite+aiosqlite:///{tmp_path / 'agora.db'}"
    assert settings.locale.default == "fr"
    assert settings.locale.timezone == "Europe/Paris"


def test_missing_default_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGORA_CONFIG", raising=False)
    assert load_settings().discord.api_base == "https://discord.com/api/v10"


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"file not found; copy config\.example\.toml"):
        load_settings(tmp_path / "nope.toml")


def test_unreadable_toml_names_the_place(tmp_path: Path) -> None:
    assert "not valid TOML" in problem(tmp_path, "[locale\ndefault = 'fr'")


def test_unknown_key_is_named(tmp_path: Path) -> None:
    message = problem(tmp_path, "[locale]\ntz = 'Europe/Paris'")
    assert "unknown key locale.tz" in message
    assert "\n" not in message


def test_bad_timezone_names_key_value_and_fix(tmp_path: Path) -> None:
    message = problem(tmp_path, "[locale]\ntimezone = 'Europe/Pariss'")
    assert "locale.timezone = 'Europe/Pariss'" in message
    assert "such as Europe/Paris" in message


def test_bad_locale_and_database_url(tmp_path: Path) -> None:
    assert "locale.default = 'de'" in problem(tmp_path, "[locale]\ndefault = 'de'")
    assert "only SQLite and PostgreSQL" in problem(tmp_path, "[database]\nurl = 'mysql://x@y/z'")
    assert "must start with wss://" in problem(tmp_path, "[discord]\ngateway_url = 'https://x'")


def test_token_in_file_is_refused(tmp_path: Path) -> None:
    assert "DISCORD_TOKEN" in problem(tmp_path, "[discord]\ntoken = 'abc'")


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGORA_LOCALE__TIMEZONE", "America/Montreal")
    settings = load_settings(write(tmp_path, "[locale]\ntimezone = 'Europe/Paris'\ndefault = 'en'"))
    assert (settings.locale.timezone, settings.locale.default) == ("America/Montreal", "en")


def test_postgres_shorthand_gets_async_driver(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[database]\nurl = 'postgresql://agora@db/agora'"))
    assert settings.database.url == "postgresql+asyncpg://agora@db/agora"


def test_token_comes_only_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="export DISCORD_TOKEN"):
        load_token()
    monkeypatch.setenv("DISCORD_TOKEN", "secret")
    assert load_token().get_secret_value() == "secret"


def agora(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AGORA_", "DISCORD_"))}
    environment.update(env)
    return subprocess.run(  # noqa: S603  (our own CLI, fixed arguments)
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=60
    )


def test_check_succeeds_on_the_example_config_without_network(tmp_path: Path) -> None:
    config = write(tmp_path, (ROOT / "config.example.toml").read_text(encoding="utf-8"))
    result = agora("check", "--config", str(config), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "configuration: ok" in result.stdout
    assert "/agora show" in result.stdout
    assert "pending migrations: 0001" in result.stdout


def test_run_without_token_exits_with_one_sentence(tmp_path: Path) -> None:
    config = write(tmp_path, "")
    result = agora("run", "--config", str(config), cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "DISCORD_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_error_exits_without_traceback(tmp_path: Path) -> None:
    config = write(tmp_path, "[locale]\ntimezone = 'Mars/Olympus'")
    result = agora("check", "--config", str(config), cwd=ROOT)
    assert result.returncode == 2
    assert "locale.timezone = 'Mars/Olympus'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    config = write(tmp_path, "[database]\nurl = 'postgresql://agora:hunter2@127.0.0.1:1/agora'")
    result = agora("check", "--config", str(config), cwd=ROOT)
    assert result.returncode == 2
    assert "database.url: cannot open" in result.stderr
    assert "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_discord_is_one_line(tmp_path: Path) -> None:
    config = write(tmp_path, "[discord]\napi_base = 'http://127.0.0.1:1/api/v10'")
    result = agora("run", "--config", str(config), cwd=ROOT, DISCORD_TOKEN="x")
    assert result.returncode == 2
    assert "discord.api_base: cannot reach http://127.0.0.1:1/api/v10" in result.stderr
    assert "Traceback" not in result.stderr


# --- welcome: the code of conduct's files and the onboarding questionnaire ------------------------------------

QUESTION = """
[[onboarding.questions]]
id = "{id}"
type = "{type}"
fr = "Question ?"
en = "Question?"
{extra}
"""


def question(id: str = "q", type: str = "short", extra: str = "") -> str:
    return QUESTION.format(id=id, type=type, extra=extra)


def test_example_questionnaire_has_every_type(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, (ROOT / "config.example.toml").read_text(encoding="utf-8")))
    assert {q.type for q in settings.onboarding.questions} == {"single", "multiple", "short", "long", "scale"}
    assert settings.onboarding.questions[0].choices[1].stored == "data analysis"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (question("learn", "single", 'choices = [{id = "a", fr = "A", en = "A"}]'), "needs 2 to 25 choices (it has 1)"),
        (question("Bad Id"), "id = 'Bad Id' is wrong: use 1 to 32 lowercase letters"),
        (question("rate", "rating"), "type = 'rating' is wrong: Input should be 'single', 'multiple'"),
        (question("bio", "long", "max_length = 5000"), "max_length must be between 1 and 4000"),
        (question("lvl", "scale", 'profile = "goals"'), "profile field goals can be filled by"),
        (question("tz", "short", 'colour = "red"'), "unknown key colour"),
        (
            question(
                "m",
                "single",
                'profile = "mentor"\nchoices = [{id = "y", fr = "O", en = "Y"}, {id = "n", fr = "N", en = "N"}]',
            ),
            "needs value = true or value = false on every choice",
        ),
        (
            question(
                "z",
                "single",
                'profile = "timezone"\nchoices = [{id = "a", fr = "A", en = "A", value = "Mars/Olympus"}, '
                '{id = "b", fr = "B", en = "B", value = "UTC"}]',
            ),
            "value 'Mars/Olympus' is not an IANA time zone",
        ),
    ],
)
def test_a_wrong_question_is_named_with_its_problem_on_one_line(tmp_path: Path, text: str, expected: str) -> None:
    message = problem(tmp_path, text)
    assert "onboarding question '" in message and expected in message
    assert "\n" not in message


def test_each_wrong_question_gets_its_own_line(tmp_path: Path) -> None:
    message = problem(tmp_path, question("a", "scale", "max_length = 3") + question("b", "rating"))
    lines = message.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("onboarding question 'a': max_length is for short and long questions only, not scale")
    assert "onboarding question 'b': type = 'rating'" in lines[1]


def test_two_questions_with_one_id_are_refused(tmp_path: Path) -> None:
    message = problem(tmp_path, question("same") + question("same", "long"))
    assert message.endswith("onboarding.questions: two questions have the id 'same'; give each question its own id")


def test_conduct_files_are_read_next_to_the_config_and_checked(tmp_path: Path) -> None:
    (tmp_path / "fr.md").write_text("Soyez bienveillants.", encoding="utf-8")
    settings = load_settings(write(tmp_path, '[conduct]\nfr = "fr.md"'))
    assert settings.conduct.fr == tmp_path / "fr.md" and settings.conduct.en is None
    (tmp_path / "en.md").write_text("x" * 4001, encoding="utf-8")
    message = problem(tmp_path, '[conduct]\nfr = "missing.md"\nen = "en.md"')
    assert message.splitlines() == [
        f"{tmp_path / 'config.toml'}: conduct.fr = 'missing.md' is wrong: file not found; "
        "write the code of conduct there or fix the path",
        f"{tmp_path / 'config.toml'}: conduct.en = 'en.md' is wrong: 4001 characters; keep it under 4000 "
        "(Discord shows at most that in one post)",
    ]


def test_a_wrong_value_from_the_environment_names_the_variable_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "[locale]\ndefault = 'fr'")
    monkeypatch.setenv("AGORA_LOCALE__DEFAULT", "de")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        "environment variable AGORA_LOCALE__DEFAULT: locale.default = 'de' is wrong: Input should be 'fr' or 'en'"
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("AGORA_LOCALE__TZ", "UTC", "environment variable AGORA_LOCALE__TZ: unknown key locale.tz; unset it"),
        ("AGORA_LOCALE", '{"default": "de"}', "environment variable AGORA_LOCALE: locale.default = 'de' is wrong"),
        ("AGORA_DISCORD__SYNC_GUILDS", '[1, "x"]', "environment variable AGORA_DISCORD__SYNC_GUILDS: discord.sync"),
        ("AGORA_CONDUCT__FR", "missing.md", "environment variable AGORA_CONDUCT__FR: conduct.fr = 'missing.md'"),
    ],
)
def test_each_kind_of_environment_mistake_names_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, ""))
    assert str(caught.value).startswith(expected)


def test_a_wrong_value_in_the_file_is_still_blamed_on_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGORA_LOCALE", '{"timezone": "UTC"}')  # another key of the same section, as JSON
    assert problem(tmp_path, "[locale]\ndefault = 'de'").startswith(f"{tmp_path / 'config.toml'}: locale.default")


def test_a_missing_sqlite_folder_is_one_line(tmp_path: Path) -> None:
    config = write(tmp_path, "[database]\nurl = 'sqlite+aiosqlite:///nowhere/agora.db'")
    result = agora("check", "--config", str(config), cwd=ROOT)
    assert result.returncode == 2
    assert f"database.url: cannot open sqlite+aiosqlite:///{tmp_path / 'nowhere' / 'agora.db'}: the folder " in (
        result.stderr
    )
    assert "does not exist; create it or fix the path" in result.stderr
    assert result.stderr.strip().count("\n") == 0
