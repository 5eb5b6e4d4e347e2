"""The bot as a whole: start-up through the emulator, localized commands, restarts, and the error replies."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.client import Agora
from bot.config import DiscordSettings, Settings
from bot.replies import OPENS_FORM
from cogs import COGS
from playground.emulator import Emulator, RunBot
from playground.emulator.state import DEFERRED_MESSAGE as DEFERRED
from playground.emulator.state import DEFERRED_UPDATE, Interaction
from tests.conftest import AgoraHarness


@pytest.fixture
def agora_cogs() -> Sequence[str]:
    return ("tests.support.probe",)


async def test_startup_syncs_commands_with_french_and_english(discord: Emulator, agora: AgoraHarness) -> None:
    assert agora.bot.is_ready()
    commands = {command["name"]: command for command in discord.commands()}
    agora_group = commands["agora"]
    assert agora_group["name_localizations"]["fr"] == "agora"
    assert agora_group["description_localizations"]["fr"] == "Configurer Agora pour ce serveur"
    assert agora_group["description_localizations"]["en-US"] == "Configure Agora for this server"
    show = next(option for option in agora_group["options"] if option["name"] == "show")
    assert show["name_localizations"]["fr"] == "afficher"
    assert int(agora_group["default_member_permissions"]) == 1 << 5  # Manage Server


def probe(agora: AgoraHarness) -> Any:
    cog = agora.bot.get_cog("Probe")
    assert cog is not None
    return cog


async def test_button_click_and_modal_submit_reach_the_bot_even_after_a_restart(
    discord: Emulator, agora: AgoraHarness
) -> None:
    alice = await discord.member("alice")
    general = discord.guild.channel("general")
    assert (await alice.slash("post", text="hello")).content == "posted"
    message = general.messages[-1]
    await agora.restart()  # the button is a DynamicItem: it survives restarts
    opened = await alice.click(message, "Take a note")
    assert opened.modal is not None and opened.modal["custom_id"] == "agora:probe:noted:1"
    await agora.restart()  # so does an open form: its submission is routed by custom id
    submitted = await alice.submit_modal({"note": "bring snacks"})
    assert submitted.ephemeral and submitted.content == "noted: bring snacks"


async def test_components_and_forms_nobody_claims_get_a_kind_answer(discord: Emulator, agora: AgoraHarness) -> None:
    alice = await discord.member("alice", locale="fr")
    await alice.slash("post", text="hello")
    message = discord.guild.channel("general").messages[-1]
    opened = await alice.click(message, "Take a note")
    assert opened.modal is not None
    agora.runner.factory = lambda: Agora(agora.settings, cogs=COGS, guild_ready_timeout=0.05)  # the probe is gone
    await agora.restart()
    gone = await alice.click(message, "Take a note")
    assert gone.ephemeral and gone.content.startswith("Ceci n'est plus disponible.")
    late = await alice.submit_modal({"note": "too late"})
    assert late.ephemeral and late.content.startswith("Ceci n'est plus disponible.")


def arrived(discord: Emulator, label: str) -> Interaction | None:
    """The interaction the driver sent under `label`, once the bot gave it a first answer."""
    return next((i for i in discord.state.interactions.values() if i.label == label and i.acknowledged), None)


async def test_a_command_still_silent_near_discords_deadline_shows_thinking_then_its_answer(
    discord: Emulator, agora: AgoraHarness
) -> None:
    alice = await discord.member("alice")
    answering = asyncio.create_task(alice.slash("slow"))
    deferred = await discord.wait_for(lambda: arrived(discord, "/slow"), what="the watchdog's deferral")
    assert deferred.response is not None and deferred.response.type == DEFERRED
    assert deferred.ephemeral and not answering.done()  # "thinking…", for alice alone; the command still waits
    probe(agora).gate.set()
    answered = await answering
    assert answered is deferred and answered.ephemeral and answered.content == "done waiting"


async def test_a_slow_button_is_deferred_silently_then_edits_its_message_or_asks_to_try_again(
    discord: Emulator, agora: AgoraHarness
) -> None:
    alice = await discord.member("alice", locale="fr")
    await alice.slash("slow-buttons")
    message = discord.guild.channel("general").messages[-1]
    for button in ("Slow edit", "Slow form"):
        before = message.content
        clicking = asyncio.create_task(alice.click(message, button))
        label = f"click on {button!r}"
        deferred = await discord.wait_for(lambda: arrived(discord, label), what=f"the deferral of {label}")  # noqa: B023
        assert deferred.response is not None and deferred.response.type == DEFERRED_UPDATE
        assert message.content == before and not clicking.done()
        probe(agora).gate.set()
        answered = await clicking
        probe(agora).gate = asyncio.Event()
    assert message.content == "edited after the wait"
    assert answered.modal is None and answered.ephemeral  # a form cannot follow a deferral: the member is told
    assert answered.content == "L'ouverture a pris trop de temps. Veuillez réessayer."


async def test_the_watchdog_knows_which_commands_and_buttons_may_answer_with_a_form(agora: AgoraHarness) -> None:
    share, show = agora.bot.tree.get_command("share"), agora.bot.tree.get_command("profile")
    assert share is not None and share.extras.get(OPENS_FORM) and show is not None and not show.extras.get(OPENS_FORM)
    note = agora.bot.components.item_for("agora:probe:note:1")
    assert note is not None and getattr(note, "opens_form", False)
    slow = agora.bot.components.item_for("agora:probe:slow:edit")
    assert slow is not None and not getattr(slow, "opens_form", False)


@pytest.mark.discord(interaction_deadline=0.05)
async def test_an_interaction_that_expired_before_its_answer_is_a_warning_not_a_bug(
    discord: Emulator, agora: AgoraHarness, caplog: pytest.LogCaptureFixture
) -> None:
    discord.expect_rejections(10062)  # Unknown interaction: both answers come after the (shortened) deadline
    alice = await discord.member("alice")
    answering = asyncio.create_task(alice.slash("slow"))
    await discord.wait_for(lambda: "could not defer" in caplog.text, what="the watchdog's defer, refused: too late")
    probe(agora).gate.set()
    with pytest.raises(AssertionError, match="no answer came to /slow"):
        await answering
    await agora.idle()
    assert "expired before its first answer reached Discord" in caplog.text  # and no error: the harness checks


async def test_reaction_events_reach_the_bot(discord: Emulator, agora: AgoraHarness) -> None:
    alice = await discord.member("alice")
    await alice.slash("post", text="react to me")
    await alice.react(discord.guild.channel("general").messages[-1], "🎉")
    assert probe(agora).reactions == [(alice.id, "🎉")]


async def test_a_reaction_starts_only_the_handlers_of_capabilities_that_count_it(
    discord: Emulator, agora: AgoraHarness
) -> None:
    """Every reaction reaches polls, recognition and knowledge; those that ignore it make no task for it (a burst of
    votes would otherwise cost a task per capability and vote)."""
    handlers: list[asyncio.Task[Any]] = []

    def recording(loop: asyncio.AbstractEventLoop, coro: Any, **options: Any) -> asyncio.Task[Any]:
        task = asyncio.Task(coro, loop=loop, **options)
        handlers.append(task)
        return task

    def reaction_handlers() -> list[str]:
        named = [task.get_name() for task in handlers]
        handlers.clear()
        return [name for name in named if name.endswith("on_raw_reaction_add")]

    alice, bob = await discord.member("alice"), await discord.member("bob")
    message = await alice.say(discord.guild.channel("general"), "react to me")
    await bob.react(message, "🙏")  # recognition and knowledge read their server's emoji: both run this once
    await agora.idle()
    asyncio.get_running_loop().set_task_factory(recording)
    try:
        await bob.react(message, "🎉")  # nobody's: only the test's probe hears it
        await agora.idle()
        assert reaction_handlers() == ["discord.py: on_raw_reaction_add"]
        await alice.react(message, "👍")  # knowledge's helpful emoji
        await agora.idle()
        assert len(reaction_handlers()) == 2
    finally:
        asyncio.get_running_loop().set_task_factory(None)
    assert [emoji for _, emoji in probe(agora).reactions] == ["🙏", "🎉", "👍"]


async def test_rate_limited_call_is_retried_and_succeeds(discord: Emulator, agora: AgoraHarness) -> None:
    discord.faults.rate_limit("POST", "/channels/*/messages", retry_after=0.05)
    alice = await discord.member("alice")
    assert (await alice.slash("post", text="after a 429")).content == "posted"
    posts = [r for r in discord.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert [r.status for r in posts] == [429, 200]
    assert discord.guild.channel("general").messages[-1].content == "after a 429"


async def test_dropped_gateway_resumes_without_losing_or_repeating_an_event(
    discord: Emulator, agora: AgoraHarness
) -> None:
    alice = await discord.member("alice")
    await alice.slash("post", text="react to me")
    message = discord.guild.channel("general").messages[-1]
    await discord.drop_gateway(4000)
    await alice.react(message, "👍")  # dispatched while the bot reconnects: replayed on RESUME
    await discord.wait_for(lambda: probe(agora).reactions, what="the reaction after RESUME")
    await agora.idle()
    assert probe(agora).reactions == [(alice.id, "👍")]
    assert (discord.core.gateway.identifies, discord.core.gateway.resumes) == (1, 1)


async def test_restart_against_the_same_state(discord: Emulator, agora: AgoraHarness) -> None:
    first = agora.bot
    second = await agora.restart()
    assert second is not first and second.is_ready()
    assert first.is_closed()


async def test_member_mistake_gets_a_short_localized_ephemeral_reply(discord: Emulator, agora: AgoraHarness) -> None:
    alice = await discord.member("alice", locale="fr")
    reply = await alice.slash("refuse")
    assert reply.ephemeral
    assert reply.content == "Doucement : réessayez dans 7 s."


async def test_unexpected_error_is_logged_with_ids_and_answered_with_an_apology(
    discord: Emulator, agora: AgoraHarness, caplog: pytest.LogCaptureFixture
) -> None:
    agora.runner.expect_errors("unexpected error")
    bob = await discord.member("bob", locale="en-GB")
    with caplog.at_level(logging.ERROR, logger="bot.replies"):
        reply = await bob.slash("explode")
    assert reply.ephemeral
    assert reply.content.startswith("Sorry, something went wrong on our side.")
    record = next(r for r in caplog.records if r.name == "bot.replies")
    message = record.getMessage()
    assert f"guild={discord.guild.id}" in message and f"user={bob.id}" in message and "command=explode" in message
    assert "secret member content" not in message


async def test_member_in_an_unsupported_language_gets_the_server_language(
    discord: Emulator, agora: AgoraHarness
) -> None:
    carl = await discord.member("carl", locale="de")  # guild locale en-US, no host setting: English
    reply = await carl.slash("refuse")
    assert reply.content == "Slow down a little: try again in 7 s."


async def test_default_allowed_mentions_forbid_everyone_and_roles(agora: AgoraHarness) -> None:
    mentions = agora.bot.allowed_mentions
    assert mentions is not None
    assert mentions.to_dict()["parse"] == ["users"]


LOADS_THE_BOT = """
import asyncio, sys
from bot.client import Agora
from bot.config import DatabaseSettings, Settings

