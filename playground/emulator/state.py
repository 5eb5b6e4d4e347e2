"""The emulated Discord's world as plain dataclasses: what the bot changed is read back from here."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Channel types, https://discord.com/developers/docs/resources/channel#channel-object-channel-types
TEXT, DM, VOICE, CATEGORY, PUBLIC_THREAD, PRIVATE_THREAD, STAGE, FORUM = 0, 1, 2, 4, 11, 12, 13, 15
THREAD_TYPES = frozenset({10, PUBLIC_THREAD, PRIVATE_THREAD})
VOCAL_TYPES = frozenset({VOICE, STAGE})
CHANNEL_TYPES = {"text": TEXT, "voice": VOICE, "stage": STAGE, "category": CATEGORY, "forum": FORUM}

_CUSTOM_EMOJI = re.compile(r"^<?(a?):?([\w~-]+):(\d+)>?$")

Json = dict[str, Any]


def utcnow() -> dt.datetime:
    """Aware UTC now; every timestamp the emulator hands out comes from here."""
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime | None) -> str | None:
    """Discord's ISO-8601 rendering, or None."""
    return None if moment is None else moment.isoformat()


class Snowflakes:
    """Strictly increasing snowflakes with a real timestamp part, like Discord's."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        stamp = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(stamp, self._last + 1)
        return self._last

    def next_on_shard(self, shard_id: int, shard_count: int) -> int:
        """The next snowflake whose timestamp puts a server on `shard_id` of `shard_count` ((id >> 22) % count)."""
        stamp = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, (self._last >> 22) + 1)
        stamp += (shard_id - stamp) % shard_count
        self._last = stamp << 22
        return self._last


@dataclass(frozen=True)
class Emoji:
    """A unicode emoji (id None) or a custom one; `key` is how Discord's routes spell it."""

    name: str
    id: int | None = None
    animated: bool = False

    @classmethod
    def parse(cls, text: str) -> Emoji:
        """Accepts "🇦", "<:name:id>", "<a:name:id>" and the route form "name:id"."""
        match = _CUSTOM_EMOJI.match(text)
        if match is None:
            return cls(name=text)
        return cls(name=match[2], id=int(match[3]), animated=bool(match[1]))

    @property
    def key(self) -> str:
        return self.name if self.id is None else f"{self.name}:{self.id}"

    def to_json(self) -> Json:
        data: Json = {"id": None if self.id is None else str(self.id), "name": self.name}
        if self.id is not None:
            data["animated"] = self.animated
        return data


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None
    locale: str = "en-US"
    dms_open: bool = True


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False


