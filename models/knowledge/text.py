"""From text to search terms, the same way for what is indexed and what is searched.

A word becomes its Snowball stems in French and in English (a community writes both, often in one post), taken from
the word as typed and from the word without accents, then folded to lower case without accents. A document matches a
query word when they share a stem: "développer" finds "développement", "testing" finds "tests", "developper" finds
"développer". Accents are folded here, in Python, not by the database: SQLite's `remove_diacritics` and PostgreSQL's
`unaccent` disagree on ligatures (œ, æ, ß, ø), so each database indexes terms that are already folded, and the same
data gives the same results on both. Common function words (stopwords) are not indexed.

Everything a member types is reduced to words here, so quotes, `*`, `-`, `NEAR` or parentheses in a query are text,
never search syntax.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

WORD = re.compile(r"[^\W_]+")
# Letters that no Unicode decomposition takes apart, folded as people type them without the key.
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})
MAX_WORD = 40  # longer "words" are hashes, URLs' insides or noise: not worth a term
MAX_QUERY_WORDS = 12
STEM_CACHE = 200_000

# Common function words: they say little about a post, and every post has them. Kept short on purpose: a word that
# means something in the other language ("but" is a goal in French, "comment" a remark in English) is not here.
STOPWORDS_FR = frozenset(
    str.split(
        """au aux avec ce ces cette dans de des du elle en et eux il ils je la le les leur lui ma mais me meme
    mes moi mon ne nos notre nous ou par pas pour qu que qui sa se ses sur ta te tes toi ton tu un une vos votre vous
    c d j l m n s t y ete etre avoir suis es est sommes etes sont ai as avons avez ont cela ca ceci aussi
    tres donc alors ainsi quand quoi dont sans sous chez vers"""
    )
)
STOPWORDS_EN = frozenset(
    str.split(
        """a an and are as at be been being by did do does for from had has have he her hers him his i if in into
    is it its me my of on or our ours she so than that the their them then there these they this those to too us was we
    were what when where which who whom why will with would you your yours am can could should just also very"""
    )
)
STOPWORDS = STOPWORDS_FR | STOPWORDS_EN


def fold(text: str) -> str:
    """Lower case, without accents or ligatures: "Cœur Développé" → "coeur developpe"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).translate(LIGATURES)


@cache
def _stemmers() -> tuple[Any, Any]:
    """French and English Snowball stemmers (PyStemmer's C build when installed), loaded on first use."""
    import snowballstemmer

    return snowballstemmer.stemmer("french"), snowballstemmer.stemmer("english")


@lru_cache(maxsize=STEM_CACHE)
def variants(word: str) -> tuple[str, ...]:
    """The terms one lower-case word stands for: its French and English stems, with and without its accents."""
    french, english = _stemmers()
    bare = fold(word)
    found = {fold(french.stemWord(word)), fold(english.stemWord(word)), fold(french.stemWord(bare))}
    found.add(fold(english.stemWord(bare)))
    return tuple(sorted(term for term in found if term))


def words(text: str) -> Iterator[re.Match[str]]:
    """Every word of `text` (letters and digits; anything else separates)."""
    return WORD.finditer(text)


@lru_cache(maxsize=STEM_CACHE)
def folded_word(word: str) -> str:
    """`fold` of one word, remembered: a community's vocabulary is small next to what it writes."""
    return fold(word)


def meaningful(word: str) -> bool:
    """A lower-case word worth a term: not a stopword, not absurdly long."""
    return len(word) <= MAX_WORD and folded_word(word) not in STOPWORDS


@lru_cache(maxsize=STEM_CACHE)
def word_terms(word: str) -> tuple[str, ...]:
    """The terms of one lower-case word: none for a stopword, else its variants."""
    return variants(word) if meaningful(word) else ()


def terms(text: str) -> list[str]:
    """The terms indexed for `text`, in order, each word's variants side by side (the database counts them)."""
    return analyse(text).terms


