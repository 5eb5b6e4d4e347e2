"""`/session` (`/séance`): hosts plan series and change them (one occurrence, or onwards); members list sessions,
read one, answer, and choose their reminders. Every mistake gets a short private reply that says what to fix."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot import i18n
from bot.checks import channel_problems, guild_of, host_only
from bot.client import Interaction
from bot.members import display_names
from bot.replies import send_ephemeral
from bot.ui import custom_id, form, form_view
from cogs.sessions import render
from cogs.sessions.answers import SessionAnswers
from cogs.sessions.components import occurrence_view, reminders_view
from cogs.sessions.jobs import ANNOUNCE_NEEDS
from models.errors import ChannelNotUsableError, UserError
from models.guild_settings import GuildContext
from models.sessions import attendance, recurrence, rsvp, rules
from models.sessions import series as series_service
from models.sessions.recurrence import Repeat
from models.sessions.rules import Format, Location, Status
from models.sessions.series import Edit, SeriesPlan
from models.sessions.tables import SessionDraft, SessionOccurrence, SessionSeries

FORMAT_CHOICES = [
    app_commands.Choice(name=name, value=value.value)
    for name, value in (
        ("Webinar", Format.WEBINAR),
        ("Workshop", Format.WORKSHOP),
        ("Sharing session", Format.SHARING),
        ("Reading club", Format.READING_CLUB),
        ("Office hours", Format.OFFICE_HOURS),
        ("Other", Format.OTHER),
    )
]
REPEAT_CHOICES = [
    app_commands.Choice(name=name, value=value.value)
    for name, value in (
        ("Once", Repeat.NONE),
        ("Every day", Repeat.DAILY),
        ("Every week", Repeat.WEEKLY),
        ("Every 2 weeks", Repeat.BIWEEKLY),
        ("Monthly, same weekday (e.g. 2nd Tuesday)", Repeat.MONTHLY_WEEKDAY),
        ("Monthly, same day of the month", Repeat.MONTHLY_DAY),
    )
]
STATUS_CHOICES = [
    app_commands.Choice(name="Going", value=Status.GOING.value),
    app_commands.Choice(name="Maybe", value=Status.MAYBE.value),
    app_commands.Choice(name="Can't", value=Status.CANT.value),
]
Vocal = discord.VoiceChannel | discord.StageChannel
DESCRIPTION_INPUT = "description"
SHIFTED_SHOWN = 3


class AnnouncementsMissingError(UserError):
    key = "sessions.create.no_announcements"


class RoleNotMentionableError(UserError):
    key = "sessions.create.role_not_mentionable"


class EventsNotAllowedError(UserError):
    key = "sessions.create.events_not_allowed"


class EventsCountError(UserError):
    key = "sessions.create.events_count"


class SessionCommands(SessionAnswers):
    session = app_commands.Group(name="session", description="Learning sessions: plan, list, answer", guild_only=True)

    # --- planning ------------------------------------------------------------------------------------------------

    @session.command(name="create", description="Plan a session or a recurring series (a form asks for a description)")
    @app_commands.describe(
        title="What the session is called (at most 100 characters)",
        format="Webinar, workshop, sharing session, reading club, office hours…",
        start="First start in the server's time zone, e.g. 2027-03-16 18:00",
        duration="How long, e.g. 90m, 1h30, 2h (at most 24 h)",
        repeat="How it recurs (default: once)",
        days="For weekly repeats: the days, e.g. mon wed (default: the start's day)",
        until="Last date, e.g. 2027-06-30",
        count="How many times in all (at most 500)",
        rrule="A raw RFC 5545 rule instead, e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=10",
        channel="The voice or stage channel where it happens",
        link="Or an http(s) link where it happens",
        speakers="Who speaks or leads it",
        capacity="Seats; members beyond it go on a waitlist",
        role="A role to notify in the announcement",
        announce="When to announce before the start, e.g. 7d 1d (default), 2d, none",
        events="How many upcoming occurrences to show as Discord events (0 to 10)",
    )
    @app_commands.choices(format=FORMAT_CHOICES, repeat=REPEAT_CHOICES)
    @host_only()
    async def create(
        self,
        interaction: Interaction,
        title: str,
        format: app_commands.Choice[str],
        start: str,
        duration: str,
        repeat: app_commands.Choice[str] | None = None,
        days: str | None = None,
        until: str | None = None,
        count: int | None = None,
        rrule: str | None = None,
        channel: Vocal | None = None,
        link: str | None = None,
        speakers: str | None = None,
        capacity: int | None = None,
        role: discord.Role | None = None,
        announce: str | None = None,
        events: int | None = None,
    ) -> None:
        guild = guild_of(interaction)
        defaults = self.bot.settings.sessions
        native = defaults.native_events if events is None else events
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            self.check_announcements(guild, context)
            self.check_location(guild, channel, native)
            self.check_role(guild, role)
            plan, _ = series_service.plan_series(
                title=title,
                format=format.value,
                start=start,
                duration=duration,
                zone=context.zone,
                now=self.now(),
                repeat=Repeat(repeat.value) if repeat else Repeat.NONE,
                days=days,
                until=until,
                count=count,
                rule=rrule,
                location_kind=Location.STAGE if isinstance(channel, discord.StageChannel) else Location.VOICE,
                channel_id=channel.id if channel else None,
                link=link,
                speakers=speakers,
                capacity=capacity,
                role_id=role.id if role else None,
                leads=announce,
                native_events=native,
                attendance_minutes=defaults.attendance_minutes,
            )
            draft = SessionDraft(
                guild_id=guild.id, member_id=interaction.user.id, options=plan.to_json(), created_at=self.now()
            )
            session.add(draft)
            await session.flush()
        language = context.reply_language
        field = discord.ui.TextInput[Any](
            label=i18n.t(language, "sessions.create.description_label")[:45],
            custom_id=DESCRIPTION_INPUT,
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=rules.DESCRIPTION_MAX,
            placeholder=i18n.t(language, "sessions.create.description_placeholder")[:100],
        )
        modal_title = i18n.t(language, "sessions.create.form_title", title=plan.title)
        await interaction.response.send_modal(
            form_view(modal_title, custom_id("sessions", "describe", draft.id), [field])
        )

    def check_announcements(self, guild: discord.Guild, context: GuildContext) -> None:
        channel = guild.get_channel(context.settings.announcements_channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            raise AnnouncementsMissingError()
        problems = channel_problems(channel, guild.me, *ANNOUNCE_NEEDS)
        if problems:
            raise ChannelNotUsableError(channel=channel.mention, permissions=problems)

    def check_location(self, guild: discord.Guild, channel: Vocal | None, native: int) -> None:
        """A channel the bot cannot see is refused; with native events, also one where it cannot create them."""
        if not 0 <= native <= rules.MAX_NATIVE_EVENTS:
            raise EventsCountError(limit=rules.MAX_NATIVE_EVENTS)
        if native and not (guild.me.guild_permissions.manage_events or guild.me.guild_permissions.create_events):
            raise EventsNotAllowedError()
        if channel is None:
            return
        needs = ["connect"]
        if native and isinstance(channel, discord.StageChannel):
            needs += ["manage_channels", "mute_members", "move_members"]
        problems = channel_problems(channel, guild.me, *needs)
        if problems:
            raise ChannelNotUsableError(channel=channel.mention, permissions=problems)

    def check_role(self, guild: discord.Guild, role: discord.Role | None) -> None:
        if role is None:
            return
        if role.is_default() or not (role.mentionable or guild.me.guild_permissions.mention_everyone):
            raise RoleNotMentionableError(role=role.name)

    @form("sessions", "describe", r"(?P<draft>\d+)")
    async def receive_description(self, interaction: Interaction, values: dict[str, str], *, draft: int) -> None:
        guild = guild_of(interaction)
        now = self.now()
        async with self.bot.db.transaction() as session:
            wanted = rules.row_id(draft)
            stored = await session.get(SessionDraft, wanted) if wanted else None
            if stored is None or stored.guild_id != guild.id or stored.member_id != interaction.user.id:
                raise series_service.SessionUnknownError()
            plan = SeriesPlan.from_json(stored.options)
            await session.delete(stored)
            created = await series_service.create_series(
                session,
                guild.id,
                plan,
                description=values.get(DESCRIPTION_INPUT),
                created_by=interaction.user.id,
                now=now,
            )
            context = await self.bot.context(session, guild.id, interaction)
        language = context.reply_language
        first = created.occurrences[0]
        lines = [
            i18n.t(
                language,
                "sessions.create.done",
                title=plan.title,
                when=render.when_both(first.starts_at),
                channel=f"<#{context.settings.announcements_channel_id}>",
            )
        ]
        lines += self.shifted_lines(language, created.series, context)
        await send_ephemeral(interaction, "\n".join(lines))

    def shifted_lines(self, language: str, series: SessionSeries, context: GuildContext) -> list[str]:
        """The host is told of every start whose wall-clock time does not exist (spring forward) and where it went."""
        found, _ = recurrence.slots(series.rule, series_service.anchor(series), series_service.zone_of(series))
        shifted = [slot for slot in found if slot.shifted]
        lines = [
            i18n.t(
                language,
                "sessions.create.shifted",
                wall=f"{slot.local:%Y-%m-%d %H:%M}",
                zone=series.timezone,
                when=render.when(slot.start, "F"),
            )
            for slot in shifted[:SHIFTED_SHOWN]
        ]
        if len(shifted) > SHIFTED_SHOWN:
            lines.append(i18n.tn(language, "sessions.create.shifted_more", len(shifted) - SHIFTED_SHOWN))
        return lines

    # --- changing ------------------------------------------------------------------------------------------------

    @session.command(name="cancel", description="Cancel one occurrence (members going are told)")
    @app_commands.describe(occurrence="The occurrence to cancel")
    @host_only()
    async def cancel(self, interaction: Interaction, occurrence: str) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            found, series = await series_service.occurrence(session, occurrence, guild.id)
            await series_service.cancel_occurrence(session, found, series, now=self.now())
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        self.redraws.touch(found.id)
        text = i18n.t(language, "sessions.cancel.done", title=series.title, when=render.when_both(found.starts_at))
        await send_ephemeral(interaction, text)

    @session.command(name="move", description="Move one occurrence to another time or place; the series stays")
    @app_commands.describe(
        occurrence="The occurrence to move",
        start="New start in the server's time zone, e.g. 2027-03-17 18:00",
        channel="New voice or stage channel",
        link="Or a new http(s) link",
    )
    @host_only()
    async def move(
        self,
        interaction: Interaction,
        occurrence: str,
        start: str | None = None,
        channel: Vocal | None = None,
        link: str | None = None,
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            found, series = await series_service.occurrence(session, occurrence, guild.id)
            self.check_location(guild, channel, series.native_events)
            shifted = await series_service.move_occurrence(
                session,
                found,
                series,
                start=start,
                location_kind=Location.STAGE if isinstance(channel, discord.StageChannel) else Location.VOICE,
                channel_id=channel.id if channel else None,
                link=link,
                now=self.now(),
            )
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        self.redraws.touch(found.id)
        lines = [i18n.t(language, "sessions.move.done", title=series.title, when=render.when_both(found.starts_at))]
        if shifted:
            lines.append(i18n.t(language, "sessions.post.shifted"))
        await send_ephemeral(interaction, "\n".join(lines))

    @session.command(name="edit", description="Change the series from one occurrence onwards")
    @app_commands.describe(
        occurrence="The first occurrence to change (later ones follow)",
        title="New title",
        time="New start time of day, e.g. 18:30",
        duration="New duration, e.g. 1h30",
        channel="New voice or stage channel",
        link="Or a new http(s) link",
        speakers="New speakers",
        capacity="New number of seats",
        role="New role to notify",
    )
    @host_only()
    async def edit(
        self,
        interaction: Interaction,
        occurrence: str,
        title: str | None = None,
        time: str | None = None,
        duration: str | None = None,
        channel: Vocal | None = None,
        link: str | None = None,
        speakers: str | None = None,
        capacity: int | None = None,
        role: discord.Role | None = None,
    ) -> None:
        guild = guild_of(interaction)
        checked_link = rules.check_link(link)
        if channel is not None and checked_link is not None:
            raise rules.LocationTwiceError()
        self.check_role(guild, role)
        kind = None
        if channel is not None:
            kind = Location.STAGE if isinstance(channel, discord.StageChannel) else Location.VOICE
        elif checked_link is not None:
            kind = Location.EXTERNAL
        change = Edit(
            title=rules.check_title(title) if title is not None else None,
            duration=rules.parse_duration(duration) if duration else None,
            clock=rules.parse_clock(time) if time else None,
            location_kind=kind,
            channel_id=channel.id if channel else None,
            link=checked_link,
            speakers=rules.check_text(speakers, rules.SPEAKERS_MAX, "speakers"),
            capacity=rules.check_capacity(capacity),
            role_id=role.id if role else None,
        )
        async with self.bot.db.transaction() as session:
            found, series = await series_service.occurrence(session, occurrence, guild.id)
            self.check_location(guild, channel, series.native_events)
            changed = await series_service.edit_onwards(session, found, series, change, now=self.now())
            promoted = {each.id: await rsvp.promote(session, each, series, now=self.now()) for each in changed}
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        for each in changed:
            self.redraws.touch(each.id)
            if promoted[each.id]:
                self.inflight.start(self.tell_promoted(each.id, promoted[each.id]), name=f"promoted-{each.id}")
        first = changed[0].starts_at if changed else found.starts_at
        text = i18n.tn(language, "sessions.edit.done", len(changed), title=series.title, when=render.when_both(first))
        await send_ephemeral(interaction, text)

    @session.command(name="end", description="End a series: no more occurrences (members going are told)")
    @app_commands.describe(series="The series to end")
    @host_only()
    async def end_series(self, interaction: Interaction, series: str) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            found = await series_service.series_of(session, series, guild.id)
            cancelled = await series_service.end_series(session, found, now=self.now())
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        for each in cancelled:
            self.redraws.touch(each.id)
        await send_ephemeral(interaction, i18n.tn(language, "sessions.end.done", len(cancelled), title=found.title))

    # --- reading and answering ---------------------------------------------------------------------------------

    @session.command(name="list", description="Upcoming sessions, in your time zone")
    async def list_sessions(self, interaction: Interaction) -> None:
        await self.show_list(interaction, 0)

    @session.command(name="info", description="Everything about one session, and your answer")
    @app_commands.describe(occurrence="The session")
    async def info(self, interaction: Interaction, occurrence: str) -> None:
        guild = guild_of(interaction)
        now = self.now()
        async with self.bot.db.transaction() as session:
            found, series = await series_service.occurrence(session, occurrence, guild.id)
            counts = await rsvp.counts(session, found.id)
            mine = await rsvp.status_of(session, found.id, interaction.user.id)
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        embed = render.announcement(language, series, found, counts, now)
        status = i18n.t(language, f"sessions.status.{mine}") if mine else i18n.t(language, "sessions.status.none")
        view = occurrence_view(language, found, counts, now)
        await send_ephemeral(
            interaction,
            i18n.t(language, "sessions.info.yours", status=status),
            embed=embed,
            view=view or discord.utils.MISSING,
        )

    @session.command(name="rsvp", description="Answer for a session: going, maybe or can't")
    @app_commands.describe(occurrence="The session", answer="Your answer")
    @app_commands.choices(answer=STATUS_CHOICES)
    async def rsvp_command(self, interaction: Interaction, occurrence: str, answer: app_commands.Choice[str]) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            found, _ = await series_service.occurrence(session, occurrence, guild.id)
        await self.answer_rsvp(interaction, found.id, Status(answer.value), source="command")

    @session.command(name="reminders", description="When to remind you of sessions you are going to")
    async def reminders(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            settings = await rsvp.member_settings(session, guild.id, interaction.user.id, now=self.now())
            chosen = rules.reminder_leads(settings.reminder_leads)
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        await send_ephemeral(
            interaction, self.reminders_text(language, chosen), view=reminders_view(language, guild.id, chosen)
        )

    @session.command(name="attendance", description="Who came to a session, for how long, and who did not")
    @app_commands.describe(occurrence="The session")
    @host_only()
    async def attendance_report(self, interaction: Interaction, occurrence: str) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            found, series = await series_service.occurrence(session, occurrence, guild.id)
            result = await attendance.attendance(session, found, series)
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        await interaction.response.defer(ephemeral=True, thinking=True)
        names = await display_names(guild, [*result.present, *result.no_shows])
        present = [
            f"{names.get(member, member)} — {result.minutes.get(member, 0)} min"
            + (f" · {i18n.t(language, 'sessions.attendance.confirmed')}" if member in result.confirmed else "")
            for member in result.present
        ]
        lines = [
            i18n.t(language, "sessions.attendance.title", title=series.title, when=render.when_both(found.starts_at)),
            i18n.tn(language, "sessions.attendance.present", len(result.present), threshold=series.attendance_minutes),
            *(f"- {line}" for line in present),
            i18n.tn(language, "sessions.attendance.absent", len(result.no_shows)),
            *(f"- {names.get(member, member)}" for member in result.no_shows),
        ]
        await send_ephemeral(interaction, "\n".join(lines)[:2000])

    # --- autocomplete ---------------------------------------------------------------------------------------------

    @cancel.autocomplete("occurrence")
    @move.autocomplete("occurrence")
    @edit.autocomplete("occurrence")
    @info.autocomplete("occurrence")
    @rsvp_command.autocomplete("occurrence")
    async def upcoming_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.occurrence_choices(interaction, current, include_past=False)

    @attendance_report.autocomplete("occurrence")
    async def past_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.occurrence_choices(interaction, current, include_past=True)

    async def occurrence_choices(
        self, interaction: Interaction, current: str, *, include_past: bool
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.transaction() as session:
            found = await series_service.occurrence_choices(
                session, interaction.guild_id, current, now=self.now(), include_past=include_past
            )
            zone = (await self.bot.context(session, interaction.guild_id)).zone
        return [
            app_commands.Choice(name=choice_label(series, each, zone), value=str(each.id)) for each, series in found
        ]

    @end_series.autocomplete("series")
    async def series_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.series_options(interaction, current)

    async def series_options(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        async with self.bot.db.transaction() as session:
            found = await series_service.series_choices(session, interaction.guild_id, current)
        return [app_commands.Choice(name=each.title[:100], value=str(each.id)) for each in found]


def choice_label(series: SessionSeries, found: SessionOccurrence, zone: Any) -> str:
    """ "Reading club · 2027-03-16 18:00" in the server's time zone (choices cannot hold Discord timestamps)."""
    local = found.starts_at.astimezone(zone)
    return f"{series.title[:70]} · {local:%Y-%m-%d %H:%M}"[:100]
