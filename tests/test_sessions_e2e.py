"""Sessions end to end: the real bot against the emulated Discord, with a real database, on a clock the test moves.

Hosts plan series (across daylight-saving changes), move and cancel occurrences, edit and end series; members answer,
wait for a seat, get reminders at their own lead times; native events follow; every bad input is refused kindly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.client import Agora
from bot.config import Settings
from models import guild_settings
from models.guild_settings import ChannelPurpose
from playground.emulator import Emulator, RunBot, payloads
from playground.emulator.state import Message, Role, ScheduledEvent
from tests.conftest import AgoraHarness
from tests.support.sessions import (
    Clock,
    Server,
    SessionsAgora,
    button,
    create,
    occurrences,
    posts,
    run_due,
    run_jobs,
    set_up,
)

SESSION_COGS = ("cogs.settings", "cogs.sessions")
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
async def agora(run_bot: RunBot, agora_settings: Settings, clock: Clock) -> AsyncIterator[AgoraHarness]:
    """The real bot with the sessions cog (and the settings cog) only, on the test's clock."""

    def build() -> Agora:
        return SessionsAgora(agora_settings, clock, cogs=SESSION_COGS, guild_ready_timeout=0.05)

    harness = AgoraHarness(await run_bot(build, wait_for_sync=True), agora_settings)
    await harness.caught_up()
    yield harness
    await harness.stop()


@pytest.fixture
async def server(discord: Emulator, agora: AgoraHarness) -> Server:
    return await set_up(discord, agora.bot.db)


async def mentionable_role(discord: Emulator, name: str) -> Role:
    role = await discord.create_role(discord.guild, name)
    role.mentionable = True
    discord.core.gateway.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(role.guild_id), "role": payloads.role(role)})
    await discord.sync()
    return role


def events(discord: Emulator) -> list[ScheduledEvent]:
    return sorted(discord.guild.scheduled_events.values(), key=lambda event: event.scheduled_start_time)


def post_of(server: Server, occurrence_id: int) -> Message:
    """The first announcement of an occurrence (its buttons carry its id)."""
    return next(
        post
        for post in posts(server.announcements)
        if any(f":{occurrence_id}:" in str(b.get("custom_id")) for b in post.buttons())
    )


def field(message: Any, name: str) -> str:
    return next(str(each["value"]) for each in message.embeds[0]["fields"] if each["name"] == name)


async def weekly(server: Server, **options: Any) -> None:
    done = await create(
        server.host,
        **{
            "title": "Reading club",
            "format": "reading_club",
            "start": "2027-03-16 18:00",
            "duration": "1h30",
            "repeat": "weekly",
            "count": 10,
            "channel": server.voice,
            **options,
        },
    )
    assert done.ephemeral and "is planned" in done.content, done.content


