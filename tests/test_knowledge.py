"""Knowledge rules and use cases: search terms and queries, snippets, links, ranking, the digest's week, and the
search itself on a real database — the same results in the same order on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.database import Database
from models.errors import StrangerError
from models.knowledge import index, resources, rules, service
from models.knowledge.rules import Kind, Level, Mark
from models.knowledge.search import Filters, search
from models.knowledge.text import detect_language, fold, joined, parse_query, snippet, terms, variants
from models.recognition import milestones

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
GUILD = 1


# --- words to terms -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("développer", "développement"),
        ("developper", "Développement"),
        ("testing", "tests"),
        ("TESTS", "tested"),
        ("coeur", "cœur"),
        ("installation", "installer"),
        ("requete", "requêtes"),
    ],
)
def test_a_word_finds_its_other_forms_with_or_without_accents(typed: str, written: str) -> None:
    assert set(variants(typed.lower())) & set(variants(written.lower()))


def test_folding_removes_accents_and_ligatures() -> None:
    assert fold("Cœur DÉVELOPPÉ Straße") == "coeur developpe strasse"


def test_stopwords_are_not_indexed_and_long_noise_is_dropped() -> None:
    assert terms("Le test de la requête et the tests") == ["test", "requet", "test"]
    assert terms("a" * 41) == []


@pytest.mark.parametrize("typed", ['"tests', "tests*", "-tests", "tests NEAR", "(tests)", "tests AND OR NOT"])
def test_search_syntax_in_a_query_is_only_text(typed: str) -> None:
    query = parse_query(typed)
    assert ("test",) in query.groups
    assert all(term.isalnum() for term in query.terms)
    assert query.fts5().count('"') == 2 * len(query.terms)


def test_an_empty_or_stopword_query_has_no_terms() -> None:
    assert parse_query("   ").empty and parse_query("the le de").empty
    with pytest.raises(rules.QueryEmptyError):
        rules.check_query(" \n ")


def test_query_builds_the_same_expression_for_both_databases() -> None:
    query = parse_query("développer testing")
    assert query.fts5() == '("developp") AND ("test" OR "testing")'
    assert query.tsquery() == "('developp') & ('test' | 'testing')"
    assert query.fts5(every_word=False) == '("developp") OR ("test" OR "testing")'


def test_the_snippet_shows_the_stretch_with_the_query_words_marked() -> None:
    text = "Intro. " * 60 + "Pour développer vite, écrivez des tests." + " Fin." * 60
    pieces = snippet(text, parse_query("developpement test"))
    assert [piece.text for piece in pieces if piece.hit] == ["développer", "tests"]
    assert joined(pieces).startswith("…") and joined(pieces).endswith("…") and len(joined(pieces)) < 260


def test_language_is_guessed_from_common_words() -> None:
    assert detect_language("Comment installer Python sur le serveur ?") == "fr"
    assert detect_language("How do I install it on the server?") == "en"
    assert detect_language("Python 3.12") == ""


# --- rules --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "key"),
    [
        ("https://www.Example.org/course/?utm_source=x&b=2&a=1#intro", "https://example.org/course?a=1&b=2"),
        ("http://example.org:80/course", "https://example.org/course"),
        ("https://example.org:8443/x/", "https://example.org:8443/x"),
    ],
)
def test_links_are_normalised_so_one_resource_is_suggested_once(link: str, key: str) -> None:
    assert rules.normalize_url(link) == key


@pytest.mark.parametrize("link", ["ftp://example.org", "javascript:alert(1)", "example.org", "https://", "http://a b"])
def test_only_web_links_are_accepted(link: str) -> None:
    with pytest.raises(rules.LinkInvalidError):
        rules.check_link(link)


def test_titles_and_contents_keep_to_discords_limits() -> None:
    assert rules.check_title("  A   title ") == "A title"
    with pytest.raises(rules.TitleTooLongError):
        rules.check_title("x" * 101)
    with pytest.raises(rules.ContentTooLongError):
        rules.check_content("x" * 4001)


def test_ranking_signals_order_accepted_then_solved_then_helpful() -> None:
    plain = rules.boost(solved=False, accepted=False, helpful=0)
    helpful = rules.boost(solved=False, accepted=False, helpful=5)
    solved = rules.boost(solved=True, accepted=False, helpful=0)
    accepted = rules.boost(solved=True, accepted=True, helpful=0)
    assert plain == 1.0 < helpful < solved < accepted


def test_idf_never_falls_to_zero() -> None:
    assert rules.idf(10, 9) == 1e-6 and rules.idf(10, 1) > 1


def test_the_digest_comes_on_the_chosen_day_at_nine_local_time_across_daylight_saving() -> None:
    paris = ZoneInfo("Europe/Paris")
    before_change = datetime(2026, 3, 24, 10, tzinfo=UTC)  # a Tuesday; clocks go forward on Sunday 29 March
    due = rules.next_digest(before_change, 0, paris)
    assert due.astimezone(paris).isoformat() == "2026-03-30T09:00:00+02:00"
    assert rules.digest_week(due, paris) == "2026-W14"
    assert rules.next_digest(datetime(2026, 3, 30, 6, tzinfo=UTC), 0, paris) == due  # before nine that Monday


def test_pages_are_clamped_to_what_exists() -> None:
    assert rules.Page.of(9, 12, 5) == rules.Page(2, 3)
    assert rules.Page.of(0, 0, 5) == rules.Page(0, 1)
    assert rules.Page.of(0, 1000, 5).count == 20


# --- the search on a real database ------------------------------------------------------------------------


def draft(
    message: int, content: str, *, title: str = "", kind: Kind = Kind.SAVED, author: int = 7, **more: object
) -> index.Draft:
    return index.Draft(GUILD, 10, message, author, content, NOW, kind, title=title, **more)  # type: ignore[arg-type]


CORPUS = [
    draft(1, "We cached the API responses to speed up development.", title="Caching an API", kind=Kind.POST),
    draft(2, "Le développement d'une API demande des tests.", title="Développer une API", kind=Kind.POST),
    draft(3, "API API API: an API about APIs for API testing."),
    draft(4, "Unrelated text about sourdough bread."),
    draft(5, "Testing an API: mock the network and test the API handlers."),
    draft(6, "A cœur ouvert: the core of the API.", author=8),
    *(draft(10 + n, f"Filler note {n} on gardening, music and cooking.") for n in range(8)),
]


async def indexed(db: Database, drafts: list[index.Draft] = CORPUS) -> None:
    async with db.transaction() as session:
        for one in drafts:
            await index.index_message(session, one)


async def ranked(db: Database, typed: str, filters: Filters | None = None, **paging: int) -> list[int]:
    async with db.transaction() as session:
        found = await search(session, GUILD, parse_query(typed), filters or Filters(), **paging)
    return [entry.message_id for entry, _ in found.hits]


async def test_the_same_data_gives_the_same_ranking_on_both_databases(db: Database) -> None:
    """Hard-coded: the suite runs on SQLite and on PostgreSQL, and both must give exactly this."""
    await indexed(db)
    assert await ranked(db, "api") == [3, 2, 1, 5, 6]  # the titles of 2 and 1 weigh more than 5's two mentions
    assert await ranked(db, "développement api") == [2]
    assert await ranked(db, "tests API") == [5, 2, 3]
    assert await ranked(db, "coeur") == [6]
    async with db.transaction() as session:
        found = await search(session, GUILD, parse_query("api"), Filters())
    assert [round(score, 6) for _, score in found.hits] == [0.988271, 0.981548, 0.890664, 0.775739, 0.667998]


async def test_titles_count_more_than_bodies(db: Database) -> None:
    await indexed(db, [draft(1, "Bread and cheese.", title="Sourdough", kind=Kind.POST), draft(2, "Sourdough bread.")])
    assert await ranked(db, "sourdough") == [1, 2]


async def test_solved_accepted_and_helpful_entries_rank_higher(db: Database) -> None:
    same = "How to profile slow Python code with cProfile."
    await indexed(db, [draft(1, same), draft(2, same, helpful=3), draft(3, same, thread_id=99)])
    async with db.transaction() as session:
        await index.record_thread(
            session, GUILD, 99, channel_id=10, author_id=7, title="Profiling", tag_names=[], created_at=NOW
        )
        thread = await index.get_thread(session, GUILD, 99)
        assert thread is not None
        assert await index.get_thread(session, GUILD + 1, 99) is None  # another server's id finds nothing
        await index.mark_answer(session, thread, 3, now=NOW)
    assert await ranked(db, "profile python") == [3, 2, 1]


async def test_a_first_post_and_an_accepted_answer_are_milestones_of_their_authors(db: Database) -> None:
    await indexed(db, [draft(3, "Use cProfile.", thread_id=99, author=8)])
    async with db.transaction() as session:
        await index.record_thread(
            session, GUILD, 99, channel_id=10, author_id=7, title="Profiling", tag_names=[], created_at=NOW
        )
        thread = await index.get_thread(session, GUILD, 99)
        assert thread is not None
        await index.mark_answer(session, thread, 3, now=NOW)
        await index.mark_answer(session, thread, 3, now=NOW)  # marked again: counted once
        asker = await milestones.member_milestones(session, GUILD, 7)
        helper = await milestones.member_milestones(session, GUILD, 8)
    assert [(m.kind, m.level) for m in asker] == [("shared_post", 1)]
    assert [(m.kind, m.level) for m in helper] == [("accepted_answer", 1)]


async def test_filters_and_the_any_word_fallback(db: Database) -> None:
    await indexed(db)
    assert await ranked(db, "api", Filters(author_id=8)) == [6]
    assert await ranked(db, "api", Filters(language="fr")) == [2]
    async with db.transaction() as session:
        found = await search(session, GUILD, parse_query("sourdough developpement"), Filters())
    # "development" (English) and "développement" (French) are different words: each language stems its own.
    assert not found.every_word and sorted(entry.message_id for entry, _ in found.hits) == [2, 4]


async def test_pages_follow_each_other(db: Database) -> None:
    await indexed(db)
    first, second = await ranked(db, "api", limit=2), await ranked(db, "api", limit=2, offset=2)
    assert first + second == (await ranked(db, "api"))[:4]
    async with db.transaction() as session:
        beyond = await search(session, GUILD, parse_query("api"), Filters(), offset=50, limit=5)
    assert beyond.hits == [] and beyond.total == 5


# --- indexing, saving, opting out ---------------------------------------------------------------------------


async def test_an_edit_reindexes_and_keeps_what_the_message_earned(db: Database) -> None:
    await indexed(db, [draft(1, "Use pytest fixtures.", helpful=2)])
    async with db.transaction() as session:
        entry = await index.index_message(session, draft(1, "Use unittest mocks."))
        assert entry is not None and entry.helpful == 2
    assert await ranked(db, "fixture") == [] and await ranked(db, "mocks") == [1]
    async with db.transaction() as session:
        assert await index.index_message(session, draft(1, "   ")) is None
    assert await ranked(db, "mocks") == []


async def test_saving_refuses_duplicates_withdrawn_and_opted_out_messages(db: Database) -> None:
    async with db.transaction() as session:
        entry = await service.save_message(session, draft(1, "A tip", saved_by=9))
        with pytest.raises(rules.AlreadySavedError):
            await service.save_message(session, draft(1, "A tip", saved_by=9))
        with pytest.raises(StrangerError):
            await service.withdraw(session, GUILD, entry.id, 9, now=NOW)
        assert await service.withdraw(session, GUILD, entry.id, 7, now=NOW)
        with pytest.raises(rules.WithdrawnError):
            await service.save_message(session, draft(1, "A tip", saved_by=9))
        await service.opt_out(session, GUILD, 8, now=NOW)
        with pytest.raises(rules.AuthorOptedOutError):
            await service.save_message(session, draft(2, "Other tip", author=8, saved_by=9))
        assert await index.index_many(session, [draft(3, "x", author=8), draft(4, "y")]) == 1


async def test_a_member_is_exported_and_forgotten(db: Database) -> None:
    await indexed(db, [draft(1, "Mine", author=7), draft(2, "Theirs", author=8, saved_by=7)])
    async with db.transaction() as session:
        await resources.suggest(
            session,
            GUILD,
            7,
            url="https://a.example",
            title="A",
            topic="t",
            level=Level.BEGINNER,
            language="en",
            now=NOW,
        )
        exported = await service.export_member(session, GUILD, 7)
        assert [e["message_id"] for e in exported["knowledge_entries"]] == [1, 2]
        assert exported["knowledge_entries"][1]["content"] == ""  # another member's text is theirs
        assert await service.forget_member(session, GUILD, 7) == 1
        assert await service.export_member(session, GUILD, 7) == {
            "knowledge_opted_out": False,
            "knowledge_entries": [],
            "knowledge_resources_suggested": [],
            "knowledge_resources_list": [],
        }


# --- resources ----------------------------------------------------------------------------------------------


async def test_resources_upvotes_and_lists(db: Database) -> None:
    async with db.transaction() as session:
        made = await resources.suggest(
            session,
            GUILD,
            7,
            url="https://Example.org/a/",
            title="A",
            topic="SQL",
            level=Level.BEGINNER,
            language="en",
            now=NOW,
        )
        with pytest.raises(rules.ResourceDuplicateError):
            await resources.suggest(
                session,
                GUILD,
                8,
                url="https://example.org/a",
                title="B",
                topic="SQL",
                level=Level.BEGINNER,
                language="en",
                now=NOW,
            )
        await resources.decide(session, GUILD, made.id, approve=True, host_id=1, now=NOW)
        with pytest.raises(rules.ResourceDecidedError):
            await resources.decide(session, GUILD, made.id, approve=False, host_id=1, now=NOW)
        assert await resources.upvote(session, GUILD, made.id, 8) == (True, 1)
        assert await resources.upvote(session, GUILD, made.id, 8) == (False, 0)
        await resources.mark(session, GUILD, made.id, 8, Mark.TO_READ, now=NOW)
        await resources.mark(session, GUILD, made.id, 8, Mark.READ, now=NOW + timedelta(days=1))
        assert [(r.title, state) for r, state in await resources.mine(session, GUILD, 8)] == [("A", "read")]
        await resources.mark(session, GUILD, made.id, 8, Mark.READ, now=NOW)
        assert await resources.mine(session, GUILD, 8) == []
        listing = await resources.approved(session, GUILD, topic="sql", level=None, language=None, page=0)
        assert [r.title for r in listing.resources] == ["A"] and listing.total == 1


async def test_a_word_in_most_posts_ranks_the_newest_candidates_on_both_databases(db: Database) -> None:
    from models.knowledge.search import CANDIDATES

    many = [draft(100 + n, f"python note {n}" + " python" * (n % 3)) for n in range(CANDIDATES + 50)]
    async with db.transaction() as session:
        await index.index_many(session, many)
        found = await search(session, GUILD, parse_query("python"), Filters(), limit=3)
    assert found.total == CANDIDATES
    assert {entry.message_id for entry, _ in found.hits} <= {100 + n for n in range(50, CANDIDATES + 50)}
    most_pythons_newest_first = [100 + n for n in range(CANDIDATES + 49, 49, -1) if n % 3 == 2]
    assert [entry.message_id for entry, _ in found.hits] == most_pythons_newest_first[:3]


# --- catching up after downtime --------------------------------------------------------------------------------

EDITED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("message_id", "edited_at", "expected"),
    [
        (1, None, False),  # indexed, never edited
        (1, EDITED, True),  # edited since it was indexed
        (2, EDITED, False),  # indexed with this edit already
        (2, EDITED + timedelta(minutes=1), True),  # edited again
        (3, None, True),  # never indexed
    ],
)
def test_a_message_read_back_is_indexed_again_only_when_new_or_edited_since(
    message_id: int, edited_at: datetime | None, expected: bool
) -> None:
    assert rules.out_of_date({1: None, 2: EDITED}, message_id, edited_at) is expected


def test_only_messages_within_what_was_read_back_count_as_deleted() -> None:
    indexed = [10, 20, 30, 40]
    assert rules.vanished(indexed, {20, 40, 50}, whole_thread=True) == [10, 30]
    assert rules.vanished(indexed, {20, 40, 50}, whole_thread=False) == [30]  # 10 is older than what was read
    assert rules.vanished(indexed, set(), whole_thread=True) == indexed
    assert rules.vanished(indexed, set(), whole_thread=False) == []
