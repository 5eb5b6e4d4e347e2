"""`/celebrate member text [image]`: hosts (or every member, if the hosts allow it) celebrate a certification, a
finished project or a talk with a post members can react to, in the thanks channel (else where it was asked)."""

from __future__ import annotations

import contextlib
from pathlib import PurePath

import discord
from discord import app_commands

from bot import i18n
from bot.checks import channel_problems, guild_of
from bot.client import Interaction
from bot.delivery import postable
from bot.replies import send_ephemeral, think
from cogs.recognition import render
from cogs.recognition.hosts import HostCommands
from models.errors import ChannelNotUsableError, UserError
from models.recognition.rules import CELEBRATE_MAX, IMAGE_SUFFIXES, CelebrateTextError, check_image
from models.recognition.tables import RecognitionSettings

CELEBRATION_REACTIONS = ("🎉", "👏")
POST_NEEDS = ("send_messages", "embed_links", "attach_files", "add_reactions")


def image_name(filename: str) -> str:
    """The attachment's name in the post: ours, with the member's extension when it is an image one."""
    suffix = PurePath(filename).suffix.lower()
    return "celebration" + (suffix if suffix in IMAGE_SUFFIXES else ".png")


class CelebrateNotAllowedError(UserError, key="recognition.celebrate.hosts_only"): ...


class CelebrateWhomError(UserError, key="recognition.celebrate.not_member"): ...


class Celebrations(HostCommands):
    @app_commands.command(name="celebrate", description="Celebrate a member: a certification, a project, a talk")
    @app_commands.describe(
        member="Who you celebrate",
        text="What they achieved (up to 1000 characters)",
        image="A picture to go with it (PNG, JPEG, GIF or WebP)",
    )
    @app_commands.guild_only()
    async def celebrate(
        self,
        interaction: Interaction,
        member: discord.User,
        text: app_commands.Range[str, 1, CELEBRATE_MAX],
        image: discord.Attachment | None = None,
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            settings = await session.get(RecognitionSettings, guild.id)
        if not interaction.permissions.manage_guild and not (settings and settings.members_celebrate):
            raise CelebrateNotAllowedError()
        words = text.strip()
        if not words or len(words) > CELEBRATE_MAX:
            raise CelebrateTextError(limit=CELEBRATE_MAX)
        if await self.receiver_refusal(guild, member.id) is not None:
            raise CelebrateWhomError(member=member.mention)
        if image is not None:
            check_image(image.filename, image.content_type, image.size, interaction.filesize_limit)
        channel = self.celebration_channel(guild, context.settings.thanks_channel_id, interaction.channel)
        await think(interaction)
        language = context.language
        name = None if image is None else image_name(image.filename)
        embed = render.celebration(language, member.mention, words, interaction.user.mention, name)
        files = [await image.to_file(filename=name)] if image is not None and name else []
        message = await channel.send(
            content=i18n.t(language, "recognition.celebrate.content", member=member.mention),
            embed=embed,
            files=files,
            allowed_mentions=discord.AllowedMentions(users=[member], everyone=False, roles=False),
        )
        for emoji in CELEBRATION_REACTIONS:
            with contextlib.suppress(discord.HTTPException):
                await message.add_reaction(emoji)
        done = i18n.t(context.reply_language, "recognition.celebrate.done", link=message.jump_url)
        await send_ephemeral(interaction, done)

    def celebration_channel(
        self, guild: discord.Guild, thanks_id: int | None, here: object
    ) -> discord.TextChannel | discord.Thread:
        """The thanks channel when Agora can post there, else the channel the command came from."""
        thanks = postable(guild, thanks_id, *POST_NEEDS)
        if thanks is not None:
            return thanks
        if isinstance(here, discord.TextChannel | discord.Thread):
            missing = channel_problems(here, guild.me, *POST_NEEDS)
            if not missing:
                return here
            raise ChannelNotUsableError(channel=here.mention, permissions=missing)
        raise ChannelNotUsableError(channel="—", permissions=i18n.Terms(["permissions.send_messages"]))
