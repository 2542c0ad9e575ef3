"""Time coverage: the stretches of a date range that no record covers, and the records over time, binned."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .dates import meets

MAX_MONTHS = 240  # ranges longer than twenty years are not listed as gaps


def _month(d: date) -> int:
    return d.year * 12 + d.month - 1


def _from_month(m: int) -> tuple[int, int]:
    return m // 12, m % 12 + 1


def empty_stretches(starts: np.ndarray, ends: np.ndarray, date_from: date | None, date_to: date | None
                    ) -> list[tuple[date, date]]:
    """Whole months inside [date_from, date_to] that no dated record touches, merged into stretches.

    An open end is closed at the collection's first or last record. Empty when the range is too long to list.
    Vectorised: a million records take a few milliseconds.
    """
    dated = ~np.isnat(starts)
    if not dated.any():
        return []
    lo = date_from or starts[dated].min().astype(date)
    hi = date_to or ends[dated].max().astype(date)
    first, last = _month(lo), _month(hi)
    if last < first or last - first + 1 > MAX_MONTHS:
        return []
    inside = meets(starts, ends, lo, hi)
    base = first - 1970 * 12
    a = np.clip(starts[inside].astype("datetime64[M]").astype(np.int64) - base, 0, last - first)
    b = np.clip(ends[inside].astype("datetime64[M]").astype(np.int64) - base, 0, last - first)
    depth = np.zeros(last - first + 2, dtype=np.int64)
    np.add.at(depth, a, 1)
    np.add.at(depth, b + 1, -1)
    covered = np.cumsum(depth)[:-1] > 0
    out, m = [], 0
    while m < covered.size:
        if covered[m]:
            m += 1
            continue
        n = m
        while n + 1 < covered.size and not covered[n + 1]:
            n += 1
        y1, m1 = _from_month(first + m)
        y2, m2 = _from_month(first + n)
        out.append((date(y1, m1, 1), date(y2, m2, calendar.monthrange(y2, m2)[1])))
        m = n + 1
    return out


def describe_stretch(a: date, b: date) -> str:
    """'June–September 1947', 'November 1947', 'December 1947–March 1948'."""
    if (a.year, a.month) == (b.year, b.month):
        return f"{calendar.month_name[a.month]} {a.year}"
    if a.year == b.year:
        return f"{calendar.month_name[a.month]}–{calendar.month_name[b.month]} {a.year}"
    return f"{calendar.month_name[a.month]} {a.year}–{calendar.month_name[b.month]} {b.year}"


@dataclass(frozen=True)
class Bin:
    """One month, year or decade of the timeline: how many records start in it, and which citations."""

    period: str               # what a click asks for: "1947-10", "1947" or "1940s"
    label: str                # "October 1947", "1947", "1940s"
    count: int
    cited: tuple[int, ...] = ()


@dataclass(frozen=True)
class Mark:
    """One marker over a stretch of bins: every citation in it, read as one marker with a count."""

    first: int
    last: int
    cited: tuple[int, ...]
    label: str                # "October 1947" or "October–December 1947"


@dataclass(frozen=True)
class Timeline:
    """The collection's records over time, binned so that any density stays readable."""

    unit: str                                  # "month", "year" or "decade"
    bins: list[Bin] = field(default_factory=list)
    ticks: list[tuple[int, str]] = field(default_factory=list)  # (bin, year) labels, never closer than 1/8th
    marks: list[Mark] = field(default_factory=list)
    undated: int = 0


MONTHS_LIMIT = 120   # up to ten years by month; longer by year
YEARS_LIMIT = 200    # up to two centuries by year; longer by decade
MAX_TICKS = 8        # year labels along the axis: at most this many, evenly spaced, so they never overlap
MAX_MARKS = 28       # citation markers: at most this many slots across, so two markers never touch
_STRIDES = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


def _bin_label(unit: str, start: np.datetime64) -> tuple[str, str]:
    d = start.astype("datetime64[D]").astype(date)
    if unit == "month":
        return f"{d.year:04d}-{d.month:02d}", f"{calendar.month_name[d.month]} {d.year}"
    if unit == "year":
        return f"{d.year:04d}", f"{d.year}"
    return f"{d.year:04d}s", f"{d.year}s"


