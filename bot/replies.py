"""Answering members: in their language, ephemerally for anything personal, never pinging @everyone or roles.

Discord drops an interaction that gets no first answer within 3 seconds, and the member reads "The application did
not respond" (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction).
On a busy machine even a plain command can take that long, so `Watchdog` answers "thinking…" for any interaction
still silent a second after Discord created it (two for one whose answer may be a form: `opens_form`). Handlers
therefore answer only through the helpers below (`send_ephemeral`, `think`, `acknowledge`, `update_message`,
`open_form`), which take one lock per interaction and use the follow-up route once the first answer was given,
whoever gave it.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import discord
from discord import app_commands

from bot import i18n
from models.errors import UserError
from models.export import to_csv

if TYPE_CHECKING:
    from bot.client import Agora

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
UNKNOWN_INTERACTION = 10062  # https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
# Seconds after Discord created it that a silent interaction gets "thinking…": early, since a starved event loop runs
# timers late and the answer still has to travel. A handler that may open a form gets longer: a form can only be the
# first answer, so deferring it early would turn a slow form into "try again".
DEFER_AT = 1.0
DEFER_FORM_AT = 2.0
DEFER_AFTER_AT_LEAST = 0.3  # after it reached Agora, whatever the clocks say
OPENS_FORM = "agora.opens_form"
WATCHED = (
    discord.InteractionType.application_command,
    discord.InteractionType.component,
    discord.InteractionType.modal_submit,
)


class FormTooLateError(UserError, key="errors.form_too_late"):
    """A form can only be the first answer; the watchdog had already answered "thinking…"."""


def _answering(interaction: discord.Interaction[Any]) -> asyncio.Lock:
    """One answer at a time per interaction: the watchdog's defer and a handler's reply never cross."""
    lock = interaction.extras.get("agora.answering")
    if lock is None:
        lock = interaction.extras["agora.answering"] = asyncio.Lock()
    return cast(asyncio.Lock, lock)


class Watchdog:
    """Defers any interaction still unanswered near Discord's deadline (see the module's docstring)."""

    def __init__(self) -> None:
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._deferring: set[asyncio.Task[None]] = set()

    def watch(self, interaction: discord.Interaction[Any], *, may_open_form: bool = False) -> None:
        if interaction.type not in WATCHED:
            return
        at = DEFER_FORM_AT if may_open_form else DEFER_AT
        age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        delay = max(DEFER_AFTER_AT_LEAST, min(at, at - age))
        loop = asyncio.get_running_loop()
        self._timers[interaction.id] = loop.call_later(delay, self._due, interaction)

    def _due(self, interaction: discord.Interaction[Any]) -> None:
        del self._timers[interaction.id]
        if not interaction.response.is_done():
            task = asyncio.get_running_loop().create_task(_defer_late(interaction))
            self._deferring.add(task)
            task.add_done_callback(self._deferring.discard)

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in self._deferring:
            task.cancel()


C = TypeVar("C", bound=app_commands.Command[Any, ..., Any] | app_commands.ContextMenu)


def opens_form(command: C) -> C:
    """Mark a slash or context command whose answer may be a form (put it above the command's decorator)."""
    command.extras[OPENS_FORM] = True
    return command


def command_opens_form(interaction: discord.Interaction[Any]) -> bool:
    command = interaction.command
    return command is not None and bool(command.extras.get(OPENS_FORM))


async def _defer_late(interaction: discord.Interaction[Any]) -> None:
    """A component's message stays as it is (a silent defer); a command shows "thinking…" only to the member."""
    async with _answering(interaction):
        if interaction.response.is_done():
            return
        age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        try:
            if interaction.message is not None:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as failure:
            log.warning("could not defer interaction %s at %.1f s (%s)", interaction.id, age, failure.status)
            return
    log.info("interaction %s was still unanswered at %.1f s: deferred", interaction.id, age)


async def language_for(interaction: discord.Interaction[Agora]) -> str:
    """The language of a reply outside a command's own unit of work (an error): the member's when Agora speaks it,
    else the server's."""
    client = interaction.client
    language = i18n.language_of(str(interaction.locale))
    if language or interaction.guild_id is None:
        return language or client.settings.locale.default
    return (await client.read_context(interaction.guild_id, interaction)).reply_language


async def send_ephemeral(interaction: discord.Interaction[Any], content: str | None = None, **kwargs: Any) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    async with _answering(interaction):
        if interaction.response.is_done():
            await interaction.followup.send(
                discord.utils.MISSING if content is None else content, ephemeral=True, **kwargs
            )
        else:
            await interaction.response.send_message(content, ephemeral=True, **kwargs)


async def think(interaction: discord.Interaction[Any]) -> None:
    """Show "thinking…" to the member alone before slow work; the next `send_ephemeral` replaces it."""
    async with _answering(interaction):
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=True, thinking=True)


async def acknowledge(interaction: discord.Interaction[Any]) -> None:
    """Take a component's click without a visible answer yet; `update_message` edits its message later."""
    async with _answering(interaction):
        if not interaction.response.is_done():
            await interaction.response.defer()


async def update_message(interaction: discord.Interaction[Any], **changes: Any) -> None:
    """Edit the message whose component was used (its content, embeds, view), as the first answer or after one."""
    async with _answering(interaction):
        if interaction.response.is_done():
            await interaction.edit_original_response(**changes)
        else:
            await interaction.response.edit_message(**changes)


async def open_form(interaction: discord.Interaction[Any], form: discord.ui.Modal) -> None:
    """Show a form; Discord takes one only as the first answer, so after a late "thinking…" the member is asked
    to try again."""
    async with _answering(interaction):
        if interaction.response.is_done():
            raise FormTooLateError()
        await interaction.response.send_modal(form)


async def report_error(interaction: discord.Interaction[Agora], error: BaseException) -> None:
    """One short localized ephemeral reply for any failure; unexpected ones are logged with ids, not content."""
    if _expired(error):
        log.warning(
            "interaction %s expired before its first answer reached Discord (%.1f s after it was created): is the "
            "machine overloaded?",
            interaction.id,
            (discord.utils.utcnow() - interaction.created_at).total_seconds(),
        )
        return
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


def _expired(error: BaseException) -> bool:
    """Discord's 10062 Unknown interaction: the first answer came too late, and no answer can follow."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    return isinstance(error, discord.NotFound) and error.code == UNKNOWN_INTERACTION


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
