"""Polls without Discord: the pure rules, and the use cases and vote writer on a real database."""

from __future__ import annotations

import asyncio
import warnings
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.database import Database
from bot.throttle import LiveEdits
from cogs.polls.render import discord_time, poll_embed, results_embed
from models import scheduling
from models.charts import printable
from models.errors import UserError
from models.export import to_csv
from models.polls import rules, service
from models.polls.chart import ChartText, render_chart
from models.polls.rules import Action, PollRules, Verdict, VoteOp, decide
from models.polls.tables import PollBallot, PollKey
from models.polls.writer import VoteWriter

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
GUILD = 1_000_000_000_000_001


# --- rules: what a host typed ---------------------------------------------------------------------------------


def test_options_get_letters_unless_they_bring_their_own_emoji() -> None:
    options = rules.parse_options("Git basics; 🐍 Testing in Python ;Docker")
    assert [(o.emoji, o.label) for o in options] == [("🇦", "Git basics"), ("🐍", "Testing in Python"), ("🇨", "Docker")]


def test_a_custom_emoji_and_an_emoji_alone_are_options_too() -> None:
    options = rules.parse_options("<:party:123456789012345678> Party; 👍; 🇦 Letter A taken")
    assert [(o.emoji, o.label) for o in options] == [
        ("<:party:123456789012345678>", "Party"),
        ("👍", "👍"),
        ("🇦", "Letter A taken"),
    ]
    assert rules.parse_options("x; y; 🇦 z")[0].emoji == "🇧"  # 🇦 is taken by the third option


@pytest.mark.parametrize(
    ("text", "error", "params"),
    [
        ("only one", rules.TooFewOptionsError, {"minimum": 2, "count": 1}),
        (";".join(f"o{i}" for i in range(21)), rules.TooManyOptionsError, {"maximum": 20, "count": 21}),
        ("Pizza; pizza ", rules.DuplicateOptionError, {"option": "pizza"}),
        ("🍕 Pizza; 🍕 Pasta", rules.DuplicateEmojiError, {"emoji": "🍕"}),
        ("a; " + "b" * 81, rules.OptionTooLongError, {"option": "b" * 40 + "…", "limit": 80, "length": 81}),
    ],
)
def test_bad_options_say_what_to_fix(text: str, error: type[UserError], params: dict[str, object]) -> None:
    with pytest.raises(error) as raised:
        rules.parse_options(text)
    assert raised.value.params == params


def test_empty_items_are_ignored_and_twenty_options_fit() -> None:
    assert len(rules.parse_options(";".join(f"o{i}" for i in range(20)) + ";;")) == 20


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("🍕", True),
        ("👍🏽", True),
        ("1️⃣", True),
        ("👩‍💻", True),
        ("🇫🇷", True),
        ("C++", False),
        ("1.", False),
        ("a", False),
    ],
)
def test_emoji_detection(token: str, expected: bool) -> None:
    assert rules.is_emoji(token) is expected


def test_question_limits() -> None:
    assert rules.check_question("  Which   day? ") == "Which day?"
    with pytest.raises(rules.QuestionEmptyError):
        rules.check_question("   ")
    with pytest.raises(rules.QuestionTooLongError) as raised:
        rules.check_question("q" * 301)
    assert raised.value.params == {"limit": 300, "length": 301}


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("90m", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("2 jours", timedelta(days=2)),
        ("1 sem", timedelta(weeks=1)),
    ],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert rules.parse_closing(text, now=NOW, zone=PARIS) == NOW + delta


def test_dates_are_read_in_the_guild_time_zone() -> None:
    assert rules.parse_closing("2026-12-01 18:00", now=NOW, zone=PARIS) == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert rules.parse_closing("01/12/2026 18h30", now=NOW, zone=PARIS) == datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    # A date alone means the end of that day.
    assert rules.parse_closing("2026-12-01", now=NOW, zone=PARIS) == datetime(2026, 12, 1, 22, 59, tzinfo=UTC)
    assert rules.parse_closing(None, now=NOW, zone=PARIS) is None


