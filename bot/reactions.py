"""Taking members' reactions off messages: a refused vote, a replaced choice, a reaction that does not count.

Removals go through one worker, in the order they were asked for: discord.py waits out the rate limits (one removal at
a time per message is what Discord's limits allow anyway), and a burst of refusals never fans out into a burst of
concurrent requests. Until Discord has answered, a removal is *pending*: whoever reads a message's reactions meanwhile
(a catch-up after downtime) can treat those reactions as already gone.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

import discord

from bot.backlog import Backlog

log = logging.getLogger(__name__)

AnyEmoji = str | discord.Emoji | discord.PartialEmoji


@dataclass(frozen=True)
class Removal:
    channel_id: int
    message_id: int
    emoji: discord.PartialEmoji
    user_id: int


def partial_emoji(emoji: AnyEmoji) -> discord.PartialEmoji:
    """Any emoji as a reaction is written: `🇦`, `<:party:123…>`, a guild's emoji or one from an event."""
    if isinstance(emoji, discord.PartialEmoji):
        return emoji
    if isinstance(emoji, discord.Emoji):
        return discord.PartialEmoji(name=emoji.name, id=emoji.id, animated=emoji.animated)
    return discord.PartialEmoji.from_str(emoji)


class ReactionRemover(Backlog[Removal]):
    """Removes reactions one at a time, in order, in the background; `idle()` waits until Discord answered them all."""

    def __init__(self, client: discord.Client, *, name: str = "reaction-remover") -> None:
        super().__init__(name=name)
        self.client = client
        self._pending: Counter[Removal] = Counter()

    def remove(self, channel_id: int, message_id: int, emoji: AnyEmoji, user_id: int) -> None:
        """Take `user_id`'s `emoji` reaction off the message (soon, in order; a reaction already gone is fine)."""
        removal = Removal(channel_id, message_id, partial_emoji(emoji), user_id)
        self._pending[removal] += 1
        self.put(removal)

    def pending(self, message_id: int) -> list[tuple[discord.PartialEmoji, int]]:
        """(emoji, user id) of the reactions on `message_id` being removed, which Discord has not confirmed yet."""
        return [(removal.emoji, removal.user_id) for removal in self._pending if removal.message_id == message_id]

    async def handle(self, items: list[Removal]) -> None:
        for removal in items:
            try:
                await self._remove(removal)
            finally:
                self._pending[removal] -= 1
                if self._pending[removal] <= 0:
                    del self._pending[removal]

    async def _remove(self, removal: Removal) -> None:
        channel = self.client.get_partial_messageable(removal.channel_id)
        message = channel.get_partial_message(removal.message_id)
        try:
            await message.remove_reaction(removal.emoji, discord.Object(removal.user_id))
        except discord.NotFound:
            pass  # the message, the reaction or the emoji is already gone
        except discord.HTTPException as error:
            log.warning("could not remove a reaction on message %s (%s)", removal.message_id, error.status)
