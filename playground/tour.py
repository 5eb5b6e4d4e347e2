"""A scripted tour of the playground in headless Chromium, saving the README's screenshots.

    python -m playground.tour [--out docs/screenshots]

Members act through the page (commands typed in the message box, clicks, menus, forms) and, for the crowd around
them, through the emulator's member driver; every picture is the real Agora answering. Needs Chromium
(Debian: `apt-get install chromium`, plus `fonts-noto-color-emoji` for emoji) and Playwright (the dev extra).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .background import Running, chromium, running

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

VIEWPORT = {"width": 1280, "height": 820}
WAIT_MS = 60_000
TIME_ZONE = "Europe/Paris"  # the community's, so the page's times and Agora's agree


def open_page(browser: Browser, live: Running, name: str, channel: str) -> Page:
    """A tab acting as member `name`, showing `channel`."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport=VIEWPORT, timezone_id=TIME_ZONE)  # type: ignore[arg-type]
    page.set_default_timeout(WAIT_MS)
    channel_id = live.playground.discord.guild.channel(channel).id
    page.goto(f"{live.url}?as={name}#{channel_id}")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    return page


def slash(page: Page, typed: str, **options: str) -> None:
    """Type a command into the message box, pick it from the suggestions, fill its options by label, send."""
    from playwright.sync_api import expect

    box = page.get_by_role("combobox", name="Message, or / for a command")
    box.fill(typed)
    expect(page.get_by_role("listbox", name="Commands")).to_be_visible()
    box.press("Enter")
    for label, value in options.items():
        field = page.locator("#command-options").get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    page.locator("#composer").get_by_role("button", name="Send").click()


def message_with(page: Page, text: str) -> Locator:
    return page.locator("li.message", has_text=text).last


def shoot(page: Page, out: Path, name: str, focus: Locator | None = None) -> None:
    if focus is not None:
        focus.scroll_into_view_if_needed()
    page.screenshot(path=str(out / f"{name}.png"))
    print(f"  {out / name}.png", flush=True)


def poll(browser: Browser, live: Running, out: Path) -> None:
    from playwright.sync_api import expect

    host = open_page(browser, live, "owner", "general")
    slash(host, "/poll cr", question="Which workshop should we run next?", options="Git basics; Testing; Docker")
    shown = message_with(host, "Which workshop should we run next?")
    expect(shown.get_by_role("button", name=re.compile(r"^🇨 reaction"))).to_be_visible()
    discord = live.playground.discord
    message = next(m for m in reversed(discord.guild.channel("general").messages) if m.embeds)
    for name, emoji in (("alice", "🇦"), ("bob", "🇦"), ("carol", "🇧")):
        live.call(discord.driver(name).react(message, emoji))
    expect(shown.locator(".embed")).to_contain_text("2 · 67%")
    shoot(host, out, "poll", shown)
    slash(host, "/poll cl")
    chart = host.locator("li.message", has=host.locator(".embed img")).last
    expect(chart.locator(".embed img").first).to_be_visible()
    host.wait_for_function("() => [...document.images].every(image => image.complete)")
    shoot(host, out, "poll-chart", chart)
    host.close()


def onboarding(browser: Browser, live: Running, out: Path) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, live, "owner", "welcome")
    page.get_by_text("New member").click()
    page.get_by_label("Name").fill("lea")
    page.get_by_label("Language").select_option(label="Français")
    page.get_by_role("button", name="Join", exact=True).click()
    greeting = page.locator("li.message", has_text="Welcome").filter(has=page.get_by_role("button", name="Start"))
    greeting.last.get_by_role("button", name="Start").click()
    flow = page.locator("li.message.ephemeral").last
    flow.get_by_role("button", name=re.compile("J'accepte")).click()
    expect(flow).to_contain_text("Question 1")
    flow.locator("select").first.select_option(["python"])
    shoot(page, out, "onboarding", flow)
    page.close()


