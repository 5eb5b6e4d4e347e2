"""`/session create` (`/séance créer`): a host's options are checked at once (every mistake gets a short private
reply that says what to fix), kept as a draft while a form asks for the description, then stored as a series."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot import i18n
from bot.checks import channel_problems, guild_of, host_only
from bot.client import Interaction
from bot.replies import open_form, opens_form, send_ephemeral
from bot.ui import custom_id, form, form_view
from cogs.sessions import render
from cogs.sessions.answers import SessionAnswers
from cogs.sessions.jobs import ANNOUNCE_NEEDS
from models.errors import ChannelNotUsableError, UserError
from models.guild_settings import GuildContext
from models.sessions import recurrence, rules
from models.sessions import series as series_service
from models.sessions.recurrence import Repeat
from models.sessions.rules import Format, Location
from models.sessions.series import SeriesPlan
from models.sessions.tables import SessionDraft, SessionSeries

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
Vocal = discord.VoiceChannel | discord.StageChannel
SESSION = app_commands.Group(name="session", description="Learning sessions: plan, list, answer", guild_only=True)
DESCRIPTION_INPUT = "description"
SHIFTED_SHOWN = 3


class AnnouncementsMissingError(UserError, key="sessions.create.no_announcements"): ...


class RoleNotMentionableError(UserError, key="sessions.create.role_not_mentionable"): ...


class EventsNotAllowedError(UserError, key="sessions.create.events_not_allowed"): ...


class EventsCountError(UserError, key="sessions.create.events_count"): ...


class SessionPlanning(SessionAnswers):
    session = SESSION

    # --- planning ------------------------------------------------------------------------------------------------

    @opens_form
    @SESSION.command(name="create", description="Plan a session or a recurring series (a form asks for a description)")
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
        await open_form(interaction, form_view(modal_title, custom_id("sessions", "describe", draft.id), [field]))

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
