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

# An office named by its own noun ("during his presidency"), and the title it gives; "tenure", "term in office"
# and the like name none, and any of the person's titles serves.
OFFICES = {"presidency": "president", "premiership": "prime minister", "chairmanship": "chairman",
           "papacy": "pope", "governorship": "governor", "chancellorship": "chancellor",
           "ambassadorship": "ambassador", "secretaryship": "secretary"}
_ANY_OFFICE = r"reign|tenure|term\s+in\s+office|time\s+in\s+office|years\s+in\s+office"
_OWNER = r"(?P<owner>his|her|their|[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*['’]s)"
# The words after "was" or "as", from which a title is read ("president", "prime minister", "secretary of state";
# "president of the United States" is "president").
_TITLE = r"(?P<title>[A-Za-z]+(?:\s+[A-Za-z]+){0,3})"
_PATTERNS = [
    re.compile(rf"\b(?:while|when|whilst)\s+(?P<who>he|she|they|[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*)\s+"
               rf"(?:was|were)\s+(?:still\s+|serving\s+as\s+|acting\s+as\s+)?(?:the\s+|a\s+)?{_TITLE}",
               re.IGNORECASE),
    re.compile(rf"\bduring\s+{_OWNER}\s+(?:whole\s+|entire\s+)?"
               rf"(?P<office>{'|'.join(OFFICES)}|{_ANY_OFFICE})\b", re.IGNORECASE),
    re.compile(rf"\b(?<!such )(?<!so )as\s+(?:the\s+)?{_TITLE}", re.IGNORECASE),
]
_NAMED = r"(?P<holder>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*)"
# The holder named with the office: "during the Nixon administration", "under President Eisenhower".
_HELD = [
    re.compile(rf"\b(?i:during|in)\s+the\s+{_NAMED}\s+(?P<held>(?i:administration|{'|'.join(OFFICES)}))\b"),
    re.compile(rf"\b(?i:under)\s+(?P<held>President|Prime\s+Minister|Premier|Chancellor|Pope|King|Queen|Emperor|"
               rf"Governor|Chairman)\s+{_NAMED}"),
]
# Words that open a title of two ("prime minister", "foreign minister").
_TITLE_OPENERS = ("prime", "foreign")
# "Who succeeded Marshall as secretary of state?": the office is the one asked about, not a bound on the answer.
_SUCCESSION = re.compile(r"\b(?:succeed\w*|replac\w*|preced\w*|follow(?:ed|s|ing)?|elect\w*|appoint\w*|nominat\w*|"
                         r"sworn|swear\w*|became|become|becomes|becoming|named|chosen|choose|installed|"
                         r"inaugurat\w*|resign\w*|serve[ds]?)\b", re.IGNORECASE)
# "during his presidency and after": not bounded by it.
_BEYOND = re.compile(r"\s*,?\s*(?:and|or)\s+(?:after(?:wards)?|before|since|later|earlier|beyond)\b", re.IGNORECASE)
# Records read from each end of the person's records, a batch at a time, to find the first and the last that
# give the title; at most this many batches from each end.
BATCH = 64
BATCHES = 8


@dataclass(frozen=True)
class Office:
    """A tenure a question is bounded by: the title's words in lower case (empty: any person's title), the
    words that said it, where they start, and the pronoun they said it of ("he", "she", "they"; "" for a name)."""

    title: tuple[str, ...]
    phrase: str
    at: int
    pronoun: str = ""
    holder: str = ""  # the name said with the office ("the Nixon administration")


