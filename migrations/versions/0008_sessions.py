"""sessions: series and their occurrences, RSVPs, members' reminder choices, presence, the exactly-once ledger,
drafts of /session create, feedback rounds (prompts, answers, anonymous ballots and their keys) and pulse surveys

Revision ID: 0008_sessions
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_sessions"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pulse_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("role_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_surveys")),
    )
    op.create_table(
        "session_deliveries",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("target", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kind", "subject", "target", name=op.f("pk_session_deliveries")),
    )
    op.create_table(
        "session_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_drafts")),
    )
    op.create_table(
        "session_members",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reminder_leads", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("dm_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "member_id", name=op.f("pk_session_members")),
    )
    op.create_table(
        "session_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("anchor_local", sa.String(length=19), nullable=False),
        sa.Column("rule", sa.String(length=500), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("location_kind", sa.String(length=8), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("speakers", sa.String(length=200), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("role_id", sa.BigInteger(), nullable=True),
        sa.Column("announce_leads", sa.JSON(), nullable=False),
        sa.Column("native_events", sa.Integer(), nullable=False),
        sa.Column("attendance_minutes", sa.Integer(), nullable=False),
        sa.Column("slots_done", sa.Integer(), nullable=False),
        sa.Column("exhausted", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_series")),
    )
    with op.batch_alter_table("session_series", schema=None) as batch_op:
        batch_op.create_index("ix_session_series_guild_id_ended_at", ["guild_id", "ended_at"], unique=False)

    op.create_table(
        "session_occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shifted", sa.Boolean(), nullable=False),
        sa.Column("location_kind", sa.String(length=8), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("moved", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("rsvp_version", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True),
        sa.Column("event_revision", sa.Integer(), nullable=True),
        sa.Column("event_state", sa.String(length=12), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["session_series.id"],
            name=op.f("fk_session_occurrences_series_id_session_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_occurrences")),
        sa.UniqueConstraint("series_id", "slot", name=op.f("uq_session_occurrences_series_id_slot")),
    )
    with op.batch_alter_table("session_occurrences", schema=None) as batch_op:
        batch_op.create_index("ix_session_occurrences_channel_id_starts_at", ["channel_id", "starts_at"], unique=False)
        batch_op.create_index("ix_session_occurrences_event_id", ["event_id"], unique=False)
        batch_op.create_index("ix_session_occurrences_guild_id_starts_at", ["guild_id", "starts_at"], unique=False)

    op.create_table(
        "feedback_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("pulse_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["session_occurrences.id"],
            name=op.f("fk_feedback_rounds_occurrence_id_session_occurrences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pulse_id"],
            ["pulse_surveys.id"],
            name=op.f("fk_feedback_rounds_pulse_id_pulse_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_rounds")),
        sa.UniqueConstraint("occurrence_id", name=op.f("uq_feedback_rounds_occurrence_id")),
    )
    with op.batch_alter_table("feedback_rounds", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_rounds_guild_id_opened_at", ["guild_id", "opened_at"], unique=False)

    op.create_table(
        "session_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["session_occurrences.id"],
            name=op.f("fk_session_posts_occurrence_id_session_occurrences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_posts")),
        sa.UniqueConstraint("occurrence_id", "lead_minutes", name=op.f("uq_session_posts_occurrence_id_lead_minutes")),
    )
    op.create_table(
        "session_presence",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["session_occurrences.id"],
            name=op.f("fk_session_presence_occurrence_id_session_occurrences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("occurrence_id", "member_id", name=op.f("pk_session_presence")),
    )
    op.create_table(
        "session_rsvps",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["session_occurrences.id"],
            name=op.f("fk_session_rsvps_occurrence_id_session_occurrences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("occurrence_id", "member_id", name=op.f("pk_session_rsvps")),
    )
    with op.batch_alter_table("session_rsvps", schema=None) as batch_op:
        batch_op.create_index("ix_session_rsvps_guild_id_member_id", ["guild_id", "member_id"], unique=False)
        batch_op.create_index("ix_session_rsvps_occurrence_id_status", ["occurrence_id", "status"], unique=False)

    op.create_table(
        "feedback_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("worked", sa.Text(), nullable=True),
        sa.Column("improve", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["feedback_rounds.id"],
            name=op.f("fk_feedback_answers_round_id_feedback_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_answers")),
        sa.UniqueConstraint("round_id", "member_id", name=op.f("uq_feedback_answers_round_id_member_id")),
    )
    with op.batch_alter_table("feedback_answers", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_answers_guild_id_member_id", ["guild_id", "member_id"], unique=False)

    op.create_table(
        "feedback_ballots",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("ballot", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("worked", sa.Text(), nullable=True),
        sa.Column("improve", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["feedback_rounds.id"],
            name=op.f("fk_feedback_ballots_round_id_feedback_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "ballot", name=op.f("pk_feedback_ballots")),
    )
    op.create_table(
        "feedback_keys",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["feedback_rounds.id"],
            name=op.f("fk_feedback_keys_round_id_feedback_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_feedback_keys")),
    )
    op.create_table(
        "feedback_prompts",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("prompted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["feedback_rounds.id"],
            name=op.f("fk_feedback_prompts_round_id_feedback_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "member_id", name=op.f("pk_feedback_prompts")),
    )


def downgrade() -> None:
    op.drop_table("feedback_prompts")
    op.drop_table("feedback_keys")
    op.drop_table("feedback_ballots")
    with op.batch_alter_table("feedback_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_answers_guild_id_member_id")

    op.drop_table("feedback_answers")
    with op.batch_alter_table("session_rsvps", schema=None) as batch_op:
        batch_op.drop_index("ix_session_rsvps_occurrence_id_status")
        batch_op.drop_index("ix_session_rsvps_guild_id_member_id")

    op.drop_table("session_rsvps")
    op.drop_table("session_presence")
    op.drop_table("session_posts")
    with op.batch_alter_table("feedback_rounds", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_rounds_guild_id_opened_at")

    op.drop_table("feedback_rounds")
    with op.batch_alter_table("session_occurrences", schema=None) as batch_op:
        batch_op.drop_index("ix_session_occurrences_guild_id_starts_at")
        batch_op.drop_index("ix_session_occurrences_event_id")
        batch_op.drop_index("ix_session_occurrences_channel_id_starts_at")

    op.drop_table("session_occurrences")
    with op.batch_alter_table("session_series", schema=None) as batch_op:
        batch_op.drop_index("ix_session_series_guild_id_ended_at")

    op.drop_table("session_series")
    op.drop_table("session_members")
    op.drop_table("session_drafts")
    op.drop_table("session_deliveries")
    op.drop_table("pulse_surveys")
