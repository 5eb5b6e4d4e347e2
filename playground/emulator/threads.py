"""What members do with threads and their own messages: forum posts, threads from a message, edits, deletions, and
a host's changes to a thread (tags, name) or its deletion. Each dispatches the events Discord sends.

https://discord.com/developers/docs/topics/threads#forums and
https://discord.com/developers/docs/events/gateway-events#thread-create
"""

from __future__ import annotations

from collections.abc import Iterable

from . import payloads
from .core import Core
from .errors import ApiError
from .routes_messages import REQUIRE_TAG, _check_tags
from .state import FORUM, PUBLIC_THREAD, TEXT, Channel, Json, Message, iso, utcnow


def thread_create(core: Core, thread: Channel, owner_id: int) -> None:
    """THREAD_CREATE for a new thread, with its creator as its first member."""
    data = payloads.channel(core.state, thread) | {"newly_created": True}
    data["member"] = {
        "id": str(thread.id),
        "user_id": str(owner_id),
        "join_timestamp": iso(thread.created_at),
        "flags": 0,
    }
    core.gateway.dispatch("THREAD_CREATE", data)
    core.journal.changed()


def post_in_forum(core: Core, forum: Channel, author_id: int, title: str, content: str, tags: Iterable[str]) -> Channel:
    """A member's forum post: a thread named `title` whose first message (same id) is `content`."""
    if forum.type != FORUM:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    applied = [forum.tag(name)["id"] for name in tags]
    if forum.flags & REQUIRE_TAG and not applied:
        raise ApiError(400, 40067, "A tag is required to create a forum post in this channel")
    _check_tags(forum, applied)
    starter = core.build_message(forum, {"content": content}, [], author_id=author_id)
    thread = Channel(
        id=starter.id,
        type=PUBLIC_THREAD,
        name=title,
        guild_id=forum.guild_id,
        parent_id=forum.id,
        owner_id=author_id,
        applied_tags=[int(tag) for tag in applied],
    )
    core.state.add_channel(thread)
    thread_create(core, thread, author_id)
    starter.channel_id = thread.id
    core.store_and_announce(starter)
    return thread


def thread_from_message(core: Core, message: Message, author_id: int, name: str) -> Channel:
    """A member starts a public thread from a message of a text channel (the thread takes the message's id)."""
    parent = core.state.channels[message.channel_id]
    if parent.type != TEXT or message.thread_id is not None:
        raise ApiError(400, 160004, "A thread has already been created for this message")
    thread = Channel(
        id=message.id, type=PUBLIC_THREAD, name=name, guild_id=parent.guild_id, parent_id=parent.id, owner_id=author_id
    )
    core.state.add_channel(thread)
    message.thread_id = thread.id
    thread_create(core, thread, author_id)
    return thread


def edit_own(core: Core, message: Message, content: str) -> Message:
    """A member edits their message: MESSAGE_UPDATE with the whole message, as Discord sends it."""
    message.content = content
    message.edited_timestamp = utcnow()
    core.gateway.dispatch("MESSAGE_UPDATE", core.message_json(message, with_member=True))
    core.journal.changed()
    return message


def update_thread(core: Core, thread: Channel, *, name: str | None = None, tags: Iterable[str] | None = None) -> None:
    """Someone renames a thread or changes its forum tags: THREAD_UPDATE."""
    if name is not None:
        thread.name = name
    if tags is not None:
        forum = core.state.channels[thread.parent_id or 0]
        thread.applied_tags = [int(forum.tag(tag)["id"]) for tag in tags]
    core.gateway.dispatch("THREAD_UPDATE", payloads.channel(core.state, thread))
    core.journal.changed()


def delete_thread(core: Core, thread: Channel) -> None:
    """A thread and its messages go: THREAD_DELETE (no MESSAGE_DELETE for each message, as on Discord)."""
    for message in list(thread.messages):
        core.state.remove_message(message)
    core.state.channels.pop(thread.id, None)
    if thread.guild_id is not None:
        core.state.guilds[thread.guild_id].channels.pop(thread.id, None)
    data: Json = {
        "id": str(thread.id),
        "guild_id": str(thread.guild_id),
        "parent_id": str(thread.parent_id),
        "type": thread.type,
    }
    core.gateway.dispatch("THREAD_DELETE", data)
    core.journal.changed()
