"""Voice and stage channels, voice states, scheduled events (permissions, the 100 cap, transitions, interest) and the
global rate limit, each checked through the unmodified discord.py client."""

from __future__ import annotations

import asyncio
import datetime as dt

import discord as dpy
import pytest

from playground.emulator import permissions as perms
from playground.emulator.driver import Emulator
from playground.emulator.interactions import DriverError
from playground.emulator.runner import RunBot

from .helpers import raw
from .sample_bot import SampleBot

START = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(microsecond=0)


def event_body(**extra: object) -> dict[str, object]:
    return {
        "name": "Reading club",
        "privacy_level": 2,
        "scheduled_start_time": START.isoformat(),
        "scheduled_end_time": (START + dt.timedelta(hours=1)).isoformat(),
        "entity_type": 3,
        "entity_metadata": {"location": "https://meet.example.org/club"},
        **extra,
    }


async def test_voice_and_stage_channels_reach_discord_py_as_such(discord: Emulator, bot: SampleBot) -> None:
    voice = await discord.create_channel(discord.guild, "lounge", type="voice")
    stage = await discord.create_channel(discord.guild, "stage", type="stage")
    assert isinstance(bot.get_channel(voice.id), dpy.VoiceChannel)
    assert isinstance(bot.get_channel(stage.id), dpy.StageChannel)


async def test_joining_moving_and_leaving_voice_dispatch_voice_state_updates(discord: Emulator, bot: SampleBot) -> None:
    seen: list[tuple[int | None, int | None]] = []

    async def record(member: dpy.Member, before: dpy.VoiceState, after: dpy.VoiceState) -> None:
        seen.append((before.channel.id if before.channel else None, after.channel.id if after.channel else None))

    bot.add_listener(record, "on_voice_state_update")
    one = await discord.create_channel(discord.guild, "one", type="voice")
    two = await discord.create_channel(discord.guild, "two", type="voice")
    alice = await discord.member("alice")
    await alice.join_voice(one)
    await alice.move_voice(two)
    await alice.leave_voice()
    assert seen == [(None, one.id), (one.id, two.id), (two.id, None)]
    await alice.leave_voice()  # not connected: nothing is sent
    assert len(seen) == 3


async def test_a_reconnecting_bot_learns_who_is_in_voice_from_guild_create(discord: Emulator, run_bot: RunBot) -> None:
    lounge = await discord.create_channel(discord.guild, "lounge", type="voice")
    alice = await discord.member("alice")
    await alice.join_voice(lounge)
    runner = await run_bot(SampleBot)
    assert runner.client is not None
    guild = runner.client.get_guild(discord.guild.id)
    assert guild is not None
    channel = guild.get_channel(lounge.id)
    assert isinstance(channel, dpy.VoiceChannel)
    assert [member.id for member in channel.members] == [alice.id]


async def test_a_member_who_cannot_connect_cannot_join(discord: Emulator, bot: SampleBot) -> None:
    private = await discord.create_channel(discord.guild, "private", type="voice")
    await discord.set_permissions(private, discord.guild.everyone, deny=perms.CONNECT)
    alice = await discord.member("alice")
    with pytest.raises(DriverError, match="cannot join"):
        await alice.join_voice(private)


async def test_interest_in_an_event_is_dispatched_and_listed(discord: Emulator, bot: SampleBot) -> None:
    added: list[int] = []
    removed: list[int] = []

    async def on_add(event: dpy.ScheduledEvent, user: dpy.User) -> None:
        added.append(user.id)

    async def on_remove(event: dpy.ScheduledEvent, user: dpy.User) -> None:
        removed.append(user.id)

    bot.add_listener(on_add, "on_scheduled_event_user_add")
    bot.add_listener(on_remove, "on_scheduled_event_user_remove")
    status, created = await raw(discord, "POST", f"/guilds/{discord.guild.id}/scheduled-events", event_body())
    assert status == 200
    await discord.sync()
    event = discord.guild.scheduled_events[int(created["id"])]
    alice, bob = await discord.member("alice"), await discord.member("bob")
    await alice.interested(event)
    await bob.interested(event)
    await alice.interested(event, interested=False)
    assert (added, removed) == ([alice.id, bob.id], [alice.id])
    fetched = bot.get_guild(discord.guild.id).get_scheduled_event(event.id)  # type: ignore[union-attr]
    assert fetched is not None
    users = [user.id async for user in fetched.users()]
    assert users == [bob.id]
    status, counts = await raw(discord, "GET", f"/guilds/{discord.guild.id}/scheduled-events/{event.id}/users/counts")
    assert counts["guild_scheduled_event_count"] == 1


