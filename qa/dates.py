"""Record dates as archivists write them, read at their real precision (day, month or year)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from .errors import DateError

MONTHS: dict[str, int] = {}
for _i in range(1, 13):
    MONTHS[calendar.month_name[_i].lower()] = _i
    MONTHS[calendar.month_abbr[_i].lower()] = _i
MONTHS["sept"] = 9

UNDATED = {"", "n.d.", "n.d", "nd", "n. d.", "undated", "no date", "s.d.", "unknown", "date unknown"}

_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_FORMS = [
    re.compile(r"^(?P<year>\d{4})$"),
    re.compile(r"^(?P<year>\d{4})-(?P<m>\d{1,2})$"),
    re.compile(r"^(?P<year>\d{4})-(?P<m>\d{1,2})-(?P<day>\d{1,2})$"),
    re.compile(rf"^{_MONTH},?\s+(?P<year>\d{{4}})$"),
    re.compile(rf"^{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})$"),
    re.compile(rf"^(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<year>\d{{4}})$"),
]
_CIRCA = re.compile(r"^(?:circa|ca\.?|c\.)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class RecordDate:
    """A date as written plus what it means: ISO text at its precision and the first and last day."""

    text: str
    iso: str | None = None
    start: date | None = None
    end: date | None = None
    precision: str | None = None  # "day", "month", "year"; None when undated

    @property
    def undated(self) -> bool:
        return self.iso is None


def parse_date(text: str) -> RecordDate:
    """Read a record's date; raise DateError naming the problem when it is not a real date."""
    raw = text.strip()
    cleaned = _CIRCA.sub("", " ".join(raw.split()))
    if cleaned.lower() in UNDATED or raw.lower() in UNDATED:
        return RecordDate(text=raw)
    for form in _FORMS:
        m = form.match(cleaned)
        if m:
            return _build(raw, m.groupdict())
    raise DateError(
        f"unrecognised date {raw!r}: write it like 'December 10, 1945', 'February, 1942', "
        "'1945', '1945-12-10', or 'n.d.' when undated"
    )


def _build(raw: str, parts: dict[str, str | None]) -> RecordDate:
    year = int(parts["year"])  # type: ignore[arg-type]
    if year < 1:
        raise DateError(f"impossible date {raw!r}: year {year}")
    month: int | None = None
    if parts.get("month"):
        name = parts["month"].lower()  # type: ignore[union-attr]
        if name not in MONTHS:
            raise DateError(f"unrecognised month {parts['month']!r} in date {raw!r}")
        month = MONTHS[name]
    elif parts.get("m"):
        month = int(parts["m"])  # type: ignore[arg-type]
        if not 1 <= month <= 12:
            raise DateError(f"impossible date {raw!r}: there is no month {month}")
    day = int(parts["day"]) if parts.get("day") else None
    if month is None:
        return RecordDate(raw, f"{year:04d}", date(year, 1, 1), date(year, 12, 31), "year")
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return RecordDate(raw, f"{year:04d}-{month:02d}", date(year, month, 1), date(year, month, last), "month")
    if not 1 <= day <= last:
        raise DateError(
            f"impossible date {raw!r}: {calendar.month_name[month]} {year} has {last} days"
        )
    d = date(year, month, day)
    return RecordDate(raw, d.isoformat(), d, d, "day")


def parse_bound(text: str, *, end: bool) -> date:
    """Read a --from/--to bound at any precision: the first day it can mean, or the last when end."""
    rd = parse_date(text)
    if rd.undated:
        raise DateError(f"{text!r} is not a date bound: give a year, a month or a day")
    return rd.end if end else rd.start  # type: ignore[return-value]


def meets(starts: np.ndarray, ends: np.ndarray, date_from: date | None, date_to: date | None) -> np.ndarray:
    """Which records' own ranges [starts, ends] meet [date_from, date_to]: the one rule of every date filter.

    starts and ends are datetime64[D] arrays, NaT for an undated record. An undated record meets no range;
    with neither bound given every record meets it. A record dated 1945 meets any range inside 1945.
    """
    if date_from is None and date_to is None:
        return np.ones(np.shape(starts), dtype=bool)
    ok = ~np.isnat(starts)
    if date_from is not None:
        ok &= ends >= np.datetime64(date_from, "D")
    if date_to is not None:
        ok &= starts <= np.datetime64(date_to, "D")
    return ok


def inside(starts: np.ndarray, ends: np.ndarray, date_from: date | None, date_to: date | None) -> np.ndarray:
    """Which records' own ranges [starts, ends] lie wholly inside [date_from, date_to] (a bound not given is
    open): a record dated 1951 meets December 1951 but is not inside it. An undated record is inside none."""
    ok = ~np.isnat(starts)
    if date_from is not None:
        ok &= starts >= np.datetime64(date_from, "D")
    if date_to is not None:
        ok &= ends <= np.datetime64(date_to, "D")
    return ok


def _one(when: RecordDate) -> tuple[np.ndarray, np.ndarray]:
    """One record's date as the one-element start and end arrays meets() and inside() read."""
    nat = np.datetime64("NaT", "D")
    return (np.array([np.datetime64(when.start, "D") if when.start else nat]),
            np.array([np.datetime64(when.end, "D") if when.end else nat]))


def within(when: RecordDate, date_from: date | None, date_to: date | None) -> bool:
    """Whether one record's date lies wholly inside [date_from, date_to], by inside()."""
    return bool(inside(*_one(when), date_from, date_to)[0])


def overlaps(when: RecordDate, date_from: date | None, date_to: date | None) -> bool:
    """Whether one record's date meets [date_from, date_to], by meets()."""
    return bool(meets(*_one(when), date_from, date_to)[0])
