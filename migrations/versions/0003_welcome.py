"""welcome: code of conduct, onboarding questionnaire, member profiles

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-24 16:30:02.595859
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conduct_acceptances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conduct_acceptances")),
        sa.UniqueConstraint(
            "guild_id", "member_id", "version", name=op.f("uq_conduct_acceptances_guild_id_member_id_version")
        ),
    )
    with op.batch_alter_table("conduct_acceptances", schema=None) as batch_op:
        batch_op.create_index("ix_conduct_acceptances_guild_id_version", ["guild_id", "version"], unique=False)

    op.create_table(
        "conduct_drafts",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "language", name=op.f("pk_conduct_drafts")),
    )
    op.create_table(
        "conduct_notices",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "member_id", "version", name=op.f("pk_conduct_notices")),
    )
    op.create_table(
        "conduct_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_message_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conduct_reports")),
    )
    with op.batch_alter_table("conduct_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conduct_reports_guild_id"), ["guild_id"], unique=False)

    op.create_table(
        "conduct_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("rules_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("rules_message_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_conduct_settings")),
    )
    op.create_table(
        "conduct_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text_fr", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.BigInteger(), nullable=True),
        sa.Column("grace_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conduct_versions")),
        sa.UniqueConstraint("guild_id", "version", name=op.f("uq_conduct_versions_guild_id_version")),
    )
    op.create_table(
        "onboarding_answers",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("question_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "member_id", "question_id", name=op.f("pk_onboarding_answers")),
    )
    op.create_table(
        "onboarding_members",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("greeted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("greeting_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("greeting_message_id", sa.BigInteger(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", "member_id", name=op.f("pk_onboarding_members")),
    )
    op.create_table(
        "onboarding_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_step", sa.String(length=16), nullable=False),
        sa.Column("greeting", sa.String(length=16), nullable=False),
        sa.Column("reminder_hours", sa.Integer(), nullable=False),
        sa.Column("watching_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_onboarding_settings")),
    )
    op.create_table(
        "profiles",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("skills_to_learn", sa.JSON(), nullable=False),
        sa.Column("skills_to_share", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("goals", sa.Text(), nullable=True),
        sa.Column("mentor", sa.Boolean(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "member_id", name=op.f("pk_profiles")),
    )


def downgrade() -> None:
    op.drop_table("profiles")
    op.drop_table("onboarding_settings")
    op.drop_table("onboarding_members")
    op.drop_table("onboarding_answers")
    op.drop_table("conduct_versions")
    op.drop_table("conduct_settings")
    with op.batch_alter_table("conduct_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conduct_reports_guild_id"))

    op.drop_table("conduct_reports")
    op.drop_table("conduct_notices")
    op.drop_table("conduct_drafts")
    with op.batch_alter_table("conduct_acceptances", schema=None) as batch_op:
        batch_op.drop_index("ix_conduct_acceptances_guild_id_version")

    op.drop_table("conduct_acceptances")
