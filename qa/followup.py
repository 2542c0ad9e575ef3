"""A follow-up read against the answer before it: the records that answer cited, and where in time they stand.

A follow-up leans on the question before it ("When was that?", "What did he do next?", "And a year later?").
Its words and the earlier question's are matched (qa/query.py); this module adds what the earlier
*answer* tells: which records it cited, and their dates. A follow-up that moves in order ("next", "right
before that", "his previous trip") or in time ("a year later") when the earlier question named no dates is
placed against the cited record's date, the nearest records in that direction first; a follow-up with no topic
of its own ("When was that?", "who signed it") is about the records the earlier answer cited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import numpy as np

from .qdates import without

# "after that", "next", "right before", "his previous trip", "earlier meetings": the direction, and the words
# out. A unit of time ("the next day", "two years earlier") is a shift (qa/qdates.py), read first.
_AFTER = (r"next|afterwards?|after\s+(?:that|this|it|them|those|these|then|wards)|subsequent(?:ly)?|"
          r"later\s+on|later|following\s+(?:that|this|it|them)|since\s+then|thereafter")
_BEFORE = (r"(?:(?:right|just|shortly|immediately|directly|soon)\s+)?before\s+(?:that|this|it|them|those|these|"
           r"then|hand|going|leaving|coming|arriving|visiting)?|beforehand|previous(?:ly)?|preceding|prior(?:\s+to"
           r"\s+(?:that|this|it|them))?|earlier|until\s+then")
# How much the records nearest the earlier answer and those most like its record count in the fusion for a
# move in order, against 1.0 for the question's dense ranking (chosen on the dev splits: 0.5 to 2 for either
# changed follow-up hit@1 by at most one question).
NEAR_WEIGHT = 1.0
LIKE_WEIGHT = 1.0
# An untitled record stands for its thread by the start of its summary.
THREAD_CHARS = 200
_ORDER = re.compile(rf"\b(?:(?P<after>{_AFTER})|(?P<before>{_BEFORE}))\b", re.IGNORECASE)


class Order(NamedTuple):
    """A follow-up's move in order from the earlier answer: +1 after it, -1 before it."""

    way: int
    phrase: str
    rest: str  # the follow-up without the phrase


def find_order(text: str) -> Order | None:
    """The direction a follow-up moves from the earlier answer ("next", "before that", "his previous visit")."""
    m = _ORDER.search(text)
    return Order(1 if m.group("after") else -1, m.group(0), without(text, m)) if m else None


@dataclass(frozen=True)
class Earlier:
    """The answer a follow-up leans on: its weighed candidates as it ranked them (qa/retrieve.Hit), of which it
    cited the first `cited`."""

    hits: tuple
    cited: int

    @property
    def rows(self) -> tuple[int, ...]:
        """The rows it cited, best first."""
        return tuple(h.row for h in self.hits[: self.cited])

    @property
    def first(self):
        """The first dated record it cited, or None."""
        return next((h.record for h in self.hits[: self.cited] if not h.record.undated), None)


def order_range(anchor, way: int) -> tuple[date | None, date | None]:
    """The period after (or before) a record: open on the far side, and including the record's own dates, since
    the next event may fall on the same day."""
    return (anchor.date.start, None) if way > 0 else (None, anchor.date.end)


def nearest(starts: np.ndarray, ends: np.ndarray, earlier: Earlier, way: int, limit: int) -> list[int]:
    """The rows in the direction of the move, nearest the earlier answer's first record first (its own rows
    out)."""
    from .dates import meets

    anchor = earlier.first
    found = np.flatnonzero(meets(starts, ends, *order_range(anchor, way)))
    edge = starts[found] if way > 0 else ends[found]
    at = np.datetime64(anchor.date.start if way > 0 else anchor.date.end, "D")
    order = found[np.argsort(np.abs((edge - at).astype(np.int64)), kind="stable")]
    mine = set(earlier.rows)
    return [int(r) for r in order[: limit + len(mine)] if int(r) not in mine][:limit]


@dataclass(frozen=True)
class Leaning:
    """What the earlier answer changes in a follow-up's retrieval."""

    date_from: date | None
    date_to: date | None
    lists: tuple[tuple[tuple[int, ...], float], ...] = ()  # extra ranked rows for the fusion, with their weight
    exclude: frozenset[int] = frozenset()                  # rows that cannot answer (the earlier answer's own)
    thread: str = ""    # a move from the record cited before: its title, the topic in place of the question before
    rest: str = ""      # ... and the follow-up without the words of the move
    same: bool = False  # no topic of its own: the earlier answer's records answer it


def lean(query, earlier: Earlier, index, depth: int) -> Leaning:
    """How a follow-up leans on the earlier answer (see the module's docstring): query is qa/query.Query with
    the dates it was given (its own, or the earlier question's), index the store (qa/stores/) it is asked of."""
    from .qdates import find_shift, shifted

    keep = Leaning(query.date_from, query.date_to)
    if query.time_said or not earlier.rows:
        return keep
    anchor = earlier.first
    shift = find_shift(query.text)  # the earlier question named no dates, or the shift would have moved them
    if shift is not None:
        if anchor is None:
            return keep
        lo, hi = shifted(anchor.date.start, anchor.date.end, shift)
        return _thread(earlier, index, depth, lo, hi, (), shift.rest)
    order = find_order(query.text)
    if order is not None and anchor is not None:
        lo, hi = order_range(anchor, order.way)
        near = tuple(nearest(index.starts, index.ends, earlier, order.way, depth))
        return _thread(earlier, index, depth, lo, hi, ((near, NEAR_WEIGHT),), order.rest)
    if not query.names and not query.terms:
        return Leaning(query.date_from, query.date_to, same=True)
    return keep


def _thread(earlier: Earlier, index, depth: int, lo: date | None, hi: date | None, lists: tuple,
            rest: str) -> Leaning:
    """A move from the record cited before: the records in [lo, hi] most like it (the same traveller, the same
    series) count in the fusion, and the record stands for the topic."""
    first = earlier.hits[0]
    rows, _ = index.dense(index.vectors([first.row])[0], depth + len(earlier.rows), index.within(lo, hi))
    like = tuple(int(r) for r in rows if int(r) not in earlier.rows)
    record = first.record
    return Leaning(lo, hi, (*lists, (like, LIKE_WEIGHT)), frozenset(earlier.rows),
                   thread=record.title if record.title else record.summary[:THREAD_CHARS], rest=rest)


def threaded(query, leaning: Leaning, keywords, names, *, dates: bool = True, variants: bool = True):
    """A follow-up that moves from the record cited before, read with that record as its topic: its own words
    (the move taken out) and the record's title are embedded, and the record's names stand for the question
    before it in the keyword match and the support model."""
    from dataclasses import replace

    from .query import analyze, names_in

    own = analyze(leaning.rest, keywords, names, dates=dates, variants=variants)
    held = names_in(leaning.thread, names, keywords.vocabulary) if variants else []
    spellings = sorted({t for n in held for s in n.spellings for t in s} - set(own.tokens))
    return replace(query, match_text=f"{own.match_text} ({leaning.thread})", terms=own.terms,
                   tokens=own.tokens + spellings, context=held, context_terms=[], context_share=1.0)
