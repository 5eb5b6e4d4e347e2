"""Errors that carry a message for the member instead of a traceback.

The domain raises them (it never imports discord); the command tree and the components turn them into one short,
localized, ephemeral reply. A subclass names its i18n key in its header:
`class PollClosedError(UserError, key="polls.vote.closed"): ...`.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Something the member can fix; `key` names the i18n message, `params` fill it."""

    key = "errors.generic"

    def __init_subclass__(cls, *, key: str | None = None, **kwargs: Any) -> None:
        """`class PollClosedError(UserError, key="polls.vote.closed")`: the key is part of the declaration."""
        super().__init_subclass__(**kwargs)
        if key is not None:
            cls.key = key

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or type(self).key
        self.params = params
        super().__init__(self.key)


class GuildOnlyError(UserError, key="errors.guild_only"): ...


class NoLongerAvailableError(UserError, key="errors.no_longer_available"):
    """A button, menu or form whose capability is gone, or whose message is stale."""


class ChannelNotUsableError(UserError, key="errors.channel_not_usable"):
    """The bot cannot do what it needs in a channel (see, post, react, create threads)."""


class RoleNotAssignableError(UserError, key="errors.role_not_assignable"): ...


class NotAMemberError(UserError, key="errors.not_a_member"):
    """The person acting (often from a DM) is no longer a member of the server the component belongs to."""


class StrangerError(UserError, key="errors.stranger"):
    """Someone used a component that belongs to another member."""
