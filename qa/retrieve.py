"""Retrieval: dense and keyword (BM25) candidates fused by reciprocal rank, inside a date range, over any
store (qa/stores/): the fusion, and so every answer, is this same code whichever store holds the index."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from .dates import inside, meets
from .records import Record
from .stores.base import Store
from .text import tokens

# Reciprocal-rank fusion: rank r in a list scores weight / (RRF_K + r). RRF_K and the weights were chosen on
# tests/data/eval.jsonl (a grid of RRF_K 5, 10, 20, 60 and keyword weights 0.3 to 1.5): see the README.
RRF_K = 10
# extremes(): how many records holding a question's rarest name are found by keyword at most (Milvus returns no
# more from one search), and how many batches of candidates are read, at most, to find those holding all its names
EXTREME_READ = 16_384
READ_BATCHES = 4


@dataclass(frozen=True)
class Hit:
    """A retrieved record: its cosine similarity to the question, its BM25 score, its rank (1 = best), and once
    weighed (qa/support.py) the probability that it supports the answer, with the evidence for it."""

    record: Record
    score: float
    rank: int
    keyword: float = 0.0
    fused: float = 0.0
    support: float = 0.0
    evidence: object = None
    row: int = -1  # the record's row in the index it came from


@dataclass(frozen=True)
class Weights:
    """How much each retriever counts in the fusion; 0 turns one off."""

    dense: float = 1.0
    keyword: float = 1.0


DENSE_ONLY = Weights(1.0, 0.0)
KEYWORD_ONLY = Weights(0.0, 1.0)


def search(index: Store, qvec: np.ndarray, k: int, *, date_from: date | None = None,
           date_to: date | None = None) -> list[Hit]:
    """Exact dense top-k (cosine on unit vectors), restricted to the date range when given."""
    rows, scores = index.dense(qvec, k, index.within(date_from, date_to))
    records = index.records.fetch([int(i) for i in rows])
    return [Hit(r, float(s), rank, row=int(i))
            for rank, (r, i, s) in enumerate(zip(records, rows, scores), start=1)]


def hybrid_search(index: Store, qvec: np.ndarray, query_tokens: list[str], k: int, *,
                  weights: Weights = Weights(), date_from: date | None = None, date_to: date | None = None,
                  depth: int = 100, extra: tuple[tuple[tuple[int, ...], float], ...] = ()) -> list[Hit]:
    """Fuse the dense and keyword rankings (weighted reciprocal rank) and return the top k.

    extra: further rankings of rows (each inside the date range) with their weight, fused the same way."""
    where = index.within(date_from, date_to)
    depth = max(depth, k)
    dense: dict[int, float] = {}
    if weights.dense > 0:
        ids, scores = index.dense(qvec, depth, where)
        dense = {int(i): float(s) for i, s in zip(ids, scores)}
    kw = index.keyword(query_tokens, depth, where) if weights.keyword > 0 else None
    keyword_rows = kw.rows if kw is not None else []
    fused: dict[int, float] = {}
    for rows, weight in ((list(dense), weights.dense), (keyword_rows, weights.keyword), *extra):
        for rank, i in enumerate(rows[:depth], start=1):
            fused[i] = fused.get(i, 0.0) + weight / (RRF_K + rank)
    order = sorted(fused, key=lambda i: (-fused[i], -dense.get(i, 0.0), i))[:k]
    dense.update(index.cosine(qvec, [i for i in order if i not in dense]))
    keyword = kw.score(order) if kw is not None else {}
    records = index.records.fetch(order)
    return [Hit(r, dense[i], rank, keyword.get(i, 0.0), fused[i], row=i)
            for rank, (r, i) in enumerate(zip(records, order), start=1)]


def in_date_order(index: Store, qvec: np.ndarray, date_from: date | None, date_to: date | None,
                  limit: int, *, latest: bool = False) -> list[Hit]:
    """Every record in the range (up to limit), earliest first (latest: the latest first, by their last day),
    each with its cosine to the question; those dated inside the range before those whose coarser dates only
    meet it."""
    if date_from is None and date_to is None:
        return []
    found = np.flatnonzero(meets(index.starts, index.ends, date_from, date_to))
    found = found[date_order(index, found, latest)]  # a day's records in row order
    # the records dated inside the period first, then those whose coarser dates only meet it: "1951" may or may
    # not be from December 1951
    whole = inside(index.starts[found], index.ends[found], date_from, date_to)
    found = np.concatenate([found[whole], found[~whole]])
    return as_hits(index, qvec, [int(i) for i in found[:limit]])


def as_hits(index: Store, qvec: np.ndarray, rows: list[int]) -> list[Hit]:
    """These rows' records as hits, ranked in the order given, each with its cosine to the question."""
    cos = index.cosine(qvec, rows)
    records = index.records.fetch(rows)
    return [Hit(r, cos[i], rank, row=i) for rank, (r, i) in enumerate(zip(records, rows), start=1)]


