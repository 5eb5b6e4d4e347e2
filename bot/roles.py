"""Giving and taking roles: refused up front when Discord would refuse (hierarchy, permission), and every problem
returned as a sentence for the hosts rather than raised at the member."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from bot import i18n
from bot.delivery import notify_hosts
from models.guild_settings import GuildContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """A role Agora could not give or take, and why (an i18n key taking `role`)."""

    role: str
    key: str


@dataclass(frozen=True)
class RoleChange:
    done: list[discord.Role] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def role_problem(role: discord.Role, me: discord.Member) -> str | None:
    """Why the bot cannot give or take `role`, as an i18n key, or None when it can."""
    if role.is_default() or role.managed:
        return "errors.role.managed"
    if not me.guild_permissions.manage_roles:
        return "errors.role.no_manage_roles"
    if role >= me.top_role:
        return "errors.role.above_bot"
    return None


async def give_roles(member: discord.Member, roles: Sequence[discord.Role], *, reason: str) -> RoleChange:
    """Give the roles the member lacks; those Discord would refuse are left out and reported."""
    wanted = [role for role in dict.fromkeys(roles) if member.get_role(role.id) is None]
    return await _change(member, wanted, reason=reason, give=True)


async def take_roles(member: discord.Member, roles: Sequence[discord.Role], *, reason: str) -> RoleChange:
    """Take the roles the member has; those Discord would refuse are left out and reported."""
    held = [role for role in dict.fromkeys(roles) if member.get_role(role.id) is not None]
    return await _change(member, held, reason=reason, give=False)


async def _change(member: discord.Member, roles: list[discord.Role], *, reason: str, give: bool) -> RoleChange:
    problems = [Problem(role.name, key) for role in roles if (key := role_problem(role, member.guild.me))]
    allowed = [role for role in roles if role_problem(role, member.guild.me) is None]
    if not allowed:
        return RoleChange([], problems)
    try:
        if give:
            await member.add_roles(*allowed, reason=reason)
        else:
            await member.remove_roles(*allowed, reason=reason)
    except discord.HTTPException as error:
        log.warning("could not change roles of a member of guild %s (%s)", member.guild.id, error.status)
        return RoleChange([], problems + [Problem(role.name, "errors.role_not_assignable") for role in allowed])
    return RoleChange(allowed, problems)


async def give_or_tell_hosts(
    member: discord.Member,
    roles: Sequence[discord.Role],
    context: GuildContext,
    *,
    reason: str,
    notice: str,
    unresolved: Sequence[Problem] = (),
    **params: Any,
) -> RoleChange:
    """Give the roles; what cannot be given (and the `unresolved` roles the caller could not even find) is told to
    the hosts in one `notice`, with `member` and `problems` filled: never lost."""
    given = await give_roles(member, roles, reason=reason)
    change = RoleChange(given.done, [*unresolved, *given.problems])
    if change.problems:
        problems = "\n".join(i18n.t(context.language, problem.key, role=problem.role) for problem in change.problems)
        await notify_hosts(member.guild, context, notice, member=member.mention, problems=problems, **params)
    return change


async def give_member_role(member: discord.Member, context: GuildContext) -> str | None:
    """The server's member role, given once the code of conduct is accepted (on the rules message or on the welcome
    path); a line for the member about it, or None when there is no such role or they have it already."""
    role = member.guild.get_role(context.settings.member_role_id or 0)
    if role is None or member.get_role(role.id) is not None:
        return None
    change = await give_or_tell_hosts(
        member,
        [role],
        context,
        reason="Accepted the code of conduct",
        notice="conduct.hosts.role_failed",
        role=role.mention,
    )
    key = "conduct.accept.role_granted" if change.done else "conduct.accept.role_failed"
    return i18n.t(context.reply_language, key, role=role.name)
