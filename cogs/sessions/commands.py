"""`/session` (`/séance`): hosts change what is planned (one occurrence, or onwards), end series and read who came;
members list sessions, read one, answer, and choose their reminders. (Planning itself is in `planning`.)"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot import i18n
from bot.checks import guild_of, host_only
from bot.client import Interaction
from bot.members import display_names
from bot.replies import send_ephemeral, think
from cogs.sessions import render
from cogs.sessions.components import occurrence_view, reminders_view
from cogs.sessions.planning import SESSION, SessionPlanning, Vocal
from models.sessions import attendance, rsvp, rules
from models.sessions import series as series_service
from models.sessions.rules import Location, Status
from models.sessions.series import Edit
from models.sessions.tables import SessionOccurrence, SessionSeries

STATUS_CHOICES = [
    app_commands.Choice(name="Going", value=Status.GOING.value),
    app_commands.Choice(name="Maybe", value=Status.MAYBE.value),
    app_commands.Choice(name="Can't", value=Status.CANT.value),
]


class SessionCommands(SessionPlanning):
    # --- changing ------------------------------------------------------------------------------------------------

    @SESSION.command(name="cancel", description="Cancel one occurrence (members going are told)")
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

    @SESSION.command(name="move", description="Move one occurrence to another time or place; the series stays")
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

    @SESSION.command(name="edit", description="Change the series from one occurrence onwards")
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

    @SESSION.command(name="end", description="End a series: no more occurrences (members going are told)")
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

    @SESSION.command(name="list", description="Upcoming sessions, in your time zone")
    async def list_sessions(self, interaction: Interaction) -> None:
        await self.show_list(interaction, 0)

    @SESSION.command(name="info", description="Everything about one session, and your answer")
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

    @SESSION.command(name="rsvp", description="Answer for a session: going, maybe or can't")
    @app_commands.describe(occurrence="The session", answer="Your answer")
    @app_commands.choices(answer=STATUS_CHOICES)
    async def rsvp_command(self, interaction: Interaction, occurrence: str, answer: app_commands.Choice[str]) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            found, _ = await series_service.occurrence(session, occurrence, guild.id)
        await self.answer_rsvp(interaction, found.id, Status(answer.value), source="command")

    @SESSION.command(name="reminders", description="When to remind you of sessions you are going to")
    async def reminders(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            settings = await rsvp.member_settings(session, guild.id, interaction.user.id, now=self.now())
            chosen = rules.reminder_leads(settings.reminder_leads)
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        await send_ephemeral(
            interaction, self.reminders_text(language, chosen), view=reminders_view(language, guild.id, chosen)
        )

    @SESSION.command(name="attendance", description="Who came to a session, for how long, and who did not")
    @app_commands.describe(occurrence="The session")
    @host_only()
    async def attendance_report(self, interaction: Interaction, occurrence: str) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            found, series = await series_service.occurrence(session, occurrence, guild.id)
            result = await attendance.attendance(session, found, series)
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
        await think(interaction)
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
