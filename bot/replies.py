"""Answering members: in their language, ephemerally for anything personal, never pinging @everyone or roles."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot import i18n
from models.errors import UserError
from models.export import to_csv

if TYPE_CHECKING:
    from bot.client import Agora

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()


async def language_for(interaction: discord.Interaction[Agora]) -> str:
    """The language of a reply outside a command's own unit of work (an error): the member's when Agora speaks it,
    else the server's."""
    client = interaction.client
    language = i18n.language_of(str(interaction.locale))
    if language or interaction.guild_id is None:
        return language or client.settings.locale.default
    async with client.db.transaction() as session:
        return (await client.context(session, interaction.guild_id, interaction)).reply_language


async def send_ephemeral(interaction: discord.Interaction, content: str, **kwargs: Any) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


async def report_error(interaction: discord.Interaction[Agora], error: BaseException) -> None:
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
        await send_ephemeral(interaction, i18n.t(await language_for(interaction), key, **params))
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


def csv_file(header: Sequence[str], rows: Sequence[Sequence[object]], filename: str) -> discord.File:
    """An export as Discord receives it: UTF-8 with a BOM, formulas neutralised (`models.export.to_csv`)."""
    return discord.File(io.BytesIO(to_csv(header, rows)), filename=filename)


async def send_export(
    interaction: discord.Interaction[Any],
    text: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    filename: str,
) -> None:
    """A host's export after a deferred answer: one line of text and the CSV file, only to them."""
    await interaction.followup.send(
        text, file=csv_file(header, rows, filename), ephemeral=True, allowed_mentions=NO_PINGS
    )


async def send_files(
    interaction: discord.Interaction[Any], text: str, batches: Sequence[Sequence[tuple[str, bytes]]]
) -> None:
    """Files only the member sees, after a deferred answer: the text with the first batch, one message per batch."""
    for number, batch in enumerate(batches):
        files = [discord.File(io.BytesIO(data), filename=name) for name, data in batch]
        await interaction.followup.send(
            text if number == 0 else "", files=files, ephemeral=True, allowed_mentions=NO_PINGS
        )
