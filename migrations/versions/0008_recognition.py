"""recognition: kudos, their board counters, members' choices, reported events, milestones and recognition posts;
and the thanks channel, a new channel purpose of `/agora channel` (`guild_settings.thanks_channel_id`)

Revision ID: 0008_recognition
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_recognition"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kudos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("giver_id", sa.BigInteger(), nullable=False),
        sa.Column("receiver_id", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.Column("ended_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kudos")),
        sa.UniqueConstraint("message_id", "giver_id", name=op.f("uq_kudos_message_id_giver_id")),
    )
    op.create_index("ix_kudos_guild_id_giver_id_given_at", "kudos", ["guild_id", "giver_id", "given_at"], unique=False)
    op.create_index(
        "ix_kudos_guild_id_receiver_id_given_at", "kudos", ["guild_id", "receiver_id", "given_at"], unique=False
    )

    op.create_table(
        "kudos_board_resets",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("reset_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reset_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", "period", name=op.f("pk_kudos_board_resets")),
    )
    op.create_table(
        "kudos_categories",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "key", name=op.f("pk_kudos_categories")),
    )
    op.create_table(
        "kudos_tallies",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("board", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "board", "period", "category", "member_id", name=op.f("pk_kudos_tallies")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_kudos_tallies_board",
        "kudos_tallies",
        ["guild_id", "board", "period", "category", "total", "member_id"],
        unique=False,
    )

    op.create_table(
        "recognition_events",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=100), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "member_id", "kind", "dedupe_key", name=op.f("pk_recognition_events")),
    )
    op.create_table(
        "recognition_members",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("notices", sa.Boolean(), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "member_id", name=op.f("pk_recognition_members")),
    )
    op.create_table(
        "recognition_milestone_roles",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("role_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "kind", "level", name=op.f("pk_recognition_milestone_roles")),
    )
    op.create_table(
        "recognition_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=24), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_posts")),
        sa.UniqueConstraint("guild_id", "period", name=op.f("uq_recognition_posts_guild_id_period")),
    )
    op.create_table(
        "recognition_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reaction", sa.String(length=100), nullable=False),
        sa.Column("reaction_category", sa.String(length=32), nullable=False),
        sa.Column("daily_allowance", sa.Integer(), nullable=False),
        sa.Column("pair_cap", sa.Integer(), nullable=False),
        sa.Column("post_cadence", sa.String(length=8), nullable=False),
        sa.Column("public_thanks", sa.Boolean(), nullable=False),
        sa.Column("members_celebrate", sa.Boolean(), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_recognition_settings")),
    )
    op.create_table(
        "recognition_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("role_state", sa.String(length=8), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"], ["recognition_posts.id"], name=op.f("fk_recognition_milestones_post_id_recognition_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognition_milestones")),
        sa.UniqueConstraint(
            "guild_id",
            "member_id",
            "kind",
            "level",
            name=op.f("uq_recognition_milestones_guild_id_member_id_kind_level"),
        ),
    )
    op.create_index(
        "ix_recognition_milestones_guild_id_post_id", "recognition_milestones", ["guild_id", "post_id"], unique=False
    )

    op.add_column("guild_settings", sa.Column("thanks_channel_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("thanks_channel_id")

    op.drop_index("ix_recognition_milestones_guild_id_post_id", table_name="recognition_milestones")

    op.drop_table("recognition_milestones")
    op.drop_table("recognition_settings")
    op.drop_table("recognition_posts")
    op.drop_table("recognition_milestone_roles")
    op.drop_table("recognition_members")
    op.drop_table("recognition_events")
    op.drop_index("ix_kudos_tallies_board", table_name="kudos_tallies")

    op.drop_table("kudos_tallies")
    op.drop_table("kudos_categories")
    op.drop_table("kudos_board_resets")
    op.drop_index("ix_kudos_guild_id_receiver_id_given_at", table_name="kudos")
    op.drop_index("ix_kudos_guild_id_giver_id_given_at", table_name="kudos")

    op.drop_table("kudos")
