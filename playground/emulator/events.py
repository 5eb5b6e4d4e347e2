"""Scheduled events as Discord rules them: who may create them where, the 100 uncompleted events cap, the status
transitions, members' interest, and the status changes Discord makes on its own.

Reference: https://discord.com/developers/docs/resources/guild-scheduled-event (permissions requirements, status
transitions, "Guild Scheduled Event Status Update Automation"); the cap is JSON error 30038.
"""

from __future__ import annotations

import datetime as dt

from . import payloads
from . import permissions as perms
from .core import Core
from .errors import ApiError
from .state import Guild, Json, ScheduledEvent

STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
UNCOMPLETED_CAP = 100
MAX_UNCOMPLETED = 30038
# Valid Guild Scheduled Event Status Transitions.
TRANSITIONS = {SCHEDULED: {SCHEDULED, ACTIVE, CANCELED}, ACTIVE: {ACTIVE, COMPLETED}}
# Create/modify permissions in the event's channel, by entity type.
CHANNEL_NEEDS = {
    VOICE: perms.VIEW_CHANNEL | perms.CONNECT,
    STAGE_INSTANCE: perms.MANAGE_CHANNELS | perms.MUTE_MEMBERS | perms.MOVE_MEMBERS,
}
# "Any scheduled event which has not begun after its scheduled start time will be automatically cancelled after a
# few hours."
UNSTARTED_GRACE = dt.timedelta(hours=3)


def require_channel(core: Core, guild: Guild, body: Json) -> None:
    """A voice or stage event needs these permissions in its channel (404 when the channel is not the guild's)."""
    needed = CHANNEL_NEEDS.get(int(body.get("entity_type") or 0))
    if needed is None or not body.get("channel_id"):
        return
    channel = core.channel(body["channel_id"])
    if channel.guild_id != guild.id:
        raise ApiError(404, 10003, "Unknown Channel")
    core.require(channel, needed)


def uncompleted(guild: Guild) -> list[ScheduledEvent]:
    return [event for event in guild.scheduled_events.values() if event.status in (SCHEDULED, ACTIVE)]


def check_cap(guild: Guild) -> None:
    """A guild can have at most 100 events with SCHEDULED or ACTIVE status."""
    if len(uncompleted(guild)) >= UNCOMPLETED_CAP:
        raise ApiError(400, MAX_UNCOMPLETED, "Maximum number of uncompleted guild scheduled events reached (100)")


def check_transition(event: ScheduledEvent, body: Json) -> None:
    """Once COMPLETED or CANCELED, an event's status can no longer change; only the documented moves are allowed."""
    if "status" not in body:
        if event.status in (COMPLETED, CANCELED):
            raise ApiError(400, 180000, "Cannot update a finished event")
        return
    wanted = int(body["status"])
    if wanted not in TRANSITIONS.get(event.status, set()):
        raise ApiError(400, 180000, f"Cannot change the status of an event from {event.status} to {wanted}")


def announce(core: Core, event: ScheduledEvent, name: str = "GUILD_SCHEDULED_EVENT_UPDATE") -> None:
    core.gateway.dispatch(name, payloads.scheduled_event(core.state, event))
    core.journal.changed()


def set_interest(core: Core, guild: Guild, event: ScheduledEvent, user_id: int, *, interested: bool) -> bool:
    """A member marks (or unmarks) themselves interested: GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE; False if no change."""
    if interested == (user_id in event.user_ids):
        return False
    if interested:
        event.user_ids.append(user_id)
    else:
        event.user_ids.remove(user_id)
    name = "GUILD_SCHEDULED_EVENT_USER_ADD" if interested else "GUILD_SCHEDULED_EVENT_USER_REMOVE"
    data = {"guild_scheduled_event_id": str(event.id), "user_id": str(user_id), "guild_id": str(guild.id)}
    core.gateway.dispatch(name, data)
    core.journal.changed()
    return True


def automate(core: Core, guild: Guild, now: dt.datetime) -> list[ScheduledEvent]:
    """What Discord does on its own by `now`: external events start at their start time and complete at their end
    time; events still not started hours after their start are cancelled. Returns the events changed."""
    changed = []
    for event in list(guild.scheduled_events.values()):
        start = dt.datetime.fromisoformat(event.scheduled_start_time)
        end = dt.datetime.fromisoformat(event.scheduled_end_time) if event.scheduled_end_time else None
        before = event.status
        if event.entity_type == EXTERNAL and event.status == SCHEDULED and start <= now:
            event.status = ACTIVE
        if event.entity_type == EXTERNAL and event.status == ACTIVE and end is not None and end <= now:
            event.status = COMPLETED
        if event.status == SCHEDULED and start + UNSTARTED_GRACE <= now:
            event.status = CANCELED
        if event.status != before:
            announce(core, event)
            changed.append(event)
    return changed


def users_page(core: Core, event: ScheduledEvent, guild: Guild, query: dict[str, str]) -> list[Json]:
    """GET …/users: ascending by user id, `limit` (≤ 100), `before`/`after` (before wins), optional members."""
    limit = max(1, min(int(query.get("limit", 100)), 100))
    ids = sorted(event.user_ids)
    if "before" in query:
        ids = [user_id for user_id in ids if user_id < int(query["before"])][-limit:]
    else:
        ids = [user_id for user_id in ids if user_id > int(query.get("after", 0))][:limit]
    with_member = query.get("with_member", "false").lower() in ("true", "1")
    found = []
    for user_id in ids:
        entry: Json = {"guild_scheduled_event_id": str(event.id), "user": payloads.user(core.state.users[user_id])}
        if with_member and user_id in guild.members:
            entry["member"] = payloads.member(guild.members[user_id])
        found.append(entry)
    return found
