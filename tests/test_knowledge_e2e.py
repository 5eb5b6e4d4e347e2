"""The knowledge base end to end: the real bot against the emulated Discord, on a real database.

Sharing and saving, automatic indexing kept true by edits and deletions, solved threads, search (accents, word forms,
operators, pages), resources, and the weekly digest — once, across a restart.
"""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from models.base import utcnow
from models.knowledge import index, service
from models.knowledge.rules import Kind
from models.knowledge.tables import KnowledgeEntry, KnowledgeThread
from playground.emulator import Emulator
from tests.conftest import AgoraHarness
from tests.support.knowledge import answered, bot_posts, footer, results, set_up, share, slash
from tests.support.welcome import run_jobs_now

REQUIRE_TAG = 1 << 4


async def entries(agora: AgoraHarness) -> list[KnowledgeEntry]:
    async with agora.bot.db.transaction() as session:
        return list(await session.scalars(select(KnowledgeEntry).order_by(KnowledgeEntry.message_id)))


# --- the channel and /share ---------------------------------------------------------------------------------


async def test_picking_the_forum_creates_the_tags_agora_needs(discord: Emulator, agora: AgoraHarness) -> None:
    community = await set_up(discord, agora)
    names = [tag["name"] for tag in community.channel.available_tags]
    assert names == ["Question", "Tutorial", "Tip", "Solved"]
    assert community.channel.tag("Solved")["moderated"] is True
    reply = await slash(community.host, "kb tags")
    assert "Question: Question" in reply.content and "Solved: Solved" in reply.content


async def test_share_posts_in_the_members_name_without_pings_and_search_finds_it(
    discord: Emulator, agora: AgoraHarness
) -> None:
    community = await set_up(discord, agora)
    alice = await discord.member("alice", locale="fr")
    question = community.channel.tag("Tutorial")["id"]
    reply = await share(
        alice,
        agora,
        "Développer une API",
        "@everyone Pour le développement d'une API, écrivez des tests d'abord.",
        link="https://example.org/api",
        tags=[question],
    )
    assert reply.ephemeral and "✅ Partagé dans" in reply.content
    (thread,) = [c for c in discord.guild.threads() if c.parent_id == community.channel.id]
    assert thread.name == "Développer une API" and thread.applied_tags == [int(question)]
    starter = thread.messages[0]
    assert starter.embeds[0]["author"]["name"] == "alice" and "@everyone" in starter.embeds[0]["description"]
    posted = next(r for r in discord.requests if r.method == "POST" and r.path.endswith("/threads"))
    assert posted.json["message"]["allowed_mentions"]["parse"] == []
    assert [b["label"] for b in starter.buttons()] == ["Solved"]  # the server's language, as the post is public

    bob = await discord.member("bob")
    found = await slash(bob, "kb search", query="DEVELOPPER")
    assert found.ephemeral
    assert "Développer une API" in results(found) and "**développement**" in results(found)
    (entry,) = await entries(agora)
    assert entry.author_id == alice.id and entry.kind == Kind.POST and entry.link == "https://example.org/api"


async def test_share_without_a_knowledge_channel_says_how_to_set_one(discord: Emulator, agora: AgoraHarness) -> None:
    alice = await discord.member("alice")
    reply = await alice.slash("share")
    assert reply.ephemeral and "/agora channel knowledge" in reply.content


async def test_share_refuses_bad_input_kindly(discord: Emulator, agora: AgoraHarness) -> None:
    community = await set_up(discord, agora, flags=REQUIRE_TAG)
    alice = await discord.member("alice")
    too_long = await share(alice, agora, "T" * 150, "Some text")
    assert "150 characters; Discord allows 100" in too_long.content
    bad_link = await share(alice, agora, "Title", "Text", link="javascript:alert(1)", tags=[])
    assert "is not a web link" in bad_link.content
    untagged = await share(alice, agora, "Title", "Text", tags=[])
    assert "requires at least one tag" in untagged.content
    blank = await share(alice, agora, "   ", "Text")
    assert "title is empty" in blank.content
    assert [c for c in discord.guild.threads() if c.parent_id == community.channel.id] == []
    assert await entries(agora) == []


