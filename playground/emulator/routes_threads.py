"""Thread members: adding, removing, joining, leaving and listing them, with THREAD_MEMBERS_UPDATE.

https://discord.com/developers/docs/resources/channel#add-thread-member (and the routes after it)
https://discord.com/developers/docs/events/gateway-events#thread-members-update
"""

from __future__ import annotations

from collections.abc import Sequence

from . import payloads
from . import permissions as perms
from .core import Core
from .errors import ApiError, unknown
from .rest import Call, Reply, RouteTable
from .state import PRIVATE_THREAD, Channel, Json, iso, utcnow

routes = RouteTable()

# https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes
NOT_A_THREAD = 50024  # Cannot execute action on this channel type
ARCHIVED = 50083  # Thread is archived
MAX_THREAD_MEMBERS = 1000


def thread_of(core: Core, channel_id: str) -> Channel:
    channel = core.channel(channel_id)
    if not channel.is_thread:
        raise ApiError(400, NOT_A_THREAD, "Cannot execute action on this channel type")
    return channel


def not_archived(thread: Channel) -> None:
    if thread.archived:
        raise ApiError(400, ARCHIVED, "Thread is archived")


def thread_member(core: Core, thread: Channel, user_id: int, *, with_member: bool) -> Json:
    """A thread member object; `with_member` adds the guild member (gateway events and `with_member=true`)."""
    data: Json = {
        "id": str(thread.id),
        "user_id": str(user_id),
        "join_timestamp": iso(thread.created_at if user_id == thread.owner_id else utcnow()),
        "flags": 0,
    }
    guild = core.state.guild_of(thread)
    if with_member and guild is not None and user_id in guild.members:
        data["member"] = payloads.member(guild.members[user_id])
    return data


def members_update(core: Core, thread: Channel, *, added: Sequence[int] = (), removed: Sequence[int] = ()) -> None:
    data: Json = {"id": str(thread.id), "guild_id": str(thread.guild_id), "member_count": len(thread.member_ids)}
    if added:
        data["added_members"] = [thread_member(core, thread, user_id, with_member=True) for user_id in added]
    if removed:
        data["removed_member_ids"] = [str(user_id) for user_id in removed]
    core.gateway.dispatch("THREAD_MEMBERS_UPDATE", data)
    core.journal.changed()


def add_member(core: Core, thread: Channel, user_id: int) -> None:
    """Idempotent, as on Discord: adding a member twice answers 204 and changes nothing."""
    if user_id in thread.member_ids:
        return
    if len(thread.member_ids) >= MAX_THREAD_MEMBERS:
        raise ApiError(400, 30033, "Maximum number of thread participants reached (1000)")
    thread.member_ids.append(user_id)
    members_update(core, thread, added=[user_id])


def remove_member(core: Core, thread: Channel, user_id: int) -> None:
    if user_id not in thread.member_ids:
        return
    thread.member_ids.remove(user_id)
    members_update(core, thread, removed=[user_id])


@routes.put("/channels/{channel_id}/thread-members/{user_id}")
async def add_thread_member(call: Call) -> Reply:
    """Needs the ability to send messages in the thread, which must not be archived; the user must be a member of
    the guild. A private thread that is not `invitable` takes new members from moderators (MANAGE_THREADS) only."""
    core = call.core
    thread = thread_of(core, call.params["channel_id"])
    needed = perms.VIEW_CHANNEL | perms.SEND_MESSAGES_IN_THREADS
    if thread.type == PRIVATE_THREAD and not thread.invitable:
        needed |= perms.MANAGE_THREADS
    core.require(thread, needed)
    not_archived(thread)
    guild = core.state.guild_of(thread)
    assert guild is not None
    member = core.member(guild, call.params["user_id"])
    add_member(core, thread, member.id)
    return None


@routes.delete("/channels/{channel_id}/thread-members/{user_id}")
async def remove_thread_member(call: Call) -> Reply:
    """Needs MANAGE_THREADS, or to be the creator of a private thread; the thread must not be archived."""
    core = call.core
    thread = thread_of(core, call.params["channel_id"])
    owner = thread.type == PRIVATE_THREAD and thread.owner_id == core.state.bot_user.id
    core.require(thread, perms.VIEW_CHANNEL if owner else perms.VIEW_CHANNEL | perms.MANAGE_THREADS)
    not_archived(thread)
    remove_member(core, thread, int(call.params["user_id"]))
    return None


@routes.put("/channels/{channel_id}/thread-members/@me")
async def join_thread(call: Call) -> Reply:
    core = call.core
    thread = thread_of(core, call.params["channel_id"])
    core.require(thread, perms.VIEW_CHANNEL)
    not_archived(thread)
    add_member(core, thread, core.state.bot_user.id)
    return None


@routes.delete("/channels/{channel_id}/thread-members/@me")
async def leave_thread(call: Call) -> Reply:
    core = call.core
    thread = thread_of(core, call.params["channel_id"])
    not_archived(thread)
    remove_member(core, thread, core.state.bot_user.id)
    return None


@routes.get("/channels/{channel_id}/thread-members/{user_id}")
async def get_thread_member(call: Call) -> Reply:
    core = call.core
    thread = thread_of(core, call.params["channel_id"])
    core.require(thread, perms.VIEW_CHANNEL)
    user_id = int(call.params["user_id"])
    if user_id not in thread.member_ids:
        raise unknown("Member", 10007)
    return thread_member(core, thread, user_id, with_member=call.query.get("with_member") == "true")


@routes.get("/channels/{channel_id}/thread-members")
async def list_thread_members(call: Call) -> Reply:
    """Paged by `after` (a user id) and `limit` (1–100) when `with_member` is true, as on Discord."""
    core = call.core
    thread = thread_of(core, call.params["channel_id"])
    core.require(thread, perms.VIEW_CHANNEL)
    with_member = call.query.get("with_member") == "true"
    ids = sorted(thread.member_ids)
    if with_member:
        after = int(call.query.get("after", 0))
        limit = max(1, min(int(call.query.get("limit", 100)), 100))
        ids = [user_id for user_id in ids if user_id > after][:limit]
    return [thread_member(core, thread, user_id, with_member=with_member) for user_id in ids]
