"""A group's life: created from its charter form (or approved by a host first), listed, and archived with what it
produced — the project recorded, the space closed, the summary shared; and the teams a host formed, created."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord

from bot import i18n
from bot.checks import channel_problems, guild_of
from bot.client import Interaction
from bot.delivery import NO_PINGS, post, postable
from bot.replies import acknowledge, send_ephemeral, think, update_message
from bot.ui import form
from cogs.groups.components import page_view, review_view
from cogs.groups.membership import GroupMembership
from cogs.groups.render import list_embed, summary_embed
from cogs.groups.spaces import SpaceFailedError
from models.base import utcnow
from models.errors import NoLongerAvailableError, UserError
from models.groups import members, projects, rhythm, service
from models.groups.projects import FinishedProject
from models.groups.rules import Space, Status
from models.groups.tables import Group
from models.guild_settings import GuildContext

log = logging.getLogger(__name__)

KNOWLEDGE_NEEDS = ("send_messages", "embed_links")


class GroupLifecycle(GroupMembership):
    @form("groups", "create", r"(?P<cap>\d+):(?P<private>[01]):(?P<role>[01]):(?P<parent>\d+)")
    async def receive_charter(
        self, interaction: Interaction, values: dict[str, str], *, cap: int, private: int, role: int, parent: int
    ) -> None:
        """The charter form: the group exists once its space does, or waits for a host when approval is on."""
        guild = guild_of(interaction)
        await think(interaction)
        now = utcnow()
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            settings = await service.group_settings(session, guild.id)
            group = await service.start_group(
                session,
                guild.id,
                name=values.get("name", ""),
                purpose=values.get("purpose", ""),
                goals=values.get("goals", ""),
                how=values.get("how", ""),
                cap=cap or None,
                private=bool(private),
                with_role=bool(role),
                creator_id=interaction.user.id,
                space=Space(settings.space),
                parent_id=parent or None,
                needs_approval=settings.require_approval and not self.is_host(interaction),
                now=now,
            )
            await rhythm.ensure_sweep(session, guild.id, zone=context.zone, now=now)
        mine = context.reply_language
        if group.status == Status.PENDING:
            await self.ask_hosts(guild, group, context, interaction.user.mention)
            await send_ephemeral(interaction, i18n.t(mine, "groups.create.pending", name=group.name))
            return
        group = await self.open_space(guild, group.id)
        done = i18n.t(mine, "groups.create.done", name=group.name, space=self.space_mention(group))
        await send_ephemeral(interaction, done)

    async def ask_hosts(self, guild: discord.Guild, group: Group, context: GuildContext, creator: str) -> None:
        """The new group, with Approve and Reject, in the moderators' channel (else hosts find it in /group pending)."""
        channel = postable(guild, context.settings.moderators_channel_id)
        if channel is None:
            log.info("group %s waits for approval in guild %s: no moderators' channel", group.id, guild.id)
            return
        text = i18n.t(context.language, "groups.review.notice", member=creator, name=group.name, purpose=group.purpose)
        await post(channel, content=text, view=review_view(group.id, context.language))

    async def review(self, interaction: Interaction, group_id: int, *, approve: bool) -> None:
        """A host's decision on a pending group; approving makes its space (or it stays pending if that fails)."""
        guild = guild_of(interaction)
        await acknowledge(interaction)
        async with self.lock(group_id):
            async with self.bot.db.transaction() as session:
                context = await self.bot.context(session, guild.id, interaction)
                group = await members.lock_group(session, group_id)
                if group.status != Status.PENDING:
                    raise NoLongerAvailableError("groups.review.gone")
                leads = [seat.member_id for seat in await members.seats(session, group_id)]
                if approve:
                    await service.approve_group(session, group, now=utcnow())
                else:
                    await service.reject_group(session, group)
            if approve:
                try:
                    group = await self.open_space(guild, group_id)
                except SpaceFailedError:
                    failed = i18n.t(context.reply_language, "groups.review.failed", name=group.name)
                    await send_ephemeral(interaction, failed)
                    return
        language, host = context.language, interaction.user.mention
        facts = {"name": group.name, "space": self.space_mention(group), "server": guild.name}
        outcome = "approved" if approve else "rejected"
        if leads:
            await self.tell(guild, leads[0], content=i18n.t(language, f"groups.review.dm_{outcome}", **facts))
        await update_message(
            interaction, content=i18n.t(language, f"groups.review.{outcome}", host=host, **facts), view=None
        )

    async def show_list(self, interaction: Interaction, *, committees: bool, page: int, edit: bool = False) -> None:
        guild = guild_of(interaction)
        async with self.bot.db.transaction() as session:
            language = (await self.bot.context(session, guild.id, interaction)).reply_language
            found = await service.list_groups(session, guild.id, committees=committees, page=page)
            others = await service.committee_count(session, guild.id, committees=not committees)
        embed = list_embed(found, language, committees=committees, others=others)
        view = page_view(committees, found.number, found.pages, language)
        if edit:
            await update_message(interaction, embed=embed, view=view)
        else:
            await send_ephemeral(interaction, "", embed=embed, **({"view": view} if view else {}))

    @form("groups", "archive", r"(?P<group>\d+):(?P<share>[01])")
    async def receive_summary(
        self, interaction: Interaction, values: dict[str, str], *, group: int, share: int
    ) -> None:
        """The archive form: the project is recorded, the space closed, the summary posted (and shared if asked)."""
        guild = guild_of(interaction)
        await think(interaction)
        async with self.lock(group):
            async with self.leading(interaction, group) as (session, context, found):
                finished = await projects.archive_group(
                    session, found, summary=values.get("summary", ""), links=values.get("links", ""), now=utcnow()
                )
            self.forget_space(found)
            embed = summary_embed(finished, context.language, guild.name)
            await self.say_in_space(guild, found, embed=embed)
            closed = await self.close_space(guild, found, list(finished.member_ids))
        mine = context.reply_language
        lines = [i18n.t(mine, "groups.archive.done", name=found.name, count=len(finished.member_ids))]
        if not closed:
            lines.append(i18n.t(mine, "groups.archive.space_kept"))
        if share:
            where = await self.share(guild, finished, context)
            key = "groups.archive.shared" if where else "groups.archive.not_shared"
            lines.append(i18n.t(mine, key, channel=where or "—"))
        await send_ephemeral(interaction, "\n".join(lines))

    async def share(self, guild: discord.Guild, finished: FinishedProject, context: GuildContext) -> str | None:
        """The summary in the knowledge channel (a forum post, or a message); its mention, or None when it failed."""
        channel = guild.get_channel(context.settings.knowledge_forum_id or 0)
        if not isinstance(channel, discord.ForumChannel | discord.TextChannel):
            return None
        if channel_problems(channel, guild.me, *KNOWLEDGE_NEEDS):
            return None
        embed = summary_embed(finished, context.language, guild.name)
        try:
            if isinstance(channel, discord.ForumChannel):
                made = await channel.create_thread(name=finished.name, embed=embed, allowed_mentions=NO_PINGS)
                message, where = made.message, made.thread.mention
            else:
                message, where = await channel.send(embed=embed, allowed_mentions=NO_PINGS), channel.mention
        except discord.HTTPException as error:
            log.warning("could not share project %s in guild %s (%s)", finished.project_id, guild.id, error.status)
            return None
        async with self.bot.db.transaction() as session:
            await projects.mark_shared(session, finished.project_id, message.id)
        return where

    async def create_teams(self, interaction: Interaction, formation_id: int) -> None:
        """One group per previewed team, its first member leading; a team whose group fails is named, not half-made."""
        guild = guild_of(interaction)
        await think(interaction)
        now = utcnow()
        async with self.bot.db.transaction() as session:
            context = await self.bot.context(session, guild.id, interaction)
            settings = await service.group_settings(session, guild.id)
            parent = self.parent_for(guild, settings, interaction.channel)
            formation = await projects.use_formation(session, guild.id, formation_id, now=now)
            await rhythm.ensure_sweep(session, guild.id, zone=context.zone, now=now)
        made, failed = [], []
        where = Placement(Space(settings.space), parent.id if parent is not None else None)
        for number, team in enumerate(formation.teams, start=1):
            name = f"{formation.prefix} {number}"
            try:
                group = await self.create_team(guild, context, where, name, formation.prefix, number, team)
            except UserError as error:
                failed.append(f"{name} ({i18n.t(context.reply_language, error.key, **error.params)})")
                continue
            made.append(self.space_mention(group))
        lines = [i18n.tn(context.reply_language, "groups.form.done", len(made), spaces=" ".join(made) or "—")]
        if failed:
            lines.append(i18n.t(context.reply_language, "groups.form.failed", teams="; ".join(failed)))
        await send_ephemeral(interaction, "\n".join(lines)[:2000])

    async def create_team(
        self,
        guild: discord.Guild,
        context: GuildContext,
        where: Placement,
        name: str,
        prefix: str,
        number: int,
        team: list[int],
    ) -> Group:
        """A team's group: open, no cap, its first member leading, everyone seated at once."""
        async with self.bot.db.transaction() as session:
            group = await service.start_group(
                session,
                guild.id,
                name=name,
                purpose=i18n.t(context.language, "groups.form.purpose", prefix=prefix, number=number),
                cap=None,
                private=False,
                with_role=False,
                creator_id=team[0],
                members=team[1:],
                space=where.space,
                parent_id=where.parent_id,
                needs_approval=False,
                now=utcnow(),
            )
        return await self.open_space(guild, group.id)


@dataclass(frozen=True)
class Placement:
    """Where the teams' spaces go: a kind of space, in a parent channel or category."""

    space: Space
    parent_id: int | None
