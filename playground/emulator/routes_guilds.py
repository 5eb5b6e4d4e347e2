"""Guild routes: the guild, its channels, roles, members, role changes and scheduled events."""

from __future__ import annotations

from . import events, payloads
from . import permissions as perms
from .core import Core
from .errors import ApiError, raise_for, unknown
from .fidelity import Errors
from .rest import Call, Reply, RouteTable
from .state import Guild, Json, Member, Role, ScheduledEvent

routes = RouteTable()


@routes.get("/guilds/{guild_id}")
async def get_guild(call: Call) -> Reply:
    return payloads.guild_preview(call.core.guild(call.params["guild_id"]))


@routes.get("/guilds/{guild_id}/channels")
async def get_channels(call: Call) -> Reply:
    guild = call.core.guild(call.params["guild_id"])
    return [payloads.channel(call.core.state, c) for c in guild.channels.values() if not c.is_thread]


@routes.get("/guilds/{guild_id}/roles")
async def get_roles(call: Call) -> Reply:
    guild = call.core.guild(call.params["guild_id"])
    return [payloads.role(r) for r in sorted(guild.roles.values(), key=lambda r: r.position)]


@routes.get("/guilds/{guild_id}/members/{user_id}")
async def get_member(call: Call) -> Reply:
    guild = call.core.guild(call.params["guild_id"])
    return payloads.member(call.core.member(guild, call.params["user_id"]))


@routes.get("/guilds/{guild_id}/members")
async def list_members(call: Call) -> Reply:
    guild = call.core.guild(call.params["guild_id"])
    after = int(call.query.get("after", 0))
    limit = max(1, min(int(call.query.get("limit", 1)), 1000))
    members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)[:limit]
    return [payloads.member(m) for m in members]


def member_update(core: Core, guild: Guild, member: Member) -> None:
    """Dispatch GUILD_MEMBER_UPDATE with the full member."""
    core.gateway.dispatch("GUILD_MEMBER_UPDATE", payloads.member(member) | {"guild_id": str(guild.id)})
    core.journal.changed()


def _role_change(call: Call) -> tuple[Guild, Member, Role]:
    """The bot needs MANAGE_ROLES and a top role above the role it hands out.

    https://discord.com/developers/docs/topics/permissions#permission-hierarchy
    """
    core = call.core
    guild = core.guild(call.params["guild_id"])
    member = core.member(guild, call.params["user_id"])
    role = guild.roles.get(int(call.params["role_id"]))
    if role is None:
        raise unknown("Role", 10011)
    bot = core.bot_member(guild)
    if not perms.base_permissions(guild, bot) & perms.MANAGE_ROLES:
        raise ApiError(403, 50013, "Missing Permissions", detail="missing MANAGE_ROLES")
    if bot.id != guild.owner_id and role.position >= perms.highest_position(guild, bot):
        detail = f"role {role.name!r} (position {role.position}) is not below the bot's top role"
        raise ApiError(403, 50013, "Missing Permissions", detail=detail)
    return guild, member, role


