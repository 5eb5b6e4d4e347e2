"""Creating and deleting channels and roles, and channel permission overwrites.

https://discord.com/developers/docs/resources/guild#create-guild-channel
https://discord.com/developers/docs/resources/channel#deleteclose-channel
https://discord.com/developers/docs/resources/channel#edit-channel-permissions
https://discord.com/developers/docs/resources/guild#create-guild-role
"""

from __future__ import annotations

from . import payloads
from . import permissions as perms
from .core import Core
from .errors import ApiError, raise_for, unknown
from .fidelity import Errors
from .rest import Call, Reply, RouteTable
from .routes_messages import overwrites_from
from .state import CATEGORY, Channel, Guild, Json, Overwrite, Role

routes = RouteTable()


def _require_guild(core: Core, guild: Guild, needed: int) -> int:
    """The bot's guild-wide permissions, refused (50013) when they lack `needed`."""
    granted = perms.base_permissions(guild, core.bot_member(guild))
    if needed & ~granted:
        lacking = ", ".join(perms.missing(granted, needed)) or hex(needed & ~granted)
        raise ApiError(403, 50013, "Missing Permissions", detail=f"missing {lacking}")
    return granted


def _only_granted(overwrites: list[Overwrite], granted: int, *, what: str) -> None:
    """Only permissions the bot has can be allowed or denied; MANAGE_ROLES only by administrators."""
    for overwrite in overwrites:
        bits = overwrite.allow | overwrite.deny
        beyond = bits & ~granted
        if granted & perms.ADMINISTRATOR:
            continue
        if beyond or bits & perms.MANAGE_ROLES:
            detail = f"{what} sets permissions the bot lacks ({hex(beyond or perms.MANAGE_ROLES)})"
            raise ApiError(403, 50013, "Missing Permissions", detail=detail)


@routes.post("/guilds/{guild_id}/channels")
async def create_channel(call: Call) -> Reply:
    """Needs MANAGE_CHANNELS; fires CHANNEL_CREATE. A parent must be a category of the guild."""
    core, body = call.core, call.json
    guild = core.guild(call.params["guild_id"])
    granted = _require_guild(core, guild, perms.MANAGE_CHANNELS)
    errors = Errors()
    errors.max_length(("name",), body.get("name"), 100)
    if not body.get("name"):
        errors.add(("name",), "BASE_TYPE_REQUIRED", "This field is required")
    parent_id = int(body["parent_id"]) if body.get("parent_id") else None
    parent = guild.channels.get(parent_id) if parent_id else None
    if parent_id and (parent is None or parent.type != CATEGORY):
        errors.add(("parent_id",), "CHANNEL_PARENT_INVALID", "Category does not exist")
    raise_for(errors.tree)
    overwrites = overwrites_from(body.get("permission_overwrites") or [])
    _only_granted(overwrites, granted, what="permission_overwrites")
    channel = Channel(
        id=core.state.new_id(),
        type=int(body.get("type") or 0),
        name=str(body["name"]),
        guild_id=guild.id,
        topic=body.get("topic"),
        parent_id=parent_id,
        position=len(guild.channels),
        overwrites=overwrites,
    )
    core.state.add_channel(channel)
    data = payloads.channel(core.state, channel)
    core.gateway.dispatch("CHANNEL_CREATE", data)
    core.journal.changed()
    return data


@routes.delete("/channels/{channel_id}")
async def delete_channel(call: Call) -> Reply:
    """Needs MANAGE_CHANNELS (MANAGE_THREADS for a thread); a channel's threads go with it. Returns the channel."""
    core = call.core
    channel = core.channel(call.params["channel_id"])
    guild = core.state.guild_of(channel)
    if guild is None:
        raise ApiError(403, 50003, "Cannot execute action on a DM channel")
    core.require(channel, perms.MANAGE_THREADS if channel.is_thread else perms.MANAGE_CHANNELS)
    data = payloads.channel(core.state, channel)
    for thread in [c for c in guild.channels.values() if c.is_thread and c.parent_id == channel.id]:
        _forget(core, guild, thread)
    _forget(core, guild, channel)
    return data


