"""The vote buttons of anonymous polls: one per option, `agora:polls:vote:<poll>:<option>`.

A click is checked against the poll in memory (`service.prepare_button_vote`), goes to the vote writer as a toggle
under the member's ballot id, and is answered privately with the member's choices. Messages posted before ids were
scoped by capability carry `poll:<poll>:<option>`: `LegacyVoteButton` keeps them working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot.checks import guild_of
from bot.members import held_roles
from bot.replies import send_ephemeral, think
from bot.ui import PersistentButton, custom_id, template
from cogs.polls import render
from models.polls import rules, service
from models.polls.service import PollView

if TYPE_CHECKING:
    from bot.client import Interaction
    from cogs.polls import Polls

IDS = r"(?P<poll>\d+):(?P<option>\d+)"


class VoteButton(PersistentButton, template=template("polls", "vote", IDS)):
    """One option of an anonymous poll; clicking one's choice again withdraws it."""

    cog_name = "Polls"

    def __init__(self, poll_id: int, option_id: int, *, label: str = "…", emoji: str | None = None) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            label=label,
            emoji=emoji or None,
            style=discord.ButtonStyle.secondary,
            custom_id=self.custom_id_for(poll_id, option_id),
        )
        super().__init__(button)
        self.poll_id = poll_id
        self.option_id = option_id

    @staticmethod
    def custom_id_for(poll_id: int, option_id: int) -> str:
        return custom_id("polls", "vote", poll_id, option_id)

    async def run(self, interaction: Interaction, cog: Polls) -> None:
        guild = guild_of(interaction)
        try:
            op = service.prepare_button_vote(
                await cog.find_ref(self.poll_id),
                guild_id=guild.id,
                member_id=interaction.user.id,
                member_roles=held_roles(interaction.user),
                option_id=self.option_id,
            )
        except rules.VoteNotAllowedError as refused:
            raise rules.VoteNotAllowedError(role=render.role_mention(refused.params["role_id"])) from None
        await think(interaction)
        outcome = await cog.writer.cast(op)
        async with cog.bot.db.transaction() as session:
            view = await service.get_view(session, op.poll_id)
            context = await cog.bot.context(session, guild.id, interaction)
        rules.check_vote_outcome(outcome, max_choices=view.max_choices)
        await send_ephemeral(interaction, render.vote_reply(view, outcome, context.reply_language))


class LegacyVoteButton(VoteButton, template=r"poll:" + IDS):
    """A vote button posted before ids were scoped by capability (`poll:<poll>:<option>`): it votes the same way."""

    @staticmethod
    def custom_id_for(poll_id: int, option_id: int) -> str:
        return f"poll:{poll_id}:{option_id}"


def vote_buttons(view: PollView) -> discord.ui.View | None:
    """The buttons under an open anonymous poll; None for a reaction poll or a closed one."""
    if not view.anonymous or not view.is_open:
        return None
    buttons = discord.ui.View(timeout=None)
    for option in view.options:
        buttons.add_item(VoteButton(view.id, option.id, label=option.label, emoji=option.emoji))
    return buttons
