"""The erase's confirmation button, restart-proof: its ids (server, member) are in its custom id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.ui import PersistentButton, custom_id, own, template

if TYPE_CHECKING:
    from bot.client import Interaction
    from cogs.privacy import Privacy


class EraseButton(PersistentButton, template=template("privacy", "erase", r"(?P<guild>\d+):(?P<member>\d+)")):
    """“Erase everything”: only the member it was shown to can press it."""

    cog_name = "Privacy"

    def __init__(self, guild_id: int, member_id: int, label: str = "Erase everything") -> None:
        self.guild_id, self.member_id = guild_id, member_id
        button = discord.ui.Button[Any](
            label=label,
            style=discord.ButtonStyle.danger,
            emoji="🗑️",
            custom_id=custom_id("privacy", "erase", guild_id, member_id),
        )
        super().__init__(button)

    async def run(self, interaction: Interaction, cog: Privacy) -> None:
        own(interaction, self.member_id)
        await cog.erase_confirmed(interaction, self.guild_id, self.member_id)


def erase_view(guild_id: int, member_id: int, label: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(EraseButton(guild_id, member_id, label))
    return view


ITEMS = (EraseButton,)
