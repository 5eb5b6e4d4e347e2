"""Guild isolation: nothing a host of one server does can read or change another server's data.

Server B ("Beta") gets something of every capability, each named with a marker word; then a host of server A, who
is not in B, tries every way in: every autocomplete, every command that takes a reference (a message link, an id, a
name of B's), every command without options (lists, reports, exports), and every persistent button, menu and form
with a custom id forged to point at B's rows. Tables, not cases: a new template, form or autocomplete is covered
without touching this file (an id group it cannot fill fails the test, naming the group to map).

After each attempt: the member read no marker word (texts, embeds, attached files), and B's rows in every table
and B's messages, roles and members in Discord are as they were.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import models.registry  # noqa: F401 (every table in the metadata)
from bot.config import Settings
from bot.ui import PersistentSelect
from models.base import Base
from playground.emulator import Emulator, MemberDriver
from playground.emulator.interactions import INTEGER, STRING
from playground.emulator.seed import BOT_PERMISSIONS
from playground.emulator.state import Guild, Interaction, Json, Message
from tests.conftest import AgoraHarness
from tests.support import fuzz
from tests.support.welcome import greeting_of, with_welcome

MARK = "Zanzibar"
MANAGE_GUILD, MANAGE_CHANNELS = 1 << 5, 1 << 4
DEFERRED, DEFERRED_UPDATE, LOADING = 5, 6, 128

# What B's ids of each named group in a custom id are: tables whose `id` it is, or a kind of Discord id.
ROW_IDS = {
    "poll": ("polls",),
    "option": ("poll_options",),
    "version": ("conduct_versions",),
    "group": ("groups",),
    "formation": ("group_formations",),
    "search": ("knowledge_searches",),
    "entry": ("knowledge_entries",),
    "resource": ("knowledge_resources",),
    "round": ("mentoring_rounds", "feedback_rounds"),
    "mentorship": ("mentorships",),
    "check_in": ("mentoring_check_ins",),
    "occurrence": ("session_occurrences",),
    "draft": ("session_drafts",),
}
# Rows B does not get here (a check-in needs a mentorship weeks old): their ids point at row 1, which is nobody's.
UNREACHED = {"check_in"}
# Groups that are not B's rows: pages, sizes, flags.
PLAIN = {"page": ("0", "1"), "cap": ("0",), "parent": ("0",)}
# Text groups whose template allows any word: B's own words.
WORDS = {"question": ("learn", "share"), "category": ("*", "zanzibar"), "topic": ("", "zanzibar"), "level": ("",)}
WORDS["language"] = ("",)

# Options of commands that take a reference, with what to put in them; other options are given only when required.
REQUIRED = {"answer": "going", "committee": True}
# Autocompleted options that configure server A itself rather than point at something (typing B's words there is
# A's own business, and is covered by the autocomplete check).
NOT_REFERENCES = {("agora timezone", "zone"), ("kudos category", "key"), ("resource suggest", "topic")}
NOT_REFERENCES |= {("kb tags", name) for name in ("question", "tutorial", "tip", "solved")}


@dataclass
class Beta:
    """Server B and what it holds."""

    guild: Guild
    host: MemberDriver
    members: list[MemberDriver]
    modals: dict[str, Json] = field(default_factory=dict)  # the forms B's members were shown, by shape


@pytest.fixture
def agora_settings(agora_settings: Settings, tmp_path: Path) -> Settings:
    """Every capability on: a code of conduct and a questionnaire."""
    return with_welcome(agora_settings, tmp_path)


async def answered(member: MemberDriver, interaction: Interaction) -> Interaction:
    """The interaction once its real answer came (a deferred one is followed up, or edits the clicked message)."""
    kind = interaction.response.type if interaction.response is not None else None
    if kind == DEFERRED:
        await member.emulator.wait_for(
            lambda: interaction.original is not None and not interaction.original.flags & LOADING,
            20,
            f"the answer to {interaction.label}",
        )
    return interaction


async def as_b(beta: Beta, member: MemberDriver, command: str, /, **options: Any) -> Interaction:
    reply = await answered(member, await member.slash(command, **options))
    if reply.modal is not None:
        beta.modals[fuzz.shape(str(reply.modal["custom_id"]))] = reply.modal
    return reply


async def submit(beta: Beta, member: MemberDriver, opened: Interaction, **values: str) -> Interaction:
    assert opened.modal is not None, f"{opened.label} opened no form: {opened.content!r}"
    return await answered(member, await member.submit_modal(values, opened_by=opened))


async def build_beta(discord: Emulator, agora: AgoraHarness) -> Beta:
    """Server B, set up by its host through Agora itself: something of every capability, named with MARK."""
    guild = await discord.create_guild("Beta")
    await discord.set_bot_permissions(guild, BOT_PERMISSIONS | MANAGE_CHANNELS)
    hosts = await discord.create_role(guild, "Hosts", permissions=MANAGE_GUILD)
    member_role = await discord.create_role(guild, "Member")
    host = await discord.join(guild, "bianca", roles=[hosts])
    beta = Beta(guild, host, [])
    channels = {name: await discord.create_channel(guild, name) for name in ("welcome", "rules", "moderators")}
    channels["announcements"] = await discord.create_channel(guild, "announcements")
    channels["mentoring"] = await discord.create_channel(guild, "mentoring")
    channels["knowledge"] = await discord.create_channel(guild, "knowledge", type="forum", tags=["python"])
    lounge = await discord.create_channel(guild, "lounge", type="voice")
    for purpose, channel in channels.items():
        reply = await as_b(beta, host, "agora channel", purpose=purpose, channel=channel)
        assert "✅" in reply.content, reply.content
    await as_b(beta, host, "agora role", purpose="member", role=member_role)
    await as_b(beta, host, "conduct publish")
    bruno = await discord.join(guild, "bruno", roles=[member_role])
    berta = await discord.join(guild, "berta", roles=[member_role])
    beta.members = [host, bruno, berta]
    await agora.idle()
    start = await answered(berta, await berta.click(await greeting_of(channels["welcome"], berta), "Start"))
    assert start.followups or start.original is not None

    await as_b(beta, host, "poll create", question=f"{MARK} lunch?", options=f"{MARK} pizza; {MARK} soup")
    await as_b(beta, host, "poll create", question=f"{MARK} secret?", options="Yes; No", anonymous=True)
    general = guild.channel("general")
    polls = [message for message in general.messages if message.embeds]
    await bruno.react(polls[0], "🇦")
    await answered(bruno, await bruno.click(polls[1], "Yes"))

    opened = await as_b(
        beta,
        host,
        "session create",
        title=f"{MARK} study",
        format="other",
        start="2027-03-16 18:00",
        duration="1h",
        channel=lounge,
    )
    await submit(beta, host, opened, description=f"{MARK} notes")
    made = await as_b(
        beta,
        host,
        "feedback pulse create",
        question=f"{MARK} pulse?",
        every="weekly",
        start="2027-03-02 10:00",
        channel=general,
    )
    assert "✅" in made.content, made.content

    opened = await as_b(beta, host, "group create", name=f"{MARK} builders", purpose=f"{MARK} dashboard")
    await submit(beta, host, opened, goals=f"{MARK} goals", how=f"{MARK} calls")

    opened = await as_b(beta, host, "share")
    await submit(beta, host, opened, title=f"{MARK} tips", content=f"{MARK} content about python", link="")
    await as_b(
        beta,
        bruno,
        "resource suggest",
        url="https://example.org/zanzibar",
        title=f"{MARK} course",
        topic="zanzibar",
        level="beginner",
        language="en",
    )
    await as_b(beta, host, "kb search", query=MARK)

    await as_b(beta, host, "kudos category", key="zanzibar", english=f"{MARK} help", french=f"{MARK} aide")
    await as_b(beta, host, "kudos give", member=bruno.member, category="zanzibar", reason=f"{MARK} thanks")

    for who, command in ((bruno, "mentor offer"), (berta, "mentor request")):
        opened = await as_b(beta, who, command)
        assert opened.modal is not None
        fields = {c["custom_id"]: c.get("value") or MARK for c in fuzz.fields(opened.modal) if c.get("type") == 4}
        await submit(beta, who, opened, **fields)
    preview = await as_b(beta, host, "mentoring round")
    publish = next(
        button["custom_id"]
        for message in preview.followups
        for button in message.buttons()
        if str(button.get("custom_id", "")).endswith(":publish")
    )
    await answered(host, await host.click(preview.followups[-1], publish))
    await as_b(beta, host, "group form", role=member_role, size=2)
    await as_b(
        beta,
        host,
        "session create",
        title=f"{MARK} draft",
        format="other",
        start="2027-03-17 18:00",
        duration="1h",
        channel=lounge,
    )  # its form left unsent: a draft
    await as_b(beta, host, "profile edit")
    await agora.idle()
    return beta


# --- what B holds -------------------------------------------------------------------------------------------


async def rows_of(agora: AgoraHarness, guild_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the guild, table by table."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with agora.bot.db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            if "guild_id" in table.c:
                result = await session.execute(select(table).where(table.c.guild_id == guild_id))
                found[table.name] = sorted((tuple(row) for row in result), key=repr)
    return found


def discord_side(discord: Emulator, guild: Guild) -> str:
    """B as Discord holds it: channels and their messages (with reactions), roles, members and their roles."""
    parts = []
    for channel in sorted(discord.state.channels.values(), key=lambda c: c.id):
        if channel.guild_id != guild.id:
            continue
        parts.append(repr((channel.id, channel.name, channel.type, channel.overwrites)))
        for message in channel.messages:
            parts.append(repr((message.id, message.content, message.embeds, message.components, message.reactions)))
    parts += [repr((role.id, role.name, role.permissions)) for role in guild.roles.values()]
    parts += [repr((member.id, sorted(member.role_ids))) for member in guild.members.values()]
    return "\n".join(parts)


def ids_for(group: str, rows: dict[str, list[tuple[Any, ...]]], discord: Emulator, beta: Beta) -> list[str]:
    """B's values for one id group of a custom id."""
    guild = beta.guild
    if group == "guild":
        return [str(guild.id)]
    if group in ("member", "author"):
        return [str(member.id) for member in beta.members]
    if group == "channel":
        return [str(c.id) for c in discord.state.channels.values() if c.guild_id == guild.id]
    if group in ("message", "thread"):
        channels = [c for c in discord.state.channels.values() if c.guild_id == guild.id]
        if group == "thread":
            return [str(c.id) for c in channels if c.parent_id is not None]
        return [str(m.id) for c in channels for m in c.messages]
    if group in PLAIN:
        return list(PLAIN[group])
    tables = ROW_IDS.get(group)
    assert tables is not None, f"custom id group {group!r}: say in ROW_IDS which of B's rows it names"
    primary = {table.name: table.c.keys().index("id") for table in Base.metadata.sorted_tables if "id" in table.c}
    return [str(row[primary[name]]) for name in tables for row in rows.get(name, [])]


