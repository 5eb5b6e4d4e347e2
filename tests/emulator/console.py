"""A line-based console for the sandbox: act as members and read channels, to try a bot without Discord.

alice /agora show                      run a slash command as alice (options as name=value; #channel, @role)
alice click 123456 Accept              click a button on message 123456 (label or custom_id)
alice select 123456 value1 value2      pick values in the message's first select menu
alice modal field=value …              submit the modal last opened to alice
alice react 123456 🇦                  react (unreact to remove)
read general                           the channel's last messages, with ids, embeds and buttons
members                                who is in the guild
"""

from __future__ import annotations

import asyncio
import shlex
import sys
from typing import Any

from .driver import Emulator
from .interactions import DriverError
from .state import Channel, Interaction, Message, walk_components


def describe_message(message: Message) -> str:
    lines = [f"[{message.id}] {message.content}".rstrip()]
    for embed in message.embeds:
        lines += [
            f"  ┃ {embed.get('title', '')}",
            *(f"  ┃ {line}" for line in str(embed.get("description", "")).splitlines()),
        ]
        lines += [f"  ┃ {field['name']}: {field['value']}" for field in embed.get("fields", [])]
    buttons = [c.get("label") or c.get("custom_id") for c in walk_components(message.components) if c.get("type") == 2]
    if buttons:
        lines.append("  buttons: " + " | ".join(str(b) for b in buttons))
    if message.reactions:
        lines.append("  reactions: " + " ".join(f"{r.emoji} {len(r.user_ids)}" for r in message.reactions))
    return "\n".join(lines)


def describe_answer(answer: Interaction) -> str:
    if answer.modal is not None:
        fields = [c.get("custom_id") for c in walk_components(list(answer.modal.get("components", [])))]
        return f"(modal {answer.modal.get('title')!r} opened; fields: {', '.join(str(f) for f in fields if f)})"
    privacy = "only you see: " if answer.ephemeral else ""
    return f"{privacy}{answer.content or '(answered without text)'}"


class Console:
    def __init__(self, discord: Emulator) -> None:
        self.discord = discord

    def channel(self, name: str) -> Channel:
        return self.discord.guild.channel(name.lstrip("#"))

    def message(self, message_id: str) -> Message:
        found = self.discord.state.messages.get(int(message_id))
        if found is None:
            raise DriverError(f"no message {message_id}")
        return found

    def value(self, text: str) -> Any:
        if text.startswith("#"):
            return self.channel(text)
        if text.startswith("@"):
            return self.discord.guild.role(text[1:])
        return text

    async def run(self, line: str) -> str:
        words = shlex.split(line)
        if not words:
            return ""
        if words[0] == "read":
            return "\n".join(describe_message(m) for m in self.channel(words[1]).messages[-10:]) or "(empty)"
        if words[0] == "members":
            return ", ".join(m.user.username for m in self.discord.guild.members.values())
        if words[0] == "help":
            return __doc__ or ""
        member = self.discord.driver(words[0])
        action, rest = words[1], words[2:]
        if action.startswith("/"):
            path = [action[1:], *(word for word in rest if "=" not in word)]
            options = dict(word.split("=", 1) for word in rest if "=" in word)
            answer = await member.slash(" ".join(path), **{k: self.value(v) for k, v in options.items()})
            return describe_answer(answer)
        if action == "click":
            return describe_answer(await member.click(self.message(rest[0]), " ".join(rest[1:])))
        if action == "select":
            return describe_answer(await member.select(self.message(rest[0]), rest[1:]))
        if action == "modal":
            return describe_answer(await member.submit_modal(dict(word.split("=", 1) for word in rest)))
        if action in ("react", "unreact"):
            await getattr(member, action)(self.message(rest[0]), rest[1])
            return "ok"
        raise DriverError(f"unknown action {action!r}; type help")

    async def loop(self) -> None:
        reader = asyncio.StreamReader()
        await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode():
            try:
                print(await self.run(line.strip()), flush=True)
            except (DriverError, AssertionError, KeyError, IndexError, ValueError) as error:
                print(f"! {error}", flush=True)
