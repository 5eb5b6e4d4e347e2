"""Permission checks declared twice: to Discord (who sees the command) and at run time (who may run it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from bot.i18n import Terms
from models.errors import GuildOnlyError

T = TypeVar("T")

HOST_PERMISSION = "manage_guild"


def is_host(interaction: discord.Interaction) -> bool:
    """Hosts are members who may manage the server; Discord's per-command overrides can widen who sees it.

    Raises discord.py's own check failures: only those reach the tree's error handler from a check.
    """
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        raise app_commands.NoPrivateMessage()
    if not interaction.permissions.manage_guild:
        raise app_commands.MissingPermissions([HOST_PERMISSION])
    return True


def guild_of(interaction: discord.Interaction) -> discord.Guild:
    """The interaction's guild; commands that need one are guild-only, this keeps type checkers and DMs honest."""
    if interaction.guild is None:
        raise GuildOnlyError()
    return interaction.guild


def host_only() -> Callable[[T], T]:
    """For a command, a group or a `GroupCog` class: hidden from non-hosts by default, and refused if called anyway."""

    def decorate(target: T) -> T:
        target = app_commands.guild_only()(target)
        target = app_commands.default_permissions(manage_guild=True)(target)
        if isinstance(target, type):
            return target  # a GroupCog: its `interaction_check` calls `is_host`
        return app_commands.check(is_host)(target)

    return decorate


def channel_problems(channel: discord.abc.GuildChannel | discord.Thread, me: discord.Member, *needs: str) -> Terms:
    """Which of the permissions in `needs` the bot lacks in `channel`, as translatable names (empty: none)."""
    granted = channel.permissions_for(me)
    return Terms(f"permissions.{name}" for name in ("view_channel", *needs) if not getattr(granted, name))
