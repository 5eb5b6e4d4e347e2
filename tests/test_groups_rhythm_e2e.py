"""Working groups end to end, their life after creation: the list and committees, check-ins, the silence reminder,
the hosts' digest, archiving with a recorded and shared project, teammates suggested from profiles, teams formed
from a cohort, and private channels instead of threads."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from models import guild_settings, profiles, scheduling
from models.base import utcnow
from models.groups import projects, rhythm
from models.groups.tables import Group
from models.guild_settings import ChannelPurpose
from models.profiles import ProfileText
from models.scheduling import JobState, ScheduledJob
from playground.emulator import Emulator, MemberDriver
from playground.emulator import permissions as perms
from playground.emulator.seed import BOT_PERMISSIONS
from tests.conftest import AgoraHarness
from tests.support.groups import (
    agora,
    answered,
    create,
    group_named,
    set_up,
    space,
    texts,
)
from tests.support.welcome import run_jobs_now

__all__ = ["agora"]


async def people(discord: Emulator, *names: str, locale: str = "en-US") -> list[MemberDriver]:
    return [await discord.member(name, locale=locale) for name in names]


async def test_the_list_pages_active_groups_and_shows_committees_apart(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    creators = await people(discord, *(f"m{number}" for number in range(10)))
    await create(creators[0], "Group 0", cap=4)
    for number, member in enumerate(creators[1:], start=1):
        await create(member, f"Group {number}")
    await server.host.slash("group committee", group="Group 3")
    listed = await creators[0].slash("group list")
    page = listed.message
    assert page is not None and listed.ephemeral
    embed = page.embeds[0]
    assert embed["title"] == "🤝 Working groups — page 1/2"
    assert embed["description"].startswith("**Group 9** · 👥 1 · open: /group join · active <t:")
    assert "And 1 committee: /group list kind:Committees." in embed["description"]
    assert "Group 3" not in embed["description"]
    await creators[0].click(page, "Next")
    assert page.embeds[0]["title"] == "🤝 Working groups — page 2/2"
    assert "**Group 0** · 👥 1/4 · open: /group join" in page.embeds[0]["description"]
    committees = await creators[0].slash("group list", kind="committees")
    assert committees.message is not None and "**Group 3**" in committees.message.embeds[0]["description"]
    assert "🏛️" in committees.message.embeds[0]["title"]


async def test_check_ins_come_on_their_cadence_in_the_group_s_thread(discord: Emulator, agora: AgoraHarness) -> None:
    [ada] = await people(discord, "ada")
    await create(ada, "Data Club")
    thread = space(discord, await group_named(agora.bot.db, "Data Club"))
    set_to = await ada.slash("group edit", checkin="weekly", in_channel=thread)
    assert set_to.content.startswith("✅ **Data Club** is updated.\nCheck-ins: Every week, the first on ")
    await run_jobs_now(agora.bot.db, projects.CHECKIN_JOB, agora.bot.scheduler.run_due)
    assert texts(thread)[-1].startswith("🗓️ **Check-in — Data Club**\n1. What did you do since last time?")
    group = await group_named(agora.bot.db, "Data Club")
    assert group is not None and group.last_checkin_at is not None
    await ada.slash("group edit", checkin="off", in_channel=thread)
    await run_jobs_now(agora.bot.db, projects.CHECKIN_JOB, agora.bot.scheduler.run_due)
    assert sum(text.startswith("🗓️") for text in texts(thread)) == 1


async def test_a_silent_group_is_reminded_once_and_speaking_counts_as_activity(
    discord: Emulator, agora: AgoraHarness
) -> None:
    ada, bob = await people(discord, "ada", "bob")
    await create(ada, "Data Club")
    await create(bob, "Busy Bees")
    quiet = space(discord, await group_named(agora.bot.db, "Data Club"))
    busy = space(discord, await group_named(agora.bot.db, "Busy Bees"))
    async with agora.bot.db.transaction() as session:
        await session.execute(update(Group).values(last_activity_at=utcnow() - timedelta(days=8)))
    await bob.say(busy, "we are on it")
    await agora.idle()
    await run_jobs_now(agora.bot.db, rhythm.SWEEP_JOB, agora.bot.scheduler.run_due)
    assert texts(quiet)[-1].startswith("👋 It has been quiet here for 7 days. Where is **Data Club** at?")
    assert not any(text.startswith("👋 It has been quiet") for text in texts(busy))
    await run_jobs_now(agora.bot.db, rhythm.SWEEP_JOB, agora.bot.scheduler.run_due)
    assert sum(text.startswith("👋 It has been quiet") for text in texts(quiet)) == 1


async def test_a_job_of_a_server_agora_is_not_in_is_skipped_and_done(discord: Emulator, agora: AgoraHarness) -> None:
    left = discord.guild.id + 1  # a server that removed Agora after the job was scheduled
    async with agora.bot.db.transaction() as session:
        job = await scheduling.schedule_job(
            session, kind=rhythm.SWEEP_JOB, key=str(left), guild_id=left, due_at=utcnow()
        )
    await agora.bot.scheduler.run_due()  # or its timer did, as the job was due: both are waited for
    await agora.idle()
    async with agora.bot.db.transaction() as session:
        row = await session.get(ScheduledJob, job.id)
        assert row is not None and row.state == JobState.DONE and row.attempts == 0


async def test_hosts_get_the_groups_health_on_demand_and_weekly(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    ada, bob, cleo = await people(discord, "ada", "bob", "cleo")
    await create(ada, "Data Club", cap=2)
    await bob.slash("group join", group="Data Club")
    await cleo.slash("group join", group="Data Club")
    report = await server.host.slash("group health")
    assert report.content.startswith(
        "📋 **Working groups: 1 active**\n**Data Club** — 👥 2/2 · 1 waiting · quiet for 0 days"
    )
    refused = await ada.slash("group health")
    assert refused.content == "Only hosts (members who can manage the server) can do this."
    await server.host.slash("group settings", digest=True)
    await run_jobs_now(agora.bot.db, rhythm.DIGEST_JOB, agora.bot.scheduler.run_due)
    assert server.moderators.messages[-1].content.startswith("📋 **Working groups: 1 active**")


async def test_archiving_records_the_project_closes_the_space_and_shares_the_summary(
    discord: Emulator, agora: AgoraHarness
) -> None:
    forum = await discord.create_channel(discord.guild, "knowledge", type="forum")
    async with agora.bot.db.transaction() as session:
        await guild_settings.set_channel(session, discord.guild.id, ChannelPurpose.KNOWLEDGE, forum.id, now=utcnow())
    ada, bob = await people(discord, "ada", "bob")
    [cleo] = await people(discord, "cleo", locale="fr")
    await create(ada, "Data Club", role=True)
    await bob.slash("group join", group="Data Club")
    group = await group_named(agora.bot.db, "Data Club")
    thread = space(discord, group)
    not_lead = await bob.slash("group archive", in_channel=thread)
    assert not_lead.content == "Only a lead of **Data Club** can do this."
    opened = await ada.slash("group archive", share=True, in_channel=thread)
    assert opened.modal is not None and opened.modal["title"] == "Archive Data Club"
    bad = await answered(ada, await ada.submit_modal({"summary": "A dashboard", "links": "not a link"}))
    assert bad.content.startswith("“not” is not a web link")
    done = await answered(
        ada, await ada.submit_modal({"summary": "A dashboard of our data", "links": "https://example.org/dash"})
    )
    [post] = [channel for channel in discord.guild.threads() if channel.parent_id == forum.id]
    assert (
        done.content
        == f"📦 **Data Club** is archived and its project recorded (2 members).\nIts summary is in <#{post.id}>."
    )
    summary = thread.messages[-1].embeds[0]
    assert summary["title"] == "📦 Data Club — finished" and summary["description"] == "A dashboard of our data"
    assert thread.archived and thread.locked
    assert "Data Club" not in {role.name for role in discord.guild.roles.values()}
    assert post.messages[0].embeds[0]["title"] == "📦 Data Club — finished"
    async with agora.bot.db.transaction() as session:
        [project] = await projects.finished_projects(session, discord.guild.id, member_id=bob.id)
    assert (project.name, project.member_ids, project.links) == (
        "Data Club",
        (ada.id, bob.id),
        ("https://example.org/dash",),
    )
    late = await cleo.slash("group join", group="Data Club")
    assert late.content == "Ce groupe est archivé : il n'accepte plus de membres ni de modifications."


async def test_suggestions_list_members_who_opted_in_by_how_their_profile_fits(
    discord: Emulator, agora: AgoraHarness
) -> None:
    ada, bob, cleo, dan = await people(discord, "ada", "bob", "cleo", "dan")
    texts_of = {
        bob: ProfileText(skills_to_share="Python, data", timezone="Europe/Paris"),
        cleo: ProfileText(skills_to_share="cooking", timezone="America/New_York"),
        dan: ProfileText(skills_to_share="data", timezone="Europe/Paris"),  # never opted in
    }
    async with agora.bot.db.transaction() as session:
        for member, text in texts_of.items():
            await profiles.edit_profile(session, discord.guild.id, member.id, text, now=utcnow())
    for member in (bob, cleo):
        opted = await member.slash("group available")
        assert opted.content.startswith("✅ Groups looking for teammates may now be shown your profile")
    await create(ada, "Data Club", purpose="A dashboard of our data")
    thread = space(discord, await group_named(agora.bot.db, "Data Club"))
    found = await ada.slash("group suggest", in_channel=thread)
    assert found.content == (
        "Members who could join **Data Club**:\n"
        f"• {bob.mention} — shares data\n"
        f"• {cleo.mention} — open to any group\n"
        "Invite them with /group invite."
    )
    await cleo.slash("group available", available=False)
    assert cleo.mention not in (await ada.slash("group suggest", in_channel=thread)).content


async def test_a_host_splits_a_cohort_into_balanced_teams_and_creates_their_groups(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await set_up(discord, agora.bot.db)
    cohort = await discord.create_role(discord.guild, "Cohort 7")
    zones = {"ana": "Europe/Paris", "ben": "Europe/Paris", "cid": "America/New_York", "dee": "America/New_York"}
    skills = {"ana": "python", "ben": "design", "cid": "python", "dee": "design"}
    learners = [await discord.member(name, roles=[cohort]) for name in zones]
    async with agora.bot.db.transaction() as session:
        for member in learners:
            text = ProfileText(skills_to_share=skills[member.name], timezone=zones[member.name])
            await profiles.edit_profile(session, discord.guild.id, member.id, text, now=utcnow())
    preview = await answered(server.host, await server.host.slash("group form", role=cohort, size=2))
    message = preview.followups[-1]
    assert message.content.startswith("**2 teams from Cohort 7**, at most 2 each, balanced by skills and time zone:")
    assert message.attachments[0].filename == f"teams-{cohort.id}.csv"
    created = await answered(server.host, await server.host.click(message, "Create these 2 groups"))
    assert created.followups[-1].content.startswith("✅ 2 groups created: ")
    for number in (1, 2):
        thread = discord.guild.channel(f"Cohort 7 {number}")
        names = {discord.state.users[member_id].username for member_id in thread.member_ids} - {"Agora"}
        assert names in ({"ana", "ben"}, {"cid", "dee"}), names  # same time zone, python with design
    again = await answered(server.host, await server.host.click(message, "Create these 2 groups"))
    assert again.followups[-1].content == "These teams were already created: run /group form again for new ones."
    solo = await discord.create_role(discord.guild, "Solo")
    await discord.member("sol", roles=[solo])
    too_few = await answered(server.host, await server.host.slash("group form", role=solo, size=3))
    assert too_few.content == "Teams need at least 2 members of Solo; it has 1."


async def test_hosts_may_give_groups_private_channels_instead_of_threads(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await set_up(discord, agora.bot.db)
    category = await discord.create_channel(discord.guild, "Groups", type="category")
    ada, bob, eve = await people(discord, "ada", "bob", "eve")
    refused = await server.host.slash("group settings", space="channel", channel=discord.guild.channel("general"))
    general = discord.guild.channel("general")
    assert (
        refused.content == f"<#{general.id}> does not fit: threads open in a text channel, channels go into a category."
    )
    await server.host.slash("group settings", space="channel", channel=category)
    missing = await ada.slash("group create", name="Data Club", purpose="x")
    assert missing.content.startswith("I cannot use Agora Test: I am missing Manage Channels.")
    await discord.set_bot_permissions(discord.guild, BOT_PERMISSIONS | perms.MANAGE_CHANNELS)
    await create(ada, "Data Club")
    room = space(discord, await group_named(agora.bot.db, "Data Club"))
    assert (room.type, room.name, room.parent_id) == (0, "data-club", category.id)
    guild = discord.guild
    assert perms.channel_permissions(guild, ada.member, room) & perms.SEND_MESSAGES
    assert perms.channel_permissions(guild, eve.member, room) == 0
    await bob.slash("group join", group="Data Club")
    assert perms.channel_permissions(guild, bob.member, room) & perms.SEND_MESSAGES
    await bob.slash("group leave", group="Data Club")
    assert perms.channel_permissions(guild, bob.member, room) == 0
    await ada.slash("group archive", in_channel=room)
    await answered(ada, await ada.submit_modal({"summary": "Done"}))
    assert perms.channel_permissions(guild, ada.member, room) & perms.VIEW_CHANNEL
    assert not perms.channel_permissions(guild, ada.member, room) & perms.SEND_MESSAGES


async def test_settings_in_french(discord: Emulator, agora: AgoraHarness) -> None:
    hosts = await discord.create_role(discord.guild, "Hôtes", permissions=1 << 5)
    hote = await discord.member("hote", locale="fr", roles=[hosts])
    shown = await hote.slash("group settings", silence_days=3)
    assert shown.content.splitlines() == [
        "✅ Enregistré. Groupes de travail sur ce serveur :",
        "Les membres créent des groupes sans approbation.",
        "Chaque groupe reçoit un fil privé dans le salon où /groupe créer est utilisé.",
        "Un groupe silencieux depuis 3 jours reçoit un rappel.",
        "Pas de bilan hebdomadaire.",
    ]
    await create(hote, "Équipe Été", purpose="Préparer la rentrée")
    thread = space(discord, await group_named(agora.bot.db, "Équipe Été"))
    assert thread.messages[0].embeds[0]["fields"][-1] == {
        "name": "Joining",
        "value": "open: /group join",
        "inline": True,
    }


async def test_the_groups_channel_must_let_agora_open_private_threads(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    closed = await discord.create_channel(discord.guild, "closed")
    bot_member = discord.guild.members[discord.bot.id]
    await discord.set_permissions(closed, bot_member, deny=perms.CREATE_PRIVATE_THREADS)
    refused = await server.host.slash("group settings", channel=closed)
    assert refused.content == (
        f"I cannot use <#{closed.id}>: I am missing Create Private Threads. "
        "Give me these permissions or choose another channel."
    )
    projects_channel = await discord.create_channel(discord.guild, "projects")
    await server.host.slash("group settings", channel=projects_channel)
    [ada] = await people(discord, "ada")
    await create(ada, "Data Club", in_channel=closed)  # used anywhere, the group opens in the groups channel
    assert space(discord, await group_named(agora.bot.db, "Data Club")).parent_id == projects_channel.id
