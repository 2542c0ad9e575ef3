"""The writer's verifier: whether a draft sentence is supported by a record it cites, and if not, why not.

A sentence is shown only when it cites at least one of the records the writer was given and one of those
records, on its own, supports it:
- every date in it (a day, a month, a year, in any common form) is a date that record gives;
- every number in it (digits, and number words such as "twelve" or "third") is one that record holds;
- every name in it (a run of capitalised words) is in that record, in its own spelling or a known variant
  (the alias lists, a transliteration skeleton, an edit or two; a country's adjective for its name);
- it adds few words the record does not use, and no run of them (an invented cause or detail);
- its meaning is close to a passage of that record (cosine of the embedding model already loaded).
Nothing here calls the writer: these are plain functions of a sentence, its records and an encoder.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .dates import MONTHS
from .names import NameMatcher, skeleton
from .records import Record
from .sentences import sentences
from .support import Words, holds
from .text import STOP, tokens

Encoder = Callable[[list[str]], np.ndarray]

# The closest passage of the cited record must have at least this cosine with the sentence. These limits were
# chosen on tests/data/eval/drafts-dev.jsonl, never on drafts-test.jsonl.
MEANING = 0.55
# At most this share of a sentence's content words may be words the cited record does not use ...
NEW_SHARE = 0.4
# ... and no clause may bring this many of them (an invented detail) ...
NEW_RUN = 4
# ... nor this many in a clause giving a cause or purpose ("because ...", "in order to ...").
CAUSE_RUN = 2

# "[1]", "[1][2]", "[1, 2]", "[1-3]"; any other bracketed text of up to 20 characters ("[n]", "[citation]") is
# dropped from the sentence too, citing nothing
_MARK = re.compile(r"\[\s*(\d{1,3}(?:\s*(?:,|;|-|–|and)\s*\d{1,3})*)\s*\]")
_MARKS = re.compile(r"\s*\[[^\]]{0,20}\]")


@dataclass(frozen=True)
class Verdict:
    """A draft sentence and what the verifier found: supported when reason is empty."""

    sentence: str            # as the writer wrote it, with its [n] marks
    cites: tuple[int, ...]   # the records it cites, as numbered in the answer
    reason: str = ""         # why it is not shown; "" when it is
    record: int | None = None  # the cited record that supports it (or came closest)
    meaning: float = 0.0     # the cosine of its closest passage in that record

    @property
    def supported(self) -> bool:
        return not self.reason

    def to_json(self) -> dict:
        return {"sentence": self.sentence, "cites": list(self.cites), "reason": self.reason}


def citations_of(sentence: str) -> tuple[str, tuple[int, ...]]:
    """The sentence without its [n] marks, and the record numbers it cites (in order, once each)."""
    cites: list[int] = []
    for group in _MARK.findall(sentence):
        numbers = [int(x) for x in re.findall(r"\d+", group)]
        if re.search(r"[-–]", group) and len(numbers) == 2 and 0 < numbers[1] - numbers[0] < 20:
            numbers = list(range(numbers[0], numbers[1] + 1))
        cites.extend(numbers)
    cites = list(dict.fromkeys(cites))
    text = _MARKS.sub("", sentence)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return " ".join(text.split()), tuple(cites)


# -- dates --------------------------------------------------------------------------------------------

_MONTH_NAMES = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_MON = rf"(?P<{{g}}>{_MONTH_NAMES})\.?"
_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[0-9]{3}|20[0-9]{2})"
_LINK = r"\s*(?:–|—|-|to|and|through|until|till)\s*"
# "April 15–July 12, 1876", "September 25–27", "March 10 to 15, 1945", "April 12, 1948", "October 1975"
_MONTH_FIRST = re.compile(
    rf"\b{_MON.format(g='m1')}\s+(?P<d1>{_DAY})(?!\d)"
    rf"(?:{_LINK}(?:{_MON.format(g='m2')}\s+)?(?P<d2>{_DAY})(?!\d))?"
    rf"(?:,?\s+(?P<y>{_YEAR}))?(?!\d)"
    rf"|\b{_MON.format(g='m3')},?\s+(?P<y3>{_YEAR})(?!\d)", re.IGNORECASE)
# "12 April 1948", "2 February 1875"
_DAY_FIRST = re.compile(rf"\b(?P<d>{_DAY})\s+{_MON.format(g='m')},?\s+(?P<y>{_YEAR})?(?!\d)", re.IGNORECASE)
_ISO = re.compile(r"\b(?P<y>1[0-9]{3}|20[0-9]{2})-(?P<m>[01][0-9])-(?P<d>[0-3][0-9])\b")
_LONE_YEAR = re.compile(rf"(?<![\w./-])(?P<y>{_YEAR})(?P<decade>s\b)?(?![\w/]|[-–][0-9])")
_FULL_MONTHS = "|".join(n.capitalize() for n in MONTHS if len(n) > 3 and n != "sept")
_LONE_MONTH = re.compile(rf"\b(?P<m>{_FULL_MONTHS})\b")
_NUMBERED = re.compile(r"\b(?:No|Nos|Number|Numbers)\.?\s*$", re.IGNORECASE)

Mention = tuple[int | None, int | None, int | None]  # (year, month, day), None where the text does not say


def _day(text: str) -> int:
    return int(re.match(r"\d+", text).group(0))


def dates_in(text: str, year: int | None = None) -> tuple[list[Mention], str]:
    """The dates a text names, as (year, month, day) with None where unsaid, and the text with them blanked.

    A day or month written without a year takes `year` when given (a record's own year)."""
    found: list[Mention] = []
    spans: list[tuple[int, int]] = []

    def taken(m: re.Match) -> bool:
        return any(a < m.end() and m.start() < b for a, b in spans)

    for m in _ISO.finditer(text):
        found.append((int(m["y"]), int(m["m"]), int(m["d"])))
        spans.append(m.span())
    for m in _DAY_FIRST.finditer(text):
        if not taken(m):
            found.append((int(m["y"]) if m["y"] else year, MONTHS[m["m"].lower()], _day(m["d"])))
            spans.append(m.span())
    for m in _MONTH_FIRST.finditer(text):
        if taken(m):
            continue
        if m["m3"]:
            found.append((int(m["y3"]), MONTHS[m["m3"].lower()], None))
        else:
            y = int(m["y"]) if m["y"] else year
            m1 = MONTHS[m["m1"].lower()]
            found.append((y, m1, _day(m["d1"])))
            if m["d2"]:
                found.append((y, MONTHS[m["m2"].lower()] if m["m2"] else m1, _day(m["d2"])))
        spans.append(m.span())
    for m in _LONE_YEAR.finditer(text):
        if not taken(m) and not _NUMBERED.search(text[:m.start()]):
            if not m["decade"]:  # a decade ("the 1940s") is too loose to check
                found.append((int(m["y"]), None, None))
            spans.append(m.span())
    for m in _LONE_MONTH.finditer(text):
        if not taken(m):
            found.append((year, MONTHS[m["m"].lower()], None))
            spans.append(m.span())
    blanked = text
    for a, b in sorted(spans, reverse=True):
        blanked = blanked[:a] + " " + blanked[b:]
    return found, blanked


def _date_held(said: Mention, given: list[Mention]) -> bool:
    """Whether a date a sentence names agrees with one a record gives, in every part the sentence states."""
    return any(all(s is None or s == g for s, g in zip(said, g_)) for g_ in given)


# -- numbers ------------------------------------------------------------------------------------------

_WORD_NUMBERS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven "
                                            "twelve thirteen fourteen fifteen sixteen seventeen eighteen "
                                            "nineteen twenty".split()) if n >= 2}