@dataclass
class Overwrite:
    """A channel permission overwrite; type 0 targets a role, 1 a member."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0


@dataclass
class Member:
    user: User
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    joined_at: dt.datetime = field(default_factory=utcnow)
    nick: str | None = None

    @property
    def id(self) -> int:
        return self.user.id


@dataclass
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str = "application/octet-stream"
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Reaction:
    emoji: Emoji
    user_ids: list[int] = field(default_factory=list)


@dataclass
class Message:
    id: int
    channel_id: int
    author_id: int
    guild_id: int | None = None
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    nonce: int | str | None = None
    flags: int = 0
    type: int = 0
    tts: bool = False
    message_reference: Json | None = None
    timestamp: dt.datetime = field(default_factory=utcnow)
    edited_timestamp: dt.datetime | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    thread_id: int | None = None
    deleted: bool = False
    pinned: bool = False

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & 64)

    def reaction(self, emoji: str | Emoji) -> Reaction | None:
        """The reaction for `emoji` ("🇦", "<:name:id>"), or None."""
        key = (emoji if isinstance(emoji, Emoji) else Emoji.parse(emoji)).key
        return next((r for r in self.reactions if r.emoji.key == key), None)

    def reactors(self, emoji: str | Emoji) -> list[int]:
        """User ids that reacted with `emoji`, in order."""
        found = self.reaction(emoji)
        return [] if found is None else list(found.user_ids)

    def buttons(self) -> list[Json]:
        """Every button of the message, in reading order."""
        return [c for c in walk_components(self.components) if c.get("type") == 2]


def walk_components(components: list[Json]) -> list[Json]:
    """Flatten rows, sections, containers and labels into a list of leaf and container components."""
    found: list[Json] = []
    for component in components:
        found.append(component)
        found.extend(walk_components(list(component.get("components") or [])))
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                found.extend(walk_components([component[key]]))
    return found


@dataclass
class Channel:
    id: int
    type: int
    name: str
    guild_id: int | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    available_tags: list[Json] = field(default_factory=list)
    applied_tags: list[int] = field(default_factory=list)
    owner_id: int | None = None
    recipient_ids: list[int] = field(default_factory=list)
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    rate_limit_per_user: int = 0
    nsfw: bool = False
    created_at: dt.datetime = field(default_factory=utcnow)
    # Threads: who has joined (private threads are visible to them and to MANAGE_THREADS only), whether
    # non-moderators may add others (private threads), and when it was last archived or unarchived.
    member_ids: list[int] = field(default_factory=list)
    invitable: bool = True
    archive_timestamp: dt.datetime | None = None
    flags: int = 0  # forum: REQUIRE_TAG (1 << 4); thread: PINNED (1 << 1)

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def last_message_id(self) -> int | None:
        return self.messages[-1].id if self.messages else None

    def tag(self, name: str) -> Json:
        """A forum tag by name."""
        for tag in self.available_tags:
            if tag["name"] == name:
                return tag
        raise KeyError(f"forum #{self.name} has no tag {name!r}")


@dataclass
class VoiceState:
    """A member connected to a voice or stage channel (https://discord.com/developers/docs/resources/voice)."""

    user_id: int
    channel_id: int
    session_id: str
    self_mute: bool = False
    self_deaf: bool = False
    suppress: bool = False


@dataclass
class ScheduledEvent:
    id: int
    guild_id: int
    name: str
    scheduled_start_time: str
    entity_type: int
    creator_id: int
    privacy_level: int = 2
    status: int = 1
    description: str | None = None
    scheduled_end_time: str | None = None
    channel_id: int | None = None
    entity_metadata: Json | None = None
    image: str | None = None
    recurrence_rule: Json | None = None
    # Members who marked themselves interested, in the order they did.
    user_ids: list[int] = field(default_factory=list)


@dataclass
class Command:
    """An application command as the bot synced it (the request body plus the ids Discord adds)."""

    id: int
    application_id: int
    guild_id: int | None
    body: Json

    @property
    def name(self) -> str:
        return str(self.body["name"])

    @property
    def type(self) -> int:
        return int(self.body.get("type") or 1)


DEFERRED_MESSAGE, DEFERRED_UPDATE = 5, 6  # callback types: "thinking…", and a component's silent defer


@dataclass
class Callback:
    """The bot's initial answer to an interaction (callback type and data)."""

    type: int
    data: Json


@dataclass
class Interaction:
    """One interaction the driver sent, and everything the bot answered to it."""

    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    guild_id: int | None
    data: Json
    created_at: float
    label: str
    source_message_id: int | None = None
    response: Callback | None = None
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    followed_up: bool = False  # a follow-up was sent or `@original` edited (the real answer after a deferral)

    @property
    def acknowledged(self) -> bool:
        return self.response is not None

    @property
    def answered(self) -> bool:
        """What the member waits for: the first answer, and after "thinking…" (5) or a silent defer (6), the
        follow-up or edit that carries the real one."""
        if self.response is None:
            return False
        return self.response.type not in (DEFERRED_MESSAGE, DEFERRED_UPDATE) or self.followed_up

    @property
    def message(self) -> Message | None:
        """The message the response created or updated, if any."""
        return self.original

    @property
    def content(self) -> str:
        """The text the member read in answer: the original response's, else the first follow-up's with text (after a
        silent defer, the follow-ups' first: the original is the message whose component was used)."""
        for message in self._answers():
            if message is not None and message.content:
                return message.content
        return ""

    @property
    def ephemeral(self) -> bool:
        """Whether the (first) visible answer was ephemeral."""
        answers = [message for message in self._answers() if message is not None]
        if answers:
            return answers[0].ephemeral
        return bool(self.response and int(self.response.data.get("flags") or 0) & 64)

    def _answers(self) -> tuple[Message | None, ...]:
        if self.response is not None and self.response.type == DEFERRED_UPDATE:
            return (*self.followups, self.original)
        return (self.original, *self.followups)

    @property
    def modal(self) -> Json | None:
        """The modal the bot opened (callback type 9), if it did."""
        return self.response.data if self.response and self.response.type == 9 else None

    @property
    def choices(self) -> list[Json]:
        """Autocomplete choices (callback type 8)."""
        if self.response is None or self.response.type != 8:
            return []
        return list(self.response.data.get("choices") or [])


@dataclass
class Guild:
    id: int
    name: str
    owner_id: int
    preferred_locale: str = "en-US"
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)
    voice_states: dict[int, VoiceState] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def channel(self, name: str) -> Channel:
        """A channel or thread by name (first match)."""
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise KeyError(f"guild {self.name} has no channel {name!r}")

    def role(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"guild {self.name} has no role {name!r}")

    def member(self, name: str) -> Member:
        for member in self.members.values():
            if member.user.username == name:
                return member
        raise KeyError(f"guild {self.name} has no member {name!r}")

    def text_channels(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.type == TEXT]

    def threads(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.is_thread]


