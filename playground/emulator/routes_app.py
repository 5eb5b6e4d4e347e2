"""Application routes: who the bot is, its application, and its application commands."""

from __future__ import annotations

from . import fidelity, payloads
from .errors import ApiError, raise_for, unknown
from .gateway import GUILDS_PER_SHARD, SESSION_START_LIMIT
from .rest import Call, Reply, RouteTable
from .state import Command

routes = RouteTable()


@routes.get("/users/@me")
async def get_me(call: Call) -> Reply:
    return payloads.me(call.core.state.bot_user)


@routes.get("/users/{user_id}")
async def get_user(call: Call) -> Reply:
    user = call.core.state.users.get(int(call.params["user_id"]))
    if user is None:
        raise unknown("User", 10013)
    return payloads.user(user)


@routes.get("/oauth2/applications/@me")
async def get_application(call: Call) -> Reply:
    state = call.core.state
    owner = next((u for u in state.users.values() if u.username == "owner"), state.bot_user)
    return payloads.application(state, owner)


@routes.get("/gateway")
async def get_gateway(call: Call) -> Reply:
    return {"url": call.core.gateway.url()}


@routes.get("/gateway/bot")
async def get_gateway_bot(call: Call) -> Reply:
    """https://discord.com/developers/docs/events/gateway#get-gateway-bot: the recommended number of shards and the
    IDENTIFYs left today (max_concurrency 1: one IDENTIFY per 5 seconds)."""
    gateway = call.core.gateway
    shards = gateway.recommended_shards or max(1, -(-len(call.core.state.guilds) // GUILDS_PER_SHARD))
    limit = {
        "total": SESSION_START_LIMIT,
        "remaining": gateway.session_starts_left,
        "reset_after": 14_400_000 if gateway.session_starts_left < SESSION_START_LIMIT else 0,
        "max_concurrency": 1,
    }
    return {"url": gateway.url(), "shards": shards, "session_start_limit": limit}


def _check_application(call: Call) -> None:
    if call.params["application_id"] != str(call.core.state.application_id):
        raise ApiError(403, 50001, "Missing Access", detail="another application's commands")


def _overwrite(call: Call, existing: list[Command], guild_id: int | None) -> list[Command]:
    """Bulk overwrite: keep ids of commands whose (type, name) survives, as Discord does."""
    body = call.body
    if not isinstance(body, list):
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {"_errors": [{"code": "LIST_TYPE_CONVERT", "message": "Only iterables may be used in a ListType"}]},
        )
    raise_for(fidelity.commands_errors(body))
    by_key = {(c.type, c.name): c for c in existing}
    app_id = call.core.state.application_id
    commands = []
    for item in body:
        old = by_key.get((int(item.get("type") or 1), str(item["name"])))
        command_id = old.id if old else call.core.state.new_id()
        commands.append(Command(id=command_id, application_id=app_id, guild_id=guild_id, body=dict(item)))
    return commands


@routes.put("/applications/{application_id}/commands")
async def put_global_commands(call: Call) -> Reply:
    _check_application(call)
    state = call.core.state
    state.global_commands = _overwrite(call, state.global_commands, None)
    call.core.journal.changed()
    return [payloads.command(c) for c in state.global_commands]


@routes.get("/applications/{application_id}/commands")
async def get_global_commands(call: Call) -> Reply:
    _check_application(call)
    return [payloads.command(c) for c in call.core.state.global_commands]


@routes.put("/applications/{application_id}/guilds/{guild_id}/commands")
async def put_guild_commands(call: Call) -> Reply:
    _check_application(call)
    guild = call.core.guild(call.params["guild_id"])
    state = call.core.state
    state.guild_commands[guild.id] = _overwrite(call, state.guild_commands.get(guild.id, []), guild.id)
    call.core.journal.changed()
    return [payloads.command(c) for c in state.guild_commands[guild.id]]


@routes.get("/applications/{application_id}/guilds/{guild_id}/commands")
async def get_guild_commands(call: Call) -> Reply:
    _check_application(call)
    guild = call.core.guild(call.params["guild_id"])
    return [payloads.command(c) for c in call.core.state.guild_commands.get(guild.id, [])]