def session(browser: Browser, live: Running, out: Path) -> None:
    from playwright.sync_api import expect

    host = open_page(browser, live, "owner", "general")
    zone = ZoneInfo(TIME_ZONE)
    # Announced 3 h before a start 3 to 4 h away: the announcement is due within the hour, and the clock brings it.
    start = (dt.datetime.now(zone) + dt.timedelta(hours=4)).replace(minute=0, second=0, microsecond=0)
    slash(
        host,
        "/session cr",
        title="Testing in Python",
        format="Workshop",
        start=start.strftime("%Y-%m-%d %H:%M"),
        duration="1h30",
        channel="#lounge",
        announce="3h",
    )
    form = host.get_by_role("dialog")
    expect(form).to_be_visible()
    form.locator("textarea, input").first.fill(
        "Write your first **pytest** tests, fixtures included. Bring a laptop and a small project."
    )
    form.get_by_role("button", name="Submit").click()
    expect(host.locator("li.message.ephemeral", has_text="Testing in Python")).to_be_visible()  # planned
    host.get_by_role("button", name="Advance the clock by 1 h").click()
    host.get_by_role("button", name="# announcements").click()
    announcement = host.locator("li.message", has=host.locator(".embed"), has_text="Testing in Python").last
    expect(announcement.get_by_role("button").first).to_be_visible()
    announcement.get_by_role("button", name=re.compile("Going")).click()
    discord = live.playground.discord
    posted = next(m for m in reversed(discord.guild.channel("announcements").messages) if m.components)
    live.call(discord.driver("alice").click(posted, posted.buttons()[0]["custom_id"]))
    live.call(discord.driver("bob").click(posted, posted.buttons()[1]["custom_id"]))
    expect(announcement).to_contain_text("2 going · 1 maybe")
    shoot(host, out, "session", announcement)
    host.close()


def knowledge(browser: Browser, live: Running, out: Path) -> None:
    from playwright.sync_api import expect

    discord = live.playground.discord
    forum = discord.guild.channel("help")
    posts = (
        (
            "alice",
            "Écrire des fixtures pytest",
            "Une fixture pytest prépare les données de test ; `yield` pour nettoyer.",
        ),
        ("bob", "Rebasing without fear", "Use `git rebase -i` on your own branch only; `git reflog` saves you."),
        ("bob", "Fixtures that build a database", "Use a pytest fixture per test that copies a migrated template."),
    )
    for name, title, content in posts:
        live.call(discord.driver(name).post(forum, title, content, tags=["python"]))
    member = open_page(browser, live, "carol", "general")
    slash(member, "/kb se", query="fixture")
    found = member.locator("li.message.ephemeral", has_text="fixture").last
    expect(found).to_be_visible()
    shoot(member, out, "knowledge", found)
    member.close()


def insights(browser: Browser, live: Running, out: Path) -> None:
    """Last: the report then reads what the steps before did (a poll, a newcomer, a session, knowledge posts)."""
    from playwright.sync_api import expect

    host = open_page(browser, live, "owner", "general")
    slash(host, "/insights")
    report = host.locator("li.message.ephemeral", has=host.locator(".attachments img")).last
    expect(report.locator(".attachments img").first).to_be_visible()
    host.wait_for_function("() => [...document.images].every(image => image.complete)")
    shoot(host, out, "insights", report)
    host.close()


STEPS = (poll, onboarding, session, knowledge, insights)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m playground.tour", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--only", choices=[step.__name__ for step in STEPS], help="one step of the tour")
    args = parser.parse_args()
    executable = chromium()
    if executable is None:
        sys.exit("no Chromium found: apt-get install chromium (or set CHROMIUM to its path)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        sys.exit("Playwright is missing: pip install -e '.[dev]'")
    expect.set_options(timeout=WAIT_MS)
    args.out.mkdir(parents=True, exist_ok=True)
    print("Starting the playground…", flush=True)
    with running() as live, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable)
        try:
            for step in STEPS:
                if args.only in (None, step.__name__):
                    step(browser, live, args.out)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
