"""Giving kudos from an interaction (`/kudos give`, the message command's menu) and showing the boards: one event
for the writer, one answer to the member — or the reason it did not count, with how many kudos are left."""

from __future__ import annotations

import discord

from bot import i18n
from bot.checks import guild_of
from bot.client import Interaction
from bot.replies import send_ephemeral, update_message
from cogs.recognition import render
from cogs.recognition.base import RecognitionBase
from cogs.recognition.components import BoardButton, MessageKudosSelect
from models.recognition import boards, service
from models.recognition.kudos import KudosOp, Outcome
from models.recognition.rules import (
    ALL_CATEGORIES,
    BOARD_PAGE,
    Action,
    Board,
    Category,
    Period,
    Source,
    Verdict,
    period_key,
)


class RecognitionGiving(RecognitionBase):
    async def categories(self, guild_id: int) -> list[Category]:
        async with self.bot.db.transaction() as session:
            return await service.categories(session, guild_id)

    async def give(self, op: KudosOp, *, member: str, length: int = 0) -> Outcome:
        """The writer's answer to one kudos; a refusal becomes the member's error (why, and how many are left)."""
        outcome = await self.writer.cast(op)
        if outcome.verdict.refused:
            raise render.refusal(outcome.verdict, outcome, member=member, category=op.category, length=length)
        return outcome

    async def refuse_early(self, guild_id: int, giver_id: int, verdict: Verdict, *, member: str) -> None:
        """A refusal Discord alone could tell (yourself, a bot, someone gone), still said with how many are left."""
        op = KudosOp(Action.GIVE, guild_id, giver_id, 0, "", refused=verdict)
        await self.give(op, member=member)

    # --- the message command's menu ---------------------------------------------------------------------------

    async def offer_categories(self, interaction: Interaction, message: discord.Message) -> None:
        """ "Give kudos for this message": refused at once when it cannot count, else a menu of categories."""
        guild = guild_of(interaction)
        author = message.author
        verdict = Verdict.SELF if author.id == interaction.user.id else await self.receiver_refusal(guild, author.id)
        if author.id == (self.bot.user.id if self.bot.user else 0):
            verdict = Verdict.BOT
        if verdict is not None:
            await self.refuse_early(guild.id, interaction.user.id, verdict, member=author.mention)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            categories = await service.categories(session, guild.id)
        options = [
            discord.SelectOption(label=render.category_name(c, language)[:100], value=c.key, emoji=c.emoji)
            for c in categories
        ]
        select = MessageKudosSelect(
            message.channel.id,
            message.id,
            author.id,
            options=options,
            placeholder=i18n.t(language, "recognition.message.placeholder"),
        )
        text = i18n.t(language, "recognition.message.choose", member=author.mention)
        await send_ephemeral(interaction, text, view=discord.ui.View(timeout=None).add_item(select))

    async def give_for_message(
        self, interaction: Interaction, channel_id: int, message_id: int, author_id: int, category: str
    ) -> None:
        guild = guild_of(interaction)
        op = KudosOp(
            Action.GIVE,
            guild.id,
            interaction.user.id,
            author_id,
            category,
            source=Source.MESSAGE,
            channel_id=channel_id,
            message_id=message_id,
            refused=await self.receiver_refusal(guild, author_id),
        )
        outcome = await self.give(op, member=f"<@{author_id}>")
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            categories = await service.categories(session, guild.id)
        if outcome.verdict is Verdict.ALREADY:
            text = i18n.t(language, "recognition.message.already", member=f"<@{author_id}>")
        else:
            label = render.category_label(render.find_category(categories, category), language)
            text = render.given_text(language, outcome, member=f"<@{author_id}>", category=label, for_message=True)
        await update_message(interaction, content=text, view=None, allowed_mentions=discord.AllowedMentions.none())

    # --- boards -----------------------------------------------------------------------------------------------

    async def show_board(
        self, interaction: Interaction, period: Period, category: str, page: int, *, edit: bool = False
    ) -> None:
        guild = guild_of(interaction)
        await self.writer.flush()
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            categories = await service.categories(session, guild.id)
            excluded = await service.excluded_members(session, guild.id)
            key = period_key(period, self.clock(), context.zone)
            pages = [
                await boards.board_page(
                    session, guild.id, board, key, category, page=page, size=BOARD_PAGE, excluded=excluded
                )
                for board in (Board.RECEIVED, Board.GIVEN)
            ]
        language = context.reply_language
        label = (
            i18n.t(language, "recognition.board.all_categories")
            if category == ALL_CATEGORIES
            else render.category_label(render.find_category(categories, category), language)
        )
        embed = render.board_embed(language, period, label, pages[0], pages[1], page=page, size=BOARD_PAGE)
        view = board_view(period, category, page, has_more=any(board.has_more for board in pages))
        if edit:
            await update_message(interaction, embed=embed, view=view)
        else:
            await send_ephemeral(interaction, embed=embed, view=view)


def board_view(period: Period, category: str, page: int, *, has_more: bool) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(BoardButton(period.value, category, max(0, page - 1), emoji="◀️", disabled=page == 0))
    view.add_item(BoardButton(period.value, category, page + 1, emoji="▶️", disabled=not has_more))
    return view
