"""Insights end to end: the real bot against the emulated Discord, on a real database — `/insights` answers hosts
with a PNG, a summary and a CSV; a bad period gets a short private reply; the weekly report reaches the moderators'
channel once, across a restart, with the week's biggest change; hosts can turn it off."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models.base import utcnow
from models.insights import rules, service
from models.recognition import kudos
from models.recognition.kudos import KudosOp
from models.recognition.rules import Action
from models.scheduling import JobState, ScheduledJob
from playground.emulator import Emulator
from playground.emulator.members import MemberDriver
from playground.emulator.state import Message
from tests.conftest import AgoraHarness
from tests.support.welcome import run_jobs_now, set_up

PARIS = ZoneInfo("Europe/Paris")
# The first report of a process imports matplotlib: on a loaded machine that alone can take seconds.
REPORT_TIMEOUT = 60.0


async def report_for(member: MemberDriver, **options: Any) -> Message:
    """/insights, and the bot's answer once it has come (it defers, then follows up)."""
    reply = await member.slash("insights", **options)
    await member.emulator.wait_for(lambda: reply.followups, timeout=REPORT_TIMEOUT, what="the report")
    (answer,) = reply.followups
    return answer


async def test_hosts_get_a_chart_a_summary_and_the_weekly_figures_as_csv(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await set_up(discord, agora.bot.db)
    bob = await discord.member("bob")
    await discord.member("carol")
    await agora.idle()
    refused = await bob.slash("insights")
    assert refused.ephemeral and "Only hosts" in refused.content

    answer = await report_for(server.host)
    assert answer.ephemeral
    assert answer.content.startswith("**Community health — the last 30 days** · ")
    assert "• New members: **3** (▲" not in answer.content  # nothing joined before: no relative change
    assert "• New members: **3** (was 0)" in answer.content
    assert "**Kudos**" not in answer.content and "**Sessions**" not in answer.content  # not in use here
    assert [file.filename for file in answer.attachments] == ["insights.png", f"insights-{discord.guild.id}-30d.csv"]
    assert answer.attachments[0].data.startswith(b"\x89PNG")
    rows = list(csv.DictReader(io.StringIO(answer.attachments[1].data.decode("utf-8-sig"))))
    assert rows[-1]["week"] == rules.week_label(utcnow(), PARIS)
    assert sum(int(row["newcomers"]) for row in rows) == 3

    french = await discord.member("fanny", locale="fr", roles=[*server.host.roles])
    answer = await report_for(french, period="7")
    assert answer.content.startswith("**Santé de la communauté — les 7 derniers jours** · ")


async def test_a_period_that_is_not_a_number_of_days_or_too_long_gets_a_short_private_reply(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await set_up(discord, agora.bot.db)
    words = await server.host.slash("insights", period="a month")
    assert words.ephemeral and words.content.startswith("⚠️ The period is a number of days, from 1 to 730")
    long = await server.host.slash("insights", period="1000")
    assert long.ephemeral and long.content == "⚠️ The period must be between 1 and 730 days (you asked for 1000)."


async def test_the_weekly_report_reaches_the_moderators_once_across_a_restart(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await set_up(discord, agora.bot.db)
    monday = rules.monday(utcnow(), PARIS)
    # Six members thanked someone the week before last, three last week: through recognition's own use case.
    for day, givers in ((monday - timedelta(days=10), range(500, 506)), (monday - timedelta(days=3), range(600, 603))):
        async with agora.bot.db.transaction() as session:
            gifts = [
                KudosOp(Action.GIVE, discord.guild.id, giver_id=g, receiver_id=42, category="teach") for g in givers
            ]
            await kudos.apply_kudos(session, gifts, now=day, default_zone="Europe/Paris")

    await run_jobs_now(agora.bot.db, service.REPORT_JOB, agora.bot.scheduler.run_due)
    await agora.idle()
    (report,) = server.moderators.messages
    week = rules.week_label(monday - timedelta(days=3), PARIS)
    assert report.content.startswith(f"**Weekly report — week {week}** · ")
    assert "\n📈 Active members down 50%" in report.content
    assert "• Kudos given: **3** (▼ 50%, was 6)" in report.content
    assert report.attachments[0].filename == f"insights-{week}.png"

    bot = await agora.restart()
    await run_jobs_now(bot.db, service.REPORT_JOB, bot.scheduler.run_due)
    await agora.idle()
    assert len(server.moderators.messages) == 1

    turned_off = await server.host.slash("insights-weekly", enabled=False)
    assert turned_off.ephemeral and turned_off.content.startswith("✅ The weekly report is off.")
    async with bot.db.transaction() as session:
        states = list(await session.scalars(select(ScheduledJob.state).where(ScheduledJob.kind == service.REPORT_JOB)))
    assert states == [JobState.CANCELLED]
    shown = await server.host.slash("insights-weekly")
    assert shown.content.startswith("✅ The weekly report is off.")
