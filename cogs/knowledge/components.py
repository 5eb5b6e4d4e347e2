"""Restart-proof buttons and menus of the knowledge base: search pages, withdrawing a saved message, reviewing,
upvoting and keeping resources, resource pages, and marking a thread solved from its post."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot import i18n
from bot.client import Interaction
from bot.ui import PersistentButton, PersistentSelect, custom_id, template
from models.knowledge import rules

if TYPE_CHECKING:
    from cogs.knowledge import Knowledge


def button(
    action: str, *ids: int | str, label: str = "", emoji: str | None = None, **kwargs: Any
) -> discord.ui.Button[Any]:
    return discord.ui.Button[Any](
        label=label or None, emoji=emoji, custom_id=custom_id("knowledge", action, *ids), **kwargs
    )


class PageButton(PersistentButton, template=template("knowledge", "page", r"(?P<search>\d+):(?P<page>\d+)")):
    """Another page of a member's search."""

    cog_name = "Knowledge"

    def __init__(self, search: int, page: int, emoji: str = "▶️", disabled: bool = False) -> None:
        self.search, self.page = search, page
        super().__init__(button("page", search, page, emoji=emoji, disabled=disabled))

    async def run(self, interaction: Interaction, cog: Knowledge) -> None:
        await cog.show_page(interaction, self.search, self.page)


def pages_view(search: int, page: rules.Page) -> discord.ui.View | None:
    if page.count <= 1:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(search, max(0, page.number - 1), "◀️", disabled=page.number == 0))
    view.add_item(PageButton(search, page.number + 1, "▶️", disabled=page.number + 1 >= page.count))
    return view


class WithdrawButton(PersistentButton, template=template("knowledge", "withdraw", r"(?P<guild>\d+):(?P<entry>\d+)")):
    """The author of a saved message takes it out of the knowledge base."""

    cog_name = "Knowledge"

    def __init__(self, guild: int, entry: int, label: str = "Withdraw") -> None:
        self.guild_id, self.entry = guild, entry
        super().__init__(button("withdraw", guild, entry, label=label, emoji="↩️", style=discord.ButtonStyle.danger))

    async def run(self, interaction: Interaction, cog: Knowledge) -> None:
        await cog.withdraw_saved(interaction, self.guild_id, self.entry)


class ReviewButton(
    PersistentButton, template=template("knowledge", "review", r"(?P<resource>\d+):(?P<verdict>approve|reject)")
):
    """A host approves or rejects a suggested resource, in the moderators' channel."""

    cog_name = "Knowledge"

    def __init__(self, resource: int, verdict: str, label: str = "") -> None:
        self.resource, self.verdict = resource, verdict
        approve = verdict == "approve"
        style = discord.ButtonStyle.success if approve else discord.ButtonStyle.danger
        super().__init__(button("review", resource, verdict, label=label, emoji="✅" if approve else "✖️", style=style))

    async def run(self, interaction: Interaction, cog: Knowledge) -> None:
        await cog.review_resource(interaction, self.resource, approve=self.verdict == "approve")


def review_view(resource: int, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewButton(resource, "approve", i18n.t(language, "knowledge.resource.approve")))
    view.add_item(ReviewButton(resource, "reject", i18n.t(language, "knowledge.resource.reject")))
    return view


class UpvoteButton(PersistentButton, template=template("knowledge", "upvote", r"(?P<resource>\d+)")):
    cog_name = "Knowledge"

    def __init__(self, resource: int, label: str = "👍") -> None:
        self.resource = resource
        super().__init__(button("upvote", resource, label=label))

    async def run(self, interaction: Interaction, cog: Knowledge) -> None:
        await cog.upvote_resource(interaction, self.resource)


class MarkButton(
    PersistentButton, template=template("knowledge", "mark", r"(?P<resource>\d+):(?P<state>to_read|read)")
):
    """Puts a resource in the member's own list, as to read or read (again: takes it out)."""

    cog_name = "Knowledge"

    def __init__(self, resource: int, state: str, label: str = "") -> None:
        self.resource, self.state = resource, rules.Mark(state)
        emoji = "📌" if self.state is rules.Mark.TO_READ else "✅"
        super().__init__(button("mark", resource, state, label=label, emoji=emoji, style=discord.ButtonStyle.secondary))

    async def run(self, interaction: Interaction, cog: Knowledge) -> None:
        await cog.mark_resource(interaction, self.resource, self.state)


class ResourcePageButton(
    PersistentButton,
    template=template("knowledge", "rpage", r"(?P<page>\d+):(?P<level>[a-z]*):(?P<language>[a-z]*):(?P<topic>.*)"),
):
    """Another page of `/resource list`, with its filters in the custom id (a topic is at most 50 characters)."""

    cog_name = "Knowledge"

    def __init__(
        self, page: int, level: str, language: str, topic: str | int, emoji: str = "▶️", disabled: bool = False
    ) -> None:
        self.page, self.level, self.language, self.topic = page, str(level), str(language), str(topic)
        super().__init__(button("rpage", page, self.level, self.language, self.topic, emoji=emoji, disabled=disabled))

    async def run(self, interaction: Interaction, cog: Knowledge) -> None:
        await cog.show_resources(
            interaction,
            topic=self.topic or None,
            level=self.level or None,
            language=self.language or None,
            page=self.page,
            edit=True,
        )


class SolveButton(PersistentButton, template=template("knowledge", "solve", r"(?P<thread>\d+)")):
    """On a shared post: its author or a host marks it solved, choosing the reply that solved it."""

    cog_name = "Knowledge"

    def __init__(self, thread: int, label: str = "Solved") -> None:
        self.thread = thread
        super().__init__(button("solve", thread, label=label, emoji="✅", style=discord.ButtonStyle.secondary))

    async def run(self, interaction: Interaction, cog: Knowledge) -> None:
        await cog.offer_answers(interaction, self.thread)


class AnswerSelect(PersistentSelect, template=template("knowledge", "answer", r"(?P<thread>\d+)")):
    """The replies of a thread, to pick the one that solved it."""

    cog_name = "Knowledge"

    def __init__(self, thread: int, options: list[discord.SelectOption] | None = None, placeholder: str = "") -> None:
        self.thread = thread
        select = discord.ui.Select[Any](
            custom_id=custom_id("knowledge", "answer", thread),
            options=options or [discord.SelectOption(label="—", value="0")],
            placeholder=placeholder or None,
        )
        super().__init__(select)

    async def run(self, interaction: Interaction, cog: Knowledge) -> None:
        chosen = int(self.values[0]) if self.values and self.values[0].isdigit() else 0
        await cog.mark_answer(interaction, self.thread, chosen or None)


ITEMS = (
    PageButton,
    WithdrawButton,
    ReviewButton,
    UpvoteButton,
    MarkButton,
    ResourcePageButton,
    SolveButton,
    AnswerSelect,
)