def extremes(index: Store, names: list, date_from: date | None, date_to: date | None, *, latest: bool,
             limit: int) -> tuple[int, ...]:
    """The rows of the dated records holding every one of the names (qa/query.Name, each in some spelling),
    earliest first (latest: the latest first, by their last day), up to limit: for a question asking for the
    first or the last ("the first Pope to visit the United States"), however far down relevance ranks them.

    The candidates are the records holding the rarest word of a spelling of the name the fewest records hold,
    found by one keyword search (up to EXTREME_READ of them); when more hold it than that, or most records do
    (the keyword score leaves such words out), the range's first records in date order too. At most
    READ_BATCHES batches of limit candidates of each kind are read to check every name. Ties of one day are in
    row order, as in every store."""
    from .support import holds_names, record_words

    if not names:
        return ()
    count = index.keywords.count
    rarest = min(names, key=lambda n: n.held_by(count))
    if not rarest.held_by(count):
        return ()
    read = READ_BATCHES * limit
    words = sorted({min(s, key=lambda t: (count(t), t)) for s in rarest.holding})
    found = np.unique(index.keyword(words, EXTREME_READ, index.within(date_from, date_to)).rows).astype(np.int64)
    kinds = [found]
    if not found.size or found.size >= EXTREME_READ:
        ranged = np.flatnonzero(meets(index.starts, index.ends, date_from, date_to))
        kinds.append(ranged[date_order(index, ranged, latest)[:read]])
    out: set[int] = set()
    for rows in kinds:
        rows = rows[~np.isnat(index.starts[rows])]
        rows = rows[date_order(index, rows, latest)][:read]
        held = 0
        for start in range(0, len(rows), limit):
            batch = [int(i) for i in rows[start:start + limit]]
            for i, record in zip(batch, index.records.fetch(batch)):
                if holds_names(record_words(record), names):
                    out.add(i)
                    held += 1
            if held >= limit:
                break
    rows = np.array(sorted(out), dtype=np.int64)
    return tuple(int(i) for i in rows[date_order(index, rows, latest)][:limit])


def date_order(index: Store, rows: np.ndarray, latest: bool) -> np.ndarray:
    """The order of these rows by first day (latest: by last day, latest first), undated ones last; stable, so
    rows in row order keep it within a day."""
    days = (index.ends if latest else index.starts)[rows]
    key = np.where(np.isnat(days), np.iinfo(np.int64).max, days.astype("int64") * (-1 if latest else 1))
    return np.argsort(key, kind="stable")


# apart(): a name most of whose records also name the collection's frame lies inside it, and a record need not name
# it: the frame goes without saying. In the State Department's catalogue (the first FRAME_READ records a keyword
# search finds for each, read as inside_frame() reads them): Washington 90%, Camp David, Dallas, Honolulu over 90%,
# a foreign visitor's name nearly always; Havana 67%, Mexico City 59%, Kabul 29%, Seoul 21% (the records of a
# place name the United States when they are visits from there, or say "U.S."); and countries whose leaders came
# more often than American travellers went are inside too (Cuba 78%, Paraguay 92%): a question about them is
# never refused. At least this share of the records read decides it; the rule, not a fit.
INSIDE_SHARE = 0.75
FRAME_READ = 256
# apart(): how many records holding the names' words, best keyword score first (those holding words of both), are
# read for one holding them together.
APART_READ = 100
# apart(): a person's title or form of address before a name in a record ("President Gerald R. Ford", "Cde.
# Stalin", "Minister Edda Voss"), up to four capitalised words, initials or a bracket between: what shows the name
# is a person's, not a place's standing for its government ("Who asked Moscow for engineers ...?").
_TITLED = r"\b(?:{titles})\.?(?:\s+of\s+State)?(?:\s+(?:[A-Z][\w'’.-]*|\([^)]*\))){{0,4}}?\s+{name}(?!\w)"


