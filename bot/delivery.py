"""Reaching people outside an interaction: direct messages with a channel as fallback, and notices to the hosts in
the moderators' channel. Nothing sent here pings anyone but the member it is meant for."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot import i18n
from bot.checks import channel_problems
from models.guild_settings import GuildContext

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
CANNOT_DM = 50007  # https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes
POST_NEEDS = ("send_messages", "embed_links")


async def send_dm(user: discord.User | discord.Member, **kwargs: Any) -> discord.Message | None:
    """A direct message, or None when the member does not accept DMs from the bot."""
    return await _direct(user.send, **kwargs)


async def send_dm_by_id(client: discord.Client, user_id: int, **kwargs: Any) -> discord.Message | None:
    """A direct message to someone known by id alone (members are not cached): no request to look them up first."""

    async def send(**options: Any) -> discord.Message:
        channel = await client.create_dm(discord.Object(user_id))
        return await channel.send(**options)

    return await _direct(send, **kwargs)


async def _direct(send: Callable[..., Awaitable[discord.Message]], **kwargs: Any) -> discord.Message | None:
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    try:
        return await send(**kwargs)
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


async def post(channel: discord.abc.Messageable, **kwargs: Any) -> discord.Message | None:
    """A message in a channel, or None (logged) when Discord refuses it."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    try:
        return await channel.send(**kwargs)
    except discord.HTTPException as error:
        log.warning("could not post in channel %s (%s)", getattr(channel, "id", "?"), error.status)
        return None


async def deliver(
    member: discord.Member, channel: discord.TextChannel | None, *, prefer_dm: bool, **kwargs: Any
) -> discord.Message | None:
    """By DM or in `channel`, whichever is preferred first, the other as fallback; None when neither works."""
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions(users=[member], everyone=False, roles=False))
    for use_dm in (prefer_dm, not prefer_dm):
        if use_dm:
            sent = await send_dm(member, **kwargs)
        else:
            sent = await post(channel, **kwargs) if channel is not None else None
        if sent is not None:
            return sent
    return None


async def notify_hosts(guild: discord.Guild, context: GuildContext, key: str, /, **params: Any) -> bool:
    """Tell the hosts in the moderators' channel, in the server's language; False when no such channel works."""
    channel = postable(guild, context.settings.moderators_channel_id)
    if channel is None:
        log.warning("could not tell the hosts of guild %s (%s): no usable moderators' channel", guild.id, key)
        return False
    return await post(channel, content=i18n.t(context.language, key, **params)) is not None
