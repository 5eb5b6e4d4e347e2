"""Channel routes: messages, reactions, threads, channels and DMs."""

from __future__ import annotations

import datetime as dt

from . import payloads
from . import permissions as perms
from .core import Core
from .errors import ApiError, unknown
from .rest import Call, Reply, RouteTable
from .state import DM, FORUM, PUBLIC_THREAD, Channel, Emoji, Json, Message, Overwrite, Reaction, iso, utcnow

routes = RouteTable()

# A message holds at most 20 distinct reactions (code 30010):
# https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes
MAX_REACTIONS = 20


@routes.get("/channels/{channel_id}")
async def get_channel(call: Call) -> Reply:
    channel = call.core.channel(call.params["channel_id"])
    call.core.require(channel, perms.VIEW_CHANNEL)
    return payloads.channel(call.core.state, channel)


@routes.patch("/channels/{channel_id}")
async def edit_channel(call: Call) -> Reply:
    """Renames, topics, forum tags, and thread archive/lock/tags (what discord.py's `.edit()` sends).

    A thread needs MANAGE_THREADS unless the bot started it, a forum's tags and flags MANAGE_CHANNELS:
    https://discord.com/developers/docs/resources/channel#modify-channel
    """
    core, body = call.core, call.json
    channel = core.channel(call.params["channel_id"])
    core.require(
        channel,
        perms.MANAGE_THREADS
        if channel.is_thread and channel.owner_id != core.state.bot_user.id
        else perms.VIEW_CHANNEL,
    )
    if ("available_tags" in body or "flags" in body) and not channel.is_thread:
        core.require(channel, perms.MANAGE_CHANNELS)  # a forum's tags and flags are the channel's settings
    if "permission_overwrites" in body and not channel.is_thread:
        core.require(channel, perms.MANAGE_ROLES)
        channel.overwrites = overwrites_from(body["permission_overwrites"] or [])
    if "archived" in body and bool(body["archived"]) != channel.archived:
        channel.archive_timestamp = utcnow()
    for key in ("name", "topic", "archived", "locked", "auto_archive_duration", "rate_limit_per_user", "invitable"):
        if key in body:
            setattr(channel, key, body[key])
    if "applied_tags" in body:
        _check_tags(core.channel(channel.parent_id or channel.id), body["applied_tags"] or [])
        channel.applied_tags = [int(t) for t in body["applied_tags"] or []]
    if "available_tags" in body and channel.type == FORUM:
        channel.available_tags = forum_tags(core, body["available_tags"] or [])
    if "flags" in body and body["flags"] is not None:
        channel.flags = int(body["flags"])
    data = payloads.channel(core.state, channel)
    core.gateway.dispatch("THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE", data)
    core.journal.changed()
    return data


def overwrites_from(body: list[Json]) -> list[Overwrite]:
    """Permission overwrites as a create or modify body gives them (ids and bit sets may be strings)."""
    return [
        Overwrite(
            id=int(o["id"]), type=int(o.get("type") or 0), allow=int(o.get("allow") or 0), deny=int(o.get("deny") or 0)
        )
        for o in body
    ]


# "enforce_nonce": a message with the same nonce by the same author within a few minutes is returned instead of
# created again: https://discord.com/developers/docs/resources/message#create-message-jsonform-params
NONCE_WINDOW = dt.timedelta(minutes=2)


@routes.post("/channels/{channel_id}/messages")
async def create_message(call: Call) -> Reply:
    core = call.core
    channel = core.channel(call.params["channel_id"])
    core.require_post(channel)
    nonce = call.json.get("nonce")
    if call.json.get("enforce_nonce") and nonce is not None:
        since = utcnow() - NONCE_WINDOW
        for earlier in channel.messages:
            same = str(earlier.nonce) == str(nonce) and earlier.author_id == core.state.bot_user.id
            if same and earlier.timestamp >= since:
                return core.message_json(earlier)
    message = core.store_and_announce(core.build_message(channel, call.json, call.uploads))
    return core.message_json(message)


