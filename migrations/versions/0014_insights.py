"""insights: whether a server gets the weekly report, each weekly report claimed before it is posted, and indexes by
time on the tables the report reads

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


INDEXES = (
    (
        "ix_onboarding_members_guild_id_joined_at",
        "onboarding_members",
        ["guild_id", "joined_at", "started_at", "finished_at"],
    ),
    ("ix_onboarding_members_guild_id_left_at", "onboarding_members", ["guild_id", "left_at"]),
    ("ix_onboarding_answers_guild_id_answered_at", "onboarding_answers", ["guild_id", "answered_at", "member_id"]),
    ("ix_conduct_acceptances_guild_id_accepted_at", "conduct_acceptances", ["guild_id", "accepted_at", "member_id"]),
    ("ix_poll_votes_guild_id_voted_at", "poll_votes", ["guild_id", "voted_at", "voter_id"]),
    ("ix_profiles_guild_id_updated_at", "profiles", ["guild_id", "updated_at", "member_id"]),
    ("ix_knowledge_entries_guild_id_created_at", "knowledge_entries", ["guild_id", "created_at", "kind", "author_id"]),
    ("ix_knowledge_threads_guild_id_solved_at", "knowledge_threads", ["guild_id", "solved_at"]),
    ("ix_knowledge_resources_guild_id_created_at", "knowledge_resources", ["guild_id", "created_at", "suggested_by"]),
    ("ix_session_rsvps_guild_id_answered_at", "session_rsvps", ["guild_id", "answered_at", "member_id"]),
    ("ix_feedback_answers_guild_id_answered_at", "feedback_answers", ["guild_id", "answered_at", "member_id"]),
    ("ix_kudos_guild_id_given_at", "kudos", ["guild_id", "given_at", "giver_id", "receiver_id", "ended_at"]),
    ("ix_group_seats_guild_id_since", "group_seats", ["guild_id", "since", "member_id"]),
)


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
    # The report reads each capability's rows of a server by time: these let every figure read only its period.
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("insights_reports")
    op.drop_table("insights_settings")