def find_office(text: str) -> Office | None:
    """The tenure a question is bounded by ("while he was president", "during her premiership", "as secretary
    of state", "during the Nixon administration", "under President Eisenhower"), or None: not an office a
    question asks about ("Who succeeded Marshall as secretary of state?"), nor one it goes beyond ("during his
    presidency and after")."""
    for pattern in _HELD:
        for m in pattern.finditer(text):
            held = " ".join(m.group("held").lower().split())
            title = ("president",) if held == "administration" else tuple(OFFICES.get(held, held).split())
            if not _BEYOND.match(text, m.end()):
                return Office(title, m.group(0), m.start(), holder=m.group("holder"))
    for n, pattern in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            groups = m.groupdict()
            if groups.get("office"):
                office = re.sub(r"\s+", " ", groups["office"].lower())
                title = tuple(OFFICES[office].split()) if office in OFFICES else ()
                owner = {"his": "he", "her": "she", "their": "they"}.get(groups["owner"].lower(), "")
                end = m.end()
                found = Office(title, m.group(0), m.start(), owner)
            else:
                if n == 2 and _SUCCESSION.search(text):
                    continue
                words = list(re.finditer(r"[A-Za-z]+", groups["title"]))
                last = _title_end([w.group(0).lower() for w in words])
                if last is None:
                    continue
                end = m.start("title") + words[last].end()
                title = tuple(w.group(0).lower() for w in words[: last + 1])
                who = (groups.get("who") or "").lower()
                found = Office(title, text[m.start():end], m.start(), who if who in ("he", "she", "they") else "")
            if _BEYOND.match(text, end):
                continue
            return found
    return None


def _title_end(words: list[str]) -> int | None:
    """The index of a title's last word, when words start with one: "president", "prime minister", "secretary of
    state" ("of" and a word that is no article), or None ("as well as the minister")."""
    if words[0] in _TITLE_OPENERS and len(words) > 1 and words[1] == "minister":
        return 1
    if words[0] not in PERSON_TITLES:
        return None
    if len(words) > 2 and words[1] in ("of", "for") and words[2] not in ("the", "a", "an"):
        return 2
    return 0


# Words before a title that make it another office: "Vice President", "former President", "Deputy Secretary".
_OTHER_OFFICE = ("vice", "former", "deputy", "assistant", "under", "acting", "late", "ex")
# A name after its title: a run of capitalised words and initials, a bracketed other form among them ("Harry S.
# Truman", "Hillary Rodham Clinton", "Henry A. (Heinz Alfred) Kissinger").
_NAME_WORD = r"(?:[A-Z][\w'’-]*\.?|[A-Z]\.|\([^()]{1,60}\))"
_NAME_RUN = rf"({_NAME_WORD}(?:\s+(?:{_NAME_WORD}|de|van|von|bin|al)){{0,6}})"


def title_pattern(title: tuple[str, ...]) -> re.Pattern:
    """A title as written in a record, then the name after it (group 1); an empty title is any person's title."""
    words = title or tuple(sorted(PERSON_TITLES))
    said = r"\s+".join(map(re.escape, title)) if title else "(?:" + "|".join(map(re.escape, words)) + ")"
    others = "".join(rf"(?<!\b{w} )(?<!\b{w}-)" for w in _OTHER_OFFICE)
    return re.compile(rf"(?i:{others}\b{said})\s+{_NAME_RUN}")  # the title in any case, the name capitalised


def gives_title(text: str, pattern: re.Pattern, spelling: frozenset[str], key: str) -> bool:
    """Whether a record's text gives a person a title: the title (title_pattern()), not after "former" or "late"
    a few words before ("former South African President"), then a name that holds every word of a spelling of
    the person's name, or its key word (the surname) and no other word but initials and a bracketed other form
    ("President Harry S. Truman" for "Truman", "President Truman" for "Harry Truman"; not "President Ellen
    Johnson Sirleaf" for "Lyndon Johnson", "Vice President Richard Nixon", nor "President Quirling met Edda
    Varnholt")."""
    for m in pattern.finditer(text):
        if _FORMER.search(text[max(0, m.start() - 40):m.start()]):
            continue
        words = {w for w in tokens(re.sub(r"\([^()]*\)", " ", m.group(1))) if len(w) > 1}
        if spelling <= words or key in words and words <= spelling:
            return True
    return False


# "former", "late", "ex-" up to three words before a title: an office held before the record's time.
_FORMER = re.compile(r"\b(?:former|late|ex|erstwhile)\b[-\s]+(?:\S+\s+){0,2}$", re.IGNORECASE)


