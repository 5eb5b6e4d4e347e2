"""Mentoring's buttons, restart-proof: ids in the custom id, state in the database.

A round's preview (Publish, Weights, Discard) is for hosts; a proposal's Accept/Decline and a finished pair's 1–5
rating belong to the two members of that pair; a check-in's ✅/❌ to the pair too. Each refuses anyone else politely.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot import i18n
from bot.ui import PersistentButton, custom_id, template

if TYPE_CHECKING:
    from bot.client import Interaction
    from cogs.mentoring import Mentoring

COG = "Mentoring"
ROUND_ACTIONS = {
    "publish": ("✅", discord.ButtonStyle.success),
    "weights": ("⚖️", discord.ButtonStyle.secondary),
    "discard": ("🗑️", discord.ButtonStyle.danger),
}


def button(action: str, *ids: int | str, **style: Any) -> discord.ui.Button[Any]:
    return discord.ui.Button(custom_id=custom_id("mentoring", action, *ids), **style)


class RoundButton(
    PersistentButton, template=template("mentoring", "round", r"(?P<round>\d+):(?P<action>publish|weights|discard)")
):
    cog_name = COG
    opens_form = True

    def __init__(self, round_id: int, action: str, label: str = "") -> None:
        self.round_id, self.action = round_id, action
        emoji, style = ROUND_ACTIONS[action]
        super().__init__(button("round", round_id, action, label=label or action, emoji=emoji, style=style))

    async def run(self, interaction: Interaction, cog: Mentoring) -> None:
        await cog.round_action(interaction, self.round_id, self.action)


class ConsentButton(
    PersistentButton, template=template("mentoring", "consent", r"(?P<mentorship>\d+):(?P<answer>accept|decline)")
):
    cog_name = COG
    opens_form = True

    def __init__(self, mentorship_id: int, answer: str, label: str = "") -> None:
        self.mentorship_id, self.answer = mentorship_id, answer
        accept = answer == "accept"
        style = discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary
        super().__init__(
            button("consent", mentorship_id, answer, label=label or answer, emoji="✅" if accept else "❌", style=style)
        )

    async def run(self, interaction: Interaction, cog: Mentoring) -> None:
        await cog.consent(interaction, self.mentorship_id, accept=self.answer == "accept")


class CheckInButton(PersistentButton, template=template("mentoring", "check_in", r"(?P<check_in>\d+):(?P<met>yes|no)")):
    cog_name = COG

    def __init__(self, check_in_id: int, met: str, label: str = "") -> None:
        self.check_in_id, self.met = check_in_id, met
        yes = met == "yes"
        style = discord.ButtonStyle.success if yes else discord.ButtonStyle.secondary
        super().__init__(
            button("check_in", check_in_id, met, label=label or met, emoji="✅" if yes else "❌", style=style)
        )

    async def run(self, interaction: Interaction, cog: Mentoring) -> None:
        await cog.answer_check_in(interaction, self.check_in_id, met=self.met == "yes")


class RatingButton(PersistentButton, template=template("mentoring", "rate", r"(?P<mentorship>\d+):(?P<rating>[1-5])")):
    cog_name = COG
    opens_form = True

    def __init__(self, mentorship_id: int, rating: int) -> None:
        self.mentorship_id, self.rating = mentorship_id, int(rating)
        super().__init__(
            button("rate", mentorship_id, rating, label=str(rating), emoji="⭐", style=discord.ButtonStyle.secondary)
        )

    async def run(self, interaction: Interaction, cog: Mentoring) -> None:
        await cog.rate(interaction, self.mentorship_id, self.rating)


ITEMS = (RoundButton, ConsentButton, CheckInButton, RatingButton)


def round_view(round_id: int, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in ROUND_ACTIONS:
        view.add_item(RoundButton(round_id, action, i18n.t(language, f"mentoring.button.{action}")))
    return view


def consent_view(mentorship_id: int, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConsentButton(mentorship_id, "accept", i18n.t(language, "mentoring.button.accept")))
    view.add_item(ConsentButton(mentorship_id, "decline", i18n.t(language, "mentoring.button.decline")))
    return view


def check_in_view(check_in_id: int, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CheckInButton(check_in_id, "yes", i18n.t(language, "mentoring.button.met")))
    view.add_item(CheckInButton(check_in_id, "no", i18n.t(language, "mentoring.button.missed")))
    return view


def rating_view(mentorship_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for rating in range(1, 6):
        view.add_item(RatingButton(mentorship_id, rating))
    return view
