"""command syncs: the hash of the commands last synced per application and scope

Revision ID: 0005_command_syncs
Revises: 0004
Create Date: 2026-12-01 16:03:57.299304
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_command_syncs"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "command_syncs",
        sa.Column("application_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("application_id", "scope", name=op.f("pk_command_syncs")),
    )


def downgrade() -> None:
    op.drop_table("command_syncs")
