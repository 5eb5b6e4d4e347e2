"""Imports every capability's tables so that `Base.metadata` is complete (for Alembic and the schema tests)."""

from models import command_sync, conduct, guild_settings, onboarding, polls, profiles, scheduling

__all__ = ["command_sync", "conduct", "guild_settings", "onboarding", "polls", "profiles", "scheduling"]
