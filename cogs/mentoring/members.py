"""`/mentor`: members offer to mentor or ask for a mentor — forms pre-filled from their profile, never asked
twice — and pause or resume."""

from __future__ import annotations

from typing import Any

import discord

from bot import i18n
from bot.checks import guild_of
from bot.client import Interaction
from bot.members import member_of
from bot.replies import open_form, opens_form, send_ephemeral
from bot.roles import give_or_tell_hosts
from bot.ui import custom_id, form, form_view, own
from cogs.mentoring.base import MentoringBase
from models.base import utcnow
from models.mentoring import languages as spoken
from models.mentoring import rules, service
from models.mentoring.service import OfferText, RequestText
from models.profiles import MAX_GOALS_CHARS

IDS = r"(?P<guild>\d+):(?P<member>\d+)"
OFFER_FIELDS = (
    ("capacity", discord.TextStyle.short, 1, True),
    ("skills", discord.TextStyle.short, 400, True),
    ("languages", discord.TextStyle.short, 200, True),
    ("note", discord.TextStyle.paragraph, rules.NOTE_MAX, False),
)
REQUEST_FIELDS = (
    ("skills", discord.TextStyle.short, 400, True),
    ("goals", discord.TextStyle.paragraph, MAX_GOALS_CHARS, False),
    ("languages", discord.TextStyle.short, 200, True),
)


def inputs(kind: str, fields: Any, current: Any, language: str) -> list[discord.ui.TextInput[Any]]:
    return [
        discord.ui.TextInput[Any](
            label=i18n.t(language, f"mentoring.{kind}.field.{name}"),
            custom_id=name,
            style=style,
            placeholder=i18n.t(language, f"mentoring.{kind}.hint.{name}")[:100],
            required=required,
            max_length=limit,
            default=str(getattr(current, name))[:limit] or None,
        )
        for name, style, limit, required in fields
    ]


class MemberCommands(MentoringBase):
    @opens_form
    @MentoringBase.mentor.command(name="offer", description="Offer to mentor: how many mentees, what you share")
    async def offer(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            current = await service.offer_text(session, guild.id, interaction.user.id, language)
        form_id = custom_id("mentoring", "offer", guild.id, interaction.user.id)
        modal = form_view(
            i18n.t(language, "mentoring.offer.title"), form_id, inputs("offer", OFFER_FIELDS, current, language)
        )
        await open_form(interaction, modal)

    @form("mentoring", "offer", IDS)
    async def save_offer(self, interaction: Interaction, values: dict[str, str], *, guild: int, member: int) -> None:
        own(interaction, member)
        text = OfferText(**{name: values.get(name, "") for name, *_ in OFFER_FIELDS})
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild, interaction)
            language = context.reply_language
            offer = await service.save_offer(session, guild, member, text, language=language, now=utcnow())
            load = (await service.live_loads(session, guild, [member])).get(member, 0)
        lines = [
            i18n.t(
                language,
                "mentoring.offer.saved",
                capacity=offer.capacity,
                skills=", ".join(offer.skills),
                languages=spoken.display_names(offer.languages, language),
            )
        ]
        if load:
            lines.append(i18n.t(language, "mentoring.offer.load", load=load))
        role = await self.mentor_role(guild, member, context)
        if role:
            lines.append(role)
        await send_ephemeral(interaction, "\n".join(lines))

    async def mentor_role(self, guild_id: int, member_id: int, context: Any) -> str | None:
        """The server's mentor role (`/agora role mentor`) for those who offer; a role Agora cannot give is told to
        the hosts."""
        role_id = context.settings.mentor_role_id
        if not role_id:
            return None
        found, member = await member_of(self.bot, guild_id, member_id)
        role = found.get_role(role_id)
        if role is None or member.get_role(role.id) is not None:
            return None
        change = await give_or_tell_hosts(
            member, [role], context, reason="Offered to mentor", notice="mentoring.hosts.role_failed", role=role.mention
        )
        return i18n.t(context.reply_language, "mentoring.offer.role", role=role.name) if change.done else None

    @opens_form
    @MentoringBase.mentor.command(name="request", description="Ask for a mentor: what you want to learn, your goals")
    async def request(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            current = await service.request_text(session, guild.id, interaction.user.id, language)
        form_id = custom_id("mentoring", "request", guild.id, interaction.user.id)
        fields = inputs("request", REQUEST_FIELDS, current, language)
        await open_form(interaction, form_view(i18n.t(language, "mentoring.request.title"), form_id, fields))

    @form("mentoring", "request", IDS)
    async def save_request(self, interaction: Interaction, values: dict[str, str], *, guild: int, member: int) -> None:
        own(interaction, member)
        text = RequestText(**{name: values.get(name, "") for name, *_ in REQUEST_FIELDS})
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild, interaction)).reply_language
            request = await service.save_request(session, guild, member, text, language=language, now=utcnow())
            summary = await service.summary(session, guild, member)
        key = "mentoring.request.saved" if summary.waiting else "mentoring.request.updated"
        skills, codes = ", ".join(request.skills), spoken.display_names(request.languages, language)
        await send_ephemeral(interaction, i18n.t(language, key, skills=skills, languages=codes))

    @MentoringBase.mentor.command(name="pause", description="Pause: no new proposals (you keep your current mentees)")
    async def pause(self, interaction: Interaction) -> None:
        await self.set_paused(interaction, paused=True)

    @MentoringBase.mentor.command(name="resume", description="Resume: take part in rounds again")
    async def resume(self, interaction: Interaction) -> None:
        await self.set_paused(interaction, paused=False)

    async def set_paused(self, interaction: Interaction, *, paused: bool) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            done = await service.set_paused(session, guild.id, interaction.user.id, paused, now=utcnow())
        lines = [i18n.t(language, "mentoring.pause.done" if paused else "mentoring.resume.done")]
        if paused and done.mentees:
            lines.append(i18n.tn(language, "mentoring.pause.keep", done.mentees))
        await send_ephemeral(interaction, "\n".join(lines))
