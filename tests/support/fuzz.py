"""Hostile input for the fuzz test: what a member can type or pick in a Discord client, at its worst.

The client enforces each option's type, choices, value range and length, each form field's length and whether it is
required, and each menu's options and counts (https://discord.com/developers/docs/interactions/application-commands
#application-command-object-application-command-option-structure, .../components/reference#text-input,
.../components/reference#string-select). These strategies stay inside those limits and put the worst content there:
very long text, NUL and other control characters, zero-width and bidirectional marks, markdown, mention syntax,
emoji sequences, numbers at the edges of their types, malformed dates, durations, time zones and message links.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import strategies as st

from playground.emulator.interactions import (
    ATTACHMENT,
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    USER,
)
from playground.emulator.state import Channel, Json, Member, Message, Role, walk_components

T = TypeVar("T")

# Discord's own bounds when an option or field declares none.
STRING_MAX = 6000
TEXT_INPUT_MAX = 4000
SAFE_INTEGER = 2**53

HOSTILE = (
    # nothing, space and control characters (PostgreSQL's text cannot hold NUL)
    *("", " ", "\x00", "\t", "\n", "\r\n", "\x1b[31m", "\x7f"),
    # zero-width characters and bidirectional marks
    *("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202d", "\u200f", "\u200e", "\u2066", "\u2069"),
    # scripts, combining marks, wide glyphs, emoji sequences, flags, keycaps, tags
    *(
        "مرحبا",
        "שלום",
        "Z̵̡̛a̷͚͝l̶̢̈g̸̱̈́o̴̢͐",
        "e\u0301",
        "ﷺ",
        "𒐫",
        "👩‍👩‍👧‍👦",
        "🏳️‍🌈",
        "1️⃣",
        "🇦",
        "🇫🇷",
        "🏴\U000e0067\U000e0062\U000e007f",
    ),
    # markdown and Discord's mention, emoji, command and timestamp syntax
    *("**", "__", "~~", "||", "`", "```", "> ", "# ", "-# ", "[x](https://example.com)", "\\"),
    *("@everyone", "@here", "<@0>", "<@!1>", "<@&1>", "<#1>", "</poll create:1>", "<:e:1>", "<a:e:123456789012345678>"),
    *("<t:-99999999999999:F>", "<t:99999999999999:R>"),
    # separators, quotes, format strings
    *(";", ";;", ",", ":", "%", "_", "'", '"', "' OR '1'='1", "{}", "{name}", "%s", "${x}", "<script>"),
    # numbers at the edges of their types
    *("0", "-1", "1.5", "1e309", "NaN", "-0", "2147483647", "2147483648", "9223372036854775807"),
    *("9223372036854775808", "18446744073709551616", "9" * 40, "٣"),
    # durations and dates, fine and malformed
    *("99999999999d", "0m", "-1h", "1h30m", "2 jours", "999999999w", "1w 1d 1h 1m", "5 sem", "3 parsecs"),
    *("2026-02-30 25:61", "0001-01-01 00:00", "9999-12-31 23:59", "31/12/9999 23h59", "00/00/0000"),
    *("2026-12-01", "2026-12-01T18:00", "01/12/2026 18h"),
    # time zones, real and not
    *("Europe/Paris", "UTC", "Etc/GMT+14", "../../etc/passwd", "/etc/localtime", "Europe", "posixrules"),
    # message links
    *("https://discord.com/channels/1/2/3", "https://discord.com/channels/@me/0/99999999999999999999999"),
)


# Ordinary words, so that some input passes every check and reaches what comes after (a poll posted, a profile saved).
WORDS = ("Lunch", "Python", "👍 Yes", "🇧 No", "Paris", "mentoring", "2h", "Europe/Paris", "fr", "Rust, Go")


@dataclass
class World:
    """What a member's client can pick from: members, roles, channels, messages, and links to paste."""

    members: list[Member]
    roles: list[Role]
    channels: list[Channel]
    messages: list[Message] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def fit(text: str, min_size: int, max_size: int) -> str:
    """Cut to the client's maximum, pad to its minimum."""
    text = text[:max_size]
    return text + "x" * (min_size - len(text))