def test_bad_closing_dates() -> None:
    with pytest.raises(rules.ClosingUnparseableError):
        rules.parse_closing("next tuesday", now=NOW, zone=PARIS)
    with pytest.raises(rules.ClosingInPastError) as raised:
        rules.parse_closing("2026-11-01 10:00", now=NOW, zone=PARIS)
    assert raised.value.params == {"when": datetime(2026, 11, 1, 9, 0, tzinfo=UTC)}  # plain values: the cog formats
    with pytest.raises(rules.ClosingInPastError):
        rules.parse_closing("0m", now=NOW, zone=PARIS)
    with pytest.raises(rules.ClosingTooFarError):
        rules.parse_closing("60w", now=NOW, zone=PARIS)


@pytest.mark.parametrize("text", ["99999999999d", "9" * 100 + "w", "999999999d 24h", "1w 99999999999999999999m"])
def test_a_duration_longer_than_time_itself_is_too_far_not_a_crash(text: str) -> None:
    with pytest.raises(rules.ClosingTooFarError):
        rules.parse_closing(text, now=NOW, zone=PARIS)
    assert rules.parse_duration(text) == timedelta.max


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Europe/Paris", "America/Adak"])
def test_dates_at_the_ends_of_the_calendar_are_past_or_too_far(zone: str) -> None:
    with pytest.raises(rules.ClosingInPastError) as raised:
        rules.parse_closing("0001-01-01 00:00", now=NOW, zone=ZoneInfo(zone))
    when = raised.value.params["when"]
    assert when == datetime(1, 1, 1, tzinfo=ZoneInfo(zone))  # the moment typed, a plain value …
    assert discord_time(when).startswith("<t:-62135")  # … that the cog shows as a Discord timestamp
    with pytest.raises(rules.ClosingInPastError):
        rules.parse_closing("01/01/0001", now=NOW, zone=ZoneInfo(zone))
    with pytest.raises(rules.ClosingTooFarError):
        rules.parse_closing("9999-12-31 23:59", now=NOW, zone=ZoneInfo(zone))
    with pytest.raises(rules.ClosingTooFarError):
        rules.parse_closing("31/12/9999", now=NOW, zone=ZoneInfo(zone))


def test_choice_rule() -> None:
    assert rules.choice_rule(False, None, 4) == (False, None)
    assert rules.choice_rule(True, None, 4) == (True, None)
    assert rules.choice_rule(False, 2, 4) == (True, 2)  # a maximum above one means multiple choice
    assert rules.choice_rule(True, 1, 4) == (False, None)
    assert rules.choice_rule(True, 4, 4) == (True, None)  # no real maximum


# --- rules: what a vote does ----------------------------------------------------------------------------------

SINGLE = PollRules(poll_id=1, option_ids=frozenset({10, 11, 12}))
MULTI_TWO = PollRules(poll_id=1, option_ids=frozenset({10, 11, 12}), multiple=True, max_choices=2)


def op(option: int, action: Action = Action.ADD) -> VoteOp:
    return VoteOp(1, 7, option, action)


def test_single_choice_replaces_and_reports_the_displaced_choice() -> None:
    outcome = decide(frozenset({10}), op(11), SINGLE)
    assert (outcome.verdict, outcome.choices, outcome.displaced) == (Verdict.COUNTED, frozenset({11}), frozenset({10}))


def test_multiple_choice_respects_the_maximum() -> None:
    assert decide(frozenset({10}), op(11), MULTI_TWO).choices == {10, 11}
    refused = decide(frozenset({10, 11}), op(12), MULTI_TWO)
    assert (refused.verdict, refused.choices, refused.rejected) == (Verdict.MAX_REACHED, frozenset({10, 11}), True)