async def test_a_text_channel_works_too(discord: Emulator, agora: AgoraHarness) -> None:
    community = await set_up(discord, agora, kind="text")
    alice = await discord.member("alice")
    reply = await share(alice, agora, "Git bisect", "Find the commit that broke it.", tags=["tip"])
    assert "✅" in reply.content
    (post,) = bot_posts(community.channel)
    assert post.thread_id is not None and "💡 Tip" not in post.embeds[0]["description"]
    bob = await discord.member("bob")
    question = await bob.say(community.channel, "How do I squash commits?")
    thread = await bob.start_thread(question, "Squashing commits")
    await alice.say(thread, "Use an interactive rebase.")
    await agora.idle()
    kinds = {(e.kind, e.title) for e in await entries(agora)}
    assert kinds == {("post", "Git bisect"), ("post", "Squashing commits"), ("reply", "Squashing commits")}
    found = await slash(bob, "kb search", query="rebasing")
    assert "Squashing commits" in results(found)


# --- indexing the forum -------------------------------------------------------------------------------------


async def test_posts_and_replies_are_indexed_and_follow_edits_and_deletions(
    discord: Emulator, agora: AgoraHarness
) -> None:
    community = await set_up(discord, agora)
    bob, carol = await discord.member("bob"), await discord.member("carol")
    thread = await bob.post(community.channel, "How to test async code?", "I need testing advice.", tags=["Question"])
    reply = await carol.say(thread, "Use pytest fixtures.")
    await agora.idle()
    assert "Use pytest" in results(await slash(bob, "kb search", query="fixture"))

    await carol.edit(reply, "Use unittest mocks.")
    await agora.idle()
    assert "Nothing found" in results(await slash(bob, "kb search", query="fixture"))
    assert "unittest" in results(await slash(bob, "kb search", query="mock"))

    await carol.delete(reply)
    await agora.idle()
    assert "Nothing found" in results(await slash(bob, "kb search", query="mock"))
    await discord.update_thread(thread, name="Testing asyncio code", tags=["Question", "Tip"])
    await agora.idle()
    (post,) = await entries(agora)
    assert post.title == "Testing asyncio code" and post.tag_keys == "|question|tip|"
    await discord.delete_thread(thread)
    await agora.idle()
    assert await entries(agora) == []


async def test_what_was_written_edited_or_deleted_while_offline_reaches_the_index(
    discord: Emulator, agora: AgoraHarness
) -> None:
    community = await set_up(discord, agora)
    bob, carol = await discord.member("bob"), await discord.member("carol")
    thread = await bob.post(community.channel, "How to test async code?", "I need testing advice.", tags=["Question"])
    edited = await carol.say(thread, "Use pytest fixtures.")
    deleted = await carol.say(thread, "Try the trio library.")
    await agora.idle()
    await agora.stop()
    await carol.edit(edited, "Use unittest mocks.")
    await carol.delete(deleted)
    await bob.say(thread, "Thanks, asyncio tasks are clear now.")
    await agora.start()  # returns once every catch-up has finished
    assert "Nothing found" in results(await slash(bob, "kb search", query="fixture"))
    assert "unittest" in results(await slash(bob, "kb search", query="mock"))
    assert "Nothing found" in results(await slash(bob, "kb search", query="trio"))
    assert "Thanks" in results(await slash(bob, "kb search", query="tasks"))


async def test_only_the_helpful_emoji_counts_and_a_host_may_change_it(discord: Emulator, agora: AgoraHarness) -> None:
    community = await set_up(discord, agora)
    bob, carol, dave = await discord.member("bob"), await discord.member("carol"), await discord.member("dave")
    thread = await bob.post(community.channel, "Flaky tests", "My tests fail at random.", tags=["Question"])
    answer = await carol.say(thread, "Seed the random generator.")
    await agora.idle()

    async def helpful() -> int:
        return next(entry.helpful for entry in await entries(agora) if entry.message_id == answer.id)

    await bob.react(answer, "👍")
    await dave.react(answer, "⭐")
    await agora.idle()
    assert await helpful() == 1

    assert "⭐" in (await slash(community.host, "kb settings", emoji="⭐")).content
    erin = await discord.member("erin")
    await erin.react(answer, "⭐")
    await carol.react(answer, "👍")
    await bob.unreact(answer, "👍")
    await agora.idle()
    assert await helpful() == 2  # bob's 👍 counted before the change and still does; now only ⭐ counts
    for member in (bob, carol, await discord.member("frank")):
        await member.react(answer, "⭐")
    await erin.unreact(answer, "⭐")
    await agora.idle()
    assert await helpful() == 4


