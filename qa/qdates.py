"""What a question says about time: the date range it names, and the question with that phrase taken out."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from .dates import MONTHS

# Every phrase holds a core (a year, a decade or "century") and phrases are only looked for near one, so a
# long text costs one fast scan. Only the first MAX_CORES cores and MAX_MATCHES candidate phrases are read:
# a real question has one or two, and the caps keep a pasted megabyte of dates fast. Later text is left in
# `rest` as it is.
MAX_CORES = 256
MAX_MATCHES = 64

# Prepositions that turn a period into an open range (the rest keep the period as it is).
_BEFORE = {"before", "prior to", "before the start of", "before the beginning of"}
_AFTER = {"after", "after the end of"}
_SINCE = {"since", "no earlier than", "on or after", "after the start of", "after the beginning of"}
_UNTIL = {"until", "till", "til", "up to", "through", "thru", "by", "no later than", "on or before", "as of",
          "before the end of", "by the end of", "until the end of", "till the end of", "up to the end of"}
_AT = {"from", "between", "during", "in", "on", "of", "at", "around", "circa", "ca."}  # the period itself
_PREPS = _BEFORE | _AFTER | _SINCE | _UNTIL | _AT
_SPAN_START = _AT | {None}
_LINKS = {"and", "to", "through", "thru", "until", "till", "til", "up to", "-", "–", "—"}

_PART_MONTHS = {  # months of a year (13, 14 are January, February of the next year)
    "spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 14),
    "early": (1, 4), "mid": (5, 8), "late": (9, 12), "first half": (1, 6), "second half": (7, 12),
    "q1": (1, 3), "q2": (4, 6), "q3": (7, 9), "q4": (10, 12),
}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
             "last": 4}
_SAME = {"beginning": "early", "start": "early", "middle": "mid", "end": "late", "early part": "early",
         "latter part": "late", "later part": "late", "latter half": "second half"}
_THIRDS = {"early": (1, 10), "mid": (11, 20), "late": (21, None),  # days of a month; None = its last day
           "first half": (1, 15), "second half": (16, None)}
_TENTHS = {None: (0, 10), "early": (0, 4), "mid": (4, 7), "late": (7, 10),  # of a decade or century
           "first half": (0, 5), "second half": (5, 10)}
_CENTURY_WORDS = ["eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                  "eighteenth", "nineteenth", "twentieth", "twenty-first"]
_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "couple of": 2, "few": 3}
_DECADE_WORDS = ["twenties", "thirties", "forties", "fifties", "sixties", "seventies", "eighties", "nineties"]


def _alt(words) -> str:
    return "|".join(re.escape(w).replace(r"\ ", " ") for w in sorted(words, key=len, reverse=True))


def _year(name: str = "year", tail: bool = True) -> str:
    # A year is 1000-2100 and never part of a longer number ("121973", "1947.5", "1947-13-01"); or two digits
    # after an apostrophe ("the summer of '68"; not the decade "'60s"), read by _short_year.
    return (rf"(?:(?P<{name}>1[0-9]{{3}}|20[0-9]{{2}}|2100)|(?<![\w'’])['’](?P<{name}short>[0-9]{{2}})(?!['’]))"
            + (r"(?!\w|[-–—/.,:][0-9])" if tail else ""))


# A span's link between its two ends ("1944 to", "March -"), from _LINKS; a year of two digits next to one is a
# span's end though no "in" comes before it ("from '44 to '46", "Visits '44-'46").
_LINK = (rf"(?: ?[{re.escape(''.join(sorted(w for w in _LINKS if not w[0].isalpha())))}] ?"
         rf"| (?:{_alt(w for w in _LINKS if w[0].isalpha())}) )")
_SPAN_END = re.compile(rf"(?:(?<![\w'’])['’][0-9]{{2}}|(?<!\w)[0-9]{{4}}){_LINK}\Z")
_SPAN_AHEAD = re.compile(rf"{_LINK}(?:['’][0-9]{{2}}|[0-9]{{4}})(?![\w'’])")


def _short_year(yy: int, today: date | None = None) -> int:
    """The year of "'68": in this century unless that is still to come."""
    this = (today or date.today()).year
    return 2000 + yy if 2000 + yy <= this else 1900 + yy


def _day(name: str = "day") -> str:
    return rf"(?P<{name}>[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\w)"


_MON = rf"(?P<mon>{_alt(MONTHS)})(?:\.|(?!\w))"
_QUALITY = r"(?P<part>early|mid|middle|late|beginning|start|end)"  # of a month, decade or century
# a half of a month, decade or century ("the second half of May 1994", "the latter half of the 1950s")
_HALF = r"(?P<half>first half|second half|latter half|latter part|early part|later part)"
_PART_WORDS = _alt([k for k in _PART_MONTHS if not k.startswith("q")] + list(_SAME))
_PART = rf"(?P<part>{_PART_WORDS}|q[1-4]|(?P<nth>{_alt(_ORDINALS)}) quarter)"
_TO_YEAR = r"(?:, ?| of | )"  # "May 1947", "May, 1947", "May of 1947"
_DASH = r" ?[-–—] ?"
_DAY_LINK = rf"(?:{_DASH}| (?:and|to|through|thru|until|till) )"  # "1-15 May", "1 to 15 May", "May 1 and 15"
_LINK_AHEAD = rf"(?={_LINK})"  # a span's left end

_EDGE = (r"(?:the )?(?P<which>first|opening|early|last|final|closing|late) (?:(?P<n>two|three|four|couple of|few) )?"
         r"(?P<unit>weeks?|days?|fortnight|months?)")
_FORMS = {  # tried in this order at each position; names must not contain "_"
    "iso": _year(tail=False) + r"-(?P<m>0[1-9]|1[0-2])(?:-(?P<d>0[1-9]|[12][0-9]|3[01]))?(?!\w|-[0-9])",
    "ymdnum": _year(tail=False) + r"[/.](?P<m>0?[1-9]|1[0-2])[/.](?P<d>[12][0-9]|3[01]|0?[1-9])(?![\w/.]?[0-9])",
    "dotnum": rf"{_day()[:-6]}\.(?P<m>0?[1-9]|1[0-2])\.{_year()}",  # 29.10.1947: day first
    "slashnum": rf"(?P<a>[0-3]?[0-9])/(?P<b>[0-3]?[0-9])/{_year()}",  # 10/29/1947 or 29/10/1947
    "edgem": rf"{_EDGE}(?: of| in) {_MON}{_TO_YEAR}{_year()}",  # "the last week of October 1947"
    "edgey": rf"{_EDGE}(?: of| in) (?:the year )?{_year()}",  # "the first months of 1948"
    "inyear": rf"(?P<part>early|late|later|mid|middle) in (?:the year )?{_year()}",  # "late in 1947"
    "mdd": rf"{_MON} ?{_day()}{_DAY_LINK}{_day('day2')}(?:, ?| ){_year()}",
    "ddm": rf"{_day()}{_DAY_LINK}{_day('day2')} {_MON}(?:, ?| ){_year()}",
    "mdy": rf"{_MON} ?{_day()}(?:, ?| ){_year()}",
    "dmy": rf"(?:the )?{_day()}(?: of)? {_MON}(?:, ?| ){_year()}",
    "qmy": rf"(?:the )?(?:{_QUALITY}|{_HALF})(?:-| | of ){_MON}{_TO_YEAR}{_year()}",
    "my": rf"{_MON}{_TO_YEAR}{_year()}",
    "decade": rf"(?P<the>the )?(?:{_QUALITY}(?:-| | of the )|{_HALF} of the )?"
              rf"(?:(?P<full>1[0-9]{{2}}0|20[0-9]0)['’]?s|(?P<apos>['’])?(?P<two>[0-9]0)['’]?s"
              rf"|(?P<word>{_alt(_DECADE_WORDS)}))(?!\w)",
    "century": rf"(?:the )?(?:{_QUALITY}(?:-| | of the )|{_HALF} of the )?"
               rf"(?:(?P<n>1[0-9]|2[01])(?:st|nd|rd|th)|(?P<nword>{_alt(_CENTURY_WORDS)}))[- ]century(?!\w)",
    # "the week of March 3, 1950": the week it falls in; "the week beginning ...": the seven days from it
    "week": rf"(?:the )?week (?P<from>of|beginning|starting|commencing)(?: on)? "
            rf"(?:{_MON} ?{_day()}(?:, ?| ){_year('year')}"
            rf"|(?:the )?{_day('dday')}(?: of)? {_MON.replace('mon', 'dmon')}(?:, ?| ){_year('dyear')})",
    "part": rf"(?:the )?{_PART}(?:-| of | |, )(?:the year )?(?:{_year(tail=False)}(?:{_DASH}|/)"
            rf"(?P<next>1[0-9]{{3}}|20[0-9]{{2}}|['’]?[0-9]{{2}})(?!\w|[-–—/.,:][0-9])|{_year('one')})",
    "span": rf"{_year(tail=False)}(?:{_DASH}|(?P<slash>/))(?:{_year('year2')}|(?P<yy>[0-9]{{2}})(?!\w|[-–—/.,:][0-9]))",
    "year": _year(),
    "md": rf"{_MON} ?{_day()}{_LINK_AHEAD}",
    "dm": rf"(?:the )?{_day()}(?: of)? {_MON}{_LINK_AHEAD}",
    "m": rf"{_MON}{_LINK_AHEAD}",
}


def _form(name: str, pattern: str) -> str:
    return f"(?P<{name}>" + re.sub(r"\(\?P<(\w+)>", rf"(?P<{name}_\1>", pattern) + ")"


_SCAN = re.compile(rf"(?<![\w'’])(?=[\w'’])(?:(?P<prep>{_alt(_PREPS)}) )?(?:"
                   + "|".join(_form(n, p) for n, p in _FORMS.items()) + ")", re.IGNORECASE)
_CORE = re.compile(  # a year, "'68", "40s", "forties" or "century"
    rf"(?<!\w)(?:1[0-9]{{3}}|20[0-9]{{2}}|2100)(?![0-9])|(?<![\w'’])['’][0-9]{{2}}(?![\w'’])"
    rf"|[0-9]0['’]?s(?!\w)|(?:{_alt(_DECADE_WORDS)}|century)(?!\w)",
    re.IGNORECASE)
# A period left open by the words after it: "from 1950 onward", "1946 and later", "March 1947 or earlier".
# Except for "onward(s)", the words end a clause ("in 1950 and after the war" is two periods); a bare "on"
# follows "from".
_OPEN_AFTER = re.compile(
    r",? (?:(?P<since>onwards?|forwards?)(?!\w)"
    r"|(?:and (?:after|later|beyond|since)|or (?:after|later)|(?P<on>on))(?=[?.!,;:)]|$)"
    r"|(?P<until>and (?:before|earlier)|or (?:before|earlier))(?=[?.!,;:)]|$))", re.IGNORECASE)
_DOC_NUMBER = re.compile(
    r"(?:(?<!\w)(?:nos?|numbers?|nr|p|pp|pages?|vol|box|file|folder|item|serial)\.?|#) ?\Z", re.IGNORECASE)
_DANGLING_WORD = re.compile(rf"(?:^| )(?:{_alt(_PREPS | {'the', 'with', 'for', 'to', 'about'})})\Z",
                            re.IGNORECASE)
_DANGLING_JOIN = re.compile(r"(?:^| )(?:and|or)\Z", re.IGNORECASE)


@dataclass(frozen=True)
class QuestionDates:
    """The range a question asks about (None = open on that side), the phrase that said so, and the rest."""

    date_from: date | None
    date_to: date | None
    phrase: str  # several phrases are joined with "; "
    rest: str

    @property
    def found(self) -> bool:
        """Whether the question named a time at all."""
        return bool(self.phrase)


@dataclass(frozen=True)
class _Atom:
    start: int
    end: int
    prep: str | None
    lo: date | None  # None for a left end without a year ("from March to May 1947")
    hi: date | None
    partial: tuple[int, int | None] | None = None  # (month, day) awaiting the right end's year


class _Phrase(NamedTuple):
    start: int
    end: int
    lo: date | None
    hi: date | None
    own_prep: bool  # it starts with its preposition ("in May 1947"), so the word before it is the question's


def find_dates(question: str) -> QuestionDates:
    """Read the date range a question names and the question without it; never raises on any text."""
    # Relative phrases ("last year") are deliberately not read: in an archive they usually mean the documents'
    # time, not ours.
    text = " ".join(question.split())
    phrases = _phrases(text, [a for a in (_atom(m, text) for m in _candidates(text)) if a is not None])
    if not phrases:
        return QuestionDates(None, None, "", text)
    return QuestionDates(*_combine([(p.lo, p.hi) for p in phrases]),
                         phrase="; ".join(text[p.start:p.end] for p in phrases), rest=_remove(text, phrases))


def _phrases(text: str, atoms: list[_Atom]) -> list[_Phrase]:
    """Join neighbouring atoms into spans ("from March to May 1947"); apply each remaining preposition."""
    phrases = []
    i = 0
    while i < len(atoms):
        a, b = atoms[i], atoms[i + 1] if i + 1 < len(atoms) else None
        if b is not None and b.lo is not None and b.hi is not None and _links(text, a, b):
            left = _resolve_partial(a, b) if a.partial else (a.lo, a.hi)
            if left is not None:  # ends given the wrong way round are swapped
                lo, hi = min(left[0], b.lo), max(left[1], b.hi)  # type: ignore[type-var]
                phrases.append(_Phrase(a.start, b.end, lo, hi, a.prep is not None))
            i += 2  # a span with an impossible end ("from February 30 to March 5, 1947") names no date
            continue
        if a.partial is None:
            phrases.append(_Phrase(a.start, a.end, *_open(a), a.prep is not None))
        i += 1
    return phrases


def _combine(ranges: list[tuple[date | None, date | None]]) -> tuple[date | None, date | None]:
    """Several phrases: the span over the closed periods narrowed by open bounds; on a clash, over all."""
    closed = [(lo, hi) for lo, hi in ranges if lo is not None and hi is not None]
    first = min(lo for lo, _ in closed) if closed else None
    last = max(hi for _, hi in closed) if closed else None
    lo_bounds = [lo for lo, hi in ranges if hi is None and lo is not None]  # "after", "since"
    hi_bounds = [hi for lo, hi in ranges if lo is None and hi is not None]  # "before", "until"
    lo = max([first] + lo_bounds if first else lo_bounds, default=None)
    hi = min([last] + hi_bounds if last else hi_bounds, default=None)
    if lo is not None and hi is not None and lo > hi:  # "before 1945 or in 1947": the span covering both
        return (None if any(lo is None for lo, _ in ranges) else first,
                None if any(hi is None for _, hi in ranges) else last)
    return lo, hi


def _candidates(text: str) -> Iterator[re.Match[str]]:
    """Candidate phrases in order, each looked for only in a short window around a core."""
    last = found = 0
    for k, core in enumerate(_CORE.finditer(text)):
        if k >= MAX_CORES or found >= MAX_MATCHES:
            return
        if core.end() <= last:
            continue
        # A phrase (with the left end of its span) starts under ~80 characters before its core and ends a
        # few after it; the window is wider than that on both sides.
        for m in _SCAN.finditer(text, max(last, core.start() - 120), core.end() + 40):
            if m.start() >= core.end():
                break  # belongs to a later core: read it in that core's window
            found, last = found + 1, m.end()
            yield m


def _atom(m: re.Match[str], text: str) -> _Atom | None:
    kind = m.lastgroup or ""
    g = {k[len(kind) + 1:]: v for k, v in m.groupdict().items() if v is not None and k.startswith(kind + "_")}
    prep = m.group("prep").casefold() if m.group("prep") else None
    if kind == "year" and "yearshort" in g and prep is None and not _SPAN_END.search(text, 0, m.start()) \
            and not _SPAN_AHEAD.match(text, m.end()):
        return None  # "'45 minutes": a year of two digits needs "in", or a span's left end ("from '44 to '46")
    for key in [k for k in g if k.endswith("short")]:  # "'68"
        g[key[:-len("short")]] = str(_short_year(int(g.pop(key))))
    if prep is None and m.group(kind)[0].isdigit() and _after_number_sign(text, m.start()):
        return None
    try:
        span = _period(kind, g)
    except (ValueError, KeyError, OverflowError):  # "February 30, 1947", a month name case-folded oddly
        return None
    if span is None:
        return None
    if isinstance(span[0], int):
        return _Atom(m.start(), m.end(), prep, None, None, partial=span)  # type: ignore[arg-type]
    end = m.end()
    tail = _OPEN_AFTER.match(text, end)
    if tail and (prep in _AT or prep is None) and not (tail["on"] and prep != "from"):
        prep, end = ("until" if tail["until"] else "since"), tail.end()
    return _Atom(m.start(), end, prep, *span)  # type: ignore[arg-type]


def _after_number_sign(text: str, start: int) -> bool:
    """Whether the digits at start follow "No.", "Nos.", "#", "p." and the like: a document number."""
    return _DOC_NUMBER.search(text[max(0, start - 12):start]) is not None


def _period(kind: str, g: dict[str, str]) -> tuple[date, date] | tuple[int, int | None] | None:
    """First and last day of one time expression, or (month, day) for a span's year-less left end."""
    year = int(g["year"]) if "year" in g else 0
    mon = MONTHS[g["mon"].casefold()] if "mon" in g else 0
    said = " ".join(g.get("part", g.get("half", "")).casefold().split())
    part = _SAME.get(said, said) or None
    if kind == "iso":
        day = int(g["d"]) if "d" in g else None
        return _days(year, int(g["m"]), day, day)
    if kind == "ymdnum":
        return _days(year, int(g["m"]), int(g["d"]), int(g["d"]))
    if kind == "dotnum":
        return _days(year, int(g["m"]), int(g["day"]), int(g["day"]))
    if kind == "slashnum":  # month first unless it cannot be; both readings possible: the span between them
        a, b = int(g["a"]), int(g["b"])
        readings = [date(year, m, d) for m, d in ((a, b), (b, a)) if 1 <= m <= 12 and 1 <= d <= 31
                    and d <= calendar.monthrange(year, m)[1]]
        return (min(readings), max(readings)) if readings else None
    if kind in ("edgem", "edgey"):
        return _edge(year, mon, g)
    if kind == "inyear":
        first, last = _PART_MONTHS[{"later": "late", "middle": "mid"}.get(part or "", part or "")]
        return _days(year, first, None, None)[0], _days(year, last, None, None)[1]
    if kind in ("mdd", "ddm"):
        first, last = sorted((int(g["day"]), int(g["day2"])))
        return _days(year, mon, first, last)
    if kind in ("mdy", "dmy"):
        return _days(year, mon, int(g["day"]), int(g["day"]))
    if kind == "qmy":
        return _days(year, mon, *_THIRDS[part])  # type: ignore[index]
    if kind == "my":
        return _days(year, mon, None, None)
    if kind == "decade":
        if "full" in g:
            base, width = int(g["full"]), 100 if g["full"].endswith("00") else 10  # "1800s": a century
        elif "the" in g or "apos" in g:  # "the 40s", "'40s", "the forties" (not "in his 40s")
            two = int(g["two"]) if "two" in g else 20 + 10 * _DECADE_WORDS.index(g["word"].casefold())
            base, width = 1900 + two, 10
        else:
            return None
        return _fraction(base, width, part)
    if kind == "century":
        n = int(g["n"]) if "n" in g else 11 + _CENTURY_WORDS.index(g["nword"].casefold())
        return _fraction(100 * (n - 1), 100, part)
    if kind == "week":
        if "dyear" in g:
            day = date(int(g["dyear"]), MONTHS[g["dmon"].casefold()], int(g["dday"]))
        else:
            day = date(year, mon, int(g["day"]))
        # "the week of" a day: its week, Monday to Sunday, and the six days after it (the week it begins)
        start = day if g["from"].casefold() != "of" else day - timedelta(days=day.weekday())
        return start, day + timedelta(days=6)
    if kind == "part":
        key = f"q{_ORDINALS[g['nth'].casefold()]}" if "nth" in g else part
        first, last = _PART_MONTHS[key]  # type: ignore[index]
        year = year or int(g["one"])
        if "next" in g:  # "the winter of 1944-45": the winter from the first year into the next
            nxt = g["next"].lstrip("'’")
            end = int(nxt) if len(nxt) == 4 else year // 100 * 100 + int(nxt)
            end += 100 if end <= year and len(nxt) == 2 else 0
            if not year < end <= year + 10:
                return None
            if end != year + 1 or last <= 12:  # "early 1947 - 1948", "the winter of 1944-46": a span of years
                return _days(year, first, None, None)[0], date(end, 12, 31)
        end_year, end_month = year + (last - 1) // 12, (last - 1) % 12 + 1
        return _days(year, first, None, None)[0], _days(end_year, end_month, None, None)[1]
    if kind == "span":
        end = int(g["year2"]) if "year2" in g else year // 100 * 100 + int(g["yy"])
        if g.get("slash") and (end <= year if "year2" in g else (year + 1) % 100 != int(g["yy"])):
            return None  # "1944/45", "1999/2000"; not "Resolution 1947/52" nor "1999/01" (a year and a month)
        if "yy" in g and end <= year:  # "1946-47" is 1946 to 1947, "1999/00" 1999 to 2000; "1947-45" no range
            end += 100
            if end - year > 10:
                return None
        return date(min(year, end), 1, 1), date(max(year, end), 12, 31)
    if kind == "year":
        return date(year, 1, 1), date(year, 12, 31)
    return mon, int(g["day"]) if "day" in g else None  # "md", "dm", "m": a span's left end


