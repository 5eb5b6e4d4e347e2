"""Taking members' reactions off messages: a refused vote, a replaced choice, a reaction that does not count.

Removals go through one worker, in the order they were asked for: discord.py waits out the rate limits (one removal at
a time per message is what Discord's limits allow anyway), and a burst of refusals never fans out into a burst of
concurrent requests. Until Discord has answered, a removal is *pending*: whoever reads a message's reactions meanwhile
(a catch-up after downtime) can treat those reactions as already gone.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass

import discord

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


class ReactionRemover:
    """Removes reactions one at a time, in order, in the background; `idle()` waits until Discord answered them all."""

    def __init__(self, client: discord.Client, *, name: str = "reaction-remover") -> None:
        self.client = client
        self.name = name
        self._queue: asyncio.Queue[Removal] = asyncio.Queue()
        self._pending: Counter[Removal] = Counter()
        self._worker: asyncio.Task[None] | None = None

    def remove(self, channel_id: int, message_id: int, emoji: AnyEmoji, user_id: int) -> None:
        """Take `user_id`'s `emoji` reaction off the message (soon, in order; a reaction already gone is fine)."""
        removal = Removal(channel_id, message_id, partial_emoji(emoji), user_id)
        self._pending[removal] += 1
        self._queue.put_nowait(removal)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work(), name=self.name)

    def pending(self, message_id: int) -> list[tuple[discord.PartialEmoji, int]]:
        """(emoji, user id) of the reactions on `message_id` being removed, which Discord has not confirmed yet."""
        return [(removal.emoji, removal.user_id) for removal in self._pending if removal.message_id == message_id]

    def busy(self) -> bool:
        return bool(self._pending)

    async def idle(self) -> None:
        """Return once every removal asked for so far has been answered by Discord."""
        await self._queue.join()

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None

    async def _work(self) -> None:
        while True:
            removal = await self._queue.get()
            try:
                await self._remove(removal)
            finally:
                self._pending[removal] -= 1
                if self._pending[removal] <= 0:
                    del self._pending[removal]
                self._queue.task_done()

    async def _remove(self, removal: Removal) -> None:
        channel = self.client.get_partial_messageable(removal.channel_id)
        message = channel.get_partial_message(removal.message_id)
        try:
            await message.remove_reaction(removal.emoji, discord.Object(removal.user_id))
        except discord.NotFound:
            pass  # the message, the reaction or the emoji is already gone
        except discord.HTTPException as error:
            log.warning("could not remove a reaction on message %s (%s)", removal.message_id, error.status)
