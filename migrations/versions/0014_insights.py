"""insights: whether a server gets the weekly report, and each weekly report claimed before it is posted

Revision ID: 0014_insights
Revises: 0008_mentoring, 0008_recognition, 0008_sessions, 0009_knowledge, 0013_groups
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_insights"
# The report reads every capability's tables (and indexes some of them by time): it comes after all of them.
down_revision = ("0008_mentoring", "0008_recognition", "0008_sessions", "0009_knowledge", "0013_groups")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insights_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("weekly", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_insights_settings")),
    )
    op.create_table(
        "insights_reports",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "week", name=op.f("pk_insights_reports")),
    )


def downgrade() -> None:
    op.drop_table("insights_reports")
    op.drop_table("insights_settings")
