"""Group tables: per-server choices, the groups, their seats (leads, members, requests, invitations, waitlist),
the projects finished groups leave behind, members open to suggestions, and the team plans a host previews."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanJSON, CleanString, CleanText, Snowflake, UTCDateTime

DEFAULT_SILENCE_DAYS = 7
# A name is taken while its group is being created, waits for approval or is active; archived names are free again.
LIVE_STATUSES = ("creating", "pending", "active")
LIVE = "status IN ('creating', 'pending', 'active')"


class GroupSettings(Base):
    """The host's choices for groups in one server."""

    __tablename__ = "group_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    require_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # "thread": a private thread in `parent_id` (or where /group create ran); "channel": a private channel, in the
    # category `parent_id` when set.
    space: Mapped[str] = mapped_column(CleanString(16), default="thread")
    parent_id: Mapped[int | None] = mapped_column(Snowflake)
    silence_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_SILENCE_DAYS)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (
        # Two live groups of a server never share a name (case and accents aside), even when created at once.
        Index(
            "uq_groups_guild_id_name_key",
            "guild_id",
            "name_key",
            unique=True,
            sqlite_where=text(LIVE),
            postgresql_where=text(LIVE),
        ),
        Index("ix_groups_guild_id_status", "guild_id", "status"),
        Index("ix_groups_space_id", "space_id"),
        Index("ix_groups_guild_id_created_by", "guild_id", "created_by"),  # a member's export and erase
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    name: Mapped[str] = mapped_column(CleanString(50))
    name_key: Mapped[str] = mapped_column(CleanString(50))
    purpose: Mapped[str] = mapped_column(CleanString(200))
    goals: Mapped[str | None] = mapped_column(CleanText)
    how: Mapped[str | None] = mapped_column(CleanText)
    cap: Mapped[int | None] = mapped_column(Integer)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    committee: Mapped[bool] = mapped_column(Boolean, default=False)
    with_role: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(CleanString(16))
    space_kind: Mapped[str] = mapped_column(CleanString(16), default="thread")
    # Where the space is made: the parent channel of the thread, or the category of the channel.
    parent_id: Mapped[int | None] = mapped_column(Snowflake)
    space_id: Mapped[int | None] = mapped_column(Snowflake)
    role_id: Mapped[int | None] = mapped_column(Snowflake)
    checkin: Mapped[str] = mapped_column(CleanString(16), default="off")
    created_by: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    silence_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class GroupSeat(Base):
    """A member's place in a group: lead, member, or waiting (requested, invited, waitlisted, in `since` order)."""

    __tablename__ = "group_seats"
    __table_args__ = (
        Index("ix_group_seats_guild_id_member_id", "guild_id", "member_id"),
        Index(  # invitations a member sent, for their erase (most seats have none)
            "ix_group_seats_guild_id_invited_by",
            "guild_id",
            "invited_by",
            sqlite_where=text("invited_by IS NOT NULL"),
            postgresql_where=text("invited_by IS NOT NULL"),
        ),
    )

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    seat: Mapped[str] = mapped_column(CleanString(16))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    # The member who invited them, for invitations.
    invited_by: Mapped[int | None] = mapped_column(Snowflake)


class GroupProject(Base):
    """What a finished group produced: recorded when it is archived, kept when the group's space is gone."""

    __tablename__ = "group_projects"
    __table_args__ = (Index("ix_group_projects_guild_id_finished_at", "guild_id", "finished_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(CleanString(50))
    summary: Mapped[str] = mapped_column(CleanText)
    links: Mapped[list[str]] = mapped_column(CleanJSON, default=list)
    committee: Mapped[bool] = mapped_column(Boolean, default=False)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    shared_message_id: Mapped[int | None] = mapped_column(Snowflake)


class GroupProjectMember(Base):
    """Who took part in a finished project (its members when it was archived): a milestone for each of them."""

    __tablename__ = "group_project_members"
    __table_args__ = (Index("ix_group_project_members_guild_id_member_id", "guild_id", "member_id"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("group_projects.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    lead: Mapped[bool] = mapped_column(Boolean, default=False)


class GroupSeeker(Base):
    """A member who asked to be suggested to groups looking for teammates (`/group available`)."""

    __tablename__ = "group_seekers"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class GroupFormation(Base):
    """Teams a host previewed with `/group form`: kept so that the "create" button works after a restart."""

    __tablename__ = "group_formations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake, index=True)
    created_by: Mapped[int] = mapped_column(Snowflake)
    prefix: Mapped[str] = mapped_column(CleanString(40))
    # [[member id, …], …]: one list per team, its lead first.
    teams: Mapped[list[list[int]]] = mapped_column(CleanJSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def members(self) -> list[int]:
        return [member_id for team in self.teams for member_id in team]
