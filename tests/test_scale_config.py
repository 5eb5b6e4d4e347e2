"""Shards in the configuration, the client each setting builds, and which process runs which server's jobs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.client import Agora, ShardedAgora, new_bot
from bot.config import load_settings
from bot.database import Database
from bot.errors import ConfigError
from models import scheduling
from models.base import utcnow
from models.sharding import Shards, shard_of

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problem(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    return str(caught.value)


def guild_on(shard: int, count: int, start: int = 1 << 40) -> int:
    """A snowflake whose server Discord sends to `shard` of `count`."""
    guild_id = start
    while shard_of(guild_id, count) != shard:
        guild_id += 1 << 22
    return guild_id


def test_no_shard_settings_build_the_single_connection_client(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""))
    assert not settings.discord.sharded and settings.discord.shards == Shards()
    bot = new_bot(settings)
    assert type(bot) is Agora and bot.owns_guild(guild_on(1, 2)) and bot.owns_guild(None)


def test_shard_ids_of_a_count_build_the_sharded_client_for_those_shards(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[discord]\nshard_count = 2\nshard_ids = [1]\n"))
    bot = new_bot(settings)
    assert isinstance(bot, ShardedAgora) and bot.shard_count == 2 and bot.shard_ids == [1]
    assert bot.owns_guild(guild_on(1, 2)) and not bot.owns_guild(guild_on(0, 2))
    assert not bot.owns_guild(None)  # DMs and jobs without a server: shard 0's process


def test_auto_asks_discord_for_the_count_and_runs_every_shard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGORA_DISCORD__SHARD_COUNT", "Auto")
    settings = load_settings(write(tmp_path, ""))
    bot = new_bot(settings)
    assert isinstance(bot, ShardedAgora) and bot.shard_count is None and bot.shard_ids is None
    assert bot.owns_guild(guild_on(0, 2)) and bot.owns_guild(guild_on(1, 2))


def test_shards_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGORA_DISCORD__SHARD_COUNT", "4")
    monkeypatch.setenv("AGORA_DISCORD__SHARD_IDS", "[3, 2]")
    settings = load_settings(write(tmp_path, ""))
    assert settings.discord.shards == Shards(4, frozenset({2, 3}))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("shard_ids = [0]", "discord.shard_ids = [0] is wrong: needs discord.shard_count"),
        ('shard_count = "auto"\nshard_ids = [0]', "discord.shard_ids = [0] is wrong: needs discord.shard_count"),
        ("shard_count = 2\nshard_ids = [2]", "each id must be between 0 and shard_count - 1 = 1"),
        ("shard_count = 2\nshard_ids = []", "each id must be between 0 and shard_count - 1 = 1"),
        ("shard_count = 2\nshard_ids = [1, 1]", "an id is listed twice"),
        ("shard_count = 0", 'discord.shard_count = 0 is wrong: use a number of shards (1 or more) or "auto"'),
        ('shard_count = "many"', "discord.shard_count = 'many' is wrong: use a number of shards"),
    ],
)
def test_a_wrong_shard_setting_names_the_key_and_the_fix(tmp_path: Path, text: str, expected: str) -> None:
    found = problem(tmp_path, f"[discord]\n{text}\n")
    assert expected in found and "\n" not in found


def test_a_wrong_shard_variable_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGORA_DISCORD__SHARD_IDS", "[5]")
    monkeypatch.setenv("AGORA_DISCORD__SHARD_COUNT", "2")
    found = problem(tmp_path, "")
    assert found.startswith("environment variable AGORA_DISCORD__SHARD_IDS: discord.shard_ids = [5] is wrong")


def test_sql_and_python_agree_on_which_server_is_whose() -> None:
    for count in (1, 2, 3):
        for shard in range(count):
            guild_id = guild_on(shard, count)
            assert Shards(count, frozenset({shard})).owns(guild_id)
            assert Shards(count, frozenset({shard})).owns(None) == (shard == 0)
            assert Shards(count).owns(guild_id)


async def test_each_process_lists_and_claims_only_the_jobs_of_its_shards(db: Database) -> None:
    now = utcnow()
    first, second = Shards(2, frozenset({0})), Shards(2, frozenset({1}))
    async with db.transaction() as session:
        ids = {}
        for name, guild_id in (("zero", guild_on(0, 2)), ("one", guild_on(1, 2)), ("global", None)):
            job = await scheduling.schedule_job(
                session, kind="test", key=name, due_at=now - timedelta(minutes=1), guild_id=guild_id
            )
            ids[name] = job.id
    async with db.transaction() as session:
        assert set(await scheduling.due_job_ids(session, now, first)) == {ids["zero"], ids["global"]}
        assert set(await scheduling.due_job_ids(session, now, second)) == {ids["one"]}
        assert {job_id for job_id, _ in await scheduling.pending_jobs(session, second)} == {ids["one"]}
        assert await scheduling.claim(session, ids["one"], worker="a", now=now, shards=first) is None
        assert await scheduling.claim(session, ids["global"], worker="b", now=now, shards=second) is None
        claimed = await scheduling.claim(session, ids["one"], worker="b", now=now, shards=second)
        assert claimed is not None and claimed.key == "one"


def test_compose_runs_two_processes_each_with_its_shard_on_one_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]
    bots = [services["agora"], services["agora-shard-1"]]
    assert [bot["command"] for bot in bots] == [["run"], ["run"]]
    assert bots[0]["environment"]["AGORA_DATABASE__URL"] == bots[1]["environment"]["AGORA_DATABASE__URL"]
    found = []
    for bot in bots:
        for name, value in bot["environment"].items():
            if name.startswith("AGORA_DISCORD__"):
                monkeypatch.setenv(name, value)
        found.append(load_settings(write(tmp_path, "")).discord.shards)
    assert found == [Shards(2, frozenset({0})), Shards(2, frozenset({1}))]
