"""Member profiles: parsing what members type, filling from onboarding, `/profile show|edit` through the emulator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.database import Database
from models import profiles
from models.profiles import ProfileText
from playground.emulator import Emulator
from tests.conftest import AgoraHarness

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
GUILD, ALICE = 10, 1001


def test_items_are_split_trimmed_and_deduplicated() -> None:
    assert profiles.parse_items(" Python, python ;SQL\n\n  public speaking ", field="skills") == [
        "Python",
        "SQL",
        "public speaking",
    ]
    assert profiles.parse_items("", field="skills") == []


def test_too_many_or_too_long_items_are_refused() -> None:
    with pytest.raises(profiles.ProfileTooManyItemsError):
        profiles.parse_items(",".join(f"s{n}" for n in range(30)), field="skills")
    with pytest.raises(profiles.ProfileItemTooLongError):
        profiles.parse_items("x" * 61, field="skills")


async def test_edit_replaces_fields_and_checks_the_time_zone(db: Database) -> None:
    async with db.transaction() as session:
        text = ProfileText(skills_to_learn="Rust, Go", languages="fr", timezone="Europe/Paris", goals="Ship a game")
        profile = await profiles.edit_profile(session, GUILD, ALICE, text, now=NOW)
        assert profile.skills_to_learn == ["Rust", "Go"] and profile.timezone == "Europe/Paris"
        with pytest.raises(profiles.ProfileTimezoneError):
            await profiles.edit_profile(session, GUILD, ALICE, ProfileText(timezone="Mars/Olympus"), now=NOW)
        profile = await profiles.edit_profile(session, GUILD, ALICE, ProfileText(goals="Learn"), now=NOW)
    assert profile.skills_to_learn == [] and profile.timezone is None and profile.goals == "Learn"
    assert profiles.as_text(profile).goals == "Learn"


async def test_onboarding_fills_merge_lists_and_set_the_rest(db: Database) -> None:
    async with db.transaction() as session:
        await profiles.edit_profile(session, GUILD, ALICE, ProfileText(skills_to_learn="python"), now=NOW)
        fills = {"skills_to_learn": ["Python", "web"], "mentor": True, "timezone": "UTC", "goals": ["a", "b"]}
        profile = await profiles.fill_profile(session, GUILD, ALICE, fills, now=NOW)
    assert profile.skills_to_learn == ["python", "web"]
    assert (profile.mentor, profile.timezone, profile.goals) == (True, "UTC", "a, b")


async def test_forget_and_export_member(db: Database) -> None:
    async with db.transaction() as session:
        await profiles.set_mentor(session, GUILD, ALICE, True, now=NOW)
        exported = await profiles.export_member(session, GUILD, ALICE)
        assert await profiles.forget_member(session, GUILD, ALICE) == 1
        assert await profiles.export_member(session, GUILD, ALICE) == {"profile": None}
    assert exported["profile"]["mentor"] is True


# --- through the emulator ----------------------------------------------------------------------------------


async def test_member_edits_and_shows_a_profile(discord: Emulator, agora: AgoraHarness) -> None:
    alice = await discord.member("alice")
    opened = await alice.slash("profile edit", mentor=True)
    assert opened.modal is not None and len(opened.modal["components"]) == 5
    saved = await alice.submit_modal(
        {
            "skills_to_learn": "Rust, Go",
            "languages": "French, English",
            "timezone": "America/Montreal",
            "goals": "@everyone hi",
        }
    )
    assert saved.ephemeral and saved.content.startswith("✅ Profile saved.")
    assert "Rust, Go" in saved.content and "Willing to mentor: yes" in saved.content

    bob = await discord.member("bob", locale="fr")
    shown = await bob.slash("profile show", member=alice.member)
    assert shown.ephemeral and shown.content.startswith("**Profil de alice**")
    assert "• Fuseau horaire : America/Montreal" in shown.content
    empty = await bob.slash("profile show")
    assert "n'a pas encore de profil" in empty.content


async def test_a_bad_time_zone_is_refused_kindly_and_nothing_changes(discord: Emulator, agora: AgoraHarness) -> None:
    alice = await discord.member("alice", locale="fr")
    await alice.slash("profile edit")
    refused = await alice.submit_modal({"timezone": "Mars/Olympus", "goals": "x"})
    assert refused.ephemeral and refused.content.startswith("« Mars/Olympus » n'est pas un fuseau horaire connu")
    await alice.slash("profile edit")
    refused = await alice.submit_modal({"timezone": "🌍" * 64})  # 256 bytes: too long for a file name
    assert refused.ephemeral and refused.content.startswith("« 🌍🌍")
    assert "n'est pas un fuseau horaire connu" in refused.content
    async with agora.bot.db.transaction() as session:
        assert await profiles.get_profile(session, discord.guild.id, alice.id) is None


async def test_the_longest_profile_still_fits_in_one_message(discord: Emulator, agora: AgoraHarness) -> None:
    """Every field at its limit is more than a Discord message holds: the longest values are shortened to fit."""
    alice = await discord.member("alice", locale="fr")
    await alice.slash("profile edit", mentor=True)
    items = ", ".join(f"{number:02d}" + "é" * 58 for number in range(6))
    saved = await alice.submit_modal(
        {"skills_to_learn": items, "skills_to_share": items, "languages": items[:184], "goals": "g" * 1000}
    )
    assert saved.content.startswith("✅ Profil enregistré.") and len(saved.content) <= 2000
    assert "• Compétences à apprendre : 00éé" in saved.content and "…" in saved.content
    shown = await discord.member("bob")
    reply = await shown.slash("profile show", member=alice.member)
    assert reply.content.startswith("**Profile of alice**") and len(reply.content) <= 2000
    async with agora.bot.db.transaction() as session:
        profile = await profiles.get_profile(session, discord.guild.id, alice.id)
    assert profile is not None and profile.goals == "g" * 1000  # only the message is shortened
