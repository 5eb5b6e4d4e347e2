"""The playground in a real headless Chromium: members use Agora through the page as they would through Discord.

One playground and one browser serve the whole module; each test acts as members of its own. A test waits on what
the page shows (Playwright's expectations re-check until they hold), never on a sleep.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from playground.background import Running, chromium, running
from playground.tour import open_page, slash

CHROMIUM = chromium()
try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # the dev extra is not installed
    sync_playwright = None  # type: ignore[assignment]

WHY_NOT = (
    "no Chromium found (apt-get install chromium chromium-driver)"
    if CHROMIUM is None
    else "playwright is not installed (pip install -e '.[dev]')"
    if sync_playwright is None
    else ""
)
if WHY_NOT and os.environ.get("CI") == "true":
    raise RuntimeError(f"the browser tests must run in CI: {WHY_NOT}")
pytestmark = pytest.mark.skipif(bool(WHY_NOT), reason=WHY_NOT)
if not WHY_NOT:
    expect.set_options(timeout=60_000)  # Agora's answers on a busy machine


@pytest.fixture(scope="module")
def live() -> Iterator[Running]:
    with running() as started:
        yield started


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def open_as(live: Running, browser: Browser) -> Iterator[Any]:
    """`open_as("alice")`: a page of its own acting as that member, showing #general."""
    pages: list[Page] = []

    def open_one(name: str, channel: str = "general") -> Page:
        pages.append(open_page(browser, live, name, channel))
        return pages[-1]

    yield open_one
    for page in pages:
        page.close()


def test_a_poll_in_the_page_with_live_counts_and_the_closing_chart(open_as: Any, live: Running) -> None:
    host = open_as("owner")
    slash(host, "/poll cr", question="Which workshop next?", options="Git basics; Testing")
    poll = host.locator("li.message", has_text="Which workshop next?").filter(has=host.locator(".embed")).last
    expect(poll.get_by_role("button", name=re.compile("^🇦 reaction, 1"))).to_be_visible()

    alice, bob = open_as("alice"), open_as("bob")
    for member in (alice, bob):
        vote = member.locator("li.message", has_text="Which workshop next?").last
        vote.get_by_role("button", name=re.compile("^🇦 reaction")).click()
        expect(vote.get_by_role("button", name=re.compile("^🇦 reaction, .*yours"))).to_be_visible()
    # The host's page, untouched, shows both votes as they come: the reaction counters and the redrawn bars.
    expect(poll.get_by_role("button", name=re.compile(r"^🇦 reaction, 3\b"))).to_be_visible()
    expect(poll.locator(".embed")).to_contain_text("2 · 100%")

    slash(host, "/poll cl")
    chart = host.locator("li.message", has=host.locator("img[src*='/cdn/']")).last
    expect(chart.locator("img").first).to_be_visible()
    assert chart.locator("img").first.evaluate("image => image.naturalWidth") > 100


def test_a_french_member_completes_the_onboarding_with_selects_and_a_form(open_as: Any, live: Running) -> None:
    page = open_as("owner", "welcome")
    page.get_by_text("New member").click()
    page.get_by_label("Name").fill("lea")
    page.get_by_label("Language").select_option(label="Français")
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page.get_by_label("Acting as")).to_have_value(str(live.user_id("lea")))

    greeting = page.locator("li.message", has_text="Welcome").filter(has=page.get_by_role("button", name="Start"))
    greeting.get_by_role("button", name="Start").click()  # the greeting is public: in the server's language
    flow = page.locator("li.message.ephemeral").last
    flow.get_by_role("button", name=re.compile("J'accepte")).click()
    expect(flow).to_contain_text("Question 1")
    flow.locator("select").first.select_option(["python", "web"])
    flow.get_by_role("button", name=re.compile("^Valider")).click()
    expect(flow).to_contain_text("Question 2")
    flow.locator("select").first.select_option("yes")
    expect(flow).to_contain_text("Question 3")
    flow.locator("select").first.select_option("4")
    expect(flow).to_contain_text("Questions 4")
    flow.get_by_role("button", name=re.compile("Répondre")).click()

    form = page.get_by_role("dialog")
    expect(form).to_be_visible()
    form.locator("input, textarea").nth(0).fill("cuisine, maths")
    form.locator("input, textarea").nth(1).fill("Publier un jeu")
    form.get_by_role("button", name="Submit").click()
    expect(flow).to_contain_text("🎉")
    roles = {
        live.playground.discord.guild.roles[r].name
        for r in live.playground.discord.guild.members[live.user_id("lea")].role_ids
    }
    assert {"Member", "Python", "Mentors"} <= roles


def test_an_ephemeral_reply_is_shown_only_to_its_member(open_as: Any) -> None:
    bob, carol = open_as("bob"), open_as("carol")
    slash(bob, "/profile sh")
    answer = bob.locator("li.message.ephemeral").last
    expect(answer).to_contain_text("Only you can see this")
    secret = answer.locator(".content").first.inner_text()
    carol.reload()
    expect(carol.locator("body[data-ready=true]")).to_be_attached()
    expect(carol.locator("li.message", has_text=secret[:40])).to_have_count(0)
    expect(carol.locator("li.message.ephemeral")).to_have_count(0)


def test_the_clock_button_runs_the_jobs_due_within_the_hour(open_as: Any, live: Running) -> None:
    discord = live.playground.discord
    host = discord.driver(discord.guild.members[live.playground.owner_id])
    zone = ZoneInfo("Europe/Paris")  # the community's time zone (playground/community/config.toml)
    start = (datetime.now(zone) + timedelta(hours=4)).replace(minute=0, second=0, microsecond=0)
    when = start.strftime("%Y-%m-%d %H:%M")
    lounge = discord.guild.channel("lounge")
    plan: dict[str, Any] = {"title": "Office hours", "format": "office_hours", "start": when, "duration": "1h"}
    plan["announce"] = "3h"  # 3 h before a start 3 to 4 h away: due within the hour
    planned = host.slash("session create", channel=lounge, **plan)
    opened = live.call(planned)
    assert opened.modal is not None, opened.content
    live.call(host.submit_modal({"description": "Bring your questions."}, opened_by=opened))
    page = open_as("bob", "announcements")  # not posted yet
    expect(page.locator("li.message", has_text="Office hours")).to_have_count(0)
    page.get_by_role("button", name="Advance the clock by 1 h").click()
    announcement = page.locator("li.message", has=page.locator(".embed"), has_text="Office hours")
    expect(announcement.get_by_role("button", name=re.compile("Going"))).to_be_visible()
    expect(page.locator("#clock")).to_have_text("Clock: +1 h")
