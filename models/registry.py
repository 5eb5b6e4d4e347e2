"""Imports every capability's tables so that `Base.metadata` is complete (for Alembic and the schema tests)."""

from models import command_sync, guild_settings, profiles, scheduling
from models.conduct import tables as conduct_tables
from models.groups import tables as groups_tables
from models.knowledge import tables as knowledge_tables
from models.onboarding import tables as onboarding_tables
from models.polls import tables as polls_tables

__all__ = [
    "command_sync",
    "conduct_tables",
    "groups_tables",
    "guild_settings",
    "knowledge_tables",
    "onboarding_tables",
    "polls_tables",
    "profiles",
    "scheduling",
]
