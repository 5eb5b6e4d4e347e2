"""What members and hosts see of the knowledge base: search results with snippets, shared posts, resources, the digest.

Pure functions of rows and a language; member text is escaped (no markdown tricks) and never pings.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot import i18n
from cogs.knowledge.base import jump
from models.knowledge import rules
from models.knowledge.digest import Digest
from models.knowledge.search import Found
from models.knowledge.tables import KnowledgeEntry, KnowledgeResource, KnowledgeSearch
from models.knowledge.text import Piece, parse_query, snippet

COLOUR = discord.Colour.teal()
LEVEL_EMOJI = {"beginner": "🌱", "intermediate": "🌿", "advanced": "🌳"}


def escape(text: str) -> str:
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def highlighted(pieces: Sequence[Piece]) -> str:
    return "".join(f"**{escape(piece.text)}**" if piece.hit else escape(piece.text) for piece in pieces)


def total_text(language: str, total: int) -> str:
    if total > rules.MAX_RESULTS:
        return i18n.t(language, "knowledge.search.many", count=rules.MAX_RESULTS)
    return i18n.tn(language, "knowledge.search.count", total)


def result_lines(entry: KnowledgeEntry, number: int, language: str, query_text: str, tags: Sequence[str]) -> str:
    badges = []
    if entry.accepted:
        badges.append(i18n.t(language, "knowledge.search.accepted"))
    elif entry.solved:
        badges.append(i18n.t(language, "knowledge.search.solved"))
    if entry.helpful:
        badges.append(f"👍 {entry.helpful}")
    if entry.kind == rules.Kind.SAVED:
        badges.append(i18n.t(language, "knowledge.search.saved"))
    link = jump(entry.guild_id, entry.channel_id, entry.message_id)
    head = f"**{number}. [{escape(entry.title) or '…'}]({link})**"
    lines = [" · ".join([head, *badges])]
    lines.append("> " + highlighted(snippet(entry.content, parse_query(query_text))))
    author = i18n.t(language, "knowledge.search.by", author=f"<@{entry.author_id}>")
    lines.append(" · ".join([author, *[f"`{escape(tag)}`" for tag in tags]]))
    return "\n".join(lines)


def results_embed(
    saved: KnowledgeSearch, found: Found, page: rules.Page, language: str, tags: dict[int, list[str]]
) -> discord.Embed:
    """One page of results: a highlighted snippet and a jump link each."""
    title = i18n.t(language, "knowledge.search.title", query=saved.query[:200])
    embed = discord.Embed(title=title[:256], colour=COLOUR)
    if not found.hits:
        embed.description = i18n.t(language, "knowledge.search.none")
        return embed
    first = page.number * rules.PAGE_SIZE
    blocks = [
        result_lines(entry, first + i + 1, language, saved.query, tags.get(entry.thread_id or 0, []))
        for i, (entry, _) in enumerate(found.hits)
    ]
    if not found.every_word:
        blocks.insert(0, i18n.t(language, "knowledge.search.any_word"))
    embed.description = "\n\n".join(blocks)[:4000]
    footer = i18n.t(
        language,
        "knowledge.search.footer",
        page=page.number + 1,
        pages=page.count,
        total=total_text(language, found.total),
    )
    embed.set_footer(text=footer)
    return embed


def post_embed(
    title: str, content: str, author: discord.abc.User, link: str | None, tags: Sequence[str], language: str
) -> discord.Embed:
    """A post shared with /share: the member as author, Agora as poster."""
    embed = discord.Embed(title=title[:256], description=content[:4096], colour=COLOUR)
    embed.set_author(name=author.display_name[:256], icon_url=author.display_avatar.url)
    if link:
        embed.add_field(name=i18n.t(language, "knowledge.share.link"), value=link[:1024], inline=False)
    if tags:
        embed.add_field(name=i18n.t(language, "knowledge.share.tags"), value=", ".join(tags)[:1024], inline=False)
    embed.set_footer(text=i18n.t(language, "knowledge.share.footer"))
    return embed


def answer_notice(language: str, guild_id: int, thread_id: int, answer_id: int | None, author_id: int | None) -> str:
    if answer_id is None:
        return i18n.t(language, "knowledge.answer.notice_solved")
    link = jump(guild_id, thread_id, answer_id)
    return i18n.t(language, "knowledge.answer.notice", link=link, author=f"<@{author_id}>")


def resource_line(resource: KnowledgeResource, number: int, language: str) -> str:
    level = LEVEL_EMOJI.get(resource.level, "") + " " + i18n.t(language, f"knowledge.level.{resource.level}")
    head = f"**{number}. [{escape(resource.title)}]({resource.url})**"
    meta = " · ".join([escape(resource.topic), level.strip(), resource.language, f"👍 {resource.upvotes}"])
    return f"{head}\n{meta}"


def review_embed(resource: KnowledgeResource, language: str) -> discord.Embed:
    """A suggestion as the hosts see it in the moderators' channel."""
    embed = discord.Embed(
        title=i18n.t(language, "knowledge.resource.review_title"),
        description=resource_line(resource, 1, language).split("\n", 1)[0].removeprefix("**1. ").removesuffix("**"),
        colour=discord.Colour.orange(),
    )
    embed.add_field(name=i18n.t(language, "knowledge.resource.topic_label"), value=escape(resource.topic))
    embed.add_field(
        name=i18n.t(language, "knowledge.resource.level_label"),
        value=i18n.t(language, f"knowledge.level.{resource.level}"),
    )
    embed.add_field(name=i18n.t(language, "knowledge.resource.language_label"), value=resource.language)
    embed.add_field(name=i18n.t(language, "knowledge.resource.by"), value=f"<@{resource.suggested_by}>", inline=False)
    if resource.status != rules.ResourceStatus.PENDING:
        key = f"knowledge.resource.status_{resource.status}"
        embed.add_field(name="\u200b", value=i18n.t(language, key, host=f"<@{resource.decided_by}>"), inline=False)
    return embed