def test_removal_toggle_closed_and_unknown_options() -> None:
    assert decide(frozenset({10}), op(10, Action.REMOVE), SINGLE).choices == frozenset()
    assert decide(frozenset(), op(10, Action.REMOVE), SINGLE).verdict is Verdict.UNCHANGED
    assert decide(frozenset({10}), op(10, Action.TOGGLE), SINGLE).verdict is Verdict.WITHDRAWN
    assert decide(frozenset({10}), op(11, Action.TOGGLE), SINGLE).choices == {11}
    assert decide(frozenset(), op(99), SINGLE).verdict is Verdict.NOT_AN_OPTION
    closed = PollRules(poll_id=1, option_ids=frozenset({10}), is_open=False)
    assert decide(frozenset(), op(10), closed).verdict is Verdict.CLOSED


def test_reconciliation_withdraws_first_then_adds() -> None:
    ops = rules.reconcile_ops(1, {(7, 10), (8, 10)}, {(7, 11), (8, 10), (9, 12)}, {10: 0, 11: 1, 12: 2})
    assert [(o.voter_id, o.option_id, o.action) for o in ops] == [
        (7, 10, Action.REMOVE),
        (7, 11, Action.ADD),
        (9, 12, Action.ADD),
    ]


ADD, REMOVE = Action.ADD, Action.REMOVE
POSITIONS = {10: 0, 11: 1, 12: 2}

# Voter 7's stored choices, what the catch-up's reads saw, the live events that came while it read (in order):
# the choices it ends with, and the reactions the bot takes back.
CATCH_UP = {
    "put back while read: the vote stays": (SINGLE, {10}, set(), [(10, ADD)], {10}, []),
    "taken off while read: the vote goes": (SINGLE, set(), {10}, [(10, REMOVE)], set(), []),
    "read after the event: the same": (SINGLE, set(), {10}, [(10, ADD)], {10}, []),
    "switched while read: the newer wins": (SINGLE, {10}, {10}, [(11, ADD)], {11}, [10]),
    "switched offline, back while read": (SINGLE, {10}, {10, 11}, [(10, ADD)], {10}, [11]),
    "switched offline, back before the read": (SINGLE, {10}, {11}, [(10, ADD)], {10}, [11]),
    "off and on while read": (SINGLE, {10}, {10}, [(10, REMOVE), (10, ADD)], {10}, []),
    "no room for a newer choice": (MULTI_TWO, {10, 11}, {11, 12}, [(10, ADD)], {11, 12}, [10]),
    "room made after a refusal": (MULTI_TWO, {10, 11}, {10, 11, 12}, [(10, REMOVE)], {11}, [12]),
    "room made and taken again": (
        MULTI_TWO,
        {10, 11},
        {10, 11, 12},
        [(10, REMOVE), (12, REMOVE), (12, ADD)],
        {11, 12},
        [],
    ),
}


@pytest.mark.parametrize(
    ("poll", "stored", "seen", "live", "ends_with", "taken_back"), list(CATCH_UP.values()), ids=list(CATCH_UP)
)
def test_live_events_come_after_the_catch_up_and_win(
    poll: PollRules,
    stored: set[int],
    seen: set[int],
    live: list[tuple[int, Action]],
    ends_with: set[int],
    taken_back: list[int],
) -> None:
    reconciled = rules.reconcile_ops(1, {(7, o) for o in stored}, {(7, o) for o in seen}, POSITIONS)
    ops = rules.catch_up_ops(reconciled, [op(option, action) for option, action in live])
    assert ops[len(reconciled) :] == [op(option, action) for option, action in live]
    choices, results = frozenset(stored), []
    for vote in ops:  # what the single writer does with them, in order
        outcome = decide(choices, vote, poll)
        choices = outcome.choices
        results.append((vote, outcome))
    assert choices == ends_with
    assert rules.reactions_to_take_back(results) == [(1, 7, option) for option in taken_back]


