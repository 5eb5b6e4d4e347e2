"""Polls end to end: the real bot against the emulated Discord, with a real database.

Members create, vote, change their vote, click anonymous buttons; the bot restarts and catches up; deadlines pass.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.client import Agora
from bot.config import Settings
from bot.database import Database
from models import scheduling
from models.base import utcnow
from models.polls import service
from models.polls.tables import Poll, PollBallot, PollKey, PollVote
from playground.emulator import Emulator, MemberDriver, RunBot
from playground.emulator.state import Channel, Interaction, Message
from tests.conftest import AgoraHarness

POLL_COGS = ("cogs.settings", "cogs.polls")
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
A, B, C = "🇦", "🇧", "🇨"


class QuickAgora(Agora):
    """Agora with live edits every 50 ms instead of every 3 s, so tests see counts without waiting."""

    async def setup_hook(self) -> None:
        await super().setup_hook()
        polls_cog(self).live.interval = 0.05


@pytest.fixture
async def agora(run_bot: RunBot, agora_settings: Settings) -> AsyncIterator[AgoraHarness]:
    """The real bot with the polls cog (and the settings cog) only: other capabilities cannot disturb these tests."""

    def build() -> Agora:
        return QuickAgora(agora_settings, cogs=POLL_COGS, guild_ready_timeout=0.05)

    harness = AgoraHarness(await run_bot(build, wait_for_sync=True), agora_settings)
    await harness.caught_up()
    yield harness
    await harness.stop()  # before `database_url` drops a PostgreSQL database under the running bot


def polls_cog(bot: Agora) -> Any:
    """The loaded cog."""
    cog = bot.get_cog("Polls")
    assert cog is not None
    return cog


def polls(agora: AgoraHarness) -> Any:
    return polls_cog(agora.bot)


async def host(discord: Emulator, locale: str = "en-US", name: str = "hana") -> MemberDriver:
    role = await discord.create_role(discord.guild, f"{name}-host", permissions=MANAGE_GUILD, position=1)
    return await discord.member(name, locale=locale, roles=[role])


async def create(host: MemberDriver, channel: Channel, **options: Any) -> Message:
    """Run /poll create and return the poll message."""
    options.setdefault("question", "Which workshop next?")
    options.setdefault("options", "Git basics; Testing; Docker")
    reply = await host.slash("poll create", channel=channel, **options)
    assert reply.ephemeral
    assert "✅" in await answer(host.emulator, reply)
    return next(m for m in reversed(channel.messages) if m.embeds)


async def answer(discord: Emulator, reply: Interaction) -> str:
    """The text a member reads, once a deferred answer has arrived."""
    await discord.wait_for(lambda: reply.content, what=f"an answer to {reply.label}")
    return reply.content


async def caught_up(agora: AgoraHarness) -> None:
    """Wait until the bot has reconciled and written every vote it received."""
    cog = polls(agora)
    await cog.caught_up.wait()
    await cog.writer.flush()


async def stored(agora: AgoraHarness, table: type[PollVote | PollBallot] = PollVote) -> set[tuple[int, str]]:
    """(voter, option label) rows of every public poll (or the ballots of every anonymous poll)."""
    cog = polls(agora)
    await cog.writer.flush()
    async with agora.bot.db.transaction() as session:
        rows = await session.execute(select(table.voter_id, table.option_id))
        pairs = list(rows)
        labels = {}
        for poll_id in await session.scalars(select(Poll.id)):
            view = await service.get_view(session, poll_id)
            labels.update({option.id: option.label for option in view.options})
    return {(voter, labels[option]) for voter, option in pairs}


def description(message: Message) -> str:
    return str(message.embeds[0]["description"])


async def shows(discord: Emulator, message: Message, text: str) -> None:
    await discord.wait_for(lambda: text in description(message), what=f"poll message showing {text!r}")


# --- creating and voting --------------------------------------------------------------------------------------


async def test_host_creates_a_reaction_poll_and_votes_count(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    channel = await discord.create_channel(discord.guild, "polls")
    message = await create(hana, channel)
    assert [r.emoji.name for r in message.reactions] == [A, B, C]
    assert message.embeds[0]["title"] == "📊 Poll"
    assert "🇦 Git basics" in description(message) and "0 voters" in description(message)

    alice, bob = await discord.member("alice"), await discord.member("bob")
    await alice.react(message, A)
    await bob.react(message, A)
    await shows(discord, message, "`████████████` **2** · 100%")
    assert await stored(agora) == {(alice.id, "Git basics"), (bob.id, "Git basics")}
    await bob.unreact(message, A)
    await shows(discord, message, "1 voter")
    assert await stored(agora) == {(alice.id, "Git basics")}


async def test_changing_a_single_choice_vote_replaces_the_reaction(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"))
    alice = await discord.member("alice")
    await alice.react(message, A)
    await alice.react(message, B)
    await discord.wait_for(lambda: alice.id not in message.reactors(A), what="the old reaction taken back")
    assert alice.id in message.reactors(B)
    assert await stored(agora) == {(alice.id, "Testing")}
    await shows(discord, message, "1 voter")


async def test_multiple_choice_with_a_maximum(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"), max_choices=2)
    assert "up to 2 choices" in description(message)
    alice = await discord.member("alice")
    for emoji in (A, B, C):
        await alice.react(message, emoji)
    await discord.wait_for(lambda: alice.id not in message.reactors(C), what="the third choice refused")
    assert await stored(agora) == {(alice.id, "Git basics"), (alice.id, "Testing")}
    # Withdrawing one makes room for another.
    await alice.unreact(message, A)
    await alice.react(message, C)
    await polls(agora).writer.flush()
    assert await stored(agora) == {(alice.id, "Testing"), (alice.id, "Docker")}


async def test_only_members_with_the_role_count(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    learners = await discord.create_role(discord.guild, "Learners", position=2)
    message = await create(hana, discord.guild.channel("general"), role=learners)
    assert f"<@&{learners.id}>" in description(message)
    alice = await discord.member("alice", roles=[learners])
    bob = await discord.member("bob")
    await alice.react(message, A)
    await bob.react(message, B)
    await discord.wait_for(lambda: bob.id not in message.reactors(B), what="bob's reaction removed")
    assert await stored(agora) == {(alice.id, "Git basics")}


async def test_bots_and_other_emojis_do_not_count(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"))
    robot = await discord.member("robot", bot=True)
    alice = await discord.member("alice")
    await robot.react(message, A)
    await alice.react(message, "🎉")
    await discord.wait_for(lambda: message.reaction("🎉") is None, what="the foreign emoji removed")
    await discord.wait_for(lambda: robot.id not in message.reactors(A), what="the bot's reaction removed")
    assert await stored(agora) == set()


async def test_custom_option_emojis_and_mentions_that_never_ping(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    alice = await discord.member("alice")
    message = await create(
        hana,
        discord.guild.channel("general"),
        question=f"@everyone {alice.mention} pizza?",
        options="🍕 Pizza; 🥗 Salad",
    )
    assert [r.emoji.name for r in message.reactions] == ["🍕", "🥗"]
    post = next(r for r in discord.requests if r.method == "POST" and r.path.endswith("/messages") and r.json)
    assert post.json["allowed_mentions"] == {"parse": []}
    await alice.react(message, "🍕")
    assert await stored(agora) == {(alice.id, "Pizza")}


# --- anonymous polls ------------------------------------------------------------------------------------------


async def test_anonymous_poll_votes_with_buttons_and_keeps_no_voter(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"), anonymous=True)
    assert message.reactions == []
    assert [b["label"] for b in message.buttons()] == ["Git basics", "Testing", "Docker"]
    alice = await discord.member("alice", locale="fr")
    reply = await alice.click(message, "Git basics")
    assert reply.ephemeral
    assert (await answer(discord, reply)).startswith("🗳️ Votre vote est enregistré : 🇦 Git basics")
    text = await answer(discord, await alice.click(message, "Testing"))  # single choice: the vote moves
    assert "🇧 Testing" in text and "Git basics" not in text
    bob = await discord.member("bob")
    await answer(discord, await bob.click(message, "Testing"))
    await shows(discord, message, "2 voters")
    voters = {voter for voter, _ in await stored(agora, PollBallot)}
    assert len(voters) == 2 and not voters & {alice.id, bob.id}  # keyed hashes, never member ids

    withdrawn = await answer(discord, await bob.click(message, "Testing"))  # clicking one's choice again withdraws it
    assert withdrawn.startswith("Your vote is withdrawn")
    closed = await hana.slash("poll close")
    assert closed.ephemeral and "closed" in await answer(discord, closed)
    async with agora.bot.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(PollBallot)) == 0
        assert await session.scalar(select(func.count()).select_from(PollKey)) == 0
    assert message.buttons() == []


async def test_vote_buttons_carry_the_capability_scheme_and_old_ones_still_vote(
    discord: Emulator, agora: AgoraHarness
) -> None:
    """Buttons are `agora:polls:vote:<poll>:<option>`; those posted by earlier versions (`poll:<poll>:<option>`),
    still under messages in servers, vote the same way."""
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"), anonymous=True)
    poll = poll_id(message, agora)
    async with agora.bot.db.transaction() as session:
        options = [option.id for option in (await service.get_view(session, poll)).options]
    assert [b["custom_id"] for b in message.buttons()] == [f"agora:polls:vote:{poll}:{o}" for o in options]
    alice, bob = await discord.member("alice"), await discord.member("bob")
    assert (await answer(discord, await alice.click(message, "Git basics"))).startswith("🗳️ Your vote is recorded")

    for button in message.buttons():  # the same message as an earlier version of Agora posted it
        button["custom_id"] = button["custom_id"].replace("agora:polls:vote:", "poll:")
    assert [b["custom_id"] for b in message.buttons()] == [f"poll:{poll}:{o}" for o in options]
    text = await answer(discord, await bob.click(message, "Testing"))
    assert text.startswith("🗳️ Your vote is recorded: 🇧 Testing")
    withdrawn = await answer(discord, await alice.click(message, "Git basics"))
    assert withdrawn.startswith("Your vote is withdrawn")
    await shows(discord, message, "1 voter")
    assert len(await stored(agora, PollBallot)) == 1


async def test_anonymous_results_export_has_counts_only(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"), anonymous=True, max_choices=2)
    alice = await discord.member("alice")
    await answer(discord, await alice.click(message, "Git basics"))
    await answer(discord, await alice.click(message, "Testing"))
    refused = await alice.click(message, "Docker")
    assert "already chose 2 options" in await answer(discord, refused)
    export = await hana.slash("poll export")
    await answer(discord, export)
    files = export.followups[0].attachments
    assert [f.filename for f in files] == [f"poll-{poll_id(message, agora)}-results.csv"]
    rows = list(csv.reader(io.StringIO(files[0].data.decode("utf-8-sig"))))
    assert rows[0] == ["position", "emoji", "option", "votes", "share of voters"]
    assert [row[3] for row in rows[1:]] == ["1", "1", "0"]


def poll_id(message: Message, agora: AgoraHarness) -> int:
    return int(polls(agora).index.by_message[message.id].poll_id)


def poll_id_of(agora: AgoraHarness, message: Message) -> int:
    """Also for a closed poll (no longer indexed by message)."""
    return next(int(ref.poll_id) for ref in polls(agora).index.by_poll.values() if ref.message_id == message.id)


# --- live results ---------------------------------------------------------------------------------------------


async def test_live_edits_are_throttled_and_end_with_the_final_count(
    discord: Emulator, agora: AgoraHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    polls(agora).live.interval = 0.3
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"))
    members = [await discord.member(f"m{index}") for index in range(30)]
    edits_before = edits_of(discord, message)
    started = discord.core.journal.last_activity
    for member in members:
        await member.react(message, B)
    await shows(discord, message, "30 voters")
    elapsed = discord.core.journal.last_activity - started
    edits = edits_of(discord, message) - edits_before
    assert 1 <= edits <= int(elapsed / 0.3) + 2


def edits_of(discord: Emulator, message: Message) -> int:
    return sum(1 for r in discord.requests if r.method == "PATCH" and r.path.endswith(f"/messages/{message.id}"))


async def test_hidden_results_until_closing(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"), hide_results=True)
    alice = await discord.member("alice", locale="fr")
    await alice.react(message, A)
    await shows(discord, message, "1 voter")
    assert "Results are shown when the poll closes" in description(message)
    assert "████" not in description(message)
    refused = await alice.slash("poll results")
    assert refused.ephemeral and refused.content.startswith("Les hôtes ont choisi")
    seen = await hana.slash("poll results")
    assert seen.ephemeral and seen.original is not None and "**1**" in seen.original.embeds[0]["description"]


# --- closing --------------------------------------------------------------------------------------------------


async def test_poll_closes_at_its_deadline_and_posts_a_chart(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    channel = discord.guild.channel("general")
    message = await create(hana, channel, duration="2h")
    assert "Closes <t:" in description(message)
    alice, bob = await discord.member("alice"), await discord.member("bob")
    await alice.react(message, A)
    await bob.react(message, C)
    poll = poll_id(message, agora)
    await move_deadline(agora, poll, utcnow())
    results = await discord.wait_for(lambda: results_message(channel), what="the results message")
    await job_done(agora, poll)
    assert results.attachments[0].filename.endswith(".png") and results.attachments[0].data.startswith(b"\x89PNG")
    assert results.embeds[0]["title"] == "📊 Final results"
    assert message.embeds[0]["title"] == "📊 Poll (closed)"
    assert "Git basics 🏆" in description(message) and "Docker 🏆" in description(message)
    # Reactions stop counting: a late one is removed.
    carol = await discord.member("carol")
    await carol.react(message, B)
    await discord.wait_for(lambda: carol.id not in message.reactors(B), what="the late reaction removed")
    assert await stored(agora) == {(alice.id, "Git basics"), (bob.id, "Docker")}


async def move_deadline(agora: AgoraHarness, poll: int, due_at: Any) -> None:
    """As if time had passed: the poll's close job falls due now (the scheduler arms it on commit)."""
    async with agora.bot.db.transaction() as session:
        await session.execute(update(Poll).where(Poll.id == poll).values(closes_at=due_at))
        await scheduling.schedule_job(
            session,
            kind=service.CLOSE_JOB,
            key=service.close_job_key(poll),
            due_at=due_at,
            payload={"poll_id": poll},
        )