def listing_embed(resources: Sequence[KnowledgeResource], page: rules.Page, total: int, language: str) -> discord.Embed:
    embed = discord.Embed(title=i18n.t(language, "knowledge.resource.list_title"), colour=COLOUR)
    if not resources:
        embed.description = i18n.t(language, "knowledge.resource.list_empty")
        return embed
    first = page.number * rules.RESOURCE_PAGE_SIZE
    embed.description = "\n\n".join(resource_line(r, first + i + 1, language) for i, r in enumerate(resources))
    embed.set_footer(
        text=i18n.t(language, "knowledge.resource.list_footer", page=page.number + 1, pages=page.count, total=total)
    )
    return embed


def mine_embed(items: Sequence[tuple[KnowledgeResource, str]], language: str) -> discord.Embed:
    embed = discord.Embed(title=i18n.t(language, "knowledge.resource.mine_title"), colour=COLOUR)
    if not items:
        embed.description = i18n.t(language, "knowledge.resource.mine_empty")
        return embed
    for state in (rules.Mark.TO_READ, rules.Mark.READ):
        lines = [f"• [{escape(r.title)}]({r.url})" for r, marked in items if marked == state]
        if lines:
            value = "\n".join(lines)
            if len(value) > 1024:
                value = value[: value.rfind("\n", 0, 1000)] + "\n…"
            embed.add_field(name=i18n.t(language, f"knowledge.resource.mark_{state}"), value=value, inline=False)
    return embed


def digest_embed(digest: Digest, language: str, guild_id: int) -> discord.Embed:
    """The week in the knowledge base, in the server's language."""
    embed = discord.Embed(title=i18n.t(language, "knowledge.digest.title"), colour=COLOUR)
    sections = (
        ("posts", [f"• [{escape(t.title)}]({jump(guild_id, t.thread_id, t.thread_id)})" for t in digest.posts]),
        ("solved", [f"• [{escape(t.title)}]({jump(guild_id, t.thread_id, t.thread_id)})" for t in digest.solved]),
        (
            "helpful",
            [
                f"• [{escape(e.title)}]({jump(guild_id, e.channel_id, e.message_id)}) · 👍 {e.helpful}"
                for e in digest.helpful
            ],
        ),
        ("resources", [f"• [{escape(r.title)}]({r.url}) · {escape(r.topic)}" for r in digest.resources]),
    )
    for name, lines in sections:
        if lines:
            embed.add_field(
                name=i18n.t(language, f"knowledge.digest.{name}"), value="\n".join(lines)[:1024], inline=False
            )
    embed.set_footer(text=i18n.t(language, "knowledge.digest.footer"))
    return embed
