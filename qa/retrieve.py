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


# apart(): a name most of whose records also name the collection's frame lies inside it ("Washington", "Camp
# David" in a catalogue of visits to the United States: 89% and 91% of their records name it; a foreign capital at
# most 14%, a neighbour whose leaders often come, Canada, 51%), and a record need not name it: the frame goes
# without saying. At least this share of the records read (FRAME_READ) decides it; the rule, not a fit.
INSIDE_SHARE = 0.75
FRAME_READ = 256
# apart(): how many records holding the names' words, best keyword score first (those holding words of both), are
# read for one holding them together.
APART_READ = 100


def _rarest_words(names: list, count) -> list[str]:
    """For each spelling (or place) of the names, its word the fewest records hold: what a keyword search for
    records holding them looks for."""
    return sorted({min(s, key=lambda t: (count(t), t)) for n in names for s in n.holding})


def inside_frame(index: Store, name) -> bool:
    """Whether a name lies inside the collection's frame (qa/names.py NameMatcher.frame): at least INSIDE_SHARE of
    the records holding it (of the first FRAME_READ a keyword search finds) name the frame too."""
    from .support import mentions

    if not index.names.frame:
        return False
    rows = [int(i) for i in index.keyword(_rarest_words([name], index.keywords.count), FRAME_READ).rows]
    texts = [f"{r.title} {r.summary}" for r in index.records.fetch(rows) if mentions(r, name)]
    return bool(texts) and sum(map(index.names.names_frame, texts)) >= INSIDE_SHARE * len(texts)


def _loose_words(name, place: bool) -> frozenset[str]:
    """The words a record holds a name by in apart(), besides its spellings: a person's last name alone ("Tony
    Blinken" in "Antony John Blinken", "Mike Pompeo" in "Michael R. Pompeo"), a place's words with its hyphens as
    spaces ("Port-of-Spain" in "Port of Spain"); none for a place named with a word of direction (mentions())."""
    from .support import DIRECTIONS

    said = name.text.replace("-", " ").split()
    if place:
        return frozenset() if DIRECTIONS & {w.lower() for w in said[:-1]} else frozenset(tokens(" ".join(said)))
    return frozenset(tokens(said[-1])) if len(said) > 1 else frozenset()


def apart(index: Store, text: str, names: list, rare: frozenset[str], date_from: date | None,
          date_to: date | None) -> tuple[str, ...]:
    """A person and a place a question asks about together that no record of its period names together ("When
    did Gerald Ford go to Jerusalem?", "Did Carter travel to Havana while he was president?": each is in the
    collection, never with the other): the two names, or () when a record may hold both.

    A refusal must be sure, so a record holds a name here more loosely than anywhere else: in some spelling or
    as qa/support.py mentions() reads it, and besides a person by the last name alone and a place by its words
    with hyphens as spaces (_loose_words()); a place named with a word of direction by the bare place when the
    record names no other direction of it ("South Vietnam" by "Vietnam (Cam Ranh Bay)": support.directions()).
    The records read are the APART_READ that a keyword search for all those words ranks first.

    Only for a question of exactly two names (an adjective before a noun aside: "American president"), both known
    and held by few records (rare: qa/answer.py LACKING_SHARE), one given as a place (after "to", "in", "visit":
    qa/query.py places(), or a region) and the other not, the two not joined by "and" or "or" (asked for either:
    "the Yalta and Potsdam conferences"), neither inside the collection's frame (inside_frame(): "Washington" in
    visits to the United States, whose records need not name it; nor a visitor whose records are all visits to
    it, which say nothing of where else he went). A question of more names may be answered by a record joining
    fewer of them; a common name's records are too many to read."""
    from .query import places, qualifies, words_pattern
    from .support import directions, mentions, record_words

    names = [n for n in names if not qualifies(text, n)]
    if len(names) != 2 or not all(n.known and n.text in rare for n in names):
        return ()
    given = places(text, names)
    placed = [bool(n.within) or n in given for n in names]
    a, b = (words_pattern(n.text.split()) for n in names)
    joined = re.search(rf"(?<!\w)(?:{a}\W+(?:and|or|nor)\W+{b}|{b}\W+(?:and|or|nor)\W+{a})(?!\w)", text, re.I)
    if joined or sum(placed) != 1:  # "the Yalta and Potsdam conferences"
        return ()
    ways = [directions(n, index.names.spellings) for n in names]  # "South Vietnam" held by "Vietnam" alone
    loose = [_loose_words(n, p) for n, p in zip(names, placed)]
    words = sorted({t for n in names for s in n.holding for t in s}.union(*loose))
    rows = [int(i) for i in index.keyword(words, APART_READ, index.within(date_from, date_to)).rows]

    def holds(record, n, way, extra) -> bool:
        return mentions(record, n, way) or bool(extra) and extra <= record_words(record).tokens

    if any(all(holds(r, *c) for c in zip(names, ways, loose)) for r in index.records.fetch(rows)):
        return ()
    if any(inside_frame(index, n) for n in names):  # read only for a question no record answers
        return ()
    return tuple(n.text for n in names)