@routes.put("/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def add_role(call: Call) -> Reply:
    guild, member, role = _role_change(call)
    if role.id not in member.role_ids:
        member.role_ids.append(role.id)
        member_update(call.core, guild, member)
    return None


@routes.delete("/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
async def remove_role(call: Call) -> Reply:
    guild, member, role = _role_change(call)
    if role.id in member.role_ids:
        member.role_ids.remove(role.id)
        member_update(call.core, guild, member)
    return None


# ---- scheduled events ---------------------------------------------------------------------------------
# https://discord.com/developers/docs/resources/guild-scheduled-event#create-guild-scheduled-event

EXTERNAL = 3


def _event_errors(body: Json) -> Json:
    """External events need an end time and a location; others need a channel."""
    errors = Errors()
    if body.get("entity_type") == EXTERNAL:
        if not body.get("scheduled_end_time"):
            errors.add(("scheduled_end_time",), "BASE_TYPE_REQUIRED", "This field is required")
        if not (body.get("entity_metadata") or {}).get("location"):
            errors.add(("entity_metadata", "location"), "BASE_TYPE_REQUIRED", "This field is required")
    elif body.get("entity_type") in (1, 2) and not body.get("channel_id"):
        errors.add(("channel_id",), "BASE_TYPE_REQUIRED", "This field is required")
    errors.max_length(("name",), body.get("name"), 100)
    errors.max_length(("description",), body.get("description"), 1000)
    return errors.tree


def _require_events(core: Core, guild: Guild, body: Json | None = None) -> None:
    granted = perms.base_permissions(guild, core.bot_member(guild))
    if not granted & (perms.MANAGE_EVENTS | perms.CREATE_EVENTS):
        raise ApiError(403, 50013, "Missing Permissions", detail="missing MANAGE_EVENTS")
    if body is not None:
        events.require_channel(core, guild, body)


def _event(call: Call) -> tuple[Guild, ScheduledEvent]:
    guild = call.core.guild(call.params["guild_id"])
    event = guild.scheduled_events.get(int(call.params["event_id"]))
    if event is None:
        raise unknown("Guild Scheduled Event", 10070)
    return guild, event


EVENT_FIELDS = (
    "name",
    "description",
    "scheduled_start_time",
    "scheduled_end_time",
    "privacy_level",
    "status",
    "entity_type",
    "entity_metadata",
    "image",
    "recurrence_rule",
)


@routes.post("/guilds/{guild_id}/scheduled-events")
async def create_event(call: Call) -> Reply:
    core, body = call.core, call.json
    guild = core.guild(call.params["guild_id"])
    _require_events(core, guild, body)
    raise_for(_event_errors(body))
    events.check_cap(guild)
    event = ScheduledEvent(
        id=core.state.new_id(),
        guild_id=guild.id,
        name=str(body["name"]),
        scheduled_start_time=str(body["scheduled_start_time"]),
        entity_type=int(body["entity_type"]),
        creator_id=core.state.bot_user.id,
    )
    _apply(event, body)
    guild.scheduled_events[event.id] = event
    return _announce(core, "GUILD_SCHEDULED_EVENT_CREATE", event)


def _apply(event: ScheduledEvent, body: Json) -> None:
    for key in EVENT_FIELDS:
        if key in body:
            setattr(event, key, body[key])
    if "channel_id" in body:
        event.channel_id = int(body["channel_id"]) if body["channel_id"] else None


def _announce(core: Core, name: str, event: ScheduledEvent) -> Json:
    data = payloads.scheduled_event(core.state, event)
    core.gateway.dispatch(name, data)
    core.journal.changed()
    return data


@routes.get("/guilds/{guild_id}/scheduled-events")
async def list_events(call: Call) -> Reply:
    guild = call.core.guild(call.params["guild_id"])
    return [payloads.scheduled_event(call.core.state, e) for e in guild.scheduled_events.values()]


@routes.get("/guilds/{guild_id}/scheduled-events/{event_id}")
async def get_event(call: Call) -> Reply:
    _, event = _event(call)
    return payloads.scheduled_event(call.core.state, event)


@routes.patch("/guilds/{guild_id}/scheduled-events/{event_id}")
async def edit_event(call: Call) -> Reply:
    guild, event = _event(call)
    merged = {key: getattr(event, key) for key in EVENT_FIELDS} | {"channel_id": event.channel_id} | call.json
    _require_events(call.core, guild, merged)
    raise_for(_event_errors(merged))
    events.check_transition(event, call.json)
    _apply(event, call.json)
    return _announce(call.core, "GUILD_SCHEDULED_EVENT_UPDATE", event)


@routes.delete("/guilds/{guild_id}/scheduled-events/{event_id}")
async def delete_event(call: Call) -> Reply:
    guild, event = _event(call)
    _require_events(call.core, guild)
    del guild.scheduled_events[event.id]
    _announce(call.core, "GUILD_SCHEDULED_EVENT_DELETE", event)
    return None