def test_a_reaction_chosen_again_in_the_same_batch_is_not_taken_back() -> None:
    switch = decide(frozenset({10}), op(11), SINGLE)  # 10 replaced by 11 …
    back = decide(switch.choices, op(10), SINGLE)  # … and chosen again: only 11 goes
    other = VoteOp(1, 8, 12, ADD)
    refused = decide(frozenset({10, 11}), other, MULTI_TWO)
    results = [(op(11), switch), (op(10), back), (other, refused), (other, refused)]
    assert rules.reactions_to_take_back(results) == [(1, 7, 11), (1, 8, 12)]


def test_ballot_ids_are_stable_per_poll_and_differ_between_polls() -> None:
    assert rules.ballot_id(b"k" * 32, 42) == rules.ballot_id(b"k" * 32, 42)
    assert rules.ballot_id(b"k" * 32, 42) != rules.ballot_id(b"j" * 32, 42)
    assert 0 < rules.ballot_id(b"k" * 32, 42) < 2**63


def test_who_may_vote() -> None:
    assert rules.may_vote(None, set())
    assert rules.may_vote(5, {4, 5}) and not rules.may_vote(5, {4})
    assert not rules.may_vote(None, None)  # no longer in the server
    assert not rules.may_vote(None, set(), is_bot=True)


def test_the_catch_up_checks_the_rights_of_new_voters_only() -> None:
    present, stored = {(1, 10), (2, 10), (2, 11), (3, 12)}, {(1, 11), (4, 10)}
    assert rules.newcomers(present, stored) == [2, 3]


def button_ref(**fields: object) -> service.PollRef:
    defaults: dict[str, object] = {
        "poll_id": 1, "guild_id": GUILD, "channel_id": 2, "message_id": 3, "anonymous": True, "role_id": None,
        "is_open": True, "salt": b"k" * 32,
    }  # fmt: skip
    return service.PollRef(**{**defaults, **fields})  # type: ignore[arg-type]


def test_a_click_casts_a_toggle_under_the_ballot_id_or_says_why_not() -> None:
    def click(ref: service.PollRef | None, roles: set[int] | None = None) -> VoteOp:
        return service.prepare_button_vote(ref, guild_id=GUILD, member_id=42, member_roles=roles or set(), option_id=7)

    assert click(button_ref()) == VoteOp(1, rules.ballot_id(b"k" * 32, 42), 7, Action.TOGGLE)
    assert click(button_ref(role_id=5), {5}).action is Action.TOGGLE
    with pytest.raises(rules.PollNotFoundError):
        click(None)
    with pytest.raises(rules.PollNotFoundError):
        click(button_ref(guild_id=GUILD + 1))
    for closed in (button_ref(is_open=False, salt=None), button_ref(salt=None)):
        with pytest.raises(rules.PollClosedError):
            click(closed)
    with pytest.raises(rules.VoteNotAllowedError) as refused:
        click(button_ref(role_id=5), {4})
    assert refused.value.params == {"role_id": 5}  # a plain id: the cog shows it as a mention


def test_a_refused_click_says_why() -> None:
    rules.check_vote_outcome(rules.Outcome(Verdict.COUNTED, frozenset({1})), max_choices=None)
    rules.check_vote_outcome(rules.Outcome(Verdict.WITHDRAWN, frozenset()), max_choices=None)
    with pytest.raises(rules.PollClosedError):
        rules.check_vote_outcome(rules.Outcome(Verdict.CLOSED, frozenset()), max_choices=None)
    with pytest.raises(rules.MaxChoicesReachedError) as refused:
        rules.check_vote_outcome(rules.Outcome(Verdict.MAX_REACHED, frozenset({1, 2})), max_choices=2)
    assert refused.value.params == {"maximum": 2}


# --- rules: counting and drawing ------------------------------------------------------------------------------


def test_tally_counts_votes_and_distinct_voters() -> None:
    result = rules.tally([(1, 10), (2, 10), (2, 11), (3, 99)], [10, 11, 12])
    assert result.counts == {10: 2, 11: 1, 12: 0}
    assert (result.voters, result.total, result.share(10), result.leaders()) == (2, 3, 1.0, [10])


