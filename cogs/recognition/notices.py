"""Telling people, in the background: the receiver of a kudos (by DM, or a quiet line in the thanks channel when
their DMs are closed), the thanks channel (kudos with a reason), and a giver whose reaction did not count (once).

The writer's batches end in a synchronous callback; what it hands over here is sent by one worker, a server at a
time, so a burst of kudos neither holds up the writer nor fans out into a burst of concurrent requests. Kudos for
the same member waiting together become one message.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import discord

from bot.backlog import Backlog
from bot.client import Agora
from bot.delivery import NO_PINGS, post, postable, send_dm_by_id
from cogs.recognition import render
from models.recognition import service
from models.recognition.kudos import KudosOp, Outcome
from models.recognition.rules import Category, Source, local_day
from models.recognition.tables import RecognitionSettings

log = logging.getLogger(__name__)

DRAIN = 500
GATHER = 0.1  # seconds a notice waits for others: a burst of kudos becomes a few unit of work, not thousands
TOLD_MAX = 10_000


@dataclass(frozen=True)
class Thanks:
    op: KudosOp


@dataclass(frozen=True)
class Refusal:
    op: KudosOp
    outcome: Outcome


Notice = Thanks | Refusal


class Notices(Backlog[Notice]):
    def __init__(self, bot: Agora, *, clock: Callable[[], datetime]) -> None:
        super().__init__(name="kudos-notices", gather=GATHER, most=DRAIN)
        self.bot = bot
        self.clock = clock
        # (guild, giver, verdict, the server's day): refusals already told, so a giver hears each reason once a day.
        self._told: OrderedDict[tuple[int, int, str, date], None] = OrderedDict()

    async def handle(self, items: list[Notice]) -> None:
        for guild_id in dict.fromkeys(notice.op.guild_id for notice in items):
            await self._deliver(guild_id, [notice for notice in items if notice.op.guild_id == guild_id])

    async def _deliver(self, guild_id: int, notices: Sequence[Notice]) -> None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return
        gifts = [notice.op for notice in notices if isinstance(notice, Thanks)]
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild_id)
            settings = await session.get(RecognitionSettings, guild_id)
            muted = await service.muted(session, guild_id, sorted({op.receiver_id for op in gifts}))
            categories = await service.categories(session, guild_id)
        language = context.language
        channel = postable(guild, context.settings.thanks_channel_id)
        public = settings is None or settings.public_thanks
        posted: set[int] = set()
        if channel is not None and public:
            for op in gifts:
                if op.reason or op.source is Source.MESSAGE:
                    label = render.category_label(render.find_category(categories, op.category), language)
                    if await post(channel, content=render.public_thanks(language, op, label)) is not None:
                        posted.add(op.receiver_id)
        for receiver in dict.fromkeys(op.receiver_id for op in gifts):
            if receiver not in muted:
                mine = [op for op in gifts if op.receiver_id == receiver]
                await self._tell_receiver(guild, receiver, mine, categories, language, channel, receiver in posted)
        for notice in notices:
            if isinstance(notice, Refusal):
                await self._tell_giver(guild, notice, language, local_day(self.clock(), context.zone))

    async def _tell_receiver(
        self,
        guild: discord.Guild,
        receiver: int,
        gifts: list[KudosOp],
        categories: list[Category],
        language: str,
        channel: discord.TextChannel | None,
        posted: bool,
    ) -> None:
        """By DM; when DMs are closed, a quiet line in the thanks channel (unless a thanks post already names them)."""
        labelled = [
            (op, render.category_label(render.find_category(categories, op.category), language)) for op in gifts
        ]
        sent = await send_dm_by_id(self.bot, receiver, content=render.thanks_dm(language, guild.name, labelled))
        if sent is None and channel is not None and not posted:
            await post(channel, content=render.quiet_line(language, receiver, labelled), silent=True)

    async def _tell_giver(self, guild: discord.Guild, notice: Refusal, language: str, day: date) -> None:
        op, outcome = notice.op, notice.outcome
        told = (guild.id, op.giver_id, outcome.verdict.value, day)
        if told in self._told:
            return
        self._told[told] = None
        while len(self._told) > TOLD_MAX:
            self._told.popitem(last=False)
        error = render.refusal(outcome.verdict, outcome, member=f"<@{op.receiver_id}>", category=op.category)
        link = render.message_link(guild.id, op.channel_id, op.message_id)
        text = render.reaction_refused(language, op.emoji or "🙏", link, error)
        await send_dm_by_id(self.bot, op.giver_id, content=text, allowed_mentions=NO_PINGS)
