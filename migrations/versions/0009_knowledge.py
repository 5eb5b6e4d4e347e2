"""knowledge: threads, the index of messages and its full-text search, resources, digests

The full-text index is the database's own: on SQLite an FTS5 table over `knowledge_entries`' term columns (external
content, kept in step by triggers; `detail=column`, as no search looks for a phrase: inserts are twice as fast and
bm25() gives the same scores), on PostgreSQL a generated `tsvector` column with a GIN index. Both index the
terms Agora computed (stems, accents folded), so no PostgreSQL extension is needed.

Revision ID: 0009_knowledge
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_knowledge"
down_revision = "0007"
branch_labels = None
depends_on = None

SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE knowledge_fts USING fts5(title_terms, body_terms, content='knowledge_entries', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2', detail=column)",
    "CREATE TRIGGER knowledge_entries_ai AFTER INSERT ON knowledge_entries BEGIN "
    "INSERT INTO knowledge_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms); END",
    "CREATE TRIGGER knowledge_entries_ad AFTER DELETE ON knowledge_entries BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms); END",
    "CREATE TRIGGER knowledge_entries_au AFTER UPDATE OF title_terms, body_terms ON knowledge_entries BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms); "
    "INSERT INTO knowledge_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms); END",
)
POSTGRESQL_INDEX = (
    "ALTER TABLE knowledge_entries ADD COLUMN search tsvector GENERATED ALWAYS AS "
    "(setweight(to_tsvector('simple', title_terms), 'A') || setweight(to_tsvector('simple', body_terms), 'B')) STORED",
    "CREATE INDEX ix_knowledge_entries_search ON knowledge_entries USING gin (search)",
    # BM25 needs the number of entries and of their terms at every search; counting 100,000 rows each time would
    # cost tens of milliseconds, so statement-level triggers keep the two totals (FTS5 keeps its own).
    "CREATE TABLE knowledge_totals (id integer PRIMARY KEY, entries bigint NOT NULL, tokens bigint NOT NULL)",
    "INSERT INTO knowledge_totals VALUES (1, 0, 0)",
    """CREATE FUNCTION knowledge_totals_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE knowledge_totals SET entries = entries + (SELECT count(*) FROM added),
            tokens = tokens + (SELECT coalesce(sum(length), 0) FROM added) WHERE id = 1;
        RETURN NULL; END $$""",
    """CREATE FUNCTION knowledge_totals_removed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE knowledge_totals SET entries = entries - (SELECT count(*) FROM removed),
            tokens = tokens - (SELECT coalesce(sum(length), 0) FROM removed) WHERE id = 1;
        RETURN NULL; END $$""",
    """CREATE FUNCTION knowledge_totals_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        UPDATE knowledge_totals SET tokens = tokens + (SELECT coalesce(sum(length), 0) FROM added)
            - (SELECT coalesce(sum(length), 0) FROM removed) WHERE id = 1;
        RETURN NULL; END $$""",
    "CREATE TRIGGER knowledge_entries_added AFTER INSERT ON knowledge_entries REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION knowledge_totals_added()",
    "CREATE TRIGGER knowledge_entries_removed AFTER DELETE ON knowledge_entries REFERENCING OLD TABLE AS removed "
    "FOR EACH STATEMENT EXECUTE FUNCTION knowledge_totals_removed()",
    "CREATE TRIGGER knowledge_entries_changed AFTER UPDATE ON knowledge_entries "
    "REFERENCING OLD TABLE AS removed NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION knowledge_totals_changed()",
)


def upgrade() -> None:
    op.create_table(
        "knowledge_digests",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "week", name=op.f("pk_knowledge_digests")),
    )
    op.create_table(
        "knowledge_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("saved_by", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("tag_keys", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("solved", sa.Boolean(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("helpful", sa.Integer(), nullable=False),
        sa.Column("boost", sa.Float(), nullable=False),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("body_terms", sa.Text(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_entries")),
        sa.UniqueConstraint("guild_id", "message_id", name=op.f("uq_knowledge_entries_guild_id_message_id")),
    )
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.create_index("ix_knowledge_entries_guild_id_author_id", ["guild_id", "author_id"], unique=False)
        batch_op.create_index("ix_knowledge_entries_guild_id_id", ["guild_id", "id"], unique=False)
        batch_op.create_index("ix_knowledge_entries_guild_id_thread_id", ["guild_id", "thread_id"], unique=False)

    op.create_table(
        "knowledge_optouts",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "member_id", name=op.f("pk_knowledge_optouts")),
    )
    op.create_table(
        "knowledge_resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("url_key", sa.String(length=500), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=50), nullable=False),
        sa.Column("topic_key", sa.String(length=50), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("suggested_by", sa.BigInteger(), nullable=False),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("review_message_id", sa.BigInteger(), nullable=True),
        sa.Column("upvotes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_resources")),
        sa.UniqueConstraint("guild_id", "url_key", name=op.f("uq_knowledge_resources_guild_id_url_key")),
    )
    with op.batch_alter_table("knowledge_resources", schema=None) as batch_op:
        batch_op.create_index("ix_knowledge_resources_guild_id_status", ["guild_id", "status"], unique=False)

    op.create_table(
        "knowledge_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("query", sa.String(length=200), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=True),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_searches")),
    )
    with op.batch_alter_table("knowledge_searches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_searches_created_at"), ["created_at"], unique=False)

    op.create_table(
        "knowledge_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("digest_enabled", sa.Boolean(), nullable=False),
        sa.Column("digest_day", sa.Integer(), nullable=False),
        sa.Column("helpful_emoji", sa.String(length=64), nullable=False),
        sa.Column("question_tag_id", sa.BigInteger(), nullable=True),
        sa.Column("tutorial_tag_id", sa.BigInteger(), nullable=True),
        sa.Column("tip_tag_id", sa.BigInteger(), nullable=True),
        sa.Column("solved_tag_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_knowledge_settings")),
    )
    op.create_table(
        "knowledge_threads",
        sa.Column("thread_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("tag_names", sa.JSON(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("solved", sa.Boolean(), nullable=False),
        sa.Column("solved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_message_id", sa.BigInteger(), nullable=True),
        sa.Column("notice_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_knowledge_threads")),
    )
    with op.batch_alter_table("knowledge_threads", schema=None) as batch_op:
        batch_op.create_index("ix_knowledge_threads_guild_id_created_at", ["guild_id", "created_at"], unique=False)

    op.create_table(
        "knowledge_withdrawals",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "message_id", name=op.f("pk_knowledge_withdrawals")),
    )
    op.create_table(
        "knowledge_resource_marks",
        sa.Column("resource_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["knowledge_resources.id"],
            name=op.f("fk_knowledge_resource_marks_resource_id_knowledge_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", "member_id", name=op.f("pk_knowledge_resource_marks")),
    )
    op.create_table(
        "knowledge_resource_votes",
        sa.Column("resource_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["knowledge_resources.id"],
            name=op.f("fk_knowledge_resource_votes_resource_id_knowledge_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", "member_id", name=op.f("pk_knowledge_resource_votes")),
    )

    statements = SQLITE_INDEX if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_INDEX
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS knowledge_totals")
        for function in ("knowledge_totals_added", "knowledge_totals_removed", "knowledge_totals_changed"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}() CASCADE")
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("knowledge_entries_ai", "knowledge_entries_ad", "knowledge_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    op.drop_table("knowledge_resource_votes")
    op.drop_table("knowledge_resource_marks")
    op.drop_table("knowledge_withdrawals")
    with op.batch_alter_table("knowledge_threads", schema=None) as batch_op:
        batch_op.drop_index("ix_knowledge_threads_guild_id_created_at")

    op.drop_table("knowledge_threads")
    op.drop_table("knowledge_settings")
    with op.batch_alter_table("knowledge_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_searches_created_at"))

    op.drop_table("knowledge_searches")
    with op.batch_alter_table("knowledge_resources", schema=None) as batch_op:
        batch_op.drop_index("ix_knowledge_resources_guild_id_status")

    op.drop_table("knowledge_resources")
    op.drop_table("knowledge_optouts")
    with op.batch_alter_table("knowledge_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_knowledge_entries_guild_id_thread_id")
        batch_op.drop_index("ix_knowledge_entries_guild_id_author_id")
        batch_op.drop_index("ix_knowledge_entries_guild_id_id")

    op.drop_table("knowledge_entries")
    op.drop_table("knowledge_digests")
