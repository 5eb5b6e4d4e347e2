"""Scheduled event users: who marked themselves interested (the events' own routes are in routes_guilds)."""

from __future__ import annotations

from . import events
from .errors import unknown
from .rest import Call, Reply, RouteTable

routes = RouteTable()


@routes.get("/guilds/{guild_id}/scheduled-events/{event_id}/users")
async def event_users(call: Call) -> Reply:
    guild = call.core.guild(call.params["guild_id"])
    event = guild.scheduled_events.get(int(call.params["event_id"]))
    if event is None:
        raise unknown("Guild Scheduled Event", 10070)
    return events.users_page(call.core, event, guild, call.query)


@routes.get("/guilds/{guild_id}/scheduled-events/{event_id}/users/counts")
async def event_user_counts(call: Call) -> Reply:
    guild = call.core.guild(call.params["guild_id"])
    event = guild.scheduled_events.get(int(call.params["event_id"]))
    if event is None:
        raise unknown("Guild Scheduled Event", 10070)
    return {"guild_scheduled_event_count": len(event.user_ids), "guild_scheduled_event_exception_counts": {}}
