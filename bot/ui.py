"""Shared pieces for buttons, selects and modals, so their errors get the same kind reply as commands."""

from __future__ import annotations

from typing import Any

import discord

from bot.replies import report_error


class AgoraView(discord.ui.View):
    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        await report_error(interaction, error)


class AgoraModal(discord.ui.Modal):
    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        await report_error(interaction, error)


async def run_safely(interaction: discord.Interaction, action: Any) -> None:
    """For `DynamicItem` callbacks, whose errors discord.py only logs: await `action` and answer any failure."""
    try:
        await action
    except Exception as error:
        await report_error(interaction, error)
