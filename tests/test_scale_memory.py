"""Members are not cached: only those in a voice channel stay in memory; the others are read when needed."""

from __future__ import annotations

from bot.members import load_members
from playground.emulator import Emulator
from tests.conftest import AgoraHarness


async def test_members_are_read_when_needed_and_not_kept(discord: Emulator, agora: AgoraHarness) -> None:
    alice = await discord.member("alice")
    guild = agora.bot.get_guild(discord.guild.id)
    assert guild is not None
    assert guild.get_member(alice.id) is None  # her join was handled, she was not kept
    assert alice.id in {member.id for member in await load_members(guild)}
    assert guild.get_member(alice.id) is None  # the whole list was read, and not kept either
    assert guild.me is not None  # the bot itself stays known

    lounge = await discord.create_channel(discord.guild, "lounge", type="voice")
    await alice.join_voice(lounge)
    assert guild.get_member(alice.id) is not None  # in voice: kept, sessions count who is there
    await alice.leave_voice()
    assert guild.get_member(alice.id) is None
