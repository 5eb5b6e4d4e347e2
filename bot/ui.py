"""Restart-proof buttons, selects and forms under one scheme: custom ids `agora:<capability>:<action>:<ids>`.

Buttons and selects subclass `PersistentButton` / `PersistentSelect` (discord.py `DynamicItem`s): their ids travel in
the custom_id and their state is re-read from the database, so a message posted months ago still works after any
restart. Forms (modals) are not kept by discord.py across restarts: a capability marks the method that receives a
form with `@form(action, ids)`, and `Components` routes each submission by its custom id. Anything under `agora:` that
no loaded capability claims (an old message, a capability switched off) gets a polite "no longer available" rather
than Discord's "This interaction failed".
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import discord

from bot.replies import command_opens_form, report_error
from models.errors import NoLongerAvailableError, StrangerError

if TYPE_CHECKING:
    from bot.client import Agora, Interaction

log = logging.getLogger(__name__)

PREFIX = "agora"
CUSTOM_ID_MAX = 100  # https://discord.com/developers/docs/interactions/message-components#custom-id
LEGACY_PREFIXES = ("poll:",)  # ids from before the scheme; their items are still registered
NEVER = r"(?!)"  # the template of abstract bases: matches no custom id
FORM_ATTRIBUTE = "__agora_form__"
# https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal
MODAL_TITLE_MAX = 45

FormHandler = Callable[..., Awaitable[None]]
F = TypeVar("F", bound=FormHandler)


def custom_id(capability: str, action: str, *ids: int | str) -> str:
    """`agora:<capability>:<action>:<id>:<id>…`; refuses what Discord would refuse (over 100 characters)."""
    made = ":".join((PREFIX, capability, action, *(str(part) for part in ids)))
    if len(made) > CUSTOM_ID_MAX:
        raise ValueError(f"custom id over {CUSTOM_ID_MAX} characters: {made!r}")
    return made


def template(capability: str, action: str, ids: str = "", *, formerly: str = "") -> str:
    """The regex an item's custom id matches: `ids` holds named groups, e.g. `(?P<poll>\\d+):(?P<option>\\d+)`.

    `formerly` is an older spelling of the same `agora:<capability>:<action>` prefix that messages already posted
    still carry; the item answers both, and writes the new one.
    """
    head = re.escape(f"{PREFIX}:{capability}:{action}")
    if formerly:
        head = f"(?:{head}|{re.escape(formerly)})"
    return f"{head}:{ids}" if ids else head


def parsed(match: re.Match[str]) -> dict[str, int | str]:
    """The named groups of a custom id, digits as ints (snowflakes and row ids), the rest as text."""
    return {name: int(value) if value.isdigit() else value for name, value in match.groupdict().items()}


async def _run(item: PersistentButton | PersistentSelect, interaction: discord.Interaction[Any]) -> None:
    """What every persistent item does when used: find its capability's cog, run, answer any failure kindly."""
    try:
        cog = interaction.client.get_cog(item.cog_name)
        if cog is None:
            raise NoLongerAvailableError()
        await item.run(interaction, cog)
    except Exception as error:
        await report_error(interaction, error)


class PersistentButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NEVER):
    """A button whose ids are in its custom id: subclass with `template=template(...)`, a `cog_name`, and `run`.

    `__init__` takes the ids in the template's order (then anything else, e.g. a label), so that a click after a
    restart rebuilds the item from its custom id alone.
    """

    cog_name: ClassVar[str] = ""
    opens_form: ClassVar[bool] = False  # its answer may be a form (the watchdog then waits longer)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PersistentButton:
        return cast(PersistentButton, cast(Any, cls)(*parsed(match).values()))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _run(self, interaction)

    async def run(self, interaction: Interaction, cog: Any) -> None:
        raise NotImplementedError


class PersistentSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=NEVER):
    """A select menu whose ids are in its custom id; the chosen values are in `self.values` when `run` is called."""

    cog_name: ClassVar[str] = ""
    opens_form: ClassVar[bool] = False

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PersistentSelect:
        return cast(PersistentSelect, cast(Any, cls)(*parsed(match).values()))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _run(self, interaction)

    async def run(self, interaction: Interaction, cog: Any) -> None:
        raise NotImplementedError

    @property
    def values(self) -> list[str]:
        return list(self.item.values)


@dataclass(frozen=True)
class Form:
    """A form a capability receives: its custom id template and the handler's name on the cog."""

    pattern: re.Pattern[str]
    method: str


def form(capability: str, action: str, ids: str = "") -> Callable[[F], F]:
    """Mark a cog method as the receiver of forms with ids `agora:<capability>:<action>:<ids>`.

    The method is called as `method(interaction, values, **ids)`: `values` maps each input's custom id to its text.
    """

    def mark(method: F) -> F:
        setattr(method, FORM_ATTRIBUTE, template(capability, action, ids))
        return method

    return mark