async def test_a_guild_holds_at_most_100_uncompleted_events(discord: Emulator, bot: SampleBot) -> None:
    path = f"/guilds/{discord.guild.id}/scheduled-events"
    for _ in range(100):
        status, _ = await raw(discord, "POST", path, event_body())
        assert status == 200
    discord.expect_rejections(30038)
    status, refused = await raw(discord, "POST", path, event_body())
    assert (status, refused["code"]) == (400, 30038)
    first = next(iter(discord.guild.scheduled_events.values()))
    status, _ = await raw(discord, "PATCH", f"{path}/{first.id}", {"status": 4})  # cancelled: no longer counted
    assert status == 200
    status, _ = await raw(discord, "POST", path, event_body())
    assert status == 200


async def test_status_moves_only_as_documented(discord: Emulator, bot: SampleBot) -> None:
    voice = await discord.create_channel(discord.guild, "lounge", type="voice")
    path = f"/guilds/{discord.guild.id}/scheduled-events"
    body = event_body(entity_type=2, channel_id=str(voice.id), entity_metadata=None)
    _, created = await raw(discord, "POST", path, body)
    discord.expect_rejections(180000)
    assert (await raw(discord, "PATCH", f"{path}/{created['id']}", {"status": 3}))[0] == 400  # not started
    assert (await raw(discord, "PATCH", f"{path}/{created['id']}", {"status": 2}))[0] == 200
    assert (await raw(discord, "PATCH", f"{path}/{created['id']}", {"status": 3}))[0] == 200
    assert (await raw(discord, "PATCH", f"{path}/{created['id']}", {"name": "late"}))[0] == 400  # finished


async def test_stage_events_need_channel_management(discord: Emulator, bot: SampleBot) -> None:
    stage = await discord.create_channel(discord.guild, "stage", type="stage")
    body = event_body(entity_type=1, channel_id=str(stage.id), entity_metadata=None)
    discord.expect_rejections(50013)
    status, _ = await raw(discord, "POST", f"/guilds/{discord.guild.id}/scheduled-events", body)
    assert status == 403
    await discord.set_permissions(
        stage,
        discord.guild.role("Agora"),
        allow=perms.MANAGE_CHANNELS | perms.MUTE_MEMBERS | perms.MOVE_MEMBERS,
    )
    status, _ = await raw(discord, "POST", f"/guilds/{discord.guild.id}/scheduled-events", body)
    assert status == 200


async def test_external_events_start_and_end_on_their_own(discord: Emulator, bot: SampleBot) -> None:
    _, created = await raw(discord, "POST", f"/guilds/{discord.guild.id}/scheduled-events", event_body())
    event = discord.guild.scheduled_events[int(created["id"])]
    await discord.advance_events(discord.guild, START)
    assert event.status == 2
    await discord.advance_events(discord.guild, START + dt.timedelta(hours=1))
    assert event.status == 3
    assert bot.get_guild(discord.guild.id).get_scheduled_event(event.id).status is dpy.EventStatus.completed  # type: ignore[union-attr]


async def test_the_global_rate_limit_answers_429_global_and_discord_py_waits(discord: Emulator, bot: SampleBot) -> None:
    discord.limits.global_rate = 5
    channel = bot.get_channel(discord.guild.channel("general").id)
    assert isinstance(channel, dpy.TextChannel)
    await asyncio.gather(*(channel.send(f"burst {n}") for n in range(8)))
    assert len(discord.guild.channel("general").messages) == 8
    assert discord.limits.limited, "some requests were over 5 per second"
    statuses = [request.status for request in discord.requests if request.route == "/channels/{channel_id}/messages"]
    assert statuses.count(200) == 8 and 429 in statuses


async def test_interaction_answers_are_not_bound_to_the_global_limit(discord: Emulator, bot: SampleBot) -> None:
    discord.limits.global_rate = 1
    alice = await discord.member("alice")
    answers = [await alice.slash("echo", text=f"n{n}") for n in range(3)]
    assert [answer.content for answer in answers] == ["n0", "n1", "n2"]
    assert discord.limits.limited == []