def split(pattern: str) -> Iterator[tuple[str, str]]:
    """A template as (kind, text) pieces: ("lit", literal), ("alt", non-capturing group), ("group:NAME", regex)."""
    position = 0
    literal = ""
    while position < len(pattern):
        if pattern[position] == "(":
            depth, end = 0, position
            for end in range(position, len(pattern)):
                depth += {"(": 1, ")": -1}.get(pattern[end], 0) if pattern[end - 1] != "\\" else 0
                if depth == 0:
                    break
            if literal:
                yield "lit", literal
                literal = ""
            inner = pattern[position + 1 : end]
            named = re.match(r"\?P<(\w+)>", inner)
            if named:
                yield f"group:{named.group(1)}", inner[named.end() :]
            else:
                yield "alt", inner.removeprefix("?:")
            position = end + 1
        elif pattern[position] == "\\":
            literal += pattern[position + 1]
            position += 2
        else:
            literal += pattern[position]
            position += 1
    if literal:
        yield "lit", literal


def forged_ids(pattern: str, rows: dict[str, list[tuple[Any, ...]]], discord: Emulator, beta: Beta) -> list[str]:
    """Custom ids the template accepts, each id group filled with B's values (zipped), each choice of words tried."""
    choices: list[list[str]] = []
    for kind, text in split(pattern):
        if kind == "lit":
            choices.append([text])
        elif kind == "alt":
            choices.append([text.split("|")[0].replace("\\", "")])
        elif text == r"\d+":
            name = kind.removeprefix("group:")
            values = ids_for(name, rows, discord, beta) or (["1"] if name in UNREACHED else [])
            assert values, f"{pattern}: B has no {kind} (give B one in build_beta)"
            choices.append(values)
        elif re.fullmatch(r"[\w|]+", text):
            choices.append(text.split("|"))
        elif re.fullmatch(r"\[[\w-]+\]", text):
            choices.append([text[1]])
        else:
            words = WORDS.get(kind.removeprefix("group:"))
            assert words is not None, f"{pattern}: say in WORDS what {kind} holds"
            choices.append(list(words))
    longest = max(len(values) for values in choices)
    made = {"".join(values[i % len(values)] for values in choices) for i in range(longest)}
    for fixed in itertools.product(*[values if len(values) <= 3 else values[:1] for values in choices]):
        made.add("".join(fixed))
    compiled = re.compile(pattern)
    for custom_id in made:
        assert compiled.fullmatch(custom_id), f"{custom_id!r} does not match {pattern}"
    return sorted(made)


