"""Privacy from the command line: `check` prints the retention policy, a wrong `[privacy]` value is named with its
fix, and `export --guild` writes a server's members' data to a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.database import Database
from bot.errors import ConfigError
from models import profiles
from models.profiles import ProfileText

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
GUILD, ADA = 700000000000000001, 412345678901234567


def agora(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AGORA_", "DISCORD_"))}
    environment.update(env or {})
    return subprocess.run(  # noqa: S603  (our own CLI, fixed arguments)
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_prints_the_retention_policy(tmp_path: Path) -> None:
    path = config(
        tmp_path, '[privacy]\nerase_after_leaving_days = 14\n[privacy.retention]\nkudos_reasons = "forever"\n'
    )
    result = agora("check", "--config", str(path))
    assert result.returncode == 0, result.stderr
    assert "privacy: members who leave are erased 14 day(s) later unless they return" in result.stdout
    assert "retention.onboarding_answers = 730 day(s): onboarding answers" in result.stdout
    assert "retention.kudos_reasons = until the member erases it" in result.stdout
    assert "fixed: conduct report texts: until the moderators' channel has them" in result.stdout


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "[privacy.retention]\nonboarding_answers = 0",
            'privacy.retention.onboarding_answers = 0 is wrong: use a number of days from 1 to 36500, or "forever"',
        ),
        (
            "[privacy.retention]\nchat_logs = 3",
            "unknown key privacy.retention.chat_logs; remove it or fix its spelling",
        ),
        ("[privacy]\nerase_after_leaving_days = -1", "privacy.erase_after_leaving_days = -1 is wrong"),
    ],
)
def test_a_wrong_privacy_value_names_the_key_and_the_fix(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(config(tmp_path, text))
    assert said in str(refused.value)


async def test_export_writes_a_servers_data_to_a_file(db: Database, migrated_database_url: str, tmp_path: Path) -> None:
    async with db.transaction() as session:
        await profiles.edit_profile(session, GUILD, ADA, ProfileText(goals="Ship"), now=NOW)
    output = tmp_path / "server.json"
    path = config(tmp_path, "")
    result = agora(
        "export",
        "--guild",
        str(GUILD),
        "--output",
        str(output),
        "--config",
        str(path),
        env={"AGORA_DATABASE__URL": migrated_database_url},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"exported 1 member(s) of server {GUILD} to {output}"
    exported = json.loads(output.read_text(encoding="utf-8"))
    assert exported["members"][str(ADA)]["profiles"]["profile"]["goals"] == "Ship"
    missing = agora("export", "--config", str(path))
    assert missing.returncode == 2 and "export needs --guild ID" in missing.stderr