# _loose_words(): words for a kind of place, which a record may leave out of its name ("Mexico City", "Vatican City").
_PLACE_NOUNS = frozenset("city town island islands isle port harbor harbour bay province county district".split())


def _words_of(name, loose: frozenset[str]) -> frozenset[str]:
    """Every word a record may hold a name by in apart(): its spellings' and places', and loose (_loose_words())."""
    return frozenset(t for s in name.holding for t in s) | loose


def _records_of(index: Store, name, place: bool, way) -> list[Record]:
    """The records holding a name as apart() reads it (_holds()), of the first FRAME_READ a keyword search finds."""
    loose = _loose_words(name, place)
    rows = [int(i) for i in index.keyword(sorted(_words_of(name, loose)), FRAME_READ).rows]
    return [r for r in index.records.fetch(rows) if _holds(r, name, way, loose)]


def _framed(index: Store, records: list[Record]) -> bool:
    """Whether at least INSIDE_SHARE of a name's records (_records_of()) name the collection's frame too."""
    texts = [f"{r.title} {r.summary}" for r in records]
    return bool(texts) and sum(map(index.names.names_frame, texts)) >= INSIDE_SHARE * len(texts)


def inside_frame(index: Store, name, place: bool = True, way=None) -> bool:
    """Whether a name lies inside the collection's frame (qa/names.py NameMatcher.frame): at least INSIDE_SHARE of
    the records holding it (of the first FRAME_READ a keyword search finds) name the frame too."""
    return bool(index.names.frame) and _framed(index, _records_of(index, name, place, way))


def _holds(record, name, way, loose: frozenset[str]) -> bool:
    """Whether a record may hold a name, as apart() reads it: qa/support.py mentions() (way: its directions()), or
    every one of its loose words (_loose_words())."""
    from .support import mentions, record_words

    return mentions(record, name, way) or bool(loose) and loose <= record_words(record).tokens


def _loose_words(name, place: bool) -> frozenset[str]:
    """The words a record holds a name by in apart(), besides its spellings: a person's last name alone ("Tony
    Blinken" in "Antony John Blinken", "Mike Pompeo" in "Michael R. Pompeo"), a place's words with its hyphens as
    spaces and without a word for a kind of place ("Port-of-Spain" in "Port of Spain", "Mexico City" in "Mexico
    (Mexico, D.F.)"); none for a place named with a word of direction (mentions())."""
    from .support import DIRECTIONS

    said = name.text.replace("-", " ").split()
    if place:
        if DIRECTIONS & {w.lower() for w in said[:-1]}:
            return frozenset()
        kept = [w for w in said if w.lower() not in _PLACE_NOUNS] or said  # "Mexico City" in "Mexico, D.F."
        return frozenset(tokens(" ".join(kept)))
    return frozenset(tokens(said[-1])) if len(said) > 1 else frozenset()


def _titled(records: list[Record], name) -> bool:
    """Whether a record writes a person's title or form of address before the name's last word (_TITLED)."""
    from .names import PERSON_TITLES
    from .support import ADDRESS

    titles = "|".join(sorted(w.capitalize() for w in PERSON_TITLES | ADDRESS | {"cde"}))
    pattern = re.compile(_TITLED.format(titles=titles, name=re.escape(name.text.split()[-1])), re.IGNORECASE)
    return any(pattern.search(f"{r.title} {r.summary}") for r in records)


