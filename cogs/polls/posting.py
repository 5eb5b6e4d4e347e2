"""The poll message: posted with its reactions or buttons, then redrawn from the database as votes come in.

A redraw reads the counts afresh (the database is the truth) and is throttled per poll by `bot.throttle.LiveEdits`.
A redraw that finds the message gone closes the poll, as deleting it would have.
"""

from __future__ import annotations

import contextlib

import discord

from bot.i18n import Terms
from bot.replies import NO_PINGS
from cogs.polls import render
from cogs.polls.closing import Closing
from cogs.polls.components import vote_buttons
from models.errors import ChannelNotUsableError
from models.polls import rules, service
from models.polls.rules import Tally
from models.polls.service import CloseReason, PollView

Postable = discord.TextChannel | discord.Thread
NEEDS_ALWAYS = ("embed_links", "attach_files", "read_message_history")
NEEDS_REACTIONS = ("add_reactions", "manage_messages")


def needs(target: Postable, *, anonymous: bool) -> Terms:
    """The permissions a poll needs in `target`: post and attach its results; react, and remove reactions, unless
    it votes with buttons."""
    post = "send_messages_in_threads" if isinstance(target, discord.Thread) else "send_messages"
    return Terms(f"permissions.{name}" for name in (post, *NEEDS_ALWAYS, *(() if anonymous else NEEDS_REACTIONS)))


class Posting(Closing):
    async def post(self, view: PollView, target: Postable) -> discord.Message:
        """Post the poll and add its reactions; on any failure, take it all back and say why."""
        message: discord.Message | None = None
        emoji = ""
        try:
            embed = render.poll_embed(view, Tally(dict.fromkeys([o.id for o in view.options], 0), 0))
            buttons = vote_buttons(view)
            if buttons is None:
                message = await target.send(embed=embed, allowed_mentions=NO_PINGS)
            else:
                message = await target.send(embed=embed, view=buttons, allowed_mentions=NO_PINGS)
            async with self.bot.db.transaction() as session:
                await service.attach_message(session, view.id, message.id)
                ref = await service.find_ref(session, view.id)
            if ref is not None:
                self.index.add(ref)
            if not view.anonymous:
                for option in view.options:
                    emoji = option.emoji
                    await message.add_reaction(emoji)
        except Exception as error:
            await self.take_back(view.id, message)
            if isinstance(error, discord.Forbidden):
                missing = needs(target, anonymous=view.anonymous)
                raise ChannelNotUsableError(channel=target.mention, permissions=missing) from None
            if isinstance(error, discord.HTTPException) and emoji and error.status == 400:
                raise rules.EmojiUnusableError(emoji=emoji) from None
            raise
        return message

    async def take_back(self, poll_id: int, message: discord.Message | None) -> None:
        """Forget a poll that could not be posted whole: its message (if any) and its rows go."""
        self.index.drop(poll_id, message.id if message is not None else None)
        if message is not None:
            with contextlib.suppress(discord.HTTPException):
                await message.delete()
        async with self.writer.exclusive(), self.bot.db.transaction() as session:
            await service.discard_poll(session, poll_id)

    async def redraw(self, poll_id: int) -> None:
        """The poll message with the latest counts (called by the live edits, at most once per interval)."""
        async with self.bot.db.transaction() as session:
            view = await service.get_view(session, poll_id)
            result = await service.count_votes(session, view)
        if view.message_id is None or not view.is_open:
            return
        try:
            await self.message(view).edit(embed=render.poll_embed(view, result))
        except discord.NotFound:
            await self.close(poll_id, reason=CloseReason.DELETED)
