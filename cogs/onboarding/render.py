"""What newcomers and hosts read of the welcome path: greetings, progress, the conduct step, the hosts' report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import discord

from bot import i18n
from models.conduct.tables import ConductVersion
from models.onboarding.chart import Bars
from models.onboarding.questionnaire import Question
from models.onboarding.rules import FirstStep, Funnel, QuestionReport, Step


@dataclass
class Screen:
    """One state of the member's path, ready to send or to replace the previous one."""

    content: str
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join([*self.notes, self.content])

    def to_edit(self) -> dict[str, Any]:
        """Replacing a message: None clears the previous embed or buttons."""
        return {"content": self.text(), "embed": self.embed, "view": self.view}

    def to_send(self) -> dict[str, Any]:
        sent: dict[str, Any] = {"content": self.text()}
        if self.embed is not None:
            sent["embed"] = self.embed
        if self.view is not None:
            sent["view"] = self.view
        return sent


def progress_line(language: str, step: Step) -> str:
    if step.last == step.first:
        return i18n.t(language, "onboarding.flow.progress", number=step.first, total=step.total)
    return i18n.t(language, "onboarding.flow.progress_range", first=step.first, last=step.last, total=step.total)


def greeting_text(member: discord.Member, language: str, first: FirstStep, *, published: bool, questions: int) -> str:
    """Hello, and what the newcomer's path holds (the code of conduct, the questions, in the host's order)."""
    if published and questions:
        first_key = "conduct_first" if first is FirstStep.CONDUCT else "questions_first"
        steps = i18n.tn(language, f"onboarding.greeting.{first_key}", questions)
    elif published:
        steps = i18n.t(language, "onboarding.greeting.conduct_only")
    else:
        steps = i18n.tn(language, "onboarding.greeting.questions_only", questions)
    hello = i18n.t(language, "onboarding.greeting.hello", member=member.mention, server=member.guild.name)
    return f"{hello}\n{steps}"


def conduct_embed(version: ConductVersion, language: str) -> discord.Embed:
    """The code of conduct as the path shows it, before the member accepts it."""
    embed = discord.Embed(
        title=i18n.t(language, "conduct.rules.title", version=version.version),
        description=version.localized.text(language),
        colour=discord.Colour.blurple(),
        timestamp=version.published_at,
    )
    return embed.set_footer(text=i18n.t(language, "conduct.rules.footer"))


def question_lines(language: str, header: str, step: Step, *, drafts_kept: bool) -> list[str]:
    lines = [header, progress_line(language, step)]
    for number, question in enumerate(step.questions, start=step.first):
        optional = "" if question.required else f" {i18n.t(language, 'onboarding.flow.optional')}"
        lines.append(f"**{number}. {question.wording(language)}**{optional}")
    if drafts_kept:
        lines.append(i18n.t(language, "onboarding.flow.draft_kept"))
    return lines


def report_panels(language: str, funnel: Funnel, reports: list[QuestionReport]) -> tuple[list[Bars], list[str]]:
    """The report's chart panels (the funnel, then each choice or scale question) and the free-text answers."""
    t = i18n.t
    panels = [
        Bars(
            t(language, "onboarding.report.funnel"),
            [t(language, f"onboarding.report.{stage}") for stage in ("joined", "started", "finished")],
            [funnel.joined, funnel.started, funnel.finished],
        )
    ]
    texts: list[str] = []
    for item in reports:
        question = item.question
        if question.is_text:
            if item.texts:
                texts.append(f"## {question.wording(language)}\n" + "\n".join(f"- {text}" for text in item.texts))
            continue
        labels = [question.choice_label(key, language) for key, _ in item.counts]
        panels.append(Bars(question.wording(language), labels, [count for _, count in item.counts]))
    return panels, texts


def report_summary(language: str, funnel: Funnel, *, has_texts: bool) -> str:
    numbers = i18n.t(
        language,
        "onboarding.report.numbers",
        joined=funnel.joined,
        started=funnel.started,
        started_percent=funnel.percent(funnel.started),
        finished=funnel.finished,
        finished_percent=funnel.percent(funnel.finished),
        left=funnel.left_midway,
    )
    texts = i18n.t(language, "onboarding.report.texts" if has_texts else "onboarding.report.no_texts")
    return "\n".join([i18n.t(language, "onboarding.report.title"), numbers, texts])


def question_label(question: Question, number: int, language: str, limit: int) -> str:
    """An input label (Discord: ≤ 45 characters): the wording when short enough, else "Question n"."""
    text = f"{number}. {question.wording(language)}"
    return text if len(text) <= limit else i18n.t(language, "onboarding.form.label", number=number)[:limit]
