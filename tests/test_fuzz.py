"""Fuzz: every synced command and option, every autocomplete, and every form, menu and button the bot shows, driven
through the emulator with hostile input (`tests/support/fuzz.py`).

Each interaction must be answered within Discord's 3 seconds, log no ERROR, be refused nothing by Discord, and show
the member neither a traceback nor "something went wrong". Commands are read from what the bot synced, forms and
components from what it sent: a new capability is fuzzed without touching this file.

The suite runs a few derandomized examples per item (`AGORA_FUZZ_EXAMPLES`, default 4, 2 on PostgreSQL): the same
inputs on every run. A long run draws fresh inputs and shrinks a failure to its smallest form:

    AGORA_FUZZ_EXAMPLES=200 .venv/bin/python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import os
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot import i18n
from bot.config import Settings
from playground.emulator import Emulator, MemberDriver, payloads
from playground.emulator.state import Interaction, Json, Member, Message
from tests.conftest import AgoraHarness
from tests.support import fuzz
from tests.support.welcome import greeting_of, set_up, with_welcome

T = TypeVar("T")

# Two on the PostgreSQL pass: the same hostile text meets the same cleaning in Python; the database only stores it.
EXAMPLES = int(os.environ.get("AGORA_FUZZ_EXAMPLES", "2" if os.environ.get("AGORA_TEST_DATABASE_URL") else "4"))
LONG_RUN = "AGORA_FUZZ_EXAMPLES" in os.environ
# How many buttons or menus one example goes on to use after the command (a member clicking through a flow).
WALK = 5
# A deferred ("thinking…") answer may take longer than 3 s; the interaction token lasts 15 minutes.
FOLLOW_UP_WAIT = 20.0
STEP_WAIT = 60.0
COMPONENT, MODAL_SUBMIT = 3, 5  # interaction types
DEFERRED_MESSAGE, LOADING = 5, 128  # a "thinking…" answer, and its message flag until the real answer replaces it
LOCALES = ("en-US", "fr", "de", "ja")

PROFILE = settings(
    max_examples=EXAMPLES,
    derandomize=not LONG_RUN,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink) if LONG_RUN else (Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)


@pytest.fixture
def agora_settings(agora_settings: Settings, tmp_path: Path) -> Settings:
    """Every capability on: a code of conduct and a questionnaire, so their forms and menus are fuzzed too."""
    return with_welcome(agora_settings, tmp_path)


class Draw:
    """Draws values for one example and remembers them, to show what a failing example sent."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.drawn: list[str] = []

    def __call__(self, strategy: st.SearchStrategy[T], label: str, *, shown: bool = True) -> T:
        value = self.data.draw(strategy, label=label)
        return self.note(label, value) if shown else value

    def note(self, label: str, value: T) -> T:
        self.drawn.append(f"{label}: {value!r}"[:2000])
        return value

    def __str__(self) -> str:
        return "\n".join(f"  {line}" for line in self.drawn)


@dataclass
class Step:
    """What one interaction left the member with: a form to fill, or buttons and menus to use (snapshots)."""

    interaction: Interaction
    modal: Json | None
    usable: list[tuple[Message, Json]]