async def main() -> None:
    bot = Agora(Settings(database=DatabaseSettings(url=sys.argv[1])))
    await bot.prepare(migrate=True)
    await bot.close()

asyncio.run(main())
print(sorted({name.split(".")[0] for name in sys.modules} & {"matplotlib", "numpy", "PIL", "scipy"}))
"""


def test_loading_the_bot_does_not_import_the_chart_libraries(database_url: str) -> None:
    """matplotlib costs about a second and 50 MB at start; only a closing poll or a host's report needs it (and
    numpy with scipy only a mentoring round)."""
    result = subprocess.run(  # noqa: S603  (our own code, fixed arguments)
        [sys.executable, "-c", LOADS_THE_BOT, database_url], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def bot_environment(discord: Emulator, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a real `python -m bot` process aimed at the emulator (nothing inherited from ours)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("AGORA_", "DISCORD_"))}
    environment.update(
        AGORA_DATABASE__URL=database_url,
        AGORA_DISCORD__API_BASE=discord.http_url,
        AGORA_DISCORD__GATEWAY_URL=discord.gateway_url,
        DISCORD_TOKEN=discord.token,
        **extra,
    )
    return environment


async def next_line_with(stream: asyncio.StreamReader, text: str, seen: list[str]) -> str:
    """Read the bot's log until a line contains `text` (the process's own signal that it got there)."""
    while True:
        line = (await asyncio.wait_for(stream.readline(), timeout=60)).decode()
        if not line:
            raise AssertionError(f"the bot exited before logging {text!r}:\n{''.join(seen)}")
        seen.append(line)
        if text in line:
            return line


async def test_the_bot_process_says_who_it_is_when_ready_and_stops_cleanly_on_sigterm(
    discord: Emulator, database_url: str, tmp_path: Path
) -> None:
    environment = bot_environment(discord, database_url, AGORA_DISCORD__READY_TIMEOUT="0.05")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=environment, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    seen: list[str] = []
    try:
        ready = await next_line_with(process.stderr, "ready as", seen)
        me = discord.bot
        assert f"ready as {me.username}#{me.id} in 1 guild(s)" in ready
        process.send_signal(signal.SIGTERM)
        stopped = await next_line_with(process.stderr, "stopped as", seen)
        assert f"stopped as {me.username}#{me.id}" in stopped
        assert await asyncio.wait_for(process.wait(), timeout=60) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert not [line for line in seen if " ERROR " in line or "Traceback" in line], "".join(seen)


def test_ready_timeout_is_a_checked_setting() -> None:
    assert Settings().discord.ready_timeout == 2.0
    with pytest.raises(ValidationError, match="greater than 0"):
        DiscordSettings(ready_timeout=0)
    with pytest.raises(ValidationError, match="less than or equal to 60"):
        DiscordSettings(ready_timeout=600)


# --- commands are synced only when they changed ----------------------------------------------------------------


def command_syncs(discord: Emulator) -> list[str]:
    """The bulk overwrites of commands Discord accepted (global or per guild), oldest first."""
    return [
        request.path
        for request in discord.requests
        if request.method == "PUT" and (request.route or "").endswith("/commands") and request.status == 200
    ]


def command_names(discord: Emulator) -> set[str]:
    return {command["name"] for command in discord.commands()}


async def test_a_restart_with_unchanged_commands_does_not_sync_them_again(
    discord: Emulator, agora: AgoraHarness
) -> None:
    assert len(command_syncs(discord)) == 1  # the first start of a fresh database
    await agora.restart()
    await agora.restart()
    assert len(command_syncs(discord)) == 1


async def test_the_hashed_payload_is_exactly_what_discord_received(discord: Emulator, agora: AgoraHarness) -> None:
    sent = next(request.json for request in discord.requests if request.method == "PUT")
    payloads = await agora.bot.command_payloads()
    assert payloads == {"global": sent}
    assert any("name_localizations" in command and command["name_localizations"] for command in sent)


async def test_changed_commands_are_synced_once_at_the_next_start(discord: Emulator, agora: AgoraHarness) -> None:
    assert "post" in command_names(discord)
    agora.runner.factory = lambda: Agora(agora.settings, cogs=COGS)  # the next version: without the probe's commands
    await agora.restart()
    assert len(command_syncs(discord)) == 2
    assert "post" not in command_names(discord) and "agora" in command_names(discord)
    await agora.restart()
    assert len(command_syncs(discord)) == 2


async def test_guild_commands_are_synced_per_guild_and_only_when_changed(
    discord: Emulator, agora_settings: Settings, run_bot: RunBot
) -> None:
    """(The settings come before `run_bot`: its bots stop at teardown before their database goes away.)"""
    scoped = agora_settings.discord.model_copy(update={"sync_guilds": [discord.guild.id]})
    settings = agora_settings.model_copy(update={"discord": scoped})
    runner = await run_bot(lambda: Agora(settings), wait_for_sync=True)
    assert command_syncs(discord) == [f"/applications/{discord.application_id}/guilds/{discord.guild.id}/commands"]
    await runner.restart()
    assert len(command_syncs(discord)) == 1


def agora_command(
    command: str, discord: Emulator, database_url: str, folder: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own CLI, fixed arguments)
        [sys.executable, "-m", "bot", command],
        cwd=folder,
        env=bot_environment(discord, database_url, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_check_says_whether_the_next_start_will_sync_the_commands(
    discord: Emulator, agora_settings: Settings, run_bot: RunBot, tmp_path: Path
) -> None:
    database_url = agora_settings.database.url  # the bot's own database, for the CLI
    runner = await run_bot(lambda: Agora(agora_settings, cogs=(*COGS, "tests.support.probe")), wait_for_sync=True)
    await runner.stop()
    checked = agora_command("check", discord, database_url, tmp_path)  # the CLI's bot has no probe commands
    assert checked.returncode == 0, checked.stderr
    assert "commands (global): sync pending: changed since the last sync, last synced " in checked.stdout
    runner.factory = lambda: Agora(agora_settings)
    await runner.start()
    await runner.stop()
    checked = agora_command("check", discord, database_url, tmp_path)
    assert "commands (global): up to date, last synced " in checked.stdout
    checked = agora_command(
        "check", discord, database_url, tmp_path, AGORA_DISCORD__SYNC_GUILDS=f"[{discord.guild.id}]"
    )
    assert f"commands (guild:{discord.guild.id}): sync pending: never synced from this database" in checked.stdout


async def test_sync_command_forces_a_sync_of_unchanged_commands(
    discord: Emulator, agora_settings: Settings, run_bot: RunBot, tmp_path: Path
) -> None:
    database_url = agora_settings.database.url  # the bot's own database, for the CLI
    runner = await run_bot(lambda: Agora(agora_settings), wait_for_sync=True)
    await runner.stop()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "sync",
        cwd=tmp_path,
        env=bot_environment(discord, database_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    assert f"commands (global): synced {len(discord.commands())} command(s)" in out.decode()
    assert len(command_syncs(discord)) == 2