def test_bars() -> None:
    assert rules.bar(0.5) == "██████░░░░░░"
    assert rules.bar(0) == "░" * 12
    assert rules.bar(1.0) == "█" * 12


def test_csv_never_runs_a_formula() -> None:
    text = to_csv(["option", "votes"], [["=HYPERLINK(1)", 3], ["Café", 1]]).decode("utf-8-sig")
    assert text.splitlines() == ["option,votes", "'=HYPERLINK(1),3", "Café,1"]


def test_chart_is_a_png() -> None:
    png = render_chart(ChartText("Which day? 📅", "Votes", "3 voters"), ["Monday 🌞", "Tuesday"], [2, 1])
    assert png.startswith(b"\x89PNG")


def test_chart_labels_keep_only_what_the_font_draws() -> None:
    assert printable("Café \x91 du\u200b 🌞 jour\u202e") == "Café du jour"


def test_a_label_with_control_characters_draws_without_a_missing_glyph_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        render_chart(ChartText("Q\x91?", "Votes", "1 voter"), ["a\x91", "b\x00"], [1, 0])


# --- use cases on a real database -----------------------------------------------------------------------------


async def new_poll(db: Database, options: str = "a; b; c", **draft: object) -> service.PollView:
    drafted = rules.draft_poll(question="Q?", options=options, closing=None, now=NOW, zone=PARIS, **draft)  # type: ignore[arg-type]
    async with db.transaction() as session:
        view = await service.create_poll(
            session, guild_id=GUILD, channel_id=5, author_id=6, draft=drafted, language="en", now=NOW
        )
        await service.attach_message(session, view.id, 9_000 + view.id)
    return view


async def votes_of(db: Database, poll_id: int) -> set[tuple[int, int]]:
    async with db.transaction() as session:
        return await service.read_votes(session, poll_id)


async def test_writer_batches_a_burst_into_few_transactions_and_counts_exactly(db: Database) -> None:
    view = await new_poll(db)
    a, b, c = (option.id for option in view.options)
    writer = VoteWriter(db.transaction)
    for member in range(1, 1001):
        writer.submit(VoteOp(view.id, member, (a, b, c)[member % 3], Action.ADD))
    await writer.flush()
    assert writer.batches <= 5
    async with db.transaction() as session:
        result = await service.count_votes(session, view)
    assert result.counts == {a: 333, b: 334, c: 333}
    assert result.voters == 1000
    await writer.stop()


async def test_single_choice_replacement_is_exact_under_a_burst(db: Database) -> None:
    view = await new_poll(db)
    a, b, c = (option.id for option in view.options)
    seen: list[tuple[VoteOp, rules.Outcome]] = []
    writer = VoteWriter(db.transaction, on_batch=seen.extend)
    # One member switches A → B → C inside one batch; another adds then withdraws.
    for option in (a, b, c):
        writer.submit(VoteOp(view.id, 1, option, Action.ADD))
    writer.submit(VoteOp(view.id, 2, a, Action.ADD))
    writer.submit(VoteOp(view.id, 2, a, Action.REMOVE))
    await writer.flush()
    assert await votes_of(db, view.id) == {(1, c)}
    assert [sorted(outcome.displaced) for _, outcome in seen[:3]] == [[], [a], [b]]
    # A later batch sees the stored vote.
    writer.submit(VoteOp(view.id, 1, a, Action.ADD))
    await writer.flush()
    assert await votes_of(db, view.id) == {(1, a)}
    await writer.stop()