def _edge(year: int, month: int, g: dict[str, str]) -> tuple[date, date]:
    """The first or last weeks, days or months of a month (month > 0) or of a year; one in the singular ("the
    final month of 1947", "the last day of 1947")."""
    unit = g["unit"].casefold()
    # "the first weeks": three; "the first days": ten; "the first months": three
    n = _COUNTS[g["n"].casefold()] if "n" in g else {"weeks": 3, "days": 10, "months": 3}.get(unit, 1)
    days = {"week": 7, "weeks": 7, "fortnight": 14, "day": 1, "days": 1, "month": 0, "months": 0}[unit] * n
    start = date(year, month or 1, 1)
    end = _days(year, month or 12, None, None)[1]
    first = g["which"].casefold() in ("first", "opening", "early")
    if unit in ("month", "months"):  # "the last month of 1947": one
        if month:  # "the first months of October" is no phrase: the month itself
            return start, end
        if first:
            return start, _days(year, min(12, n), None, None)[1]
        return date(year, max(1, 13 - n), 1), end
    if first:
        return start, min(end, start + timedelta(days=days - 1))
    return max(start, end - timedelta(days=days - 1)), end


def _days(year: int, month: int, first: int | None, last: int | None) -> tuple[date, date]:
    return date(year, month, first or 1), date(year, month, last or calendar.monthrange(year, month)[1])


