"""`/poll create`, `/poll close`, `/poll results`, `/poll export`, and the autocomplete of their `poll` option.

Each command checks its input, runs its use case in one transaction that also reads the server's context (language,
time zone), and answers once. `/poll create` needs a second, short transaction to note the message id: it is known
only once the poll is posted, and nothing is sent to Discord while a transaction is open.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot import i18n
from bot.checks import channel_problems, guild_of, host_only
from bot.client import Interaction
from bot.members import display_names
from bot.replies import NO_PINGS, send_ephemeral, think
from cogs.polls import render
from cogs.polls.posting import Postable, Posting, needs
from models.base import utcnow
from models.errors import ChannelNotUsableError
from models.polls import rules, service
from models.polls.service import CloseReason

AUTOCOMPLETE_NAME_MAX = 100  # https://discord.com/developers/docs/interactions/application-commands


class PollCommands(Posting):
    @app_commands.command(
        name="create", description="Post a poll; members vote with reactions, or buttons if anonymous"
    )
    @app_commands.describe(
        question="What you ask (up to 300 characters)",
        options="2 to 20 options separated by ; (start one with an emoji to use that emoji)",
        duration="When it closes: 2h, 3d, 1w, 90m or a date like 2026-12-01 18:00; empty: close it by hand",
        multiple="Let members choose several options",
        max_choices="At most this many choices per member (implies multiple choice)",
        role="Only members with this role may vote",
        channel="Where to post the poll (default: here)",
        anonymous="Vote with buttons: nobody, hosts included, can see who voted what",
        hide_results="Show the counts only once the poll is closed",
    )
    @host_only()
    async def create(
        self,
        interaction: Interaction,
        question: app_commands.Range[str, 1, rules.QUESTION_MAX],
        options: app_commands.Range[str, 1, 2000],
        duration: app_commands.Range[str, 1, 100] | None = None,
        multiple: bool = False,
        max_choices: app_commands.Range[int, 1, rules.MAX_OPTIONS] | None = None,
        role: discord.Role | None = None,
        channel: Postable | None = None,
        anonymous: bool = False,
        hide_results: bool = False,
    ) -> None:
        guild = guild_of(interaction)
        target = channel or interaction.channel
        if not isinstance(target, Postable):
            raise rules.ChannelWrongTypeError()
        now = utcnow()
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            try:
                draft = rules.draft_poll(
                    question=question,
                    options=options,
                    closing=duration,
                    now=now,
                    zone=context.zone,
                    multiple=multiple,
                    max_choices=max_choices,
                    anonymous=anonymous,
                    hide_results=hide_results,
                    role_id=None if role is None or role.is_default() else role.id,
                )
            except rules.ClosingInPastError as past:
                raise rules.ClosingInPastError(when=render.discord_time(past.params["when"])) from None
            check_emojis(self.bot, draft)
            check_channel(target, guild.me, anonymous=anonymous)
            view = await service.create_poll(
                session,
                guild_id=guild.id,
                channel_id=target.id,
                author_id=interaction.user.id,
                draft=draft,
                language=context.language,
                now=now,
            )
        try:
            await think(interaction)
        except discord.HTTPException:
            await self.take_back(view.id, None)
            raise
        message = await self.post(view, target)
        closes = render.discord_time(view.closes_at) if view.closes_at else None
        key = "polls.create.done_until" if closes else "polls.create.done"
        await send_ephemeral(interaction, i18n.t(context.reply_language, key, link=message.jump_url, when=closes))

    @app_commands.command(name="close", description="Close a poll now and post its results")
    @app_commands.describe(poll="The poll (default: the latest open poll in this channel)")
    @host_only()
    async def close_command(self, interaction: Interaction, poll: str | None = None) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            view = await service.find_poll_to_close(
                session, guild_id=guild.id, text=poll, channel_id=interaction.channel_id
            )
            context = await self.bot.context(session, guild.id, interaction)
        await think(interaction)
        await self.caught_up.wait()  # reactions added while the bot was offline count first
        await self.close(view.id, reason=CloseReason.COMMAND)
        await send_ephemeral(
            interaction, i18n.t(context.reply_language, "polls.close.done", link=render.message_link(view))
        )

    @app_commands.command(name="results", description="See a poll's current results (only you see them)")
    @app_commands.describe(poll="The poll (default: the latest poll in this channel)")
    async def results(self, interaction: Interaction, poll: str | None = None) -> None:
        guild = guild_of(interaction)
        await self.writer.flush()  # the votes already received count
        async with self.bot.db.transaction() as session:
            view, result = await service.read_results(
                session,
                guild_id=guild.id,
                text=poll,
                channel_id=interaction.channel_id,
                host=interaction.permissions.manage_guild,
            )
            context = await self.bot.context(session, guild.id, interaction)
        embed = render.results_embed(view, result, context.reply_language)
        await send_ephemeral(interaction, embed=embed)

    @app_commands.command(name="export", description="Download a poll's results as CSV files")
    @app_commands.describe(poll="The poll (default: the latest poll in this channel)")
    @host_only()
    async def export(self, interaction: Interaction, poll: str | None = None) -> None:
        guild = guild_of(interaction)
        await self.writer.flush()
        async with self.bot.db.transaction() as session:
            export = await service.export_poll(session, guild_id=guild.id, text=poll, channel_id=interaction.channel_id)
            context = await self.bot.context(session, guild.id, interaction)
        await think(interaction)
        names = await display_names(guild, sorted({voter for voter, _, _ in export.votes}))
        language = context.reply_language
        key = "polls.export.anonymous" if export.view.anonymous else "polls.export.done"
        files = render.export_files(export, names, language)
        await interaction.followup.send(i18n.t(language, key), files=files, ephemeral=True, allowed_mentions=NO_PINGS)

    @close_command.autocomplete("poll")
    async def open_poll_names(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.poll_names(interaction, current, open_only=True)

    @results.autocomplete("poll")
    @export.autocomplete("poll")
    async def any_poll_names(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.poll_names(interaction, current, open_only=False)

    async def poll_names(
        self, interaction: Interaction, current: str, *, open_only: bool
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.transaction() as session:
            found = await service.suggest_polls(
                session, guild_id=interaction.guild_id, text=current, open_only=open_only
            )
            context = await self.bot.context(session, interaction.guild_id, interaction)
        closed = i18n.t(context.reply_language, "polls.autocomplete.closed")
        return [
            app_commands.Choice(
                name=render.shorten(question if is_open else f"{question} ({closed})", AUTOCOMPLETE_NAME_MAX),
                value=str(poll_id),
            )
            for poll_id, question, is_open in found
        ]


def check_emojis(bot: discord.Client, draft: rules.PollDraft) -> None:
    """A custom emoji from a server the bot is not in cannot be used as a reaction or on a button."""
    for option in draft.options:
        emoji_id = rules.custom_emoji_id(option.emoji or "")
        if emoji_id is None:
            continue
        emoji = bot.get_emoji(emoji_id)
        if emoji is None or not emoji.is_usable():
            raise rules.EmojiUnusableError(emoji=option.emoji)


def check_channel(target: Postable, me: discord.Member, *, anonymous: bool) -> None:
    names = [key.removeprefix("permissions.") for key in needs(target, anonymous=anonymous)]
    missing = channel_problems(target, me, *names)
    if missing:
        raise ChannelNotUsableError(channel=target.mention, permissions=missing)
