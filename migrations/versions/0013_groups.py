"""groups: working groups, their seats, finished projects, members open to suggestions, previewed teams

Revision ID: 0013_groups
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_groups"
down_revision = "0007"
branch_labels = None
depends_on = None

LIVE = "status IN ('creating', 'pending', 'active')"


def upgrade() -> None:
    op.create_table(
        "group_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("require_approval", sa.Boolean(), nullable=False),
        sa.Column("space", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("silence_days", sa.Integer(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_group_settings")),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("name_key", sa.String(length=50), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("goals", sa.Text(), nullable=True),
        sa.Column("how", sa.Text(), nullable=True),
        sa.Column("cap", sa.Integer(), nullable=True),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("committee", sa.Boolean(), nullable=False),
        sa.Column("with_role", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("space_kind", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("space_id", sa.BigInteger(), nullable=True),
        sa.Column("role_id", sa.BigInteger(), nullable=True),
        sa.Column("checkin", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("silence_reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_checkin_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
    )
    op.create_index(
        "uq_groups_guild_id_name_key",
        "groups",
        ["guild_id", "name_key"],
        unique=True,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_index("ix_groups_guild_id_status", "groups", ["guild_id", "status"], unique=False)
    op.create_index("ix_groups_space_id", "groups", ["space_id"], unique=False)
    op.create_table(
        "group_seats",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("seat", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_seats_group_id_groups"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("group_id", "member_id", name=op.f("pk_group_seats")),
    )
    op.create_index("ix_group_seats_guild_id_member_id", "group_seats", ["guild_id", "member_id"], unique=False)
    op.create_table(
        "group_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("committee", sa.Boolean(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shared_message_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_projects_group_id_groups"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_projects")),
        sa.UniqueConstraint("group_id", name=op.f("uq_group_projects_group_id")),
    )
    op.create_index(
        "ix_group_projects_guild_id_finished_at", "group_projects", ["guild_id", "finished_at"], unique=False
    )
    op.create_table(
        "group_project_members",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["group_projects.id"],
            name=op.f("fk_group_project_members_project_id_group_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "member_id", name=op.f("pk_group_project_members")),
    )
    op.create_index(
        "ix_group_project_members_guild_id_member_id",
        "group_project_members",
        ["guild_id", "member_id"],
        unique=False,
    )
    op.create_table(
        "group_seekers",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "member_id", name=op.f("pk_group_seekers")),
    )
    op.create_table(
        "group_formations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("prefix", sa.String(length=40), nullable=False),
        sa.Column("teams", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_formations")),
    )
    op.create_index(op.f("ix_group_formations_guild_id"), "group_formations", ["guild_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_group_formations_guild_id"), table_name="group_formations")
    op.drop_table("group_formations")
    op.drop_table("group_seekers")
    op.drop_index("ix_group_project_members_guild_id_member_id", table_name="group_project_members")
    op.drop_table("group_project_members")
    op.drop_index("ix_group_projects_guild_id_finished_at", table_name="group_projects")
    op.drop_table("group_projects")
    op.drop_index("ix_group_seats_guild_id_member_id", table_name="group_seats")
    op.drop_table("group_seats")
    op.drop_index("ix_groups_space_id", table_name="groups")
    op.drop_index("ix_groups_guild_id_status", table_name="groups")
    op.drop_index("uq_groups_guild_id_name_key", table_name="groups")
    op.drop_table("groups")
    op.drop_table("group_settings")
