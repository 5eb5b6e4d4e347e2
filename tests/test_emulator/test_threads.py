"""Private threads and their members, deleting channels and threads, channel overwrites, and roles the bot creates
and deletes: through the real client where it can make the call, raw where it refuses to."""

from __future__ import annotations

import discord as dpy
import pytest

from playground.emulator import permissions as perms
from playground.emulator.driver import Emulator
from playground.emulator.interactions import modal_submit_data
from playground.emulator.seed import BOT_PERMISSIONS
from playground.emulator.state import Channel, Json

from .helpers import raw
from .sample_bot import SampleBot


def text_channel(bot: SampleBot, channel: Channel) -> dpy.TextChannel:
    found = bot.get_channel(channel.id)
    assert isinstance(found, dpy.TextChannel)
    return found


async def private_thread(bot: SampleBot, discord: Emulator, *, invitable: bool = False) -> dpy.Thread:
    general = text_channel(bot, discord.guild.channel("general"))
    return await general.create_thread(name="crew", type=dpy.ChannelType.private_thread, invitable=invitable)


def members_updates(discord: Emulator) -> list[Json]:
    return [data for name, data in discord.events if name == "THREAD_MEMBERS_UPDATE"]


async def test_a_private_thread_shows_to_its_members_and_moderators_only(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    thread = await private_thread(bot, discord)
    stored = discord.state.channels[thread.id]
    assert (stored.type, stored.invitable, stored.member_ids) == (12, False, [discord.bot.id])
    assert thread.invitable is False and thread.is_private()
    guild = discord.guild
    assert perms.channel_permissions(guild, alice.member, stored) == 0
    moderator = await discord.member("mod", permissions=perms.MANAGE_THREADS)
    assert perms.channel_permissions(guild, moderator.member, stored) & perms.VIEW_CHANNEL
    await thread.add_user(dpy.Object(alice.id))
    await discord.sync()
    assert stored.member_ids == [discord.bot.id, alice.id]
    assert perms.channel_permissions(guild, alice.member, stored) & perms.SEND_MESSAGES_IN_THREADS


async def test_adding_and_removing_members_sends_thread_members_updates(discord: Emulator, bot: SampleBot) -> None:
    alice = await discord.member("alice")
    thread = await private_thread(bot, discord)
    await thread.add_user(dpy.Object(alice.id))
    await thread.add_user(dpy.Object(alice.id))  # twice: 204 both times, one event
    await discord.sync()
    [added] = members_updates(discord)
    assert added["member_count"] == 2
    [entry] = added["added_members"]
    assert entry["user_id"] == str(alice.id) and entry["member"]["user"]["id"] == str(alice.id)
    cached = thread.guild.get_thread(thread.id)
    assert cached is not None and [member.id for member in cached.members] == [alice.id]  # the client's cache
    fetched = await thread.fetch_members()
    assert sorted(member.id for member in fetched) == sorted([discord.bot.id, alice.id])
    await thread.remove_user(dpy.Object(alice.id))
    await discord.sync()
    assert members_updates(discord)[-1]["removed_member_ids"] == [str(alice.id)]
    assert cached.members == [] and discord.state.channels[thread.id].member_ids == [discord.bot.id]


async def test_an_archived_thread_takes_no_members(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(50083)
    alice = await discord.member("alice")
    thread = await private_thread(bot, discord)
    await thread.edit(archived=True)
    with pytest.raises(dpy.HTTPException) as refused:
        await thread.add_user(dpy.Object(alice.id))
    assert (refused.value.status, refused.value.code) == (400, 50083)
    archived = discord.state.channels[thread.id]
    assert archived.archive_timestamp is not None and alice.id not in archived.member_ids


async def test_a_private_thread_that_is_not_invitable_needs_manage_threads(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(50013)
    alice = await discord.member("alice")
    thread = await private_thread(bot, discord)
    await discord.set_bot_permissions(discord.guild, BOT_PERMISSIONS & ~perms.MANAGE_THREADS)
    with pytest.raises(dpy.Forbidden):
        await thread.add_user(dpy.Object(alice.id))
    invitable = await private_thread(bot, discord, invitable=True)
    await invitable.add_user(dpy.Object(alice.id))
    assert alice.id in discord.state.channels[invitable.id].member_ids


async def test_thread_member_routes_refuse_a_channel_that_is_no_thread(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(50024)
    alice = await discord.member("alice")
    general = discord.guild.channel("general")
    status, body = await raw(discord, "PUT", f"/channels/{general.id}/thread-members/{alice.id}")
    assert (status, body["code"]) == (400, 50024)


async def test_deleting_a_thread_and_a_channel_with_its_threads(discord: Emulator, bot: SampleBot) -> None:
    thread = await private_thread(bot, discord)
    await thread.delete()
    await discord.sync()
    assert thread.id not in discord.state.channels
    [deleted] = [data for name, data in discord.events if name == "THREAD_DELETE"]
    assert deleted == {
        "id": str(thread.id),
        "guild_id": str(discord.guild.id),
        "parent_id": str(thread.parent_id),
        "type": 12,
    }
    await discord.set_bot_permissions(discord.guild, BOT_PERMISSIONS | perms.MANAGE_CHANNELS)
    guild = bot.get_guild(discord.guild.id)
    assert guild is not None
    room = await guild.create_text_channel("room")
    inner = await room.create_thread(name="inner", type=dpy.ChannelType.public_thread)
    await room.delete()
    await discord.sync()
    assert room.id not in discord.state.channels and inner.id not in discord.state.channels
    assert guild.get_channel(room.id) is None


async def test_a_private_channel_with_overwrites_and_their_changes(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(50013)
    alice = await discord.member("alice")
    bob = await discord.member("bob")
    guild = bot.get_guild(discord.guild.id)
    assert guild is not None
    with pytest.raises(dpy.Forbidden):  # no MANAGE_CHANNELS yet
        await guild.create_text_channel("nope")
    await discord.set_bot_permissions(discord.guild, BOT_PERMISSIONS | perms.MANAGE_CHANNELS)
    hidden = dpy.PermissionOverwrite(view_channel=False)
    seen = dpy.PermissionOverwrite(view_channel=True, send_messages=True)
    member_alice = await guild.fetch_member(alice.id)
    overwrites: dict[dpy.Role | dpy.Member | dpy.Object, dpy.PermissionOverwrite] = {
        guild.default_role: hidden,
        guild.me: seen,
        member_alice: seen,
    }
    room = await guild.create_text_channel("room", overwrites=overwrites)
    stored = discord.state.channels[room.id]
    assert perms.channel_permissions(discord.guild, alice.member, stored) & perms.SEND_MESSAGES
    assert perms.channel_permissions(discord.guild, bob.member, stored) == 0
    member_bob = await guild.fetch_member(bob.id)
    await room.set_permissions(member_bob, overwrite=seen)
    assert perms.channel_permissions(discord.guild, bob.member, stored) & perms.VIEW_CHANNEL
    await room.set_permissions(member_bob, overwrite=None)
    assert perms.channel_permissions(discord.guild, bob.member, stored) == 0
    with pytest.raises(dpy.Forbidden):  # an overwrite may not grant what the bot lacks (here: ADMINISTRATOR)
        await room.set_permissions(member_bob, overwrite=dpy.PermissionOverwrite(administrator=True))
    kept: dict[dpy.Role | dpy.Member | dpy.Object, dpy.PermissionOverwrite] = {
        guild.default_role: hidden,
        guild.me: seen,
    }
    await room.edit(overwrites=kept)
    assert [o.id for o in stored.overwrites] == [discord.guild.id, discord.bot.id]


async def test_roles_the_bot_creates_and_deletes(discord: Emulator, bot: SampleBot) -> None:
    discord.expect_rejections(50013)
    alice = await discord.member("alice")
    guild = bot.get_guild(discord.guild.id)
    assert guild is not None
    role = await guild.create_role(name="Crew", mentionable=False)
    await discord.sync()
    assert discord.guild.roles[role.id].position == 1 and guild.get_role(role.id) is not None
    member = await guild.fetch_member(alice.id)
    await member.add_roles(role)
    await role.delete()
    await discord.sync()
    assert role.id not in discord.guild.roles and role.id not in alice.member.role_ids
    assert guild.get_role(role.id) is None
    with pytest.raises(dpy.Forbidden):  # a permission the bot does not have
        await guild.create_role(name="Admins", permissions=dpy.Permissions(administrator=True))
    high = await discord.create_role(discord.guild, "High", position=50)
    status, _ = await raw(discord, "DELETE", f"/guilds/{discord.guild.id}/roles/{high.id}")
    assert status == 403 and high.id in discord.guild.roles


def test_a_form_field_left_alone_submits_its_pre_filled_value() -> None:
    modal = {
        "custom_id": "form",
        "title": "Form",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "name", "label": "Name", "value": "Data Club"}]},
            {"type": 1, "components": [{"type": 4, "custom_id": "goals", "label": "Goals"}]},
        ],
    }
    data = modal_submit_data(modal, {"goals": "Ship"})
    values = [row["components"][0]["value"] for row in data["components"]]
    assert values == ["Data Club", "Ship"]
