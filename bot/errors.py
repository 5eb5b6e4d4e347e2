"""Errors that carry a message for the member instead of a traceback.

The domain raises them (it never imports discord); the command tree and the views turn them into one short,
localized, ephemeral reply.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Something the member can fix; `key` names the i18n message, `params` fill it."""

    key = "errors.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or type(self).key
        self.params = params
        super().__init__(self.key)


class GuildOnlyError(UserError):
    key = "errors.guild_only"


class ChannelNotUsableError(UserError):
    """The bot cannot do what it needs in a channel (see, post, react, create threads)."""

    key = "errors.channel_not_usable"


class RoleNotAssignableError(UserError):
    key = "errors.role_not_assignable"


class ConfigError(Exception):
    """A deployment configuration problem, reported as one line at start-up."""
