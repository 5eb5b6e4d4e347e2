"""Rules every table follows, checked over `Base.metadata` so a new capability is held to them too: Discord ids are
BIGINT (in the models and in the migrated database), and text goes through the columns that clean it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import JSON, BigInteger, Column, Connection, String, create_engine, inspect, select

import models.registry  # noqa: F401  (every table, as Alembic sees them)
from bot.database import MIGRATIONS, Database, alembic_config
from models.base import Base, CleanJSON, utcnow
from models.onboarding.tables import OnboardingAnswer
from models.polls import service
from models.polls.tables import Poll
from models.profiles import Profile

# Columns named like a Discord id that hold something else (besides references to Agora's own rows, found alone).
NOT_DISCORD_IDS = {
    ("poll_votes", "option_id"),
    ("poll_ballots", "option_id"),
    ("onboarding_answers", "question_id"),
}
# Discord ids whose names do not end in `_id`.
DISCORD_IDS_NAMED_OTHERWISE = {("conduct_versions", "published_by"), ("conduct_drafts", "updated_by")}


def columns() -> list[Column[Any]]:
    return [column for table in Base.metadata.sorted_tables for column in table.columns]


def references_own_row(column: Column[Any]) -> bool:
    """A foreign key to one of Agora's own row numbers (`poll_options.poll_id` → `polls.id`)."""
    return any(not isinstance(key.column.type, BigInteger) for key in column.foreign_keys)


def discord_id_columns() -> list[Column[Any]]:
    found = []
    for column in columns():
        key = (column.table.name, column.name)
        named_like_one = column.name.endswith("_id") or key in DISCORD_IDS_NAMED_OTHERWISE
        if named_like_one and key not in NOT_DISCORD_IDS and not references_own_row(column):
            found.append(column)
    return found


def test_every_discord_id_column_is_a_bigint() -> None:
    """A snowflake needs 64 bits: in an INTEGER column PostgreSQL refuses it, even in a comparison."""
    ids = discord_id_columns()
    assert len(ids) > 30
    narrow = [f"{c.table.name}.{c.name}: {c.type!r}" for c in ids if not isinstance(c.type, BigInteger)]
    assert narrow == [], "Discord ids must be `Snowflake` (BIGINT) columns"


def test_the_columns_that_are_not_discord_ids_exist() -> None:
    """Keep NOT_DISCORD_IDS honest: each entry is a column of the models."""
    assert {(c.table.name, c.name) for c in columns()} >= NOT_DISCORD_IDS


async def test_migrations_make_every_discord_id_a_bigint(db: Database) -> None:
    def reflected(connection: Connection) -> dict[tuple[str, str], Any]:
        inspector = inspect(connection)
        return {
            (table, column["name"]): column["type"]
            for table in inspector.get_table_names()
            for column in inspector.get_columns(table)
        }

    async with db.engine.connect() as connection:
        types = await connection.run_sync(reflected)
    narrow = [
        f"{c.table.name}.{c.name}: {types[(c.table.name, c.name)]!r}"
        for c in discord_id_columns()
        if not isinstance(types[(c.table.name, c.name)], BigInteger)
    ]
    assert narrow == []


def test_every_text_and_json_column_cleans_what_it_stores() -> None:
    """A plain String/Text/JSON column would let a NUL through to PostgreSQL, which refuses it (SQLite keeps it)."""
    plain = [f"{c.table.name}.{c.name}" for c in columns() if isinstance(c.type, String | JSON)]
    assert plain == [], "use CleanString / CleanText / CleanJSON from models.base"
    assert any(isinstance(c.type, CleanJSON) for c in columns())


async def test_nul_characters_are_dropped_the_same_way_on_both_databases(db: Database) -> None:
    now = utcnow()
    poll = Poll(guild_id=1, channel_id=2, author_id=3, question="Lunch\x00 or\x00\x00 brunch?", language="en")
    assert poll.question == "Lunch or brunch?"  # in memory too: what is shown is what is stored
    async with db.transaction() as session:
        session.add(poll)
        poll.created_at = now
        session.add(
            Profile(
                guild_id=1,
                member_id=3,
                skills_to_learn=["ru\x00st", {"k\x00": "v\x00"}],
                skills_to_share=[],
                languages=[],
                updated_at=now,
            )
        )
        session.add(
            OnboardingAnswer(
                guild_id=1, member_id=3, question_id="goals", state="answered", value="a\x00b", answered_at=now
            )
        )
    async with db.transaction() as session:
        assert await session.scalar(select(Poll.question)) == "Lunch or brunch?"
        assert await session.scalar(select(Profile.skills_to_learn)) == ["rust", {"k": "v"}]
        assert await session.scalar(select(OnboardingAnswer.value)) == "ab"
        # A parameter compared with a column is cleaned too: the autocomplete's search still answers.
        found = await service.suggest_polls(session, guild_id=1, text="or\x00 b", open_only=False)
        assert [question for _, question, _ in found] == ["Lunch or brunch?"]
        assert await service.suggest_polls(session, guild_id=1, text="\x00", open_only=False) == found


def test_autogenerated_migrations_spell_our_types_in_plain_sqlalchemy(tmp_path: Path) -> None:
    """The next `alembic revision --autogenerate` writes sa.String(length=300), not models.base.CleanString(300)."""
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__", "0*.py"))
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with engine.begin() as connection:
        config = alembic_config(connection)
        config.set_main_option("script_location", str(scripts))
        command.revision(config, message="everything", autogenerate=True)
    engine.dispose()
    (written,) = (scripts / "versions").glob("*everything.py")
    code = written.read_text(encoding="utf-8")
    assert "sa.String(length=300)" in code and "sa.JSON()" in code and "sa.DateTime(timezone=True)" in code
    assert "models" not in code and "Clean" not in code