def _fraction(base: int, width: int, part: str | None) -> tuple[date, date]:
    a, b = _TENTHS[part]
    return date(base + a * width // 10, 1, 1), date(base + b * width // 10 - 1, 12, 31)


def _links(text: str, a: _Atom, b: _Atom) -> bool:
    """Whether two neighbouring phrases are the two ends of one span ("from 1946 to 1947")."""
    if a.prep not in _SPAN_START or b.end - a.end > 40:
        return False
    link = " ".join((text[a.end:b.start] + " " + (b.prep or "")).split()).casefold()
    return link in _LINKS


def _resolve_partial(a: _Atom, b: _Atom) -> tuple[date, date] | None:
    """A year-less left end takes the right end's year, or the year before when it would come later."""
    month, day = a.partial  # type: ignore[misc]
    year = b.lo.year - ((month, day or 1) > (b.lo.month, b.lo.day))  # type: ignore[union-attr]
    try:
        return _days(year, month, day, day)
    except ValueError:  # "from February 30 to ..."
        return None


def _open(a: _Atom) -> tuple[date | None, date | None]:
    """Apply the preposition: "before" ends the day before, "after" starts the day after, and so on."""
    if a.prep in _BEFORE:
        return None, a.lo - timedelta(days=1)  # type: ignore[operator]
    if a.prep in _AFTER:
        return a.hi + timedelta(days=1), None  # type: ignore[operator]
    if a.prep in _SINCE:
        return a.lo, None
    if a.prep in _UNTIL:
        return None, a.hi
    return a.lo, a.hi


def _remove(text: str, phrases: list[_Phrase]) -> str:
    """The text without the spans, with no dangling preposition, comma or empty brackets left behind."""
    pieces: list[str] = []
    pos = 0
    for s, e, _, _, own_prep in phrases:
        left = text[pos:s].strip()
        after = text[e:e + 2].lstrip()[:1]
        if after == "" or after in "?.!,;:)":  # the phrase ended a clause: drop what only led into it
            tail = _DANGLING_JOIN.sub("", left[-24:])
            if not own_prep:  # "Reports for 1947?" loses "for"; "What did he ask for in 1947?" keeps it
                tail = _DANGLING_WORD.sub("", tail)
            tail = tail.rstrip(",;: ")
            left = left[:-24] + tail if len(left) > 24 else tail
        if after == ")" and left.endswith("("):
            left, e = left[:-1].rstrip(), text.index(")", e) + 1
        pieces.append(left)
        pos = e
    pieces.append(text[pos:].strip())
    out: list[str] = []
    for piece in filter(None, pieces):
        if out and piece[0] not in "?.!,;:)":
            out.append(" ")
        out.append(piece)
    return "".join(out).lstrip(",;: ")


# -- a follow-up's time relative to the question before it ("And the next day?", "a year later") ------------

# Numbers written as words, for counts ("two days later", "the three documents before that").
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10}
_VAGUE = {"a couple of": 3, "a few": 7, "several": 10}  # "a few days later": any day of the week after
_ONE_UNIT = r"(?P<unit{0}>day|week|month|year)"
_UNIT = _ONE_UNIT + "s?"
# Words before "that (same) day" ("that year", ...), a preposition aside, that make it a move from that time or a
# part of it, not the time itself: "after that day", "later on that day", "earlier in that same week", "the end of
# that year"; nor is one with "on" after it ("from that year on").
_FROM_THAT = frozenset("""after before since until till following preceding than earlier later prior late early
end rest start beginning middle remainder""".split())
_EDGE_GAP = frozenset("in on of during within over for the".split())
_COUNT = (r"(?P<count>\d{1,3}|"
          + "|".join(sorted(map(re.escape, [*NUMBERS, *_VAGUE]), key=len, reverse=True)).replace(r"\ ", r"\s+")
          + ")")
