"""A test-only cog loaded beside Agora's own: commands that fail on purpose, a restart-proof button that opens a
modal, a public post, and a reaction log — to show the runtime handles each kind of Discord traffic."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import Agora
from bot.errors import UserError
from bot.replies import send_ephemeral
from bot.ui import AgoraModal, run_safely


class NoteModal(AgoraModal, title="Note"):
    note: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Your note", custom_id="probe:note", max_length=100)

    def __init__(self) -> None:
        super().__init__(custom_id="probe:modal")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await send_ephemeral(interaction, f"noted: {self.note.value}")


class NoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"probe:note:(?P<n>\d+)"):
    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label="Take a note", custom_id=f"probe:note:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> NoteButton:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await run_safely(interaction, interaction.response.send_modal(NoteModal()))


class Probe(commands.Cog):
    def __init__(self, bot: Agora) -> None:
        self.bot = bot
        self.reactions: list[tuple[int, str]] = []

    @app_commands.command(name="explode", description="Fails unexpectedly")
    async def explode(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("secret member content must not be logged")

    @app_commands.command(name="refuse", description="Fails with a member's mistake")
    async def refuse(self, interaction: discord.Interaction) -> None:
        raise UserError("errors.cooldown", seconds=7)

    @app_commands.command(name="post", description="Posts a public message with a button")
    async def post(self, interaction: discord.Interaction, text: str) -> None:
        view = discord.ui.View(timeout=None).add_item(NoteButton(1))
        assert isinstance(interaction.channel, discord.TextChannel)
        await interaction.channel.send(text, view=view)
        await send_ephemeral(interaction, "posted")

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.reactions.append((payload.user_id, str(payload.emoji)))


async def setup(bot: Agora) -> None:
    bot.add_dynamic_items(NoteButton)
    await bot.add_cog(Probe(bot))
