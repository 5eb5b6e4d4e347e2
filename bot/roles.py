"""Giving and taking roles: refused up front when Discord would refuse (hierarchy, permission), and every problem
returned as a sentence for the hosts rather than raised at the member."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import discord

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
