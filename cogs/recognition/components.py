"""Recognition's restart-proof menus and buttons: the category menu of "Give kudos for this message", and the
leaderboard's pages. Their ids travel in the custom id; what they do is in `giving`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.ui import PersistentButton, PersistentSelect, custom_id, template
from models.recognition.rules import Period

if TYPE_CHECKING:
    from bot.client import Interaction
    from cogs.recognition import Recognition

COG = "Recognition"


class MessageKudosSelect(
    PersistentSelect,
    template=template("recognition", "message", r"(?P<channel>\d+):(?P<message>\d+):(?P<author>\d+)"),
):
    """The categories to thank a message's author in; choosing one gives the kudos (the message is its reason)."""

    cog_name = COG

    def __init__(
        self,
        channel_id: int,
        message_id: int,
        author_id: int,
        *,
        options: Sequence[discord.SelectOption] = (),
        placeholder: str | None = None,
    ) -> None:
        self.channel_id, self.message_id, self.author_id = channel_id, message_id, author_id
        select = discord.ui.Select[Any](
            custom_id=custom_id("recognition", "message", channel_id, message_id, author_id),
            options=list(options),
            placeholder=placeholder,
        )
        super().__init__(select)

    async def run(self, interaction: Interaction, cog: Recognition) -> None:
        await cog.give_for_message(interaction, self.channel_id, self.message_id, self.author_id, self.values[0])


class BoardButton(
    PersistentButton,
    template=template(
        "recognition", "board", r"(?P<period>week|month|all):(?P<category>\*|[a-z][a-z0-9_-]*):(?P<page>\d+)"
    ),
):
    """Previous or next page of a leaderboard (the period is read again at each click)."""

    cog_name = COG

    def __init__(
        self, period: str, category: str, page: int, *, emoji: str | None = None, disabled: bool = False
    ) -> None:
        self.period, self.category, self.page = period, str(category), page
        button = discord.ui.Button[Any](
            style=discord.ButtonStyle.secondary,
            emoji=emoji,
            disabled=disabled,
            custom_id=custom_id("recognition", "board", period, category, page),
        )
        super().__init__(button)

    async def run(self, interaction: Interaction, cog: Recognition) -> None:
        await cog.show_board(interaction, Period(self.period), self.category, self.page, edit=True)


ITEMS = (MessageKudosSelect, BoardButton)
