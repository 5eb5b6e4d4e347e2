"""The command tree owns error replies, so no cog writes its own try/except around user mistakes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.replies import report_error

if TYPE_CHECKING:
    from bot.client import Agora


class AgoraTree(app_commands.CommandTree["Agora"]):
    async def on_error(self, interaction: discord.Interaction[Agora], error: app_commands.AppCommandError) -> None:
        await report_error(interaction, error)
