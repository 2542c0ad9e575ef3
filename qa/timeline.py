"""Time coverage: the stretches of a date range that no record covers, and the timeline plot of the web app."""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np

from .dates import meets

MAX_MONTHS = 240  # ranges longer than twenty years are summarised by year in the plot and not listed as gaps


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


def figure(starts: np.ndarray, cited: list[tuple[date, str]], *, title: str = ""):
    """A matplotlib figure: the collection's records per month (or year) as bars, the cited records as marks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 2.6), dpi=100)
    dated = starts[~np.isnat(starts)]
    if dated.size:
        span_months = int((dated.max().astype("datetime64[M]") - dated.min().astype("datetime64[M]")).astype(int))
        unit = "M" if span_months <= MAX_MONTHS else "Y"
        bins, counts = np.unique(dated.astype(f"datetime64[{unit}]"), return_counts=True)
        width = 25 if unit == "M" else 300
        ax.bar(bins.astype("datetime64[D]").astype(date), counts, width=width, color="#9ab",
               label=f"records per {'month' if unit == 'M' else 'year'} in the collection")
        top = counts.max()
    else:
        top = 1
    if cited:
        xs = [d for d, _ in cited]
        ax.scatter(xs, [top * 1.15] * len(xs), marker="v", color="#d62", zorder=3, label="cited in the answer")
        for d, label in cited:
            ax.annotate(label, (d, top * 1.15), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=7)
    ax.set_ylim(0, top * 1.4)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_yticks([])
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    plt.close(fig)
    return fig