@dataclass
class State:
    """Everything the emulated Discord knows; REST handlers and the driver both mutate it."""

    application_id: int
    bot_user: User
    snowflakes: Snowflakes = field(default_factory=Snowflakes)
    users: dict[int, User] = field(default_factory=dict)
    guilds: dict[int, Guild] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    messages: dict[int, Message] = field(default_factory=dict)
    global_commands: list[Command] = field(default_factory=list)
    guild_commands: dict[int, list[Command]] = field(default_factory=dict)
    interactions: dict[int, Interaction] = field(default_factory=dict)
    # Files members attach to a command option: served like any attachment, at `cdn_url`.
    uploads: dict[int, Attachment] = field(default_factory=dict)
    cdn_url: str = "https://cdn.discordapp.com"

    def new_id(self) -> int:
        return self.snowflakes.next()

    @staticmethod
    def new_token() -> str:
        return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)

    def add_user(self, username: str, *, bot: bool = False, locale: str = "en-US") -> User:
        user = User(id=self.new_id(), username=username, bot=bot, locale=locale)
        self.users[user.id] = user
        return user

    def add_channel(self, channel: Channel) -> Channel:
        self.channels[channel.id] = channel
        if channel.guild_id is not None:
            self.guilds[channel.guild_id].channels[channel.id] = channel
        return channel

    def add_message(self, message: Message) -> Message:
        self.messages[message.id] = message
        if not message.ephemeral:
            self.channels[message.channel_id].messages.append(message)
        return message

    def remove_message(self, message: Message) -> None:
        message.deleted = True
        self.messages.pop(message.id, None)
        channel = self.channels.get(message.channel_id)
        if channel is not None and message in channel.messages:
            channel.messages.remove(message)

    def guild_of(self, channel: Channel) -> Guild | None:
        return None if channel.guild_id is None else self.guilds[channel.guild_id]

    def dm_with(self, user_id: int) -> Channel | None:
        """The DM channel between the bot and `user_id`, if opened."""
        for channel in self.channels.values():
            if channel.type == DM and user_id in channel.recipient_ids:
                return channel
        return None

    def commands_for(self, guild_id: int | None) -> list[Command]:
        """Guild commands first (they shadow globals of the same name in the client's picker)."""
        local = self.guild_commands.get(guild_id, []) if guild_id is not None else []
        return [*local, *self.global_commands]

    def interaction_by_token(self, token: str) -> Interaction | None:
        for interaction in self.interactions.values():
            if interaction.token == token:
                return interaction
        return None