_WORD_NUMBERS.update({"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000,
                      "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
                      "ninth": 9, "tenth": 10, "twice": 2, "dozen": 12})
_NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(?:st|nd|rd|th)?(?![\w])")
_WORDS = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b", re.IGNORECASE)


def numbers_in(text: str) -> set[str]:
    """The numbers a text holds (dates aside), as plain digits: '9,000' -> '9000', 'third' -> '3'."""
    out = {m.group(1).replace(",", "").rstrip(".") for m in _NUMBER.finditer(text)}
    out |= {str(_WORD_NUMBERS[m.group(1).lower()]) for m in _WORDS.finditer(text)}
    return out


# -- names --------------------------------------------------------------------------------------------

# Capitalised words that are titles, roles or sentence openers, not names of someone or something.
TITLES = frozenset("""Secretary President Minister Prime Premier General Ambassador Chairman Marshal Comrade
Cde Mr Mrs Ms Dr Sir Madam King Queen Emperor Empress Prince Princess Crown Amir Emir Sheikh Sultan Pope
Cardinal Archbishop Bishop Chancellor Governor Senator Representative Deputy Vice Foreign Acting Former Chief
Head Lord Lady Captain Colonel Admiral Lieutenant Commander Mayor Premier-elect President-elect Director
Justice""".split())
_OPENERS = frozenset(tokens("""according afterwards afterward later earlier both during after before then also
each meanwhile finally next first however although though while together thereafter subsequently instead
initially nevertheless moreover furthermore likewise similarly specifically overall here there""")) | STOP
# The adjectives of states and peoples whose name they do not share a root with.
DEMONYMS = {"american": ("united states", "us", "u.s.", "usa", "america"),
            "americans": ("united states", "us", "u.s.", "usa", "america"),
            "soviet": ("ussr", "soviet union", "u.s.s.r.", "soviets", "russia", "russian"),
            "soviets": ("ussr", "soviet union", "u.s.s.r.", "soviet"),
            "british": ("united kingdom", "uk", "u.k.", "britain", "great britain"),
            "french": ("france",), "dutch": ("netherlands", "holland"), "swiss": ("switzerland",),
            "greek": ("greece",), "danish": ("denmark",), "polish": ("poland",), "turkish": ("turkey",),
            "spanish": ("spain",), "thai": ("thailand",), "philippine": ("philippines",),
            "filipino": ("philippines",), "peruvian": ("peru",), "welsh": ("wales",), "irish": ("ireland",),
            "scottish": ("scotland",), "finnish": ("finland",), "norwegian": ("norway",),
            "belgian": ("belgium",), "portuguese": ("portugal",), "saudi": ("saudi arabia",),
            "hawaiian": ("hawaii",), "north korean": ("north korea", "dprk"),
            "south korean": ("south korea", "rok")}