# --- what A's host reads ----------------------------------------------------------------------------------


def readable(interaction: Interaction) -> list[str]:
    """Everything the member reads in an answer: texts, embeds, choices, attached files."""
    found = [repr(interaction.choices)] if interaction.choices else []
    for message in (interaction.original, *interaction.followups):
        if message is None:
            continue
        found.append(message.content)
        found += [repr(embed) for embed in message.embeds]
        found += [attachment.data.decode("utf-8", "replace") for attachment in message.attachments]
    return found


class Watch:
    """Checks after each attempt that B did not move and that nothing of B was shown to the one trying.

    Waiting for Agora to be idle costs the bot a gateway send (of which Discord allows 120 a minute), so attempts
    are checked as soon as they are answered, and each phase ends with one wait for whatever work they left behind.
    B's rows (one query per table) are compared after each group of attempts (one template, form or command),
    which still names the culprit.
    """

    def __init__(self, discord: Emulator, agora: AgoraHarness, beta: Beta, who: MemberDriver) -> None:
        self.discord, self.agora, self.beta, self.who = discord, agora, beta, who
        self.rows: dict[str, list[tuple[Any, ...]]] = {}
        self.seen = ""
        self.dms = 0
        self.leaks: list[str] = []
        self.tried = 0

    async def start(self) -> None:
        self.rows = await rows_of(self.agora, self.beta.guild.id)
        self.seen = discord_side(self.discord, self.beta.guild)

    async def check(self, label: str, interaction: Interaction | None = None, sent: Sequence[object] = ()) -> None:
        """`sent`: what the member typed or forged, which an answer may repeat (that is not B's data)."""
        if interaction is not None:
            self.tried += 1
            await answered(self.beta.host, interaction)
            shown = [text for text in readable(interaction) if MARK.lower() in without(text, sent)]
            if shown:
                self.leaks.append(f"{label}: showed B's data: {shown[0][:300]!r}")
        dms = self.who.dms
        for message in dms[self.dms :]:
            if MARK.lower() in repr((message.content, message.embeds)).lower():
                self.leaks.append(f"{label}: sent B's data by DM: {message.content[:300]!r}")
        self.dms = len(dms)
        seen = discord_side(self.discord, self.beta.guild)
        if seen != self.seen:
            self.leaks.append(f"{label}: changed B in Discord")
            self.seen = seen

    async def rows_kept(self, label: str) -> None:
        """After a group of attempts: B's rows are as they were."""
        rows = await rows_of(self.agora, self.beta.guild.id)
        changed = [name for name in rows if rows[name] != self.rows.get(name)]
        if changed:
            self.leaks.append(f"{label}: changed B's rows in {changed}")
            self.rows = rows

    async def phase(self, label: str) -> None:
        """After a phase: once Agora finished what the attempts started, B is still as it was."""
        await self.agora.idle()
        await self.check(f"after {label}")
        await self.rows_kept(f"after {label}")