def form_view(title: str, form_id: str, inputs: Sequence[discord.ui.TextInput[Any]]) -> discord.ui.Modal:
    """A modal discord.py does not keep (stopped before sending): its submission is routed by `Components`."""
    modal = discord.ui.Modal(title=title[:MODAL_TITLE_MAX], custom_id=form_id, timeout=None)
    for item in inputs:
        modal.add_item(item)
    modal.stop()
    return modal


def submitted_values(data: dict[str, Any]) -> dict[str, str]:
    """{input custom id: value} of a modal submission, whatever the nesting (action rows or labels); a select's
    chosen values come one a line."""
    values: dict[str, str] = {}

    def walk(components: Sequence[Any]) -> None:
        for component in components:
            if "custom_id" in component and "value" in component:
                values[str(component["custom_id"])] = str(component["value"] or "")
            elif "custom_id" in component and "values" in component:  # a select in a label: one value a line
                values[str(component["custom_id"])] = "\n".join(str(v) for v in component["values"] or [])
            walk(component.get("components") or [])
            if isinstance(component.get("component"), dict):
                walk([component["component"]])

    walk(list(data.get("components") or []))
    return values


class Components:
    """The bot's registry of persistent items and forms; answers what nobody claims."""

    def __init__(self, bot: Agora) -> None:
        self.bot = bot
        self.items: dict[object, tuple[type[discord.ui.DynamicItem[Any]], ...]] = {}
        self.forms: dict[object, tuple[tuple[re.Pattern[str], FormHandler], ...]] = {}
        # Every DynamicItem the bot registered, whoever did (kept by `Agora.add_dynamic_items`).
        self.templates: dict[type[discord.ui.DynamicItem[Any]], re.Pattern[str]] = {}

    def add(self, owner: object, items: Sequence[type[discord.ui.DynamicItem[Any]]]) -> None:
        """Register `owner`'s items, and every method of `owner` marked with `@form`."""
        self.bot.add_dynamic_items(*items)
        self.items[owner] = tuple(items)
        self.forms[owner] = tuple(
            (re.compile(getattr(method, FORM_ATTRIBUTE)), method) for method in _marked_methods(owner)
        )

    def remove(self, owner: object) -> None:
        self.bot.remove_dynamic_items(*self.items.pop(owner, ()))
        self.forms.pop(owner, None)

    def note_items(self, items: Sequence[type[discord.ui.DynamicItem[Any]]], *, added: bool) -> None:
        for item in items:
            if added:
                self.templates[item] = item.__discord_ui_compiled_template__
            else:
                self.templates.pop(item, None)

    async def route(self, interaction: Interaction) -> None:
        """Receive forms; answer items and forms of ours that no loaded capability claims."""
        data = cast(dict[str, Any], interaction.data or {})
        found = str(data.get("custom_id", ""))
        if not found.startswith((f"{PREFIX}:", *LEGACY_PREFIXES)):
            return
        if interaction.type is discord.InteractionType.modal_submit:
            await self._receive_form(interaction, found, data)
        elif interaction.type is discord.InteractionType.component and not self._claimed(found):
            log.info("no longer available: component %s (guild %s)", found, interaction.guild_id)
            await report_error(interaction, NoLongerAvailableError())

    async def _receive_form(self, interaction: Interaction, found: str, data: dict[str, Any]) -> None:
        for pattern, handler in self._all_forms():
            match = pattern.fullmatch(found)
            if match is not None:
                try:
                    await handler(interaction, submitted_values(data), **parsed(match))
                except Exception as error:
                    await report_error(interaction, error)
                return
        log.info("no longer available: form %s (guild %s)", found, interaction.guild_id)
        await report_error(interaction, NoLongerAvailableError())

    def _claimed(self, found: str) -> bool:
        return self.item_for(found) is not None

    def item_for(self, found: str) -> type[discord.ui.DynamicItem[Any]] | None:
        """The registered item whose template a custom id matches."""
        return next((item for item, pattern in self.templates.items() if pattern.fullmatch(found)), None)

    def may_open_form(self, interaction: Interaction) -> bool:
        """Whether the command or component being used may answer with a form (see `bot.replies.Watchdog`)."""
        if command_opens_form(interaction):
            return True
        data = cast(dict[str, Any], interaction.data or {})
        found = str(data.get("custom_id", ""))
        item = self.item_for(found) if interaction.type is discord.InteractionType.component else None
        return bool(getattr(item, "opens_form", False))

    def _all_forms(self) -> Iterator[tuple[re.Pattern[str], FormHandler]]:
        for forms in self.forms.values():
            yield from forms


def _marked_methods(owner: object) -> Iterator[FormHandler]:
    for name, _ in inspect.getmembers(type(owner), inspect.iscoroutinefunction):
        method = getattr(owner, name)
        if hasattr(method, FORM_ATTRIBUTE):
            yield method


def own(interaction: Interaction, member_id: int, key: str | None = None) -> None:
    """Per-member components refuse strangers politely (`key`: the capability's own words for it)."""
    if interaction.user.id != member_id:
        raise StrangerError(key)