async def test_multiple_choice_maximum_and_closed_poll_through_the_writer(db: Database) -> None:
    view = await new_poll(db, max_choices=2)
    a, b, c = (option.id for option in view.options)
    writer = VoteWriter(db.transaction)
    outcomes = [await writer.cast(VoteOp(view.id, 1, option, Action.TOGGLE)) for option in (a, b, c)]
    assert [o.verdict for o in outcomes] == [Verdict.COUNTED, Verdict.COUNTED, Verdict.MAX_REACHED]
    async with writer.exclusive(), db.transaction() as session:
        assert await service.close_poll(session, view.id, now=NOW, reason=service.CloseReason.COMMAND)
    late = await writer.cast(VoteOp(view.id, 2, a, Action.ADD))
    assert late.verdict is Verdict.CLOSED
    assert await votes_of(db, view.id) == {(1, a), (1, b)}
    await writer.stop()


async def test_closing_is_idempotent_and_freezes_counts(db: Database) -> None:
    view = await new_poll(db)
    a, b, _ = (option.id for option in view.options)
    async with db.transaction() as session:
        await service.apply_votes(
            session, [VoteOp(view.id, 1, a, Action.ADD), VoteOp(view.id, 2, b, Action.ADD)], now=NOW
        )
    async with db.transaction() as session:
        assert await service.close_poll(session, view.id, now=NOW, reason=service.CloseReason.DEADLINE)
        assert not await service.close_poll(session, view.id, now=NOW, reason=service.CloseReason.DEADLINE)
    async with db.transaction() as session:
        closed = await service.get_view(session, view.id)
        result = await service.count_votes(session, closed)
    assert (closed.is_open, closed.close_reason, closed.voters) == (False, "deadline", 2)
    assert result.counts[a] == 1 and result.counts[b] == 1


async def test_an_anonymous_poll_keeps_no_voter_next_to_a_choice_once_closed(db: Database) -> None:
    view = await new_poll(db, anonymous=True)
    public = await new_poll(db)
    a, b, _ = (option.id for option in view.options)
    async with db.transaction() as session:
        key = await session.scalar(select(PollKey.key).where(PollKey.poll_id == view.id))
        ref = await service.find_ref(session, view.id)
    assert key is not None and len(key) == 32 and ref is not None and ref.salt == key
    ballots = [rules.ballot_id(key, member) for member in (111, 222)]
    async with db.transaction() as session:
        await service.apply_votes(
            session,
            [
                VoteOp(view.id, ballots[0], a, Action.TOGGLE),
                VoteOp(view.id, ballots[1], b, Action.TOGGLE),
                VoteOp(public.id, 111, public.options[0].id, Action.ADD),
            ],
            now=NOW,
        )
    assert await ballots_of(db, view.id) == {(ballots[0], a), (ballots[1], b)}  # never the member ids
    assert await votes_of(db, view.id) == set()  # and apart from public votes
    assert await votes_of(db, public.id) == {(111, public.options[0].id)}
    async with db.transaction() as session:
        await service.close_poll(session, view.id, now=NOW, reason=service.CloseReason.COMMAND)
    async with db.transaction() as session:
        keys = await session.scalar(select(func.count()).select_from(PollKey))
        closed = await service.get_view(session, view.id)
        result = await service.count_votes(session, closed)
        ref = await service.find_ref(session, view.id)
    assert await ballots_of(db, view.id) == set() and keys == 0 and ref is not None and ref.salt is None
    assert (result.counts[a], result.counts[b], result.voters) == (1, 1, 2)
    assert await votes_of(db, public.id) == {(111, public.options[0].id)}


async def ballots_of(db: Database, poll_id: int) -> set[tuple[int, int]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(PollBallot.voter_id, PollBallot.option_id).where(PollBallot.poll_id == poll_id)
        )
        return {(voter, option) for voter, option in rows}


