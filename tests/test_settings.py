"""`/agora`: hosts choose channels, roles, language and time zone; Agora refuses what it cannot use, and says why."""

from __future__ import annotations

import pytest

from models.base import is_timezone
from models.guild_settings import GuildSettings, LanguageSource, decide_language, timezone_suggestions
from playground.emulator import Emulator, MemberDriver
from tests.conftest import AgoraHarness

MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
VIEW_CHANNEL = 1 << 10


async def host(discord: Emulator, locale: str = "en-US") -> MemberDriver:
    role = await discord.create_role(discord.guild, "Hosts", permissions=MANAGE_GUILD, position=1)
    return await discord.member("hana", locale=locale, roles=[role])


async def stored(agora: AgoraHarness, guild_id: int) -> GuildSettings | None:
    async with agora.bot.db.transaction() as session:
        return await session.get(GuildSettings, guild_id)


async def test_host_sets_announcements_channel(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    channel = await discord.create_channel(discord.guild, "announcements")
    reply = await hana.slash("agora channel", purpose="announcements", channel=channel)
    assert reply.ephemeral
    assert f"<#{channel.id}>" in reply.content
    settings = await stored(agora, discord.guild.id)
    assert settings is not None and settings.announcements_channel_id == channel.id

    shown = await hana.slash("agora show")
    assert f"<#{channel.id}>" in shown.content


async def test_settings_survive_a_restart(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    await hana.slash("agora timezone", zone="America/Montreal")
    await agora.restart()
    shown = await hana.slash("agora show")
    assert "America/Montreal" in shown.content


async def test_member_without_manage_server_is_refused(discord: Emulator, agora: AgoraHarness) -> None:
    bob = await discord.member("bob", locale="fr")
    reply = await bob.slash("agora show")
    assert reply.ephemeral
    assert reply.content == "Seuls les hôtes (membres qui peuvent gérer le serveur) peuvent faire cela."
    assert await stored(agora, discord.guild.id) is None


async def test_channel_the_bot_cannot_post_in_is_refused(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord, locale="fr")
    hidden = await discord.create_channel(discord.guild, "staff")
    await discord.set_permissions(hidden, discord.guild.roles[discord.guild.id], deny=SEND_MESSAGES)
    reply = await hana.slash("agora channel", purpose="welcome", channel=hidden)
    assert reply.ephemeral
    assert "il me manque Envoyer des messages" in reply.content
    assert await stored(agora, discord.guild.id) is None


async def test_knowledge_takes_a_forum_or_a_text_channel_and_only_knowledge_takes_a_forum(
    discord: Emulator, agora: AgoraHarness
) -> None:
    hana = await host(discord)
    forum = await discord.create_channel(discord.guild, "knowledge", type="forum")
    reply = await hana.slash("agora channel", purpose="announcements", channel=forum)
    assert "is not a text channel" in reply.content
    reply = await hana.slash("agora channel", purpose="knowledge", channel=forum)
    assert f"<#{forum.id}>" in reply.content
    text = await discord.create_channel(discord.guild, "tips")
    reply = await hana.slash("agora channel", purpose="knowledge", channel=text)
    assert f"<#{text.id}>" in reply.content


async def test_role_above_the_bot_is_refused_with_the_fix(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    high = await discord.create_role(discord.guild, "Council", position=50)
    reply = await hana.slash("agora role", purpose="member", role=high)
    assert "above (or at) my highest role" in reply.content
    low = await discord.create_role(discord.guild, "Member", position=2)
    reply = await hana.slash("agora role", purpose="member", role=low)
    assert f"<@&{low.id}>" in reply.content
    settings = await stored(agora, discord.guild.id)
    assert settings is not None and settings.member_role_id == low.id


async def test_unknown_timezone_gets_a_localized_hint(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord, locale="fr")
    reply = await hana.slash("agora timezone", zone="Europe/Pariss")
    assert reply.content.startswith("« Europe/Pariss » n'est pas un fuseau horaire connu")


@pytest.mark.parametrize(
    "zone", ["🌍" * 64, "x" * 300, "Europe/Paris\x00", "../../../../etc/passwd", "/etc/localtime", "Europe", "z" * 5000]
)
async def test_a_hostile_timezone_is_refused_kindly(discord: Emulator, agora: AgoraHarness, zone: str) -> None:
    """A name ZoneInfo cannot even look up (too long for a file name, a path, a NUL) is unknown, not a crash."""
    hana = await host(discord)
    reply = await hana.slash("agora timezone", zone=zone)
    assert reply.ephemeral and "is not a time zone I know" in reply.content
    assert len(reply.content) < 200
    assert await stored(agora, discord.guild.id) is None


@pytest.mark.parametrize(
    ("name", "known"),
    [("Europe/Paris", True), ("UTC", True), ("", False), ("🌍" * 64, False), ("a/" * 200, False), ("Europe/", False)],
)
def test_is_timezone(name: str, known: bool) -> None:
    assert is_timezone(name) is known


async def test_timezone_autocomplete(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    choices = await hana.autocomplete("agora timezone", zone="montr")
    assert [choice["value"] for choice in choices] == ["America/Montreal"]


async def test_language_unset_clears_and_language_changes_public_fallback(
    discord: Emulator, agora: AgoraHarness
) -> None:
    hana = await host(discord, locale="de")  # a language Agora does not speak: the server's language is used
    reply = await hana.slash("agora language", language="fr")
    assert reply.content == "✅ Langue : Français"
    channel = await discord.create_channel(discord.guild, "announcements")
    await hana.slash("agora channel", purpose="announcements", channel=channel)
    reply = await hana.slash("agora channel", purpose="announcements")
    assert reply.content == "✅ Salon des annonces : n'est plus défini."


@pytest.mark.parametrize("text", ["paris", "Europe/Par"])
def test_timezone_suggestions(text: str) -> None:
    assert "Europe/Paris" in timezone_suggestions(text)


async def test_host_picks_the_announcements_channel(discord: Emulator, agora: AgoraHarness) -> None:
    """The README's ten-line example, kept true."""
    hosts = await discord.create_role(discord.guild, "Hosts", permissions=1 << 5)  # Manage Server
    hana = await discord.member("hana", locale="fr", roles=[hosts])
    news = await discord.create_channel(discord.guild, "news")
    reply = await hana.slash("agora channel", purpose="announcements", channel=news)
    assert reply.ephemeral and reply.content == f"✅ Salon des annonces : <#{news.id}>"


async def test_show_says_which_language_agora_posts_in_and_why(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord, locale="fr")
    discord.guild.preferred_locale = "de"  # a language Agora does not speak: the deployment default (en here)
    shown = await hana.slash("agora show")
    assert "• Langue: anglais (langue par défaut d'Agora" in shown.content
    discord.guild.preferred_locale = "fr"
    shown = await hana.slash("agora show")
    assert "• Langue: français (la langue du serveur dans Discord)" in shown.content
    await hana.slash("agora language", language="en")
    shown = await hana.slash("agora show")
    assert "• Langue: anglais (choisie par un hôte avec /agora langue)" in shown.content


@pytest.mark.parametrize(
    ("chosen", "discord_language", "expected"),
    [
        ("en", "fr", ("en", LanguageSource.HOST)),
        (None, "fr", ("fr", LanguageSource.DISCORD)),
        (None, None, ("de-default", LanguageSource.DEFAULT)),
    ],
)
def test_one_rule_decides_a_guild_language(
    chosen: str | None, discord_language: str | None, expected: tuple[str, LanguageSource]
) -> None:
    settings = GuildSettings(guild_id=1, locale=chosen)
    assert decide_language(settings, discord_language, "de-default") == expected