@dataclass(frozen=True)
class Analysis:
    """A text's terms, and which language's common words it uses (one pass for both: indexing is hot)."""

    terms: list[str]
    french: int
    english: int

    @property
    def language(self) -> str:
        if self.french == self.english:
            return ""
        return "fr" if self.french > self.english else "en"


@lru_cache(maxsize=STEM_CACHE)
def _word(word: str) -> tuple[tuple[str, ...], int, int]:
    folded = folded_word(word)
    return word_terms(word), int(folded in STOPWORDS_FR), int(folded in STOPWORDS_EN)


def analyse(text: str) -> Analysis:
    found: list[str] = []
    french = english = 0
    for match in words(text.lower()):
        word_found, is_french, is_english = _word(match.group())
        found.extend(word_found)
        french += is_french
        english += is_english
    return Analysis(found, french, english)


@dataclass(frozen=True)
class Query:
    """A member's query as search terms: each word is one group of variants (a document needs one of them)."""

    groups: tuple[tuple[str, ...], ...]

    @property
    def empty(self) -> bool:
        return not self.groups

    @property
    def terms(self) -> tuple[str, ...]:
        """Every distinct term, in a stable order (BM25 sums over them)."""
        return tuple(dict.fromkeys(term for group in self.groups for term in group))

    def fts5(self, *, every_word: bool = True) -> str:
        """An FTS5 MATCH expression; each term is quoted, so nothing a member typed is syntax."""
        joiner = " AND " if every_word else " OR "
        return joiner.join("(" + " OR ".join(f'"{term}"' for term in group) + ")" for group in self.groups)

    def tsquery(self, *, every_word: bool = True) -> str:
        """The same as a PostgreSQL `tsquery` literal (terms quoted as lexemes, never parsed)."""
        joiner = " & " if every_word else " | "
        return joiner.join("(" + " | ".join(f"'{term}'" for term in group) + ")" for group in self.groups)


def parse_query(text: str) -> Query:
    """The search terms of what a member typed (empty when it has no word worth searching: stopwords only)."""
    kept = [match.group() for match in words(text.lower()) if meaningful(match.group())]
    groups = dict.fromkeys(variants(word) for word in kept[:MAX_QUERY_WORDS])
    return Query(tuple(groups))


def detect_language(text: str) -> str:
    """ "fr" or "en" by which language's common words the text uses more; "" when it cannot tell."""
    return analyse(text).language


@dataclass(frozen=True)
class Piece:
    """A stretch of a snippet, highlighted when it is a word the query matched."""

    text: str
    hit: bool = False


def snippet(text: str, query: Query, width: int = 220) -> list[Piece]:
    """The stretch of `text` (about `width` characters) with the most query words, those words marked.

    Leading and trailing "…" show where the text was cut; whitespace is collapsed to single spaces.
    """
    flat = " ".join(text.split())
    wanted = set(query.terms)
    hits = [m for m in words(flat) if set(variants(m.group().lower())) & wanted]
    start = _best_window(flat, [m.start() for m in hits], width)
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > start else end
    pieces = [Piece("…")] if start > 0 else []
    cursor = start
    for match in hits:
        if match.start() < start or match.end() > end:
            continue
        if match.start() > cursor:
            pieces.append(Piece(flat[cursor : match.start()]))
        pieces.append(Piece(match.group(), hit=True))
        cursor = match.end()
    if cursor < end:
        pieces.append(Piece(flat[cursor:end]))
    if end < len(flat):
        pieces.append(Piece("…"))
    return pieces


def _best_window(text: str, positions: list[int], width: int) -> int:
    """Where the window holding the most hits starts (a little before its first hit, at a word boundary)."""
    if not positions or len(text) <= width:
        return 0
    best, count = positions[0], 0
    for index, position in enumerate(positions):
        inside = sum(1 for other in positions[index:] if other < position + width - 20)
        if inside > count:
            best, count = position, inside
    start = max(0, best - 40)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < best else start
    return min(start, max(0, len(text) - width))


def joined(pieces: Iterable[Piece]) -> str:
    """A snippet as plain text (tests and logs)."""
    return "".join(piece.text for piece in pieces)
