"""A test-only capability loaded beside Agora's own: commands that fail on purpose, a restart-proof button that opens
a form, a public post, a reaction log, and a command and buttons that wait for the test before answering — to show
the runtime handles each kind of Discord traffic."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from discord import app_commands

from bot.capability import Capability, listener
from bot.client import Agora, Interaction
from bot.replies import open_form, send_ephemeral, update_message
from bot.ui import PersistentButton, custom_id, form, form_view, template
from models.errors import UserError


class NoteButton(PersistentButton, template=template("probe", "note", r"(?P<n>\d+)")):
    cog_name = "Probe"
    opens_form = True

    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label="Take a note", custom_id=custom_id("probe", "note", n)))
        self.n = n

    async def run(self, interaction: Interaction, cog: Probe) -> None:
        await open_form(interaction, note_form(self.n))


def note_form(n: int) -> discord.ui.Modal:
    field = discord.ui.TextInput[Any](label="Your note", custom_id="note", max_length=100)
    return form_view("Note", custom_id("probe", "noted", n), [field])


class SlowButton(PersistentButton, template=template("probe", "slow", r"(?P<then>form|edit)")):
    """Waits for the test's `gate` (past Discord's deadline if it likes), then opens a form or edits its message."""

    cog_name = "Probe"

    def __init__(self, then: str) -> None:
        super().__init__(discord.ui.Button(label=f"Slow {then}", custom_id=custom_id("probe", "slow", then)))
        self.then = then

    async def run(self, interaction: Interaction, cog: Probe) -> None:
        await cog.gate.wait()
        if self.then == "form":
            await open_form(interaction, note_form(2))
        else:
            await update_message(interaction, content="edited after the wait")


class Probe(Capability):
    items = (NoteButton, SlowButton)

    def __init__(self, bot: Agora) -> None:
        super().__init__(bot)
        self.reactions: list[tuple[int, str]] = []
        self.gate = asyncio.Event()  # what the slow command and buttons wait for

    @app_commands.command(name="explode", description="Fails unexpectedly")
    async def explode(self, interaction: Interaction) -> None:
        raise RuntimeError("secret member content must not be logged")

    @app_commands.command(name="refuse", description="Fails with a member's mistake")
    async def refuse(self, interaction: Interaction) -> None:
        raise UserError("errors.cooldown", seconds=7)

    @app_commands.command(name="post", description="Posts a public message with a button")
    async def post(self, interaction: Interaction, text: str) -> None:
        view = discord.ui.View(timeout=None).add_item(NoteButton(1))
        assert isinstance(interaction.channel, discord.TextChannel)
        await interaction.channel.send(text, view=view)
        await send_ephemeral(interaction, "posted")

    @app_commands.command(name="slow", description="Answers once the test opens the gate")
    async def slow(self, interaction: Interaction) -> None:
        await self.gate.wait()
        await send_ephemeral(interaction, "done waiting")

    @app_commands.command(name="slow-buttons", description="Posts the slow buttons")
    async def slow_buttons(self, interaction: Interaction) -> None:
        view = discord.ui.View(timeout=None).add_item(SlowButton("form")).add_item(SlowButton("edit"))
        assert isinstance(interaction.channel, discord.TextChannel)
        await interaction.channel.send("slow buttons", view=view)
        await send_ephemeral(interaction, "posted")

    @form("probe", "noted", r"(?P<n>\d+)")
    async def noted(self, interaction: Interaction, values: dict[str, str], *, n: int) -> None:
        await send_ephemeral(interaction, f"noted: {values.get('note', '')}")

    @listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.reactions.append((payload.user_id, str(payload.emoji)))


async def setup(bot: Agora) -> None:
    await bot.add_cog(Probe(bot))
