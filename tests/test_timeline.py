"""Months with no records: the vectorised stretches equal a month-by-month count, and the plot draws."""

from datetime import date

import numpy as np

from qa.timeline import describe_stretch, empty_stretches, figure


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


def test_stretches_read_as_months_and_the_plot_draws():
    assert describe_stretch(date(1947, 6, 1), date(1947, 9, 30)) == "June–September 1947"
    assert describe_stretch(date(1947, 12, 1), date(1948, 1, 31)) == "December 1947–January 1948"
    starts = np.array(["1947-10-29", "1948-04-12", "NaT"], dtype="datetime64[D]")
    fig = figure(starts, [(date(1947, 10, 29), "[1]")])
    assert [t.get_text() for t in fig.axes[0].texts] == ["[1]"]
