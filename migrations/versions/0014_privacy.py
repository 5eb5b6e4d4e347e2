"""privacy: what a server's hosts add to the privacy notice

Revision ID: 0014_privacy
Revises: 0013_groups
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_privacy"
down_revision = "0013_groups"
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


def downgrade() -> None:
    op.drop_table("privacy_settings")
