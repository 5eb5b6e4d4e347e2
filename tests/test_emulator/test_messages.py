"""Messages, files, history, reactions, threads, DMs, roles and scheduled events through the real client."""

from __future__ import annotations

import datetime as dt

import discord as dpy
import pytest

from playground.emulator import permissions as perms
from playground.emulator.driver import Emulator
from playground.emulator.state import Channel

from .sample_bot import SampleBot


def text_channel(bot: SampleBot, channel: Channel) -> dpy.TextChannel:
    found = bot.get_channel(channel.id)
    assert isinstance(found, dpy.TextChannel)
    return found


async def test_file_upload_goes_multipart_and_is_readable(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    await alice.slash("upload")
    [message] = discord.guild.channel("general").messages
    [attachment] = message.attachments
    assert (attachment.filename, attachment.data, attachment.description) == ("hello.txt", b"hello file", "greeting")
    assert attachment.content_type == "text/plain"  # Discord's, from the name: discord.py sends octet-stream
    posted = [r for r in discord.requests if r.method == "POST" and r.route == "/channels/{channel_id}/messages"]
    assert posted[0].files == [("hello.txt", b"hello file")]
    fetched = await text_channel(bot, discord.guild.channel("general")).fetch_message(message.id)
    assert await fetched.attachments[0].read() == b"hello file"


async def test_send_edit_fetch_delete_and_history(discord: Emulator, bot: SampleBot) -> None:
    channel = text_channel(bot, discord.guild.channel("general"))
    sent = [await channel.send(f"m{i}", nonce=i) for i in range(5)]
    await sent[0].edit(content="m0 edited")
    assert (await channel.fetch_message(sent[0].id)).content == "m0 edited"
    newest = [m.content async for m in channel.history(limit=3)]
    assert newest == ["m4", "m3", "m2"]
    after = [m.content async for m in channel.history(after=sent[1], oldest_first=True)]
    assert after == ["m2", "m3", "m4"]
    before = [m.content async for m in channel.history(before=sent[2])]
    assert before == ["m1", "m0 edited"]
    around = [m.content async for m in channel.history(around=sent[2], limit=3)]
    assert sorted(around) == ["m1", "m2", "m3"]
    await sent[4].delete()
    await discord.settle()
    assert [m.content for m in discord.guild.channel("general").messages] == ["m0 edited", "m1", "m2", "m3"]
    assert [m.nonce for m in discord.guild.channel("general").messages] == ["0", "1", "2", "3"]
    kinds = [name for name, _ in discord.events if name.startswith("MESSAGE_")]
    assert kinds.count("MESSAGE_CREATE") == 5 and "MESSAGE_UPDATE" in kinds and "MESSAGE_DELETE" in kinds


async def test_enforced_nonce_returns_the_earlier_message_instead_of_a_duplicate(
    discord: Emulator, bot: SampleBot
) -> None:
    channel = text_channel(bot, discord.guild.channel("general"))
    first = await channel.send("results", nonce="poll1.results")
    again = await channel.send("results", nonce="poll1.results")  # discord.py sets enforce_nonce with a nonce
    other = await channel.send("other", nonce="poll2.results")
    assert again.id == first.id != other.id
    assert [m.content for m in discord.guild.channel("general").messages] == ["results", "other"]


async def test_reply_carries_message_reference(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    general = discord.guild.channel("general")
    question = await alice.say(general, "question?")
    await discord.wait_for(lambda: bot.messages)
    await bot.messages[0].reply("answer")
    reply = general.messages[-1]
    assert reply.type == 19 and reply.message_reference is not None
    assert reply.message_reference["message_id"] == str(question.id)


async def test_member_reactions_reach_on_raw_reaction_add(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    message = await alice.say(discord.guild.channel("general"), "react here")
    await alice.react(message, "🇦")
    await alice.react(message, "<:party:123456789012345678>")
    await discord.wait_for(lambda: len(bot.raw_reactions) == 2)
    first, second = bot.raw_reactions
    assert (first.user_id, str(first.emoji), first.member is not None) == (alice.id, "🇦", True)
    assert second.emoji.id == 123456789012345678 and second.emoji.name == "party"
    assert first.message_author_id == alice.id
    await alice.unreact(message, "🇦")
    await discord.wait_for(lambda: bot.removed_reactions)
    assert message.reactors("🇦") == []


async def test_bot_reaction_routes(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    message = await alice.say(discord.guild.channel("general"), "hello")
    await discord.wait_for(lambda: bot.messages)
    seen = bot.messages[0]
    await seen.add_reaction("👍")
    await alice.react(message, "👍")
    await seen.add_reaction("<:custom:42>")
    users = [
        u.id
        async for u in (await text_channel(bot, discord.guild.channel("general")).fetch_message(message.id))
        .reactions[0]
        .users()
    ]
    assert sorted(users) == sorted([discord.bot.id, alice.id])
    await seen.remove_reaction("👍", dpy.Object(alice.id))
    assert message.reactors("👍") == [discord.bot.id]
    await seen.remove_reaction("👍", bot.user)  # type: ignore[arg-type]
    assert message.reaction("👍") is None
    await seen.clear_reaction("<:custom:42>")
    await alice.react(message, "🎉")
    await seen.clear_reactions()
    assert message.reactions == []


async def test_twenty_distinct_reactions_at_most(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(30010)
    alice = await discord.member("alice")
    message = await alice.say(discord.guild.channel("general"), "so many")
    for number in range(20):
        await alice.react(message, f"<:e{number}:{number + 1}>")
    await discord.wait_for(lambda: bot.messages)
    with pytest.raises(dpy.HTTPException) as error:
        await bot.messages[0].add_reaction("🆕")
    assert error.value.code == 30010


async def test_threads_from_message_forum_and_bare(discord: Emulator, bot: SampleBot) -> None:
    forum = await discord.create_channel(discord.guild, "knowledge", type="forum", tags=["python", "sql"])
    alice = await discord.member("alice")
    await alice.slash("threads", forum=forum)
    await discord.settle()
    from_message, post, bare = (discord.guild.channel(n) for n in ("from-message", "post", "bare"))
    general = discord.guild.channel("general")
    assert from_message.id == general.messages[0].id and from_message.parent_id == general.id
    assert [m.content for m in from_message.messages] == ["inside"]
    assert post.parent_id == forum.id and post.applied_tags == [int(forum.tag("python")["id"])]
    assert [m.content for m in post.messages] == ["first"] and post.messages[0].id == post.id
    assert bare.type == 11 and bare.messages == []
    assert [name for name, _ in discord.events].count("THREAD_CREATE") == 3


async def test_dm_and_closed_dms(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(50007)
    alice = await discord.member("alice")
    bob = await discord.member("bob", dms_open=False)
    await alice.slash("dm", member=alice)
    assert [m.content for m in alice.dms] == ["psst"]
    refused = await alice.slash("dm", member=bob)
    assert refused.message is not None and refused.message.content == "closed 50007"
    assert bob.dms == []


async def test_role_refused_above_bot_or_without_manage_roles(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(50013)
    high = await discord.create_role(discord.guild, "Admin", position=50)
    low = await discord.create_role(discord.guild, "Member")
    alice, bob = await discord.member("alice"), await discord.member("bob")
    refused = await alice.slash("admin role give", member=bob, role=high)
    assert refused.message is not None and refused.message.content == "forbidden 50013"
    await discord.set_bot_permissions(discord.guild, perms.DEFAULT_EVERYONE)
    refused = await alice.slash("admin role give", member=bob, role=low)
    assert refused.message is not None and refused.message.content == "forbidden 50013"
    assert bob.roles == []
    assert "MANAGE_ROLES" in discord.rejections[-1].detail


async def test_scheduled_event_lifecycle(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    await alice.slash("event", name="Study group")
    [event] = discord.guild.scheduled_events.values()
    assert event.name == "Study group" and event.entity_metadata == {"location": "Online"}
    guild = bot.get_guild(discord.guild.id)
    assert guild is not None
    fetched = await guild.fetch_scheduled_event(event.id)
    await fetched.edit(
        name="Study group (moved)",
        start_time=dt.datetime.now(dt.UTC) + dt.timedelta(days=2),
        end_time=dt.datetime.now(dt.UTC) + dt.timedelta(days=2, hours=1),
    )
    assert event.name == "Study group (moved)"
    assert [e.name for e in await guild.fetch_scheduled_events()] == ["Study group (moved)"]
    await fetched.delete()
    assert discord.guild.scheduled_events == {}
    names = [n for n, _ in discord.events if n.startswith("GUILD_SCHEDULED_EVENT")]
    assert names == ["GUILD_SCHEDULED_EVENT_CREATE", "GUILD_SCHEDULED_EVENT_UPDATE", "GUILD_SCHEDULED_EVENT_DELETE"]


async def test_guild_reads(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    guild = bot.get_guild(discord.guild.id)
    assert guild is not None
    assert (await guild.fetch_member(alice.id)).name == "alice"
    assert {m.name async for m in guild.fetch_members(limit=None)} >= {"alice", "owner", discord.bot.username}
    assert "general" in {c.name for c in await guild.fetch_channels()}
    assert "@everyone" in {r.name for r in await guild.fetch_roles()}
    assert (await bot.fetch_channel(discord.guild.channel("general").id)).name == "general"  # type: ignore[union-attr]
    assert (await bot.fetch_user(alice.id)).name == "alice"


@pytest.mark.parametrize(
    ("deny", "action", "code"),
    [
        (perms.VIEW_CHANNEL, "send", 50001),
        (perms.SEND_MESSAGES, "send", 50013),
        (perms.ADD_REACTIONS, "react", 50013),
        (perms.CREATE_PUBLIC_THREADS, "thread", 50013),
        (perms.SEND_MESSAGES_IN_THREADS, "thread_send", 50013),
    ],
)
async def test_channel_permission_refusals(
    discord: Emulator, bot: SampleBot, deny: int, action: str, code: int
) -> None:
    discord.expect_rejections(code)
    general = discord.guild.channel("general")
    channel = text_channel(bot, general)
    message = await channel.send("before")
    thread = await message.create_thread(name="t") if action == "thread_send" else None
    await discord.set_permissions(general, discord.guild.everyone, deny=deny)
    with pytest.raises(dpy.Forbidden) as error:
        if action == "send":
            await channel.send("no")
        elif action == "react":
            await message.add_reaction("🇦")
        elif action == "thread":
            await message.create_thread(name="no")
        else:
            assert thread is not None
            await thread.send("no")
    assert error.value.code == code


async def test_administrator_bypasses_overwrites(discord: Emulator, bot: SampleBot) -> None:
    general = discord.guild.channel("general")
    await discord.set_permissions(general, discord.guild.everyone, deny=perms.SEND_MESSAGES)
    await discord.set_bot_permissions(discord.guild, perms.ADMINISTRATOR)
    await text_channel(bot, general).send("still here")
    assert general.messages[-1].content == "still here"


async def test_thread_edit_archives_and_tags(discord: Emulator, bot: SampleBot) -> None:
    forum = await discord.create_channel(discord.guild, "knowledge", type="forum", tags=["python", "sql"])
    channel = bot.get_channel(forum.id)
    assert isinstance(channel, dpy.ForumChannel)
    created = await channel.create_thread(name="post", content="body")
    await created.thread.edit(archived=True, applied_tags=[channel.available_tags[1]])
    thread = discord.guild.channel("post")
    assert thread.archived and thread.applied_tags == [int(forum.tag("sql")["id"])]
    await created.thread.send("revived")
    assert not thread.archived
