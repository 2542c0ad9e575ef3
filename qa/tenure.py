"""A person's time in an office, read from the records: "while he was president", "during her premiership", "as
secretary of state".

A question bounded by someone's tenure names no dates, and the collection may not state the tenure anywhere. What
it does hold is the records that give the person the title: "Travel of President Harry S. Truman to ...",
"Secretary of State Hillary Rodham Clinton met ...". The tenure is read as the span of those records, from the
first to the last; the records that answer such a question are among them, or between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import numpy as np

from .names import PERSON_TITLES
from .text import tokens

# An office named by its own noun ("during his presidency"), and the title it gives; "tenure", "term" and the
# like name none, and any of the person's titles serves.
OFFICES = {"presidency": "president", "premiership": "prime minister", "chairmanship": "chairman",
           "papacy": "pope", "governorship": "governor", "chancellorship": "chancellor",
           "ambassadorship": "ambassador", "secretaryship": "secretary"}
_ANY_OFFICE = r"reign|tenure|term\s+in\s+office|time\s+in\s+office|years\s+in\s+office"
_OWNER = r"(?:his|her|their|[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*['’]s)"
# A title: up to four words, one of them a person's title ("president", "prime minister", "secretary of state").
_TITLE = r"(?P<title>(?:[A-Za-z]+\s+){0,3}?[A-Za-z]+)"
_END = r"(?=\s*(?:[?.!,;:)]|$|\s(?:and|or|but|did|does|do|in|to|for|with|when|who|what|which)\b))"
_PATTERNS = [
    re.compile(rf"\b(?:while|when|whilst)\s+(?:he|she|they|[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*)\s+"
               rf"(?:was|were)\s+(?:still\s+|serving\s+as\s+|acting\s+as\s+)?(?:the\s+|a\s+)?{_TITLE}{_END}",
               re.IGNORECASE),
    re.compile(rf"\bduring\s+{_OWNER}\s+(?:whole\s+|entire\s+)?"
               rf"(?P<office>{'|'.join(OFFICES)}|{_ANY_OFFICE})\b", re.IGNORECASE),
    re.compile(rf"\b(?<!such )(?<!so )as\s+(?:the\s+)?{_TITLE}{_END}", re.IGNORECASE),
]
# Records read from each end of the person's records, a batch at a time, to find the first and the last that
# give the title; at most this many batches from each end.
BATCH = 64
BATCHES = 8


@dataclass(frozen=True)
class Office:
    """A tenure a question is bounded by: the title's words in lower case (empty: any person's title), and the
    words that said it."""

    title: tuple[str, ...]
    phrase: str
    at: int  # where in the question the phrase starts


def find_office(text: str) -> Office | None:
    """The tenure a question is bounded by ("while he was president", "during her premiership", "as secretary
    of state"), or None."""
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            if groups.get("office"):
                office = re.sub(r"\s+", " ", groups["office"].lower())
                title = tuple(OFFICES[office].split()) if office in OFFICES else ()
                return Office(title, m.group(0), m.start())
            words = groups["title"].lower().split()
            if not (words[0] in PERSON_TITLES or words[0] in _TITLE_OPENERS):  # "as well as the minister"
                continue
            # the title ends on its last title word ("president", "secretary of state"): "as president in 1947"
            last = max((i for i, w in enumerate(words) if w in PERSON_TITLES or _is_title_phrase(words[: i + 1])),
                       default=None)
            if last is None:
                continue
            words = words[: _title_end(words, last) + 1]
            return Office(tuple(words), m.group(0), m.start())
    return None


# Words that open a title of two: "prime minister", "foreign minister".
_TITLE_OPENERS = ("prime", "foreign")


def _is_title_phrase(words: list[str]) -> bool:
    return len(words) >= 2 and words[-2] in _TITLE_OPENERS and words[-1] == "minister"


def _title_end(words: list[str], last: int) -> int:
    """The last word of a title starting at words[0] whose last title word is words[last]: "secretary of state"
    goes on past "of"."""
    if last + 2 < len(words) and words[last + 1] in ("of", "for") and words[last + 2].isalpha():
        return last + 2
    return last


# Words before a title that make it another office: "Vice President", "former President", "Deputy Secretary".
_OTHER_OFFICE = ("vice", "former", "deputy", "assistant", "under", "acting", "late", "ex")
# A name after its title: a run of capitalised words and initials ("Harry S. Truman", "Hillary Rodham Clinton").
_NAME_RUN = r"((?:[A-Z][\w'’-]*\.?|[A-Z]\.)(?:\s+(?:[A-Z][\w'’-]*\.?|[A-Z]\.|de|van|von|bin|al)){0,5})"


def title_pattern(title: tuple[str, ...]) -> re.Pattern:
    """A title as written in a record, then the name after it (group 1); an empty title is any person's title."""
    words = title or tuple(sorted(PERSON_TITLES))
    said = r"\s+".join(map(re.escape, title)) if title else "(?:" + "|".join(map(re.escape, words)) + ")"
    others = "".join(rf"(?<!\b{w} )(?<!\b{w}-)" for w in _OTHER_OFFICE)
    return re.compile(rf"(?i:{others}\b{said})\s+{_NAME_RUN}")  # the title in any case, the name capitalised


def gives_title(text: str, pattern: re.Pattern, spelling: frozenset[str]) -> bool:
    """Whether a record's text gives a person a title: the title (title_pattern()), then a name holding every
    word of one spelling of the person's name ("President Harry S. Truman"; not "Vice President Richard Nixon")."""
    return any(spelling <= set(tokens(m.group(1))) for m in pattern.finditer(text))


def tenure(index, name, title: tuple[str, ...]) -> tuple[date, date] | None:
    """The first day of the earliest and the last day of the latest record that give the person (qa/query.Name)
    the title, or None when none does. The person's records are found by the rarest word of each spelling of the
    name (one keyword search; when it finds none, as when most records hold the word, or EXTREME_READ, every
    record); up to BATCHES batches of BATCH are read from each end, in date order."""
    from .retrieve import EXTREME_READ, _date_order

    df, vocab = index.keywords.df, index.keywords.vocab

    def count(t: str) -> int:
        return int(df[vocab[t]]) if t in vocab else 0

    spellings = [s for s in name.spellings if all(count(t) for t in s)]
    if not spellings:
        return None
    words = sorted({min(s, key=lambda t: (count(t), t)) for s in spellings})
    rows = np.unique(np.asarray(index.keyword(words, EXTREME_READ).rows, dtype=np.int64))
    if not rows.size or rows.size >= EXTREME_READ:  # most records hold it (BM25 leaves it out), or too many do
        rows = np.arange(len(index.starts), dtype=np.int64)
    rows = rows[~np.isnat(index.starts[rows])]
    if not rows.size:
        return None

    pattern = title_pattern(title)

    def first(order: np.ndarray):
        for start in range(0, min(len(order), BATCH * BATCHES), BATCH):
            batch = [int(i) for i in order[start:start + BATCH]]
            for record in index.records.fetch(batch):
                if any(gives_title(f"{record.title}. {record.summary}", pattern, s) for s in spellings):
                    return record
        return None

    earliest = first(rows[_date_order(index, rows, False)])
    if earliest is None:
        return None
    latest = first(rows[_date_order(index, rows, True)])
    return earliest.date.start, latest.date.end


# "his mother", "her successor": a person the question describes by another, whose name it does not say.
_DESCRIBED = re.compile(r"\b(?:his|her|their|its)\s+(?:mother|father|wife|husband|son|daughter|brother|sister|"
                       r"widow|widower|predecessor|successor|deputy|rival|opponent|heir)\b", re.IGNORECASE)


class Tenure(NamedTuple):
    """A tenure read from the records: its first and last day, and whose it is (the name as the question said
    it)."""

    date_from: date
    date_to: date
    name: str


def office_span(index, query, office: Office) -> Tenure | None:
    """The tenure a question is bounded by, from the records: of the name nearest before the words that said it
    (a pronoun's: the question's other names, then those of the question before it, unless the question
    describes someone by another: "his mother"), the first whose records give it the title."""
    before = sorted((n for n in query.names if query.text.find(n.text) < office.at),
                    key=lambda n: -query.text.find(n.text))
    others = [n for n in query.names if n not in before]
    context = [] if _DESCRIBED.search(query.text) else query.context
    for name in [*before, *others, *context]:
        span = tenure(index, name, office.title)
        if span is not None:
            return Tenure(*span, name.text)
    return None


def reading(office: Office, span: Tenure) -> str:
    """How the answer says it read a tenure."""
    title = " ".join(office.title) or "by a title"
    return (f"\"{office.phrase}\" is read as {span.date_from.isoformat()} to {span.date_to.isoformat()}: the first "
            f"and the last record that call {span.name} {title}.")