async def test_opted_out_members_are_never_indexed(discord: Emulator, agora: AgoraHarness) -> None:
    community = await set_up(discord, agora)
    bob, carol = await discord.member("bob"), await discord.member("carol", locale="fr")
    thread = await bob.post(community.channel, "Docker volumes", "Where do my files go?", tags=["Question"])
    await carol.say(thread, "Dans un volume nommé.")
    await agora.idle()
    out = await slash(carol, "kb optout")
    assert "1 message retiré" in out.content
    await carol.say(thread, "Ou un dossier monté.")
    await agora.idle()
    assert {e.author_id for e in await entries(agora)} == {bob.id}
    back = await slash(carol, "kb optin")
    assert "de nouveau indexés" in back.content
    await carol.say(thread, "Un volume nommé reste le plus simple.")
    await agora.idle()
    assert {e.author_id for e in await entries(agora)} == {bob.id, carol.id}


# --- saving from anywhere ---------------------------------------------------------------------------------


async def test_a_saved_message_is_searchable_and_its_author_can_withdraw_it(
    discord: Emulator, agora: AgoraHarness
) -> None:
    await set_up(discord, agora)
    alice, bob = await discord.member("alice"), await discord.member("bob")
    general = discord.guild.channel("general")
    tip = await alice.say(general, "Tip: git bisect finds the commit that broke the build.")
    saved = await bob.message_command("Save to knowledge base", tip)
    assert saved.ephemeral and "Saved to the knowledge base" in saved.content
    await discord.wait_for(lambda: alice.dms, what="the author told")
    (told,) = alice.dms
    assert "bob saved your message" in told.content
    assert "git bisect" in results(await slash(bob, "kb search", query="bisecting"))

    again = await bob.message_command("Save to knowledge base", tip)
    assert "already in the knowledge base" in again.content
    stranger = await bob.click(told, "Withdraw it")
    assert "cannot use" in stranger.content or "belongs" in stranger.content or stranger.ephemeral
    withdrawn = await alice.click(told, "Withdraw it")
    assert withdrawn.response is not None and "Withdrawn" in told.content
    assert await entries(agora) == []
    refused = await bob.message_command("Save to knowledge base", tip)
    assert "cannot be saved again" in refused.content


async def test_saving_refuses_bots_empty_and_opted_out_messages(discord: Emulator, agora: AgoraHarness) -> None:
    community = await set_up(discord, agora)
    alice, bob = await discord.member("alice"), await discord.member("bob")
    await share(alice, agora, "Shared", "A shared post")
    by_agora = bot_posts(next(c for c in discord.guild.threads() if c.parent_id == community.channel.id))[0]
    refused = await bob.message_command("Save to knowledge base", by_agora)
    assert "Messages from bots cannot be saved" in refused.content
    await slash(alice, "kb optout")
    mine = await alice.say(discord.guild.channel("general"), "Something useful")
    refused = await bob.message_command("Save to knowledge base", mine)
    assert "stay out of the knowledge base" in refused.content


# --- solved threads and ranking ---------------------------------------------------------------------------


async def test_the_asker_marks_the_answer_the_thread_is_solved_and_ranks_first(
    discord: Emulator, agora: AgoraHarness
) -> None:
    community = await set_up(discord, agora)
    bob, carol, dave = [await discord.member(name) for name in ("bob", "carol", "dave")]
    thread = await bob.post(community.channel, "Slow queries", "My SQL queries are slow.", tags=["Question"])
    good = await carol.say(thread, "Add an index on the column you filter queries by.")
    await dave.say(thread, "Queries can be slow; an index on queries may help.")
    await agora.idle()

    refused = await dave.message_command("Mark as answer", good)
    assert "Only the person who asked" in refused.content
    on_post = await bob.message_command("Mark as answer", thread.messages[0])
    assert "question itself" in on_post.content
    marked = await answered(bob, await bob.message_command("Mark as answer", good))
    assert "Marked as the answer" in marked.content
    await agora.idle()
    assert int(community.channel.tag("Solved")["id"]) in thread.applied_tags
    notice = next(m for m in thread.messages if m.author_id == discord.bot.id)
    assert notice.pinned and f"/{good.id}" in notice.content and "Solved" in notice.content

    found = results(await slash(bob, "kb search", query="index queries"))
    assert found.index("Add an **index**") < found.index("can be slow")
    assert "accepted answer" in found


