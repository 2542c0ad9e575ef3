"""The collection browser over a loaded index: search, order, filters and pages, reading only the page's
records; and example questions made from a collection's own records."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from qa import collection
from qa.collection import BrowseRequest, browse, collection_column, made_examples
from qa.dates import parse_date
from qa.records import Record, record_id
from qa.table import RecordTable, date_columns, record_lines, scan
from qa.text import tokens


def test_the_seed_collection_pages_in_date_order(seed_archive):
    page = seed_archive.browse(BrowseRequest(per_page=8))
    assert (page.total, page.pages, page.page, page.sort) == (20, 3, 1, "date")
    assert [r.date.text for _, r in page.rows][:2] == ["February, 1942", "1945"]
    last = seed_archive.browse(BrowseRequest(per_page=8, page=99))  # past the end: the last page
    assert last.page == 3 and len(last.rows) == 4 and last.rows[-1][1].date.text == "July 11, 1948"
    newest = seed_archive.browse(BrowseRequest(sort="date-desc", per_page=3))
    assert [r.date.text for _, r in newest.rows] == ["July 11, 1948", "May 22, 1948", "April 12, 1948"]
    assert page.collections == ["Wilson Center Digital Archive: Korea, 1942–1948"]


def test_search_uses_the_keyword_index_and_orders_by_best_match(seed_archive):
    page = seed_archive.browse(BrowseRequest("uranium prospecting"))
    assert page.sort == "relevance" and page.total >= 2
    scores = seed_archive.current.keywords.scores(tokens("uranium prospecting"))
    assert [row for row, _ in page.rows] == sorted(np.flatnonzero(scores > 0), key=lambda i: -scores[i])
    assert seed_archive.browse(BrowseRequest("zebra")).total == 0
    by_title = seed_archive.browse(BrowseRequest("telegram", sort="title"))
    titles = [r.title for _, r in by_title.rows]
    assert titles == sorted(titles, key=str.casefold) and by_title.sort == "title"
    one = by_title.rows[0][1]
    assert [r.id for _, r in seed_archive.browse(BrowseRequest(one.id.upper())).rows] == [one.id]


def test_date_range_and_collection_filters(seed_archive):
    october = seed_archive.browse(BrowseRequest(date_from=date(1947, 10, 1), date_to=date(1947, 10, 31)))
    assert october.total == 8 and all(r.date.text.startswith("October") for _, r in october.rows)
    only = seed_archive.browse(BrowseRequest(collection="Wilson Center Digital Archive: Korea, 1942–1948"))
    assert only.total == 20
    assert seed_archive.browse(BrowseRequest(collection="Another archive")).total == 0


def test_title_order_over_too_many_matches_says_so_and_keeps_date_order(seed_archive, monkeypatch):
    monkeypatch.setattr(collection, "TITLE_SORT_LIMIT", 5)
    page = seed_archive.browse(BrowseRequest(sort="title"))
    assert page.sort == "date" and "Title order works on up to 5 records and 20 match" in page.note


def _synthetic_index(folder: Path, n: int):
    """A loaded index of n generated records without vectors: the records file, dates, keywords."""
    from qa.keywords import KeywordIndex

    words = ["harbour", "lamp", "storm", "tide", "ledger", "cargo", "customs", "pilot", "wreck", "quay"]
    rng = np.random.default_rng(5)
    days = np.datetime64("1850-01-01") + rng.integers(0, 365 * 100, n).astype("timedelta64[D]")
    records = []
    for i in range(n):
        text = days[i].astype(date).isoformat() if i % 50 else "undated"
        title = f"Entry {i} on the {words[i % 10]} and the {words[(i * 7) % 10]}"
        summary = f"Record {i} of the {words[(i * 3) % 10]} book."
        d = parse_date(text)
        records.append(Record(record_id(d.text, title, summary), d, title, summary, "gen.jsonl", i + 1,
                              {"collection": f"Port {i % 3}"}))
    build = folder / "build-x"
    build.mkdir()
    (build / "records.jsonl").write_bytes(record_lines(records))
    dates = date_columns(records)
    keywords = KeywordIndex.build(records)
    return _loaded(build, dates, keywords)


def _loaded(build: Path, dates: np.ndarray, keywords=None):
    """A loaded index over build/records.jsonl without vectors, names or a manifest: what browsing reads."""
    from qa.store import LoadedIndex

    found = scan(build / "records.jsonl")
    table = RecordTable(build / "records.jsonl", found.offsets, found.ids)
    return LoadedIndex(build, None, None, table, keywords, None, dates[:, 0].copy(), dates[:, 1].copy())


# The README's figures at a million records come from this test with BIG set to 1_000_000 (about 3 minutes).
BIG = 100_000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    return _synthetic_index(tmp_path_factory.mktemp("browse"), BIG)


def test_a_page_of_a_large_collection_reads_only_its_records_and_is_fast(big, monkeypatch):
    n = len(big.records)
    codes, names = collection_column(big)  # once per build, cached
    assert names == ["Port 0", "Port 1", "Port 2"] and (codes == np.arange(n) % 3).all()
    reads = []
    real = RecordTable.__getitem__
    monkeypatch.setattr(RecordTable, "__getitem__", lambda self, i: (reads.append(i), real(self, i))[1])
    requests = [BrowseRequest(), BrowseRequest(sort="date-desc", page=7),
                BrowseRequest("storm ledger", date_from=date(1900, 1, 1), date_to=date(1920, 12, 31)),
                BrowseRequest(collection="Port 2", date_from=date(1870, 1, 1), page=3)]
    timings = []
    for request in requests:
        reads.clear()
        t0 = time.perf_counter()
        page = browse(big, request)
        timings.append(time.perf_counter() - t0)
        assert len(reads) == len(page.rows) <= 25  # the page's records, and no others
        starts = np.array([r.date.start or date.max for _, r in page.rows])
        if request.sort == "date-desc":
            assert (starts[:-1] >= starts[1:]).all()
        elif not request.text:
            assert (starts[:-1] <= starts[1:]).all()
        if request.collection:
            assert {r.metadata["collection"] for _, r in page.rows} == {"Port 2"}
        if request.date_from:
            assert all(r.date.end >= request.date_from for _, r in page.rows)
    expected = int(((big.starts >= np.datetime64("1900-01-01")) & (big.starts <= np.datetime64("1920-12-31"))
                    & (big.keywords.scores(tokens("storm ledger")) > 0)).sum())
    assert browse(big, requests[2]).total == expected
    print(f"\nbrowse over {n:,} records: " + ", ".join(f"{t * 1000:.0f} ms" for t in timings))
    assert max(timings[1:]) < 1.0  # the first pays for the date order, once per build


def test_examples_made_from_records_use_their_titles_and_busiest_month(big):
    made = made_examples(big)
    assert len(made) == 4 and made[0].startswith("What is there from ")
    assert all(q.startswith("What do the records say about “Entry ") for q in made[1:])


def test_collection_names_with_quotes_backslashes_and_other_scripts_are_read_back(tmp_path):
    names = ['Smith "Papers" \\ box', "한국 문서", "", 'Summary says "collection": "fake"']
    records = []
    for i, name in enumerate(names * 3):
        d = parse_date("1950")
        meta = {"collection": name} if name and not name.startswith("Summary") else {}
        summary = 'It mentions "collection": "fake" in its text.' if name.startswith("Summary") else "Plain."
        records.append(Record(record_id(d.text, f"T{i}", summary), d, f"T{i}", summary, "f", i + 1, meta))
    build = tmp_path / "build-y"
    build.mkdir()
    (build / "records.jsonl").write_bytes(record_lines(records))
    index = _loaded(build, date_columns(records))
    codes, shown = collection_column(index)
    assert sorted(shown) == sorted(['Smith "Papers" \\ box', "한국 문서"])
    assert [shown[c] if c >= 0 else None for c in codes] == [r.metadata.get("collection") for r in records]
