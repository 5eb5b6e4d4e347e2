"""Full-text search of the knowledge index, ranked by BM25 times each entry's ranking signals (`rules.boost`).

SQLite answers with FTS5 (`bm25()` with the title weighing `TITLE_WEIGHT`). PostgreSQL finds the entries with its
GIN index and computes the very same BM25 in SQL: FTS5's rows, average length and per-term row counts are over the
whole index, so they are here too; scores are compared rounded to 9 decimals, ties go to the newest entry. The same
data therefore gives the same results, in the same order, on both databases (`tests/test_knowledge.py` checks it).

Scoring costs a few microseconds per matching entry, so a search ranks at most the `CANDIDATES` newest entries of the
server that match it and pass its filters (a word found in most posts would otherwise cost tens of milliseconds);
a query that matches fewer — nearly all that have a precise word — is ranked over every match.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, Text, bindparam, column, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from models.knowledge import rules
from models.knowledge.tables import KnowledgeEntry
from models.knowledge.text import Query

# Our constants, written into the SQL as float literals (never member input).
K1, B, TITLE, BODY = (float(value) for value in (rules.K1, rules.B, rules.TITLE_WEIGHT, rules.BODY_WEIGHT))
CANDIDATES = 200  # 40 pages of five; ranking 500 kept a common word's search near 6 ms, over the 5 ms aimed at


@dataclass(frozen=True)
class Filters:
    """What narrows a search: a tag (its folded name), an author, a language."""

    tag: str | None = None
    author_id: int | None = None
    language: str | None = None


@dataclass(frozen=True)
class Found:
    """One page of results (entries with their scores), how many matched in all, and whether every word matched."""

    hits: list[tuple[KnowledgeEntry, float]]
    total: int
    every_word: bool


async def search(
    session: AsyncSession, guild_id: int, query: Query, filters: Filters, *, offset: int = 0, limit: int = 5
) -> Found:
    """The page of the best entries; when no entry has every word, those with any of them."""
    if query.empty:
        return Found([], 0, True)
    every_word = True
    hits, total = await _ranked(session, guild_id, query, filters, offset, limit, every_word=True)
    if total == 0 and len(query.groups) > 1:
        every_word = False
        hits, total = await _ranked(session, guild_id, query, filters, offset, limit, every_word=False)
    return Found(hits, total, every_word)


async def _ranked(
    session: AsyncSession,
    guild_id: int,
    query: Query,
    filters: Filters,
    offset: int,
    limit: int,
    *,
    every_word: bool,
) -> tuple[list[tuple[KnowledgeEntry, float]], int]:
    """One page of entries with their scores, and how many matched, in one statement."""
    where, params = _filters(filters)
    params |= {"guild": guild_id, "limit": limit, "offset": offset, "candidates": CANDIDATES}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        params |= await _postgresql_statistics(session, query, every_word)
    else:
        params["match"] = query.fts5(every_word=every_word)
    rows = (await session.execute(_page(dialect, where), params)).all()
    total = int(rows[0].total) if rows else 0
    if not rows and offset:
        total = await _count(session, guild_id, query, filters, every_word=every_word)
    return [(entry, float(score)) for entry, score, _ in rows], total


@functools.cache
def _page(dialect: str, where: str) -> Any:
    """The ranked page (`id, score, total, place`) joined to its entries: what a page shows in one round trip (a
    second query for the entries cost as much as the ranking). Built once per dialect and set of filters."""
    ranked = _postgresql_ranking(where) if dialect == "postgresql" else _sqlite_ranking(where)
    entry_columns = KnowledgeEntry.__table__.columns
    listed = ", ".join(f"e.{c.name}" for c in entry_columns)
    page = text(
        f"SELECT {listed}, r.score AS score, r.total AS total"  # noqa: S608 (our own statements)
        f" FROM ({ranked}) AS r JOIN knowledge_entries AS e ON e.id = r.id ORDER BY r.place"
    )
    if dialect == "postgresql":
        page = page.bindparams(
            bindparam("terms", type_=ARRAY(Text)),
            bindparam("idfs", type_=ARRAY(Float)),
            bindparam("limit", type_=Integer),
            bindparam("offset", type_=Integer),
            bindparam("candidates", type_=Integer),
            bindparam("average", type_=Float),
        )
    typed = page.columns(*entry_columns, column("score", Float), column("total", Integer))
    return select(KnowledgeEntry, typed.selected_columns.score, typed.selected_columns.total).from_statement(typed)


async def _count(session: AsyncSession, guild_id: int, query: Query, filters: Filters, *, every_word: bool) -> int:
    """How many entries match, when the page asked for is past the last one."""
    ranked, total = await _ranked(session, guild_id, query, filters, 0, 1, every_word=every_word)
    return total if ranked else 0


def _filters(filters: Filters) -> tuple[str, dict[str, object]]:
    clauses: list[str] = ["e.guild_id = :guild"]
    params: dict[str, object] = {}
    if filters.tag:
        clauses.append("e.tag_keys LIKE :tag")
        params["tag"] = f"%|{filters.tag}|%"
    if filters.author_id is not None:
        clauses.append("e.author_id = :author")
        params["author"] = filters.author_id
    if filters.language:
        clauses.append("e.language = :language")
        params["language"] = filters.language
    return " AND ".join(clauses), params


def _sqlite_ranking(where: str) -> str:
    """FTS5's own bm25() on the newest matching entries that pass the filters (it refuses window functions beside
    it, hence the materialized step)."""
    weights = f"{rules.TITLE_WEIGHT}, {rules.BODY_WEIGHT}"
    return (
        "WITH matched AS MATERIALIZED ("  # noqa: S608 (no member input: filters are bound parameters)
        f"  SELECT e.id AS id, -bm25(knowledge_fts, {weights}) * e.boost AS score"
        "  FROM knowledge_fts JOIN knowledge_entries AS e ON e.id = knowledge_fts.rowid"
        f"  WHERE knowledge_fts MATCH :match AND {where}"
        "  ORDER BY knowledge_fts.rowid DESC LIMIT :candidates"
        ") SELECT id, score, count(*) OVER () AS total,"
        " row_number() OVER (ORDER BY round(score, 9) DESC, id DESC) AS place"
        " FROM matched ORDER BY place LIMIT :limit OFFSET :offset"
    )


async def _postgresql_statistics(session: AsyncSession, query: Query, every_word: bool) -> dict[str, object]:
    """What FTS5 knows of the whole index, for PostgreSQL's BM25: entries, average length, each term's idf."""
    rows, tokens = (await session.execute(text("SELECT entries, tokens FROM knowledge_totals WHERE id = 1"))).one()
    terms = list(query.terms)
    counted = await session.execute(
        text(
            "SELECT t.term, (SELECT count(*) FROM knowledge_entries WHERE search @@ CAST(t.lexeme AS tsquery)) AS hits "
            "FROM unnest(CAST(:terms AS text[]), CAST(:lexemes AS text[])) AS t(term, lexeme)"
        ),
        {"terms": terms, "lexemes": [f"'{term}'" for term in terms]},
    )
    hits = {term: int(count) for term, count in counted}
    return {
        "terms": terms,
        "idfs": [rules.idf(int(rows), hits.get(term, 0)) for term in terms],
        "average": float(tokens) / float(rows) if rows else 1.0,
        "tsquery": query.tsquery(every_word=every_word),
    }


def _postgresql_ranking(where: str) -> str:
    """FTS5's BM25 in SQL, weighted hits per term from the tsvector's weights, on the newest matching entries."""
    return (
        "SELECT id, score, total,"  # noqa: S608 (no member input: filters are bound parameters)
        " row_number() OVER (ORDER BY round(CAST(score AS numeric), 9) DESC, id DESC) AS place FROM ("
        "SELECT e.id AS id, e.boost * ("
        f"  SELECT coalesce(sum(w.idf * w.f * {K1 + 1} / (w.f + {K1} * ({1 - B} + {B} * e.length / :average))), 0)"
        "  FROM ("
        f"    SELECT q.idf, (SELECT sum(CASE x WHEN 'A' THEN {TITLE} ELSE {BODY} END) "
        "                   FROM unnest(u.weights) AS x) AS f "
        "    FROM unnest(e.search) AS u JOIN unnest(:terms, :idfs) AS q(term, idf) ON q.term = u.lexeme"
        "  ) AS w"
        ") AS score, count(*) OVER () AS total "
        "FROM ("
        f"  SELECT * FROM knowledge_entries AS e WHERE e.search @@ CAST(:tsquery AS tsquery) AND {where}"
        "  ORDER BY e.id DESC LIMIT :candidates"
        ") AS e"
        ") AS ranked ORDER BY place LIMIT :limit OFFSET :offset"
    )
