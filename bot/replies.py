"""Answering members: in their language, ephemerally for anything personal, never pinging @everyone or roles."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot import i18n
from models.errors import UserError
from models.guild_settings import GuildSettings, LanguageSource, decide_language

if TYPE_CHECKING:
    from bot.client import Agora

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()


async def language_for(interaction: discord.Interaction) -> str:
    """The member's language when we speak it, else the guild's (see `guild_language`)."""
    language = i18n.language_of(str(interaction.locale))
    if language:
        return language
    guild_locale = str(interaction.guild_locale) if interaction.guild_locale else None
    return await guild_language(interaction.client, interaction.guild_id, guild_locale)  # type: ignore[arg-type]


async def guild_language(client: Agora, guild_id: int | None, discord_locale: str | None = None) -> str:
    """The language of Agora's posts in a guild (public posts, and members whose language we do not speak)."""
    language, _ = await guild_language_and_source(client, guild_id, discord_locale)
    return language


async def guild_language_and_source(
    client: Agora, guild_id: int | None, discord_locale: str | None = None
) -> tuple[str, LanguageSource]:
    """The guild's language and why; `discord_locale` defaults to the server's language as the bot last saw it."""
    settings = None
    if guild_id is not None:
        async with client.db.transaction() as session:
            settings = await session.get(GuildSettings, guild_id)
        guild = client.get_guild(guild_id)
        if discord_locale is None and guild is not None:
            discord_locale = str(guild.preferred_locale)
    return decide_language(settings, i18n.language_of(discord_locale), client.settings.locale.default)


async def send_ephemeral(interaction: discord.Interaction, content: str, **kwargs: Any) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


async def say(interaction: discord.Interaction, key: str, /, **params: Any) -> None:
    """Send the localized text `key` ephemerally."""
    await send_ephemeral(interaction, i18n.t(await language_for(interaction), key, **params))


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """One short localized ephemeral reply for any failure; unexpected ones are logged with ids, not content."""
    key, params = _describe(error)
    if key == "errors.unexpected":
        command = interaction.command.qualified_name if interaction.command else None
        log.error(
            "unexpected error: guild=%s channel=%s user=%s command=%s custom_id=%s",
            interaction.guild_id,
            interaction.channel_id,
            interaction.user.id,
            command,
            interaction.data.get("custom_id") if interaction.data else None,
            exc_info=error,
        )
    try:
        await say(interaction, key, **params)
    except discord.HTTPException as failure:
        log.warning("could not answer interaction %s with an error (%s)", interaction.id, failure.status)


def _describe(error: BaseException) -> tuple[str, dict[str, Any]]:
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError) and isinstance(
        error.__cause__, UserError
    ):
        error = error.__cause__
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserError):
        return error.key, error.params
    if isinstance(error, app_commands.NoPrivateMessage):
        return "errors.guild_only", {}
    if isinstance(error, app_commands.MissingPermissions):
        return "errors.host_only", {}
    if isinstance(error, app_commands.BotMissingPermissions):
        return "errors.bot_missing_permissions", {"permissions": ", ".join(error.missing_permissions)}
    if isinstance(error, app_commands.CommandOnCooldown):
        return "errors.cooldown", {"seconds": max(1, round(error.retry_after))}
    if isinstance(error, app_commands.TransformerError):
        return "errors.bad_value", {"value": str(error.value)[:100]}
    if isinstance(error, app_commands.CheckFailure):
        return "errors.not_allowed", {}
    return "errors.unexpected", {}
