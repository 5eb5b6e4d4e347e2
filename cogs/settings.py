"""`/agora`: hosts choose the channels, roles, language and time zone Agora uses in their server."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.capability import Capability
from bot.checks import channel_problems, guild_of, host_only, is_host
from bot.client import Agora, Interaction
from bot.replies import send_ephemeral
from bot.roles import role_problem
from models import guild_settings
from models.base import utcnow
from models.errors import ChannelNotUsableError, RoleNotAssignableError
from models.guild_settings import ChannelPurpose, GuildContext, RolePurpose
from models.localized import LANGUAGE_NAMES

CHANNEL_CHOICES = [
    app_commands.Choice(name="Announcements", value=ChannelPurpose.ANNOUNCEMENTS.name.lower()),
    app_commands.Choice(name="Welcome", value=ChannelPurpose.WELCOME.name.lower()),
    app_commands.Choice(name="Rules (code of conduct)", value=ChannelPurpose.RULES.name.lower()),
    app_commands.Choice(name="Moderators", value=ChannelPurpose.MODERATORS.name.lower()),
    app_commands.Choice(name="Knowledge (forum or text)", value=ChannelPurpose.KNOWLEDGE.name.lower()),
    app_commands.Choice(name="Mentoring (pairs' private threads)", value=ChannelPurpose.MENTORING.name.lower()),
    app_commands.Choice(name="Thanks (kudos and celebrations)", value=ChannelPurpose.THANKS.name.lower()),
]
ROLE_CHOICES = [
    app_commands.Choice(name="Member", value=RolePurpose.MEMBER.name.lower()),
    app_commands.Choice(name="Mentor", value=RolePurpose.MENTOR.name.lower()),
]
LANGUAGE_CHOICES = [app_commands.Choice(name=name, value=code) for code, name in LANGUAGE_NAMES.items()]
# What the bot must be allowed to do in each kind of channel, beyond seeing it.
CHANNEL_NEEDS = {
    ChannelPurpose.KNOWLEDGE: (
        "send_messages",
        "embed_links",
        "read_message_history",
        "create_public_threads",
        "send_messages_in_threads",
    ),
    ChannelPurpose.MENTORING: ("create_private_threads", "send_messages_in_threads"),
}
FORUM_PURPOSES = (ChannelPurpose.KNOWLEDGE,)
DEFAULT_NEEDS = ("send_messages", "embed_links", "read_message_history")

Postable = discord.TextChannel | discord.ForumChannel


@host_only()
class ServerSettings(
    Capability, commands.GroupCog, group_name="agora", group_description="Configure Agora for this server"
):
    """The server's own settings (channels, roles, language, time zone), as opposed to the deployment's `Settings`."""

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        return is_host(interaction)

    @app_commands.command(name="show", description="Show Agora's settings for this server")
    async def show(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        context = await self.bot.read_context(guild.id, interaction)
        await send_ephemeral(interaction, describe(context))

    @app_commands.command(name="channel", description="Choose the channel Agora uses for a purpose")
    @app_commands.describe(purpose="What the channel is for", channel="The channel; leave empty to unset")
    @app_commands.choices(purpose=CHANNEL_CHOICES)
    async def channel(
        self, interaction: Interaction, purpose: app_commands.Choice[str], channel: Postable | None = None
    ) -> None:
        guild = guild_of(interaction)
        target = ChannelPurpose[purpose.value.upper()]
        if channel is not None:
            check_channel(target, channel, guild.me)
        async with self.bot.db.transaction() as session:
            await guild_settings.set_channel(session, guild.id, target, channel.id if channel else None, now=utcnow())
        await self.confirm(interaction, purpose.value, channel.mention if channel else None)
        # Capabilities that prepare their channel listen for this (the knowledge base creates its forum tags).
        self.bot.dispatch("agora_channel_set", guild, target, channel)

    @app_commands.command(name="role", description="Choose the role Agora uses for a purpose")
    @app_commands.describe(purpose="What the role is for", role="The role; leave empty to unset")
    @app_commands.choices(purpose=ROLE_CHOICES)
    async def role(
        self, interaction: Interaction, purpose: app_commands.Choice[str], role: discord.Role | None = None
    ) -> None:
        guild = guild_of(interaction)
        target = RolePurpose[purpose.value.upper()]
        if role is not None:
            problem = role_problem(role, guild.me)
            if problem:
                raise RoleNotAssignableError(problem, role=role.name)
        async with self.bot.db.transaction() as session:
            await guild_settings.set_role(session, guild.id, target, role.id if role else None, now=utcnow())
        await self.confirm(interaction, purpose.value, role.mention if role else None)

    @app_commands.command(name="language", description="Choose the language of Agora's posts in this server")
    @app_commands.describe(language="Used for public posts and for members whose Discord language is neither")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language(self, interaction: Interaction, language: app_commands.Choice[str]) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            await guild_settings.set_locale(session, guild.id, language.value, now=utcnow())
        await self.confirm(interaction, "language", language.name)

    @app_commands.command(name="timezone", description="Choose the time zone for dates and recurring events")
    @app_commands.describe(zone="An IANA time zone such as Europe/Paris")
    async def timezone(self, interaction: Interaction, zone: str) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            await guild_settings.set_timezone(session, guild.id, zone.strip(), now=utcnow())
        await self.confirm(interaction, "timezone", zone.strip())

    @timezone.autocomplete("zone")
    async def timezone_names(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in guild_settings.timezone_suggestions(current)]

    async def confirm(self, interaction: Interaction, setting: str, value: str | None) -> None:
        """Said in the member's language as it is now (a language just chosen shows at once)."""
        language = (await self.bot.read_context(guild_of(interaction).id, interaction)).reply_language
        label = i18n.t(language, f"settings.label.{setting}")
        key = "settings.set.done" if value else "settings.set.cleared"
        await send_ephemeral(interaction, i18n.t(language, key, setting=label, value=value))