_WORD = re.compile(r"[A-Za-zÀ-ÿ][\w'’.-]*|[,;:()\"“”]")


def name_phrases(text: str) -> list[str]:
    """Runs of capitalised words naming someone or something; titles, months and sentence openers left out."""
    out, run = [], []
    for i, m in enumerate(_WORD.finditer(text)):
        word = re.sub(r"['’]s$", "", m.group(0).strip(".'’-"))
        if not word[:1].isalpha():  # punctuation ends a name: "Roosevelt, Churchill and Chiang"
            if run:
                out.append(" ".join(run))
            run = []
            continue
        low = word.lower()
        is_name = (word[:1].isupper() and word not in TITLES and low not in MONTHS
                   and not (i == 0 and (low in _OPENERS or set(tokens(low)) <= _OPENERS)))
        if is_name and tokens(word):
            run.append(word)
            continue
        if run:
            out.append(" ".join(run))
        run = []
    if run:
        out.append(" ".join(run))
    return out


def _known(phrase: str, ev: "Evidence") -> bool:
    """Whether a record holds a name: its own words, an alias, a close spelling, a state for its adjective."""
    own = tokens(phrase)
    if own and all(holds(t, ev.known) for t in own):
        return True
    words = phrase.split()
    if len(words) > 1 and all(_known(w, ev) for w in words):
        return True
    for spelling in ev.matcher.spellings(words)[1:]:
        if spelling and all(holds(t, ev.words) for t in spelling):
            return True
    if len(own) == 1 and len(own[0]) >= 5:  # a transliteration of a record's word: same skeleton
        return any(skeleton(own[0]) == skeleton(w) for w in ev.words.tokens if len(w) >= 5)
    return False


# -- the record's side --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """What one record offers a sentence: its words, dates, numbers, passages and name variants."""

    words: Words             # its words
    known: Words             # its words and those of other names they go by (aliases, states' adjectives)
    dates: list[Mention]
    numbers: set[str]
    passages: list[str]
    matcher: NameMatcher

    @classmethod
    def of(cls, record: Record, aliases: list[list[str]] | None = None) -> "Evidence":
        text = f"{record.title}. {record.summary}"
        year = record.date.start.year if record.date.start else None
        mentions, blanked = dates_in(text, year)
        own = record.date
        if own.start is not None:
            mentions.append((own.start.year, own.start.month if own.precision in ("month", "day") else None,
                             own.start.day if own.precision == "day" else None))
        end = record.metadata.get("end_date_iso", "")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", end or ""):
            mentions.append((int(end[:4]), int(end[5:7]), int(end[8:10])))
        words = set(tokens(text))
        known = set(words)
        for group in aliases or []:
            spelled = [set(tokens(n)) for n in group]
            if any(s and s <= words for s in spelled):
                known.update(*spelled)
        for adjective, states in DEMONYMS.items():
            if any(set(tokens(s)) and set(tokens(s)) <= words for s in states):
                known.update(tokens(adjective))
        # what a sentence may restate: the title or one sentence of the summary
        passages = list(dict.fromkeys([record.title, *sentences(record.summary)]))
        return cls(Words(words), Words(known), mentions, numbers_in(blanked) | numbers_in(text), passages,
                   NameMatcher(words, aliases))