@dataclass
class Fuzzer:
    """Runs hypothesis in a worker thread; every Discord action runs on the test's loop, where bot and emulator live."""

    discord: Emulator
    agora: AgoraHarness
    loop: asyncio.AbstractEventLoop
    world: fuzz.World
    host: MemberDriver
    member: MemberDriver
    unexpected: tuple[str, ...] = tuple(i18n.t(language, "errors.unexpected") for language in ("en", "fr"))
    modals: dict[str, tuple[MemberDriver, Interaction]] = field(default_factory=dict)
    components: dict[str, tuple[MemberDriver, Message, str]] = field(default_factory=dict)
    menus: set[str] = field(default_factory=set)
    used: Counter[str] = field(default_factory=Counter)  # forms submitted, buttons and menus used, by shape
    failures: list[str] = field(default_factory=list)
    newcomers: itertools.count[int] = field(default_factory=itertools.count)

    # --- worker thread -------------------------------------------------------------------------------------

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(STEP_WAIT)

    def explore(self, label: str, example: Callable[[Draw], None]) -> None:
        """Run hypothesis on one item; its first failure is kept, with what was drawn, and the next item goes on.

        The first failure is the one reported: the bot's state moves on, so hypothesis' replay of it may differ.
        """
        first: list[str] = []

        def recorded(data: st.DataObject) -> None:
            draw = Draw(data)
            try:
                example(draw)
            except Exception as error:
                if not first:
                    first.append(f"{type(error).__name__}: {error}\n{draw}")
                raise

        try:
            PROFILE(given(st.data())(recorded))()
        except Exception as error:
            self.failures.append(f"{label}: " + (first[0] if first else f"{type(error).__name__}: {error}"))

    def actor(self, draw: Draw) -> MemberDriver:
        who = draw(st.sampled_from(("host", "member", "newcomer")), "who")
        if who == "newcomer":
            return self.run(self.newcomer(draw(st.sampled_from(LOCALES), "locale")))
        return self.host if who == "host" else self.member

    def moves(self, draw: Draw) -> list[fuzz.Move]:
        """The member's next moves, drawn up front (see `fuzz.Move`); what they turn into is noted as it happens."""
        return draw(st.lists(fuzz.moves(), min_size=WALK + 1, max_size=WALK + 1), "moves", shown=False)

    def walk(self, draw: Draw, actor: MemberDriver, step: Step, moves: list[fuzz.Move]) -> None:
        """Go on like a member would: fill the form the bot opened, else use one of the buttons or menus shown."""
        for move in moves:
            if step.modal is not None:
                values = draw.note("form", move.form(step.modal, self.world))
                step = self.run(self.act(actor.submit_modal(values, opened_by=step.interaction)))
            elif step.usable:
                message, component = step.usable[move.choice % len(step.usable)]
                step = self.run(self.use(draw, actor, message, component, move))
            else:
                return

    def command(self, form: fuzz.Form) -> None:
        def example(draw: Draw) -> None:
            actor = self.actor(draw)
            if form.kind == 2:
                target = draw(st.sampled_from(self.world.members), "target")
                moves = self.moves(draw)
                step = self.run(self.act(actor.user_command(form.path, target)))
            elif form.kind == 3:
                message = draw(st.sampled_from(self.world.messages), "message")
                moves = self.moves(draw)
                step = self.run(self.act(actor.message_command(form.path, message)))
            else:
                values = draw(fuzz.options(list(form.schema), self.world), "options")
                moves = self.moves(draw)
                step = self.run(self.act(actor.slash(form.path, **values)))
            self.walk(draw, actor, step, moves)

        self.explore(f"/{form.path}", example)

    def autocomplete(self, form: fuzz.Form, option: Json) -> None:
        def example(draw: Draw) -> None:
            actor = self.actor(draw)
            values = draw(fuzz.options(list(form.schema), self.world), "options")
            typed = draw(fuzz.hostile_text(0, int(option.get("max_length") or fuzz.STRING_MAX)), "typed")
            values[option["name"]] = typed
            self.run(self.act(actor.type_into(form.path, focused=option["name"], **values)))

        self.explore(f"autocomplete of /{form.path} {option['name']}", example)

    def form(self, shape: str) -> None:
        """Submit a form the bot opened again and again (its submission is handled by custom_id, like Agora's)."""
        opener, opened = self.modals[shape]
        assert opened.modal is not None
        modal = opened.modal

        def example(draw: Draw) -> None:
            first, *moves = self.moves(draw)
            values = draw.note("form", first.form(modal, self.world))
            self.walk(draw, opener, self.run(self.act(opener.submit_modal(values, opened_by=opened))), moves)

        self.explore(f"form {shape}", example)

    def component(self, shape: str) -> None:
        """Use a button or menu where it still is (the member who saw it, or anyone for a public message)."""
        owner, message, custom_id = self.components[shape]

        def example(draw: Draw) -> None:
            actor = owner if message.ephemeral else self.actor(draw)
            first, *moves = self.moves(draw)
            found = self.run(self.current(message, custom_id))
            if found is not None:  # else every message moved on: that menu is gone, as in a real client
                step = self.run(self.use(draw, actor, *found, first))
                self.walk(draw, actor, step, moves)

        self.explore(f"component {shape}", example)

    # --- event loop ----------------------------------------------------------------------------------------

    async def newcomer(self, locale: str) -> MemberDriver:
        """A member who joins now. The join is not awaited (the bot reads events in order, so it knows the member
        before their first interaction): every wait costs the bot a gateway send, of which Discord allows 120 a
        minute, and the fuzz makes many newcomers."""
        guild = self.discord.guild
        member = Member(
            user=self.discord.state.add_user(f"newcomer{next(self.newcomers)}", locale=locale), guild_id=guild.id
        )
        guild.members[member.id] = member
        self.discord.core.gateway.dispatch("GUILD_MEMBER_ADD", payloads.member(member) | {"guild_id": str(guild.id)})
        return MemberDriver(self.discord, member)

    async def current(self, message: Message, custom_id: str) -> tuple[Message, Json] | None:
        """The component where it was seen if it is still there, else one of the same shape in any channel."""
        wanted = fuzz.shape(custom_id)
        candidates = [message] if not message.deleted else []
        candidates += [m for c in self.discord.state.channels.values() for m in reversed(c.messages) if m.components]
        for candidate in candidates:
            for component in fuzz.clickable(candidate):
                if fuzz.shape(component["custom_id"]) == wanted:
                    return candidate, copy.deepcopy(component)
        return None

    async def use(self, draw: Draw, actor: MemberDriver, message: Message, component: Json, move: fuzz.Move) -> Step:
        if component.get("type") == 2:
            draw.note("click", component.get("label") or component["custom_id"])
            return await self.act(actor.click(message, component["custom_id"]), actor)
        values = draw.note(f"select in {component['custom_id']}", move.menu(component, self.world))
        return await self.act(actor.select(message, values, component["custom_id"]), actor)

    async def act(self, action: Awaitable[Interaction], actor: MemberDriver | None = None) -> Step:
        """Perform one interaction and check what the member got, everything Discord refused, every error logged."""
        before = self.marks()
        interaction = await action  # the driver fails when no answer comes within Discord's deadline
        if interaction.response is not None and interaction.response.type == DEFERRED_MESSAGE:
            await self.discord.wait_for(
                lambda: interaction.original is not None and not interaction.original.flags & LOADING,
                FOLLOW_UP_WAIT,
                f"the answer to {interaction.label}",
            )
        problems = self.problems(before, interaction)
        if problems:
            raise AssertionError(f"{interaction.label}:\n" + "\n".join(problems))
        return self.step(interaction, actor or self.driver(interaction))

    def driver(self, interaction: Interaction) -> MemberDriver:
        member = self.discord.guild.members.get(interaction.user_id)
        assert member is not None
        return MemberDriver(self.discord, member)

    def step(self, interaction: Interaction, actor: MemberDriver) -> Step:
        """Note the forms, buttons and menus the bot showed (fuzzed on their own later) and what was used."""
        modal = copy.deepcopy(interaction.modal)
        if modal is not None:
            self.modals[fuzz.shape(modal["custom_id"])] = (actor, interaction)
        if interaction.type in (COMPONENT, MODAL_SUBMIT):
            self.used[fuzz.shape(str(interaction.data.get("custom_id")))] += 1
        usable = []
        for message in self.answers(interaction):
            for component in fuzz.clickable(message):
                usable.append((message, copy.deepcopy(component)))
                self.seen(actor, message, component)
        return Step(interaction, modal, usable)

    def seen(self, actor: MemberDriver, message: Message, component: Json) -> None:
        shape = fuzz.shape(component["custom_id"])
        self.components[shape] = (actor, message, component["custom_id"])
        if component.get("type") != 2:
            self.menus.add(shape)

    @staticmethod
    def answers(interaction: Interaction) -> list[Message]:
        found = [m for m in (interaction.original, *interaction.followups) if m is not None and not m.deleted]
        return list({id(m): m for m in found}.values())

    def marks(self) -> tuple[int, int, int, int]:
        discord = self.discord
        errors = len(self.agora.runner.errors)
        return errors, len(discord.rejections), len(discord.unknown_requests), len(discord.openapi_violations)

    def problems(self, before: tuple[int, int, int, int], interaction: Interaction) -> list[str]:
        errors, refusals, unknown, violations = before
        discord = self.discord
        found = [f"bot-side error: {error}" for error in self.agora.runner.errors[errors:]]
        found += [f"refused by Discord: {refusal}" for refusal in discord.rejections[refusals:]]
        found += [f"unknown route: {r.method} {r.path}" for r in discord.unknown_requests[unknown:]]
        found += [f"OpenAPI violation: {v}" for v in discord.openapi_violations[violations:]]
        for text in texts(interaction):
            if "Traceback" in text or any(sentence in text for sentence in self.unexpected):
                found.append(f"the member read: {text[:500]!r}")
        return found


