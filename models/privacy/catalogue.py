"""Every capability's `MemberData`, found in its own models package: a new capability adds its module here."""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from sqlalchemy import Column

from models.privacy.interface import MemberData, column_of

# Where each capability declares what it holds about members (a `PRIVACY` attribute).
MODULES = (
    "models.profiles",
    "models.conduct.privacy",
    "models.onboarding.privacy",
    "models.polls.privacy",
    "models.groups.privacy",
    "models.knowledge.privacy",
    "models.mentoring.privacy",
    "models.sessions.privacy",
    "models.recognition.privacy",
    "models.insights.privacy",
    "models.privacy.departures",
)


@cache
def holders() -> tuple[MemberData, ...]:
    found = []
    for name in MODULES:
        data = importlib.import_module(name).PRIVACY
        if not isinstance(data, MemberData):
            raise TypeError(f"{name}.PRIVACY is not a MemberData")
        found.append(data)
    return tuple(found)


def member_columns() -> list[Column[Any]]:
    """Every column some capability declared as holding a member id, by value."""
    return [column_of(attribute) for holder in holders() for attribute in holder.columns]


def hashed_columns() -> list[Column[Any]]:
    return [column_of(attribute) for holder in holders() for attribute in holder.hashed]


def retention_kinds() -> dict[str, str]:
    """Each kind of data kept for a configurable time, and what it is."""
    return {retention.kind: retention.what for holder in holders() for retention in holder.retention}