async def test_a_deadline_schedules_a_close_job_and_closing_by_hand_cancels_it(db: Database) -> None:
    drafted = rules.draft_poll(question="Q?", options="a; b", closing="2h", now=NOW, zone=PARIS)
    async with db.transaction() as session:
        view = await service.create_poll(
            session, guild_id=GUILD, channel_id=5, author_id=6, draft=drafted, language="fr", now=NOW
        )
    async with db.transaction() as session:
        job = await session.scalar(select(scheduling.ScheduledJob).where(scheduling.ScheduledJob.kind == "polls.close"))
        assert job is not None and job.due_at == NOW + timedelta(hours=2) and job.payload == {"poll_id": view.id}
        await service.close_poll(session, view.id, now=NOW, reason=service.CloseReason.COMMAND)
    async with db.transaction() as session:
        assert await session.scalar(select(scheduling.ScheduledJob.state)) == "cancelled"


async def test_finding_polls_is_scoped_by_guild(db: Database) -> None:
    view = await new_poll(db)
    async with db.transaction() as session:
        assert (await service.find_poll(session, guild_id=GUILD, text=str(view.id), channel_id=None)).id == view.id
        link = f"https://discord.com/channels/{GUILD}/5/{9_000 + view.id}"
        assert (await service.find_poll(session, guild_id=GUILD, text=link, channel_id=None)).id == view.id
        assert (await service.find_poll(session, guild_id=GUILD, text=None, channel_id=5)).id == view.id
        with pytest.raises(rules.PollNotFoundError):
            await service.find_poll(session, guild_id=GUILD + 1, text=str(view.id), channel_id=None)
        choices = await service.suggest_polls(session, guild_id=GUILD, text="q", open_only=True)
    assert choices == [(view.id, "Q?", True)]


async def test_a_poll_is_found_by_a_message_link_whatever_the_size_of_its_numbers(db: Database) -> None:
    """A link ends with a snowflake: never compared with the INTEGER id column (PostgreSQL refuses that)."""
    view = await new_poll(db)
    snowflake = 1_312_345_678_901_234_567
    async with db.transaction() as session:
        await service.attach_message(session, view.id, snowflake)
    async with db.transaction() as session:
        link = f"https://discord.com/channels/{GUILD}/1312345678901234000/{snowflake}"
        assert (await service.find_poll(session, guild_id=GUILD, text=link, channel_id=None)).id == view.id
        padded = f"#{view.id:020d}"
        assert (await service.find_poll(session, guild_id=GUILD, text=padded, channel_id=None)).id == view.id
        for unknown in (
            f"https://discord.com/channels/{GUILD}/5/{snowflake + 1}",
            str(2**31),
            str(2**63 - 1),
            str(2**63),
            str(2**64),
            "9" * 5000,
            "٣",  # an Arabic-Indic three: not a poll number
        ):
            with pytest.raises(rules.PollNotFoundError):
                await service.find_poll(session, guild_id=GUILD, text=unknown, channel_id=None, open_only=True)


async def test_closing_refuses_a_closed_poll_and_hidden_results_wait_for_hosts(db: Database) -> None:
    view = await new_poll(db, hide_results=True)
    async with db.transaction() as session:
        assert (await service.find_poll_to_close(session, guild_id=GUILD, text=None, channel_id=5)).id == view.id
        with pytest.raises(rules.ResultsHiddenError):
            await service.read_results(session, guild_id=GUILD, text=None, channel_id=5, host=False)
        seen, _ = await service.read_results(session, guild_id=GUILD, text=None, channel_id=5, host=True)
        assert seen.id == view.id
        await service.close_poll(session, view.id, now=NOW, reason=service.CloseReason.COMMAND)
    async with db.transaction() as session:
        with pytest.raises(rules.PollAlreadyClosedError):
            await service.find_poll_to_close(session, guild_id=GUILD, text=str(view.id), channel_id=5)
        with pytest.raises(rules.PollNotFoundError):  # by default, only the channel's open polls
            await service.find_poll_to_close(session, guild_id=GUILD, text=None, channel_id=5)
        closed, _ = await service.read_results(session, guild_id=GUILD, text=None, channel_id=5, host=False)
    assert not closed.is_open


