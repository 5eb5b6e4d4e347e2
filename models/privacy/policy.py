"""How long each kind of data is kept, as the deployment sets it in `[privacy]` of config.toml."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

DAYS_MAX = 36500
FOREVER = "forever"


def days_or_forever(value: Any) -> int | None:
    """A number of days (1 to 36500), or "forever" (None): anything else is refused with the fix."""
    if isinstance(value, str) and value.strip().lower() == FOREVER:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= DAYS_MAX:
        return value
    raise ValueError(f'use a number of days from 1 to {DAYS_MAX}, or "{FOREVER}"')


Days = Annotated[int | None, BeforeValidator(days_or_forever)]


class RetentionPolicy(BaseModel):
    """`[privacy.retention]`: days each kind of data is kept (None: kept until the member erases it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    onboarding_answers: Days = 730
    feedback_comments: Days = 365
    mentoring_comments: Days = 365
    kudos_reasons: Days = 730
    conduct_reports: Days = 365

    def days(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in type(self).model_fields}


class PrivacyPolicy(BaseModel):
    """`[privacy]`: when departed members are erased, and the retention of each kind of data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    erase_after_leaving_days: int = Field(default=30, ge=1, le=3650)
    retention: RetentionPolicy = RetentionPolicy()


def describe(policy: PrivacyPolicy, kinds: dict[str, str], fixed: list[str]) -> list[str]:
    """The policy as `python -m bot check` prints it, one line per kind."""
    lines = [f"privacy: members who leave are erased {policy.erase_after_leaving_days} day(s) later unless they return"]
    for kind, days in policy.retention.days().items():
        kept = "until the member erases it" if days is None else f"{days} day(s)"
        lines.append(f"  retention.{kind} = {kept}: {kinds.get(kind, kind)}")
    lines += [f"  fixed: {line}" for line in fixed]
    return lines