def hostile_text(min_size: int = 0, max_size: int = STRING_MAX, extra: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """Pieces of HOSTILE and arbitrary unicode run together, one repeated up to the limit, or a list of items (what
    poll options and profile fields expect, so that input passes the checks and reaches what comes after)."""
    piece = st.one_of(st.sampled_from(HOSTILE + extra), st.text(max_size=20))
    joined = st.lists(piece, max_size=12).map("".join)
    repeated = st.tuples(piece.filter(bool), st.integers(1, max_size)).map(lambda pair: pair[0] * pair[1])
    item = st.one_of(piece, st.text(min_size=1, max_size=60))
    separator = st.sampled_from((", ", "; ", ";", ",", "\n", " "))
    listed = st.tuples(separator, st.lists(item, min_size=1, max_size=30)).map(lambda pair: pair[0].join(pair[1]))
    plausible = st.lists(st.one_of(st.sampled_from(WORDS), piece), min_size=1, max_size=6, unique=True).map("; ".join)
    return st.one_of(joined, repeated, listed, plausible).map(lambda text: fit(text, min_size, max_size))


def edge_integers(low: int, high: int) -> st.SearchStrategy[int]:
    edges = [value for value in (low, high, 0, 1, -1, low + 1, high - 1, 2**31 - 1, 2**31) if low <= value <= high]
    return st.one_of(st.sampled_from(edges), st.integers(low, high))


def option_value(spec: Json, world: World) -> st.SearchStrategy[Any]:
    """One option's value as the client lets a member send it."""
    kind = int(spec["type"])
    if spec.get("choices"):
        return st.sampled_from([choice["value"] for choice in spec["choices"]])
    if kind == STRING:
        return hostile_text(
            int(spec.get("min_length") or 0), int(spec.get("max_length") or STRING_MAX), tuple(world.links)
        )
    if kind == INTEGER:
        return edge_integers(int(spec.get("min_value", -SAFE_INTEGER)), int(spec.get("max_value", SAFE_INTEGER)))
    if kind == NUMBER:
        low, high = float(spec.get("min_value", -SAFE_INTEGER)), float(spec.get("max_value", SAFE_INTEGER))
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    if kind == BOOLEAN:
        return st.booleans()
    if kind == USER:
        return st.sampled_from(world.members)
    if kind == ROLE:
        return st.sampled_from(world.roles)
    if kind == MENTIONABLE:
        return st.sampled_from([*world.members, *world.roles])
    if kind == CHANNEL:
        return st.sampled_from(channels_of_types(world, spec.get("channel_types")))
    if kind == ATTACHMENT:
        return st.tuples(attachment_names(), st.one_of(st.binary(max_size=2048), hostile_text(0, 2000).map(str.encode)))
    raise AssertionError(f"option type {kind} has no fuzz strategy yet: add one in tests/support/fuzz.py")


def attachment_names() -> st.SearchStrategy[str]:
    """Discord keeps letters, digits, "-", "_" and "." of an uploaded file's name (the rest becomes "_")."""
    stem = st.from_regex(r"[A-Za-z0-9_.-]{1,40}", fullmatch=True)
    return st.tuples(stem, st.sampled_from(("", ".json", ".toml", ".txt", ".png"))).map("".join)


def channels_of_types(world: World, types: list[int] | None) -> list[Channel]:
    """The channels the client's picker offers (all of them when the option names no types)."""
    return [channel for channel in world.channels if not types or channel.type in types] or world.channels


def options(schema: list[Json], world: World) -> st.SearchStrategy[dict[str, Any]]:
    """Every required option, and any of the optional ones."""
    required = {spec["name"]: option_value(spec, world) for spec in schema if spec.get("required")}
    optional = {spec["name"]: option_value(spec, world) for spec in schema if not spec.get("required")}
    return st.fixed_dictionaries(required, optional=optional)


@dataclass(frozen=True)
class Form:
    """One runnable form of a synced command: "poll create" and its options, or a context-menu command."""

    command: Json
    path: str
    schema: tuple[Json, ...] = ()

    @property
    def kind(self) -> int:
        return int(self.command.get("type") or 1)

    @property
    def autocompleted(self) -> list[Json]:
        return [spec for spec in self.schema if spec.get("autocomplete")]


def forms(command: Json) -> list[Form]:
    """Every leaf of a command: each subcommand (of each group), or the command itself."""

    def walk(path: str, schema: list[Json]) -> list[Form]:
        nested = [spec for spec in schema if spec.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
        if not nested:
            return [Form(command, path, tuple(schema))]
        return [form for spec in nested for form in walk(f"{path} {spec['name']}", list(spec.get("options") or []))]

    return walk(str(command["name"]), list(command.get("options") or []))


def fields(modal: Json) -> list[Json]:
    """The inputs of a modal: text inputs, and menus inside labels."""
    return [c for c in walk_components(list(modal.get("components") or [])) if c.get("type") in (3, 4, 5, 6, 7, 8)]


def modal_values(modal: Json, world: World) -> st.SearchStrategy[dict[str, Any]]:
    """What a member may type (and pick) in each field of a form."""
    return moves().map(lambda move: move.form(modal, world))


@dataclass(frozen=True)
class Move:
    """A member's next move, drawn before knowing what the bot will show: which button or menu to use, what to pick
    in a menu, and what to type in each field of a form. Drawing the same things whatever the bot answered keeps
    hypothesis' record of an example valid when the bot's state has moved on (it replays, and checks it draws alike).
    """

    choice: int
    count: int
    picks: tuple[int, ...]
    texts: tuple[str, ...]

    def pick(self, usable: list[T]) -> T:
        return usable[self.choice % len(usable)]

    def form(self, modal: Json, world: World) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for spec, text in zip(fields(modal), itertools.cycle(self.texts), strict=False):
            if spec.get("type") == 4:
                required = spec.get("required", True)
                low = max(int(spec.get("min_length") or 0), 1 if required else 0)
                values[spec["custom_id"]] = fit(text, low, int(spec.get("max_length") or TEXT_INPUT_MAX))
            else:
                values[spec["custom_id"]] = self.menu(spec, world)
        return values

    def menu(self, spec: Json, world: World) -> list[Any]:
        """A selection the menu allows: between its min and max values, among what it offers."""
        offered = menu_offers(spec, world)
        low = min(int(spec.get("min_values", 1)), len(offered))
        high = min(int(spec.get("max_values", 1)), len(offered))
        wanted = low + self.count % (high - low + 1)
        chosen: list[Any] = []
        for index in self.picks:
            candidate = offered[index % len(offered)]
            if len(chosen) < wanted and all(candidate is not other for other in chosen):
                chosen.append(candidate)
        remaining = [item for item in offered if all(item is not other for other in chosen)]
        return chosen + remaining[: wanted - len(chosen)]


def moves() -> st.SearchStrategy[Move]:
    number = st.integers(0, 2**16)
    return st.builds(
        Move,
        number,
        number,
        st.lists(number, min_size=25, max_size=25).map(tuple),
        st.lists(hostile_text(0, TEXT_INPUT_MAX), min_size=5, max_size=5).map(tuple),
    )


def menu_offers(spec: Json, world: World) -> list[Any]:
    kind = int(spec["type"])
    if kind == 3:
        return [option["value"] for option in spec.get("options") or []]
    if kind == 5:
        return list(world.members)
    if kind == 6:
        return list(world.roles)
    if kind == 7:
        return [*world.members, *world.roles]
    return channels_of_types(world, spec.get("channel_types"))


def clickable(message: Message) -> list[Json]:
    """Buttons and menus a member can use: not links, not premium buttons, not disabled."""
    usable = []
    for component in walk_components(message.components):
        kind = component.get("type")
        menu_or_button = kind in (3, 5, 6, 7, 8) or (kind == 2 and component.get("custom_id"))
        if menu_or_button and not component.get("disabled"):
            usable.append(component)
    return usable


def shape(custom_id: str) -> str:
    """A component or form with its ids taken out: one poll's vote button stands for all of them."""
    return re.sub(r"\d+", "#", custom_id)