async def test_an_export_lists_public_votes_only(db: Database) -> None:
    public, anonymous = await new_poll(db), await new_poll(db, anonymous=True)
    async with db.transaction() as session:
        ops = [VoteOp(public.id, 111, public.options[0].id, Action.ADD)]
        ops.append(VoteOp(anonymous.id, 222, anonymous.options[1].id, Action.TOGGLE))
        await service.apply_votes(session, ops, now=NOW)
    async with db.transaction() as session:
        exported = await service.export_poll(session, guild_id=GUILD, text=str(public.id), channel_id=None)
        hidden = await service.export_poll(session, guild_id=GUILD, text=str(anonymous.id), channel_id=None)
    assert exported.votes == [(111, public.options[0].id, NOW)] and exported.tally.voters == 1
    assert hidden.votes == [] and hidden.tally.counts[anonymous.options[1].id] == 1


async def test_writer_keeps_events_in_order_across_concurrent_submitters(db: Database) -> None:
    view = await new_poll(db)
    a, b, _ = (option.id for option in view.options)
    writer = VoteWriter(db.transaction, interval=0)

    async def member(voter: int) -> None:
        for step in range(10):
            writer.submit(VoteOp(view.id, voter, (a, b)[step % 2], Action.ADD))
            await asyncio.sleep(0)

    await asyncio.gather(*(member(voter) for voter in range(1, 51)))
    await writer.flush()
    assert await votes_of(db, view.id) == {(voter, b) for voter in range(1, 51)}
    await writer.stop()


# --- rendering ------------------------------------------------------------------------------------------------


def worst_case_view(*, closed: bool) -> service.PollView:
    """The longest poll a host can write: 20 options with long custom emojis and labels that escaping doubles."""
    options = tuple(
        service.OptionView(id=i, position=i, label="*" * 80, emoji=f"<a:{'n' * 32}:{10**18 + i}>", final_votes=99_999)
        for i in range(20)
    )
    return service.PollView(
        id=1, guild_id=GUILD, channel_id=2, message_id=3, author_id=4, question="_" * 300, language="fr",
        options=options, multiple=True, max_choices=19, role_id=5, anonymous=False, hide_results=False,
        closes_at=NOW, created_at=NOW, closed_at=NOW if closed else None, close_reason=None, voters=99_999,
        results_message_id=None,
    )  # fmt: skip


@pytest.mark.parametrize("closed", [False, True])
def test_the_longest_poll_fits_in_an_embed(closed: bool) -> None:
    view = worst_case_view(closed=closed)
    result = rules.Tally({option.id: 99_999 for option in view.options}, 99_999)
    for embed in (poll_embed(view, result), results_embed(view, result, "en")):
        assert embed.description is not None and len(embed.description) <= 4096
        assert len(embed) <= 6000
        assert embed.description.count("<a:") == 20


def test_a_short_poll_keeps_its_labels_whole_and_escaped() -> None:
    view = worst_case_view(closed=False)
    short = service.PollView(**{**view.__dict__, "options": view.options[:3]})
    result = rules.Tally({option.id: 1 for option in short.options}, 2)
    description = poll_embed(short, result).description or ""
    assert "\\*" * 80 in description
    assert "`██████░░░░░░` **1** · 50\xa0%" in description  # French: a no-break space


async def test_stopping_live_edits_waits_for_a_redraw_already_running_and_drops_one_waiting() -> None:
    """A poll's close stops its redraws: one mid-way (inside its transaction) finishes before the final edit."""
    inside, leave = asyncio.Event(), asyncio.Event()
    drawn: list[int] = []

    async def redraw(key: int) -> None:
        inside.set()
        await leave.wait()
        drawn.append(key)

    live = LiveEdits(60.0, redraw)
    live.touch(1)
    await inside.wait()
    live.touch(1)  # a change while drawing: a trailing redraw would follow in a minute
    stopping = asyncio.create_task(live.stop(1))
    leave.set()
    await stopping
    assert drawn == [1] and not live.busy()  # finished, not cancelled; the trailing redraw dropped