def describe(context: GuildContext) -> str:
    """`/agora show`: every channel and role, and the language Agora really uses here, and why."""
    language, settings = context.reply_language, context.settings
    unset = i18n.t(language, "settings.show.unset")
    lines = [i18n.t(language, "settings.show.title")]
    for purpose in ChannelPurpose:
        channel_id = getattr(settings, purpose.value)
        value = f"<#{channel_id}>" if channel_id else unset
        lines.append(f"• {i18n.t(language, f'settings.label.{purpose.name.lower()}')}: {value}")
    for role_purpose in RolePurpose:
        role_id = getattr(settings, role_purpose.value)
        value = f"<@&{role_id}>" if role_id else unset
        lines.append(f"• {i18n.t(language, f'settings.label.{role_purpose.name.lower()}')}: {value}")
    shown = i18n.t(language, f"settings.language.{context.language}")
    reason = i18n.t(language, f"settings.show.language_source.{context.language_source.value}")
    lines.append(f"• {i18n.t(language, 'settings.label.language')}: {shown} ({reason})")
    lines.append(f"• {i18n.t(language, 'settings.label.timezone')}: {context.zone.key}")
    return "\n".join(lines)


def check_channel(purpose: ChannelPurpose, channel: Postable, me: discord.Member) -> None:
    """Refuse a channel of the wrong kind, or one where the bot lacks what the purpose needs.

    Only the knowledge channel may be a forum (a text channel works too: its posts are threads from a message).
    """
    if purpose not in FORUM_PURPOSES and isinstance(channel, discord.ForumChannel):
        raise ChannelNotUsableError("errors.channel.not_text", channel=channel.mention)
    missing = channel_problems(channel, me, *CHANNEL_NEEDS.get(purpose, DEFAULT_NEEDS))
    if missing:
        raise ChannelNotUsableError(channel=channel.mention, permissions=missing)


async def setup(bot: Agora) -> None:
    await bot.add_cog(ServerSettings(bot))