# -- the check ----------------------------------------------------------------------------------------

_CAUSAL = (r"because|since|as a result(?: of)?|so that|so as to|in order to|in an effort to|due to|owing to|"
           r"for fear|thereby|leading to|which led to|resulting in|in response to|in retaliation")
_CLAUSE = re.compile(rf"[,;:()—–]|\b(?:{_CAUSAL}|after|before|when|while|which|who|whom|whose|where|but|"
                     r"although|though|and|to)\b", re.IGNORECASE)
# a cause or purpose runs from its connective to the next punctuation
_CAUSE = re.compile(rf"\b(?:{_CAUSAL})\b([^,;:()—–]*)", re.IGNORECASE)
# "went to Peru to see ...", "The purpose of the treaty was to establish ...": an infinitive of purpose, unless
# the words before it make it the complement of a verb, noun or adjective ("told him to keep", "decided to",
# "a proposal to create", "was to insist", "able to")
_TO_VERB = re.compile(r"\bto\s+([a-z][a-z'-]*)")
_BE = frozenset("am is are was were be been being".split())
_PURPOSE_NOUNS = frozenset(tokens("purpose aim goal objective intention intent reason motive motivation"))
_COMPLEMENT = frozenset(tokens("""tell ask decide agree want plan try instruct order resolve propose proposal expect
hope refuse seek promise intend need fail continue begin start urge invite invitation allow permit encourage
prepare offer threaten vote choose elect appoint authorize authorise advise request attempt wish like prefer
manage able unable ready willing eager likely unlikely first last due about going used meant supposed right
decision agreement refusal readiness willingness permission power chance opportunity way time effort call
demand pressure pledge undertake undertook commit agreed asked told decided wanted planned tried instructed
ordered resolved proposed expected hoped refused sought promised intended needed failed continued began started
urged invited allowed permitted encouraged prepared offered threatened voted chose elected appointed authorized
advised requested attempted wished liked preferred managed called demanded pledged committed"""))


@dataclass(frozen=True)
class Reading:
    """What one cited record offers one sentence, measured."""

    record: int                     # the record's number in the answer
    wrong_date: Mention | None      # a date of the sentence the record does not give
    missing_number: str | None      # a number of the sentence the record does not hold
    unknown_name: str | None        # a name of the sentence the record does not hold in any spelling
    words: int                      # the sentence's content words
    new: int                        # ... those the record does not use
    most_new: int                   # the most new words in one clause
    cause_new: int                  # the most new words in a clause giving a cause or purpose
    purpose: str | None             # the verb of an infinitive of purpose the record does not use
    meaning: float                  # the cosine of the record's closest passage


def _new(word: str, ev: Evidence) -> bool:
    """Whether a content word is new to the record: not its own, an alias's, nor a close spelling of one."""
    return not (word.isdigit() or holds(word, ev.known) or ev.matcher.variant(word) is not None)


def read(text: str, n: int, ev: Evidence, meaning: float) -> Reading:
    """Measure a sentence (without its marks) against the record numbered n in the answer."""
    said, rest = dates_in(text)
    wrong = next((d for d in said if not _date_held(d, ev.dates)), None)
    missing = min(numbers_in(rest) - ev.numbers, default=None)
    unknown = next((p for p in name_phrases(rest) if not _known(p, ev)), None)
    words = [t for t in tokens(rest) if not t.isdigit()]
    new = [t for t in words if _new(t, ev)]
    most = max((sum(_new(t, ev) for t in tokens(c)) for c in _CLAUSE.split(rest)), default=0)
    cause = max((sum(_new(t, ev) for t in tokens(m.group(1))) for m in _CAUSE.finditer(rest)), default=0)
    return Reading(n, wrong, missing, unknown, len(words), len(new), most, cause, _purpose(rest, ev), meaning)