def results_message(channel: Channel) -> Message | None:
    return next((m for m in channel.messages if m.attachments and m.embeds), None)


async def test_host_closes_a_poll_by_command(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord, locale="fr")
    channel = discord.guild.channel("general")
    message = await create(hana, channel, duration="1w")
    alice = await discord.member("alice")
    await alice.react(message, B)
    reply = await hana.slash("poll close", poll=str(poll_id(message, agora)))
    assert (await answer(discord, reply)).startswith("✅ Le sondage est fermé")
    results = results_message(channel)
    assert results is not None and results.message_reference is not None
    assert results.message_reference["message_id"] == str(message.id)
    async with agora.bot.db.transaction() as session:
        assert await session.scalar(select(scheduling.ScheduledJob.state)) == "cancelled"
    again = await hana.slash("poll close")
    assert again.content.startswith("Je ne trouve pas ce sondage")
    by_id = await hana.slash("poll close", poll=str(poll_id_of(agora, message)))
    assert by_id.content.startswith("Ce sondage est déjà fermé")


async def test_members_cannot_close_but_can_see_results(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"))
    alice = await discord.member("alice")
    await alice.react(message, A)
    refused = await alice.slash("poll close")
    assert refused.content.startswith("Only hosts")
    await polls(agora).writer.flush()
    results = await alice.slash("poll results")
    assert results.ephemeral and results.original is not None
    assert "**1**" in results.original.embeds[0]["description"]
    choices = await alice.autocomplete("poll results", poll="work")
    assert choices == [{"name": "Which workshop next?", "value": str(poll_id(message, agora))}]


async def test_export_gives_counts_and_one_row_per_vote(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"), multiple=True)
    alice = await discord.member("alice")
    await alice.react(message, A)
    await alice.react(message, C)
    export = await hana.slash("poll export")
    assert export.ephemeral
    await answer(discord, export)
    counts, votes = export.followups[0].attachments
    count_rows = list(csv.reader(io.StringIO(counts.data.decode("utf-8-sig"))))
    assert count_rows[1] == ["1", A, "Git basics", "1", "1.0000"]
    vote_rows = list(csv.reader(io.StringIO(votes.data.decode("utf-8-sig"))))
    assert vote_rows[0] == ["member id", "member", "option", "voted at (UTC)"]
    assert sorted((row[0], row[1], row[2]) for row in vote_rows[1:]) == [
        (str(alice.id), "alice", "Docker"),
        (str(alice.id), "alice", "Git basics"),
    ]


async def test_results_export_and_close_take_the_poll_message_link(discord: Emulator, agora: AgoraHarness) -> None:
    """A message link ends with a snowflake, far beyond the poll id column's range (PostgreSQL refused to compare)."""
    hana = await host(discord)
    channel = discord.guild.channel("general")
    message = await create(hana, channel)
    other = await discord.create_channel(discord.guild, "elsewhere")
    alice = await discord.member("alice")
    await alice.react(message, B)
    link = f"https://discord.com/channels/{discord.guild.id}/{channel.id}/{message.id}"

    results = await alice.slash("poll results", poll=link, in_channel=other)
    assert results.original is not None and "**1**" in results.original.embeds[0]["description"]
    export = await hana.slash("poll export", poll=link, in_channel=other)
    await answer(discord, export)
    assert export.followups[0].attachments[0].filename.endswith("-results.csv")
    closed = await hana.slash("poll close", poll=link, in_channel=other)
    assert (await answer(discord, closed)).startswith("✅")
    for unknown in (f"{link}1", str(2**63), "9" * 3000):
        refused = await hana.slash("poll results", poll=unknown)
        assert refused.content.startswith("I found no such poll in this server.")


async def test_a_nul_character_is_dropped_from_a_poll_and_from_a_search(discord: Emulator, agora: AgoraHarness) -> None:
    """PostgreSQL text cannot hold NUL (SQLite can): both databases now keep the poll, without it."""
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"), question="Lunch\x00 or brunch?", options="a\x00; b")
    assert "Lunch or brunch?" in description(message)
    choices = await hana.autocomplete("poll results", poll="brunch\x00")
    assert choices == [{"name": "Lunch or brunch?", "value": str(poll_id(message, agora))}]
    async with agora.bot.db.transaction() as session:
        view = await service.get_view(session, poll_id(message, agora))
    assert (view.question, [option.label for option in view.options]) == ("Lunch or brunch?", ["a", "b"])


# --- nothing lost ---------------------------------------------------------------------------------------------


async def test_reactions_added_and_removed_while_offline_are_reconciled(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"))
    alice, bob, carol = [await discord.member(name) for name in ("alice", "bob", "carol")]
    await alice.react(message, A)
    await bob.react(message, B)
    await caught_up(agora)
    await agora.stop()
    await bob.unreact(message, B)  # removed while offline: un-counted
    await carol.react(message, C)  # added while offline: counted
    await alice.react(message, B)  # single choice: the newer reaction wins, the older one is taken back
    await agora.start()
    await caught_up(agora)
    assert await stored(agora) == {(alice.id, "Testing"), (carol.id, "Docker")}
    await discord.wait_for(lambda: alice.id not in message.reactors(A), what="alice's older reaction taken back")
    await shows(discord, message, "2 voters")


# A member changes a reaction while Agora's start-up catch-up reads it: Discord's REST answer (what the catch-up sees)
# is held until the gateway event of the change has reached the bot, as when a real answer is slow.
CATCH_UP_RACES = {
    # removed while offline, put back while the catch-up reads that reaction: the vote stays
    "put back": ((A,), (), (A,), "reactions", {A}),
    # added while offline, taken off while the catch-up reads that reaction: the vote goes
    "taken off": ((), (A,), (A,), "reactions", set()),
    # single choice: switched A → B while offline, back to A while the catch-up reads the message: A wins
    "switched back": ((A,), (B,), (A,), "message", {A}),
}


@pytest.mark.parametrize(
    ("voted", "offline", "during", "held", "expected"), list(CATCH_UP_RACES.values()), ids=list(CATCH_UP_RACES)
)
async def test_a_reaction_changed_during_the_catch_up_is_not_undone(
    discord: Emulator,
    agora: AgoraHarness,
    voted: tuple[str, ...],
    offline: tuple[str, ...],
    during: tuple[str, ...],
    held: str,
    expected: set[str],
) -> None:
    hana = await host(discord)
    channel = discord.guild.channel("general")
    message = await create(hana, channel)
    alice = await discord.member("alice")
    for emoji in voted:
        await alice.react(message, emoji)
    await caught_up(agora)
    await agora.stop()
    for emoji in (A, B, C):  # while offline, alice's reactions become `offline`
        if emoji in offline:
            await alice.react(message, emoji)
        else:
            await alice.unreact(message, emoji)
    path = f"/channels/{channel.id}/messages/{message.id}"
    release = asyncio.Event()
    slow = discord.faults.delay("GET", path if held == "message" else f"{path}/reactions/{A}", release)
    await start_held(agora)
    await discord.wait_for(lambda: slow.holding, what=f"the catch-up's read of the {held} held")
    for emoji in during:  # alice toggles it; the gateway event overtakes the held answer
        if alice.id in message.reactors(emoji):
            await alice.unreact(message, emoji)
        else:
            await alice.react(message, emoji)
    await polls(agora).writer.flush()  # the bot has handled the event
    release.set()
    await caught_up(agora)
    labels = {A: "Git basics", B: "Testing", C: "Docker"}
    await discord.wait_for(lambda: len(reacted(message, alice)) <= 1, what="a single choice left on the message")
    assert reacted(message, alice) == expected
    await discord.sync()
    assert await stored(agora) == {(alice.id, labels[e]) for e in expected}
    voters = f"{len(expected)} voter" if expected else "0 voters"
    await shows(discord, message, voters)
    results = await alice.slash("poll results")
    assert results.original is not None and voters in results.original.embeds[0]["description"]


async def start_held(agora: AgoraHarness) -> None:
    """Start the bot without waiting for its catch-up: the test holds one of its reads."""
    await agora.runner.start()


def reacted(message: Message, member: MemberDriver) -> set[str]:
    return {emoji for emoji in (A, B, C) if member.id in message.reactors(emoji)}


async def test_a_reaction_added_during_the_catch_up_does_not_hide_an_earlier_one(
    discord: Emulator, agora: AgoraHarness
) -> None:
    """The catch-up reads every reactor, not only as many as the message counted when it was read."""
    hana = await host(discord)
    channel = discord.guild.channel("general")
    message = await create(hana, channel)
    alice, bob = await discord.member("alice"), await discord.member("bob")  # Discord lists alice first
    await bob.react(message, A)
    await caught_up(agora)
    await agora.stop()
    release = asyncio.Event()
    slow = discord.faults.delay("GET", f"/channels/{channel.id}/messages/{message.id}", release)
    await start_held(agora)
    await discord.wait_for(lambda: slow.holding, what="the catch-up's read of the message held")
    await alice.react(message, A)  # the held message still counts two reactions on 🇦: the bot's and bob's
    await polls(agora).writer.flush()
    release.set()
    await caught_up(agora)
    assert await stored(agora) == {(alice.id, "Git basics"), (bob.id, "Git basics")}


async def test_a_reaction_gone_before_the_catch_up_reads_it_is_skipped(discord: Emulator, agora: AgoraHarness) -> None:
    """Nobody reacts with 🎉 any more when the catch-up asks who did: the rest of the poll is still caught up."""
    hana = await host(discord)
    channel = discord.guild.channel("general")
    message = await create(hana, channel)
    alice, bob = await discord.member("alice"), await discord.member("bob")
    await agora.stop()
    await alice.react(message, A)  # counted on start
    await bob.react(message, "🎉")  # not an option: would be taken back
    release = asyncio.Event()
    slow = discord.faults.delay("GET", f"/channels/{channel.id}/messages/{message.id}", release)
    discord.expect_rejections(10014)  # Unknown Emoji: nobody reacts with 🎉 any more
    await start_held(agora)
    await discord.wait_for(lambda: slow.holding, what="the catch-up's read of the message held")
    await bob.unreact(message, "🎉")
    release.set()
    await caught_up(agora)
    assert await stored(agora) == {(alice.id, "Git basics")}


async def test_a_reaction_being_taken_back_is_not_counted_again_by_the_catch_up(
    discord: Emulator, agora: AgoraHarness
) -> None:
    """A reaction the bot is removing, which Discord has not removed yet, does not count when the catch-up reads it."""
    hana = await host(discord)
    channel = discord.guild.channel("general")
    first, second = await create(hana, channel), await create(hana, channel, question="And after that?")
    alice = await discord.member("alice")
    await alice.react(second, A)
    await caught_up(agora)
    await agora.stop()
    path = f"/channels/{channel.id}/messages"
    let_read, let_remove = asyncio.Event(), asyncio.Event()
    reading_first = discord.faults.delay("GET", f"{path}/{first.id}", let_read)
    removing = discord.faults.delay("DELETE", f"{path}/{second.id}/reactions/{A}/{alice.id}", let_remove, request=True)
    await start_held(agora)
    await discord.wait_for(lambda: reading_first.holding, what="the catch-up held on the first poll")
    await alice.react(second, B)  # single choice: the bot takes 🇦 back, and Discord is slow to do it
    await discord.wait_for(lambda: removing.holding, what="the removal of alice's 🇦 held")
    assert not [r for r in discord.requests if r.method == "GET" and r.path == f"{path}/{second.id}"]
    let_read.set()
    await caught_up(agora)  # the second poll's catch-up read 🇦 while it was being taken back
    let_remove.set()
    await discord.wait_for(lambda: alice.id not in second.reactors(A), what="alice's 🇦 taken back")
    await discord.sync()
    assert await stored(agora) == {(alice.id, "Testing")}
    assert alice.id in second.reactors(B)


async def test_a_deadline_passed_during_downtime_closes_once_on_start(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    channel = discord.guild.channel("general")
    message = await create(hana, channel, duration="3d")
    poll = poll_id(message, agora)
    alice = await discord.member("alice")
    await agora.stop()
    await alice.react(message, A)  # before the bot comes back: counted by reconciliation, then closed
    await set_deadline_offline(agora, poll, utcnow() - timedelta(hours=1))
    await agora.start()
    await discord.wait_for(lambda: results_message(channel), what="the results message after start")
    assert message.embeds[0]["title"] == "📊 Poll (closed)"
    assert "**1**" in description(message)
    await job_done(agora, poll)
    await agora.restart()
    await agora.idle()
    assert len([m for m in channel.messages if m.attachments]) == 1


async def test_results_posted_just_before_a_crash_are_not_posted_twice(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    channel = discord.guild.channel("general")
    message = await create(hana, channel)
    poll = poll_id(message, agora)
    await answer(discord, await hana.slash("poll close"))
    await agora.stop()
    # As if the bot died between posting the results and noting it.
    database = Database(agora.settings.database.url)
    async with database.transaction() as session:
        await session.execute(update(Poll).where(Poll.id == poll).values(results_message_id=None))
    await database.dispose()
    await agora.start()  # the start-up catch-up finishes the close
    async with agora.bot.db.transaction() as session:
        assert (await service.get_view(session, poll)).results_message_id is not None
    assert len([m for m in channel.messages if m.attachments]) == 1


async def job_done(agora: AgoraHarness, poll: int) -> None:
    """Wait until Agora is idle (the running close job included), then check that the job is done, so stopping the
    bot cannot cut it short."""
    await agora.idle()
    async with agora.bot.db.transaction() as session:
        state = await session.scalar(
            select(scheduling.ScheduledJob.state).where(scheduling.ScheduledJob.key == service.close_job_key(poll))
        )
    assert state == scheduling.JobState.DONE, f"the close job of poll {poll} did not finish"


async def set_deadline_offline(agora: AgoraHarness, poll: int, due_at: Any) -> None:
    database = Database(agora.settings.database.url)
    async with database.transaction() as session:
        await session.execute(update(Poll).where(Poll.id == poll).values(closes_at=due_at))
        await session.execute(
            update(scheduling.ScheduledJob)
            .where(scheduling.ScheduledJob.key == service.close_job_key(poll))
            .values(due_at=due_at)
        )
    await database.dispose()


async def test_deleting_the_poll_message_closes_the_poll(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    channel = discord.guild.channel("general")
    message = await create(hana, channel)
    poll = poll_id(message, agora)
    discord.core.delete_message(message)
    await discord.wait_for(lambda: polls(agora).index.on_message(message.id) is None, what="the poll closed")
    async with agora.bot.db.transaction() as session:
        view = await service.get_view(session, poll)
    assert (view.is_open, view.close_reason) == (False, "deleted")
    assert results_message(channel) is None


async def test_a_poll_message_deleted_while_offline_closes_on_start(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    message = await create(hana, discord.guild.channel("general"))
    poll = poll_id(message, agora)
    await agora.stop()
    discord.core.delete_message(message)
    discord.expect_rejections(10008)  # the bot asks for the message on start: Unknown Message
    await agora.start()
    await caught_up(agora)
    async with agora.bot.db.transaction() as session:
        assert (await service.get_view(session, poll)).close_reason == "deleted"


# --- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"options": "Only one"}, "Un sondage demande au moins 2 options ; vous en avez donné 1."),
        ({"options": ";".join(f"o{i}" for i in range(21))}, "Un sondage compte au plus 20 options"),
        ({"options": "Pizza; pizza"}, "L'option « pizza » apparaît deux fois"),
        ({"options": "🍕 Pizza; 🍕 Pasta"}, "L'emoji 🍕 sert à deux options"),
        ({"question": "q" * 301}, "La question fait 301 caractères ; la limite est de 300."),
        ({"options": "a; " + "b" * 81}, "fait 81 caractères ; la limite est de 80"),
        ({"duration": "2020-01-01 10:00"}, "Cette heure de clôture (<t:1577869200:F>) est déjà passée"),
        ({"duration": "next tuesday"}, "Je n'ai pas compris « next tuesday » comme heure de clôture."),
        ({"options": "<:party:123456789012345678> Party; Other"}, "Je ne peux pas utiliser l'emoji <:party:"),
        ({"duration": "99999999999d"}, "au plus 366 jours"),
        ({"duration": "0001-01-01 00:00"}, "est déjà passée"),
        ({"duration": "9999-12-31 23:59"}, "au plus 366 jours"),
    ],
)
async def test_bad_input_gets_a_localized_ephemeral_reply(
    discord: Emulator, agora: AgoraHarness, options: dict[str, Any], expected: str
) -> None:
    hana = await host(discord, locale="fr")
    channel = discord.guild.channel("general")
    options = {"question": "Quand ?", "options": "lundi; mardi", **options}
    reply = await hana.slash("poll create", channel=channel, **options)
    assert reply.ephemeral
    assert expected in reply.content
    assert not [m for m in channel.messages if m.embeds]
    async with agora.bot.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Poll)) == 0


async def test_a_channel_where_the_bot_cannot_react_is_refused(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    channel = await discord.create_channel(discord.guild, "quiet")
    bot_role = discord.guild.roles[discord.guild.members[discord.bot.id].role_ids[0]]
    await discord.set_permissions(channel, bot_role, deny=ADD_REACTIONS)
    reply = await hana.slash("poll create", channel=channel, question="Q?", options="a; b")
    assert reply.ephemeral
    assert reply.content == (
        f"I cannot use <#{channel.id}>: I am missing Add Reactions. "
        "Give me these permissions or choose another channel."
    )
    # An anonymous poll needs no reactions: the same channel works.
    anonymous = await hana.slash("poll create", channel=channel, question="Q?", options="a; b", anonymous=True)
    assert "✅" in await answer(discord, anonymous)
