"""The welcome path's buttons and menu, restart-proof: ids in the custom id, state in the database.

Each belongs to one member (`guild`, `member` in the id) and refuses strangers politely. Ids written before the
`agora:onboarding:` scheme (`agora:onb:…`) are still answered: greetings already posted keep working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot import i18n
from bot.ui import PersistentButton, PersistentSelect, custom_id, template
from models.onboarding.questionnaire import CHOICE_TYPES, SCALE, Question

if TYPE_CHECKING:
    from bot.client import Interaction
    from cogs.onboarding import Onboarding

IDS = r"(?P<guild>\d+):(?P<member>\d+)"
QUESTION = r"(?P<question>[a-z0-9][a-z0-9_-]{0,31})"
START = template("onboarding", "start", IDS, formerly="agora:onb:start")
ANSWER = template("onboarding", "answer", rf"{IDS}:{QUESTION}", formerly="agora:onb:answer")
SKIP = template("onboarding", "skip", rf"{IDS}:{QUESTION}", formerly="agora:onb:skip")
ACCEPT = template("onboarding", "accept", rf"{IDS}:(?P<version>\d+)", formerly="agora:onb:accept")
PICK = template("onboarding", "pick", rf"{IDS}:{QUESTION}", formerly="agora:onb:pick")


def path_button(action: str, guild_id: int, member_id: int, *extra: int | str, **style: Any) -> discord.ui.Button[Any]:
    return discord.ui.Button(custom_id=custom_id("onboarding", action, guild_id, member_id, *extra), **style)


class StartButton(PersistentButton, template=START):
    """A member's own “Start” (or “Continue”): in greetings, reminders, and after accepting the code of conduct."""

    cog_name = "Onboarding"

    def __init__(self, guild_id: int, member_id: int, label: str = "Start") -> None:
        self.guild_id, self.member_id = guild_id, member_id
        super().__init__(
            path_button("start", guild_id, member_id, label=label, style=discord.ButtonStyle.primary, emoji="▶️")
        )

    async def run(self, interaction: Interaction, cog: Onboarding) -> None:
        await cog.start_from_button(interaction, self.guild_id, self.member_id)


class AnswerButton(PersistentButton, template=ANSWER):
    """Opens the form of the current text questions."""

    cog_name = "Onboarding"
    opens_form = True

    def __init__(self, guild_id: int, member_id: int, question_id: str, label: str = "Answer") -> None:
        self.guild_id, self.member_id, self.question_id = guild_id, member_id, question_id
        style = {"label": label, "emoji": "✍️", "style": discord.ButtonStyle.primary}
        super().__init__(path_button("answer", guild_id, member_id, question_id, **style))

    async def run(self, interaction: Interaction, cog: Onboarding) -> None:
        await cog.show_form(interaction, self.guild_id, self.member_id, self.question_id)


class SkipButton(PersistentButton, template=SKIP):
    cog_name = "Onboarding"

    def __init__(self, guild_id: int, member_id: int, question_id: str, label: str = "Skip") -> None:
        self.guild_id, self.member_id, self.question_id = guild_id, member_id, question_id
        style = {"label": label, "style": discord.ButtonStyle.secondary}
        super().__init__(path_button("skip", guild_id, member_id, question_id, **style))

    async def run(self, interaction: Interaction, cog: Onboarding) -> None:
        await cog.skip(interaction, self.guild_id, self.member_id, self.question_id)


class AcceptButton(PersistentButton, template=ACCEPT):
    """“I accept” on the path: accepting moves the path on, in place."""

    cog_name = "Onboarding"

    def __init__(self, guild_id: int, member_id: int, version: int, label: str = "I accept") -> None:
        self.guild_id, self.member_id, self.version = guild_id, member_id, version
        style = {"label": label, "emoji": "✅", "style": discord.ButtonStyle.success}
        super().__init__(path_button("accept", guild_id, member_id, version, **style))

    async def run(self, interaction: Interaction, cog: Onboarding) -> None:
        await cog.accept(interaction, self.guild_id, self.member_id, self.version)


class PickSelect(PersistentSelect, template=PICK):
    """The select menu of a choice or scale question."""

    cog_name = "Onboarding"

    def __init__(
        self, guild_id: int, member_id: int, question_id: str, select: discord.ui.Select[Any] | None = None
    ) -> None:
        self.guild_id, self.member_id, self.question_id = guild_id, member_id, question_id
        select = select or discord.ui.Select(options=[discord.SelectOption(label="…")])
        select.custom_id = custom_id("onboarding", "pick", guild_id, member_id, question_id)
        super().__init__(select)

    async def run(self, interaction: Interaction, cog: Onboarding) -> None:
        await cog.answer(interaction, self.guild_id, self.member_id, {self.question_id: self.values})


def select_for(question: Question, language: str) -> discord.ui.Select[Any]:
    if question.type in CHOICE_TYPES:
        options = [
            discord.SelectOption(label=choice.label.text(language), value=choice.id) for choice in question.choices
        ]
    else:
        options = [discord.SelectOption(label=value, value=value) for value in SCALE]
    most = (question.max_choices or len(options)) if question.type == "multiple" else 1
    key = "onboarding.flow.choose_many" if most > 1 else "onboarding.flow.choose_one"
    return discord.ui.Select(placeholder=i18n.t(language, key), options=options, min_values=1, max_values=most)


def start_view(guild_id: int, member_id: int, language: str, label: str) -> discord.ui.View:
    return discord.ui.View(timeout=None).add_item(
        StartButton(guild_id, member_id, i18n.t(language, f"onboarding.button.{label}"))
    )


ITEMS = (StartButton, AnswerButton, SkipButton, AcceptButton, PickSelect)
