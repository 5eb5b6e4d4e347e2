"""Test helpers for the knowledge base: a server whose host picked a knowledge channel, and reading search results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.emulator import Emulator, MemberDriver
from playground.emulator.seed import BOT_PERMISSIONS
from playground.emulator.state import Channel, Interaction, Message
from tests.conftest import AgoraHarness

MANAGE_GUILD = 1 << 5
MANAGE_CHANNELS = 1 << 4
DEFERRED = 5


@dataclass
class Community:
    host: MemberDriver
    channel: Channel
    moderators: Channel
    announcements: Channel


async def set_up(
    discord: Emulator, agora: AgoraHarness, *, kind: str = "forum", manage_channels: bool = True, flags: int = 0
) -> Community:
    """A host, a moderators' and an announcements channel, and a knowledge channel (a forum by default) picked with
    `/agora channel knowledge`; the bot may manage channels (to create the forum's tags) unless told otherwise."""
    guild = discord.guild
    if manage_channels:
        await discord.set_bot_permissions(guild, BOT_PERMISSIONS | MANAGE_CHANNELS)
    hosts = await discord.create_role(guild, "Hosts", permissions=MANAGE_GUILD)
    host = await discord.member("hana", roles=[hosts])
    channel = await discord.create_channel(guild, "knowledge", type=kind, flags=flags)
    moderators = await discord.create_channel(guild, "moderators")
    announcements = await discord.create_channel(guild, "announcements")
    for purpose, chosen in (("knowledge", channel), ("moderators", moderators), ("announcements", announcements)):
        reply = await host.slash("agora channel", purpose=purpose, channel=chosen)
        assert "✅" in reply.content, reply.content
    await agora.idle()
    return Community(host, channel, moderators, announcements)


async def answered(member: MemberDriver, reply: Interaction) -> Interaction:
    """The interaction once a deferred ("thinking…") answer has its real content."""
    if reply.response is not None and reply.response.type == DEFERRED:
        await member.emulator.wait_for(lambda: reply.followups, what=f"the answer to {reply.label}")
    return reply


async def slash(member: MemberDriver, command: str, /, **options: Any) -> Interaction:
    return await answered(member, await member.slash(command, **options))


async def share(
    member: MemberDriver,
    agora: AgoraHarness,
    title: str,
    content: str,
    *,
    link: str = "",
    tags: list[str] | None = None,
) -> Interaction:
    """/share, then the form: returns the submission once answered and Agora is idle."""
    opened = await member.slash("share")
    assert opened.modal is not None, opened.content
    values: dict[str, Any] = {"title": title, "content": content, "link": link}
    if tags is not None:
        values["tags"] = tags
    reply = await answered(member, await member.submit_modal(values, opened_by=opened))
    await agora.idle()
    return reply


def results(reply: Interaction) -> str:
    """The text of a search's results (the embed of its answer)."""
    message = reply.original or (reply.followups[0] if reply.followups else None)
    assert message is not None and message.embeds, f"no results in the answer to {reply.label}: {reply.content!r}"
    return str(message.embeds[0].get("description") or "")


def footer(reply: Interaction) -> str:
    message = reply.original
    assert message is not None and message.embeds
    return str((message.embeds[0].get("footer") or {}).get("text") or "")


def bot_posts(channel: Channel) -> list[Message]:
    return [message for message in channel.messages if message.embeds]