async def test_the_solved_button_of_a_shared_post_picks_the_answer(discord: Emulator, agora: AgoraHarness) -> None:
    community = await set_up(discord, agora)
    alice, bob = await discord.member("alice"), await discord.member("bob")
    await share(alice, agora, "Python venv", "How do I make a virtual environment?")
    thread = next(c for c in discord.guild.threads() if c.parent_id == community.channel.id)
    answer = await bob.say(thread, "python -m venv .venv")
    await agora.idle()
    refused = await bob.click(thread.messages[0], "Solved")
    assert "Only the person who asked" in refused.content
    offered = await alice.click(thread.messages[0], "Solved")
    assert offered.original is not None
    picked = await answered(alice, await alice.select(offered.original, [str(answer.id)]))
    assert "Marked as the answer" in picked.content
    async with agora.bot.db.transaction() as session:
        row = await session.get(KnowledgeThread, thread.id)
        assert row is not None and row.solved and row.answer_message_id == answer.id


# --- search -------------------------------------------------------------------------------------------------


async def test_search_takes_operators_as_text_and_refuses_empty_queries(discord: Emulator, agora: AgoraHarness) -> None:
    community = await set_up(discord, agora)
    bob = await discord.member("bob")
    await bob.post(community.channel, "NEAR and far", "Operators like NEAR are words here.", tags=["Tip"])
    await agora.idle()
    for query in ('"near', "near*", "-near", "NEAR(", '(near) AND "far"'):
        assert "NEAR and far" in results(await slash(bob, "kb search", query=query)), query
    blank = await bob.slash("kb search", query="   ")
    assert blank.ephemeral and "Type a few words" in blank.content
    vague = await bob.slash("kb search", query="the and of")
    assert "only very common words" in vague.content
    choices = await bob.autocomplete("kb search", query="nea")
    assert [c["name"] for c in choices] == ["NEAR and far"]


async def test_results_come_in_pages_with_buttons(discord: Emulator, agora: AgoraHarness) -> None:
    await set_up(discord, agora)
    bob, carol = await discord.member("bob"), await discord.member("carol")
    now = utcnow()
    drafts = [
        index.Draft(discord.guild.id, 1, 1000 + n, bob.id, f"Recipe {n} about sourdough bread", now, Kind.SAVED)
        for n in range(12)
    ]
    async with agora.bot.db.transaction() as session:
        await index.index_many(session, drafts)
    first = await slash(bob, "kb search", query="sourdough")
    assert footer(first) == "Page 1/3 · 12 results"
    message = first.original
    assert message is not None
    stranger = await carol.click(message, message.buttons()[1]["custom_id"])
    assert stranger.ephemeral
    await bob.click(message, message.buttons()[1]["custom_id"])
    assert message.embeds[0]["footer"]["text"] == "Page 2/3 · 12 results"
    assert "**6." in message.embeds[0]["description"]


# --- resources ---------------------------------------------------------------------------------------------


