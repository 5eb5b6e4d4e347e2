"""kudos: the board counters lose their index sorted by total

A kudos moves up to twelve counters; with that index each move was also a delete and an insert in it, which doubled
a burst's writes. A board page now reads its period's counters in primary-key order and keeps the top ones (a few
milliseconds at 20,000 members).

Revision ID: 0016_kudos_board_index
Revises: 0015_privacy
"""

from __future__ import annotations

from alembic import op

revision = "0016_kudos_board_index"
down_revision = "0015_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_kudos_tallies_board", table_name="kudos_tallies")


def downgrade() -> None:
    op.create_index(
        "ix_kudos_tallies_board", "kudos_tallies", ["guild_id", "board", "period", "category", "total", "member_id"]
    )
