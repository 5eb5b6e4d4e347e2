"""Pinned messages: https://discord.com/developers/docs/resources/message#pin-message (a channel holds 250 pins;
pinning needs MANAGE_MESSAGES, or PIN_MESSAGES since 2025, which the emulator counts as the same)."""

from __future__ import annotations

from . import permissions as perms
from .errors import ApiError
from .rest import Call, Reply, RouteTable
from .state import Json, Message, iso, utcnow

routes = RouteTable()

MAX_PINS = 250
PIN_MESSAGES = 1 << 51


def _pin(call: Call, pinned: bool) -> None:
    core = call.core
    channel = core.channel(call.params["channel_id"])
    message = core.message(channel, call.params["message_id"])
    granted = core.bot_permissions(channel)
    if not granted & (perms.MANAGE_MESSAGES | PIN_MESSAGES):
        core.require(channel, perms.MANAGE_MESSAGES)
    if pinned and not message.pinned and sum(m.pinned for m in channel.messages) >= MAX_PINS:
        raise ApiError(400, 30003, "Maximum number of pins reached (250)")
    if message.pinned == pinned:
        return
    message.pinned = pinned
    data: Json = {"channel_id": str(channel.id), "last_pin_timestamp": iso(utcnow()) if pinned else None}
    if channel.guild_id is not None:
        data["guild_id"] = str(channel.guild_id)
    core.gateway.dispatch("CHANNEL_PINS_UPDATE", data)
    core.gateway.dispatch("MESSAGE_UPDATE", core.message_json(message, with_member=True))
    core.journal.changed()


@routes.put("/channels/{channel_id}/messages/pins/{message_id}")
async def pin(call: Call) -> Reply:
    _pin(call, True)
    return None


@routes.delete("/channels/{channel_id}/messages/pins/{message_id}")
async def unpin(call: Call) -> Reply:
    _pin(call, False)
    return None


def pinned(messages: list[Message]) -> list[Message]:
    return [message for message in messages if message.pinned]
