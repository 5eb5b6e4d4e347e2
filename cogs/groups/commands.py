"""`/group` commands for members: create, list, info, join, leave, invite, lead, edit, suggest, available, archive.

Commands about a group take its name (autocompleted) or, used in a group's thread, mean that group.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str

from bot import i18n
from bot.checks import guild_of
from bot.client import Interaction
from bot.replies import open_form, opens_form, send_ephemeral
from bot.ui import custom_id, form_view
from cogs.groups.lifecycle import GroupLifecycle
from cogs.groups.render import fit, info_embed, suggestion_lines
from models import profiles
from models.base import utcnow
from models.groups import members, rhythm, rules, service
from models.groups.rules import CAP_MAX, CAP_MIN, Cadence, Status
from models.groups.suggest import Seeker, group_offset, offset_of, rank, seeker
from models.groups.tables import Group

KIND_CHOICES = [
    app_commands.Choice(name=locale_str("Working groups", key="groups.choice.groups"), value="groups"),
    app_commands.Choice(name=locale_str("Committees", key="groups.choice.committees"), value="committees"),
]
CADENCE_CHOICES = [
    app_commands.Choice(name=locale_str("Every week", key="groups.choice.weekly"), value=Cadence.WEEKLY.value),
    app_commands.Choice(name=locale_str("Every two weeks", key="groups.choice.biweekly"), value=Cadence.BIWEEKLY.value),
    app_commands.Choice(name=locale_str("No check-ins", key="groups.choice.off"), value=Cadence.OFF.value),
]
SUGGESTED = 10


def text_input(
    label: str, custom: str, *, default: str = "", limit: int, long: bool = False, hint: str = "", required: bool = True
) -> discord.ui.TextInput[Any]:
    return discord.ui.TextInput[Any](
        label=label[:45],
        custom_id=custom,
        style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
        default=default[:limit] or None,
        placeholder=hint[:100] or None,
        max_length=limit,
        required=required,
    )


class GroupCommands(GroupLifecycle):
    @opens_form
    @app_commands.command(name="create", description="Start a working group: its charter, a private thread, you lead")
    @app_commands.describe(
        name="The group's name",
        purpose="What the group is for, in a sentence",
        cap="At most this many members (a waitlist beyond)",
        private="Members join on request, accepted by a lead",
        role="Also give members a role named after the group",
    )
    async def create(
        self,
        interaction: Interaction,
        name: app_commands.Range[str, 1, 100],
        purpose: app_commands.Range[str, 1, rules.PURPOSE_MAX],
        cap: app_commands.Range[int, CAP_MIN, CAP_MAX] | None = None,
        private: bool = False,
        role: bool = False,
    ) -> None:
        """Bad names and missing rights are refused before the form opens; the form takes the charter."""
        guild = guild_of(interaction)
        checked = rules.check_name(name)
        rules.check_purpose(purpose)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            await service.check_name_free(session, guild.id, checked)
            settings = await service.group_settings(session, guild.id)
        parent = self.parent_for(guild, settings, interaction.channel)
        if role:
            self.check_role_rights(guild)
        t = i18n.t
        inputs = [
            text_input(t(language, "groups.create.field_name"), "name", default=checked.shown, limit=rules.NAME_MAX),
            text_input(t(language, "groups.create.field_purpose"), "purpose", default=purpose, limit=rules.PURPOSE_MAX),
            text_input(
                t(language, "groups.create.field_goals"),
                "goals",
                limit=rules.CHARTER_MAX,
                long=True,
                hint=t(language, "groups.create.hint_goals"),
                required=False,
            ),
            text_input(
                t(language, "groups.create.field_how"),
                "how",
                limit=rules.CHARTER_MAX,
                long=True,
                hint=t(language, "groups.create.hint_how"),
                required=False,
            ),
        ]
        form_id = custom_id("groups", "create", cap or 0, int(private), int(role), parent.id if parent else 0)
        await open_form(interaction, form_view(t(language, "groups.create.form_title"), form_id, inputs))

    @app_commands.command(name="list", description="Active working groups, with members and recent activity")
    @app_commands.describe(kind="Working groups or committees", page="Which page")
    @app_commands.choices(kind=KIND_CHOICES)
    async def list_groups(
        self,
        interaction: Interaction,
        kind: app_commands.Choice[str] | None = None,
        page: app_commands.Range[int, 1, 1000] = 1,
    ) -> None:
        await self.show_list(interaction, committees=kind is not None and kind.value == "committees", page=page)

    @app_commands.command(name="info", description="A group's charter, members and activity")
    @app_commands.describe(group="The group (in its thread: that group)")
    async def info(self, interaction: Interaction, group: str | None = None) -> None:
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild_of(interaction).id, interaction)).reply_language
            found = await self.named_group(session, interaction, group)
            seats = await members.seats(session, found.id)
        space = self.space_mention(found) if found.status == Status.ACTIVE else None
        await send_ephemeral(interaction, "", embed=info_embed(found, seats, language, space=space))

    @app_commands.command(name="join", description="Join a group, or ask to if it is private")
    @app_commands.describe(group="The group to join")
    async def join_command(self, interaction: Interaction, group: str) -> None:
        async with self.bot.db.transaction() as session:
            found = await self.named_group(session, interaction, group)
        await self.join(interaction, found.id)

    @app_commands.command(name="leave", description="Leave a group (or withdraw your request)")
    @app_commands.describe(group="The group to leave (in its thread: that group)")
    async def leave_command(self, interaction: Interaction, group: str | None = None) -> None:
        async with self.bot.db.transaction() as session:
            found = await self.named_group(session, interaction, group)
        await self.leave(interaction, found)

    @app_commands.command(name="invite", description="Invite a member to your group")
    @app_commands.describe(member="Who to invite", group="Which of your groups (in its thread: that group)")
    async def invite_command(self, interaction: Interaction, member: discord.Member, group: str | None = None) -> None:
        async with self.bot.db.transaction() as session:
            found = await self.named_group(session, interaction, group)
        await self.invite(interaction, found, member)

    @app_commands.command(name="lead", description="Hand the lead of your group to one of its members")
    @app_commands.describe(member="The member who leads from now on", group="Which group (in its thread: that group)")
    async def lead(self, interaction: Interaction, member: discord.Member, group: str | None = None) -> None:
        async with self.bot.db.transaction() as session:
            found = await self.named_group(session, interaction, group)
        await self.hand_over(interaction, found, member)

    @app_commands.command(name="edit", description="Change your group's cap, privacy, purpose or check-ins")
    @app_commands.describe(
        group="Which group (in its thread: that group)",
        cap="At most this many members (0: no cap)",
        private="Members join on request",
        purpose="A new purpose",
        checkin="Check-in prompts in the group's space",
    )
    @app_commands.choices(checkin=CADENCE_CHOICES)
    async def edit(
        self,
        interaction: Interaction,
        group: str | None = None,
        cap: app_commands.Range[int, 0, CAP_MAX] | None = None,
        private: bool | None = None,
        purpose: app_commands.Range[str, 1, rules.PURPOSE_MAX] | None = None,
        checkin: app_commands.Choice[str] | None = None,
    ) -> None:
        guild = guild_of(interaction)
        now = utcnow()
        async with self.bot.db.transaction() as session:
            found = await self.named_group(session, interaction, group)
        async with self.lock(found.id):
            async with self.leading(interaction, found.id) as (session, context, found):
                rules.check_active(found.status)
                if cap is None and private is None and purpose is None and checkin is None:
                    raise rules.GroupEditNothingError()
                promoted = await members.edit_group(
                    session, found, now=now, cap=cap or None, no_cap=cap == 0, private=private, purpose=purpose
                )
                first = None
                if checkin is not None:
                    first = await rhythm.set_checkin(session, found, Cadence(checkin.value), zone=context.zone, now=now)
            await self.welcome_promoted(guild, found, promoted, context)
        mine = context.reply_language
        lines = [i18n.t(mine, "groups.edit.done", name=found.name)]
        if checkin is not None:
            if first is None:
                lines.append(i18n.t(mine, "groups.edit.checkin_off"))
            else:
                when = i18n.format_when(mine, first, context.zone)
                cadence = i18n.t(mine, f"groups.choice.{checkin.value}")
                lines.append(i18n.t(mine, "groups.edit.checkin_on", cadence=cadence, when=when))
        if promoted:
            lines.append(i18n.tn(mine, "groups.edit.promoted", len(promoted)))
        await send_ephemeral(interaction, "\n".join(lines))

    @app_commands.command(name="suggest", description="Members who could join your group, from their profiles")
    @app_commands.describe(group="Which group (in its thread: that group)")
    async def suggest(self, interaction: Interaction, group: str | None = None) -> None:
        guild = guild_of(interaction)
        now = utcnow()
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            found = await self.named_group(session, interaction, group)
            rules.check_active(found.status)
            await members.require_seat(session, found, interaction.user.id, host=self.is_host(interaction))
            seats = await members.seats(session, found.id)
            inside = [seat.member_id for seat in seats]
            candidates = await service.seekers(session, guild.id, excluding=inside)
            known = {
                member_id: await profiles.get_profile(session, guild.id, member_id)
                for member_id in [*inside, *candidates]
            }
        present = {member.id for member in await self.members(guild, candidates)}
        zones = {member_id: profile.timezone if profile else None for member_id, profile in known.items()}
        offsets = [offset for member_id in inside if (offset := offset_of(zones[member_id], now)) is not None]
        seekers = [seeker_of(member_id, known[member_id], now) for member_id in candidates if member_id in present]
        ranked = rank(purpose_text(found), group_offset(offsets), seekers, limit=SUGGESTED)
        await send_ephemeral(interaction, fit(suggestion_lines(found.name, ranked, language)))

    @app_commands.command(name="available", description="Let groups looking for teammates find you")
    @app_commands.describe(available="Be suggested to groups (from your profile), or stop")
    async def available(self, interaction: Interaction, available: bool = True) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            await service.set_available(session, guild.id, interaction.user.id, available, now=utcnow())
        await send_ephemeral(
            interaction, i18n.t(language, "groups.available.on" if available else "groups.available.off")
        )

    @opens_form
    @app_commands.command(name="archive", description="Finish your group: record what it produced, close its space")
    @app_commands.describe(
        group="Which group (in its thread: that group)", share="Also post the summary in the knowledge channel"
    )
    async def archive(self, interaction: Interaction, group: str | None = None, share: bool = False) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            found = await self.named_group(session, interaction, group)
            rules.check_active(found.status)
            await members.require_seat(session, found, interaction.user.id, lead=True, host=self.is_host(interaction))
        t = i18n.t
        inputs = [
            text_input(t(language, "groups.archive.field_summary"), "summary", limit=rules.SUMMARY_MAX, long=True),
            text_input(
                t(language, "groups.archive.field_links"),
                "links",
                limit=1000,
                long=True,
                required=False,
                hint=t(language, "groups.archive.hint_links"),
            ),
        ]
        form_id = custom_id("groups", "archive", found.id, int(share))
        title = t(language, "groups.archive.form_title", name=found.name)
        await open_form(interaction, form_view(title, form_id, inputs))

    @join_command.autocomplete("group")
    async def any_group(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.group_names(interaction, current, mine=False)

    @info.autocomplete("group")
    @leave_command.autocomplete("group")
    @invite_command.autocomplete("group")
    @lead.autocomplete("group")
    @edit.autocomplete("group")
    @suggest.autocomplete("group")
    @archive.autocomplete("group")
    async def my_group(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The member's own groups; hosts (who may act on any group) see them all."""
        return await self.group_names(interaction, current, mine=not self.is_host(interaction))

    async def group_names(
        self, interaction: Interaction, current: str, *, mine: bool
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.transaction() as session:
            found = await service.group_choices(
                session, interaction.guild_id, current, member_id=interaction.user.id if mine else None
            )
        return [app_commands.Choice(name=name, value=str(group_id)) for group_id, name in found]


def purpose_text(group: Group) -> str:
    return " ".join(part for part in (group.name, group.purpose, group.goals or "") if part)


def seeker_of(member_id: int, profile: profiles.Profile | None, now: datetime) -> Seeker:
    if profile is None:
        return seeker(member_id, (), None, None, now)
    return seeker(member_id, profile.skills_to_share, profile.goals, profile.timezone, now)
