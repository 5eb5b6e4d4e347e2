"""The bot as a whole: start-up through the emulator, localized commands, restarts, and the error replies."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pytest

from tests.conftest import AgoraHarness
from tests.emulator import Emulator


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
    assert opened.modal is not None
    submitted = await alice.submit_modal({"probe:note": "bring snacks"})
    assert submitted.ephemeral and submitted.content == "noted: bring snacks"


async def test_reaction_events_reach_the_bot(discord: Emulator, agora: AgoraHarness) -> None:
    alice = await discord.member("alice")
    await alice.slash("post", text="react to me")
    await alice.react(discord.guild.channel("general").messages[-1], "🎉")
    assert probe(agora).reactions == [(alice.id, "🎉")]


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
    await discord.settle()
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
