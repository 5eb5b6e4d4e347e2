"""The sessions' buttons and menus, restart-proof: ids in the custom id (`agora:sessions:…`), state in the database.

RSVP buttons sit under every announcement and `/session info`; "I was there" under a session held elsewhere while it
runs and for an hour after; the feedback buttons under each prompt (anyone prompted may use a copy posted in a
thread); page buttons under `/session list`; the reminders menu under `/session reminders`.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bot import i18n
from bot.ui import PersistentButton, PersistentSelect, custom_id, template
from models.sessions import rules
from models.sessions.rules import Location, State, Status

if TYPE_CHECKING:
    from bot.client import Interaction
    from cogs.sessions import Sessions
    from models.sessions.tables import SessionOccurrence

COG = "Sessions"
ANSWERS = "|".join(status.value for status in (Status.GOING, Status.MAYBE, Status.CANT))
RSVP_STYLES = {
    Status.GOING: (discord.ButtonStyle.success, "✅"),
    Status.MAYBE: (discord.ButtonStyle.secondary, "🤔"),
    Status.CANT: (discord.ButtonStyle.secondary, "❌"),
}


class RsvpButton(
    PersistentButton, template=template("sessions", "rsvp", rf"(?P<occurrence>\d+):(?P<status>{ANSWERS})")
):
    cog_name = COG

    def __init__(self, occurrence_id: int, status: str, label: str = "…") -> None:
        self.occurrence_id, self.status = occurrence_id, Status(status)
        style, emoji = RSVP_STYLES[self.status]
        button = discord.ui.Button[Any](
            label=label, style=style, emoji=emoji, custom_id=custom_id("sessions", "rsvp", occurrence_id, status)
        )
        super().__init__(button)

    async def run(self, interaction: Interaction, cog: Sessions) -> None:
        await cog.answer_rsvp(interaction, self.occurrence_id, self.status, source="button")


class ThereButton(PersistentButton, template=template("sessions", "there", r"(?P<occurrence>\d+)")):
    cog_name = COG

    def __init__(self, occurrence_id: int, label: str = "I was there") -> None:
        self.occurrence_id = occurrence_id
        button = discord.ui.Button[Any](
            label=label,
            style=discord.ButtonStyle.primary,
            emoji="🙋",
            custom_id=custom_id("sessions", "there", occurrence_id),
        )
        super().__init__(button)

    async def run(self, interaction: Interaction, cog: Sessions) -> None:
        await cog.confirm_there(interaction, self.occurrence_id)


class FeedbackButton(
    PersistentButton, template=template("sessions", "feedback", r"(?P<round>\d+):(?P<mode>named|anonymous)")
):
    """Opens the feedback form; "anonymous" stores the answer with no member id next to it."""

    cog_name = COG
    opens_form = True

    def __init__(self, round_id: int, mode: str, label: str = "…") -> None:
        self.round_id, self.mode = round_id, mode
        emoji = "🕶️" if mode == "anonymous" else "⭐"
        style = discord.ButtonStyle.secondary if mode == "anonymous" else discord.ButtonStyle.primary
        button = discord.ui.Button[Any](
            label=label, style=style, emoji=emoji, custom_id=custom_id("sessions", "feedback", round_id, mode)
        )
        super().__init__(button)

    async def run(self, interaction: Interaction, cog: Sessions) -> None:
        await cog.open_feedback(interaction, self.round_id, anonymous=self.mode == "anonymous")


class PageButton(PersistentButton, template=template("sessions", "page", r"(?P<page>\d+)")):
    cog_name = COG

    def __init__(self, page: int, label: str = "…", *, disabled: bool = False) -> None:
        self.page = page
        button = discord.ui.Button[Any](
            label=label,
            style=discord.ButtonStyle.secondary,
            custom_id=custom_id("sessions", "page", page),
            disabled=disabled,
        )
        super().__init__(button)

    async def run(self, interaction: Interaction, cog: Sessions) -> None:
        await cog.show_list(interaction, self.page, edit=True)


class RemindersSelect(PersistentSelect, template=template("sessions", "reminders", r"(?P<guild>\d+)")):
    cog_name = COG

    def __init__(self, guild_id: int, select: discord.ui.Select[Any] | None = None) -> None:
        self.guild_id = guild_id
        select = select or discord.ui.Select(options=[discord.SelectOption(label="…")])
        select.custom_id = custom_id("sessions", "reminders", guild_id)
        super().__init__(select)

    async def run(self, interaction: Interaction, cog: Sessions) -> None:
        await cog.choose_reminders(interaction, self.guild_id, [int(value) for value in self.values if value.isdigit()])


ITEMS = (RsvpButton, ThereButton, FeedbackButton, PageButton, RemindersSelect)


def rsvp_buttons(language: str, occurrence_id: int, counts: Counter[str]) -> list[RsvpButton]:
    return [
        RsvpButton(occurrence_id, status.value, i18n.t(language, f"sessions.button.{status}", count=counts[status]))
        for status in (Status.GOING, Status.MAYBE, Status.CANT)
    ]


def occurrence_view(
    language: str, found: SessionOccurrence, counts: Counter[str], now: datetime
) -> discord.ui.View | None:
    """RSVP buttons until the end; "I was there" for a session held elsewhere, from its start to an hour after."""
    view = discord.ui.View(timeout=None)
    if found.state == State.SCHEDULED and now < found.ends_at:
        for button in rsvp_buttons(language, found.id, counts):
            view.add_item(button)
    held_elsewhere = found.location_kind == Location.EXTERNAL and found.state != State.CANCELLED
    if held_elsewhere and rules.there_open(now, found.starts_at, found.ends_at):
        view.add_item(ThereButton(found.id, i18n.t(language, "sessions.button.there")))
    return view if view.children else None


def feedback_view(language: str, round_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton(round_id, "named", i18n.t(language, "sessions.button.feedback")))
    view.add_item(FeedbackButton(round_id, "anonymous", i18n.t(language, "sessions.button.feedback_anonymous")))
    return view


def page_view(language: str, page: int, pages: int) -> discord.ui.View | None:
    if pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(max(0, page - 1), i18n.t(language, "sessions.button.previous"), disabled=page == 0))
    view.add_item(
        PageButton(min(pages - 1, page + 1), i18n.t(language, "sessions.button.next"), disabled=page >= pages - 1)
    )
    return view


def reminders_view(language: str, guild_id: int, chosen: tuple[int, ...]) -> discord.ui.View:
    options = [
        discord.SelectOption(
            label=i18n.t(language, f"sessions.reminders.lead_{minutes}"), value=str(minutes), default=minutes in chosen
        )
        for minutes in rules.REMINDER_CHOICES
    ]
    select: discord.ui.Select[Any] = discord.ui.Select(
        placeholder=i18n.t(language, "sessions.reminders.placeholder"),
        options=options,
        min_values=0,
        max_values=len(options),
    )
    return discord.ui.View(timeout=None).add_item(RemindersSelect(guild_id, select))
