"""Knowledge tables: per-server settings, knowledge threads, the index of messages, opt-outs and withdrawals, saved
searches (their pages), recommended resources with upvotes and members' lists, and the digests already posted.

The full-text index itself is not a mapped table: on SQLite an FTS5 table over `knowledge_entries`' term columns
(kept in step by triggers), on PostgreSQL a generated `tsvector` column with a GIN index (see the migration).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, CleanJSON, CleanString, CleanText, Snowflake, UTCDateTime
from models.knowledge.rules import (
    DEFAULT_DIGEST_DAY,
    DEFAULT_HELPFUL_EMOJI,
    LINK_MAX,
    QUERY_MAX,
    RESOURCE_TITLE_MAX,
    TITLE_MAX,
    TOPIC_MAX,
)


class KnowledgeSettings(Base):
    """A server's choices: the digest (on, which day), the helpful emoji, and which forum tag means what."""

    __tablename__ = "knowledge_settings"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_day: Mapped[int] = mapped_column(Integer, default=DEFAULT_DIGEST_DAY)
    helpful_emoji: Mapped[str] = mapped_column(CleanString(64), default=DEFAULT_HELPFUL_EMOJI)
    question_tag_id: Mapped[int | None] = mapped_column(Snowflake)
    tutorial_tag_id: Mapped[int | None] = mapped_column(Snowflake)
    tip_tag_id: Mapped[int | None] = mapped_column(Snowflake)
    solved_tag_id: Mapped[int | None] = mapped_column(Snowflake)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KnowledgeThread(Base):
    """A post of the knowledge channel: who asked, its tags, whether it is solved and by which reply."""

    __tablename__ = "knowledge_threads"
    __table_args__ = (
        Index("ix_knowledge_threads_guild_id_created_at", "guild_id", "created_at"),
        Index("ix_knowledge_threads_guild_id_author_id", "guild_id", "author_id"),  # a member's erase
    )

    thread_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    author_id: Mapped[int] = mapped_column(Snowflake)
    title: Mapped[str] = mapped_column(CleanString(TITLE_MAX))
    tag_names: Mapped[list[str]] = mapped_column(CleanJSON, default=list)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)  # posted by Agora for a member with /share
    solved: Mapped[bool] = mapped_column(Boolean, default=False)
    solved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_message_id: Mapped[int | None] = mapped_column(Snowflake)
    notice_message_id: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KnowledgeEntry(Base):
    """One indexed message: its text (for snippets and re-indexing), what search filters and ranks on, and its terms.

    `title_terms`/`body_terms` are the text's search terms (`models.knowledge.text.terms`) and `length` their number:
    the database indexes these, never the raw text, so both databases see the same terms.
    """

    __tablename__ = "knowledge_entries"
    __table_args__ = (
        UniqueConstraint("guild_id", "message_id"),
        Index("ix_knowledge_entries_guild_id_thread_id", "guild_id", "thread_id"),
        Index("ix_knowledge_entries_guild_id_author_id", "guild_id", "author_id"),
        Index("ix_knowledge_entries_guild_id_id", "guild_id", "id"),  # the newest candidates first (PostgreSQL)
        Index(  # what a member saved, for their export and erase
            "ix_knowledge_entries_guild_id_saved_by",
            "guild_id",
            "saved_by",
            sqlite_where=text("saved_by IS NOT NULL"),
            postgresql_where=text("saved_by IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    channel_id: Mapped[int] = mapped_column(Snowflake)
    message_id: Mapped[int] = mapped_column(Snowflake)
    thread_id: Mapped[int | None] = mapped_column(Snowflake)
    author_id: Mapped[int] = mapped_column(Snowflake)
    saved_by: Mapped[int | None] = mapped_column(Snowflake)
    kind: Mapped[str] = mapped_column(CleanString(8))
    title: Mapped[str] = mapped_column(CleanString(TITLE_MAX))
    content: Mapped[str] = mapped_column(CleanText)
    link: Mapped[str | None] = mapped_column(CleanString(LINK_MAX))
    tag_keys: Mapped[str] = mapped_column(CleanString(200), default="")  # "|question|tip|": filtered with LIKE
    language: Mapped[str] = mapped_column(CleanString(8), default="")
    solved: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    helpful: Mapped[int] = mapped_column(Integer, default=0)
    boost: Mapped[float] = mapped_column(Float, default=1.0)
    title_terms: Mapped[str] = mapped_column(CleanText, default="")
    body_terms: Mapped[str] = mapped_column(CleanText, default="")
    length: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KnowledgeOptOut(Base):
    """A member who asked that none of their messages be indexed in this server."""

    __tablename__ = "knowledge_optouts"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class KnowledgeWithdrawal(Base):
    """A saved message its author withdrew: nobody can save it again (no member id is kept)."""

    __tablename__ = "knowledge_withdrawals"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KnowledgeSearch(Base):
    """A member's search, kept a day so its page buttons work (after a restart too)."""

    __tablename__ = "knowledge_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    member_id: Mapped[int] = mapped_column(Snowflake)
    query: Mapped[str] = mapped_column(CleanString(QUERY_MAX))
    tag: Mapped[str | None] = mapped_column(CleanString(40))
    author_id: Mapped[int | None] = mapped_column(Snowflake)
    language: Mapped[str | None] = mapped_column(CleanString(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class KnowledgeResource(Base):
    """A recommended reading, video or course: suggested by a member, approved or rejected by a host."""

    __tablename__ = "knowledge_resources"
    __table_args__ = (
        UniqueConstraint("guild_id", "url_key"),
        Index("ix_knowledge_resources_guild_id_status", "guild_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    url: Mapped[str] = mapped_column(CleanString(LINK_MAX))
    url_key: Mapped[str] = mapped_column(CleanString(LINK_MAX))
    title: Mapped[str] = mapped_column(CleanString(RESOURCE_TITLE_MAX))
    topic: Mapped[str] = mapped_column(CleanString(TOPIC_MAX))
    topic_key: Mapped[str] = mapped_column(CleanString(TOPIC_MAX))
    level: Mapped[str] = mapped_column(CleanString(16))
    language: Mapped[str] = mapped_column(CleanString(8))
    status: Mapped[str] = mapped_column(CleanString(16))
    suggested_by: Mapped[int] = mapped_column(Snowflake)
    decided_by: Mapped[int | None] = mapped_column(Snowflake)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_channel_id: Mapped[int | None] = mapped_column(Snowflake)
    review_message_id: Mapped[int | None] = mapped_column(Snowflake)
    upvotes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KnowledgeResourceVote(Base):
    __tablename__ = "knowledge_resource_votes"

    resource_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("knowledge_resources.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)


class KnowledgeResourceMark(Base):
    """A resource in a member's own list: to read, or read."""

    __tablename__ = "knowledge_resource_marks"

    resource_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("knowledge_resources.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    member_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    guild_id: Mapped[int] = mapped_column(Snowflake)
    state: Mapped[str] = mapped_column(CleanString(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KnowledgeDigest(Base):
    """The week's digest of a server: recorded before it is posted, so it is posted once (the nonce covers a retry)."""

    __tablename__ = "knowledge_digests"

    guild_id: Mapped[int] = mapped_column(Snowflake, primary_key=True, autoincrement=False)
    week: Mapped[str] = mapped_column(CleanString(10), primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(Snowflake)
    message_id: Mapped[int | None] = mapped_column(Snowflake)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
