"""Forums and threads as members use them (posts, edits, deletions, tags, thread changes), forum tags and flags the bot
edits, and pins — through the real client."""

from __future__ import annotations

import discord as dpy
import pytest

from playground.emulator import permissions as perms
from playground.emulator.driver import Emulator
from playground.emulator.seed import BOT_PERMISSIONS

from .sample_bot import SampleBot

REQUIRE_TAG = 1 << 4


def forum_of(bot: SampleBot, forum_id: int) -> dpy.ForumChannel:
    found = bot.get_channel(forum_id)
    assert isinstance(found, dpy.ForumChannel)
    return found


async def test_a_members_forum_post_comes_as_a_thread_then_its_first_message(discord: Emulator, bot: SampleBot) -> None:
    forum = await discord.create_channel(discord.guild, "help", type="forum", tags=["python"])
    alice = await discord.member("alice")
    thread = await alice.post(forum, "Venv?", "How do I make one?", tags=["python"])
    names = [name for name, _ in discord.events]
    assert names[-2:] == ["THREAD_CREATE", "MESSAGE_CREATE"]
    await discord.wait_for(lambda: bot.messages)
    (message,) = bot.messages
    assert isinstance(message.channel, dpy.Thread) and message.channel.parent_id == forum.id
    assert message.id == thread.id and message.content == "How do I make one?"
    assert message.channel.owner_id == alice.id
    assert [tag.name for tag in message.channel.applied_tags] == ["python"]


async def test_members_edit_and_delete_their_messages(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    general = discord.guild.channel("general")
    message = await alice.say(general, "first")
    await alice.edit(message, "second")
    updated = discord.events[-1]
    assert updated[0] == "MESSAGE_UPDATE" and updated[1]["content"] == "second" and updated[1]["edited_timestamp"]
    await alice.delete(message)
    assert discord.events[-1] == (
        "MESSAGE_DELETE",
        {"id": str(message.id), "channel_id": str(general.id), "guild_id": str(discord.guild.id)},
    )
    assert general.messages == []


async def test_threads_change_and_go(discord: Emulator, bot: SampleBot) -> None:
    forum = await discord.create_channel(discord.guild, "help", type="forum", tags=["python", "solved"])
    alice = await discord.member("alice")
    thread = await alice.post(forum, "Venv?", "How?")
    await discord.update_thread(thread, name="Venv!", tags=["solved"])
    cached = bot.get_channel(thread.id)
    assert isinstance(cached, dpy.Thread) and cached.name == "Venv!"
    assert [tag.name for tag in cached.applied_tags] == ["solved"]
    await discord.delete_thread(thread)
    assert discord.events[-1][0] == "THREAD_DELETE" and bot.get_channel(thread.id) is None
    assert thread.id not in discord.state.channels


async def test_forum_tags_need_manage_channels_and_a_forum_may_require_them(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(50013, 40067)
    forum = await discord.create_channel(discord.guild, "help", type="forum", flags=REQUIRE_TAG)
    with pytest.raises(dpy.Forbidden):
        await forum_of(bot, forum.id).create_tag(name="python")
    await discord.set_bot_permissions(discord.guild, BOT_PERMISSIONS | perms.MANAGE_CHANNELS)
    tag = await forum_of(bot, forum.id).create_tag(name="python")
    assert tag.id == int(forum.tag("python")["id"])
    with pytest.raises(dpy.HTTPException) as refused:
        await forum_of(bot, forum.id).create_thread(name="Untagged", content="text")
    assert refused.value.code == 40067
    made = await forum_of(bot, forum.id).create_thread(name="Tagged", content="text", applied_tags=[tag])
    assert made.thread.applied_tags == [tag]
    alice = await discord.member("alice")
    with pytest.raises(Exception, match="tag is required"):
        await alice.post(forum, "Untagged", "text")


async def test_pins_need_manage_messages(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(50013)
    general = discord.guild.channel("general")
    channel = bot.get_channel(general.id)
    assert isinstance(channel, dpy.TextChannel)
    message = await channel.send("pin me")
    await message.pin()
    assert general.messages[-1].pinned and discord.events[-2][0] == "CHANNEL_PINS_UPDATE"
    await message.unpin()
    assert not general.messages[-1].pinned
    await discord.set_bot_permissions(discord.guild, perms.DEFAULT_EVERYONE)
    with pytest.raises(dpy.Forbidden):
        await message.pin()
