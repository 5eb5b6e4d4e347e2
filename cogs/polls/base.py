"""What every part of the polls cog shares: the collaborators it drives, and its catch-ups in progress."""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from bot.capability import Capability
from bot.reactions import ReactionRemover
from bot.throttle import LiveEdits
from cogs.polls.index import PollIndex
from models.polls.rules import VoteOp
from models.polls.service import PollView
from models.polls.writer import VoteWriter


@dataclass
class CatchingUp:
    """One poll's start-up catch-up while it reads Discord: the live votes that wait for it, and the reactions the bot
    is taking back (emoji key, user id), which it reads as gone."""

    live: list[VoteOp] = field(default_factory=list)
    taken_back: set[tuple[str, int]] = field(default_factory=set)


class PollsBase(Capability):
    """The state every part of `Polls` works with; `Polls.__init__` builds it and wires the parts together."""

    index: PollIndex  # open polls in memory, for reaction events
    writer: VoteWriter  # the single batching writer of votes
    live: LiveEdits[int]  # poll id → redraws of its message, throttled
    reactions: ReactionRemover  # reactions being taken back
    catching_up: dict[int, CatchingUp]  # poll id → its catch-up, while it reads Discord (its live votes wait)
    stopping: bool  # the cog is unloading: the catch-up stops between two polls

    async def cog_unload(self) -> None:
        self.stopping = True
        await super().cog_unload()  # handlers and the catch-up finish first (or are cancelled after a grace)
        await self.writer.stop()
        await self.live.close()
        await self.reactions.close()

    def busy(self) -> bool:
        return super().busy() or self.writer.busy() or self.live.busy() or self.reactions.busy()

    async def idle(self) -> None:
        """Handlers, the catch-up, queued votes, reactions being taken back, and pending redraws, all done."""
        while self.busy():
            await super().idle()
            await self.writer.idle()
            await self.reactions.idle()
            await self.live.idle()

    def message(self, view: PollView) -> discord.PartialMessage:
        """The poll's message, without fetching it."""
        channel = self.bot.get_partial_messageable(view.channel_id, guild_id=view.guild_id)
        return channel.get_partial_message(view.message_id or 0)