def _purpose(text: str, ev: Evidence) -> str | None:
    """The verb of the first infinitive of purpose in a sentence that the record does not use, if any."""
    for m in _TO_VERB.finditer(text):
        verb = tokens(m.group(1))
        if not verb or not _new(verb[0], ev):
            continue
        before = re.split(r"[,;:()—–]", text[:m.start()])[-1].lower().split()
        stated = set(tokens(" ".join(before[-8:])))
        if stated & _PURPOSE_NOUNS or not (set(before[-3:]) & _BE or set(tokens(" ".join(before[-3:])))
                                           & _COMPLEMENT):
            return m.group(1)
    return None


def decide(r: Reading) -> str:
    """Why a record does not support a sentence, from its reading ("" when it does)."""
    if r.wrong_date is not None:
        return f"[{r.record}] does not give the date {_show(r.wrong_date)}"
    if r.missing_number is not None:
        return f"[{r.record}] does not hold the number {r.missing_number}"
    if r.unknown_name is not None:
        return f"[{r.record}] does not name {r.unknown_name}"
    if r.purpose is not None:
        return f"it gives a purpose ('to {r.purpose} …') that [{r.record}] does not state"
    if r.cause_new >= CAUSE_RUN:
        return f"it gives a cause or purpose that [{r.record}] does not state"
    if r.most_new >= NEW_RUN or (r.new >= 3 and r.new / r.words > NEW_SHARE):
        return f"it says more than [{r.record}] does"
    if r.meaning < MEANING:
        return f"its meaning is not close to [{r.record}] (similarity {r.meaning:.2f})"
    return ""


def _show(d: Mention) -> str:
    import calendar

    y, m, day = d
    parts = [calendar.month_name[m] if m else "", str(day) if day else ""]
    return (" ".join(p for p in parts if p) + (f", {y}" if y and day else f" {y}" if y else "")).strip()


class Verifier:
    """Checks draft sentences against the records an answer cites (records[0] is [1], and so on); what it reads
    of the records is read once, however many sentences come."""

    def __init__(self, records: Sequence[Record], encode: Encoder, aliases: list[list[str]] | None = None) -> None:
        self.records, self.encode = records, encode
        self.evidence = [Evidence.of(r, aliases) for r in records]
        self.passages = [p for ev in self.evidence for p in ev.passages]
        self.starts = np.cumsum([0] + [len(ev.passages) for ev in self.evidence])

    @functools.cached_property
    def passage_vectors(self) -> np.ndarray:
        """The records' passages embedded, once for every batch of sentences."""
        return self.encode(self.passages) if self.passages else np.zeros((0, 1), dtype=np.float32)

    def readings(self, drafted: Sequence[str]) -> list[tuple[tuple[int, ...], str, list[Reading]]]:
        """For each draft sentence: its citations, an outright reason to reject it ("" when none), and a
        reading against each record it cites."""
        plain = [citations_of(s) for s in drafted]
        texts = [" ".join(dates_in(t)[1].split()) for t, _ in plain]  # meaning without the dates: checked apart
        if not texts:
            return []
        svecs, pvecs = self.encode(texts), self.passage_vectors
        out = []
        for i, (text, cites) in enumerate(plain):
            bad = [n for n in cites if not 1 <= n <= len(self.records)]
            if not cites:
                out.append((cites, "it cites no record", []))
            elif bad:
                out.append((cites, f"it cites [{bad[0]}], which is not one of the records given", []))
            elif not tokens(text):
                out.append((cites, "it says nothing", []))
            else:
                closest = [float(np.max(pvecs[self.starts[n - 1]:self.starts[n]] @ svecs[i])) for n in cites]
                out.append((cites, "", [read(text, n, self.evidence[n - 1], c) for n, c in zip(cites, closest)]))
        return out

    def check(self, drafted: Sequence[str]) -> list[Verdict]:
        """A verdict for each draft sentence. A sentence citing several records is shown when one of them
        supports it on its own."""
        if not drafted:
            return []
        out = []
        for sentence, (cites, outright, reads) in zip(drafted, self.readings(drafted)):
            if outright:
                out.append(Verdict(sentence, cites, outright))
                continue
            verdicts = [Verdict(sentence, cites, decide(r), r.record, round(r.meaning, 4)) for r in reads]
            out.append(next((v for v in verdicts if v.supported), max(verdicts, key=lambda v: v.meaning)))
        return out


def check(drafted: Sequence[str], records: Sequence[Record], encode: Encoder,
          aliases: list[list[str]] | None = None) -> list[Verdict]:
    """A verdict for each draft sentence against the records it may cite (records[0] is [1], and so on)."""
    return Verifier(records, encode, aliases).check(drafted)