async def test_resources_are_suggested_reviewed_upvoted_and_listed(discord: Emulator, agora: AgoraHarness) -> None:
    community = await set_up(discord, agora)
    alice, bob = await discord.member("alice"), await discord.member("bob")
    suggested = await slash(
        alice,
        "resource suggest",
        url="https://www.Example.org/course/?utm_source=x",
        title="SQL for beginners",
        topic="databases",
        level="beginner",
        language="en",
    )
    assert "goes to the hosts" in suggested.content
    review = community.moderators.messages[-1]
    assert "SQL for beginners" in review.embeds[0]["description"]
    twice = await bob.slash(
        "resource suggest", url="https://example.org/course", title="Same", topic="db", level="advanced", language="fr"
    )
    assert "was already suggested" in twice.content
    not_web = await bob.slash(
        "resource suggest", url="ftp://example.org/x", title="X", topic="db", level="advanced", language="fr"
    )
    assert "is not a web link" in not_web.content
    refused = await bob.click(review, "Approve")
    assert "hosts" in refused.content.lower()
    await community.host.click(review, "Approve")
    await agora.idle()
    assert review.buttons() == [] and "Approved by" in str(review.embeds[0]["fields"])
    await discord.wait_for(lambda: alice.dms, what="the suggester told")
    assert "SQL for beginners" in alice.dms[-1].content

    listing = await slash(bob, "resource list", topic="Databases")
    assert listing.original is not None and "SQL for beginners" in listing.original.embeds[0]["description"]
    upvoted = await bob.click(listing.original, "1 · 👍 0")
    assert "You upvoted" in upvoted.content and "(1)" in upvoted.content
    marked = await bob.click(listing.original, "To read")
    assert "to read" in marked.content
    mine = await slash(bob, "resource mine")
    assert mine.original is not None and "SQL for beginners" in str(mine.original.embeds[0]["fields"])


async def test_a_rejected_suggestion_is_not_listed_and_its_author_is_told(
    discord: Emulator, agora: AgoraHarness
) -> None:
    community = await set_up(discord, agora)
    alice = await discord.member("alice", locale="fr")
    await slash(
        alice,
        "resource suggest",
        url="https://a.example/x",
        title="Meh",
        topic="misc",
        level="advanced",
        language="other",
    )
    await community.host.click(community.moderators.messages[-1], "Reject")
    await discord.wait_for(lambda: alice.dms, what="the suggester told")
    assert "n'ont pas retenu" in alice.dms[-1].content or "did not keep" in alice.dms[-1].content
    listing = await slash(alice, "resource list")
    assert listing.original is not None and "Aucune ressource" in listing.original.embeds[0]["description"]


# --- the digest, and the host's export --------------------------------------------------------------------


async def test_the_weekly_digest_is_posted_once_even_across_a_restart(discord: Emulator, agora: AgoraHarness) -> None:
    community = await set_up(discord, agora)
    bob, carol = await discord.member("bob"), await discord.member("carol")
    thread = await bob.post(community.channel, "Flaky tests", "My tests fail at random.", tags=["Question"])
    answer = await carol.say(thread, "Seed the random generator.")
    await agora.idle()
    await bob.react(answer, "👍")
    await answered(bob, await bob.message_command("Mark as answer", answer))
    await agora.idle()

    await run_jobs_now(agora.bot.db, service.DIGEST_JOB, agora.bot.scheduler.run_due)
    await agora.idle()
    (digest,) = [m for m in community.announcements.messages if m.embeds]
    fields = {field["name"]: field["value"] for field in digest.embeds[0]["fields"]}
    assert "Flaky tests" in fields["New posts"] and "Flaky tests" in fields["Newly solved questions"]
    assert "👍 1" in fields["Most helpful answers"]

    bot = await agora.restart()
    await run_jobs_now(bot.db, service.DIGEST_JOB, bot.scheduler.run_due)
    await agora.idle()
    assert len([m for m in community.announcements.messages if m.embeds]) == 1


async def test_hosts_export_the_index_without_its_text(discord: Emulator, agora: AgoraHarness) -> None:
    community = await set_up(discord, agora)
    bob = await discord.member("bob")
    await bob.post(community.channel, "=cmd()", "secret body text", tags=["Tip"])
    await agora.idle()
    refused = await bob.slash("kb export")
    assert "Only hosts" in refused.content
    exported = await slash(community.host, "kb export")
    (message,) = exported.followups
    rows = list(csv.reader(io.StringIO(message.attachments[0].data.decode("utf-8-sig"))))
    assert rows[0][:6] == ["message_id", "thread_id", "channel_id", "kind", "title", "author_id"]
    assert rows[1][4] == "'=cmd()" and rows[1][6] == "Tip"
    assert "secret" not in message.attachments[0].data.decode("utf-8-sig")
