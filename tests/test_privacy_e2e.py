"""Privacy through the emulator: a member exports and erases their data with the real commands and button, reads
the notice in their language; hosts add a contact and export the server; departed members are erased later unless
they come back; the retention job is armed once."""

from __future__ import annotations

import json

from sqlalchemy import select

from models import profiles
from models.base import utcnow
from models.privacy import departures, service
from models.profiles import ProfileText
from models.scheduling import ScheduledJob
from playground.emulator import Emulator, MemberDriver
from tests.conftest import AgoraHarness
from tests.support.privacy import mentions
from tests.support.welcome import run_jobs_now

MANAGE_GUILD = 1 << 5


async def host(discord: Emulator) -> MemberDriver:
    hosts = await discord.create_role(discord.guild, "Hosts", permissions=MANAGE_GUILD)
    return await discord.member("hana", roles=[hosts])


async def with_profile(agora: AgoraHarness, member: MemberDriver, goals: str = "Ship a game") -> None:
    async with agora.bot.db.transaction() as session:
        await profiles.edit_profile(session, discord_guild(agora), member.id, ProfileText(goals=goals), now=utcnow())


def discord_guild(agora: AgoraHarness) -> int:
    (guild,) = agora.bot.guilds
    return guild.id


async def test_a_member_exports_then_erases_everything_after_confirming(discord: Emulator, agora: AgoraHarness) -> None:
    ada, bob = await discord.member("ada"), await discord.member("bob")
    await ada.slash("profile edit", mentor=True)
    thanked = await ada.slash("kudos give", member=bob, category="teach", reason="for the decorators")
    assert thanked.ephemeral
    await agora.idle()

    export = await ada.slash("my-data export")
    await discord.wait_for(lambda: export.followups)
    assert export.ephemeral
    assert "Everything Agora holds about you" in export.content and "• Profile: 1 item" in export.content
    (attachment,) = export.followups[0].attachments
    assert attachment.filename == f"agora-{discord.guild.id}-{ada.id}.json"
    data = json.loads(attachment.data)["data"]
    assert data["profiles"]["profile"]["mentor"] is True
    assert data["recognition"]["kudos"][0]["reason"] == "for the decorators"

    asked = await ada.slash("my-data erase")
    confirmation = await discord.wait_for(lambda: asked.original if asked.original and asked.content else None)
    assert asked.ephemeral and "cannot be undone" in asked.content
    assert await mentions(agora.bot.db, ada.id) != []  # nothing happens before the confirmation
    await ada.click(confirmation, "Erase everything")
    await discord.wait_for(lambda: confirmation.content.startswith("✅ Done") and not confirmation.components)
    assert await mentions(agora.bot.db, ada.id) == []
    assert await mentions(agora.bot.db, bob.id) != []  # the kudos stays counted for bob

    again = await ada.slash("my-data erase")
    await discord.wait_for(lambda: again.content)
    assert again.ephemeral and again.content.startswith("Agora holds nothing about you")
    nothing = await ada.slash("my-data export")
    await discord.wait_for(lambda: nothing.followups)
    assert nothing.ephemeral and nothing.content.startswith("Agora holds nothing about you")
    assert all(not message.attachments for message in nothing.followups)


async def test_the_notice_speaks_the_members_language_and_gives_the_hosts_contact(
    discord: Emulator, agora: AgoraHarness
) -> None:
    hana = await host(discord)
    alice, bob = await discord.member("alice", locale="fr"), await discord.member("bob")
    refused = await bob.slash("privacy contact", text="me")
    assert refused.ephemeral and refused.content.startswith("Only hosts")

    french = await alice.slash("privacy show")
    assert french.ephemeral
    (embed,) = french.original.embeds  # type: ignore[union-attr]
    assert embed["title"] == "🔒 Vos données et Agora"
    assert "/mes-données exporter" in embed["description"] and "730 jours" in embed["description"]
    assert "adressez-vous aux hôtes" in embed["description"]

    saved = await hana.slash("privacy contact", text="privacy@example.org @everyone")
    assert saved.ephemeral and "privacy@example.org" in saved.content
    english = await bob.slash("privacy show")
    (embed,) = english.original.embeds  # type: ignore[union-attr]
    assert embed["title"] == "🔒 Your data and Agora"
    assert "privacy@example.org" in embed["description"] and "30 days later" in embed["description"]
    cleared = await hana.slash("privacy contact")
    assert "no longer gives a contact" in cleared.content


async def test_hosts_export_the_whole_server(discord: Emulator, agora: AgoraHarness) -> None:
    hana = await host(discord)
    ada, bob = await discord.member("ada"), await discord.member("bob")
    await with_profile(agora, ada)
    await with_profile(agora, bob, "Teach")
    await agora.idle()  # the three arrivals noted
    refused = await ada.slash("privacy export-server")
    assert refused.ephemeral and refused.content.startswith("Only hosts")
    export = await hana.slash("privacy export-server")
    await discord.wait_for(lambda: export.followups)
    assert "The data of 3 members" in export.content  # hana's arrival is noted too
    exported = json.loads(export.followups[0].attachments[0].data)
    assert set(exported["members"]) == {str(ada.id), str(bob.id), str(hana.id)}
    assert exported["members"][str(bob.id)]["profiles"]["profile"]["goals"] == "Teach"


async def test_a_member_who_leaves_is_erased_later_unless_they_come_back(
    discord: Emulator, agora: AgoraHarness
) -> None:
    ada, bob = await discord.member("ada"), await discord.member("bob")
    await with_profile(agora, ada)
    await with_profile(agora, bob)
    await discord.leave(discord.guild, ada)
    await discord.leave(discord.guild, bob)
    await agora.idle()
    async with agora.bot.db.transaction() as session:
        waiting = await departures.pending(session, discord.guild.id)
    assert set(waiting) == {ada.id, bob.id}
    assert all(29 <= (due - utcnow()).days <= 30 for due in waiting.values())  # [privacy] default: 30 days

    await discord.rejoin(discord.guild, bob.user)
    await agora.idle()
    await run_jobs_now(agora.bot.db, departures.ERASE_JOB, agora.bot.scheduler.run_due)
    await agora.idle()
    assert await mentions(agora.bot.db, ada.id) == []  # erased, its job's row too
    async with agora.bot.db.transaction() as session:
        assert await service.holds_data(session, discord.guild.id, bob.id)  # back in time: kept
        assert await departures.pending(session, discord.guild.id) == {}


async def test_departures_while_offline_are_caught_up_and_retention_runs_daily(
    discord: Emulator, agora: AgoraHarness
) -> None:
    ada, bob = await discord.member("ada"), await discord.member("bob")
    await with_profile(agora, ada)
    await with_profile(agora, bob)
    await agora.stop()
    discord.guild.members.pop(ada.id)  # left while Agora was offline (no event reaches it)
    await agora.start()
    await agora.idle()
    async with agora.bot.db.transaction() as session:
        assert set(await departures.pending(session, discord.guild.id)) == {ada.id}
        jobs = list(await session.scalars(select(ScheduledJob).where(ScheduledJob.kind == service.RETENTION_JOB)))
    assert len(jobs) == 1 and jobs[0].rrule == "FREQ=DAILY" and jobs[0].due_at.hour == service.RETENTION_HOUR
    await run_jobs_now(agora.bot.db, service.RETENTION_JOB, agora.bot.scheduler.run_due)
    await agora.idle()
    async with agora.bot.db.transaction() as session:
        job = await session.get_one(ScheduledJob, jobs[0].id)
    assert job.runs == 1 and job.state == "pending" and job.last_error is None