# ... not "the same day as the armistice", "that year when he left", "that day of the week": of something else.
_NOT_OF = r"(?!\s+(?:as|that|when|where|which|whose|the|a|an|of|after|before|he|she|they|it|we|i)\b)"
_RELATIVE = re.compile(
    r"\b(?:(?:the\s+)?(?P<way1>next|following|previous|preceding|prior)\s+" + _UNIT.format(1)
    + r"|the\s+" + _UNIT.format(2) + r"\s+(?P<way2>before|after)"
    + r"|" + _COUNT + r"\s+" + _UNIT.format(3) + r"\s+(?P<way3>later|earlier|after(?:wards?)?|before(?:hand)?)"
    + r"|(?:that|the)\s+(?:very\s+)?(?P<way4>same)\s+" + _UNIT.format(4) + _NOT_OF
    + r"|(?:(?:in|on|during|within|over|for)\s+)?(?P<way5>that)\s+(?:very\s+)?" + _ONE_UNIT.format(5)
    + r"(?!['’]|\s+(?:on|onwards?|forward)\b)" + _NOT_OF + r")\b",
    re.IGNORECASE)
_FORWARD = ("next", "following", "after", "later")


@dataclass(frozen=True)
class Shift:
    """A time given relative to the question before: `first` to `last` units after it (negative: before)."""

    unit: str   # day, week, month or year
    first: int
    last: int
    phrase: str
    rest: str   # the question without the phrase
    same: bool = False  # "that same day": the time of the answer before, whatever period its question named
    edge: str = ""      # ... the word putting it at an edge ("later" that day, "until" that year):
                        # find_shift(edges=True)


