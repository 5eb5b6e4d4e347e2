"""The groups' buttons, restart-proof (ids in the custom id, state in the database): a host's review of a new
group, a lead's answer to a request, an invitation's answer, the list's pages, and creating previewed teams."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from bot import i18n
from bot.checks import is_host
from bot.ui import PersistentButton, custom_id, own, template

if TYPE_CHECKING:
    from bot.client import Interaction
    from cogs.groups import Groups

COG = "Groups"


def button(label: str, action: str, *ids: int | str, style: discord.ButtonStyle, **more: Any) -> discord.ui.Button[Any]:
    return discord.ui.Button(label=label, style=style, custom_id=custom_id("groups", action, *ids), **more)


class ReviewButton(PersistentButton, template=template("groups", "review", r"(?P<group>\d+):(?P<decision>[ar])")):
    """A host approves or rejects a new group, from the notice in the moderators' channel or /group pending."""

    cog_name = COG

    def __init__(self, group_id: int, decision: str, label: str = "Approve") -> None:
        self.group_id, self.decision = group_id, decision
        style = discord.ButtonStyle.success if decision == "a" else discord.ButtonStyle.danger
        super().__init__(button(label, "review", group_id, decision, style=style))

    async def run(self, interaction: Interaction, cog: Groups) -> None:
        is_host(interaction)
        await cog.review(interaction, self.group_id, approve=self.decision == "a")


class RequestButton(
    PersistentButton, template=template("groups", "request", r"(?P<group>\d+):(?P<member>\d+):(?P<decision>[ad])")
):
    """A lead accepts or declines a request to join, in the group's space."""

    cog_name = COG

    def __init__(self, group_id: int, member_id: int, decision: str, label: str = "Accept") -> None:
        self.group_id, self.member_id, self.decision = group_id, member_id, decision
        style = discord.ButtonStyle.success if decision == "a" else discord.ButtonStyle.secondary
        super().__init__(button(label, "request", group_id, member_id, decision, style=style))

    async def run(self, interaction: Interaction, cog: Groups) -> None:
        await cog.answer_request(interaction, self.group_id, self.member_id, accept=self.decision == "a")


class InviteButton(
    PersistentButton, template=template("groups", "invite", r"(?P<group>\d+):(?P<member>\d+):(?P<decision>[jd])")
):
    """The invited member joins or declines, from the invitation in their DMs."""

    cog_name = COG

    def __init__(self, group_id: int, member_id: int, decision: str, label: str = "Join") -> None:
        self.group_id, self.member_id, self.decision = group_id, member_id, decision
        style = discord.ButtonStyle.primary if decision == "j" else discord.ButtonStyle.secondary
        super().__init__(button(label, "invite", group_id, member_id, decision, style=style))

    async def run(self, interaction: Interaction, cog: Groups) -> None:
        own(interaction, self.member_id, "groups.invite.stranger")
        await cog.answer_invite(interaction, self.group_id, accept=self.decision == "j")


class PageButton(PersistentButton, template=template("groups", "page", r"(?P<kind>[gc]):(?P<page>\d+)")):
    """The list's previous and next pages."""

    cog_name = COG

    def __init__(self, kind: str, page: int, label: str = "Next", disabled: bool = False) -> None:
        self.kind, self.page = kind, page
        super().__init__(button(label, "page", kind, page, style=discord.ButtonStyle.secondary, disabled=disabled))

    async def run(self, interaction: Interaction, cog: Groups) -> None:
        await cog.show_list(interaction, committees=self.kind == "c", page=self.page, edit=True)


class TeamsButton(PersistentButton, template=template("groups", "teams", r"(?P<formation>\d+)")):
    """A host creates the groups of the teams `/group form` previewed."""

    cog_name = COG

    def __init__(self, formation_id: int, label: str = "Create") -> None:
        self.formation_id = formation_id
        super().__init__(button(label, "teams", formation_id, style=discord.ButtonStyle.primary))

    async def run(self, interaction: Interaction, cog: Groups) -> None:
        is_host(interaction)
        await cog.create_teams(interaction, self.formation_id)


ITEMS = (ReviewButton, RequestButton, InviteButton, PageButton, TeamsButton)


def review_view(group_id: int, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewButton(group_id, "a", i18n.t(language, "groups.button.approve")))
    view.add_item(ReviewButton(group_id, "r", i18n.t(language, "groups.button.reject")))
    return view


def request_view(group_id: int, member_id: int, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(RequestButton(group_id, member_id, "a", i18n.t(language, "groups.button.accept")))
    view.add_item(RequestButton(group_id, member_id, "d", i18n.t(language, "groups.button.decline")))
    return view


def invite_view(group_id: int, member_id: int, language: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(InviteButton(group_id, member_id, "j", i18n.t(language, "groups.button.join")))
    view.add_item(InviteButton(group_id, member_id, "d", i18n.t(language, "groups.button.decline")))
    return view


def page_view(committees: bool, page: int, pages: int, language: str) -> discord.ui.View | None:
    if pages <= 1:
        return None
    kind = "c" if committees else "g"
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(kind, page - 1, i18n.t(language, "groups.button.previous"), disabled=page <= 1))
    view.add_item(PageButton(kind, page + 1, i18n.t(language, "groups.button.next"), disabled=page >= pages))
    return view


def teams_view(formation_id: int, count: int, language: str) -> discord.ui.View:
    label = i18n.tn(language, "groups.form.create", count)
    return discord.ui.View(timeout=None).add_item(TeamsButton(formation_id, label))
