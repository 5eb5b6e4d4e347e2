"""privacy: what a server's hosts add to the privacy notice; indexes that find a member's rows for an erase

Revision ID: 0015_privacy
Revises: 0014_insights
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_privacy"
down_revision = "0014_insights"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("contact", sa.String(length=300), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_privacy_settings")),
    )
    revoked = sa.text("ended_by IS NOT NULL")
    op.create_index(
        "ix_kudos_guild_id_ended_by", "kudos", ["guild_id", "ended_by"], sqlite_where=revoked, postgresql_where=revoked
    )
    op.create_index("ix_kudos_tallies_guild_id_member_id", "kudos_tallies", ["guild_id", "member_id"])
    op.create_index("ix_knowledge_threads_guild_id_author_id", "knowledge_threads", ["guild_id", "author_id"])
    saved = sa.text("saved_by IS NOT NULL")
    op.create_index(
        "ix_knowledge_entries_guild_id_saved_by",
        "knowledge_entries",
        ["guild_id", "saved_by"],
        sqlite_where=saved,
        postgresql_where=saved,
    )
    op.create_index("ix_session_deliveries_guild_id_target", "session_deliveries", ["guild_id", "target"])
    op.create_index("ix_groups_guild_id_created_by", "groups", ["guild_id", "created_by"])
    invited = sa.text("invited_by IS NOT NULL")
    op.create_index(
        "ix_group_seats_guild_id_invited_by",
        "group_seats",
        ["guild_id", "invited_by"],
        sqlite_where=invited,
        postgresql_where=invited,
    )


def downgrade() -> None:
    op.drop_index("ix_group_seats_guild_id_invited_by", table_name="group_seats")
    op.drop_index("ix_groups_guild_id_created_by", table_name="groups")
    op.drop_index("ix_session_deliveries_guild_id_target", table_name="session_deliveries")
    op.drop_index("ix_knowledge_entries_guild_id_saved_by", table_name="knowledge_entries")
    op.drop_index("ix_knowledge_threads_guild_id_author_id", table_name="knowledge_threads")
    op.drop_index("ix_kudos_tallies_guild_id_member_id", table_name="kudos_tallies")
    op.drop_index("ix_kudos_guild_id_ended_by", table_name="kudos")
    op.drop_table("privacy_settings")
