"""The knowledge search at 100,000 posts: indexing rate, and search latency against a LIKE scan of the same data.

Posts are generated in French and English: 40 topic words per language (each in 1-5% of the posts), a few words in a
third of them, stopwords, and made-up rare words with a Zipf-like spread; they are indexed through the real use case
(`index.index_many`: stems, folding, the FTS5 triggers or PostgreSQL's generated tsvector). Searches then run
through `search.search` (BM25 times the ranking signals, one page of five with the count), over a fixed mix of
selective and common queries, one and two words; the anchor is the same queries as `LIKE '%word%'` on the entries'
text (the scan a search box without an index would do), measured in the same run. Printed: posts/s, p50/p95/p99 per
kind of query, the ratio of p95 to the LIKE scan's, and the p95 of the target's mix (selective, common, two words);
words found in a third of the posts are measured apart.

Run: `.venv/bin/python -m bench.bench_knowledge [posts] [--postgresql URL]` (100,000 by default; with a PostgreSQL
URL, such as postgresql+asyncpg://postgres@127.0.0.1:5432/postgres, the same on a fresh database there). Targets
(SQLite): indexing ≥ 5,000 posts/s, search p95 < 5 ms.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.table import Row
from bot.database import Database
from bot.members import freeze_what_started
from models.knowledge import index
from models.knowledge.rules import Kind
from models.knowledge.search import Filters, search
from models.knowledge.tables import KnowledgeEntry
from models.knowledge.text import parse_query

GUILD = 1
BATCH = 2_000
QUERIES_PER_KIND = 200
TARGET_RATE, TARGET_P95_MS = 5_000, 5.0
START = datetime(2026, 1, 1, tzinfo=UTC)

# Words in 1-5% of the posts each (a community's topics), in a third of them ("python", "code"), and filler that is
# never indexed (stopwords); the rest of a post is rare words.
COMMON_FR = [
    "développer",
    "tester",
    "installer",
    "serveur",
    "fichier",
    "projet",
    "erreur",
    "apprendre",
    "données",
    "base",
    "requête",
    "fonction",
    "classe",
    "variable",
    "boucle",
    "liste",
    "dictionnaire",
    "module",
    "paquet",
    "environnement",
    "déploiement",
    "conteneur",
    "réseau",
    "sécurité",
    "utilisateur",
    "compte",
    "session",
    "navigateur",
    "page",
    "formulaire",
    "bouton",
    "style",
    "image",
    "vidéo",
    "cours",
    "exercice",
    "exemple",
    "question",
    "réponse",
]
COMMON_EN = [
    "develop",
    "testing",
    "install",
    "server",
    "file",
    "project",
    "error",
    "learn",
    "data",
    "database",
    "query",
    "function",
    "class",
    "variable",
    "loop",
    "list",
    "dictionary",
    "module",
    "package",
    "environment",
    "deployment",
    "container",
    "network",
    "security",
    "user",
    "account",
    "session",
    "browser",
    "page",
    "form",
    "button",
    "style",
    "image",
    "video",
    "course",
    "exercise",
    "example",
    "question",
    "answer",
]
EVERYWHERE = ["python", "code", "projet"]
FILLER_FR = ["le", "la", "les", "un", "une", "des", "de", "du", "pour", "avec", "dans", "sur", "et", "est", "pas"]
FILLER_EN = ["the", "a", "an", "of", "for", "with", "in", "on", "and", "is", "not", "to", "it", "this"]
SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "bu",
    "ca",
    "ce",
    "ci",
    "co",
    "cu",
    "da",
    "de",
    "di",
    "do",
    "du",
    "fa",
    "fe",
    "fi",
    "fo",
    "ga",
    "ge",
    "gi",
    "go",
    "la",
    "le",
    "li",
    "lo",
    "lu",
    "ma",
    "me",
    "mi",
    "mo",
    "mu",
]


def rare_words(count: int, seed: int) -> list[str]:
    """Made-up words (library names, error codes…): each appears in few posts."""
    draw = random.Random(seed)
    return ["".join(draw.choices(SYLLABLES, k=draw.randint(3, 4))) for _ in range(count)]


RARE = rare_words(20_000, 7)


def post(draw: random.Random, number: int) -> index.Draft:
    french = draw.random() < 0.5
    common, filler = (COMMON_FR, FILLER_FR) if french else (COMMON_EN, FILLER_EN)
    words = [draw.choice(common) for _ in range(2)] + [draw.choice(EVERYWHERE)]
    for _ in range(draw.randint(30, 80)):
        roll = draw.random()
        if roll < 0.4:
            words.append(draw.choice(filler))
        else:
            words.append(RARE[min(len(RARE) - 1, int(draw.paretovariate(1.1)) - 1 + draw.randrange(400) * 50)])
    draw.shuffle(words)
    title = " ".join(draw.choice(common) for _ in range(2)).capitalize() + f" {draw.choice(RARE)}"
    return index.Draft(
        guild_id=GUILD,
        channel_id=10,
        message_id=1_000_000 + number,
        author_id=100 + number % 500,
        content=" ".join(words) + ".",
        created_at=START + timedelta(seconds=number),
        kind=Kind.POST if number % 3 == 0 else Kind.REPLY,
        thread_id=1_000_000 + number - number % 3,
        title=title,
        helpful=number % 7,
    )


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def indexing_rate(db: Database, count: int) -> float:
    """Posts per second through `index.index_many` (generating them is not timed)."""
    draw = random.Random(1)
    spent = 0.0
    for first in range(0, count, BATCH):
        drafts = [post(draw, number) for number in range(first, min(count, first + BATCH))]
        started = time.perf_counter()
        async with db.transaction() as session:
            await index.index_many(session, drafts)
        spent += time.perf_counter() - started
    return count / spent


def queries(draw: random.Random) -> dict[str, list[str]]:
    """The target's mix (selective, common, two words), then words found in a third of the posts, apart."""
    both = COMMON_FR + COMMON_EN
    return {
        "selective, 1 word": [draw.choice(RARE[:4000]) for _ in range(QUERIES_PER_KIND)],
        "common, 1 word": [draw.choice(both) for _ in range(QUERIES_PER_KIND)],
        "common + selective": [f"{draw.choice(both)} {draw.choice(RARE[:4000])}" for _ in range(QUERIES_PER_KIND)],
        "common, 2 words": [f"{draw.choice(both)} {draw.choice(both)}" for _ in range(QUERIES_PER_KIND)],
        "everywhere, 1 word": [draw.choice(EVERYWHERE) for _ in range(QUERIES_PER_KIND)],
    }