def without(text: str, m: re.Match) -> str:
    """The text with a match taken out, its spaces folded and no space left before punctuation."""
    return re.sub(r"\s+([?.!,;:])", r"\1", " ".join((text[:m.start()] + text[m.end():]).split()))


def _at_edge(question: str, m: re.Match) -> str:
    """The word that makes "that (same) day" a move from that time or a part of it (_FROM_THAT: "later" of
    "later on that day", "to" of "up to that year", "rest" of "the rest of that month"), or ""."""
    if not (m.group("way4") or m.group("way5")):
        return ""
    before = [w.lower() for w in re.findall(r"[\w'’]+", question[: m.start()])]
    while before and before[-1] in _EDGE_GAP:
        before.pop()
    if before[-2:] == ["up", "to"]:
        return "to"
    return before[-1] if before and before[-1] in _FROM_THAT else ""


def find_shift(question: str, *, edges: bool = False) -> Shift | None:
    """The time a question gives relative to the one before it ("the next day", "the month before", "two weeks
    later", "a few years earlier", "that same day", "in that year"; not "after that day"), or None. edges: also
    a time at an edge ("later that year", "until that day"), as a Shift whose edge is the word that puts it
    there: "later", "earlier" keep a move from the answer before within it (qa/followup.py lean)."""
    found = [(m, _at_edge(question, m)) for m in _RELATIVE.finditer(question)]
    m, edge = next(((m, e) for m, e in found if not e or edges), (None, ""))
    if not m:
        return None
    g = m.groupdict()
    if g["way4"] or g["way5"]:  # "that (same) day": the time of the answer before
        return _counted((g["unit4"] or g["unit5"]).lower(), 0, 0, question, m, edge)
    way = (g["way1"] or g["way2"] or g["way3"]).lower()
    unit = (g["unit1"] or g["unit2"] or g["unit3"]).lower()
    count = " ".join((g["count"] or "1").lower().split())
    n = int(count) if count.isdigit() else NUMBERS.get(count) or _VAGUE[count]
    first = 1 if count in _VAGUE else n  # vague: anywhere from one unit to n units away
    sign = 1 if way.startswith(_FORWARD) else -1
    first, last = sorted((sign * first, sign * n))
    return _counted(unit, first, last, question, m)


