"""`/my-data export|erase` for members, `/privacy show|contact|export-server`: one use case per command."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands

from bot import i18n
from bot.capability import Capability
from bot.checks import guild_of, host_only
from bot.client import Interaction
from bot.replies import acknowledge, send_ephemeral, send_files, think, update_message
from cogs.privacy.components import erase_view
from cogs.privacy.render import notice, summary
from models.base import utcnow
from models.privacy import rules, service
from models.privacy.rules import NothingHeldError
from models.privacy.tables import CONTACT_MAX

log = logging.getLogger(__name__)

MY_DATA = app_commands.Group(
    name="my-data", description="Your data in Agora: get a copy of it, or erase it", guild_only=True
)
PRIVACY = app_commands.Group(
    name="privacy", description="What Agora keeps about members, why and for how long", guild_only=True
)


def limit_of(guild: discord.Guild) -> int:
    """The largest file this server takes (25 MiB, more with boosts)."""
    return int(guild.filesize_limit) or rules.DISCORD_FILE_LIMIT


def packed(exported: dict[str, Any], stem: str, limit: int) -> list[tuple[str, bytes]]:
    """The export as files under the limit; run off the event loop (a server's zip takes a while)."""
    return rules.package(rules.to_json(exported), stem, limit)


class PrivacyCommands(Capability):
    @MY_DATA.command(name="export", description="Get a copy of everything Agora holds about you in this server")
    async def export(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        await think(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            exported = await service.export_member(session, guild.id, interaction.user.id, now=utcnow())
        stem = f"agora-{guild.id}-{interaction.user.id}"
        files = await asyncio.to_thread(packed, exported, stem, limit_of(guild))
        text = summary(language, guild.name, rules.counts(exported["data"]), len(files), files[0][0].endswith(".zip"))
        await send_files(interaction, text, rules.batches(files, limit_of(guild)))

    @MY_DATA.command(name="erase", description="Erase everything Agora holds about you in this server")
    async def erase(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        await think(interaction)  # a first look after a start compiles
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            held = await service.holds_data(session, guild.id, interaction.user.id)
        if not held:
            raise NothingHeldError()
        label = i18n.t(language, "privacy.erase.button")
        await send_ephemeral(
            interaction,
            i18n.t(language, "privacy.erase.confirm", server=guild.name),
            view=erase_view(guild.id, interaction.user.id, label),
        )

    async def erase_confirmed(self, interaction: Interaction, guild_id: int, member_id: int) -> None:
        """The member pressed “Erase everything”: every capability in one transaction, all or nothing (answered
        once it committed; deferred first, as a busy server's erase can take longer than Discord waits)."""
        await acknowledge(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild_id, interaction)).reply_language
            touched = await service.erase_member(session, guild_id, member_id, now=utcnow())
        log.info("erased a member's data on their request: guild=%s rows=%d", guild_id, sum(touched.values()))
        await update_message(interaction, content=i18n.t(language, "privacy.erase.done"), view=None)

    @PRIVACY.command(name="show", description="What Agora keeps about members here, why, and for how long")
    async def show(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            contact = await service.contact(session, guild.id)
        embed = notice(language, guild.name, self.bot.settings.privacy, contact)
        await send_ephemeral(interaction, "", embed=embed)

    @PRIVACY.command(name="contact", description="How members reach the hosts about their data (shown in the notice)")
    @app_commands.describe(text="An address, a link or a name; leave empty to remove it")
    @host_only()
    async def contact(
        self, interaction: Interaction, text: app_commands.Range[str, 1, CONTACT_MAX] | None = None
    ) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            await service.set_contact(session, guild.id, text, now=utcnow())
            saved = await service.contact(session, guild.id)
        key = "privacy.contact.set" if saved else "privacy.contact.cleared"
        await send_ephemeral(interaction, i18n.t(language, key, contact=saved or ""))

    @PRIVACY.command(name="export-server", description="Every member's data in this server, for the hosts' records")
    @host_only()
    async def export_server(self, interaction: Interaction) -> None:
        guild = guild_of(interaction)
        await think(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            exported = await service.export_guild(session, guild.id, now=utcnow())
        files = await asyncio.to_thread(packed, exported, f"agora-{guild.id}", limit_of(guild))
        log.info("hosts exported the server's data: guild=%s members=%d", guild.id, len(exported["members"]))
        text = i18n.tn(language, "privacy.export_server.done", len(exported["members"]), server=guild.name)
        await send_files(interaction, text, rules.batches(files, limit_of(guild)))
