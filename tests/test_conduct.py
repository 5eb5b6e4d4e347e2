"""Code of conduct: versions, the acceptance ledger and reports on a real database, then publishing, accepting,
re-accepting after a new version, the grace period and reports through the emulator."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, select, text

from bot.config import Settings
from bot.database import Database, alembic_config
from models import guild_settings
from models.base import utcnow
from models.conduct import rules
from models.conduct import service as conduct
from models.conduct.tables import ConductReport
from models.export import to_csv
from models.localized import Localized
from playground.emulator import Emulator
from tests.conftest import AgoraHarness
from tests.support.welcome import (
    SEND_MESSAGES,
    Server,
    last,
    role_names,
    run_jobs_now,
    set_up,
    slash,
    with_welcome,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GUILD, ALICE, BOB, CAROL = 10, 1001, 1002, 1003
TEXTS = Localized({"fr": "Soyez bienveillants.", "en": "Be kind."})


def test_drafts_win_over_files_per_language() -> None:
    assert rules.texts_to_publish({"fr": "brouillon"}, {"fr": "fichier", "en": "file"}) == {
        "fr": "brouillon",
        "en": "file",
    }
    assert rules.texts_to_publish({}, {"en": "  "}) == {}


def test_the_ledger_export_neutralises_formulas_and_keeps_accents() -> None:
    data = to_csv(rules.LEDGER_COLUMNS, [(ALICE, "=HYPERLINK(evil)", 2, NOW)])
    assert data.startswith("\ufeff".encode())  # spreadsheet programs then read "é" right
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["member_id", "member_name", "version", "accepted_at"],
        [str(ALICE), "'=HYPERLINK(evil)", "2", NOW.isoformat()],
    ]


async def test_versions_are_numbered_and_only_a_change_makes_a_new_one(db: Database) -> None:
    async with db.transaction() as session:
        first = await conduct.publish(session, GUILD, TEXTS, member_id=ALICE, now=NOW)
        same = await conduct.publish(session, GUILD, TEXTS, member_id=ALICE, now=NOW)
        await conduct.set_grace_days(session, GUILD, 3, now=NOW)
        second = await conduct.publish(
            session, GUILD, Localized({**TEXTS, "en": "Be kind. Always."}), member_id=ALICE, now=NOW
        )
        other = await conduct.publish(session, GUILD + 1, TEXTS, member_id=ALICE, now=NOW)
    assert (first.version.version, first.is_new, first.version.grace_until) == (1, True, None)
    assert (same.version.version, same.is_new) == (1, False)
    assert (second.version.version, second.previous, second.version.grace_until) == (2, 1, NOW + timedelta(days=3))
    assert other.version.version == 1  # versions are per guild


async def test_publishing_needs_both_languages_within_the_limit(db: Database) -> None:
    async with db.transaction() as session:
        with pytest.raises(rules.ConductTextMissingError) as caught:
            await conduct.publish(session, GUILD, Localized({"fr": "Bonjour"}), member_id=ALICE, now=NOW)
        assert caught.value.params == {"language": "English", "code": "en"}
        with pytest.raises(rules.ConductTextTooLongError):
            await conduct.publish(session, GUILD, Localized({"fr": "x" * 4001, "en": "y"}), member_id=ALICE, now=NOW)
        with pytest.raises(rules.ConductGraceInvalidError):
            await conduct.set_grace_days(session, GUILD, 91, now=NOW)


async def test_accepting_is_recorded_once_and_only_for_the_current_version(db: Database) -> None:
    async with db.transaction() as session:
        with pytest.raises(rules.ConductNotPublishedError):
            await conduct.accept_version(session, GUILD, ALICE, version=1, now=NOW)
        await conduct.publish(session, GUILD, TEXTS, member_id=ALICE, now=NOW)
        assert (await conduct.accept_version(session, GUILD, ALICE, version=1, now=NOW)).newly
        assert not (await conduct.accept_version(session, GUILD, ALICE, version=1, now=NOW)).newly
        await conduct.publish(session, GUILD, Localized({**TEXTS, "fr": "Nouveau"}), member_id=ALICE, now=NOW)
        with pytest.raises(rules.ConductOutdatedError):
            await conduct.accept_version(session, GUILD, BOB, version=1, now=NOW)
        assert await conduct.accepted_current(session, GUILD, ALICE) is False
        assert await conduct.ever_accepted(session, GUILD, ALICE)


async def test_only_members_who_accepted_an_older_version_lapse(db: Database) -> None:
    async with db.transaction() as session:
        await conduct.publish(session, GUILD, TEXTS, member_id=ALICE, now=NOW)
        for member in (ALICE, BOB):
            await conduct.accept_version(session, GUILD, member, version=1, now=NOW)
        await conduct.publish(session, GUILD, Localized({**TEXTS, "en": "v2"}), member_id=ALICE, now=NOW)
        await conduct.accept_version(session, GUILD, BOB, version=2, now=NOW)
        await conduct.accept_version(session, GUILD, CAROL, version=2, now=NOW)
        assert await conduct.lapsed_members(session, GUILD, 2) == [ALICE]
        assert await conduct.members_to_notify(session, GUILD, 2) == [ALICE]
        await conduct.record_notice(session, GUILD, ALICE, 2, delivered=False, now=NOW)
        await conduct.record_notice(session, GUILD, ALICE, 2, delivered=True, now=NOW)  # told once
        assert await conduct.members_to_notify(session, GUILD, 2) == []
        assert await conduct.undelivered_notices(session, GUILD, 2) == 1
        status = await conduct.acceptance_status(session, GUILD, [ALICE, BOB, CAROL, 1004])
    assert status is not None and (status.accepted, status.pending) == ([BOB, CAROL], [ALICE, 1004])


async def test_an_anonymous_report_keeps_no_reporter_and_a_delivered_one_no_text(db: Database) -> None:
    async with db.transaction() as session:
        with pytest.raises(rules.ReportEmptyError):
            await conduct.file_report(
                session, GUILD, reporter_id=ALICE, anonymous=False, channel_id=None, text="  ", now=NOW
            )
        anonymous = await conduct.file_report(
            session, GUILD, reporter_id=ALICE, anonymous=True, channel_id=5, text="Rude words", now=NOW
        )
        signed = await conduct.file_report(
            session, GUILD, reporter_id=BOB, anonymous=False, channel_id=5, text="Spam", now=NOW
        )
        await conduct.mark_delivered(session, signed.id, 99, now=NOW)
    async with db.transaction() as session:
        rows = {row.id: row for row in await session.scalars(select(ConductReport))}
        waiting = await conduct.waiting_reports(session, GUILD)
    assert rows[anonymous.id].reporter_id is None and rows[anonymous.id].text == "Rude words"
    assert rows[signed.id].text == "" and rows[signed.id].delivered_message_id == 99
    assert [report.id for report in waiting] == [anonymous.id]


async def test_forget_and_export_member(db: Database) -> None:
    async with db.transaction() as session:
        await conduct.publish(session, GUILD, TEXTS, member_id=ALICE, now=NOW)
        await conduct.accept_version(session, GUILD, ALICE, version=1, now=NOW)
        await conduct.accept_version(session, GUILD, BOB, version=1, now=NOW)
        await conduct.file_report(
            session, GUILD, reporter_id=ALICE, anonymous=False, channel_id=None, text="x", now=NOW
        )
        exported = await conduct.export_member(session, GUILD, ALICE)
        removed = await conduct.forget_member(session, GUILD, ALICE)
        assert await conduct.accepted_members(session, GUILD, 1) == [BOB]
    assert exported["conduct_acceptances"] == [{"version": 1, "accepted_at": NOW.isoformat()}]
    assert len(exported["conduct_reports"]) == 1 and removed == 2


# --- through the emulator ----------------------------------------------------------------------------------


@pytest.fixture
def agora_settings(agora_settings: Settings, tmp_path: Path) -> Settings:
    return with_welcome(agora_settings, tmp_path)


async def published(discord: Emulator, agora: AgoraHarness) -> Server:
    server = await set_up(discord, agora.bot.db)
    reply = await slash(server.host, "conduct publish")
    assert reply.content.startswith(f"✅ Version 1 of the code of conduct is published in <#{server.rules.id}>")
    return server


async def test_a_newcomer_accepts_on_the_rules_message_and_gets_the_member_role(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await published(discord, agora)
    rules = last(server.rules)
    assert rules.embeds[0]["title"] == "Code of conduct — version 1" and rules.embeds[0]["description"] == "Be kind."
    assert [button["label"] for button in rules.buttons()] == ["I accept", "Français", "English"]

    alice = await discord.member("alice", locale="fr")
    french = await alice.click(rules, "Français")
    assert french.ephemeral and french.original is not None
    assert french.original.embeds[0]["description"] == "Soyez bienveillants."
    accepted = await alice.click(rules, "I accept")
    assert accepted.ephemeral and accepted.content.startswith("✅ Merci ! Vous avez accepté la version 1")
    assert "Vous avez maintenant le rôle Member" in accepted.content
    assert role_names(alice) == {"Member"}
    assert "Ensuite : quelques questions" in accepted.content  # the questionnaire comes next, with its button
    again = await alice.click(rules, "I accept")
    assert "déjà accepté la version 1" in again.content

    status = await slash(server.host, "conduct status")
    assert "Accepted: 1 of 3 members." in status.content and f"<@{server.host.id}>" in status.content
    export = await slash(server.host, "conduct export")
    ledger = list(csv.DictReader(io.StringIO(export.followups[0].attachments[0].data.decode("utf-8-sig"))))
    assert [(row["member_id"], row["member_name"], row["version"]) for row in ledger] == [(str(alice.id), "alice", "1")]


async def test_the_accept_button_works_after_a_restart(discord: Emulator, agora: AgoraHarness) -> None:
    server = await published(discord, agora)
    await agora.restart()
    bob = await discord.member("bob")
    accepted = await bob.click(last(server.rules), "I accept")
    assert "You accepted version 1" in accepted.content and role_names(bob) == {"Member"}


async def test_a_new_version_asks_again_and_the_grace_period_removes_the_role(
    discord: Emulator, agora: AgoraHarness
) -> None:
    discord.expect_rejections(50007)  # carol's DMs are closed
    server = await published(discord, agora)
    rules = last(server.rules)
    alice, bob = await discord.member("alice"), await discord.member("bob")
    carol = await discord.member("carol", dms_open=False)
    for member in (alice, bob, carol):
        await member.click(rules, "I accept")
    host = server.host
    assert (await host.slash("conduct settings", grace_days=2)).content == "✅ Grace period for a new version: 2 days."
    opened = await host.slash("conduct edit", language="en")
    assert opened.modal is not None
    saved = await host.submit_modal({"text": "Be kind. Credit others."})
    assert saved.content.startswith("✅ The text in English is saved")

    republished = await slash(host, "conduct publish")
    assert republished.content.startswith("✅ Version 2") and "have until" in republished.content
    assert rules.embeds[0]["title"] == "Code of conduct — version 2"  # the same message, edited
    assert last(server.rules).content.startswith("📢 Version 2 of the code of conduct is out")
    await discord.wait_for(lambda: alice.dms and bob.dms, what="the DM notices")
    await agora.idle()
    notice = alice.dms[-1]
    assert notice.content.startswith(f"📢 **{discord.guild.name}** published version 2")
    assert notice.embeds[0]["description"] == "Be kind. Credit others."
    assert (await bob.click(bob.dms[-1], "I accept")).content.startswith("✅ Thank you! You accepted version 2")

    status = await slash(host, "conduct status")
    assert "Accepted: 1 of 5 members." in status.content
    assert "1 member could not be told by DM" in status.content
    assert role_names(alice) == {"Member"}  # still inside the grace period

    await run_jobs_now(agora.bot.db, "conduct.grace", agora.bot.scheduler.run_due)
    assert role_names(alice) == set() and role_names(carol) == set() and role_names(bob) == {"Member"}
    back = await alice.click(rules, "I accept")
    assert "You now have the Member role" in back.content and role_names(alice) == {"Member"}


async def test_an_old_accept_button_shows_the_current_version(discord: Emulator, agora: AgoraHarness) -> None:
    server = await published(discord, agora)
    alice = await discord.member("alice")
    old = (await alice.slash("conduct show")).original
    assert old is not None
    await server.host.slash("conduct edit", language="fr")
    await server.host.submit_modal({"text": "Soyez bienveillants, toujours."})
    await slash(server.host, "conduct publish")
    outdated = await alice.click(old, "I accept")
    assert outdated.content.startswith("A newer version of the code of conduct replaced that one")
    assert outdated.original is not None and outdated.original.embeds[0]["title"] == "Code of conduct — version 2"
    async with agora.bot.db.transaction() as session:
        assert not await conduct.ever_accepted(session, discord.guild.id, alice.id)


async def test_reports_reach_the_moderators_signed_or_anonymous(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    alice = await discord.member("alice")
    general = discord.guild.channel("general")
    opened = await alice.slash("conduct report", anonymous=True, in_channel=general)
    assert opened.modal is not None and opened.modal["title"] == "Report a concern anonymously"
    sent = await alice.submit_modal({"text": "Someone was rude to @everyone", "link": ""})
    assert sent.ephemeral and sent.content == "Thank you. The moderators received your report, without your name."
    report = last(server.moderators)
    fields = {field["name"]: field["value"] for field in report.embeds[0]["fields"]}
    assert report.embeds[0]["description"] == "Someone was rude to @everyone"
    assert (
        fields["From"] == "Anonymous" and fields["Channel"] == f"<#{general.id}>" and fields["When"].startswith("<t:")
    )
    post = next(r for r in reversed(discord.requests) if r.path == f"/channels/{server.moderators.id}/messages")
    assert post.json["allowed_mentions"]["parse"] == []
    async with agora.bot.db.transaction() as session:
        stored = list(await session.scalars(select(ConductReport)))
    assert stored[0].reporter_id is None and stored[0].text == ""  # no reporter, and the text left once delivered

    await alice.slash("conduct report", in_channel=general)
    await alice.submit_modal({"text": "Spam in #general", "link": "https://discord.com/channels/1/2/3"})
    fields = {field["name"]: field["value"] for field in last(server.moderators).embeds[0]["fields"]}
    assert fields["From"] == alice.mention and fields["Message"] == "https://discord.com/channels/1/2/3"


async def test_a_report_waits_for_an_unreachable_moderators_channel(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    await discord.set_permissions(server.moderators, discord.guild.everyone, deny=SEND_MESSAGES)
    alice = await discord.member("alice", locale="fr")
    await alice.slash("conduct report")
    kept = await alice.submit_modal({"text": "Harcèlement en vocal"})
    assert kept.content.startswith("Merci. Le salon des modérateurs est injoignable")
    assert "⚠️ 1 report waits for a usable moderators' channel." in (await slash(server.host, "conduct status")).content
    await discord.set_permissions(server.moderators, discord.guild.everyone)
    await agora.restart()  # the start-up catch-up delivers it
    await discord.wait_for(lambda: server.moderators.messages, what="the delivered report")
    assert last(server.moderators).embeds[0]["description"] == "Harcèlement en vocal"


async def test_an_empty_or_too_long_report_is_refused_kindly(discord: Emulator, agora: AgoraHarness) -> None:
    await set_up(discord, agora.bot.db)
    alice = await discord.member("alice")
    await alice.slash("conduct report")
    assert (
        await alice.submit_modal({"text": "   "})
    ).content == "Your report is empty; tell the moderators what happened."
    await alice.slash("conduct report")
    refused = await alice.submit_modal({"text": "x" * 2500})
    assert refused.content == "Your report is too long (2500 characters); keep it under 2000."


async def test_publishing_needs_a_rules_channel_the_bot_can_post_in(discord: Emulator, agora: AgoraHarness) -> None:
    server = await set_up(discord, agora.bot.db)
    await discord.set_permissions(server.rules, discord.guild.everyone, deny=SEND_MESSAGES)
    refused = await slash(server.host, "conduct publish")
    assert refused.ephemeral and refused.content.startswith(
        f"I cannot use <#{server.rules.id}>: I am missing Send Messages"
    )
    async with agora.bot.db.transaction() as session:
        assert await conduct.current_version(session, discord.guild.id) is None
    stranger = await discord.member("stranger")
    assert (await stranger.slash("conduct publish")).content.startswith("Only hosts")


async def test_a_member_role_above_the_bot_is_reported_to_hosts_and_the_acceptance_kept(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await published(discord, agora)
    council = await discord.create_role(discord.guild, "Council", position=50)
    async with agora.bot.db.transaction() as session:  # set before the bot's top role moved below it
        await guild_settings.set_role(
            session, discord.guild.id, guild_settings.RolePurpose.MEMBER, council.id, now=utcnow()
        )
    alice = await discord.member("alice")
    accepted = await alice.click(last(server.rules), "I accept")
    assert "I could not give you the member role; the hosts have been told" in accepted.content
    notice = last(server.moderators).content
    assert notice.startswith(
        f"⚠️ {alice.mention} accepted the code of conduct but I could not give them <@&{council.id}>"
    )
    assert "above (or at) my highest role" in notice
    async with agora.bot.db.transaction() as session:
        assert await conduct.accepted_current(session, discord.guild.id, alice.id)


async def test_one_refused_role_removal_does_not_stop_the_end_of_the_grace_period(
    discord: Emulator, agora: AgoraHarness
) -> None:
    server = await published(discord, agora)
    members = [await discord.member(name) for name in ("alice", "bob", "carol")]
    for member in members:
        await member.click(last(server.rules), "I accept")
    assert all(role_names(member) == {"Member"} for member in members)
    await server.host.slash("conduct edit", language="en")
    await server.host.submit_modal({"text": "Be kind. Credit others."})
    await slash(server.host, "conduct publish")
    first = members[0]
    discord.faults.refuse("DELETE", f"/guilds/{discord.guild.id}/members/{first.id}/roles/*")
    await run_jobs_now(agora.bot.db, "conduct.grace", agora.bot.scheduler.run_due)
    assert role_names(first) == {"Member"}  # Discord refused this one...
    assert all(role_names(member) == set() for member in members[1:])  # ...and the others still went through
    told = last(server.moderators).content
    assert told.startswith("⚠️ The grace period of the new code of conduct ended") and "from the 1 member(s)" in told


async def test_a_form_for_another_server_is_answered(discord: Emulator, agora: AgoraHarness) -> None:
    server = await published(discord, agora)
    opened = await server.host.slash("conduct edit", language="fr")
    assert opened.modal is not None
    opened.modal["custom_id"] = f"agora:conduct:edit:{discord.guild.id + 1}:fr"  # crafted, or from another server
    answered = await server.host.submit_modal({"text": "Autre chose."})
    assert answered.ephemeral and answered.content.startswith("This is no longer available.")


async def test_upgrading_keeps_every_published_text_as_one_value_per_language(database_url: str) -> None:
    database = Database(database_url)

    def before_this_version(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "0006")
        connection.execute(
            text(
                "INSERT INTO conduct_versions (guild_id, version, text_fr, text_en, published_at) "
                "VALUES (1, 1, 'Soyez bienveillants.', 'Be kind.', :now)"
            ),
            {"now": NOW},
        )

    async with database.engine.begin() as connection:
        await connection.run_sync(before_this_version)
    await database.migrate()
    async with database.transaction() as session:
        version = await conduct.current_version(session, 1)
        assert version is not None and version.localized == {"fr": "Soyez bienveillants.", "en": "Be kind."}

    def downgraded(connection: Connection) -> list[Any]:
        command.downgrade(alembic_config(connection), "0006")
        return list(connection.execute(text("SELECT text_fr, text_en FROM conduct_versions")))

    async with database.engine.begin() as connection:
        assert await connection.run_sync(downgraded) == [("Soyez bienveillants.", "Be kind.")]
    await database.dispose()
