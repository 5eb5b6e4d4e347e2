"""The playground: the emulator with a small community, the real Agora against it, and what members do in the page.

Every action goes through the emulator's member driver, the one the tests use (`slash`, `click`, `select`,
`submit_modal`, `react`…), so what the page shows is what Agora really answered. Agora runs in this process on a
temporary SQLite database; "later" runs the scheduler's real jobs that would have come due.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import logging
import tempfile
from pathlib import Path
from typing import Any

from bot.client import Agora
from bot.config import DatabaseSettings, DiscordSettings, Settings, load_settings

from .emulator import BotRunner, DriverError, Emulator, MemberDriver
from .emulator import interactions as build
from .emulator.__main__ import populate
from .emulator.state import Channel, Interaction, Json, Message
from .view import Viewer

log = logging.getLogger(__name__)

COMMUNITY = Path(__file__).resolve().parent / "community"
START_TIMEOUT = 60.0  # a first start migrates a fresh database: generous on a busy machine
THINKING_TIMEOUT = 15.0
HOUR = dt.timedelta(hours=1)


class ActionError(Exception):
    """Something a member cannot do (no such message, a closed menu…): shown in the page, not a crash."""


class Playground:
    """Owns the emulator, Agora and the clock offset; `act` performs what a member does in the page."""

    def __init__(self, *, setup: bool = True, folder: Path | None = None) -> None:
        self.discord = Emulator()
        self.setup = setup
        self._folder = folder
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        self.runner: BotRunner | None = None
        self.offset = dt.timedelta()
        self.dismissed: set[int] = set()  # ephemeral answers their member closed ("Dismiss message")

    # ---- lifecycle ----------------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._folder is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="agora-playground-")
            self._folder = Path(self._temporary.name)
        await self.discord.start()
        await populate(self.discord)
        guild = self.discord.guild
        await self.discord.create_channel(guild, "welcome", topic="Say hello")
        await self.discord.create_channel(guild, "lounge", type="voice")
        for role in ("Python", "Mentors"):  # the roles the questionnaire's answers give
            await self.discord.create_role(guild, role)
        settings = self.settings(self._folder / "agora.db")
        self.runner = BotRunner(lambda: Agora(settings), self.discord, timeout=START_TIMEOUT)
        await self.runner.start(wait_for_sync=True)
        await asyncio.wait_for(self.bot.caught_up.wait(), START_TIMEOUT)
        if self.setup:
            await self.set_up_community()
        log.info("playground ready: Agora is connected to the emulated server %s", guild.name)

    async def stop(self) -> None:
        await self.discord.stop()
        if self._temporary is not None:
            self._temporary.cleanup()

    def settings(self, database: Path) -> Settings:
        """The community's configuration (a code of conduct, a questionnaire), aimed at the emulator."""
        base = load_settings(COMMUNITY / "config.toml")
        return base.model_copy(
            update={
                "database": DatabaseSettings(url=f"sqlite+aiosqlite:///{database}"),
                "discord": DiscordSettings(
                    api_base=self.discord.http_url, gateway_url=self.discord.gateway_url, ready_timeout=0.05
                ),
            }
        )

    @property
    def bot(self) -> Agora:
        client = self.runner.client if self.runner else None
        if not isinstance(client, Agora):
            raise RuntimeError("Agora is not running")
        return client

    async def set_up_community(self) -> None:
        """What a host does first, with the same commands: channels and roles for Agora, the code of conduct."""
        owner = self.discord.driver(self.discord.guild.members[self.owner_id])
        guild = self.discord.guild
        for purpose, name in (("announcements", "announcements"), ("welcome", "welcome"), ("rules", "welcome")):
            await owner.slash("agora channel", purpose=purpose, channel=guild.channel(name))
        await owner.slash("agora channel", purpose="knowledge", channel=guild.channel("help"))
        await owner.slash("agora role", purpose="member", role=guild.role("Member"))
        published = await owner.slash("conduct publish")
        await self.answered(published)
        for interaction in self.discord.state.interactions.values():  # the host's confirmations, read: put away
            self.dismissed.update(m.id for m in (interaction.original, *interaction.followups) if m is not None)

    @property
    def owner_id(self) -> int:
        return self.discord.guild.owner_id

    def viewer(self) -> Viewer:
        return Viewer(self.discord, self.offset, frozenset(self.dismissed))

    # ---- what members do ----------------------------------------------------------------------------------
    def driver(self, user_id: int) -> MemberDriver:
        member = self.discord.guild.members.get(user_id)
        if member is None:
            raise ActionError("this person is not a member of the server: join first")
        return self.discord.driver(member)

    def message(self, message_id: Any) -> Message:
        found = self.discord.state.messages.get(int(message_id))
        if found is None:
            raise ActionError("this message no longer exists")
        return found

    def channel(self, channel_id: Any) -> Channel:
        found = self.discord.state.channels.get(int(channel_id))
        if found is None:
            raise ActionError("this channel no longer exists")
        return found

    async def act(self, me: int, action: str, body: Json) -> Json:
        """One action of member `me`; returns what the page needs next (a modal to open, choices, an error)."""
        handler = getattr(self, f"_do_{action}", None)
        if handler is None:
            raise ActionError(f"unknown action {action!r}")
        try:
            result: Json = await handler(me, body)
        except (DriverError, AssertionError, KeyError, ValueError) as error:
            raise ActionError(str(error.args[0] if error.args else error)) from None
        return result

    async def answered(self, interaction: Interaction) -> Json:
        """Once a "thinking…" answer is filled: the modal it opened, if any."""
        original = interaction.original
        if original is not None and original.flags & 128:
            with contextlib.suppress(AssertionError):
                await self.discord.wait_for(
                    lambda: not original.flags & 128 or original.deleted, THINKING_TIMEOUT, "Agora's answer"
                )
        if interaction.modal is not None:
            return {"modal": {"interaction": str(interaction.id), **interaction.modal}}
        return {}

    async def _do_slash(self, me: int, body: Json) -> Json:
        member = self.driver(me)
        path = str(body["command"]).strip().lstrip("/")
        channel = self.channel(body["channel"])
        options = self.options(path, channel, dict(body.get("options") or {}))
        return await self.answered(await member.slash(path, in_channel=channel, **options))

    async def _do_autocomplete(self, me: int, body: Json) -> Json:
        member = self.driver(me)
        path = str(body["command"]).strip().lstrip("/")
        channel = self.channel(body["channel"])
        focused = str(body["focused"])
        given = dict(body.get("options") or {})
        options = self.options(path, channel, {k: v for k, v in given.items() if k != focused})
        options[focused] = str(given.get(focused, ""))
        return {"choices": await member.autocomplete(path, focused=focused, in_channel=channel, **options)}

    def options(self, path: str, channel: Channel, given: dict[str, Any]) -> dict[str, Any]:
        """The page's option texts as the driver wants them: members, roles and channels by id, booleans…"""
        found = build.find_command(self.discord.state, channel.guild_id or self.discord.guild.id, path)
        schema = list(found.body.get("options") or [])
        for word in path.split()[1:]:
            sub: Json = next((o for o in schema if o.get("name") == word), {})
            schema = list(sub.get("options") or [])
        kinds = {str(o["name"]): int(o["type"]) for o in schema}
        state, guild = self.discord.state, self.discord.guild
        options: dict[str, Any] = {}
        for name, value in given.items():
            if value in (None, ""):
                continue
            kind = kinds.get(name, build.STRING)
            if kind in (build.USER, build.MENTIONABLE) and int(value) in guild.members:
                options[name] = guild.members[int(value)]
            elif kind in (build.ROLE, build.MENTIONABLE):
                options[name] = guild.roles[int(value)]
            elif kind == build.CHANNEL:
                options[name] = state.channels[int(value)]
            elif kind == build.ATTACHMENT and isinstance(value, dict):
                options[name] = (str(value.get("filename") or "file"), base64.b64decode(str(value.get("data") or "")))
            elif kind == build.BOOLEAN:
                options[name] = str(value).lower() in ("true", "yes", "1", "on")
            else:
                options[name] = value
        return options

    async def _do_click(self, me: int, body: Json) -> Json:
        member, message = self.driver(me), self.message(body["message"])
        return await self.answered(await member.click(message, str(body["custom_id"])))

    async def _do_select(self, me: int, body: Json) -> Json:
        member, message = self.driver(me), self.message(body["message"])
        values = list(body.get("values") or [])
        return await self.answered(await member.select(message, values, str(body["custom_id"])))

    async def _do_submit(self, me: int, body: Json) -> Json:
        member = self.driver(me)
        origin = self.discord.state.interactions.get(int(body["interaction"]))
        if origin is None or origin.user_id != me:
            raise ActionError("this form is no longer open")
        return await self.answered(await member.submit_modal(dict(body.get("values") or {}), opened_by=origin))

    async def _do_react(self, me: int, body: Json) -> Json:
        await self.driver(me).react(self.message(body["message"]), str(body["emoji"]))
        return {}

    async def _do_unreact(self, me: int, body: Json) -> Json:
        await self.driver(me).unreact(self.message(body["message"]), str(body["emoji"]))
        return {}

    async def _do_say(self, me: int, body: Json) -> Json:
        member, text = self.driver(me), str(body.get("content") or "").strip()
        if not text:
            return {}
        channel = await member.dm_channel() if body.get("channel") == "dm" else self.channel(body["channel"])
        await member.say(channel, text)
        return {"channel": str(channel.id)}

    async def _do_dismiss(self, me: int, body: Json) -> Json:
        """Close an ephemeral answer, as Discord's "Dismiss message" does (only for the member who sees it)."""
        message = self.message(body["message"])
        if message.ephemeral and self.viewer().private_to().get(message.id) == me:
            self.dismissed.add(message.id)
        return {}

    async def _do_post(self, me: int, body: Json) -> Json:
        """A forum post: its title, first message and tags."""
        member, forum = self.driver(me), self.channel(body["channel"])
        title, content = str(body.get("title") or "").strip(), str(body.get("content") or "").strip()
        if not title or not content:
            raise ActionError("a post needs a title and a message")
        thread = await member.post(forum, title, content, tags=[str(t) for t in body.get("tags") or []])
        return {"channel": str(thread.id)}

    async def _do_join(self, me: int, body: Json) -> Json:
        """A new member (a name and a language), or someone who left coming back."""
        name = str(body.get("name") or "").strip()
        guild = self.discord.guild
        if not name:
            user = self.discord.state.users[me]
            if me in guild.members:
                raise ActionError(f"{user.username} is already a member")
            await self.discord.rejoin(guild, user)
            return {"as": str(me)}
        if not name.replace("_", "").replace(".", "").isalnum() or len(name) > 32:
            raise ActionError("a name is 1 to 32 letters, digits, dots or underscores")
        if any(u.username == name for u in self.discord.state.users.values()):
            raise ActionError(f"{name} already exists: pick them in the list")
        locale = str(body.get("locale") or "en-US")
        driver = await self.discord.member(name, locale=locale)
        return {"as": str(driver.id)}

    async def _do_leave(self, me: int, body: Json) -> Json:
        if me == self.owner_id:
            raise ActionError("the owner cannot leave their own server")
        await self.discord.leave(self.discord.guild, self.driver(me))
        return {}

    async def _do_voice(self, me: int, body: Json) -> Json:
        member = self.driver(me)
        if body.get("channel"):
            await member.join_voice(self.channel(body["channel"]))
        else:
            await member.leave_voice()
        return {}

    async def _do_later(self, me: int, body: Json) -> Json:
        """Move the clock forward by an hour: the jobs that would have come due run now, the real ones."""
        self.offset += HOUR
        moment = dt.datetime.now(dt.UTC) + self.offset
        ran = await self.bot.scheduler.run_due_by(moment)
        await self.discord.advance_events(self.discord.guild, moment)
        return {"ran": ran}
