"""Runtime errors. The errors a member can fix live in the domain (`models/errors.py`); they are re-exported here
only until every module imports them from there."""

from __future__ import annotations

from models.errors import ChannelNotUsableError, GuildOnlyError, RoleNotAssignableError, UserError

__all__ = ["ChannelNotUsableError", "ConfigError", "GuildOnlyError", "RoleNotAssignableError", "UserError"]


class ConfigError(Exception):
    """A deployment configuration problem, reported as one line at start-up."""
