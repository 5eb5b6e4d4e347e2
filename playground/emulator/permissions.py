"""Discord's permission computation, so the emulator refuses what Discord would refuse.

The algorithm: https://discord.com/developers/docs/topics/permissions#permission-overwrites
"""

from __future__ import annotations

from .state import DM, PRIVATE_THREAD, Channel, Guild, Member

# Bit values: https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags
CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
MUTE_MEMBERS = 1 << 22
MOVE_MEMBERS = 1 << 24
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_EVENTS = 1 << 33
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
MODERATE_MEMBERS = 1 << 40
CREATE_EVENTS = 1 << 44
ALL = (1 << 51) - 1

# What @everyone gets in a fresh guild (roughly Discord's defaults for a community server).
DEFAULT_EVERYONE = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
    | CONNECT
    | SPEAK
)

NAMES = {
    VIEW_CHANNEL: "VIEW_CHANNEL",
    SEND_MESSAGES: "SEND_MESSAGES",
    ADD_REACTIONS: "ADD_REACTIONS",
    CREATE_PUBLIC_THREADS: "CREATE_PUBLIC_THREADS",
    CREATE_PRIVATE_THREADS: "CREATE_PRIVATE_THREADS",
    SEND_MESSAGES_IN_THREADS: "SEND_MESSAGES_IN_THREADS",
    MANAGE_ROLES: "MANAGE_ROLES",
    MANAGE_EVENTS: "MANAGE_EVENTS",
    MANAGE_CHANNELS: "MANAGE_CHANNELS",
    MANAGE_THREADS: "MANAGE_THREADS",
    CREATE_EVENTS: "CREATE_EVENTS",
    CONNECT: "CONNECT",
    MUTE_MEMBERS: "MUTE_MEMBERS",
    MOVE_MEMBERS: "MOVE_MEMBERS",
    READ_MESSAGE_HISTORY: "READ_MESSAGE_HISTORY",
}


def base_permissions(guild: Guild, member: Member) -> int:
    """Guild-wide permissions: owner and ADMINISTRATOR get everything."""
    if member.id == guild.owner_id:
        return ALL
    perms = guild.everyone.permissions
    for role_id in member.role_ids:
        role = guild.roles.get(role_id)
        if role is not None:
            perms |= role.permissions
    return ALL if perms & ADMINISTRATOR else perms


def channel_permissions(guild: Guild, member: Member, channel: Channel) -> int:
    """Permissions in `channel` (threads inherit their parent's overwrites)."""
    perms = base_permissions(guild, member)
    if perms & ADMINISTRATOR:
        return ALL
    target = guild.channels[channel.parent_id] if channel.is_thread and channel.parent_id else channel
    overwrites = {o.id: o for o in target.overwrites}
    everyone = overwrites.get(guild.id)
    if everyone is not None:
        perms = (perms & ~everyone.deny) | everyone.allow
    allow = deny = 0
    for role_id in member.role_ids:
        overwrite = overwrites.get(role_id)
        if overwrite is not None:
            allow |= overwrite.allow
            deny |= overwrite.deny
    perms = (perms & ~deny) | allow
    own = overwrites.get(member.id)
    if own is not None:
        perms = (perms & ~own.deny) | own.allow
    if channel.type == PRIVATE_THREAD and member.id not in channel.member_ids and not perms & MANAGE_THREADS:
        return 0  # https://discord.com/developers/docs/topics/threads#private-threads
    return perms if perms & VIEW_CHANNEL else 0


def highest_position(guild: Guild, member: Member) -> int:
    """Position of the member's top role (@everyone is 0)."""
    return max((guild.roles[r].position for r in member.role_ids if r in guild.roles), default=0)


def missing(granted: int, needed: int) -> list[str]:
    """Names of the `needed` bits absent from `granted`."""
    return [name for bit, name in NAMES.items() if needed & bit and not granted & bit]


def for_channel(guild: Guild | None, member: Member | None, channel: Channel) -> int:
    """Permissions of a member in a channel; DMs allow the basics."""
    if channel.type == DM or guild is None or member is None:
        return VIEW_CHANNEL | SEND_MESSAGES | ADD_REACTIONS | READ_MESSAGE_HISTORY | EMBED_LINKS | ATTACH_FILES
    return channel_permissions(guild, member, channel)
