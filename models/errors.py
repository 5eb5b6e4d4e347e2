"""Errors that carry a message for the member instead of a traceback.

The domain raises them (it never imports discord); the command tree and the components turn them into one short,
localized, ephemeral reply. A subclass names its i18n key: `PollClosedError` → `polls.vote.closed`.
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


class NoLongerAvailableError(UserError):
    """A button, menu or form whose capability is gone, or whose message is stale."""

    key = "errors.no_longer_available"


class ChannelNotUsableError(UserError):
    """The bot cannot do what it needs in a channel (see, post, react, create threads)."""

    key = "errors.channel_not_usable"


class RoleNotAssignableError(UserError):
    key = "errors.role_not_assignable"


class NotAMemberError(UserError):
    """The person acting (often from a DM) is no longer a member of the server the component belongs to."""

    key = "errors.not_a_member"


class StrangerError(UserError):
    """Someone used a component that belongs to another member."""

    key = "errors.stranger"
