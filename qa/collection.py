"""The collection as a whole: browsing its records a page at a time, and example questions that fit it.

Everything here works over a loaded index (any store: qa/stores/) without loading its records: filters and
orders come from the store's date arrays, keyword scores and collection column, and only the records of the
page shown are read (from the on-disk table of a folder index, in one query from Milvus).
"""

from __future__ import annotations

import calendar
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from .dates import meets
from .records import Record, read_examples
from .stores import Store
from .text import tokens

PER_PAGE = 25
# Title order needs every matching title read from disk; above this many matches the page says so and keeps
# date order (5,000 titles read in ~50 ms; a million would take ~10 s).
TITLE_SORT_LIMIT = 5000
SORTS = {"relevance": "best match first (oldest first when not searching)", "date": "oldest first",
         "date-desc": "newest first", "title": "title, A to Z"}
EXAMPLES = 4
_ID = re.compile(r"[0-9a-fA-F]{16}")


@dataclass(frozen=True)
class BrowseRequest:
    """What the collection browser asks for: words, a date range, a collection, an order and a page."""

    text: str = ""
    date_from: date | None = None
    date_to: date | None = None
    collection: str = ""   # "" for every collection
    sort: str = ""         # a key of SORTS; "" or "relevance": best match when searching, else oldest first
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class BrowsePage:
    """One page of matching records, with where it sits among them."""

    rows: list[tuple[int, Record]]   # (row in the index, record), in the order asked for
    total: int                       # records matching, over every page
    page: int
    pages: int
    sort: str                        # the order applied
    note: str = ""                   # why the order asked for was not applied, when it was not
    collections: list[str] = field(default_factory=list)  # every collection of the index, for the filter


class _PerBuild:
    """Values worked out once per build (builds never change in place), for the last two builds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, str], object] = {}

    def get(self, index: Store, what: str, make):
        key = (index.location, what)
        with self._lock:
            if key in self._values:
                return self._values[key]
        value = make()
        with self._lock:
            builds = {k[0] for k in self._values}
            if len(builds) >= 2 and key[0] not in builds:
                self._values.clear()
            self._values[key] = value
        return value


_cache = _PerBuild()


def collection_column(index: Store) -> tuple[np.ndarray, list[str]]:
    """Each row's collection as a code into the sorted list of collections (-1 for none), read once per build
    (a folder index: one pass over the records file's bytes, no record parsed; about 2 s at a million)."""
    return _cache.get(index, "collections", index.records.collections)


def date_order(index: Store) -> np.ndarray:
    """Every row, earliest first by first day; undated rows last (a stable sort, so ties keep file order)."""
    return _cache.get(index, "date-order", lambda: np.argsort(index.starts, kind="stable"))


def browse(index: Store, request: BrowseRequest) -> BrowsePage:
    """One page of the records matching a request, in the order asked for; only that page's records are read.

    Words match through the keyword index (BM25): a record matches when it holds one of them, and best match
    comes first. Sixteen hex digits find the record with that id. The date range keeps the records whose own
    range meets it (qa.dates.meets); undated records match no range.
    """
    n = len(index.records)
    codes, names = collection_column(index)
    mask = np.ones(n, dtype=bool)
    if request.date_from is not None or request.date_to is not None:
        mask &= meets(index.starts, index.ends, request.date_from, request.date_to)
    if request.collection:
        wanted = names.index(request.collection) if request.collection in names else -2
        mask &= codes == wanted
    text = " ".join(request.text.split())
    scores = None
    if _ID.fullmatch(text):
        found = np.zeros(n, dtype=bool)
        found[index.records.rows_with_id(text)] = True
        mask &= found
    elif tokens(text):
        scores = index.keyword_scores(tokens(text))
        mask &= scores > 0
    sort = request.sort if request.sort in SORTS else ("relevance" if scores is not None else "date")
    note = ""
    if sort == "relevance" and scores is None:
        sort = "date"
    matching = np.flatnonzero(mask)
    total = int(matching.size)
    if sort == "title" and total > TITLE_SORT_LIMIT:
        note = (f"Title order works on up to {TITLE_SORT_LIMIT:,} records and {total:,} match: shown oldest "
                "first. Narrow the search to sort by title.")
        sort = "date"
    if sort == "relevance":
        order = matching[np.argsort(-scores[matching], kind="stable")]
    elif sort == "title":
        found = index.records.fetch(matching.tolist())
        titles = {int(i): r.title.casefold() for i, r in zip(matching, found)}
        order = np.array(sorted(titles, key=lambda i: (titles[i], i)), dtype=np.int64)
    else:
        order = date_order(index)
        order = order[mask[order]]
        if sort == "date-desc":
            dated = ~np.isnat(index.starts[order])
            order = np.concatenate([order[dated][::-1], order[~dated]])
    per = max(1, min(int(request.per_page), 200))
    pages = max(1, -(-total // per))
    page = min(max(1, int(request.page)), pages)
    shown = [int(i) for i in order[(page - 1) * per: page * per]]
    rows = list(zip(shown, index.records.fetch(shown)))
    return BrowsePage(rows, total, page, pages, sort, note, names)


def busiest_month(index: Store) -> tuple[int, int] | None:
    """The (year, month) that most dated records start in, from the date arrays."""
    dated = index.starts[~np.isnat(index.starts)]
    if not dated.size:
        return None
    months, counts = np.unique(dated.astype("datetime64[M]"), return_counts=True)
    best = months[int(np.argmax(counts))].astype(date)
    return best.year, best.month


def made_examples(index: Store, limit: int = EXAMPLES) -> list[str]:
    """Example questions made from the collection's own records: the titles of a few records spread across it
    turned into questions, and the busiest month as a period to list."""
    n = len(index.records)
    out = []
    month = busiest_month(index)
    if month:
        out.append(f"What is there from {calendar.month_name[month[1]]} {month[0]}?")
    picked: list[str] = []
    seen: set[str] = set()
    spread = np.unique(np.linspace(0, n - 1, min(n, 64)).astype(np.int64)).tolist() if n else []
    for r in index.records.fetch(spread):
        words = r.title.split()
        title = r.title.rstrip(" .;:,")
        if not r.untitled and 2 <= len(words) <= 12 and title.casefold() not in seen:
            seen.add(title.casefold())
            picked.append(title)
    wanted = limit - len(out)
    if picked and wanted > 0:  # one title from each stretch of the collection, the shortest in it
        parts = np.array_split(np.arange(len(picked)), min(wanted, len(picked)))
        shortest = [min((picked[i] for i in part), key=len) for part in parts]
        out += [f"What do the records say about “{title}”?" for title in shortest]
    return out[:limit]


def examples(index: Store, limit: int = EXAMPLES) -> list[str]:
    """The collection's example questions: those it comes with (`# example:` lines in a records file's header,
    or examples.txt beside the records), else questions made from its own records."""
    given = read_examples([Path(s) for s in index.manifest.sources])
    return given[:limit] if given else made_examples(index, limit)
