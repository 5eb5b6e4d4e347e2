"""Anonymous polls on disk: once a poll is closed, no database file holds its key or any of its ballot ids.

With the key, every ballot id is re-linked to its member by recomputing HMAC(key, member id) for each member, so
these tests read the database files themselves, as someone with a copy of the disk would: SQLite's database,
write-ahead log and shared memory; every file of the PostgreSQL test database (after a CHECKPOINT, directly or
through `pg_read_binary_file`). They search for the key's bytes and for each ballot id as it is stored (big-endian
in SQLite records, little-endian in PostgreSQL tuples and indexes). Each search first finds what must be there
(the poll while open, another poll still open), so a search that cannot see the data fails instead of passing.

Not searched: PostgreSQL's own write-ahead log (`pg_wal`), which keeps inserted rows until the server recycles
its segments; the README says so ("How anonymity is kept").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from alembic import command
from sqlalchemy import Connection, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.client import Agora
from bot.config import Settings
from bot.database import Database, alembic_config
from models.polls import rules, service
from models.polls.rules import Action, VoteOp
from models.polls.tables import PollBallot, PollKey, PollVote
from models.polls.writer import VoteWriter
from playground.emulator import Emulator, RunBot
from tests.conftest import AgoraHarness
from tests.test_polls import new_poll
from tests.test_polls_e2e import POLL_COGS, answer, create, host, polls

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
READ_CHUNK = 64 << 20
INSUFFICIENT_PRIVILEGE = "42501"
MEMBERS = range(1_100_000_000_000_000_001, 1_100_000_000_000_000_401)


# --- reading the database files -------------------------------------------------------------------------------


class DiskImage:
    """The bytes of every file of one database, by file name."""

    def __init__(self, files: dict[str, bytes]) -> None:
        assert files, "no database file was read"
        self.files = files
        self._windows: dict[tuple[str, int], npt.NDArray[np.uint64]] = {}

    def holding(self, needles: Iterable[bytes]) -> dict[str, set[bytes]]:
        """Which of `needles` (all of one length) each file contains; files holding none are left out."""
        wanted = set(needles)
        (width,) = {len(needle) for needle in wanted}
        found = {name: self._matches(name, wanted, width) for name in self.files}
        return {name: matches for name, matches in found.items() if matches}

    def missing_ballots(self, ballots: Iterable[int]) -> set[int]:
        """The ballot ids that no file holds in any encoding."""
        wanted = list(ballots)
        held = set().union(*self.holding(ballot_bytes(wanted)).values())
        return {ballot for ballot in wanted if not held & set(ballot_bytes([ballot]))}

    def _matches(self, name: str, needles: set[bytes], width: int) -> set[bytes]:
        data = self.files[name]
        if width > 8 or len(needles) < 8:
            return {needle for needle in needles if needle in data}
        # Hundreds of short needles in megabytes of files: compare every window of the file at once.
        if (name, width) not in self._windows:
            self._windows[name, width] = windows(data, width)
        window = self._windows[name, width]
        values = np.array([int.from_bytes(needle, "big") for needle in needles], dtype=np.uint64)
        return {int(value).to_bytes(width, "big") for value in np.unique(window[np.isin(window, values)])}


def windows(data: bytes, width: int) -> npt.NDArray[np.uint64]:
    """Each `width`-byte run of `data`, at every offset, read as one big-endian integer."""
    octets = np.frombuffer(data, dtype=np.uint8).astype(np.uint64)
    count = max(len(octets) - width + 1, 0)
    values = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        values = (values << np.uint64(8)) | octets[offset : offset + count]
    return values


async def disk_image(db: Database) -> DiskImage:
    if db.dialect == "sqlite":
        database = Path(make_url(db.url).database or "")
        paths = [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm")]
        return DiskImage({path.name: path.read_bytes() for path in paths if path.exists()})
    return DiskImage(await postgresql_files(db))


async def postgresql_files(db: Database) -> dict[str, bytes]:
    """Every file of the database's directory, after a CHECKPOINT wrote what the server holds in memory.

    Read directly when this process can (the server runs here and its files are readable), else through the server
    with `pg_read_binary_file` (superuser, or the pg_read_server_files role); skipped, with the reason, when the
    test's role may do neither. A local directory of another server cannot pass: the searches first find what
    must be there.
    """
    async with db.engine.connect() as connection:
        server = await connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            await server.exec_driver_sql("CHECKPOINT")
            data_directory = (await server.exec_driver_sql("SHOW data_directory")).scalar_one()
        except DBAPIError as error:
            skip_unless_refused(error, "CHECKPOINT or SHOW data_directory")
            raise
        folder = (
            await server.execute(text("SELECT 'base/' || oid FROM pg_database WHERE datname = current_database()"))
        ).scalar_one()
        try:
            return await asyncio.to_thread(read_folder, Path(data_directory, folder), folder)
        except PermissionError:
            pass  # the server's files belong to its own user: ask the server for them
        except FileNotFoundError:
            pass  # the server runs elsewhere (another machine, a container)
        try:
            names = list((await server.execute(text("SELECT pg_ls_dir(:folder)"), {"folder": folder})).scalars())
            return {f"{folder}/{name}": await read_through_server(server, f"{folder}/{name}") for name in names}
        except DBAPIError as error:
            skip_unless_refused(error, "pg_ls_dir or pg_read_binary_file")
            raise


async def read_through_server(server: AsyncConnection, path: str) -> bytes:
    """A file of the data directory, in chunks (one call reads less than 1 GB); nothing if it was removed meanwhile."""
    data = b""
    while True:
        chunk = await server.scalar(
            text("SELECT pg_read_binary_file(:path, :offset, :length, true)"),
            {"path": path, "offset": len(data), "length": READ_CHUNK},
        )
        data += bytes(chunk or b"")
        if chunk is None or len(chunk) < READ_CHUNK:
            return data


def skip_unless_refused(error: DBAPIError, what: str) -> None:
    """Skip, saying why, when the server refused for lack of privilege; any other error is a failure."""
    if getattr(error.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
        pytest.skip(f"the database files cannot be read: the test's role may not run {what} ({error.orig})")


def read_folder(folder: Path, prefix: str) -> dict[str, bytes]:
    files = {}
    for path in folder.iterdir():
        try:
            files[f"{prefix}/{path.name}"] = path.read_bytes()
        except FileNotFoundError:
            continue  # removed meanwhile (a temporary table's file)
    return files


def key_bytes(key: bytes) -> list[bytes]:
    """Each half of the key on its own: a partial copy counts too."""
    return [key[:16], key[16:]]


def ballot_bytes(ballots: Iterable[int]) -> list[bytes]:
    """Each ballot id as SQLite stores an integer (big-endian, 6 or 8 bytes) and as PostgreSQL stores a bigint
    (little-endian): the 6 low-order bytes, which both encodings of a 63-bit value contain."""
    found = []
    for ballot in ballots:
        found += [ballot.to_bytes(8, "big")[2:], ballot.to_bytes(8, "little")[:6]]
    return found


# --- a close on the database alone ----------------------------------------------------------------------------


async def key_of(db: Database, poll_id: int) -> bytes:
    async with db.transaction() as session:
        key = await session.scalar(select(PollKey.key).where(PollKey.poll_id == poll_id))
    assert key is not None
    return key


async def stored_ballots(db: Database, poll_id: int) -> set[int]:
    async with db.transaction() as session:
        return set(await session.scalars(select(PollBallot.voter_id).where(PollBallot.poll_id == poll_id)))


async def analyze(db: Database) -> None:
    """What autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) may run at any time while polls are open."""
    async with db.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("ANALYZE")


async def test_a_closed_anonymous_poll_leaves_neither_its_key_nor_a_ballot_in_the_database_files(
    db: Database,
) -> None:
    closing = await new_poll(db, anonymous=True)
    staying = await new_poll(db, anonymous=True)
    public = await new_poll(db)
    keys = {poll.id: await key_of(db, poll.id) for poll in (closing, staying)}
    ballots = {
        poll.id: {member: rules.ballot_id(keys[poll.id], member) for member in MEMBERS} for poll in (closing, staying)
    }
    writer = VoteWriter(db.transaction)
    # Every member clicks; a third change their mind, a tenth withdraw: ballots are inserted, deleted, moved.
    for index, member in enumerate(MEMBERS):
        for poll in (closing, staying):
            writer.submit(VoteOp(poll.id, ballots[poll.id][member], poll.options[index % 3].id, Action.TOGGLE))
        writer.submit(VoteOp(public.id, member, public.options[index % 3].id, Action.ADD))
    for index, member in enumerate(MEMBERS):
        if index % 3 == 0:
            writer.submit(VoteOp(closing.id, ballots[closing.id][member], closing.options[1].id, Action.TOGGLE))
        if index % 10 == 1:
            writer.submit(VoteOp(closing.id, ballots[closing.id][member], closing.options[1].id, Action.TOGGLE))
    await writer.stop()
    await analyze(db)
    kept = await stored_ballots(db, closing.id)
    assert 0 < len(kept) < len(MEMBERS)

    before = await disk_image(db)
    assert before.holding(key_bytes(keys[closing.id])), "the search does not find the key of an open poll"
    assert before.missing_ballots(kept) == set(), "the search misses ballots of an open poll"

    async with db.transaction() as session:
        assert await service.close_poll(session, closing.id, now=NOW, reason=service.CloseReason.COMMAND)
    assert await db.erase_deleted()

    after = await disk_image(db)
    assert after.holding(key_bytes(keys[closing.id])) == {}, "the closed poll's key is still on disk"
    assert after.holding(ballot_bytes(ballots[closing.id].values())) == {}, "ballot ids are still on disk"
    # The other anonymous poll and the public one are untouched, and still found where they are.
    assert after.holding(key_bytes(keys[staying.id]))
    assert after.missing_ballots(ballots[staying.id].values()) == set()
    assert await stored_ballots(db, staying.id) == set(ballots[staying.id].values())
    async with db.transaction() as session:
        public_votes = await session.scalar(select(func.count()).select_from(PollVote))
        closed = await service.get_view(session, closing.id)
        tally = await service.count_votes(session, closed)
    assert public_votes == len(MEMBERS)
    assert tally.voters == len(kept) and tally.total == len(kept)


# --- a close through Discord, while the bot runs ----------------------------------------------------------------


@pytest.fixture
async def agora(run_bot: RunBot, agora_settings: Settings) -> AsyncIterator[AgoraHarness]:
    def build() -> Agora:
        return Agora(agora_settings, cogs=POLL_COGS, guild_ready_timeout=0.05)

    harness = AgoraHarness(await run_bot(build, wait_for_sync=True), agora_settings)
    await harness.caught_up()
    yield harness
    await harness.stop()


async def test_poll_close_leaves_nothing_on_disk_while_the_bot_still_runs(
    discord: Emulator, agora: AgoraHarness
) -> None:
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"), anonymous=True)
    members = [await discord.member(f"voter{index}") for index in range(12)]
    for index, member in enumerate(members):
        await answer(discord, await member.click(message, ("Git basics", "Testing", "Docker")[index % 3]))
    await answer(discord, await members[0].click(message, "Docker"))  # a change of mind
    await answer(discord, await members[1].click(message, "Testing"))  # a withdrawal
    ref = polls(agora).index.by_message[message.id]
    assert ref.salt is not None
    key, ballots = ref.salt, [rules.ballot_id(ref.salt, member.id) for member in members]
    db = agora.bot.db

    before = await disk_image(db)
    assert before.holding(key_bytes(key)), "the search does not find the key of an open poll"
    assert before.missing_ballots(ballots[:1] + ballots[2:]) == set()  # members[1] withdrew: maybe not stored

    closed = await hana.slash("poll close")
    assert "closed" in await answer(discord, closed)
    after = await disk_image(db)  # the bot still runs: its connections, and SQLite's log, are open
    assert after.holding(key_bytes(key)) == {}, "the closed poll's key is still on disk"
    assert after.holding(ballot_bytes(ballots)) == {}, "ballot ids are still on disk"


# --- upgrading a database that has open anonymous polls -------------------------------------------------------


async def test_upgrading_moves_open_polls_keys_and_ballots_into_their_own_tables(database_url: str) -> None:
    database = Database(database_url)
    key = bytes(range(32))

    def before_this_version(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "0004")
        poll = (
            "INSERT INTO polls (id, guild_id, channel_id, author_id, question, language, multiple, anonymous, "
            "hide_results, created_at, salt) VALUES (:id, 1, 2, 3, 'Q?', 'en', false, :anonymous, false, :now, :salt)"
        )
        connection.execute(text(poll), [{"id": 1, "anonymous": True, "salt": key, "now": NOW}])
        connection.execute(text(poll), [{"id": 2, "anonymous": False, "salt": None, "now": NOW}])
        connection.execute(
            text(
                "INSERT INTO poll_options (id, poll_id, guild_id, position, label, emoji) "
                "VALUES (:id, :poll, 1, 0, 'a', '🇦')"
            ),
            [{"id": 10, "poll": 1}, {"id": 20, "poll": 2}],
        )
        connection.execute(
            text("INSERT INTO poll_votes VALUES (:poll, :voter, :option, 1, :now)"),
            [
                {"poll": 1, "voter": 111, "option": 10, "now": NOW},
                {"poll": 1, "voter": 222, "option": 10, "now": NOW},
                {"poll": 2, "voter": 333, "option": 20, "now": NOW},
            ],
        )

    async with database.engine.begin() as connection:
        await connection.run_sync(before_this_version)
    await database.migrate()
    async with database.transaction() as session:
        assert await session.scalar(select(PollKey.key).where(PollKey.poll_id == 1)) == key
        assert set((await session.execute(select(PollBallot.poll_id, PollBallot.voter_id))).all()) == {
            (1, 111),
            (1, 222),
        }
        assert set((await session.execute(select(PollVote.poll_id, PollVote.voter_id))).all()) == {(2, 333)}
        assert await session.scalar(text("SELECT count(*) FROM poll_options")) == 2  # nothing cascaded away
        if database.dialect == "postgresql":
            no_statistics = text(
                "SELECT attrelid::regclass::text, attstattarget FROM pg_attribute "
                "WHERE (attrelid, attname) IN (('poll_ballots'::regclass, 'voter_id'), ('poll_keys'::regclass, 'key'))"
            )
            assert set((await session.execute(no_statistics)).all()) == {("poll_ballots", 0), ("poll_keys", 0)}

    def downgraded(connection: Connection) -> list[Any]:
        command.downgrade(alembic_config(connection), "0004")
        return list(
            connection.execute(
                text("SELECT p.salt, v.voter_id FROM polls p JOIN poll_votes v ON v.poll_id = p.id ORDER BY v.voter_id")
            )
        )

    async with database.engine.begin() as connection:
        rows = await connection.run_sync(downgraded)
    assert [(bytes(salt) if salt else None, voter) for salt, voter in rows] == [(key, 111), (key, 222), (None, 333)]
    await database.dispose()
