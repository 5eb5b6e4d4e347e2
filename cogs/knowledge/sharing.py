"""Sharing know-how: `/share` posts a member's text in the knowledge channel, "Save to knowledge base" keeps a helpful
message from anywhere (its author may withdraw it), and "Mark as answer" (or the post's button) solves a thread."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot import i18n
from bot.checks import guild_of
from bot.client import Interaction
from bot.delivery import NO_PINGS, send_dm
from bot.replies import open_form, opens_form, send_ephemeral, think, update_message
from bot.ui import custom_id, form, form_view
from cogs.knowledge.base import (
    KnowledgeBase,
    KnowledgeChannel,
    draft_of,
    helpful_count,
    jump,
    knowledge_channel,
    knowledge_thread,
    usable_for_posts,
)
from cogs.knowledge.components import AnswerSelect, SolveButton, WithdrawButton
from cogs.knowledge.render import answer_notice, escape, post_embed
from models.base import utcnow
from models.errors import NoLongerAvailableError, UserError
from models.knowledge import index, rules, service
from models.knowledge.rules import Kind, Tag

log = logging.getLogger(__name__)
REQUIRE_TAG = (
    1 << 4
)  # a forum's flag: https://discord.com/developers/docs/resources/channel#channel-object-channel-flags


class AnswerFromBotError(UserError, key="knowledge.answer.bot"): ...


class UnreadableChannelError(UserError, key="knowledge.save.unreadable"): ...


class KnowledgeSharing(KnowledgeBase):
    @opens_form
    @app_commands.command(name="share", description="Share know-how in the knowledge channel")
    @app_commands.guild_only()
    async def share(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            settings = await service.knowledge_settings(session, guild.id)
        channel = knowledge_channel(guild, context)
        usable_for_posts(channel)
        language = context.reply_language
        inputs = [
            discord.ui.TextInput[Any](
                label=i18n.t(language, "knowledge.share.field_title"), custom_id="title", max_length=rules.TITLE_MAX
            ),
            discord.ui.TextInput[Any](
                label=i18n.t(language, "knowledge.share.field_content"),
                custom_id="content",
                style=discord.TextStyle.paragraph,
                max_length=rules.CONTENT_MAX,
            ),
            discord.ui.TextInput[Any](
                label=i18n.t(language, "knowledge.share.field_link"),
                custom_id="link",
                required=False,
                max_length=rules.LINK_MAX,
                placeholder="https://…",
            ),
        ]
        modal = form_view(i18n.t(language, "knowledge.share.title"), custom_id("knowledge", "share", guild.id), inputs)
        options = self.tag_options(channel, settings, language)
        if options:
            required = isinstance(channel, discord.ForumChannel) and bool(channel.flags.value & REQUIRE_TAG)
            select = discord.ui.Select[Any](
                custom_id="tags",
                options=options,
                min_values=1 if required else 0,
                max_values=min(rules.MAX_TAGS, len(options)),
                required=required,
            )
            modal.add_item(discord.ui.Label(text=i18n.t(language, "knowledge.share.field_tags"), component=select))
        await open_form(interaction, modal)

    def tag_options(self, channel: KnowledgeChannel, settings: Any, language: str) -> list[discord.SelectOption]:
        """A forum's tags members may apply (not Solved, not moderated); Agora's kinds in a text channel."""
        if isinstance(channel, discord.TextChannel):
            return [
                discord.SelectOption(label=self.tag_label(language, tag), value=tag.value) for tag in rules.SHARE_TAGS
            ]
        solved = self.match_tags(channel, settings)[Tag.SOLVED]
        usable = [t for t in channel.available_tags if not t.moderated and (solved is None or t.id != solved.id)]
        return [discord.SelectOption(label=t.name, value=str(t.id), emoji=t.emoji) for t in usable[:25]]

    @form("knowledge", "share", r"(?P<guild>\d+)")
    async def receive_share(self, interaction: Interaction, values: dict[str, str], *, guild: int) -> None:
        if interaction.guild is None or interaction.guild_id != guild:
            raise NoLongerAvailableError()
        title = rules.check_title(values.get("title", ""))
        content = rules.check_content(values.get("content", ""))
        link = rules.check_link(values["link"]) if values.get("link", "").strip() else None
        chosen = [value for value in values.get("tags", "").split("\n") if value]
        context = await self.bot.read_context(guild, interaction)
        channel = knowledge_channel(interaction.guild, context)
        usable_for_posts(channel)
        if isinstance(channel, discord.ForumChannel):
            tags = [tag for tag in channel.available_tags if str(tag.id) in chosen][: rules.MAX_TAGS]
            if channel.flags.value & REQUIRE_TAG and not tags:
                raise rules.TagRequiredError()
            names = [tag.name for tag in tags]
        else:
            kinds = [Tag(value) for value in chosen if value in {tag.value for tag in rules.SHARE_TAGS}]
            names = [i18n.t(context.language, f"knowledge.tag.{tag.value}") for tag in kinds]
        await think(interaction)
        embed = post_embed(title, content, interaction.user, link, names, context.language)
        if isinstance(channel, discord.ForumChannel):
            made = await channel.create_thread(name=title, embed=embed, applied_tags=tags, allowed_mentions=NO_PINGS)
            thread, message = made.thread, made.message
        else:
            message = await channel.send(embed=embed, allowed_mentions=NO_PINGS)
            thread = await message.create_thread(name=title)
        await message.edit(view=discord.ui.View(timeout=None).add_item(self.solve_button(thread.id, context.language)))
        async with self.bot.db.transaction() as session:
            await index.record_thread(
                session,
                guild,
                thread.id,
                channel_id=channel.id,
                author_id=interaction.user.id,
                title=title,
                tag_names=names,
                created_at=message.created_at,
                shared=True,
            )
            await index.index_message(
                session,
                draft_of(message, thread, kind=Kind.POST, author_id=interaction.user.id, content=content, link=link),
            )
        done = i18n.t(context.reply_language, "knowledge.share.done", thread=thread.mention)
        await send_ephemeral(interaction, done)

    def solve_button(self, thread_id: int, language: str) -> SolveButton:
        return SolveButton(thread_id, i18n.t(language, "knowledge.answer.button"))

    # --- saving a message from anywhere ---------------------------------------------------------------------

    async def save_message(self, interaction: Interaction, message: discord.Message) -> None:
        guild = guild_of(interaction)
        if message.author.bot or message.webhook_id is not None:
            raise rules.SaveBotMessageError()
        if message.flags.ephemeral:
            raise rules.SaveEphemeralError()
        seen = interaction.permissions
        if not (seen.view_channel and seen.read_message_history):
            raise rules.SaveHiddenError()
        mine = interaction.app_permissions
        if not (mine.view_channel and mine.read_message_history):
            raise UnreadableChannelError()
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            emoji = (await service.knowledge_settings(session, guild.id)).helpful_emoji
            thread = message.channel if isinstance(message.channel, discord.Thread) else None
            draft = draft_of(
                message,
                thread,
                kind=Kind.SAVED,
                saved_by=interaction.user.id,
                helpful=helpful_count(message, emoji),
                title=index.first_line(message.content),
                content=message.content,
            )
            entry = await service.save_message(session, draft)
        link = jump(guild.id, message.channel.id, message.id)
        await send_ephemeral(interaction, i18n.t(context.reply_language, "knowledge.save.done", link=link))
        if message.author.id != interaction.user.id:
            await self.tell_author(message, entry.id, context.language, interaction.user)

    async def tell_author(
        self, message: discord.Message, entry_id: int, language: str, saver: discord.abc.User
    ) -> None:
        """The author learns, privately, that a member saved their message, and can withdraw it with one button."""
        guild = message.guild
        if guild is None:
            return
        text = i18n.t(
            language,
            "knowledge.save.told",
            saver=escape(saver.display_name),
            server=escape(guild.name),
            link=jump(guild.id, message.channel.id, message.id),
        )
        view = discord.ui.View(timeout=None).add_item(
            WithdrawButton(guild.id, entry_id, i18n.t(language, "knowledge.save.withdraw"))
        )
        await send_dm(message.author, content=text, view=view)

    async def withdraw_saved(self, interaction: Interaction, guild_id: int, entry_id: int) -> None:
        language = i18n.language_of(str(interaction.locale)) or self.bot.settings.locale.default
        async with self.bot.db.transaction() as session:
            removed = await service.withdraw(session, guild_id, entry_id, interaction.user.id, now=utcnow())
        key = "knowledge.save.withdrawn_done" if removed else "knowledge.save.withdrawn_already"
        await update_message(interaction, content=i18n.t(language, key), view=None)

    # --- solved threads -------------------------------------------------------------------------------------

    async def answer_from_menu(self, interaction: Interaction, message: discord.Message) -> None:
        guild = guild_of(interaction)
        context = await self.bot.read_context(guild.id, interaction)
        thread = knowledge_thread(message.channel, context)
        if thread is None:
            raise rules.NotAKnowledgeThreadError()
        if message.id == thread.id:
            raise rules.AnswerIsPostError()
        if message.author.bot:
            raise AnswerFromBotError()
        await self.solve(interaction, thread.id, message.id, message.author.id)

    async def offer_answers(self, interaction: Interaction, thread_id: int) -> None:
        """From the post's button: the thread's replies to choose from (none yet: the thread is simply solved)."""
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            row = await self.allowed_thread(session, interaction, thread_id)
            replies = await index.thread_replies(session, guild.id, row.thread_id)
        if not replies:
            await self.solve(interaction, thread_id, None, None)
            return
        options = [
            discord.SelectOption(
                label=(reply.content.split("\n", 1)[0] or "…")[:100],
                value=str(reply.message_id),
                description=i18n.t(language, "knowledge.answer.option", helpful=reply.helpful)[:100],
            )
            for reply in replies
        ]
        select = AnswerSelect(thread_id, options, i18n.t(language, "knowledge.answer.choose"))
        view = discord.ui.View(timeout=None).add_item(select)
        await send_ephemeral(interaction, i18n.t(language, "knowledge.answer.pick"), view=view)

    async def mark_answer(self, interaction: Interaction, thread_id: int, message_id: int | None) -> None:
        async with self.bot.db.transaction() as session:
            entry = await index.get_entry(session, interaction.guild_id or 0, message_id) if message_id else None
        await self.solve(interaction, thread_id, message_id, entry.author_id if entry else None)

    async def allowed_thread(self, session: Any, interaction: Interaction, thread_id: int) -> Any:
        """The knowledge thread, when the member asked it or is a host."""
        thread = interaction.guild.get_thread(thread_id) if interaction.guild else None
        row = await index.get_thread(session, interaction.guild_id or 0, thread_id)
        if row is None and thread is not None:
            row = await index.record_thread(
                session,
                thread.guild.id,
                thread.id,
                channel_id=thread.parent_id or 0,
                author_id=thread.owner_id or 0,
                title=thread.name,
                tag_names=[tag.name for tag in thread.applied_tags],
                created_at=thread.created_at or utcnow(),
            )
        if row is None:
            raise NoLongerAvailableError()
        if row.author_id != interaction.user.id and not interaction.permissions.manage_guild:
            raise rules.AnswerNotAllowedError()
        return row

    async def solve(
        self, interaction: Interaction, thread_id: int, answer_id: int | None, answer_author: int | None
    ) -> None:
        """Solved: in the index (ranking), on Discord (the Solved tag, or ✅ in a text channel's thread name), and a
        link to the answer at the top of the thread (the shared post shows it; otherwise a pinned notice)."""
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            settings = await service.knowledge_settings(session, guild.id)
            row = await self.allowed_thread(session, interaction, thread_id)
            await index.mark_answer(session, row, answer_id, now=utcnow())
            notice_id = row.notice_message_id
        await think(interaction)
        thread = guild.get_thread(thread_id)
        notes = []
        if thread is not None:
            if not await self.show_solved(thread, settings, context.language):
                notes.append(i18n.t(context.reply_language, "knowledge.answer.tag_failed"))
            text = answer_notice(context.language, guild.id, thread_id, answer_id, answer_author)
            posted = await self.post_notice(thread, text, notice_id)
            if posted is not None and posted != notice_id:
                async with self.bot.db.transaction() as session:
                    await index.set_notice(session, thread_id, posted)
        key = "knowledge.answer.done" if answer_id else "knowledge.answer.solved"
        await send_ephemeral(interaction, "\n".join([i18n.t(context.reply_language, key), *notes]))

    async def show_solved(self, thread: discord.Thread, settings: Any, language: str) -> bool:
        try:
            parent = thread.parent
            if isinstance(parent, discord.ForumChannel):
                solved = (await self.ensure_tags(parent, settings, language))[Tag.SOLVED]
                if solved is None:
                    return False
                if solved not in thread.applied_tags:
                    await thread.edit(applied_tags=[*thread.applied_tags[: rules.MAX_TAGS - 1], solved])
            elif not thread.name.startswith("✅"):
                await thread.edit(name=f"✅ {thread.name}"[: rules.TITLE_MAX])
        except discord.HTTPException as error:
            log.info("could not show thread %s as solved (%s)", thread.id, error.status)
            return False
        return True

    async def post_notice(self, thread: discord.Thread, text: str, notice_id: int | None) -> int | None:
        """Edit the notice already posted, else post one and pin it; returns its id (None when refused)."""
        try:
            if notice_id:
                await thread.get_partial_message(notice_id).edit(content=text, allowed_mentions=NO_PINGS)
                return notice_id
            notice = await thread.send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            log.info("could not post the solved notice in thread %s (%s)", thread.id, error.status)
            return None
        try:
            await notice.pin(reason="Link to the accepted answer")
        except discord.HTTPException as error:
            log.info("could not pin the solved notice in thread %s (%s)", thread.id, error.status)
        return notice.id