@routes.get("/channels/{channel_id}/messages")
async def history(call: Call) -> Reply:
    """before/after/around/limit, newest first like Discord."""
    core = call.core
    channel = core.channel(call.params["channel_id"])
    core.require(channel, perms.VIEW_CHANNEL | perms.READ_MESSAGE_HISTORY)
    limit = max(1, min(int(call.query.get("limit", 50)), 100))
    ordered = sorted(channel.messages, key=lambda m: m.id)
    if "before" in call.query:
        chosen = [m for m in ordered if m.id < int(call.query["before"])][-limit:]
    elif "after" in call.query:
        chosen = [m for m in ordered if m.id > int(call.query["after"])][:limit]
    elif "around" in call.query:
        around = int(call.query["around"])
        older = [m for m in ordered if m.id < around][-(limit // 2) :] if limit > 1 else []
        newer = [m for m in ordered if m.id >= around][: limit - len(older)]
        chosen = older + newer
    else:
        chosen = ordered[-limit:]
    return [core.message_json(m) for m in reversed(chosen)]


@routes.get("/channels/{channel_id}/messages/{message_id}")
async def get_message(call: Call) -> Reply:
    core = call.core
    channel = core.channel(call.params["channel_id"])
    core.require(channel, perms.VIEW_CHANNEL | perms.READ_MESSAGE_HISTORY)
    return core.message_json(core.message(channel, call.params["message_id"]))


@routes.patch("/channels/{channel_id}/messages/{message_id}")
async def edit_message(call: Call) -> Reply:
    core = call.core
    channel = core.channel(call.params["channel_id"])
    message = core.message(channel, call.params["message_id"])
    if message.author_id != core.state.bot_user.id:
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    return core.message_json(core.edit_message(message, call.json, call.uploads))


@routes.delete("/channels/{channel_id}/messages/{message_id}")
async def delete_message(call: Call) -> Reply:
    core = call.core
    channel = core.channel(call.params["channel_id"])
    message = core.message(channel, call.params["message_id"])
    if message.author_id != core.state.bot_user.id:
        core.require(channel, perms.MANAGE_MESSAGES)
    core.delete_message(message)
    return None


# ---- reactions ----------------------------------------------------------------------------------------


def reaction_event(core: Core, message: Message, user_id: int, emoji: Emoji) -> Json:
    """MESSAGE_REACTION_ADD/REMOVE data, with `type` and `burst` (their absence breaks discord.py)."""
    data: Json = {
        "user_id": str(user_id),
        "channel_id": str(message.channel_id),
        "message_id": str(message.id),
        "emoji": emoji.to_json(),
        "burst": False,
        "type": 0,
    }
    if message.guild_id is not None:
        data["guild_id"] = str(message.guild_id)
    return data


def add_reaction(core: Core, message: Message, user_id: int, emoji: Emoji) -> bool:
    """Record a reaction and dispatch MESSAGE_REACTION_ADD; False when it was already there."""
    reaction = message.reaction(emoji)
    if reaction is None:
        if len(message.reactions) >= MAX_REACTIONS:
            raise ApiError(400, 30010, "Maximum number of reactions reached (20)")
        reaction = Reaction(emoji)
        message.reactions.append(reaction)
    if user_id in reaction.user_ids:
        return False
    reaction.user_ids.append(user_id)
    data = reaction_event(core, message, user_id, emoji)
    data["message_author_id"] = str(message.author_id)
    data["burst_colors"] = []
    guild = core.state.guilds.get(message.guild_id) if message.guild_id else None
    if guild is not None and user_id in guild.members:
        data["member"] = payloads.member(guild.members[user_id])
    core.gateway.dispatch("MESSAGE_REACTION_ADD", data)
    core.journal.changed()
    return True


def remove_reaction(core: Core, message: Message, user_id: int, emoji: Emoji) -> bool:
    """Drop a reaction and dispatch MESSAGE_REACTION_REMOVE; False when it was not there."""
    reaction = message.reaction(emoji)
    if reaction is None or user_id not in reaction.user_ids:
        return False
    reaction.user_ids.remove(user_id)
    if not reaction.user_ids:
        message.reactions.remove(reaction)
    core.gateway.dispatch("MESSAGE_REACTION_REMOVE", reaction_event(core, message, user_id, emoji))
    core.journal.changed()
    return True


def _target(call: Call) -> tuple[Channel, Message, Emoji]:
    channel = call.core.channel(call.params["channel_id"])
    message = call.core.message(channel, call.params["message_id"])
    return channel, message, Emoji.parse(call.params.get("emoji", ""))


@routes.put("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def react(call: Call) -> Reply:
    channel, message, emoji = _target(call)
    needed = perms.VIEW_CHANNEL | perms.READ_MESSAGE_HISTORY
    if message.reaction(emoji) is None:
        needed |= perms.ADD_REACTIONS  # joining an existing reaction needs no ADD_REACTIONS
    call.core.require(channel, needed)
    add_reaction(call.core, message, call.core.state.bot_user.id, emoji)
    return None


@routes.delete("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def unreact(call: Call) -> Reply:
    _, message, emoji = _target(call)
    remove_reaction(call.core, message, call.core.state.bot_user.id, emoji)
    return None


@routes.delete("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}")
async def remove_user_reaction(call: Call) -> Reply:
    channel, message, emoji = _target(call)
    call.core.require(channel, perms.MANAGE_MESSAGES)
    remove_reaction(call.core, message, int(call.params["user_id"]), emoji)
    return None


@routes.delete("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}")
async def clear_emoji(call: Call) -> Reply:
    core = call.core
    channel, message, emoji = _target(call)
    core.require(channel, perms.MANAGE_MESSAGES)
    reaction = message.reaction(emoji)
    if reaction is not None:
        message.reactions.remove(reaction)
        data = reaction_event(core, message, 0, emoji)
        del data["user_id"], data["burst"], data["type"]
        core.gateway.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", data)
        core.journal.changed()
    return None


@routes.delete("/channels/{channel_id}/messages/{message_id}/reactions")
async def clear_reactions(call: Call) -> Reply:
    core = call.core
    channel = core.channel(call.params["channel_id"])
    message = core.message(channel, call.params["message_id"])
    core.require(channel, perms.MANAGE_MESSAGES)
    message.reactions.clear()
    data = {"channel_id": str(channel.id), "message_id": str(message.id)}
    if channel.guild_id is not None:
        data["guild_id"] = str(channel.guild_id)
    core.gateway.dispatch("MESSAGE_REACTION_REMOVE_ALL", data)
    core.journal.changed()
    return None


@routes.get("/channels/{channel_id}/messages/{message_id}/reactions/{emoji}")
async def reactors(call: Call) -> Reply:
    channel, message, emoji = _target(call)
    call.core.require(channel, perms.VIEW_CHANNEL | perms.READ_MESSAGE_HISTORY)
    reaction = message.reaction(emoji)
    if reaction is None:
        raise unknown("Emoji", 10014)
    after = int(call.query.get("after", 0))
    limit = max(1, min(int(call.query.get("limit", 25)), 100))
    ids = sorted(u for u in reaction.user_ids if u > after)[:limit]
    return [payloads.user(call.core.state.users[u]) for u in ids]


# ---- threads ------------------------------------------------------------------------------------------


def open_thread(core: Core, parent: Channel, body: Json, *, thread_id: int | None = None) -> Channel:
    """Store a thread and dispatch THREAD_CREATE (the bot, its creator, is a member)."""
    thread = Channel(
        id=thread_id or core.state.new_id(),
        type=int(body.get("type") or PUBLIC_THREAD),
        name=str(body.get("name") or "thread"),
        guild_id=parent.guild_id,
        parent_id=parent.id,
        owner_id=core.state.bot_user.id,
        auto_archive_duration=int(body.get("auto_archive_duration") or 4320),
        rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
        applied_tags=[int(t) for t in body.get("applied_tags") or []],
        member_ids=[core.state.bot_user.id],
        invitable=body.get("invitable") is not False,
    )
    core.state.add_channel(thread)
    data = payloads.channel(core.state, thread) | {"newly_created": True}
    data["member"] = {
        "id": str(thread.id),
        "user_id": str(core.state.bot_user.id),
        "join_timestamp": iso(thread.created_at),
        "flags": 0,
    }
    core.gateway.dispatch("THREAD_CREATE", data)
    core.journal.changed()
    return thread


def _thread_permission(kind: int) -> int:
    return perms.CREATE_PUBLIC_THREADS if kind == PUBLIC_THREAD else perms.CREATE_PRIVATE_THREADS


@routes.post("/channels/{channel_id}/messages/{message_id}/threads")
async def thread_from_message(call: Call) -> Reply:
    """The thread takes the message's id, as on Discord."""
    core = call.core
    channel = core.channel(call.params["channel_id"])
    message = core.message(channel, call.params["message_id"])
    core.require(channel, perms.VIEW_CHANNEL | perms.CREATE_PUBLIC_THREADS)
    if message.thread_id is not None:
        raise ApiError(400, 160004, "A thread has already been created for this message")
    thread = open_thread(core, channel, {**call.json, "type": PUBLIC_THREAD}, thread_id=message.id)
    message.thread_id = thread.id
    return payloads.channel(core.state, thread)


@routes.post("/channels/{channel_id}/threads")
async def start_thread(call: Call) -> Reply:
    """A forum post (with its first message and tags) or a thread without a starter message."""
    core, body = call.core, call.json
    channel = core.channel(call.params["channel_id"])
    if channel.type != FORUM:
        kind = int(body.get("type") or PUBLIC_THREAD)
        core.require(channel, perms.VIEW_CHANNEL | _thread_permission(kind))
        return payloads.channel(core.state, open_thread(core, channel, {**body, "type": kind}))
    core.require(channel, perms.VIEW_CHANNEL | perms.SEND_MESSAGES)
    if channel.flags & REQUIRE_TAG and not body.get("applied_tags"):
        # https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes (40067)
        raise ApiError(400, 40067, "A tag is required to create a forum post in this channel")
    _check_tags(channel, body.get("applied_tags") or [])
    starter = core.build_message(channel, body.get("message") or {}, call.uploads)
    thread = open_thread(core, channel, {**body, "type": PUBLIC_THREAD}, thread_id=starter.id)
    starter.channel_id = thread.id
    core.store_and_announce(starter)
    return payloads.channel(core.state, thread) | {"message": core.message_json(starter)}


REQUIRE_TAG = 1 << 4  # https://discord.com/developers/docs/resources/channel#channel-object-channel-flags
MAX_FORUM_TAGS = 20


def forum_tags(core: Core, tags: list[Json]) -> list[Json]:
    """A forum's `available_tags` as sent: new tags (no id) get one, at most 20, names 1-20 characters."""
    if len(tags) > MAX_FORUM_TAGS or any(not 1 <= len(str(t.get("name") or "")) <= 20 for t in tags):
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {
                "available_tags": {
                    "_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "1-20 tags of 1-20 characters"}]
                }
            },
        )
    return [
        {
            "id": str(t.get("id") or core.state.new_id()),
            "name": str(t["name"]),
            "moderated": bool(t.get("moderated")),
            "emoji_id": t.get("emoji_id"),
            "emoji_name": t.get("emoji_name"),
        }
        for t in tags
    ]


def _check_tags(forum: Channel, tags: list[str | int]) -> None:
    """applied_tags must name the forum's tags, at most 5 (https://discord.com/developers/docs/resources/channel#start-thread-in-forum-or-media-channel)."""
    known = {int(t["id"]) for t in forum.available_tags}
    unknown_tags = [t for t in tags if int(t) not in known]
    if unknown_tags or len(tags) > 5:
        message = f"Unknown or too many tags: {unknown_tags or tags}"
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            {"applied_tags": {"_errors": [{"code": "BASE_TYPE_CHOICES", "message": message}]}},
        )


# ---- DMs ----------------------------------------------------------------------------------------------


@routes.post("/users/@me/channels")
async def open_dm(call: Call) -> Reply:
    core = call.core
    recipient = core.state.users.get(int(call.json.get("recipient_id") or 0))
    if recipient is None:
        raise unknown("User", 10013)
    channel = core.state.dm_with(recipient.id)
    if channel is None:
        channel = core.state.add_channel(
            Channel(id=core.state.new_id(), type=DM, name="", recipient_ids=[recipient.id])
        )
        core.journal.changed()
    return payloads.channel(core.state, channel)
