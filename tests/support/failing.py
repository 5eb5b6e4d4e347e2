"""A test-only cog whose commands fail on purpose, to exercise the tree's error replies."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import Agora
from bot.errors import UserError


class Failing(commands.Cog):
    @app_commands.command(name="explode", description="Fails unexpectedly")
    async def explode(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("secret member content must not be logged")

    @app_commands.command(name="refuse", description="Fails with a member's mistake")
    async def refuse(self, interaction: discord.Interaction) -> None:
        raise UserError("errors.cooldown", seconds=7)


async def setup(bot: Agora) -> None:
    await bot.add_cog(Failing())