async def test_a_weekly_series_is_announced_with_its_role_pinged_once_and_mirrored_as_native_events(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    readers = await mentionable_role(discord, "Readers")
    await weekly(server, role=readers)
    await run_due(agora)  # the native events
    assert [(e.scheduled_start_time, e.entity_type, e.channel_id) for e in events(discord)] == [
        ("2027-03-16T17:00:00+00:00", 2, server.voice.id),
        ("2027-03-23T17:00:00+00:00", 2, server.voice.id),
        ("2027-03-30T16:00:00+00:00", 2, server.voice.id),  # 18:00 in Paris after the clocks went forward
    ]
    first = (await occurrences(agora.bot.db))[0]
    await run_jobs(agora, clock, "sessions.announce", key=f"{first.id}:10080")
    (post,) = posts(server.announcements)
    assert post.content.startswith(f"<@&{readers.id}> 📅 New session")
    sent = next(
        r for r in discord.requests if r.method == "POST" and r.path.endswith(f"/{server.announcements.id}/messages")
    )
    assert [int(role) for role in sent.json["allowed_mentions"]["roles"]] == [readers.id]
    assert "everyone" not in sent.json["allowed_mentions"]["parse"]
    assert field(post, "When") == "<t:1805216400:F> (<t:1805216400:R>)"
    assert [b["label"] for b in post.buttons()] == ["Going · 0", "Maybe · 0", "Can't · 0"]
    assert [thread.name for thread in discord.guild.threads()] == ["Reading club · 2027-03-16 18:00"]
    await run_jobs(agora, clock, "sessions.announce", key=f"{first.id}:1440")
    later = posts(server.announcements)[-1]
    assert later.content.startswith("⏰ Coming up soon") and "<@&" not in later.content
    await run_jobs(agora, clock, "sessions.announce", key=f"{first.id}:1440")  # a job run again posts nothing
    assert len(posts(server.announcements)) == 2


async def test_a_series_crossing_both_changes_in_montreal_keeps_its_hour(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    async with agora.bot.db.transaction() as session:
        await guild_settings.set_timezone(session, discord.guild.id, "America/Montreal", now=NOW)
    clock.set(at("2027-02-20T12:00"))
    await weekly(server, start="2027-03-02 18:00", count=40)
    starts = [each.starts_at for each in await occurrences(agora.bot.db)]
    assert starts[:3] == [at("2027-03-02T23:00"), at("2027-03-09T23:00"), at("2027-03-16T22:00")]
    clock.set(at("2027-10-25T12:00"))
    await run_jobs(agora, clock, "sessions.materialize")
    autumn = [each.starts_at for each in await occurrences(agora.bot.db) if each.starts_at > clock()]
    assert autumn[:3] == [at("2027-10-26T22:00"), at("2027-11-02T22:00"), at("2027-11-09T23:00")]


async def test_a_start_that_does_not_exist_is_moved_and_the_host_is_told(
    discord: Emulator, agora: AgoraHarness, server: Server
) -> None:
    done = await create(
        server.host,
        title="Night owls",
        format="other",
        start="2027-03-28 02:30",
        duration="1h",
        link="https://meet.example.org/owls",
    )
    assert "🕑 2027-03-28 02:30 does not exist in Europe/Paris" in done.content
    assert "<t:1806197400:F>" in done.content  # 03:30 in Paris
    (found,) = await occurrences(agora.bot.db)
    assert found.shifted and found.starts_at == at("2027-03-28T01:30")


async def test_members_answer_a_full_session_waits_and_a_freed_seat_is_given_in_order(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    await weekly(server, capacity=2)
    first = (await occurrences(agora.bot.db))[0]
    await run_jobs(agora, clock, "sessions.announce", key=f"{first.id}:10080")
    (post,) = posts(server.announcements)
    alice, bob, carol = [await discord.member(name) for name in ("alice", "bob", "carol")]
    assert "You're going to **Reading club**" in (await alice.click(post, "Going · 0")).content
    await bob.click(post, button(post, "agora:sessions:rsvp"))
    waiting = await carol.click(post, f"agora:sessions:rsvp:{first.id}:going")
    assert "is full: you are number 1 on the waitlist" in waiting.content
    await agora.idle()
    assert button(post, f"agora:sessions:rsvp:{first.id}:going") == "Going · 2"
    assert "2/2 seats taken · 1 waiting" in field(post, "Answers")
    await alice.click(post, f"agora:sessions:rsvp:{first.id}:cant")
    await agora.idle()
    assert carol.dms and "A seat opened up" in carol.dms[-1].content
    assert "2/2 seats taken" in field(post, "Answers") and "waiting" not in field(post, "Answers")


async def test_reminders_go_only_to_members_going_at_their_lead_times_and_never_late(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    discord.expect_rejections(50007)
    await weekly(server)
    first = (await occurrences(agora.bot.db))[0]
    await run_jobs(agora, clock, "sessions.announce", key=f"{first.id}:10080")
    (post,) = posts(server.announcements)
    alice, bob, carol = await discord.member("alice"), await discord.member("bob"), await discord.member("carol")
    dave = await discord.member("dave", dms_open=False)
    for member in (alice, bob, dave):
        await member.click(post, f"agora:sessions:rsvp:{first.id}:going")
    await carol.click(post, f"agora:sessions:rsvp:{first.id}:maybe")
    menu = await bob.slash("session reminders")
    assert menu.message is not None
    await bob.select(menu.message, ["1440"])
    assert menu.message.content.startswith("🔔 You will be reminded 1 day before")
    await agora.idle()
    clock.set(first.starts_at - timedelta(days=1))
    await run_jobs(agora, clock, "sessions.remind", key=f"{first.id}:1440")
    assert [len(m.dms) for m in (alice, bob, carol)] == [0, 1, 0]
    clock.set(first.starts_at - timedelta(hours=1))
    await run_jobs(agora, clock, "sessions.remind", key=f"{first.id}:60")
    assert alice.dms[-1].content.startswith("⏰ Reminder: **Reading club** starts <t:1805216400:F>")
    assert [len(m.dms) for m in (alice, bob, carol)] == [1, 1, 0]
    (thread,) = discord.guild.threads()
    assert thread.messages[-1].content.startswith(f"{dave.mention} ⏰ Reminder")
    clock.set(first.starts_at + timedelta(minutes=1))
    await run_jobs(agora, clock, "sessions.remind", key=f"{first.id}:15")  # fell due during downtime: skipped
    assert [len(m.dms) for m in (alice, bob, carol)] == [1, 1, 0]


async def test_moving_and_cancelling_one_occurrence_updates_posts_events_and_members(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    await weekly(server)
    first, second, *_ = await occurrences(agora.bot.db)
    await run_jobs(agora, clock, "sessions.announce")
    one, two = post_of(server, first.id), post_of(server, second.id)
    alice = await discord.member("alice")
    await alice.click(one, f"agora:sessions:rsvp:{first.id}:going")
    await alice.click(two, f"agora:sessions:rsvp:{second.id}:going")
    moved = await server.host.slash("session move", occurrence=str(first.id), start="2027-03-17 19:00")
    assert moved.content.startswith("🔁 **Reading club** now starts <t:1805306400:F>")
    cancelled = await server.host.slash("session cancel", occurrence=str(second.id))
    assert cancelled.content.startswith("❌ **Reading club** on <t:1805821200:F>")
    await run_due(agora)  # the notices and the native events
    assert field(one, "When").startswith("<t:1805306400:F>")
    assert one.embeds[0]["title"] == "📚 Reading club"
    assert two.embeds[0]["title"] == "❌ Cancelled — Reading club" and two.buttons() == []
    assert [e.scheduled_start_time for e in events(discord) if e.status == 1] == [
        "2027-03-17T18:00:00+00:00",
        "2027-03-30T16:00:00+00:00",
    ]
    assert [e.status for e in events(discord)].count(4) == 1
    assert sorted(m.content.split(" ", 1)[0] for m in alice.dms) == ["❌", "🔁"]
    refused = await server.host.slash("session cancel", occurrence=str(second.id))
    assert refused.ephemeral and refused.content == "That session is already cancelled."


async def test_editing_onwards_and_ending_a_series(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    await weekly(server, capacity=1)
    await run_due(agora)
    _, second, third = await occurrences(agora.bot.db)
    alice, bob = await discord.member("alice"), await discord.member("bob")
    await alice.slash("session rsvp", occurrence=str(third.id), answer="going")
    assert "waitlist" in (await bob.slash("session rsvp", occurrence=str(third.id), answer="going")).content
    edited = await server.host.slash("session edit", occurrence=str(second.id), time="19:30", capacity=2)
    assert edited.content.startswith("✏️ **Reading club**: 2 sessions changed")
    await agora.idle()
    assert bob.dms and "A seat opened up" in bob.dms[-1].content
    starts = [each.starts_at for each in await occurrences(agora.bot.db)]
    assert starts == [at("2027-03-16T17:00"), at("2027-03-23T18:30"), at("2027-03-30T17:30")]
    ended = await server.host.slash("session end", series="1")
    assert ended.content.startswith("🛑 **Reading club** has ended: 3 upcoming sessions cancelled")
    await run_due(agora)
    assert {e.status for e in events(discord)} == {4}
    listing = await alice.slash("session list")
    assert listing.message is not None and listing.message.embeds[0]["description"] == "No session is planned yet."


async def test_listing_reading_and_answering_by_command(discord: Emulator, agora: AgoraHarness, server: Server) -> None:
    await create(
        server.host,
        title="Daily stand-up",
        format="other",
        start="2027-03-02 09:00",
        duration="15m",
        repeat="daily",
        count=12,
        link="https://meet.example.org/daily",
    )
    alice = await discord.member("alice", locale="fr")
    choices = await alice.autocomplete("session info", occurrence="stand")
    assert choices[0]["name"] == "Daily stand-up · 2027-03-02 09:00"
    info = await alice.slash("session info", occurrence=choices[0]["value"])
    assert info.content == "Votre réponse : pas encore de réponse" and info.message is not None
    assert [b["label"] for b in info.message.buttons()] == ["Je viens · 0", "Peut-être · 0", "Je ne peux pas · 0"]
    answered = await alice.slash("session rsvp", occurrence=choices[1]["value"], answer="maybe")
    assert answered.content.startswith("🤔 C'est noté : peut-être pour **Daily stand-up**")
    listing = await alice.slash("session list")
    assert listing.message is not None
    page = listing.message.embeds[0]
    assert page["title"] == "📅 Séances à venir (1/2)" and page["description"].count("Daily stand-up") == 8
    assert "🤔 peut-être" in page["description"]
    turned = await alice.click(listing.message, "Suivantes ▶")
    assert turned.message is not None and turned.message.embeds[0]["title"] == "📅 Séances à venir (2/2)"


BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"start": "someday"}, "I could not read the date “someday”"),
    ({"start": "2027-02-01 18:00"}, "That time has already passed"),
    ({"duration": "25h"}, "A session lasts at most 24 hours"),
    ({"duration": "soon"}, "I could not read the duration"),
    ({"repeat": "weekly", "until": "2027-03-01"}, "The end comes before the first session"),
    ({"rrule": "FREQ=MINUTELY"}, "more often than once an hour"),
    ({"rrule": "FREQ=DAILY;BYHOUR=8,20"}, "more than 500 sessions a year"),
    ({"repeat": "daily", "count": 501}, "at most 500 sessions"),
    ({"rrule": "BANANA"}, "I could not read the rule"),
    ({"link": "ftp://files.example.org", "channel": None}, "must be a web address starting with http://"),
    ({"channel": None}, "Say where it happens"),
    ({"capacity": 0}, "The number of seats must be at least 1"),
    ({"title": "x" * 101}, "The title is too long"),
    ({"announce": "90d"}, "I could not read when to announce"),
    ({"days": "funday", "repeat": "weekly"}, "I could not read the days"),
]


async def test_bad_input_gets_a_short_private_reply_that_says_what_to_fix(
    discord: Emulator, agora: AgoraHarness, server: Server
) -> None:
    for options, expected in BAD_INPUT:
        chosen = {
            "title": "Workshop",
            "format": "workshop",
            "start": "2027-03-16 18:00",
            "duration": "1h",
            "channel": server.voice,
            **options,
        }
        refused = await server.host.slash("session create", **{k: v for k, v in chosen.items() if v is not None})
        assert refused.ephemeral and refused.modal is None, options
        assert expected in refused.content, (options, refused.content)
    assert await occurrences(agora.bot.db) == []


async def test_a_channel_agora_cannot_use_and_a_role_it_cannot_ping_are_refused(
    discord: Emulator, agora: AgoraHarness, server: Server
) -> None:
    hidden = await discord.create_channel(discord.guild, "backstage", type="voice")
    await discord.set_permissions(hidden, discord.guild.role("Agora"), deny=1 << 10)
    refused = await server.host.slash(
        "session create", title="Secret", format="other", start="2027-03-16 18:00", duration="1h", channel=hidden
    )
    assert refused.content.startswith(f"I cannot use <#{hidden.id}>: I am missing View Channel")
    quiet = await discord.create_role(discord.guild, "Quiet")
    refused = await server.host.slash(
        "session create",
        title="Loud",
        format="other",
        start="2027-03-16 18:00",
        duration="1h",
        channel=server.voice,
        role=quiet,
    )
    assert refused.content.startswith("I cannot ping Quiet")
    async with agora.bot.db.transaction() as session:
        await guild_settings.set_channel(session, discord.guild.id, ChannelPurpose.ANNOUNCEMENTS, None, now=NOW)
    refused = await server.host.slash(
        "session create", title="Nowhere", format="other", start="2027-03-16 18:00", duration="1h", channel=server.voice
    )
    assert refused.content.startswith("Choose the announcements channel first")
    member = await discord.member("mallory")
    refused = await member.slash(
        "session create", title="Mine", format="other", start="2027-03-16 18:00", duration="1h", channel=server.voice
    )
    assert refused.content == "Only hosts (members who can manage the server) can do this."


async def test_interested_on_a_native_event_counts_as_maybe_until_withdrawn(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    await weekly(server)
    await run_due(agora)
    first = (await occurrences(agora.bot.db))[0]
    await run_jobs(agora, clock, "sessions.announce", key=f"{first.id}:10080")
    (post,) = posts(server.announcements)
    event = events(discord)[0]
    alice, bob = await discord.member("alice"), await discord.member("bob")
    await alice.interested(event)
    await bob.click(post, f"agora:sessions:rsvp:{first.id}:going")
    await bob.interested(event)  # an answer given with the buttons wins
    await agora.idle()
    assert button(post, f"agora:sessions:rsvp:{first.id}:maybe") == "Maybe · 1"
    assert button(post, f"agora:sessions:rsvp:{first.id}:going") == "Going · 1"
    await alice.interested(event, interested=False)
    await bob.interested(event, interested=False)
    await agora.idle()
    assert button(post, f"agora:sessions:rsvp:{first.id}:maybe") == "Maybe · 0"
    assert button(post, f"agora:sessions:rsvp:{first.id}:going") == "Going · 1"
    await agora.stop()
    carol = await discord.member("carol")
    await carol.interested(event)  # while Agora is offline: read back from Discord when it starts
    await agora.start()
    await agora.idle()
    assert button(post, f"agora:sessions:rsvp:{first.id}:maybe") == "Maybe · 1"


async def test_native_events_stay_within_discords_cap_and_hosts_are_told_once(
    discord: Emulator, agora: AgoraHarness, server: Server, clock: Clock
) -> None:
    moderators = await discord.create_channel(discord.guild, "moderators")
    async with agora.bot.db.transaction() as session:
        await guild_settings.set_channel(session, discord.guild.id, ChannelPurpose.MODERATORS, moderators.id, now=NOW)
    for number in range(98):
        event = ScheduledEvent(
            id=discord.state.new_id(),
            guild_id=discord.guild.id,
            name=f"Other {number}",
            scheduled_start_time="2027-05-01T10:00:00+00:00",
            scheduled_end_time="2027-05-01T11:00:00+00:00",
            entity_type=3,
            creator_id=discord.bot.id,
            entity_metadata={"location": "elsewhere"},
        )
        discord.guild.scheduled_events[event.id] = event
        discord.core.gateway.dispatch("GUILD_SCHEDULED_EVENT_CREATE", payloads.scheduled_event(discord.state, event))
    await discord.sync()
    await weekly(server)
    await run_due(agora)
    assert len([e for e in discord.guild.scheduled_events.values() if e.status in (1, 2)]) == 100
    assert [m.content for m in moderators.messages] == [
        "⚠️ This server already has 100 upcoming Discord events, Discord's maximum: **Reading club** gets no new "
        "event until some end. Its announcements and reminders go on."
    ]
    await run_jobs(agora, clock, "sessions.events")
    assert len(moderators.messages) == 1
