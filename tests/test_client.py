"""The bot as a whole: start-up through the emulator, localized commands, restarts, and the error replies."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from tests.conftest import AgoraHarness
from tests.emulator import Emulator


@pytest.fixture
def agora_cogs() -> Sequence[str]:
    return ("tests.support.failing",)


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