def apart(index: Store, text: str, names: list, rare: frozenset[str], date_from: date | None,
          date_to: date | None) -> tuple[str, ...]:
    """A person and a place a question asks about together that no record of its period names together ("When
    did Gerald Ford go to Jerusalem?", "Did Carter travel to Havana while he was president?": each is in the
    collection, never with the other): the person's name and the place's, or () when a record may hold both.

    A refusal must be sure, so a record holds a name here more loosely than anywhere else: in some spelling or
    as qa/support.py mentions() reads it, and besides a person by the last name alone and a place by its words
    with hyphens as spaces (_loose_words()); a place named with a word of direction by the bare place when the
    record names no other direction of it ("South Vietnam" by "Vietnam (Cam Ranh Bay)": support.directions()).
    The records read are the APART_READ that a keyword search for all those words ranks first.

    Only for a question of exactly two names (a people's adjective before its noun aside: "American president",
    qa/names.py NameMatcher.a_people), each said whole (no capitalised word after it, no particle before it: "the
    Czech Republic", "de Gaulle"), both used by the collection in the question's own spelling or an alias's (not
    only a close spelling: "Taiwan" is no "town"), the place no acronym ("the UAE" may be spelled out), both held by few
    records (rare: qa/answer.py LACKING_SHARE), one given as a place (after "to", "in", "visit": qa/query.py
    places(), or a region) and the other not, and shown a person's by a title before it in a record ("President
    Ford"; not "Moscow" standing for its government), the two not joined by "and" or "or" ("the Yalta and Potsdam
    conferences"), neither inside the collection's frame (inside_frame(): "Washington" in visits to the United
    States, whose records need not name it; nor a visitor whose records are all visits to it, which say nothing
    of where else he went). A question of more names may be answered by a record joining fewer of them; a common
    name's records are too many to read."""
    from .query import PARTICLES, places, qualifies, words_pattern
    from .support import directions

    names = [n for n in names if not (qualifies(text, n) and index.names.a_people(n.text))]
    if len(names) != 2 or not all(n.known and n.text in rare for n in names):
        return ()
    vocabulary = index.keywords.vocabulary
    for n in names:
        words = words_pattern(n.text.split())
        cut = re.search(rf"(?:\b(?:{'|'.join(PARTICLES)})\s+{words}|{words}\s+[A-Z])", text) is not None
        said = n.spellings[0] <= vocabulary or bool(n.within) or bool(index.names.alias_groups(n.text))
        if cut or not said:
            return ()
    given = places(text, names)
    placed = [bool(n.within) or n in given for n in names]
    if any(p and len(n.text) > 1 and n.text.replace(".", "").isupper() for n, p in zip(names, placed)):
        return ()  # a place's acronym ("the UAE"); a person's initials are the collection's own (qa/names.py)
    a, b = (words_pattern(n.text.split()) for n in names)
    joined = re.search(rf"(?<!\w)(?:{a}\W+(?:and|or|nor)\W+{b}|{b}\W+(?:and|or|nor)\W+{a})(?!\w)", text, re.I)
    if joined or sum(placed) != 1:  # "the Yalta and Potsdam conferences"
        return ()
    ways = [directions(n, index.names.spellings) for n in names]  # "South Vietnam" held by "Vietnam" alone
    loose = [_loose_words(n, p) for n, p in zip(names, placed)]
    words = sorted(frozenset().union(*(_words_of(n, extra) for n, extra in zip(names, loose))))
    rows = [int(i) for i in index.keyword(words, APART_READ, index.within(date_from, date_to)).rows]
    if any(all(_holds(r, *c) for c in zip(names, ways, loose)) for r in index.records.fetch(rows)):
        return ()
    # read only for a question no record answers: who the other name is, and whether either lies inside the frame
    i = placed.index(True)
    place, person = names[i], names[1 - i]
    records = _records_of(index, person, False, ways[1 - i])  # read once: for its titles and for the frame
    if not _titled(records, person):
        return ()
    if index.names.frame and (_framed(index, records) or inside_frame(index, place, True, ways[i])):
        return ()
    return person.text, place.text
