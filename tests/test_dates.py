from datetime import date

import pytest

from qa.dates import overlaps, parse_bound, parse_date, within
from qa.errors import DateError


@pytest.mark.parametrize("text, iso, start, end, precision", [
    ("1945", "1945", date(1945, 1, 1), date(1945, 12, 31), "year"),
    ("February, 1942", "1942-02", date(1942, 2, 1), date(1942, 2, 28), "month"),
    ("February 1944", "1944-02", date(1944, 2, 1), date(1944, 2, 29), "month"),
    ("December 10, 1945", "1945-12-10", date(1945, 12, 10), date(1945, 12, 10), "day"),
    ("April 02, 1946", "1946-04-02", date(1946, 4, 2), date(1946, 4, 2), "day"),
    ("May 7, 1876", "1876-05-07", date(1876, 5, 7), date(1876, 5, 7), "day"),
    ("Sept. 3, 1947", "1947-09-03", date(1947, 9, 3), date(1947, 9, 3), "day"),
    ("20 October 1947", "1947-10-20", date(1947, 10, 20), date(1947, 10, 20), "day"),
    ("1947-10-30", "1947-10-30", date(1947, 10, 30), date(1947, 10, 30), "day"),
    ("1947-10", "1947-10", date(1947, 10, 1), date(1947, 10, 31), "month"),
    ("circa 1946", "1946", date(1946, 1, 1), date(1946, 12, 31), "year"),
    ("  October   29,  1947 ", "1947-10-29", date(1947, 10, 29), date(1947, 10, 29), "day"),
])
def test_every_date_form_at_its_precision(text, iso, start, end, precision):
    d = parse_date(text)
    assert (d.iso, d.start, d.end, d.precision) == (iso, start, end, precision)
    assert d.text == text.strip()
    assert not d.undated


@pytest.mark.parametrize("text", ["", "n.d.", "undated", "Undated", "N.D.", "no date", "  "])
def test_undated_forms_are_kept_and_marked(text):
    d = parse_date(text)
    assert d.undated and d.iso is None and d.start is None and d.precision is None


@pytest.mark.parametrize("text, says", [
    ("February 30, 1947", "February 1947 has 28 days"),
    ("February 29, 1947", "February 1947 has 28 days"),
    ("April 31, 1948", "April 1948 has 30 days"),
    ("1946-13", "there is no month 13"),
    ("1946-02-30", "has 28 days"),
    ("Smarch 12, 1947", "unrecognised month 'Smarch'"),
    ("yesterday", "unrecognised date 'yesterday'"),
    ("12/10/1945", "unrecognised date"),
])
def test_impossible_or_unknown_dates_say_why(text, says):
    with pytest.raises(DateError) as e:
        parse_date(text)
    assert says in str(e.value)


def test_leap_day_is_a_real_date():
    assert parse_date("February 29, 1948").iso == "1948-02-29"


def test_bounds_take_the_first_or_last_day_of_their_precision():
    assert parse_bound("1947", end=False) == date(1947, 1, 1)
    assert parse_bound("1947", end=True) == date(1947, 12, 31)
    assert parse_bound("October 1947", end=True) == date(1947, 10, 31)
    with pytest.raises(DateError):
        parse_bound("n.d.", end=False)


def test_the_date_filter_rule_against_day_by_day_brute_force():
    import numpy as np

    from qa.dates import meets, overlaps

    rng = np.random.default_rng(5)
    first = date(1946, 1, 1).toordinal()
    spans = []
    for _ in range(300):
        a = first + int(rng.integers(0, 900))
        spans.append(None if rng.random() < 0.1 else (a, a + int(rng.integers(0, 400))))
    nat = np.datetime64("NaT", "D")
    starts = np.array([np.datetime64(date.fromordinal(s[0]), "D") if s else nat for s in spans])
    ends = np.array([np.datetime64(date.fromordinal(s[1]), "D") if s else nat for s in spans])
    for _ in range(60):
        lo = first + int(rng.integers(-50, 1000))
        hi = lo + int(rng.integers(0, 300))
        for f, t in [(lo, hi), (lo, None), (None, hi), (None, None)]:
            days = set(range(first - 100 if f is None else f, (first + 2000 if t is None else t) + 1))
            # brute force: a dated record is kept when one of its days is a day of the range
            want = [(f is None and t is None)
                    or (s is not None and any(d in days for d in range(s[0], s[1] + 1))) for s in spans]
            got = meets(starts, ends, f and date.fromordinal(f), t and date.fromordinal(t))
            assert got.tolist() == want
    year = parse_date("1945")
    assert overlaps(year, date(1945, 8, 15), date(1945, 8, 15)) and not overlaps(year, date(1946, 1, 1), None)
    undated = parse_date("n.d.")
    assert overlaps(undated, None, None) and not overlaps(undated, date(1945, 1, 1), None)


@pytest.mark.parametrize("text, lo, hi, meets_it, inside_it", [
    ("December 3, 1951", date(1951, 12, 1), date(1951, 12, 31), True, True),
    ("December, 1951", date(1951, 12, 1), date(1951, 12, 31), True, True),
    ("1951", date(1951, 12, 1), date(1951, 12, 31), True, False),     # may or may not be from December
    ("1951", date(1951, 1, 1), None, True, True),                     # an open bound
    ("1951", None, date(1951, 6, 30), True, False),
    ("November 30, 1951", date(1951, 12, 1), date(1951, 12, 31), False, False),
    ("n.d.", date(1951, 12, 1), date(1951, 12, 31), False, False),     # undated: inside nothing
])
def test_a_record_meets_a_period_or_lies_wholly_inside_it(text, lo, hi, meets_it, inside_it):
    when = parse_date(text)
    assert overlaps(when, lo, hi) is meets_it and within(when, lo, hi) is inside_it
