"""What one member sees, as JSON for the page: the server, its channels, the messages of one channel, the commands.

Read from the emulator's state the way Discord's client would show it to that member: ephemeral answers only to
the member they answer, private threads only to their members and to moderators, their own DMs only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .emulator import permissions as perms
from .emulator.driver import Emulator
from .emulator.state import (
    DM,
    FORUM,
    PRIVATE_THREAD,
    THREAD_TYPES,
    VOCAL_TYPES,
    Channel,
    Guild,
    Json,
    Member,
    Message,
    User,
)

KINDS = {0: "text", 2: "voice", 4: "category", 5: "text", 13: "voice", 15: "forum"}
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
LOADING = 128  # a deferred ("thinking…") answer
MESSAGES_SHOWN = 60


def french(user: User) -> bool:
    return user.locale.startswith("fr")


def localized(item: Json, key: str, locale: str) -> str:
    """A command's or option's name or description in the member's language (Discord falls back to the default)."""
    table = item.get(f"{key}_localizations") or {}
    return str(table.get(locale) or table.get(locale.split("-")[0]) or item.get(key) or "")


class Viewer:
    """Serializes the emulator's state for the member `as` (a user id)."""

    def __init__(self, discord: Emulator, offset: dt.timedelta, dismissed: frozenset[int] = frozenset()) -> None:
        self.discord = discord
        self.offset = offset
        self.dismissed = dismissed

    @property
    def guild(self) -> Guild:
        return self.discord.guild

    def user(self, user_id: int) -> User:
        return self.discord.state.users[user_id]

    def member(self, user_id: int) -> Member | None:
        return self.guild.members.get(user_id)

    def is_host(self, user_id: int) -> bool:
        member = self.member(user_id)
        return member is not None and bool(perms.base_permissions(self.guild, member) & perms.MANAGE_GUILD)

    # ---- the server ---------------------------------------------------------------------------------------
    def world(self, me: int) -> Json:
        user, member = self.user(me), self.member(me)
        guild = self.guild
        dm = self.discord.state.dm_with(me)
        voice = guild.voice_states.get(me)
        return {
            "guild": {"id": str(guild.id), "name": guild.name},
            "me": {
                "id": str(me),
                "name": user.username,
                "locale": user.locale,
                "present": member is not None,
                "host": self.is_host(me),
                "voice": str(voice.channel_id) if voice else None,
            },
            "people": [self.person(u) for u in self.discord.state.users.values()],
            "roles": [
                {"id": str(r.id), "name": r.name, "color": r.color}
                for r in sorted(guild.roles.values(), key=lambda r: -r.position)
            ],
            "channels": [self.channel(c, me) for c in self.visible_channels(me)],
            "dm": str(dm.id) if dm else None,
            "commands": self.commands(user.locale),
            "clock": {"offset_hours": self.offset.total_seconds() / 3600},
        }

    def person(self, user: User) -> Json:
        member = self.guild.members.get(user.id)
        roles = [] if member is None else [self.guild.roles[r].name for r in member.role_ids if r in self.guild.roles]
        return {
            "id": str(user.id),
            "name": user.username,
            "locale": user.locale,
            "bot": user.bot,
            "present": member is not None,
            "owner": user.id == self.guild.owner_id,
            "roles": roles,
        }

    def visible_channels(self, me: int) -> list[Channel]:
        member = self.member(me)
        moderator = member is not None and bool(
            perms.base_permissions(self.guild, member) & (perms.MANAGE_THREADS | perms.ADMINISTRATOR)
        )
        shown = []
        for channel in sorted(self.guild.channels.values(), key=lambda c: (c.position, c.id)):
            if member is None:
                continue
            if channel.type == PRIVATE_THREAD and not (moderator or me in channel.member_ids):
                continue
            if channel.type not in THREAD_TYPES and not perms.channel_permissions(self.guild, member, channel) & (
                perms.VIEW_CHANNEL
            ):
                continue
            shown.append(channel)
        return shown

    def channel(self, channel: Channel, me: int) -> Json:
        kind = "thread" if channel.is_thread else KINDS.get(channel.type, "text")
        data: Json = {
            "id": str(channel.id),
            "name": channel.name,
            "kind": kind,
            "parent": str(channel.parent_id) if channel.parent_id else None,
            "topic": channel.topic,
            "private": channel.type == PRIVATE_THREAD,
            "archived": channel.archived,
            "count": len(channel.messages),
        }
        if channel.type in VOCAL_TYPES:
            data["voice"] = [
                self.user(v.user_id).username for v in self.guild.voice_states.values() if v.channel_id == channel.id
            ]
        if channel.type == FORUM:
            data["tags"] = {t["id"]: t["name"] for t in channel.available_tags}
        if channel.is_thread:
            parent = self.discord.state.channels.get(channel.parent_id or 0)
            names = {t["id"]: t["name"] for t in parent.available_tags} if parent else {}
            data["tags"] = [names.get(str(t), str(t)) for t in channel.applied_tags]
        return data

    # ---- commands -----------------------------------------------------------------------------------------
    def commands(self, locale: str) -> list[Json]:
        """Every chat-input command path (`poll create`) with its options, names localized for `locale`."""
        found: list[Json] = []
        for command in self.discord.state.commands_for(self.guild.id):
            if command.type != 1:
                continue
            self._paths(command.body, [command.body], locale, found, command.body)
        return sorted(found, key=lambda c: c["label"])

    def _paths(self, node: Json, chain: list[Json], locale: str, found: list[Json], root: Json) -> None:
        options = list(node.get("options") or [])
        subs = [o for o in options if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if subs:
            for sub in subs:
                self._paths(sub, [*chain, sub], locale, found, root)
            return
        found.append(
            {
                "path": " ".join(str(link["name"]) for link in chain),
                "label": " ".join(localized(link, "name", locale) for link in chain),
                "description": localized(node, "description", locale),
                "host": root.get("default_member_permissions") not in (None, "", "0") and root is not None,
                "options": [
                    {
                        "name": o["name"],
                        "label": localized(o, "name", locale),
                        "description": localized(o, "description", locale),
                        "type": int(o["type"]),
                        "required": bool(o.get("required")),
                        "autocomplete": bool(o.get("autocomplete")),
                        "choices": [
                            {"name": localized(c, "name", locale), "value": c["value"]} for c in o.get("choices") or []
                        ],
                        "min": o.get("min_value", o.get("min_length")),
                        "max": o.get("max_value", o.get("max_length")),
                        "channel_types": o.get("channel_types") or [],
                    }
                    for o in options
                ],
            }
        )

    # ---- messages -----------------------------------------------------------------------------------------
    def readable(self, channel: Channel, me: int) -> bool:
        if channel.type == DM:
            return me in channel.recipient_ids
        return any(c.id == channel.id for c in self.visible_channels(me))

    def private_to(self) -> dict[int, int]:
        """Ephemeral message id → the member who sees it."""
        seen: dict[int, int] = {}
        for interaction in self.discord.state.interactions.values():
            for message in (interaction.original, *interaction.followups):
                if message is not None and message.ephemeral:
                    seen[message.id] = interaction.user_id
        return seen

    def messages(self, channel: Channel, me: int) -> Json:
        mine = self.private_to()
        ephemeral = [
            m
            for m in self.discord.state.messages.values()
            if m.channel_id == channel.id
            and m.ephemeral
            and mine.get(m.id) == me
            and not m.deleted
            and m.id not in self.dismissed
        ]
        shown = sorted([*channel.messages, *ephemeral], key=lambda m: m.id)[-MESSAGES_SHOWN:]
        data: Json = {"channel": self.channel(channel, me), "messages": [self.message(m, me) for m in shown]}
        if channel.type == DM:
            data["channel"]["name"] = self.discord.bot.username
            data["channel"]["kind"] = "dm"
        if channel.type == FORUM:
            data["posts"] = [
                self.channel(c, me) | {"first": self._first_line(c)}
                for c in self.visible_channels(me)
                if c.is_thread and c.parent_id == channel.id
            ]
        return data

    @staticmethod
    def _first_line(thread: Channel) -> str:
        return thread.messages[0].content[:140] if thread.messages else ""

    def message(self, message: Message, me: int) -> Json:
        author = self.discord.state.users.get(message.author_id)
        thread = self.discord.state.channels.get(message.thread_id or 0)
        return {
            "id": str(message.id),
            "author": {
                "id": str(message.author_id),
                "name": author.username if author else str(message.author_id),
                "bot": bool(author and author.bot),
            },
            "content": message.content,
            "timestamp": message.timestamp.isoformat(),
            "edited": message.edited_timestamp is not None,
            "ephemeral": message.ephemeral,
            "loading": bool(message.flags & LOADING),
            "embeds": message.embeds,
            "components": message.components,
            "attachments": [
                {
                    "id": str(a.id),
                    "filename": a.filename,
                    "url": f"/cdn/{a.id}/{a.filename}",
                    "content_type": a.content_type,
                    "size": a.size,
                    "description": a.description,
                }
                for a in message.attachments
            ],
            "reactions": [
                {
                    "emoji": r.emoji.name if r.emoji.id is None else f"<:{r.emoji.name}:{r.emoji.id}>",
                    "label": r.emoji.name if r.emoji.id is None else f":{r.emoji.name}:",
                    "count": len(r.user_ids),
                    "me": me in r.user_ids,
                }
                for r in message.reactions
                if r.user_ids
            ],
            "thread": {"id": str(thread.id), "name": thread.name, "count": len(thread.messages)} if thread else None,
            "reply_to": (message.message_reference or {}).get("message_id"),
        }


def fingerprint(message: Message) -> tuple[Any, ...]:
    """What a member can see change on a message."""
    return (
        message.content,
        message.flags,
        repr(message.embeds),
        repr(message.components),
        len(message.attachments),
        message.edited_timestamp,
        message.deleted,
        tuple((r.emoji.key, len(r.user_ids)) for r in message.reactions),
    )
