"""Test helpers shared by the welcome suites (conduct, onboarding, profiles): a questionnaire with every question
type, settings that carry it, and a server set up the way a host would."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bot.config import ConductSettings, Settings
from bot.database import Database
from models import guild_settings
from models.base import utcnow
from models.guild_settings import ChannelPurpose, RolePurpose
from models.onboarding.questionnaire import Question, Questionnaire
from models.scheduling import JobState, ScheduledJob
from playground.emulator import Emulator, MemberDriver, payloads
from playground.emulator.state import Channel, Interaction, Member, Message, Role

MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
DEFERRED = 5  # interaction callback type: “thinking…”

QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "learn",
        "type": "multiple",
        "fr": "Que voulez-vous apprendre ?",
        "en": "What do you want to learn?",
        "profile": "skills_to_learn",
        "choices": [
            {"id": "python", "fr": "Python", "en": "Python", "roles": ["Pythonistas"]},
            {"id": "data", "fr": "Données", "en": "Data", "value": "data science"},
            {"id": "web", "fr": "Web", "en": "Web"},
        ],
    },
    {
        "id": "mentor",
        "type": "single",
        "fr": "Accompagneriez-vous d'autres membres ?",
        "en": "Would you mentor other members?",
        "profile": "mentor",
        "choices": [
            {"id": "yes", "fr": "Oui", "en": "Yes", "value": True, "roles": ["Mentors"]},
            {"id": "no", "fr": "Non", "en": "No", "value": False},
        ],
    },
    {"id": "level", "type": "scale", "fr": "Votre niveau (1 à 5) ?", "en": "Your level (1 to 5)?", "required": False},
    {
        "id": "share",
        "type": "short",
        "fr": "Que pouvez-vous partager ?",
        "en": "What can you share?",
        "profile": "skills_to_share",
        "max_length": 100,
    },
    {"id": "zone", "type": "short", "fr": "Votre fuseau ?", "en": "Your time zone?", "profile": "timezone"},
    {
        "id": "goals",
        "type": "long",
        "fr": "Qu'espérez-vous ?",
        "en": "What do you hope for?",
        "profile": "goals",
        "required": False,
    },
]


def questionnaire(questions: list[dict[str, Any]] | None = None) -> Questionnaire:
    return Questionnaire(questions=[Question(**question) for question in (questions or QUESTIONS)])


def conduct_files(directory: Path, fr: str = "Soyez bienveillants.", en: str = "Be kind.") -> ConductSettings:
    (directory / "conduct.fr.md").write_text(fr, encoding="utf-8")
    (directory / "conduct.en.md").write_text(en, encoding="utf-8")
    return ConductSettings(fr=directory / "conduct.fr.md", en=directory / "conduct.en.md")


def with_welcome(settings: Settings, directory: Path, *, questions: list[dict[str, Any]] | None = None) -> Settings:
    """The e2e settings plus conduct files and a questionnaire."""
    return settings.model_copy(
        update={"conduct": conduct_files(directory), "onboarding": questionnaire(questions or QUESTIONS)}
    )


@dataclass
class Server:
    """The default guild set up by a host: welcome, rules and moderators channels, a member role, answer roles."""

    host: MemberDriver
    welcome: Channel
    rules: Channel
    moderators: Channel
    member_role: Role
    pythonistas: Role
    mentors: Role


async def set_up(discord: Emulator, db: Database, *, host_locale: str = "en-US") -> Server:
    guild = discord.guild
    hosts = await discord.create_role(guild, "Hosts", permissions=MANAGE_GUILD)
    welcome = await discord.create_channel(guild, "welcome")
    rules = await discord.create_channel(guild, "rules")
    moderators = await discord.create_channel(guild, "moderators")
    member_role = await discord.create_role(guild, "Member")
    pythonistas = await discord.create_role(guild, "Pythonistas")
    mentors = await discord.create_role(guild, "Mentors")
    async with db.transaction() as session:
        now = utcnow()
        for purpose, channel in (
            (ChannelPurpose.WELCOME, welcome),
            (ChannelPurpose.RULES, rules),
            (ChannelPurpose.MODERATORS, moderators),
        ):
            await guild_settings.set_channel(session, guild.id, purpose, channel.id, now=now)
        await guild_settings.set_role(session, guild.id, RolePurpose.MEMBER, member_role.id, now=now)
    host = await discord.member("hana", locale=host_locale, roles=[hosts])
    return Server(host, welcome, rules, moderators, member_role, pythonistas, mentors)


async def run_jobs_now(db: Database, kind: str, run_due: Any) -> None:
    """Move pending jobs of `kind` to now and run what is due (time is an argument: no real waiting)."""
    async with db.transaction() as session:
        await session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.kind == kind, ScheduledJob.state == JobState.PENDING)
            .values(due_at=utcnow())
        )
    await run_due()


def last(channel: Channel) -> Message:
    assert channel.messages, f"#{channel.name} has no message"
    return channel.messages[-1]


def role_names(member: MemberDriver) -> set[str]:
    return {role.name for role in member.roles}


async def slash(member: MemberDriver, command: str, /, **options: Any) -> Interaction:
    """Run a command and, when the bot deferred ("thinking…"), wait for its real answer."""
    reply = await member.slash(command, **options)
    if reply.response is not None and reply.response.type == DEFERRED:
        await member.emulator.wait_for(lambda: reply.followups, what=f"the answer to /{command}")
    return reply


async def rejoin(discord: Emulator, member: MemberDriver) -> MemberDriver:
    """The same user joins the guild again after leaving (GUILD_MEMBER_ADD)."""
    guild = member.guild
    again = Member(user=member.user, guild_id=guild.id)
    guild.members[member.id] = again
    discord.core.gateway.dispatch("GUILD_MEMBER_ADD", payloads.member(again) | {"guild_id": str(guild.id)})
    discord.core.journal.changed()
    await discord.sync()
    return MemberDriver(discord, again)


async def move_role(discord: Emulator, role: Role, position: int) -> None:
    """A host drags a role elsewhere in the list (GUILD_ROLE_UPDATE)."""
    role.position = position
    discord.core.gateway.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(role.guild_id), "role": payloads.role(role)})
    await discord.sync()


async def greeting_of(channel: Channel, member: MemberDriver) -> Message:
    """The bot's latest message in `channel` that mentions `member` (waiting for it: greetings follow the join)."""

    def found() -> list[Message]:
        return [message for message in channel.messages if member.mention in message.content]

    await member.emulator.wait_for(found, what=f"a message for {member.name} in #{channel.name}")
    return found()[-1]
