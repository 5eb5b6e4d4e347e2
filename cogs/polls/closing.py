"""Closing a poll — at its deadline (`events.py`), by `/poll close`, or because its message was deleted — exactly once.

The close itself is one transaction (`service.close_poll`: counts frozen; an anonymous poll's key and ballots
destroyed) taken while the vote writer is held, so no vote lands after the counts are frozen. Then the message shows
its final state and one results post, with the chart, replies to it. A stop between the two steps is finished at the
next start (`find_unfinished_polls`), and the results post's nonce keeps it from appearing twice.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.replies import NO_PINGS
from cogs.polls import render
from cogs.polls.base import PollsBase
from models.base import utcnow
from models.polls import service
from models.polls.chart import render_chart
from models.polls.service import CloseReason

log = logging.getLogger(__name__)


class Closing(PollsBase):
    async def close(self, poll_id: int, *, reason: str) -> bool:
        """Close the poll after every queued vote is written; then redraw it and post the results (idempotent)."""
        async with self.writer.exclusive(), self.bot.db.transaction() as session:
            closed = await service.close_poll(session, poll_id, now=utcnow(), reason=reason)
        self.index.close(poll_id)
        await self.live.stop(poll_id)
        if closed:
            await self.bot.db.erase_deleted()  # an anonymous poll's key and ballots leave SQLite's log too
        await self.finish(poll_id)
        return closed

    async def finish(self, poll_id: int) -> None:
        """Final state of the poll message, then one results message with the chart, unless already posted.

        The results post carries a nonce per poll: if the bot stopped after posting but before noting it, Discord
        hands back the same message on the next try instead of posting twice.
        """
        async with self.bot.db.transaction() as session:
            view = await service.get_view(session, poll_id)
            result = await service.count_votes(session, view)
        if view.message_id is None or view.close_reason == CloseReason.DELETED or view.results_message_id:
            return
        message = self.message(view)
        try:
            await message.edit(embed=render.poll_embed(view, result), view=None)
        except discord.NotFound:
            async with self.bot.db.transaction() as session:
                await service.mark_deleted(session, poll_id)
            return
        except discord.HTTPException as error:
            log.warning("could not redraw closed poll %s (%s)", poll_id, error.status)
        png = await asyncio.to_thread(
            render_chart, render.chart_text(view, result), render.chart_labels(view), render.chart_counts(view, result)
        )
        filename = f"poll-{view.id}.png"
        embed = render.results_embed(view, result, view.language).set_image(url=f"attachment://{filename}")
        channel = self.bot.get_partial_messageable(view.channel_id, guild_id=view.guild_id)
        try:
            posted = await channel.send(
                embed=embed,
                file=render.attachment(png, filename),
                allowed_mentions=NO_PINGS,
                reference=message.to_reference(fail_if_not_exists=False),
                nonce=f"poll{view.id}.results",
            )
        except discord.HTTPException as error:
            log.warning("could not post the results of poll %s (%s)", poll_id, error.status)
            return
        async with self.bot.db.transaction() as session:
            await service.mark_results_posted(session, poll_id, posted.id)
