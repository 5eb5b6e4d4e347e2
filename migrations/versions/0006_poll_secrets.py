"""polls: anonymous ballots and keys in tables of their own, so that a close can destroy them on disk

Open anonymous polls' ballots move from `poll_votes` to `poll_ballots`, their keys from `polls.salt` to
`poll_keys`. On PostgreSQL the two columns that hold secrets get no planner statistics: ANALYZE would otherwise
copy sample values (ballot ids, keys) into `pg_statistic`, where no close reaches them.

Revision ID: 0006
Revises: 0005_command_syncs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005_command_syncs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poll_ballots",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("option_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_ballots_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("poll_id", "voter_id", "option_id", name=op.f("pk_poll_ballots")),
    )
    with op.batch_alter_table("poll_ballots", schema=None) as batch_op:
        batch_op.create_index("ix_poll_ballots_poll_id_option_id", ["poll_id", "option_id"], unique=False)
    op.create_table(
        "poll_keys",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"], name=op.f("fk_poll_keys_poll_id_polls"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("poll_id", name=op.f("pk_poll_keys")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE poll_ballots ALTER COLUMN voter_id SET STATISTICS 0")
        op.execute("ALTER TABLE poll_keys ALTER COLUMN key SET STATISTICS 0")

    op.execute("INSERT INTO poll_keys (poll_id, key) SELECT id, salt FROM polls WHERE salt IS NOT NULL")
    op.execute(
        "INSERT INTO poll_ballots (poll_id, voter_id, option_id, guild_id, voted_at) "
        "SELECT poll_id, voter_id, option_id, guild_id, voted_at FROM poll_votes "
        "WHERE poll_id IN (SELECT id FROM polls WHERE anonymous)"
    )
    op.execute("DELETE FROM poll_votes WHERE poll_id IN (SELECT id FROM polls WHERE anonymous)")
    # Not in batch mode: re-creating `polls` on SQLite would cascade-delete every option and vote (foreign keys are
    # on). SQLite drops a column natively since 3.35.
    op.drop_column("polls", "salt")


def downgrade() -> None:
    op.add_column("polls", sa.Column("salt", sa.LargeBinary(length=32), nullable=True))
    op.execute("UPDATE polls SET salt = (SELECT key FROM poll_keys WHERE poll_keys.poll_id = polls.id)")
    op.execute(
        "INSERT INTO poll_votes (poll_id, voter_id, option_id, guild_id, voted_at) "
        "SELECT poll_id, voter_id, option_id, guild_id, voted_at FROM poll_ballots"
    )
    op.drop_table("poll_keys")
    with op.batch_alter_table("poll_ballots", schema=None) as batch_op:
        batch_op.drop_index("ix_poll_ballots_poll_id_option_id")
    op.drop_table("poll_ballots")
