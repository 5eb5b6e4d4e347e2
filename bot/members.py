"""Members as the bot reaches them: from the cache when there, else asked from Discord. The bot caches only members in
a voice channel (see `bot.client.member_cache_flags`): every other member is read when a feature needs them, and
dropped after."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Container, Sequence
from typing import TYPE_CHECKING, Any

import discord

from models.errors import NotAMemberError

if TYPE_CHECKING:
    from bot.client import Agora

QUERY_LIMIT = 100  # user ids per REQUEST_GUILD_MEMBERS (https://discord.com/developers/docs/events/gateway-events)


async def find_member(guild: discord.Guild, user_id: int) -> discord.Member | None:
    """The member from the cache, else from Discord; None when they are not (or no longer) in the server."""
    member = guild.get_member(user_id)
    if member is not None:
        return member
    try:
        return await guild.fetch_member(user_id)
    except discord.NotFound:
        return None


class HeldRoles(Container[int]):
    """The roles a member holds, asked one at a time: cheaper than listing them all, on every reaction of a burst."""

    def __init__(self, member: discord.Member) -> None:
        self.member = member

    def __contains__(self, role_id: object) -> bool:
        return isinstance(role_id, int) and self.member.get_role(role_id) is not None


def held_roles(person: discord.Member | discord.User | None) -> HeldRoles | None:
    """The roles of a member; None for someone who is not, or no longer, in the server (a user, or nobody)."""
    return HeldRoles(person) if isinstance(person, discord.Member) else None


async def member_of(
    bot: Agora,
    guild_id: int,
    user_id: int,
    key: str | None = None,
    *,
    person: discord.Member | discord.User | None = None,
) -> tuple[discord.Guild, discord.Member]:
    """The guild and member behind an interaction that may come from a DM; refuses people no longer there (`key`:
    the capability's own words for it). `person`: who the interaction came from; in that server's channels Discord
    sends them as a member, which saves asking for them."""
    guild = bot.get_guild(guild_id)
    if (
        guild is not None
        and isinstance(person, discord.Member)
        and person.id == user_id
        and person.guild.id == guild_id
    ):
        return guild, person
    member = await find_member(guild, user_id) if guild is not None else None
    if guild is None or member is None:
        raise NotAMemberError(key, server=guild.name if guild else "?")
    return guild, member


async def load_members(guild: discord.Guild) -> list[discord.Member]:
    """Every human member, asked from the gateway and not cached (the list is as fresh as the call, and a large
    server's members do not stay in memory)."""
    members = await guild.chunk(cache=False)
    return [member for member in members if not member.bot]


async def display_names(guild: discord.Guild, member_ids: Sequence[int]) -> dict[int, str]:
    """Names for exports: from the cache, else asked from the gateway 100 at a time (without caching them)."""
    names = {member_id: member.display_name for member_id in member_ids if (member := guild.get_member(member_id))}
    missing = [member_id for member_id in member_ids if member_id not in names]
    for start in range(0, len(missing), QUERY_LIMIT):
        try:
            found = await guild.query_members(user_ids=missing[start : start + QUERY_LIMIT], cache=False)
        except (TimeoutError, discord.ClientException):
            break
        names.update({member.id: member.display_name for member in found})
    return names


# Below this many members in all, a member list is a few megabytes: not worth a full collection at each start.
RELEASE_FROM_MEMBERS = 10_000


_frozen = False


def freeze_what_started() -> None:
    """Once per process, after the first start: what start-up built (modules, caches, the client) lives as long as
    the process, so the cyclic garbage collector stops scanning it. Each full collection walked all of it; a burst of
    events (20,000 kudos) spent a third of its time there. Later starts in the same process (tests) freeze nothing."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


def release_memory(members: int) -> None:
    """Give the system back what whole member lists took once they are gone: glibc keeps freed pages for reuse, so
    after a start-up's catch-ups (which read every member of every server) the process would stay as large as if it
    cached them. A no-op for small servers, and where the C library has no `malloc_trim`."""
    if members < RELEASE_FROM_MEMBERS:
        return
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    """glibc's `malloc_trim`, looked up once (finding the C library runs a program)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