def without(text: str, sent: Sequence[object]) -> str:
    """The text in lower case, without what the member sent (custom id parts count one by one)."""
    text = text.lower()
    pieces = {str(piece).lower() for value in sent for piece in (value, *str(value).split(":"))}
    for piece in sorted(pieces, key=len, reverse=True):
        if piece:
            text = text.replace(piece, "")
    return text


def references(option: Json, rows: dict[str, list[tuple[Any, ...]]], discord: Emulator, beta: Beta) -> list[Any]:
    """What a member of A could put in an option to point at B: links to B's messages, B's ids, B's names."""
    links = [
        f"https://discord.com/channels/{beta.guild.id}/{m.channel_id}/{m.id}"
        for c in discord.state.channels.values()
        if c.guild_id == beta.guild.id
        for m in c.messages
        if m.embeds or m.components
    ]
    ids = sorted({str(row[0]) for table_rows in rows.values() for row in table_rows if isinstance(row[0], int)})
    if int(option["type"]) == INTEGER:
        return [int(value) for value in ids if int(value) < 2**53]
    return [*links, *ids, MARK, f"{MARK} builders", f"{MARK} lunch?", "zanzibar"]


def attempts(form: fuzz.Form, values: Sequence[Any], option: Json) -> Iterator[dict[str, Any]]:
    """The command with `option` set to each value; its other required options get an ordinary value, or None
    when they have none here (the command is then left out)."""
    others: dict[str, Any] = {}
    for spec in form.schema:
        if spec["name"] == option["name"] or not spec.get("required"):
            continue
        if spec["name"] not in REQUIRED:
            return
        others[spec["name"]] = REQUIRED[spec["name"]]
    for value in values:
        yield {**others, option["name"]: value}


