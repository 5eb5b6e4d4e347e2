"""welcome per server: a code of conduct's texts as one value per language, and each server's own questionnaire

`conduct_versions.text_fr`/`text_en` become `texts` ({"fr": …, "en": …}), so a third language is data, not a
schema change. `onboarding_questionnaires` holds the questionnaire a server's hosts imported (servers without one
use the deployment's default from config.toml).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

versions = sa.table(
    "conduct_versions",
    sa.column("id", sa.Integer()),
    sa.column("text_fr", sa.Text()),
    sa.column("text_en", sa.Text()),
    sa.column("texts", sa.JSON()),
)


def upgrade() -> None:
    op.add_column("conduct_versions", sa.Column("texts", sa.JSON(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(versions.c.id, versions.c.text_fr, versions.c.text_en)).all():
        texts = {"fr": row.text_fr, "en": row.text_en}
        connection.execute(versions.update().where(versions.c.id == row.id).values(texts=texts))
    with op.batch_alter_table("conduct_versions") as batch:
        batch.alter_column("texts", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("text_fr")
        batch.drop_column("text_en")
    op.create_table(
        "onboarding_questionnaires",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_onboarding_questionnaires")),
    )


def downgrade() -> None:
    op.drop_table("onboarding_questionnaires")
    with op.batch_alter_table("conduct_versions") as batch:
        batch.add_column(sa.Column("text_fr", sa.Text(), nullable=True))
        batch.add_column(sa.Column("text_en", sa.Text(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(versions.c.id, versions.c.texts)).all():
        texts = row.texts if isinstance(row.texts, dict) else json.loads(row.texts)
        connection.execute(
            versions.update().where(versions.c.id == row.id).values(text_fr=texts["fr"], text_en=texts["en"])
        )
    with op.batch_alter_table("conduct_versions") as batch:
        batch.alter_column("text_fr", existing_type=sa.Text(), nullable=False)
        batch.alter_column("text_en", existing_type=sa.Text(), nullable=False)
        batch.drop_column("texts")