def _counted(unit: str, first: int, last: int, question: str, m: re.Match, edge: str | None = None) -> Shift:
    """The shift a match names, weeks as the days around them ("that week": three days either side of the
    answer's day, "three weeks later": of the day three weeks on); edge: None for a move, else a same time
    ("that day") and the word putting it at an edge, if any."""
    if unit == "week":
        unit, first, last = "day", first * 7 - 3, last * 7 + 3
    return Shift(unit, first, last, m.group(0), without(question, m), edge is not None, edge or "")


_BARE_DAY = re.compile(r"\b(?:(?:on|of|from|dated)\s+)?the\s+(?P<day>[1-9]|[12]\d|3[01])(?:st|nd|rd|th)\b(?!\s+"
                       r"(?:century|centuries|day|days|week|weeks|month|months|year|years|time|times|anniversary|"
                       r"amendment|parallel|division|army|corps|congress|session|floor|district))", re.IGNORECASE)


def day_of(question: str, lo: date | None, hi: date | None) -> QuestionDates | None:
    """A bare day of the month ("Only the ones dated the 29th?") in the one month the question before named, or
    None when there is no such day or the earlier range is not one month."""
    m = _BARE_DAY.search(question)
    if not m or lo is None or hi is None or (lo.year, lo.month) != (hi.year, hi.month):
        return None
    try:
        day = date(lo.year, lo.month, int(m.group("day")))
    except ValueError:  # "the 31st" of a month of thirty days: no range rather than a wrong one
        return None
    return QuestionDates(day, day, m.group(0), without(question, m))