def timeline(starts: np.ndarray, cited: list[tuple[date, int]], *, max_marks: int = MAX_MARKS) -> Timeline:
    """Bin the records' first days by month (up to ten years), year or decade, and place the cited records.

    cited holds (first day, citation number) for each dated citation. Citations in the same stretch of bins
    share one marker, and there are at most max_marks stretches across, so markers never overlap.
    """
    dated = starts[~np.isnat(starts)]
    undated = int(starts.size - dated.size)
    if not dated.size:
        return Timeline("month", undated=undated)
    lo, hi = dated.min(), dated.max()
    months = int((hi.astype("datetime64[M]") - lo.astype("datetime64[M]")).astype(int)) + 1
    years = int((hi.astype("datetime64[Y]") - lo.astype("datetime64[Y]")).astype(int)) + 1
    unit = "month" if months <= MONTHS_LIMIT else "year" if years <= YEARS_LIMIT else "decade"

    def index_of(values: np.ndarray) -> np.ndarray:
        if unit == "month":
            return (values.astype("datetime64[M]") - lo.astype("datetime64[M]")).astype(np.int64)
        y = values.astype("datetime64[Y]").astype(np.int64) + 1970
        base = int(lo.astype("datetime64[Y]").astype(np.int64)) + 1970
        return (y - base) if unit == "year" else (y // 10 - base // 10)

    size = months if unit == "month" else years if unit == "year" else int(index_of(np.array([hi]))[0]) + 1
    counts = np.bincount(index_of(dated), minlength=size)
    where: dict[int, list[int]] = {}
    for day, n in cited:
        where.setdefault(int(index_of(np.array([np.datetime64(day, "D")]))[0]), []).append(n)
    bins = []
    for i in range(size):
        if unit == "month":
            start = lo.astype("datetime64[M]") + i
        elif unit == "year":
            start = lo.astype("datetime64[Y]") + i
        else:
            first_year = int(lo.astype("datetime64[Y]").astype(np.int64)) + 1970
            start = np.datetime64(f"{first_year // 10 * 10 + 10 * i:04d}", "Y")
        period, label = _bin_label(unit, start)
        bins.append(Bin(period, label, int(counts[i]), tuple(sorted(where.get(i, [])))))
    return Timeline(unit, bins, _ticks(bins, unit), _marks(bins, max_marks), undated)


def _ticks(bins: list[Bin], unit: str) -> list[tuple[int, str]]:
    """Year labels at year starts, every 1, 2, 5, 10, ... years: at most MAX_TICKS, so they never overlap."""
    first_year, last_year = int(bins[0].period[:4]), int(bins[-1].period[:4])
    span = last_year - first_year + 1
    stride = next((s for s in _STRIDES if span / s <= MAX_TICKS), _STRIDES[-1] * (span // 1000 + 1))
    if unit == "decade":
        stride = max(stride, 10)
    out = []
    for i, b in enumerate(bins):
        year = int(b.period[:4])
        starts_year = unit != "month" or b.period.endswith("-01")
        if starts_year and year % stride == 0:
            out.append((i, str(year) if unit != "decade" else f"{year}s"))
    gap = len(bins) / MAX_TICKS
    if not out or out[0][0] >= gap:  # the first bin named too, when there is room before the next label
        out.insert(0, (0, bins[0].period[:4] if unit != "decade" else bins[0].label))
    return out


def _marks(bins: list[Bin], max_marks: int) -> list[Mark]:
    per = -(-len(bins) // max_marks)
    out = []
    for a in range(0, len(bins), per):
        b = min(a + per, len(bins)) - 1
        ns = tuple(sorted(n for x in bins[a:b + 1] for n in x.cited))
        if ns:
            held = [x for x in bins[a:b + 1] if x.cited]
            label = held[0].label if len(held) == 1 else f"{held[0].label} to {held[-1].label}"
            out.append(Mark(a, b, ns, label))
    return out
