"""Acting as a guild member: commands, clicks, selects, modals, reactions and messages."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import events as scheduled
from . import interactions as build
from . import threads, voice
from .errors import ApiError
from .interactions import DriverError
from .routes_messages import add_reaction, remove_reaction
from .state import (
    DM,
    Channel,
    Emoji,
    Guild,
    Interaction,
    Json,
    Member,
    Message,
    Role,
    ScheduledEvent,
    User,
    walk_components,
)

if TYPE_CHECKING:
    from .driver import Emulator


class MemberDriver:
    """A guild member the test acts as: commands, clicks, modals, reactions, messages."""

    def __init__(self, emulator: Emulator, member: Member) -> None:
        self.emulator = emulator
        self.member = member

    def __repr__(self) -> str:
        return f"<MemberDriver {self.name} {self.id}>"

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def user(self) -> User:
        return self.member.user

    @property
    def name(self) -> str:
        return self.member.user.username

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    @property
    def guild(self) -> Guild:
        return self.emulator.state.guilds[self.member.guild_id]

    @property
    def roles(self) -> list[Role]:
        """The member's roles (without @everyone), lowest first."""
        guild = self.guild
        return sorted((guild.roles[r] for r in self.member.role_ids if r in guild.roles), key=lambda r: r.position)

    @property
    def dms(self) -> list[Message]:
        """Messages the bot sent this member in DM, oldest first."""
        channel = self.emulator.state.dm_with(self.id)
        bot_id = self.emulator.bot.id
        return [] if channel is None else [m for m in channel.messages if m.author_id == bot_id]

    def _where(self, channel: Channel | None) -> Channel:
        return channel or self.emulator.default_channel(self.guild)

    async def slash(
        self,
        command: str,
        /,
        *,
        in_channel: Channel | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the driver's documented API)
        **options: Any,
    ) -> Interaction:
        """Run /`command` ("poll create" for subcommands) with options by name; returns once answered."""
        channel = self._where(in_channel)
        found = build.find_command(self.emulator.state, channel.guild_id, command)
        data = build.command_data(self.emulator.state, found, command, options)
        return await self.emulator.interact(
            self.user, channel, build.APPLICATION_COMMAND, data, label=f"/{command}", timeout=timeout
        )

    async def autocomplete(
        self, command: str, /, *, focused: str | None = None, in_channel: Channel | None = None, **options: Any
    ) -> list[Json]:
        """Type into an option (the last one given unless `focused` names it); returns the bot's choices."""
        inter = await self.type_into(command, focused=focused, in_channel=in_channel, **options)
        return inter.choices

    async def type_into(
        self, command: str, /, *, focused: str | None = None, in_channel: Channel | None = None, **options: Any
    ) -> Interaction:
        """`autocomplete`, returning the whole interaction (its answer, how long it took) rather than the choices."""
        if not options:
            raise DriverError("autocomplete needs the option being typed, e.g. question='te'")
        focused = focused or list(options)[-1]
        channel = self._where(in_channel)
        found = build.find_command(self.emulator.state, channel.guild_id, command)
        data = build.command_data(self.emulator.state, found, command, options, focused=focused)
        return await self.emulator.interact(
            self.user, channel, build.AUTOCOMPLETE, data, label=f"autocomplete of /{command} {focused}"
        )

    async def user_command(
        self, name: str, target: MemberDriver | Member, *, in_channel: Channel | None = None
    ) -> Interaction:
        """Run a user context-menu command on `target`."""
        member = target.member if isinstance(target, MemberDriver) else target
        channel = self._where(in_channel)
        found = build.find_command(self.emulator.state, channel.guild_id, name, kind=2)
        resolved = build.Resolved()
        build.convert(self.emulator.state, build.USER, member, resolved)
        data = {
            "id": str(found.id),
            "name": name,
            "type": 2,
            "target_id": str(member.id),
            "resolved": resolved.to_json(),
        }
        return await self.emulator.interact(
            self.user, channel, build.APPLICATION_COMMAND, data, label=f"user command {name!r}"
        )

    async def message_command(self, name: str, message: Message) -> Interaction:
        """Run a message context-menu command on `message`."""
        channel = self.emulator.state.channels[message.channel_id]
        found = build.find_command(self.emulator.state, channel.guild_id, name, kind=3)
        resolved = {"messages": {str(message.id): self.emulator.core.message_json(message)}}
        data = {"id": str(found.id), "name": name, "type": 3, "target_id": str(message.id), "resolved": resolved}
        return await self.emulator.interact(
            self.user, channel, build.APPLICATION_COMMAND, data, label=f"message command {name!r}"
        )

    async def click(self, message: Message, button: str, *, timeout: float | None = None) -> Interaction:  # noqa: ASYNC109 (the driver's documented API)
        """Click a button by label or custom_id."""
        component = build.find_component(message, button, (2,))
        data = {"custom_id": component["custom_id"], "component_type": 2}
        return await self._component(message, data, f"click on {button!r}", timeout)

    async def select(
        self,
        message: Message,
        values: list[Any],
        custom_id: str | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (the driver's documented API)
    ) -> Interaction:
        """Pick `values` in a select menu (the first select unless `custom_id` names one)."""
        types = (3, 5, 6, 7, 8)
        if custom_id is None:
            selects = [c for c in walk_components(message.components) if c.get("type") in types]
            if not selects:
                raise DriverError(f"message {message.id} has no select menu")
            component = selects[0]
        else:
            component = build.find_component(message, custom_id, types)
        resolved = build.Resolved()
        kind = int(component["type"])
        chosen = [str(v) if kind == 3 else build.convert(self.emulator.state, 9, v, resolved) for v in values]
        data: Json = {"custom_id": component["custom_id"], "component_type": kind, "values": chosen}
        if resolved.to_json():
            data["resolved"] = resolved.to_json()
        return await self._component(message, data, f"selection in {component['custom_id']!r}", timeout)

    async def forge(
        self,
        message: Message,
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        modal: Json | None = None,
    ) -> Interaction:
        """A click (or a selection of `values`) with any `custom_id`, sent from `message` as if it showed that
        component; with `modal`, a submission of that form's fields under `custom_id` instead. What a modified client,
        or a component copied from elsewhere, can bring: the bot must treat every id in it as untrusted."""
        if modal is not None:
            submitted = build.modal_submit_data({**modal, "custom_id": custom_id}, {})
            channel = self.emulator.state.channels[message.channel_id]
            return await self.emulator.interact(
                self.user, channel, build.MODAL_SUBMIT, submitted, label=f"forged form {custom_id!r}", source=message
            )
        component: Json = {"type": component_type, "custom_id": custom_id}
        data: Json = {"custom_id": custom_id, "component_type": component_type}
        if component_type == 2:
            component |= {"style": 1, "label": "forged"}
        else:
            chosen = list(values or [])
            options = [{"label": value, "value": value} for value in chosen]
            component |= {"options": options, "min_values": len(chosen), "max_values": len(chosen)}
            data["values"] = chosen
        showing = dataclasses.replace(message, components=[{"type": 1, "components": [component]}])
        return await self._component(showing, data, f"forged component {custom_id!r}", None)

    async def _component(self, message: Message, data: Json, label: str, timeout: float | None) -> Interaction:  # noqa: ASYNC109 (the driver's documented API)
        channel = self.emulator.state.channels[message.channel_id]
        return await self.emulator.interact(
            self.user, channel, build.COMPONENT, data, label=label, source=message, timeout=timeout
        )

    def last_modal(self) -> Interaction:
        """The latest interaction of this member that the bot answered with a modal."""
        for inter in reversed(self.emulator.state.interactions.values()):
            if inter.user_id == self.id and inter.modal is not None:
                return inter
        raise DriverError(f"the bot opened no modal to {self.name}")

    async def submit_modal(
        self,
        values: dict[str, Any],
        *,
        opened_by: Interaction | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the driver's documented API)
    ) -> Interaction:
        """Fill and submit the modal last opened to this member (fields by custom_id or label)."""
        origin = opened_by or self.last_modal()
        modal = origin.modal
        if modal is None:
            raise DriverError(f"{origin.label} was not answered with a modal")
        data = build.modal_submit_data(modal, values)
        channel = self.emulator.state.channels[origin.channel_id]
        source = self.emulator.state.messages.get(origin.source_message_id or 0)
        label = f"submission of modal {modal.get('title')!r}"
        return await self.emulator.interact(
            self.user, channel, build.MODAL_SUBMIT, data, label=label, source=source, timeout=timeout
        )

    async def react(self, message: Message, emoji: str) -> None:
        """Add a reaction ("🇦" or "<:name:id>"); dispatches MESSAGE_REACTION_ADD."""
        try:
            add_reaction(self.emulator.core, message, self.id, Emoji.parse(emoji))
        except ApiError as error:
            raise DriverError(f"{self.name} cannot react: {error.message}") from None
        await self.emulator.sync()

    async def unreact(self, message: Message, emoji: str) -> None:
        """Remove this member's reaction; dispatches MESSAGE_REACTION_REMOVE."""
        remove_reaction(self.emulator.core, message, self.id, Emoji.parse(emoji))
        await self.emulator.sync()

    async def say(self, channel: Channel, content: str, *, reply_to: Message | None = None) -> Message:
        """Post a message as this member; dispatches MESSAGE_CREATE."""
        core = self.emulator.core
        body: Json = {"content": content}
        if reply_to is not None:
            body["message_reference"] = {"message_id": reply_to.id, "channel_id": reply_to.channel_id}
        message = core.store_and_announce(core.build_message(channel, body, [], author_id=self.id))
        await self.emulator.sync()
        return message

    async def post(self, forum: Channel, title: str, content: str, *, tags: Iterable[str] = ()) -> Channel:
        """Open a forum post (THREAD_CREATE, then MESSAGE_CREATE of its first message); returns the thread."""
        thread = threads.post_in_forum(self.emulator.core, forum, self.id, title, content, tags)
        await self.emulator.sync()
        return thread

    async def start_thread(self, message: Message, name: str) -> Channel:
        """Start a public thread from a message of a text channel (THREAD_CREATE)."""
        thread = threads.thread_from_message(self.emulator.core, message, self.id, name)
        await self.emulator.sync()
        return thread

    async def edit(self, message: Message, content: str) -> Message:
        """Edit this member's own message (MESSAGE_UPDATE)."""
        if message.author_id != self.id:
            raise DriverError(f"{self.name} can only edit their own messages")
        threads.edit_own(self.emulator.core, message, content)
        await self.emulator.sync()
        return message

    async def delete(self, message: Message) -> None:
        """Delete this member's own message (MESSAGE_DELETE)."""
        if message.author_id != self.id:
            raise DriverError(f"{self.name} can only delete their own messages")
        self.emulator.core.delete_message(message)
        await self.emulator.sync()

    async def join_voice(self, channel: Channel) -> None:
        """Connect to a voice or stage channel, or move there from another; dispatches VOICE_STATE_UPDATE."""
        try:
            voice.connect(self.emulator.core, self.guild, self.member, channel)
        except ApiError as error:
            raise DriverError(f"{self.name} cannot join #{channel.name}: {error.message}") from None
        await self.emulator.sync()

    move_voice = join_voice

    async def leave_voice(self) -> None:
        """Disconnect from voice; dispatches VOICE_STATE_UPDATE with a null channel."""
        voice.connect(self.emulator.core, self.guild, self.member, None)
        await self.emulator.sync()

    async def interested(self, event: ScheduledEvent, *, interested: bool = True) -> None:
        """Mark (or unmark) "Interested" on a scheduled event; dispatches GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE."""
        scheduled.set_interest(self.emulator.core, self.guild, event, self.id, interested=interested)
        await self.emulator.sync()

    async def dm_channel(self) -> Channel:
        """The DM channel with the bot (opened if needed)."""
        state = self.emulator.state
        channel = state.dm_with(self.id)
        if channel is None:
            channel = state.add_channel(Channel(id=state.new_id(), type=DM, name="", recipient_ids=[self.id]))
        return channel