async def time_search(db: Database, typed: list[str]) -> list[float]:
    times = []
    for words in typed:
        query = parse_query(words)
        async with db.transaction() as session:
            started = time.perf_counter()
            await search(session, GUILD, query, Filters(), limit=5)
            times.append((time.perf_counter() - started) * 1000)
    return times


async def time_like(db: Database, typed: list[str]) -> list[float]:
    """The same queries as a scan: every word somewhere in the text, newest first, one page, with the count."""
    times = []
    for words in typed:
        wanted = [f"%{word}%" for word in words.split()]
        conditions = " AND ".join(f"lower(content) LIKE :w{i}" for i in range(len(wanted)))
        statement = text(
            f"SELECT id, count(*) OVER () FROM knowledge_entries WHERE guild_id = :g AND {conditions} "
            "ORDER BY id DESC LIMIT 5"
        )
        params = {"g": GUILD, **{f"w{i}": value for i, value in enumerate(wanted)}}
        async with db.transaction() as session:
            started = time.perf_counter()
            (await session.execute(statement, params)).all()
            times.append((time.perf_counter() - started) * 1000)
    return times


async def measure(url: str, count: int) -> tuple[float, float, float]:
    """Prints the figures; returns (posts/s, p95 of the mix, LIKE p95 of the mix)."""
    db = Database(url)
    await db.migrate()
    rate = await indexing_rate(db, count)
    async with db.transaction() as session:
        stored = await session.scalar(select(func.count()).select_from(KnowledgeEntry))
    if db.dialect == "postgresql":
        async with db.engine.connect() as connection:
            await (await connection.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql(
                "VACUUM ANALYZE knowledge_entries"
            )
    freeze_what_started()  # as the bot does once started: searches run in a process whose start-up is frozen
    print(f"\n{db.dialect}: indexed {stored:,} posts at {rate:,.0f} posts/s (target ≥ {TARGET_RATE:,})")
    print(
        f"{'queries':<20} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'LIKE p50':>9} {'LIKE p95':>9} {'p95 × LIKE':>11}"
    )
    everything: list[float] = []
    scans: list[float] = []
    for kind, typed in queries(random.Random(2)).items():
        await time_search(db, typed[:10])  # warm the caches
        ours, theirs = await time_search(db, typed), await time_like(db, typed[:40])
        if not kind.startswith("everywhere"):
            everything += ours
            scans += theirs
        p50, p95, p99 = (percentile(ours, share) for share in (0.5, 0.95, 0.99))
        like50, like95 = percentile(theirs, 0.5), percentile(theirs, 0.95)
        print(f"{kind:<20} {p50:8.2f} {p95:8.2f} {p99:8.2f} {like50:9.2f} {like95:9.2f} {p95 / like95:11.3f}")
    p95 = percentile(everything, 0.95)
    print(
        f"{'the mix (first 4)':<20} {percentile(everything, 0.5):8.2f} {p95:8.2f} {percentile(everything, 0.99):8.2f}"
    )
    target = f"target p95 < {TARGET_P95_MS} ms" if db.dialect == "sqlite" else "no target on PostgreSQL"
    print(f"search p95 {p95:.2f} ms ({target}); mean {statistics.fmean(everything):.2f} ms")
    await db.dispose()
    return rate, p95, percentile(scans, 0.95)


async def postgresql(url: str, count: int) -> None:
    name = f"bench_knowledge_{uuid.uuid4().hex[:8]}"
    server = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        await measure(make_url(url).set(database=name).render_as_string(hide_password=False), count)
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await server.dispose()


async def main(argv: list[str]) -> None:
    url = argv[argv.index("--postgresql") + 1] if "--postgresql" in argv else os.environ.get("BENCH_POSTGRESQL", "")
    numbers = [arg for arg in argv if arg.isdigit()]
    count = int(numbers[0]) if numbers else 100_000
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {count:,} generated posts, FR and EN")
    with tempfile.TemporaryDirectory() as folder:
        await measure(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", count)
    if url:
        await postgresql(url, count)


async def rows(full: bool = False) -> list[Row]:
    """Indexing rate (target) and the search mix's p95 against a LIKE scan (small: 5,000 posts)."""
    count = 100_000 if full else 5_000
    with tempfile.TemporaryDirectory() as folder:
        rate, p95, like95 = await measure(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", count)
    return [
        Row(f"knowledge posts indexed/s, {count:,} posts", rate, None, "", f"≥ {TARGET_RATE:,}", rate >= TARGET_RATE),
        Row(
            f"knowledge search p95 ms, {count:,} posts",
            p95,
            like95,
            "LIKE scan p95",
            f"< {TARGET_P95_MS} ms",
            p95 < TARGET_P95_MS,
        ),
    ]


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