async def test_no_way_from_one_server_into_another(discord: Emulator, agora: AgoraHarness) -> None:
    discord.expect_rejections(10007)  # Unknown Member: Agora looking up someone of A in B, or of B in A
    beta = await build_beta(discord, agora)
    alpha = discord.guild
    hosts = await discord.create_role(alpha, "Hosts", permissions=MANAGE_GUILD)
    mallory = await discord.member("mallory", roles=[hosts])
    friend = await discord.member("fred")
    general = alpha.channel("general")
    await answered(mallory, await mallory.slash("poll create", question="Ours?", options="Yes; No"))
    source: Message = general.messages[-1]
    REQUIRED["member"] = friend.member

    watch = Watch(discord, agora, beta, mallory)
    await watch.start()
    rows = watch.rows
    wanted: tuple[str, ...] = (
        "polls",
        "session_occurrences",
        "groups",
        "knowledge_entries",
        "knowledge_resources",
        "kudos",
    )
    wanted += ("mentor_offers", "mentoring_rounds", "mentorships", "conduct_versions", "onboarding_members")
    wanted += ("pulse_surveys", "group_formations", "session_drafts", "knowledge_searches")
    assert not [name for name in wanted if not rows[name]], "B lacks some of what the test needs"

    # 1. Every persistent button and menu, and every form, with ids forged to point at B.
    for item, compiled in sorted(agora.bot.components.templates.items(), key=lambda pair: pair[1].pattern):
        is_select = issubclass(item, PersistentSelect)
        for custom_id in forged_ids(compiled.pattern, rows, discord, beta):
            picked = ids_for("message", rows, discord, beta)[:1] if is_select else None
            reply = await mallory.forge(source, custom_id, component_type=3 if is_select else 2, values=picked)
            await watch.check(f"component {custom_id}", reply, [custom_id])
        await watch.rows_kept(f"components {compiled.pattern}")
    await watch.phase("the components")
    for forms in agora.bot.components.forms.values():
        for compiled, _ in forms:
            # The form's fields as B's members were shown them (a form never opened in B is left out).
            modal = next((m for m in beta.modals.values() if compiled.fullmatch(str(m["custom_id"]))), None)
            if modal is None:
                continue
            for custom_id in forged_ids(compiled.pattern, rows, discord, beta):
                reply = await mallory.forge(source, custom_id, modal=modal)
                await watch.check(f"form {custom_id}", reply, [custom_id])
            await watch.rows_kept(f"forms {compiled.pattern}")
    await watch.phase("the forms")

    synced = [form for command in discord.commands() for form in fuzz.forms(command) if form.kind == 1]
    # 2. Every autocomplete, typing nothing, B's marker word, and a small id.
    for form in synced:
        for option in form.autocompleted:
            for typed in ("", MARK, "1"):
                typing_in: dict[str, Any] = {option["name"]: 1 if int(option["type"]) == INTEGER else typed}
                reply = await mallory.type_into(form.path, focused=option["name"], **typing_in)
                await watch.check(f"autocomplete of /{form.path} {option['name']}={typed!r}", reply, [typed])
        await watch.rows_kept(f"autocompletes of /{form.path}")

    await watch.phase("the autocompletes")

    # 3. Every command that takes a reference, pointed at B; every command without options (lists, exports).
    for form in synced:
        if not form.schema:
            await watch.check(f"/{form.path}", await mallory.slash(form.path))
        for option in form.schema:
            if not option.get("autocomplete") or (form.path, option["name"]) in NOT_REFERENCES:
                continue
            if int(option["type"]) not in (STRING, INTEGER):
                continue
            for given in attempts(form, references(option, rows, discord, beta), option):
                reply = await mallory.slash(form.path, **given)
                await watch.check(f"/{form.path} {given}", reply, list(given.values()))
        await watch.rows_kept(f"/{form.path}")

    await watch.phase("the commands")
    assert watch.tried > 200
    assert not watch.leaks, "\n".join(watch.leaks)
