"""The sandbox's console: act as members and see what they would see, to try a bot without Discord.

Messages get short handles (m1, m2…); in a message, buttons are b1, b2… and select menus s1, s2…; a form's fields
are numbered 1, 2…. Each command prints its answer, then whatever else changed since the last command (new or
edited messages anywhere, DMs and replies only one member sees included); an empty line prints only those changes.

  alice /agora show                     run a slash command as alice: subcommands as words, options as
  hana /poll create question="Lunch?" options="Pizza; Salad" channel=#general
                                        name=value (#channel, @member or @role, true/false, a file's path)
  alice click m3 b1                     click a button: its handle, label or custom_id
  alice select m4 python data           pick values (or option labels) in the message's first select menu
  alice select m4 s2 yes                … or in the select menu s2
  alice submit 1="cooking" zone=UTC     fill and send the form last opened to alice: fields by number, id or label
                                        (a select field takes comma-separated values)
  alice react m3 🇦                      react with an emoji (unicode, or <:name:id>); unreact to take it back
  alice say #general hello everyone     post a message (alice say dm … writes to the bot in DM)
  read general                          the channel's last 10 messages (read general 25: more; read @alice: her DMs)
  show m3                               one message, with its full id
  join dave fr                          a new member arrives (locale optional: fr, en-US…); leave dave
                                        (then join dave: the same person comes back)
  members, channels                     who is here (locale, roles), which channels exist
  help                                  this text
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from . import interactions as build
from .driver import Emulator
from .interactions import DriverError
from .members import MemberDriver
from .render import LOADING, SELECTS, STRING_SELECT, Renderer, controls, form_fields
from .state import Channel, Interaction, Json, Message

THINKING_TIMEOUT = 15.0  # how long a command waits for a "thinking…" answer to be filled
WATCH_PERIOD = 0.5  # how often the interactive console looks for changes between commands
READ_DEFAULT = 10
ACTIONS = ("click", "select", "submit", "modal", "react", "unreact", "say")


class Console:
    """Runs console lines against an emulator; `run` returns the text to print (tests call it directly)."""

    def __init__(self, discord: Emulator) -> None:
        self.discord = discord
        self.render = Renderer(discord.state, self.handle)
        self._handles: dict[int, int] = {}  # message id → n of "mn"
        self._by_handle: dict[int, int] = {}
        self._seen: dict[int, tuple[Any, ...]] = {}  # message id → _fingerprint when last shown
        self._busy = asyncio.Lock()

    # ---- handles ------------------------------------------------------------------------------------------
    def handle(self, message: Message) -> str:
        number = self._handles.get(message.id)
        if number is None:
            number = len(self._handles) + 1
            self._handles[message.id] = number
            self._by_handle[number] = message.id
        return f"m{number}"

    def message(self, reference: str) -> Message:
        """A message by handle (m3), or by its full id."""
        text = reference.removeprefix("m")
        if not text.isdigit():
            raise DriverError(f"{reference!r} is not a message handle (like m3)")
        message_id = self._by_handle.get(int(text), int(text))
        found = self.discord.state.messages.get(message_id)
        if found is None:
            raise DriverError(f"no message {reference} (deleted, or never shown: try read)")
        return found

    def channel(self, name: str) -> Channel:
        return self.discord.guild.channel(name.lstrip("#"))

    # ---- what changed ------------------------------------------------------------------------------------------
    def shown(self, lines: list[str], *messages: Message) -> list[str]:
        """Mark messages as seen in their current state (so `changes` skips them) and pass `lines` through."""
        for message in messages:
            self._seen[message.id] = _fingerprint(message)
        return lines

    def changes(self) -> list[str]:
        """Messages created or changed since they were last shown, oldest first, and deletions."""
        lines: list[str] = []
        messages = self.discord.state.messages
        for message in sorted(messages.values(), key=lambda m: m.id):
            before, now = self._seen.get(message.id), _fingerprint(message)
            if before is None:
                lines += self.shown(self.render.message(message, note="new"), message)
            elif before[0] != now[0]:
                lines += self.shown(self.render.message(message, note="changed"), message)
            elif before != now:  # only its reactions: one line, not the whole message again
                where = self.render.where(message)
                lines += self.shown(
                    [f"{self.handle(message)} · {where} · reactions: {self.render.reactions(message)}"], message
                )
        for message_id in [m for m in self._seen if m not in messages]:
            del self._seen[message_id]
            if message_id in self._handles:
                lines.append(f"m{self._handles[message_id]} was deleted")
        return lines

    # ---- running lines -----------------------------------------------------------------------------------------
    async def run(self, line: str) -> str:
        """One console line: its answer, then what else changed (a mistake is answered with "! why")."""
        async with self._busy:
            try:
                lines = await self._command(shlex.split(line))
            except (DriverError, AssertionError, ValueError, OSError) as error:
                lines = [f"! {error}"]
            except KeyError as error:
                lines = [f"! {error.args[0] if error.args else error}"]
            except IndexError:
                lines = ["! something is missing in that line; type help"]
            return "\n".join([*lines, *self.changes()])

    async def _command(self, words: list[str]) -> list[str]:
        if not words:
            return []
        command, rest = words[0], words[1:]
        simple: dict[str, Callable[[list[str]], Awaitable[list[str]]]] = {
            "help": self._help,
            "read": self._read,
            "show": self._show,
            "members": self._members,
            "channels": self._channels,
            "join": self._join,
            "leave": self._leave,
        }
        if command in simple:
            return await simple[command](rest)
        if not rest:
            raise DriverError(f"unknown command {command!r}; type help")
        member = self.discord.driver(command)
        action, arguments = rest[0], rest[1:]
        if action.startswith("/"):
            return await self._slash(member, [action[1:], *arguments])
        if action not in ACTIONS:
            raise DriverError(f"unknown action {action!r}; type help")
        act: Callable[[MemberDriver, list[str]], Awaitable[list[str]]] = getattr(
            self, f"_{'submit' if action == 'modal' else action}"
        )
        return await act(member, arguments)

    # ---- reading -----------------------------------------------------------------------------------------------
    async def _help(self, _: list[str]) -> list[str]:
        return (__doc__ or "").splitlines()

    async def _read(self, words: list[str]) -> list[str]:
        if not words:
            raise DriverError("read what? e.g. read general, read @alice")
        count = int(words[1]) if len(words) > 1 else READ_DEFAULT
        if words[0].startswith("@"):
            member = self.discord.driver(words[0][1:])
            channel = self.discord.state.dm_with(member.id)
            messages = [] if channel is None else channel.messages
        else:
            messages = self.channel(words[0]).messages
        lines: list[str] = []
        for message in messages[-count:]:
            lines += self.shown(self.render.message(message), message)
        return lines or ["(no messages)"]

    async def _show(self, words: list[str]) -> list[str]:
        message = self.message(words[0])
        return self.shown([*self.render.message(message), f"  (id {message.id})"], message)

    async def _members(self, _: list[str]) -> list[str]:
        guild = self.discord.guild
        lines = []
        for member in guild.members.values():
            if member.user.bot:
                continue
            roles = [guild.roles[r].name for r in member.role_ids if r in guild.roles]
            details = [member.user.locale, *(["DMs closed"] if not member.user.dms_open else []), *roles]
            lines.append(f"{member.user.username} ({', '.join(details)})")
        return lines

    async def _channels(self, _: list[str]) -> list[str]:
        lines = []
        for channel in self.discord.guild.channels.values():
            details = [channel.topic or ""]
            if channel.available_tags:
                details.append("forum: " + ", ".join(t["name"] for t in channel.available_tags))
            lines.append(f"#{channel.name}" + "".join(f" — {d}" for d in details if d))
        return lines

    async def _join(self, words: list[str]) -> list[str]:
        """A newcomer; someone who left comes back as the same user (their answers and history are theirs)."""
        name, guild = words[0], self.discord.guild
        if any(m.user.username == name for m in guild.members.values()):
            raise DriverError(f"{name} is already a member")
        returning = next((u for u in self.discord.state.users.values() if u.username == name), None)
        if returning is None:
            await self.discord.member(name, locale=words[1] if len(words) > 1 else "en-US")
            return [f"{name} joined {guild.name}"]
        await self.discord.rejoin(guild, returning)
        return [f"{name} joined {guild.name} again"]

    async def _leave(self, words: list[str]) -> list[str]:
        member = self.discord.driver(words[0])
        await self.discord.leave(self.discord.guild, member)
        return [f"{member.name} left {self.discord.guild.name}"]

    # ---- acting ------------------------------------------------------------------------------------------------
    async def _slash(self, member: MemberDriver, words: list[str]) -> list[str]:
        path = " ".join(word for word in words if "=" not in word)
        texts = dict(word.split("=", 1) for word in words if "=" in word)
        types = self._option_types(path)
        options = {name: self._option(types.get(name, build.STRING), text) for name, text in texts.items()}
        return await self._answered(member, await member.slash(path, **options))

    def _option_types(self, path: str) -> dict[str, int]:
        """Option name → type for /`path`, from the command the bot synced."""
        guild = self.discord.guild
        found = build.find_command(self.discord.state, guild.id, path)
        schema = list(found.body.get("options") or [])
        for word in path.split()[1:]:
            sub: Json = next((o for o in schema if o.get("name") == word), {})
            schema = list(sub.get("options") or [])
        return {str(o["name"]): int(o["type"]) for o in schema}

    def _option(self, kind: int, text: str) -> Any:
        guild = self.discord.guild
        if kind == build.USER:
            return guild.member(text.lstrip("@"))
        if kind == build.ROLE:
            return guild.role(text.lstrip("@"))
        if kind == build.MENTIONABLE:
            name = text.lstrip("@")
            return (
                guild.member(name) if any(m.user.username == name for m in guild.members.values()) else guild.role(name)
            )
        if kind == build.CHANNEL:
            return self.channel(text)
        if kind == build.BOOLEAN:
            if text.lower() not in ("true", "false", "yes", "no"):
                raise DriverError(f"{text!r} is not true or false")
            return text.lower() in ("true", "yes")
        if kind == build.ATTACHMENT:
            path = Path(text).expanduser()
            return (path.name, path.read_bytes())
        return text

    async def _click(self, member: MemberDriver, words: list[str]) -> list[str]:
        if len(words) < 2:
            raise DriverError("click what? e.g. click m3 b1")
        message = self.message(words[0])
        wanted = " ".join(words[1:])
        button = controls(message).get(wanted) if wanted.startswith("b") else None
        target = str(button.get("custom_id") or button.get("label")) if button else wanted
        return await self._answered(member, await member.click(message, target))

    async def _select(self, member: MemberDriver, words: list[str]) -> list[str]:
        if len(words) < 2:
            raise DriverError("select what? e.g. select m4 python")
        message = self.message(words[0])
        named = controls(message)
        handle = words[1] if words[1] in named and words[1].startswith("s") else None
        selects = [c for key, c in named.items() if key.startswith("s")]
        if not selects:
            raise DriverError(f"{words[0]} has no select menu")
        select = named[handle] if handle else selects[0]
        values = [self._choice(select, word) for word in words[2 if handle else 1 :]]
        answer = await member.select(message, values, str(select["custom_id"]))
        return await self._answered(member, answer)

    def _choice(self, select: Json, word: str) -> Any:
        """An option's value (by value or label) for a string select; a member, role or channel for the others."""
        if select.get("type") == STRING_SELECT:
            for option in select.get("options") or []:
                if word in (option.get("value"), option.get("label")):
                    return option.get("value")
            return word
        return self._option(
            {5: build.USER, 6: build.ROLE, 7: build.MENTIONABLE, 8: build.CHANNEL}[int(select["type"])], word
        )

    async def _submit(self, member: MemberDriver, words: list[str]) -> list[str]:
        origin = member.last_modal()
        assert origin.modal is not None
        fields = form_fields(origin.modal)
        values: dict[str, Any] = {}
        for word in words:
            key, _, text = word.partition("=")
            field = self._field(fields, key)
            values[str(field["custom_id"])] = (
                [self._choice(field, v) for v in text.split(",") if v] if field.get("type") in SELECTS else text
            )
        return await self._answered(member, await member.submit_modal(values, opened_by=origin))

    @staticmethod
    def _field(fields: list[Json], key: str) -> Json:
        if key.isdigit() and 1 <= int(key) <= len(fields):
            return fields[int(key) - 1]
        for field in fields:
            if key in (field.get("custom_id"), field.get("label")):
                return field
        raise DriverError(f"the form has no field {key!r}: use 1 to {len(fields)}, an id or a label")

    async def _react(self, member: MemberDriver, words: list[str]) -> list[str]:
        await member.react(self.message(words[0]), words[1])
        return []

    async def _unreact(self, member: MemberDriver, words: list[str]) -> list[str]:
        await member.unreact(self.message(words[0]), words[1])
        return []

    async def _say(self, member: MemberDriver, words: list[str]) -> list[str]:
        if len(words) < 2:
            raise DriverError("say where? e.g. say #general hello, say dm hello")
        channel = await member.dm_channel() if words[0] == "dm" else self.channel(words[0])
        await member.say(channel, " ".join(words[1:]))
        return []

    async def _answered(self, member: MemberDriver, answer: Interaction) -> list[str]:
        """The answer as the member saw it, once a "thinking…" answer was filled (or THINKING_TIMEOUT passed)."""
        original = answer.original
        if original is not None and original.flags & LOADING:
            with contextlib.suppress(AssertionError):
                await self.discord.wait_for(
                    lambda: not original.flags & LOADING or original.deleted, THINKING_TIMEOUT, "the bot's answer"
                )
        shown = [m for m in (answer.original, *answer.followups) if m is not None]
        return self.shown(self.render.answer(answer, member.name), *shown)

    # ---- the interactive loop ------------------------------------------------------------------------------------
    async def loop(self) -> None:
        """Read lines from stdin until it closes; between commands, print what changes as it happens."""
        reader = asyncio.StreamReader()
        await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        watcher = asyncio.get_running_loop().create_task(self._watch())
        try:
            while line := (await reader.readline()).decode():
                try:
                    print(await self.run(line.strip()), flush=True)
                except Exception as error:  # a console bug must not end the person's session
                    print(f"! {type(error).__name__}: {error}", flush=True)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_PERIOD)
            if self._busy.locked():
                continue
            lines = self.changes()
            if lines:
                print("\n".join(lines), flush=True)


def _fingerprint(message: Message) -> tuple[Any, ...]:
    """What a member can see change on a message: its body, then its reactions."""
    body = (
        message.content,
        message.flags,
        repr(message.embeds),
        repr(message.components),
        tuple(a.id for a in message.attachments),
        message.edited_timestamp,
    )
    return body, tuple((r.emoji.key, len(r.user_ids)) for r in message.reactions)
