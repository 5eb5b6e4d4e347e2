"""Imports every capability's tables so that `Base.metadata` is complete (for Alembic and the schema tests)."""

from models import command_sync, guild_settings, profiles, scheduling
from models.conduct import tables as conduct_tables
from models.groups import tables as groups_tables
from models.insights import tables as insights_tables
from models.knowledge import tables as knowledge_tables
from models.mentoring import tables as mentoring_tables
from models.onboarding import tables as onboarding_tables
from models.polls import tables as polls_tables
from models.privacy import tables as privacy_tables
from models.recognition import tables as recognition_tables
from models.sessions import tables as sessions_tables

# Made by migrations' own SQL, not by the models: comparing the schema with the models must not see them missing.
UNMAPPED_TABLES = ("knowledge_fts", "knowledge_totals")  # SQLite's full-text index; PostgreSQL's BM25 totals
UNMAPPED_COLUMNS = {("knowledge_entries", "search")}  # PostgreSQL's generated tsvector
UNMAPPED_INDEXES = {"ix_knowledge_entries_search"}  # and its GIN index


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's filter: leave out what only the migrations made (autogenerate, and the schema test)."""
    if not reflected:
        return True
    if type_ == "table":
        return not (name or "").startswith(UNMAPPED_TABLES)
    table = getattr(getattr(obj, "table", None), "name", None)
    if type_ == "column":
        return (table, name) not in UNMAPPED_COLUMNS
    return not (type_ == "index" and name in UNMAPPED_INDEXES)


__all__ = [
    "command_sync",
    "conduct_tables",
    "groups_tables",
    "guild_settings",
    "include_object",
    "insights_tables",
    "knowledge_tables",
    "mentoring_tables",
    "onboarding_tables",
    "polls_tables",
    "privacy_tables",
    "profiles",
    "recognition_tables",
    "scheduling",
    "sessions_tables",
]
