"""Imports every capability's tables so that `Base.metadata` is complete (for Alembic and the schema tests)."""

from models import guild_settings, polls, scheduling

__all__ = ["guild_settings", "polls", "scheduling"]