# A month named without its year ("And by December, ...?", "What about in March?", "And on December 12?"), after
# a word placing a time in it; in capitals, as a month is written ("may" is a verb).
_BARE_MONTH = re.compile(r"\b(?P<prep>(?i:in|by|during|of|on))\s+(?P<mon>" + "|".join(calendar.month_name[1:])
                         + r")(?:\s+(?P<day>[12]?\d|3[01])(?:st|nd|rd|th)?)?\b")


def month_of(question: str, lo: date | None, hi: date | None) -> QuestionDates | None:
    """A month named without its year ("And by December, how did they read it?"; "And on December 12?" its day)
    in the one year the question before named, or None when there is no such month or day, or the earlier range
    is not within one year. "by" a day is up to it, from the earlier range's start ("What had he done by June
    30?"); "by" a month is that month, as of it."""
    m = _BARE_MONTH.search(question)
    if not m or lo is None or hi is None or lo.year != hi.year:
        return None
    month = list(calendar.month_name).index(m.group("mon"))
    try:
        first = last = date(lo.year, month, int(m.group("day"))) if m.group("day") else None
    except ValueError:  # "February 30": no range rather than a wrong one
        return None
    if first is not None and m.group("prep").lower() == "by":
        if first < lo:  # "by January 3" of a range starting later: no range rather than a wrong one
            return None
        first = lo
    first = first or date(lo.year, month, 1)
    last = last or date(lo.year, month, calendar.monthrange(lo.year, month)[1])
    return QuestionDates(first, last, m.group(0), without(question, m))


