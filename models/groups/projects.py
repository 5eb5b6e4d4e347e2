"""A group's finish, and what other capabilities read of it.

`archive_group` records the project (its summary, links and members) and closes the group. `finished_projects` is
the plain function other capabilities call to read finished projects (recognition counts them as milestones);
`report_project_milestones` hands a finished project to recognition's milestone interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import scheduling
from models.errors import UserError
from models.groups import rules
from models.groups.members import seats
from models.groups.rules import SEATED, Seat, Status
from models.groups.tables import Group, GroupFormation, GroupProject, GroupProjectMember, GroupSeat
from models.recognition.milestones import report_milestone

# The milestone a finished project stands for, as recognition names it.
PROJECT_MILESTONE = "project_finished"


@dataclass(frozen=True)
class FinishedProject:
    """A finished group's project as other capabilities read it."""

    project_id: int
    guild_id: int
    group_id: int
    name: str
    summary: str
    links: tuple[str, ...]
    committee: bool
    finished_at: datetime
    member_ids: tuple[int, ...]
    lead_ids: tuple[int, ...]


async def archive_group(
    session: AsyncSession, group: Group, *, summary: str, links: str, now: datetime
) -> FinishedProject:
    """Close the group and record its project; waiting seats (requests, invitations, waitlist) are dropped and its
    check-ins stop. The members at that moment are the project's members."""
    rules.check_active(group.status)
    text = rules.check_text(summary, rules.SUMMARY_MAX) or ""
    found = rules.parse_links(links)
    all_seats = await seats(session, group.id)
    seated = [seat for seat in all_seats if seat.seat in SEATED]
    project = GroupProject(
        guild_id=group.guild_id,
        group_id=group.id,
        name=group.name,
        summary=text,
        links=found,
        committee=group.committee,
        finished_at=now,
    )
    session.add(project)
    await session.flush()
    for seat in seated:
        session.add(
            GroupProjectMember(
                project_id=project.id, member_id=seat.member_id, guild_id=group.guild_id, lead=seat.seat == Seat.LEAD
            )
        )
    await session.execute(delete(GroupSeat).where(GroupSeat.group_id == group.id, GroupSeat.seat.not_in(SEATED)))
    group.status = Status.ARCHIVED
    group.archived_at = now
    await scheduling.cancel_job(session, kind=CHECKIN_JOB, key=checkin_key(group.id))
    await session.flush()
    finished = _finished(project, seated)
    await report_project_milestones(session, finished, now=now)
    return finished


async def mark_shared(session: AsyncSession, project_id: int, message_id: int) -> None:
    project = await session.get_one(GroupProject, project_id)
    project.shared_message_id = message_id


def _finished(project: GroupProject, seated: Sequence[GroupSeat | GroupProjectMember]) -> FinishedProject:
    def is_lead(seat: GroupSeat | GroupProjectMember) -> bool:
        return seat.lead if isinstance(seat, GroupProjectMember) else seat.seat == Seat.LEAD

    return FinishedProject(
        project_id=project.id,
        guild_id=project.guild_id,
        group_id=project.group_id,
        name=project.name,
        summary=project.summary,
        links=tuple(project.links or ()),
        committee=project.committee,
        finished_at=project.finished_at,
        member_ids=tuple(seat.member_id for seat in seated),
        lead_ids=tuple(seat.member_id for seat in seated if is_lead(seat)),
    )


async def finished_projects(
    session: AsyncSession, guild_id: int, *, member_id: int | None = None, since: datetime | None = None
) -> list[FinishedProject]:
    """Finished projects of a server, oldest first: all of them, a member's (`member_id`), or those finished from
    `since` on. For other capabilities: recognition counts one milestone per member per project."""
    query = select(GroupProject).where(GroupProject.guild_id == guild_id)
    if member_id is not None:
        theirs = select(GroupProjectMember.project_id).where(
            GroupProjectMember.guild_id == guild_id, GroupProjectMember.member_id == member_id
        )
        query = query.where(GroupProject.id.in_(theirs))
    if since is not None:
        query = query.where(GroupProject.finished_at >= since)
    projects = list(await session.scalars(query.order_by(GroupProject.finished_at, GroupProject.id)))
    members = await session.scalars(
        select(GroupProjectMember)
        .where(GroupProjectMember.project_id.in_([project.id for project in projects]))
        .order_by(GroupProjectMember.member_id)
    )
    by_project: dict[int, list[GroupProjectMember]] = {}
    for member in members:
        by_project.setdefault(member.project_id, []).append(member)
    return [_finished(project, by_project.get(project.id, [])) for project in projects]


async def report_project_milestones(session: AsyncSession, project: FinishedProject, *, now: datetime) -> None:
    """A finished project becomes a milestone for each of its members, in the archive's transaction (recognition's
    interface: the project as the key, so a replayed report counts once)."""
    for member_id in project.member_ids:
        await report_milestone(session, project.guild_id, member_id, PROJECT_MILESTONE, project.project_id, now=now)


# --- check-in jobs (named here so that archiving can stop them without importing the rhythm) -----------------

CHECKIN_JOB = "groups.checkin"


def checkin_key(group_id: int) -> str:
    return f"group:{group_id}"


# --- teams a host previewed ----------------------------------------------------------------------------------


async def save_formation(
    session: AsyncSession, guild_id: int, *, created_by: int, prefix: str, teams: list[list[int]], now: datetime
) -> GroupFormation:
    formation = GroupFormation(guild_id=guild_id, created_by=created_by, prefix=prefix, teams=teams, created_at=now)
    session.add(formation)
    await session.flush()
    return formation


async def use_formation(session: AsyncSession, guild_id: int, formation_id: int, *, now: datetime) -> GroupFormation:
    """The teams to create, once: a second click (or another host's) finds them used."""
    formation = await session.get(GroupFormation, formation_id)
    if formation is None or formation.guild_id != guild_id or formation.used_at is not None:
        raise FormationUsedError()
    formation.used_at = now
    await session.flush()
    return formation


class FormationUsedError(UserError, key="groups.form.used"): ...
