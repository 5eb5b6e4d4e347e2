"""What REST handlers share: state, gateway, journal, and the Discord rules they apply on every call."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from . import fidelity, payloads, permissions
from .errors import MISSING_PERMISSIONS, ApiError, raise_for, unknown
from .faults import Faults
from .gateway import Gateway
from .journal import Journal
from .limits import Limits
from .state import DM, Attachment, Channel, Guild, Json, Member, Message, State, utcnow


@dataclass
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str
    data: bytes
    content_type: str


@dataclass
class Core:
    state: State
    gateway: Gateway
    journal: Journal
    faults: Faults
    token: str
    base_url: str = ""
    interaction_deadline: float = 3.0
    followup_ttl: float = 15 * 60.0
    openapi_enabled: bool = True
    limits: Limits = field(default_factory=Limits)
    _component_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # ---- lookups that answer Discord's 404s -------------------------------------------------------
    def guild(self, guild_id: str | int) -> Guild:
        guild = self.state.guilds.get(_int(guild_id))
        if guild is None:
            raise unknown("Guild", 10004)
        return guild

    def channel(self, channel_id: str | int) -> Channel:
        channel = self.state.channels.get(_int(channel_id))
        if channel is None:
            raise unknown("Channel", 10003)
        return channel

    def message(self, channel: Channel, message_id: str | int) -> Message:
        message = self.state.messages.get(_int(message_id))
        if message is None or message.channel_id != channel.id:
            raise unknown("Message", 10008)
        return message

    def member(self, guild: Guild, user_id: str | int) -> Member:
        member = guild.members.get(_int(user_id))
        if member is None:
            raise unknown("Member", 10007)
        return member

    def bot_member(self, guild: Guild) -> Member:
        return guild.members[self.state.bot_user.id]

    # ---- permissions --------------------------------------------------------------------------------
    def bot_permissions(self, channel: Channel) -> int:
        guild = self.state.guild_of(channel)
        bot = guild.members.get(self.state.bot_user.id) if guild else None
        return permissions.for_channel(guild, bot, channel)

    def require(self, channel: Channel, needed: int) -> None:
        """403 Missing Permissions unless the bot has every bit of `needed` in `channel`.

        Algorithm: https://discord.com/developers/docs/topics/permissions#permission-overwrites
        """
        granted = self.bot_permissions(channel)
        if not granted & permissions.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access", detail="missing VIEW_CHANNEL")
        if needed & ~granted:
            lacking = ", ".join(permissions.missing(granted, needed)) or hex(needed & ~granted)
            raise ApiError(403, MISSING_PERMISSIONS, "Missing Permissions", detail=f"missing {lacking}")

    def require_post(self, channel: Channel) -> None:
        """Posting needs SEND_MESSAGES, or SEND_MESSAGES_IN_THREADS inside a thread; DMs need open DMs."""
        if channel.type == DM:
            recipient = self.state.users[channel.recipient_ids[0]]
            if not recipient.dms_open:
                # https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes (50007)
                raise ApiError(403, 50007, "Cannot send messages to this user")
            return
        needed = permissions.SEND_MESSAGES_IN_THREADS if channel.is_thread else permissions.SEND_MESSAGES
        self.require(channel, permissions.VIEW_CHANNEL | needed)
        if channel.is_thread and channel.locked:
            self.require(channel, permissions.MANAGE_THREADS)
        if channel.archived:  # posting in an archived (unlocked) thread reopens it
            channel.archived = False
            self.gateway.dispatch("THREAD_UPDATE", payloads.channel(self.state, channel))

    # ---- messages -----------------------------------------------------------------------------------
    def build_message(self, channel: Channel, body: Json, uploads: list[Upload], **extra: Any) -> Message:
        """A new message from a create body (already checked); not yet stored or dispatched."""
        raise_for(fidelity.message_errors(body))
        message = Message(
            id=self.state.new_id(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=self.state.bot_user.id,
            content=str(body.get("content") or ""),
            embeds=[_embed(e) for e in body.get("embeds") or []],
            components=self.normalize_components(body.get("components") or []),
            attachments=self.attachments(body, uploads),
            nonce=body.get("nonce"),
            flags=int(body.get("flags") or 0),
            tts=bool(body.get("tts")),
        )
        reference = body.get("message_reference")
        if reference and reference.get("message_id"):
            self.message(self.channel(reference.get("channel_id") or channel.id), reference["message_id"])
            message.message_reference = {
                "type": reference.get("type", 0),
                "message_id": str(reference["message_id"]),
                "channel_id": str(reference.get("channel_id") or channel.id),
                "guild_id": None if channel.guild_id is None else str(channel.guild_id),
            }
            message.type = 19
        for key, value in extra.items():
            setattr(message, key, value)
        return message

    def store_and_announce(self, message: Message) -> Message:
        """Store a new message and send MESSAGE_CREATE (never for ephemeral messages)."""
        self.state.add_message(message)
        if not message.ephemeral:
            self.gateway.dispatch("MESSAGE_CREATE", self.message_json(message, with_member=True))
        self.journal.changed()
        return message

    def edit_message(self, message: Message, body: Json, uploads: list[Upload]) -> Message:
        """Apply an edit body (only the keys present) and send MESSAGE_UPDATE."""
        merged = {"content": message.content, "embeds": message.embeds, "components": message.components}
        merged.update({k: v for k, v in body.items() if k in merged and v is not None})
        raise_for(fidelity.message_errors({**merged, "flags": body.get("flags", message.flags)}))
        if "content" in body:
            message.content = str(body["content"] or "")
        if "embeds" in body:
            message.embeds = [_embed(e) for e in body["embeds"] or []]
        if "components" in body:
            message.components = self.normalize_components(body["components"] or [])
        if "attachments" in body or uploads:
            kept = {str(a.get("id")) for a in body.get("attachments") or []}
            message.attachments = [a for a in message.attachments if str(a.id) in kept]
            message.attachments += self.attachments(body, uploads)
        if body.get("flags") is not None:
            message.flags = (message.flags & ~0x1004) | (int(body["flags"]) & 0x1004)
        message.flags &= ~128  # an edit ends the "thinking…" state of a deferred answer
        message.edited_timestamp = utcnow()
        if not message.ephemeral:
            self.gateway.dispatch("MESSAGE_UPDATE", self.message_json(message, with_member=True))
        self.journal.changed()
        return message

    def delete_message(self, message: Message) -> None:
        self.state.remove_message(message)
        if not message.ephemeral:
            data: Json = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
            self.gateway.dispatch("MESSAGE_DELETE", data)
        self.journal.changed()

    def message_json(self, message: Message, *, with_member: bool = False) -> Json:
        return payloads.message(self.state, message, base_url=self.base_url, with_member=with_member)

    def attachments(self, body: Json, uploads: list[Upload]) -> list[Attachment]:
        """Files of a multipart body, named and described by the `attachments` array when given."""
        described = {str(a.get("id")): a for a in body.get("attachments") or [] if isinstance(a, dict)}
        found = []
        for upload in uploads:
            index = upload.field.removeprefix("files[").removesuffix("]")
            meta = described.get(index, {})
            found.append(
                Attachment(
                    id=self.state.new_id(),
                    filename=str(meta.get("filename") or upload.filename),
                    data=upload.data,
                    content_type=upload.content_type,
                    description=meta.get("description"),
                )
            )
        return found

    def normalize_components(self, components: list[Json]) -> list[Json]:
        """Components as Discord echoes them: each gets a numeric `id` when the bot gave none."""
        result = []
        for component in components:
            copy = dict(component)
            copy.setdefault("id", next(self._component_ids))
            if isinstance(copy.get("components"), list):
                copy["components"] = self.normalize_components(copy["components"])
            for key in ("component", "accessory"):
                if isinstance(copy.get(key), dict):
                    copy[key] = self.normalize_components([copy[key]])[0]
            result.append(copy)
        return result


def _embed(embed: Json) -> Json:
    """An embed as Discord returns it: type "rich" unless given."""
    return {"type": "rich", **embed}


def _int(value: str | int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        message = f"Value {value!r} is not snowflake."
        raise ApiError(
            400, 50035, "Invalid Form Body", {"_errors": [{"code": "NUMBER_TYPE_COERCE", "message": message}]}
        ) from None