def texts(interaction: Interaction) -> list[str]:
    """Everything the member reads in the answer: contents, embed titles, descriptions, fields and footers."""
    found = []
    for message in Fuzzer.answers(interaction):
        found.append(message.content)
        for embed in message.embeds:
            found += [str(embed.get("title") or ""), str(embed.get("description") or "")]
            found += [f"{f.get('name')} {f.get('value')}" for f in embed.get("fields") or []]
            found.append(str((embed.get("footer") or {}).get("text") or ""))
    return found


async def prepare(discord: Emulator, agora: AgoraHarness) -> Fuzzer:
    """A server set up the way a host would, with something of everything: published conduct, a member half-way
    through the welcome questionnaire (its form open), a reaction poll and an anonymous one."""
    server = await set_up(discord, agora.bot.db)
    guild = discord.guild
    await discord.create_channel(guild, "knowledge", type="forum", tags=["python"])
    await discord.create_channel(guild, "lounge", type="voice")
    await discord.create_channel(guild, "archive", type="category")
    await discord.create_role(guild, "Council", position=50)
    alice = await discord.member("alice")
    world = fuzz.World(members=list(guild.members.values()), roles=list(guild.roles.values()), channels=[])
    fuzzer = Fuzzer(discord, agora, asyncio.get_running_loop(), world, server.host, alice)

    await fuzzer.act(server.host.slash("conduct publish"))
    general = guild.channel("general")
    for anonymous in (False, True):
        await fuzzer.act(
            server.host.slash("poll create", question="Lunch?", options="Pizza; Soup", anonymous=anonymous)
        )
    step = await fuzzer.act(alice.click(await greeting_of(server.welcome, alice), "Start"), alice)
    for _ in range(10):  # accept the conduct, answer the three menus, open the form of the text questions
        if step.modal is not None:
            break
        message, component = step.usable[0]
        if component.get("type") == 2:
            step = await fuzzer.act(alice.click(message, component["custom_id"]), alice)
        else:
            step = await fuzzer.act(alice.select(message, [component["options"][0]["value"]]), alice)

    world.members = list(guild.members.values())
    world.channels = [channel for channel in discord.state.channels.values() if channel.guild_id == guild.id]
    world.messages = [message for channel in world.channels for message in channel.messages]
    world.links = [f"https://discord.com/channels/{guild.id}/{general.id}/{message.id}" for message in general.messages]
    for channel in world.channels:
        for message in channel.messages:
            for component in fuzz.clickable(message):
                fuzzer.seen(alice, message, component)
    return fuzzer


async def test_every_command_form_and_menu_survives_hostile_input(discord: Emulator, agora: AgoraHarness) -> None:
    fuzzer = await prepare(discord, agora)
    synced = [form for command in discord.commands() for form in fuzz.forms(command)]
    assert {form.path for form in synced} >= {"poll create", "agora timezone", "profile edit", "onboarding start"}

    explored: set[str] = set()

    def components() -> None:
        for shape in sorted(set(fuzzer.components) - explored):
            explored.add(shape)
            fuzzer.component(shape)

    def everything() -> None:
        components()  # what the server shows before any command: rules, greetings, polls, a member's path
        for form in synced:
            fuzzer.command(form)
            for option in form.autocompleted:
                fuzzer.autocomplete(form, option)
        for shape in sorted(fuzzer.modals):
            fuzzer.form(shape)
        components()  # what the commands brought up

    await asyncio.to_thread(everything)
    assert not fuzzer.failures, "\n\n".join(fuzzer.failures)
    assert set(fuzzer.modals) <= set(fuzzer.used) and fuzzer.menus & set(fuzzer.used), "no form or menu reached"
