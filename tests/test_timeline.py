"""Months with no records against a month-by-month count; the timeline at any density."""

from datetime import date

import numpy as np
import pytest

from qa.timeline import MAX_MARKS, MAX_TICKS, describe_stretch, empty_stretches, timeline


def _months(a: date, b: date) -> set[tuple[int, int]]:
    out, y, m = set(), a.year, a.month
    while (y, m) <= (b.year, b.month):
        out.add((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_empty_stretches_equal_a_month_by_month_count():
    rng = np.random.default_rng(3)
    starts = np.datetime64("1940-01-01") + rng.integers(0, 3650, 300).astype("timedelta64[D]")
    ends = starts + rng.integers(0, 200, 300).astype("timedelta64[D]")
    starts[::17] = np.datetime64("NaT")
    ends[::17] = np.datetime64("NaT")
    for lo, hi in [(date(1942, 3, 5), date(1945, 8, 1)), (date(1939, 1, 1), date(1941, 12, 31)),
                   (date(1949, 6, 1), None)]:
        got = set()
        for a, b in empty_stretches(starts, ends, lo, hi):
            got |= _months(a, b)
        covered = set()
        for s, e in zip(starts, ends):
            if not np.isnat(s):
                covered |= _months(s.astype(date), e.astype(date))
        top = hi or ends[~np.isnat(ends)].max().astype(date)
        assert got == _months(lo, top) - covered


def test_stretches_read_as_months():
    assert describe_stretch(date(1947, 6, 1), date(1947, 9, 30)) == "June–September 1947"
    assert describe_stretch(date(1947, 12, 1), date(1948, 1, 31)) == "December 1947–January 1948"


def test_the_timeline_bins_by_month_and_merges_citations_of_a_month_into_one_marker():
    starts = np.array(["1942-02-01", "1947-10-29", "1947-10-20", "1947-10-12", "1948-04-12", "NaT"],
                      dtype="datetime64[D]")
    t = timeline(starts, [(date(1947, 10, 29), 1), (date(1947, 10, 20), 2), (date(1947, 10, 12), 3),
                          (date(1948, 4, 12), 4)])
    assert t.unit == "month" and len(t.bins) == 75 and t.undated == 1
    assert t.bins[0].period == "1942-02" and t.bins[0].label == "February 1942" and t.bins[0].count == 1
    october = next(b for b in t.bins if b.period == "1947-10")
    assert october.count == 3 and october.cited == (1, 2, 3)
    assert [(m.cited, m.label) for m in t.marks] == [((1, 2, 3), "October 1947"), ((4,), "April 1948")]
    assert [label for _, label in t.ticks] == ["1942", "1943", "1944", "1945", "1946", "1947", "1948"]


@pytest.mark.parametrize("days,unit", [(3650, "month"), (365 * 60, "year"), (365 * 900, "decade")])
def test_labels_and_markers_never_crowd_at_any_density(days, unit):
    rng = np.random.default_rng(1)
    starts = np.datetime64("1100-01-01") + rng.integers(0, days, 5000).astype("timedelta64[D]")
    cited = [(starts[i].astype(date), i + 1) for i in range(300)]
    t = timeline(starts, cited)
    assert t.unit == unit and sum(b.count for b in t.bins) == 5000
    assert len(t.ticks) <= MAX_TICKS + 1
    gaps = np.diff([i for i, _ in t.ticks])
    assert (gaps >= len(t.bins) / (MAX_TICKS + 2)).all()  # evenly spread: labels a fixed share apart
    assert len(t.marks) <= MAX_MARKS and sum(len(m.cited) for m in t.marks) == 300
    assert all(a.last < b.first for a, b in zip(t.marks, t.marks[1:]))  # markers never share a bin


def test_an_undated_collection_has_no_bins():
    t = timeline(np.array(["NaT", "NaT"], dtype="datetime64[D]"), [])
    assert t.bins == [] and t.undated == 2
