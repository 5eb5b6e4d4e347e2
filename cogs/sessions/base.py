"""What every part of the sessions cog shares: the clock, redrawing announcements, and reaching members once each.

A fan-out (reminders, prompts, notices) claims each member in the ledger before sending, sends by DM through the
member's known DM channel (one request each, paced under Discord's global limit), and mentions those whose DMs are
closed in the occurrence's thread. A closed DM, a member who left, a Discord error: none of it stops the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import discord
from sqlalchemy import select

from bot.capability import Capability
from bot.client import Agora
from bot.delivery import CANNOT_DM, NO_PINGS
from bot.pacing import fan_out
from bot.throttle import LiveEdits
from cogs.sessions import render
from cogs.sessions.components import occurrence_view
from models.base import utcnow
from models.sessions import ledger, rsvp
from models.sessions.rsvp import Recipient
from models.sessions.tables import SessionOccurrence, SessionPost, SessionSeries

log = logging.getLogger(__name__)

CLAIM_BATCH = 50  # members claimed, then told, then recorded at once
MENTIONS_PER_POST = 40
REDRAW_INTERVAL = 2.0


@dataclass(frozen=True)
class Outgoing:
    """One message, ready to send."""

    content: str
    view: discord.ui.View | None = None

    async def send_to(
        self, target: discord.abc.Messageable, *, allowed_mentions: discord.AllowedMentions, nonce: str | None = None
    ) -> discord.Message:
        if self.view is not None:
            self.view.stop()  # its items are dynamic: nothing to keep per message
        return await target.send(
            content=self.content,
            view=self.view or discord.utils.MISSING,
            nonce=nonce or discord.utils.MISSING,
            allowed_mentions=allowed_mentions,
        )


Compose = Callable[[str], Outgoing]
Fallback = Callable[[str, Sequence[int]], Outgoing]


def nonce(kind: str, subject: int, target: int = 0) -> str:
    """A Discord nonce (≤ 25 characters) unique to one claimed delivery: a retried post is not posted twice."""
    return hashlib.sha1(f"{kind}:{subject}:{target}".encode(), usedforsecurity=False).hexdigest()[:25]


class SessionsBase(Capability):
    def __init__(self, bot: Agora) -> None:
        super().__init__(bot)
        self.clock: Callable[[], datetime] = utcnow
        # Discord allows about five edits per five seconds in a channel: a burst of answers is one edit now and one
        # trailing edit with the latest counts.
        self.redraws: LiveEdits[int] = LiveEdits(REDRAW_INTERVAL, self.redraw, name="sessions-redraw")
        self.voice_locks: dict[int, asyncio.Lock] = {}

    def now(self) -> datetime:
        return self.clock()

    def busy(self) -> bool:
        return super().busy() or self.redraws.busy()

    async def idle(self) -> None:
        while self.busy():
            await super().idle()
            await self.redraws.idle()

    async def cog_unload(self) -> None:
        await self.redraws.close()
        await super().cog_unload()

    async def language(self, guild_id: int) -> str:
        return (await self.bot.read_context(guild_id)).language

    # --- announcements -----------------------------------------------------------------------------------------

    async def redraw(self, occurrence_id: int) -> None:
        """Every post of the occurrence shows its current state (counts, time, place, phase)."""
        now = self.now()
        async with self.bot.db.transaction() as session:
            found = await session.get(SessionOccurrence, occurrence_id)
            if found is None:
                return
            series = await session.get_one(SessionSeries, found.series_id)
            counts = await rsvp.counts(session, occurrence_id)
            posts = list(await session.scalars(select(SessionPost).where(SessionPost.occurrence_id == found.id)))
            language = (await self.bot.context(session, found.guild_id)).language
        embed = render.announcement(language, series, found, counts, now)
        for post in posts:
            view = occurrence_view(language, found, counts, now)
            if view is not None:
                view.stop()  # dynamic items: nothing to keep per message
            try:
                message = self.bot.get_partial_messageable(post.channel_id).get_partial_message(post.message_id)
                async with self.bot.pacer.turn():
                    await message.edit(embed=embed, view=view, allowed_mentions=NO_PINGS)
            except discord.NotFound:
                log.info("an announcement of occurrence %s is gone (message %s)", found.id, post.message_id)
            except discord.HTTPException as error:
                log.warning("could not redraw message %s (%s)", post.message_id, error.status)

    # --- fan-outs ------------------------------------------------------------------------------------------------

    async def deliver(
        self,
        guild_id: int,
        kind: str,
        subject: int,
        member_ids: Sequence[int],
        compose: Compose,
        *,
        thread_id: int | None = None,
        fallback: Fallback | None = None,
    ) -> Counter[str]:
        """Each member once for (kind, subject): by DM, else (closed DMs) a mention in the thread. A run that died
        half-way is finished by the next (see `models.sessions.ledger`)."""
        outcomes: Counter[str] = Counter()
        default = await self.language(guild_id)
        for start in range(0, len(member_ids), CLAIM_BATCH):
            async with self.bot.db.transaction() as session:
                won = await ledger.claim(
                    session,
                    kind,
                    subject,
                    member_ids[start : start + CLAIM_BATCH],
                    guild_id=guild_id,
                    now=self.now(),
                    retake_unfinished=True,
                )
                people = await rsvp.recipients(session, guild_id, won)
            results, learned = await self._send_each(people, compose, default, kind, subject)
            closed = [member_id for member_id, outcome in results.items() if outcome == "closed"]
            if closed and thread_id is not None and fallback is not None:
                for member_id in await self._mention(thread_id, closed, fallback, default, (kind, subject)):
                    results[member_id] = "thread"
            async with self.bot.db.transaction() as session:
                await ledger.record(session, kind, subject, results, now=self.now())
                for member_id, channel_id in learned.items():
                    await rsvp.note_member(session, guild_id, member_id, now=self.now(), dm_channel_id=channel_id)
            outcomes.update(results.values())
        return outcomes

    async def _send_each(
        self, people: Sequence[Recipient], compose: Compose, default: str, kind: str, subject: int
    ) -> tuple[dict[int, str], dict[int, int]]:
        results: dict[int, str] = {}
        learned: dict[int, int] = {}

        async def send(person: Recipient) -> tuple[str, int | None]:
            outgoing = compose(person.language or default)
            return await self.direct_message(person, outgoing, nonce(kind, subject, person.member_id))

        async for person, (outcome, channel_id) in fan_out(people, send):
            results[person.member_id] = outcome
            if channel_id is not None and channel_id != person.dm_channel_id:
                learned[person.member_id] = channel_id
        return results, learned

    async def direct_message(self, person: Recipient, outgoing: Outgoing, sent_nonce: str) -> tuple[str, int | None]:
        """One DM: "dm", "closed" (the member does not accept them) or "failed"; and the DM channel's id."""
        channel_id = person.dm_channel_id
        for attempt in range(2):
            try:
                if channel_id is None:
                    async with self.bot.pacer.turn():
                        channel_id = int((await self.bot.http.start_private_message(person.member_id))["id"])
                channel = self.bot.get_partial_messageable(channel_id, type=discord.ChannelType.private)
                async with self.bot.pacer.turn():
                    await outgoing.send_to(channel, nonce=sent_nonce, allowed_mentions=NO_PINGS)
                return "dm", channel_id
            except discord.NotFound:
                if attempt or person.dm_channel_id is None:
                    return "failed", None
                channel_id = None  # a DM channel we knew is gone: open a new one
            except discord.HTTPException as error:
                if isinstance(error, discord.Forbidden) or error.code == CANNOT_DM:
                    return "closed", channel_id
                log.warning("could not DM a member (%s %s)", error.status, error.code)
                return "failed", channel_id
        return "failed", None

    async def _mention(
        self, thread_id: int, member_ids: list[int], fallback: Fallback, language: str, delivery: tuple[str, int]
    ) -> list[int]:
        """Mention members (in groups) in a thread; returns those whose mention went out."""
        reached: list[int] = []
        for start in range(0, len(member_ids), MENTIONS_PER_POST):
            group = member_ids[start : start + MENTIONS_PER_POST]
            outgoing = fallback(language, group)
            mentions = discord.AllowedMentions(users=[discord.Object(member_id) for member_id in group], roles=False)
            try:
                thread = self.bot.get_partial_messageable(thread_id)
                async with self.bot.pacer.turn():
                    await outgoing.send_to(
                        thread, allowed_mentions=mentions, nonce=nonce(f"{delivery[0]}.thread", delivery[1], group[0])
                    )
            except discord.HTTPException as error:
                log.warning("could not mention members in thread %s (%s)", thread_id, error.status)
                continue
            reached += group
        return reached


def mentions(member_ids: Sequence[int]) -> str:
    return " ".join(f"<@{member_id}>" for member_id in member_ids)
