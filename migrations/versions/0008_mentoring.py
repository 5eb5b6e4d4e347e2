"""mentoring: offers and requests, rounds and their previewed pairs, mentorships, check-ins, exit feedback; and
the server's mentoring channel (`guild_settings.mentoring_channel_id`), where pairs get their private threads

Revision ID: 0008_mentoring
Revises: 0007
Create Date: 2026-12-01 16:50:09.821624
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_mentoring"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mentee_requests",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("goals", sa.Text(), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "member_id", name=op.f("pk_mentee_requests")),
    )
    op.create_table(
        "mentor_offers",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "member_id", name=op.f("pk_mentor_offers")),
    )
    op.create_table(
        "mentoring_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.BigInteger(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("total_score", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_rounds")),
    )
    with op.batch_alter_table("mentoring_rounds", schema=None) as batch_op:
        batch_op.create_index("ix_mentoring_rounds_guild_id_created_at", ["guild_id", "created_at"], unique=False)

    op.create_table(
        "mentoring_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("skills_weight", sa.Integer(), nullable=False),
        sa.Column("timezone_weight", sa.Integer(), nullable=False),
        sa.Column("goals_weight", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=True),
        sa.Column("check_in_days", sa.Integer(), nullable=False),
        sa.Column("auto_round_days", sa.Integer(), nullable=False),
        sa.Column("publications", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_mentoring_settings")),
    )
    op.create_table(
        "mentoring_round_pairs",
        sa.Column("round_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mentee_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("mentor_id", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("why", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["mentoring_rounds.id"],
            name=op.f("fk_mentoring_round_pairs_round_id_mentoring_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "mentee_id", name=op.f("pk_mentoring_round_pairs")),
    )
    op.create_table(
        "mentorships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("mentor_id", sa.BigInteger(), nullable=False),
        sa.Column("mentee_id", sa.BigInteger(), nullable=False),
        sa.Column("pair_low", sa.BigInteger(), nullable=False),
        sa.Column("pair_high", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=True),
        sa.Column("live_mentee_id", sa.BigInteger(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("why", sa.JSON(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mentor_answer", sa.String(length=8), nullable=True),
        sa.Column("mentee_answer", sa.String(length=8), nullable=True),
        sa.Column("declined_by", sa.BigInteger(), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["mentoring_rounds.id"],
            name=op.f("fk_mentorships_round_id_mentoring_rounds"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentorships")),
        sa.UniqueConstraint("guild_id", "live_mentee_id", name=op.f("uq_mentorships_guild_id_live_mentee_id")),
        sa.UniqueConstraint("guild_id", "mentor_id", "slot", name=op.f("uq_mentorships_guild_id_mentor_id_slot")),
        sa.UniqueConstraint(
            "guild_id", "pair_low", "pair_high", name=op.f("uq_mentorships_guild_id_pair_low_pair_high")
        ),
    )
    with op.batch_alter_table("mentorships", schema=None) as batch_op:
        batch_op.create_index("ix_mentorships_guild_id_state", ["guild_id", "state"], unique=False)
        batch_op.create_index("ix_mentorships_round_id", ["round_id"], unique=False)

    op.create_table(
        "mentoring_check_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentorship_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("mentor_answer", sa.Boolean(), nullable=True),
        sa.Column("mentee_answer", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["mentorship_id"],
            ["mentorships.id"],
            name=op.f("fk_mentoring_check_ins_mentorship_id_mentorships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_check_ins")),
        sa.UniqueConstraint("mentorship_id", "due_at", name=op.f("uq_mentoring_check_ins_mentorship_id_due_at")),
    )
    op.create_table(
        "mentoring_feedback",
        sa.Column("mentorship_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentorship_id"],
            ["mentorships.id"],
            name=op.f("fk_mentoring_feedback_mentorship_id_mentorships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mentorship_id", "member_id", name=op.f("pk_mentoring_feedback")),
    )
    with op.batch_alter_table("guild_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mentoring_channel_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guild_settings", schema=None) as batch_op:
        batch_op.drop_column("mentoring_channel_id")

    op.drop_table("mentoring_feedback")
    op.drop_table("mentoring_check_ins")
    with op.batch_alter_table("mentorships", schema=None) as batch_op:
        batch_op.drop_index("ix_mentorships_round_id")
        batch_op.drop_index("ix_mentorships_guild_id_state")

    op.drop_table("mentorships")
    op.drop_table("mentoring_round_pairs")
    op.drop_table("mentoring_settings")
    with op.batch_alter_table("mentoring_rounds", schema=None) as batch_op:
        batch_op.drop_index("ix_mentoring_rounds_guild_id_created_at")

    op.drop_table("mentoring_rounds")
    op.drop_table("mentor_offers")
    op.drop_table("mentee_requests")
