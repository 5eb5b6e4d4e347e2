"""Working groups end to end, creating and membership: the real bot against the emulated Discord, with a real
database. Create (with the host's approval, and when Discord refuses the thread), join, requests, invitations, the
cap and its waitlist, leaving, handing over the lead, and every refusal the issue lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from models.base import utcnow
from models.groups.tables import Group
from playground.emulator import Emulator, MemberDriver
from tests.conftest import AgoraHarness
from tests.support.groups import (
    agora,
    click,
    create,
    group_named,
    seats,
    set_up,
    space,
    texts,
)

__all__ = ["agora"]


async def people(discord: Emulator, *names: str) -> list[MemberDriver]:
    return [await discord.member(name) for name in names]


async def test_a_member_creates_a_group_with_its_charter_private_thread_and_role(
    discord: Emulator, agora: AgoraHarness
) -> None:
    ada = await discord.member("ada")
    done = await create(ada, "Data Club", cap=5, role=True, goals="A dashboard by June", how="Tuesdays at 18:00")
    group = await group_named(agora.bot.db, "Data Club")
    thread = space(discord, group)
    assert done.ephemeral and done.content == (
        f"✅ **Data Club** is ready: <#{thread.id}>. You lead it; invite people with /group invite."
    )
    assert thread.type == 12 and not thread.invitable and thread.parent_id == discord.guild.channel("general").id
    assert thread.member_ids == [discord.bot.id, ada.id]
    [charter] = thread.messages
    fields = {field["name"]: field["value"] for field in charter.embeds[0]["fields"]}
    assert charter.embeds[0]["title"] == "🤝 Data Club"
    assert fields["Goals"] == "A dashboard by June" and fields["How we work"] == "Tuesdays at 18:00"
    assert fields["Lead"] == ada.mention and fields["Joining"] == "open: /group join"
    assert "Data Club" in {role.name for role in ada.roles}
    assert group is not None and (group.cap, group.status) == (5, "active")


async def test_names_taken_or_with_mentions_or_markdown_get_a_private_reply_in_the_member_s_language(
    discord: Emulator, agora: AgoraHarness
) -> None:
    ada = await discord.member("ada")
    amelie = await discord.member("amelie", locale="fr")
    await create(ada, "Café Créatif")
    taken = await amelie.slash("group create", name="cafe  CREATIF", purpose="Autre chose")
    assert taken.modal is None and taken.ephemeral
    assert taken.content.startswith("Un groupe s'appelle déjà **Café Créatif**")
    for name in ("@everyone party", "**Bold** crew", "<@123> fans", "x"):
        refused = await ada.slash("group create", name=name, purpose="Anything")
        assert refused.modal is None and refused.ephemeral, name
        assert refused.content.startswith("A group's name"), (name, refused.content)
    assert [thread.name for thread in discord.guild.threads()] == ["Café Créatif"]


async def test_a_thread_discord_refuses_rolls_the_whole_group_back(discord: Emulator, agora: AgoraHarness) -> None:
    ada = await discord.member("ada")
    discord.faults.refuse("POST", "/channels/*/threads")
    failed = await create(ada, "Data Club", role=True)
    assert failed.content.startswith("Discord refused to create the group's space, so nothing was created.")
    assert await group_named(agora.bot.db, "Data Club") is None
    assert "Data Club" not in {role.name for role in discord.guild.roles.values()}  # the role made first is gone
    assert discord.guild.threads() == []
    again = await create(ada, "Data Club")  # the name is free: nothing half-created holds it
    assert again.content.startswith("✅ **Data Club** is ready")


async def test_hosts_approve_or_reject_new_groups_even_after_a_restart(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    settings = await server.host.slash("group settings", approval=True)
    assert "New groups need a host's approval." in settings.content
    ada = await discord.member("ada")
    bea = await discord.member("bea", locale="fr")
    waiting = await create(ada, "Data Club")
    assert waiting.content.startswith("📝 **Data Club** waits for a host's approval.")
    await create(bea, "Club Photo")
    assert discord.guild.threads() == []
    notice_ada, notice_bea = server.moderators.messages
    assert (
        notice_ada.content
        == f"📝 {ada.mention} asks to create the working group **Data Club**: Build a dashboard of our data"
    )
    refused = await ada.click(notice_ada, "Approve")
    assert refused.content == "Only hosts (members who can manage the server) can do this."
    await agora.restart()
    await click(server.host, notice_ada, "Approve")
    group = await group_named(agora.bot.db, "Data Club")
    thread = space(discord, group)
    assert ada.id in thread.member_ids
    assert (
        notice_ada.content == f"✅ **Data Club** approved by {server.host.mention}: <#{thread.id}>"
        and not notice_ada.components
    )
    assert ada.dms[-1].content == f"✅ Your group **Data Club** on Agora Test is approved: <#{thread.id}>"
    await click(server.host, notice_bea, "Reject")
    assert bea.dms[-1].content == "Your group **Club Photo** on Agora Test was not approved by the hosts."
    rejected = await group_named(agora.bot.db, "Club Photo")
    assert rejected is not None and rejected.status == "rejected"
    assert not notice_bea.components
    await create(bea, "Club Vidéo")
    listed = await server.host.slash("group pending")
    assert listed.content == "1 group waits for approval:"
    [card] = await discord.wait_for(lambda: listed.followups)
    assert "**Club Vidéo**" in card.content and card.ephemeral
    await click(server.host, card, "Approve")
    assert card.content.startswith("✅ **Club Vidéo** approved by")
    assert space(discord, await group_named(agora.bot.db, "Club Vidéo")).member_ids == [discord.bot.id, bea.id]
    assert (await server.host.slash("group pending")).content == "No group waits for approval."


async def test_joining_fills_the_cap_then_the_waitlist_and_a_freed_seat_goes_to_the_first_waiting(
    discord: Emulator, agora: AgoraHarness
) -> None:
    ada, bob, cleo, dan = await people(discord, "ada", "bob", "cleo", "dan")
    await create(ada, "Data Club", cap=2)
    thread = space(discord, await group_named(agora.bot.db, "Data Club"))
    joined = await bob.slash("group join", group="data club")
    assert joined.content == f"✅ You joined **Data Club**: <#{thread.id}>"
    full = await cleo.slash("group join", group="Data Club")
    assert full.content.startswith("⏳ **Data Club** is full: you are number 1 on its waitlist")
    second = await dan.slash("group join", group="Data Club")
    assert "number 2" in second.content
    again = await cleo.slash("group join", group="Data Club")
    assert again.content == "You are already on this group's waitlist."
    assert thread.member_ids == [discord.bot.id, ada.id, bob.id]
    left = await bob.slash("group leave", in_channel=thread)  # in the group's thread: that group
    assert left.content == "You left **Data Club**."
    await agora.idle()
    assert thread.member_ids == [discord.bot.id, ada.id, cleo.id]
    assert cleo.dms[-1].content == f"🎟️ A seat freed up in **Data Club** on Agora Test: you are in! <#{thread.id}>"
    assert f"🎟️ {cleo.mention} got a seat from the waitlist." in texts(thread)
    raised = await ada.slash("group edit", group="Data Club", cap=3)
    assert raised.content == "✅ **Data Club** is updated.\n1 member got a seat from the waitlist."
    await discord.wait_for(lambda: dan.id in thread.member_ids)
    lower = await ada.slash("group edit", group="Data Club", cap=2)
    assert lower.content == "The group already has 3 members: its cap cannot be 2."


async def test_a_private_group_takes_requests_that_only_a_lead_answers(discord: Emulator, agora: AgoraHarness) -> None:
    ada, bob, eli = await people(discord, "ada", "bob", "eli")
    await create(ada, "Secret Lab", private=True)
    thread = space(discord, await group_named(agora.bot.db, "Secret Lab"))
    asked = await bob.slash("group join", group="Secret Lab")
    assert (
        asked.content
        == "📨 Your request to join **Secret Lab** went to its lead. You will hear back by direct message."
    )
    request = thread.messages[-1]
    assert request.content == f"🙋 {bob.mention} asks to join. {ada.mention}, accept or decline:"
    stranger = await click(eli, request, "Accept")
    assert stranger.followups[-1].content == "You are not a member of **Secret Lab**: only its members can do this."
    await click(ada, request, "Accept")
    assert request.content == f"✅ {bob.mention}'s request was accepted by {ada.mention}." and not request.components
    assert bob.id in thread.member_ids
    assert bob.dms[-1].content == f"✅ Your request to join **Secret Lab** on Agora Test was accepted: <#{thread.id}>"
    await eli.slash("group join", group="Secret Lab")
    await click(ada, thread.messages[-1], "Decline")
    assert eli.dms[-1].content == "Your request to join **Secret Lab** on Agora Test was declined."
    assert (await seats(agora.bot.db, (await group_named(agora.bot.db, "Secret Lab")).id)) == {  # type: ignore[union-attr]
        ada.id: "lead",
        bob.id: "member",
    }


async def test_invitations_by_direct_message_and_who_may_send_them(discord: Emulator, agora: AgoraHarness) -> None:
    ada, bob, cleo = await people(discord, "ada", "bob", "cleo")
    closed = await discord.member("dora", dms_open=False)
    helper = await discord.member("helper-bot", bot=True)
    await create(ada, "Data Club")
    thread = space(discord, await group_named(agora.bot.db, "Data Club"))
    outside = await cleo.slash("group invite", member=bob, group="Data Club")
    assert outside.content == "You are not a member of **Data Club**: only its members can do this."
    sent = await ada.slash("group invite", member=bob, group="Data Club")
    assert sent.content == f"✉️ {bob.mention} is invited to **Data Club**."
    invitation = bob.dms[-1]
    assert (
        invitation.content
        == f"✉️ {ada.mention} invites you to join **Data Club** on Agora Test: Build a dashboard of our data"
    )
    not_theirs = await cleo.click(invitation, "Join")
    assert not_theirs.content == "This invitation is for someone else."
    joined = await click(bob, invitation, "Join")
    assert joined.content == f"✅ You joined **Data Club**: <#{thread.id}>" and bob.id in thread.member_ids
    discord.expect_rejections(50007)
    no_dm = await ada.slash("group invite", member=closed, group="Data Club")
    assert no_dm.content.endswith("but their direct messages are closed: tell them to use /group join.")
    bot_invite = await ada.slash("group invite", member=helper, group="Data Club")
    assert bot_invite.content == "Bots cannot join groups."
    await bob.slash("group invite", member=cleo, in_channel=thread)  # any member invites to an open group
    declined = await cleo.click(cleo.dms[-1], "Decline")
    assert declined.content == "You declined the invitation to **Data Club**."
    assert (await cleo.click(cleo.dms[-1], "Decline")).content == "This invitation is no longer valid."


async def test_the_lead_hands_over_and_the_last_lead_cannot_leave(discord: Emulator, agora: AgoraHarness) -> None:
    ada, bob = await discord.member("ada"), await discord.member("bob", locale="fr")
    await create(ada, "Data Club")
    thread = space(discord, await group_named(agora.bot.db, "Data Club"))
    alone = await ada.slash("group leave", group="Data Club")
    assert alone.content == "You are the only member left: archive the group with /group archive instead."
    await bob.slash("group join", group="Data Club")
    last = await ada.slash("group leave", group="Data Club")
    assert last.content == "You are the group's last lead: hand over first with /group lead, then leave."
    not_lead = await bob.slash("group lead", member=ada, group="Data Club")
    assert not_lead.content == "Seul un responsable de **Data Club** peut faire cela."
    handed = await ada.slash("group lead", member=bob, in_channel=thread)
    assert handed.content == f"👑 {bob.mention} now leads **Data Club**."
    assert f"👑 {bob.mention} now leads the group." in texts(thread)
    assert (await ada.slash("group leave", group="Data Club")).content == "You left **Data Club**."
    assert thread.member_ids == [discord.bot.id, bob.id]


async def test_commands_about_a_group_from_outside_it_are_refused(discord: Emulator, agora: AgoraHarness) -> None:
    ada, eli = await discord.member("ada"), await discord.member("eli", locale="fr")
    await create(ada, "Data Club")
    outsider = "Vous n'êtes pas membre de **Data Club** : seuls ses membres peuvent faire cela."
    every: list[tuple[str, dict[str, Any]]] = [
        ("group edit", {"cap": 4}),
        ("group archive", {}),
        ("group suggest", {}),
        ("group leave", {}),
    ]
    for command, options in every:
        refused = await eli.slash(command, group="Data Club", **options)
        assert refused.ephemeral and refused.modal is None and refused.content == outsider, command
    which = await eli.slash("group edit", cap=4)
    assert which.content == "Quel groupe ? Nommez-le, ou utilisez la commande dans le fil du groupe."
    unknown = await eli.slash("group join", group="Nope")
    assert unknown.content == "Je ne connais aucun groupe nommé « Nope ». /groupe liste les affiche."


async def test_a_lead_who_leaves_the_server_is_succeeded_by_the_longest_seated_member(
    discord: Emulator, agora: AgoraHarness
) -> None:
    ada, bob, cleo = await people(discord, "ada", "bob", "cleo")
    await create(ada, "Data Club", cap=2)
    thread = space(discord, await group_named(agora.bot.db, "Data Club"))
    await bob.slash("group join", group="Data Club")
    await cleo.slash("group join", group="Data Club")  # waitlisted
    await discord.leave(discord.guild, ada)
    await agora.idle()
    group = await group_named(agora.bot.db, "Data Club")
    assert group is not None and await seats(agora.bot.db, group.id) == {bob.id: "lead", cleo.id: "member"}
    assert f"{ada.mention} left the server, and the group.\n👑 {bob.mention} now leads the group." in texts(thread)
    assert cleo.id in thread.member_ids


async def test_after_downtime_a_creation_left_midway_is_undone_and_departures_are_applied(
    discord: Emulator, agora: AgoraHarness
) -> None:
    ada, bob, cleo = await people(discord, "ada", "bob", "cleo")
    await create(ada, "Data Club")
    await create(cleo, "Half Made", role=True)
    await bob.slash("group join", group="Data Club")
    data_club = space(discord, await group_named(agora.bot.db, "Data Club"))
    half = await group_named(agora.bot.db, "Half Made")
    assert half is not None
    half_thread, half_role = space(discord, half), half.role_id
    async with agora.bot.db.transaction() as session:  # as if the process stopped between the thread and the end
        await session.execute(
            update(Group)
            .where(Group.id == half.id)
            .values(status="creating", created_at=utcnow() - timedelta(minutes=30))
        )
    await agora.stop()
    await discord.leave(discord.guild, bob)
    await agora.start()
    await agora.idle()
    assert half_thread.id not in discord.state.channels and half_role not in discord.guild.roles
    assert await group_named(agora.bot.db, "Half Made") is None
    group = await group_named(agora.bot.db, "Data Club")
    assert group is not None and await seats(agora.bot.db, group.id) == {ada.id: "lead"}
    assert f"{bob.mention} left the server, and the group." in texts(data_club)