def tenure(index, name, title: tuple[str, ...]) -> tuple[date, date] | None:
    """The first day of the earliest and the last day of the latest record that give the person (qa/query.Name)
    the title, or None when none does.

    The person's records are found by one keyword search for the key of each spelling of the name (the last word
    of the question's own, the rarest word of another); when that search is full (a name thousands of records
    hold), by one for the key and the title's words, which ranks the records holding both first; when it finds
    nothing (a word most records hold, which BM25 leaves out), every record is a candidate. Up to BATCHES batches
    of BATCH are read from each end, in date order; when none of the latest gives the title, the span ends at the
    latest of the earliest that did."""
    from .retrieve import EXTREME_READ, date_order

    count = index.keywords.count
    said = tokens(name.text)
    # a spelling's key: its last word as the question says it (a surname: "President Truman" for "Harry
    # Truman"), or its rarest word
    spellings = {s: said[-1] if said and said[-1] in s else min(s, key=lambda t: (count(t), t))
                 for s in name.spellings if all(count(t) for t in s)}
    keys = sorted(set(spellings.values()))
    if not keys:
        return None
    rows = np.unique(np.asarray(index.keyword(keys, EXTREME_READ).rows, dtype=np.int64))
    if rows.size >= EXTREME_READ:
        rows = np.unique(np.asarray(index.keyword(keys + tokens(" ".join(title)), EXTREME_READ).rows,
                                    dtype=np.int64))
    elif not rows.size:
        rows = np.arange(len(index.starts), dtype=np.int64)
    rows = rows[~np.isnat(index.starts[rows])]
    pattern = title_pattern(title)

    def giving(order: np.ndarray) -> list:
        out = []
        for start in range(0, min(len(order), BATCH * BATCHES), BATCH):
            batch = [int(i) for i in order[start:start + BATCH]]
            out += [r for r in index.records.fetch(batch)
                    if any(gives_title(f"{r.title}. {r.summary}", pattern, s, k) for s, k in spellings.items())]
            if out:
                return out
        return out

    earliest = giving(rows[date_order(index, rows, False)])
    if not earliest:
        return None
    latest = giving(rows[date_order(index, rows, True)]) or earliest
    return min(r.date.start for r in earliest), max(r.date.end for r in latest)


class Tenure(NamedTuple):
    """A tenure read from the records: its first and last day, and whose it is (the name as the question said
    it)."""

    date_from: date
    date_to: date
    name: str


# "his mother", "her successor": a person the question describes by another, whose name it does not say.
_DESCRIBED = re.compile(r"\b(?:his|her|their|its)\s+(?P<who>mother|father|wife|husband|son|daughter|brother|"
                        r"sister|widow|widower|predecessor|successor|deputy|rival|opponent|heir)\b", re.IGNORECASE)
_SHE = frozenset("mother wife daughter sister widow".split())
_HE = frozenset("father husband son brother widower".split())


def _describes_the_holder(text: str, pronoun: str) -> bool:
    """Whether the office holder is someone the question only describes: "Did his mother come while she was prime
    minister?" (not "Did his wife travel with him while he was president?", where "he" is the one before)."""
    for m in _DESCRIBED.finditer(text):
        who = m.group("who").lower()
        if not pronoun or pronoun == "they" or (who in _SHE) == (pronoun == "she") or who not in _SHE | _HE:
            return True
    return False


def office_span(index, query, office: Office) -> Tenure | None:
    """The tenure a question is bounded by, from the records: of the holder named with the office, or else the
    name nearest before the words that said it (a pronoun's: the question's other names), then those of the
    question before it (unless the office holder is someone the question only describes: "his mother"), the first
    whose records give it the title; a title with "of" ("president of Mexico") is tried whole, then by its first
    word."""
    if office.holder:  # the holder is named: the question's other names are not tried
        names = [n for n in query.names if n.text in office.holder or office.holder in n.text]
    else:
        names = sorted((n for n in query.names if query.text.find(n.text) < office.at),
                       key=lambda n: -query.text.find(n.text))
        names += [n for n in query.names if n not in names]
    context = [] if _describes_the_holder(query.text, office.pronoun) else query.context
    titles = [office.title] + ([office.title[:1]] if len(office.title) == 3 else [])
    for name in [*names, *context]:
        for title in titles:
            span = tenure(index, name, title)
            if span is not None:
                return Tenure(*span, name.text)
    return None


def reading(office: Office, span: Tenure) -> str:
    """How the answer says it read a tenure."""
    title = " ".join(office.title) or "by a title"
    return (f"\"{office.phrase}\" is read as {span.date_from.isoformat()} to {span.date_to.isoformat()}: the first "
            f"and the last record that call {span.name} {title}.")
