"""What the polls cog does on its own: gateway events (reactions added and removed, poll messages deleted), the
deadline job, and the catch-up after downtime.

Reaction events are routed through the in-memory index to the vote writer: no database read per event. Reactions
that cannot count (a bot's, a member without the poll's role, an emoji that is not an option, a closed poll) are
taken back. On start, the catch-up compares each open poll's reactions with the stored votes.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator

import discord

from bot.capability import job, listener
from bot.members import HeldRoles, find_member, held_roles
from cogs.polls.base import CatchingUp
from cogs.polls.posting import Posting
from cogs.polls.voting import Voting
from models.polls import rules, service
from models.polls.rules import Action, VoteOp
from models.polls.service import CloseReason, PollRef
from models.scheduling import DueJob

log = logging.getLogger(__name__)

# Unknown Emoji: a reaction read after its last member took it off (or its custom emoji was deleted).
UNKNOWN_EMOJI = 10014


class PollEvents(Voting, Posting):
    # --- live events ----------------------------------------------------------------------------------------------

    def may_be_vote(self, payload: discord.RawReactionActionEvent) -> bool:
        """A reaction on an open poll, or on one of Agora's messages (a closed poll's reactions are taken back)."""
        me = self.bot.user
        if payload.guild_id is None or me is None or payload.user_id == me.id:
            return False
        return self.index.on_message(payload.message_id) is not None or payload.message_author_id == me.id

    def on_open_poll(self, payload: discord.RawReactionActionEvent) -> bool:
        return self.index.on_message(payload.message_id) is not None

    @listener(wants="may_be_vote")
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        me = self.bot.user
        if payload.guild_id is None or me is None or payload.user_id == me.id:
            return
        ref = self.index.on_message(payload.message_id)
        if ref is None:
            if payload.message_author_id == me.id and await self.is_closed_poll(payload.message_id):
                self.unreact(payload.channel_id, payload.message_id, payload.emoji, payload.user_id)
            return
        option_id = None if ref.anonymous else ref.option_for(payload.emoji.name, payload.emoji.id)
        member = payload.member
        is_bot = member is not None and member.bot
        if option_id is None or not rules.may_vote(ref.role_id, held_roles(member), is_bot=is_bot):
            self.unreact(payload.channel_id, payload.message_id, payload.emoji, payload.user_id)
            return
        self.vote(VoteOp(ref.poll_id, payload.user_id, option_id, Action.ADD))

    @listener(wants="on_open_poll")
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        ref = self.index.on_message(payload.message_id)
        if ref is None or ref.anonymous or (self.bot.user and payload.user_id == self.bot.user.id):
            return
        option_id = ref.option_for(payload.emoji.name, payload.emoji.id)
        if option_id is not None:
            self.vote(VoteOp(ref.poll_id, payload.user_id, option_id, Action.REMOVE))

    @listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        ref = self.index.on_message(payload.message_id)
        if ref is not None:
            await self.close(ref.poll_id, reason=CloseReason.DELETED)

    @listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        for message_id in payload.message_ids:
            ref = self.index.on_message(message_id)
            if ref is not None:
                await self.close(ref.poll_id, reason=CloseReason.DELETED)

    async def is_closed_poll(self, message_id: int) -> bool:
        """Whether a bot message is a closed poll (remembered, so a burst of late reactions costs one query)."""
        closed = self.index.closed_message(message_id)
        if closed is None:
            async with self.bot.db.transaction() as session:
                found = await service.find_ref_by_message(session, message_id)
            closed = found is not None and not found.is_open
            self.index.note(message_id, closed=closed)
        return closed

    # --- the deadline -----------------------------------------------------------------------------------------

    @job(service.CLOSE_JOB)
    async def on_close_job(self, due: DueJob) -> None:
        """The deadline came (or passed while the bot was offline): close once, whatever ran before.

        Reactions added while the bot was offline count: the close waits for the start-up catch-up.
        """
        await self.caught_up.wait()
        await self.close(int(due.payload["poll_id"]), reason=CloseReason.DEADLINE)

    # --- catching up after downtime ---------------------------------------------------------------------------

    async def catch_up(self) -> None:
        """Count reactions added while offline, un-count removed ones, close polls whose message is gone, and finish
        closes a stop cut short. Deadline jobs and `/poll close` wait for it (`caught_up`)."""
        async with self.bot.db.transaction() as session:
            refs = await service.load_open_refs(session, self.bot.shards_here)
            unfinished = await service.find_unfinished_polls(session, self.bot.shards_here)
        for ref in refs:
            self.index.add(ref)
        for ref in refs:
            if self.stopping:
                return
            try:
                await self.catch_up_poll(ref)
            except discord.HTTPException as error:
                log.warning("could not reconcile poll %s (%s); it keeps its stored votes", ref.poll_id, error.status)
        await self.writer.flush()
        if self.stopping:
            return
        for ref in refs:
            if self.index.is_open(ref.poll_id) and ref.message_id is not None:
                self.live.touch(ref.poll_id)
        for poll_id in unfinished:
            await self.finish(poll_id)

    async def catch_up_poll(self, ref: PollRef) -> None:
        """Catch up one poll. Live votes for it wait until its reads are done and come after its own votes, so no
        read older than an event undoes it (a REST answer can be overtaken by the gateway event of a later change)."""
        if ref.message_id is None:  # the bot stopped between storing the poll and posting it
            await self.take_back(ref.poll_id, None)
            return
        pending = self.reactions.pending(ref.message_id)
        catching_up = self.catching_up[ref.poll_id] = CatchingUp(
            taken_back={(rules.emoji_key(emoji.name, emoji.id), user) for emoji, user in pending}
        )
        found: list[VoteOp] | None = []
        try:
            await self.writer.flush()  # the stored votes then include every live vote that came before
            found = await self.reconcile_votes(ref, ref.message_id, catching_up)
        finally:
            del self.catching_up[ref.poll_id]
            for op in rules.catch_up_ops(found or [], catching_up.live):
                self.writer.submit(op)
        if found is None:
            await self.close(ref.poll_id, reason=CloseReason.DELETED)

    async def reconcile_votes(self, ref: PollRef, message_id: int, catching_up: CatchingUp) -> list[VoteOp] | None:
        """Compare the reactions on the poll message with the stored votes: the votes to write, None if it is gone."""
        channel = self.bot.get_partial_messageable(ref.channel_id, guild_id=ref.guild_id)
        try:
            message = await channel.fetch_message(message_id)
        except discord.NotFound:
            return None
        if ref.anonymous:
            return []  # button clicks cannot happen while the bot is offline
        async with self.bot.db.transaction() as session:
            stored = await service.read_votes(session, ref.poll_id)
        present = await self.reactions_present(ref, message, catching_up)
        if ref.role_id is not None:
            for voter in rules.newcomers(present, stored):
                if not rules.may_vote(ref.role_id, await self.roles_of(ref.guild_id, voter)):
                    for option_id in sorted(option for member, option in present if member == voter):
                        present.discard((voter, option_id))
                        self.unreact(ref.channel_id, message_id, ref.option_emojis[option_id], voter)
        return rules.reconcile_ops(ref.poll_id, stored, present, ref.positions)

    async def reactions_present(
        self, ref: PollRef, message: discord.Message, catching_up: CatchingUp
    ) -> set[tuple[int, int]]:
        """(member, option) of every reaction that may count; others are taken back."""
        present: set[tuple[int, int]] = set()
        me = self.bot.user.id if self.bot.user else 0
        for reaction in message.reactions:
            name, emoji_id = emoji_parts(reaction.emoji)
            option_id, key = ref.option_for(name, emoji_id), rules.emoji_key(name, emoji_id)
            try:
                users = [user async for user in every_reactor(reaction)]
            except discord.NotFound as error:
                if error.code == UNKNOWN_EMOJI:
                    continue  # its last reaction went away since the message was read
                raise
            for user in users:
                if user.id == me or (key, user.id) in catching_up.taken_back:
                    continue
                if option_id is None or user.bot:
                    self.unreact(ref.channel_id, message.id, reaction.emoji, user.id)
                else:
                    present.add((user.id, option_id))
        return present

    async def roles_of(self, guild_id: int, user_id: int) -> HeldRoles | None:
        """A member's roles, asked from Discord when not cached; None once they left (or the server is gone)."""
        guild = self.bot.get_guild(guild_id)
        return held_roles(await find_member(guild, user_id)) if guild is not None else None


def emoji_parts(emoji: discord.Emoji | discord.PartialEmoji | str) -> tuple[str | None, int | None]:
    if isinstance(emoji, str):
        return emoji, None
    return emoji.name, emoji.id


def every_reactor(reaction: discord.Reaction) -> AsyncIterator[discord.User | discord.Member]:
    """Every user who reacted, paged to the end: the count read with the message may already be outdated, and
    reading only that many users (discord.py's default) could leave out a voter."""
    return reaction.users(limit=sys.maxsize)
