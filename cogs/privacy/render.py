"""What members and hosts read: the privacy notice, an export's summary, the erase's confirmation. Pure functions."""

from __future__ import annotations

import discord

from bot import i18n
from models.privacy.policy import PrivacyPolicy

NOTICE_COLOUR = discord.Colour.blurple()
# The notice's sections, in reading order: what each capability keeps and why (`privacy.notice.<name>`).
SECTIONS = (
    "profiles",
    "onboarding",
    "conduct",
    "polls",
    "groups",
    "knowledge",
    "mentoring",
    "sessions",
    "recognition",
)


def kept(language: str, days: int | None) -> str:
    if days is None:
        return i18n.t(language, "privacy.notice.until_erased")
    return i18n.tn(language, "privacy.notice.days", days)


def notice(language: str, server: str, policy: PrivacyPolicy, contact: str | None) -> discord.Embed:
    """`/privacy show`: what Agora stores here, why, for how long, and how to export or erase it."""
    retention = {kind: kept(language, days) for kind, days in policy.retention.days().items()}
    lines = [i18n.t(language, "privacy.notice.intro", server=server), ""]
    lines += [f"• {i18n.t(language, f'privacy.notice.{name}')}" for name in SECTIONS]
    lines += [
        "",
        i18n.t(language, "privacy.notice.retention", **retention),
        i18n.t(language, "privacy.notice.leaving", days=policy.erase_after_leaving_days),
        "",
        i18n.t(language, "privacy.notice.rights"),
        i18n.t(language, "privacy.notice.contact", contact=contact)
        if contact
        else i18n.t(language, "privacy.notice.no_contact"),
    ]
    embed = discord.Embed(title=i18n.t(language, "privacy.notice.title"), colour=NOTICE_COLOUR)
    embed.description = "\n".join(lines)[:4096]
    return embed


def summary(language: str, server: str, counts: dict[str, int], files: int, zipped: bool) -> str:
    """The human side of an export: per capability, how many things the file holds."""
    lines = [i18n.t(language, "privacy.export.done", server=server)]
    lines += [
        i18n.tn(language, "privacy.export.line", count, capability=i18n.t(language, f"privacy.capability.{name}"))
        for name, count in counts.items()
    ]
    if files > 1:
        lines.append(i18n.t(language, "privacy.export.split", files=files))
    elif zipped:
        lines.append(i18n.t(language, "privacy.export.zipped"))
    return "\n".join(lines)[:2000]