def _forget(core: Core, guild: Guild, channel: Channel) -> None:
    for message in list(channel.messages):
        core.state.remove_message(message)
    guild.channels.pop(channel.id, None)
    core.state.channels.pop(channel.id, None)
    if channel.is_thread:
        data: Json = {
            "id": str(channel.id),
            "guild_id": str(guild.id),
            "parent_id": str(channel.parent_id),
            "type": channel.type,
        }
        core.gateway.dispatch("THREAD_DELETE", data)
    else:
        core.gateway.dispatch("CHANNEL_DELETE", payloads.channel(core.state, channel))
    core.journal.changed()


@routes.put("/channels/{channel_id}/permissions/{overwrite_id}")
async def edit_permissions(call: Call) -> Reply:
    """Needs MANAGE_ROLES in the channel, and only permissions the bot has; fires CHANNEL_UPDATE."""
    core, body = call.core, call.json
    channel = core.channel(call.params["channel_id"])
    guild = core.state.guild_of(channel)
    if guild is None or channel.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    core.require(channel, perms.MANAGE_ROLES)
    target = int(call.params["overwrite_id"])
    overwrite = Overwrite(
        id=target, type=int(body.get("type") or 0), allow=int(body.get("allow") or 0), deny=int(body.get("deny") or 0)
    )
    _only_granted([overwrite], core.bot_permissions(channel), what="the overwrite")
    channel.overwrites = [o for o in channel.overwrites if o.id != target] + [overwrite]
    core.gateway.dispatch("CHANNEL_UPDATE", payloads.channel(core.state, channel))
    core.journal.changed()
    return None


@routes.delete("/channels/{channel_id}/permissions/{overwrite_id}")
async def delete_permissions(call: Call) -> Reply:
    core = call.core
    channel = core.channel(call.params["channel_id"])
    core.require(channel, perms.MANAGE_ROLES)
    target = int(call.params["overwrite_id"])
    if any(o.id == target for o in channel.overwrites):
        channel.overwrites = [o for o in channel.overwrites if o.id != target]
        core.gateway.dispatch("CHANNEL_UPDATE", payloads.channel(core.state, channel))
        core.journal.changed()
    return None


@routes.post("/guilds/{guild_id}/roles")
async def create_role(call: Call) -> Reply:
    """Needs MANAGE_ROLES, and gives no permission the bot lacks; the new role sits just above @everyone."""
    core, body = call.core, call.json
    guild = core.guild(call.params["guild_id"])
    granted = _require_guild(core, guild, perms.MANAGE_ROLES)
    wanted = int(body.get("permissions") or 0)
    if wanted & ~granted and not granted & perms.ADMINISTRATOR:
        raise ApiError(403, 50013, "Missing Permissions", detail=f"role permissions beyond the bot's ({hex(wanted)})")
    errors = Errors()
    errors.max_length(("name",), body.get("name"), 100)
    raise_for(errors.tree)
    for other in guild.roles.values():
        if other.id != guild.id:
            other.position += 1
    role = Role(
        id=core.state.new_id(),
        guild_id=guild.id,
        name=str(body.get("name") or "new role"),
        permissions=wanted,
        position=1,
        color=int(body.get("color") or 0),
        hoist=bool(body.get("hoist")),
        mentionable=bool(body.get("mentionable")),
    )
    guild.roles[role.id] = role
    core.gateway.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": payloads.role(role)})
    core.journal.changed()
    return payloads.role(role)


@routes.delete("/guilds/{guild_id}/roles/{role_id}")
async def delete_role(call: Call) -> Reply:
    """Needs MANAGE_ROLES and a top role above it; members lose it; fires GUILD_ROLE_DELETE."""
    core = call.core
    guild = core.guild(call.params["guild_id"])
    role = guild.roles.get(int(call.params["role_id"]))
    if role is None or role.id == guild.id:
        raise unknown("Role", 10011)
    _require_guild(core, guild, perms.MANAGE_ROLES)
    bot = core.bot_member(guild)
    if bot.id != guild.owner_id and role.position >= perms.highest_position(guild, bot):
        raise ApiError(403, 50013, "Missing Permissions", detail=f"role {role.name!r} is not below the bot's top role")
    del guild.roles[role.id]
    for member in guild.members.values():
        if role.id in member.role_ids:
            member.role_ids.remove(role.id)
    for channel in guild.channels.values():
        channel.overwrites = [o for o in channel.overwrites if o.id != role.id]
    core.gateway.dispatch("GUILD_ROLE_DELETE", {"guild_id": str(guild.id), "role_id": str(role.id)})
    core.journal.changed()
    return None
