"""What the welcome cogs (conduct, onboarding, profiles) share: stateless modals, members reached from DMs, DMs with
a fallback, and notices to hosts. Not a cog itself.

Modals here are not kept by discord.py: their submission reaches the cog's `on_interaction` listener by custom_id,
so a form opened before a restart is still received after it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from re import Match
from typing import TYPE_CHECKING, Any, cast

import discord
from discord.ext import commands

from bot import i18n
from bot.checks import channel_problems
from bot.errors import UserError
from bot.replies import NO_PINGS, guild_language
from bot.ui import run_safely
from models import guild_settings
from models.guild_settings import ChannelPurpose

if TYPE_CHECKING:
    from bot.client import Agora

log = logging.getLogger(__name__)

CANNOT_DM = 50007  # https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes
MODAL_TITLE_MAX = 45
INPUT_LABEL_MAX = 45
POST_NEEDS = ("send_messages", "embed_links")


class NotAMemberError(UserError):
    key = "onboarding.flow.not_member"


class StrangerError(UserError):
    """Someone clicked a button that belongs to another member's path."""

    key = "onboarding.flow.stranger"


def stateless_modal(title: str, custom_id: str, inputs: Sequence[discord.ui.TextInput[Any]]) -> discord.ui.Modal:
    """A modal discord.py does not keep (stopped before sending): `on_interaction` receives its submission."""
    modal = discord.ui.Modal(title=title[:MODAL_TITLE_MAX], custom_id=custom_id, timeout=None)
    for item in inputs:
        modal.add_item(item)
    modal.stop()
    return modal


def submitted_modal(interaction: discord.Interaction) -> tuple[str, dict[str, str]] | None:
    """(custom_id, {input custom_id: value}) when the interaction submits a modal, else None."""
    if interaction.type is not discord.InteractionType.modal_submit or not interaction.data:
        return None
    values: dict[str, str] = {}

    def walk(components: Sequence[Any]) -> None:
        for component in components:
            if "custom_id" in component and "value" in component:
                values[str(component["custom_id"])] = str(component["value"] or "")
            walk(component.get("components") or [])
            if isinstance(component.get("component"), dict):
                walk([component["component"]])

    data = cast(dict[str, Any], interaction.data)
    walk(list(data.get("components") or []))
    return str(data.get("custom_id", "")), values


def label_for(text: str, fallback: str) -> str:
    """An input label (Discord: ≤ 45 characters): the text itself when short enough, else `fallback`."""
    return text if len(text) <= INPUT_LABEL_MAX else fallback[:INPUT_LABEL_MAX]


async def member_of(bot: Agora, guild_id: int, user_id: int) -> tuple[discord.Guild, discord.Member]:
    """The guild and member behind an interaction that may come from a DM; refuses people no longer there."""
    guild = bot.get_guild(guild_id)
    if guild is None:
        raise NotAMemberError(server="?")
    member = guild.get_member(user_id)
    if member is None:
        try:
            member = await guild.fetch_member(user_id)
        except discord.NotFound:
            raise NotAMemberError(server=guild.name) from None
    return guild, member


def own(interaction: discord.Interaction, member_id: int) -> None:
    """Per-member components refuse strangers politely."""
    if interaction.user.id != member_id:
        raise StrangerError()


async def send_dm(user: discord.User | discord.Member, **kwargs: Any) -> discord.Message | None:
    """A direct message, or None when the member does not accept DMs from the bot."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    try:
        return await user.send(**kwargs)
    except discord.Forbidden:
        return None
    except discord.HTTPException as error:
        if error.code == CANNOT_DM:
            return None
        raise


def postable(guild: discord.Guild, channel_id: int | None, *needs: str) -> discord.TextChannel | None:
    """The text channel if the bot can post there (with `needs`), else None."""
    channel = guild.get_channel(channel_id) if channel_id else None
    if not isinstance(channel, discord.TextChannel):
        return None
    return None if channel_problems(channel, guild.me, *(needs or POST_NEEDS)) else channel


async def channel_for(bot: Agora, guild: discord.Guild, purpose: ChannelPurpose) -> discord.TextChannel | None:
    async with bot.db.transaction() as session:
        settings = await guild_settings.get_settings(session, guild.id)
        channel_id = getattr(settings, purpose.value)
    return postable(guild, channel_id)


async def notify_hosts(bot: Agora, guild: discord.Guild, key: str, /, **params: Any) -> bool:
    """Tell the hosts in the moderators' channel, in the guild's language; False when no such channel works."""
    channel = await channel_for(bot, guild, ChannelPurpose.MODERATORS)
    if channel is None:
        log.warning("could not tell the hosts of guild %s (%s): no usable moderators' channel", guild.id, key)
        return False
    language = await guild_language(bot, guild.id)
    try:
        await channel.send(i18n.t(language, key, **params), allowed_mentions=NO_PINGS)
    except discord.HTTPException as error:
        log.warning("could not tell the hosts of guild %s (%s): %s", guild.id, key, error.status)
        return False
    return True


def humans(guild: discord.Guild) -> list[discord.Member]:
    return [member for member in guild.members if not member.bot]


async def ensure_members(guild: discord.Guild) -> None:
    """Load the full member list once (the bot does not chunk guilds at start)."""
    if not guild.chunked:
        await guild.chunk(cache=True)


class StartButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"agora:onb:start:(?P<guild>\d+):(?P<member>\d+)",
):
    """A member's own “Start” (or “Continue”) button, shared by greetings, reminders and the conduct's reply; the
    onboarding cog opens the member's path, after restarts too."""

    def __init__(self, guild_id: int, member_id: int, label: str = "Start") -> None:
        self.guild_id, self.member_id = guild_id, member_id
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                emoji="▶️",
                custom_id=f"agora:onb:start:{guild_id}:{member_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Match[str], /
    ) -> StartButton:
        return cls(int(match["guild"]), int(match["member"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        client = interaction.client
        cog = client.get_cog("Onboarding") if isinstance(client, commands.Bot) else None
        if cog is not None:
            await run_safely(interaction, cast(Any, cog).start_from_button(interaction, self.guild_id, self.member_id))


def start_view(guild_id: int, member_id: int, label: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(StartButton(guild_id, member_id, label))
    return view
