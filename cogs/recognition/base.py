"""What every part of the recognition cog shares: the kudos writer and what follows each batch (notices, refused
reactions taken back), the server's kudos reaction, and who a message's author is."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import NamedTuple

import discord
from discord import app_commands

from bot.capability import Capability
from bot.client import Agora
from bot.members import find_member
from bot.reactions import ReactionRemover
from bot.read_once import ReadOnce
from cogs.recognition.notices import Notices, Refusal, Thanks
from models.base import utcnow
from models.recognition.kudos import KudosOp, Outcome
from models.recognition.rules import DEFAULT_REACTION, DEFAULT_REACTION_CATEGORY, Action, Source, Verdict
from models.recognition.tables import RecognitionSettings
from models.recognition.writer import KudosWriter

log = logging.getLogger(__name__)

KNOWN_AUTHORS = 10_000
SHUTDOWN_GRACE = 10.0
# Skin tones and the emoji presentation selector: 🙏🏽 thanks as much as 🙏.
EMOJI_MODIFIERS = {chr(code) for code in range(0x1F3FB, 0x1F400)} | {"\ufe0f"}

KUDOS = app_commands.Group(
    name="kudos", description="Thank members for helping, sharing, teaching and building", guild_only=True
)


class KudosReaction(NamedTuple):
    """The server's kudos reaction, and the category of the kudos it gives."""

    emoji: discord.PartialEmoji
    category: str


@functools.lru_cache(maxsize=1024)  # every kudos reaction asks, and a server uses a handful of emoji
def bare(emoji: str) -> str:
    return "".join(char for char in emoji if char not in EMOJI_MODIFIERS)


def same_emoji(wanted: discord.PartialEmoji, found: discord.PartialEmoji) -> bool:
    """A custom emoji by id (it may be renamed), a Unicode one whatever its skin tone."""
    if wanted.id is not None or found.id is not None:
        return wanted.id == found.id
    return bare(wanted.name or "") == bare(found.name or "")


class InOrder:
    """Hands gateway events to the writer in the order they arrived, although some wait on a lookup first (a
    member Discord is asked about, the server's reaction read once) and others do not.

    A handler takes a ticket on its very first step — discord.py starts handlers in the order of the events — and
    settles it with its op, or None; ops go to the writer as soon as every earlier ticket is settled.
    """

    def __init__(self, deliver: Callable[[KudosOp], None]) -> None:
        self.deliver = deliver
        self._next = 0
        self._head = 0
        self._settled: dict[int, KudosOp | None] = {}

    def take(self) -> int:
        self._next += 1
        return self._next - 1

    def settle(self, ticket: int, op: KudosOp | None) -> None:
        self._settled[ticket] = op
        while self._head in self._settled:
            ready = self._settled.pop(self._head)
            self._head += 1
            if ready is not None:
                self.deliver(ready)

    @contextlib.contextmanager
    def ticket(self) -> Iterator[Callable[[KudosOp], None]]:
        """`with in_order.ticket() as submit:` — call `submit(op)` at most once; leaving without it settles None."""
        ticket = self.take()
        chosen: list[KudosOp] = []
        try:
            yield chosen.append
        finally:
            self.settle(ticket, chosen[0] if chosen else None)


class RecognitionBase(Capability):
    def __init__(self, bot: Agora) -> None:
        super().__init__(bot)
        self.clock = utcnow  # tests move time across the server's midnight
        self.writer = KudosWriter(
            lambda: bot.db.transaction(),
            default_zone=bot.settings.locale.timezone,
            on_batch=self.after_kudos,
            clock=lambda: self.clock(),
        )
        self.remover = ReactionRemover(bot, name="kudos-reactions")
        self.notices = Notices(bot, clock=lambda: self.clock())
        self.reaction_settings = ReadOnce(self._read_reaction)  # guild → its kudos reaction and its category
        # Message authors known to be members (True: a bot), so a burst of reactions does not ask Discord each time.
        self.authors: OrderedDict[tuple[int, int], bool] = OrderedDict()
        self.in_order = InOrder(self.writer.submit)

    async def cog_unload(self) -> None:
        """Write what is queued, let notices and removals finish (a while at most), then stop."""
        await super().cog_unload()
        await self.writer.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(self.notices.idle(), self.remover.idle()), SHUTDOWN_GRACE)
        await self.remover.close()
        await self.notices.close()

    def busy(self) -> bool:
        return super().busy() or self.writer.busy() or self.remover.busy() or self.notices.busy()

    async def idle(self) -> None:
        while self.busy():
            await super().idle()
            await self.writer.flush()
            await self.notices.idle()
            await self.remover.idle()
            await asyncio.sleep(0)

    # --- after each batch -------------------------------------------------------------------------------------

    def after_kudos(self, results: Sequence[tuple[KudosOp, Outcome]]) -> None:
        """New kudos are told to their receivers; refused reactions are taken back and their givers told once."""
        for op, outcome in results:
            if op.action is not Action.GIVE:
                continue
            if outcome.verdict is Verdict.GIVEN and outcome.notify:
                self.notices.put(Thanks(op))
            elif outcome.verdict.refused and op.source is Source.REACTION and op.message_id is not None:
                self.remover.remove(op.channel_id or 0, op.message_id, op.emoji or "🙏", op.giver_id)
                self.notices.put(Refusal(op, outcome))

    # --- the server's reaction, and message authors -----------------------------------------------------------

    async def reaction_of(self, guild_id: int) -> discord.PartialEmoji:
        return (await self.reaction_settings.get(guild_id)).emoji

    async def reaction_category(self, guild_id: int) -> str:
        return (await self.reaction_settings.get(guild_id)).category

    async def _read_reaction(self, guild_id: int) -> KudosReaction:
        async with self.bot.db.transaction() as session:
            settings = await session.get(RecognitionSettings, guild_id)
        return KudosReaction(
            discord.PartialEmoji.from_str(settings.reaction if settings else DEFAULT_REACTION),
            settings.reaction_category if settings else DEFAULT_REACTION_CATEGORY,
        )

    def may_be_kudos(self, payload: discord.RawReactionActionEvent | discord.RawReactionClearEmojiEvent) -> bool:
        """The server's kudos reaction, or any while it is not known yet (the handler reads it)."""
        if payload.guild_id is None:
            return False
        known = self.reaction_settings.known(payload.guild_id)
        return known is None or same_emoji(known.emoji, payload.emoji)

    async def is_kudos_reaction(self, guild_id: int, emoji: discord.PartialEmoji) -> bool:
        return same_emoji(await self.reaction_of(guild_id), emoji)

    async def receiver_refusal(self, guild: discord.Guild | None, user_id: int) -> Verdict | None:
        """BOT for a bot, LEFT for someone who is not (or no longer) a member, None for a member."""
        if guild is None:
            return Verdict.LEFT
        member = guild.get_member(user_id)
        if member is not None:
            return Verdict.BOT if member.bot else None
        known = self.authors.get((guild.id, user_id))
        if known is None:
            found = await find_member(guild, user_id)
            if found is None:
                return Verdict.LEFT
            known = self.remember_author(guild.id, found)
        return Verdict.BOT if known else None

    def remember_author(self, guild_id: int, member: discord.Member) -> bool:
        self.authors[guild_id, member.id] = member.bot
        self.authors.move_to_end((guild_id, member.id))
        while len(self.authors) > KNOWN_AUTHORS:
            self.authors.popitem(last=False)
        return member.bot

    def forget_author(self, guild_id: int, user_id: int) -> None:
        self.authors.pop((guild_id, user_id), None)

    def now(self) -> datetime:
        return self.clock()