def within_earlier(question: str, earlier: QuestionDates) -> QuestionDates | None:
    """A follow-up's time said against the earlier question's ("And the next day?", "And in March the following
    year?", "Only the ones dated the 29th?", "And on the 3rd of March?"): its shift of that time (find_shift; not
    "that same day", which is the answer's, qa/followup.py lean), then a month without its year in the year that
    leaves (month_of), then a bare day in the one month that leaves (day_of); None when it says none."""
    lo, hi, rest, said = earlier.date_from, earlier.date_to, question, []
    shift = find_shift(question)
    if shift is not None and not shift.same:
        (lo, hi), rest = shifted(lo, hi, shift), shift.rest
        said.append(shift.phrase)
    for read in (month_of, day_of):
        got = read(rest, lo, hi)
        if got is not None:
            lo, hi, rest = got.date_from, got.date_to, got.rest
            said.append(got.phrase)
    return QuestionDates(lo, hi, "; ".join(said), rest) if said else None


def shifted(lo: date | None, hi: date | None, shift: Shift) -> tuple[date | None, date | None]:
    """The period a shift names from the range [lo, hi]. Days and weeks move the range as it is; months and
    years are whole ones, counted from the range's end when moving forward and from its start when moving back.
    A range with neither end stays as it is; one beyond the calendar gives no range."""
    try:
        a, _ = _moved(lo, hi, shift.unit, shift.first)
        _, b = _moved(lo, hi, shift.unit, shift.last)
    except (ValueError, OverflowError):  # beyond the calendar's years: no date range rather than a wrong one
        return None, None
    return a, b


def _moved(lo: date | None, hi: date | None, unit: str, n: int) -> tuple[date | None, date | None]:
    anchor = (hi or lo) if n > 0 else (lo or hi)
    if anchor is None:
        return lo, hi
    if unit in ("day", "week"):
        step = timedelta(days=n * (7 if unit == "week" else 1))
        return (lo or anchor) + step, (hi or anchor) + step
    if unit == "month":
        year, month = divmod(anchor.year * 12 + anchor.month - 1 + n, 12)
        return date(year, month + 1, 1), date(year, month + 1, calendar.monthrange(year, month + 1)[1])
    return date(anchor.year + n, 1, 1), date(anchor.year + n, 12, 31)
