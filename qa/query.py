"""Reading a question: its date range, its names in the corpus's spelling, and the words left to match."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .keywords import KeywordIndex
from .names import NOT_NAMES, NameMatcher
from .text import tokens


@dataclass(frozen=True)
class Query:
    """A question made ready for retrieval."""

    text: str                     # the question as asked (cleaned)
    match_text: str               # what is embedded: the date phrase taken out, corpus spellings added
    tokens: list[str]             # what BM25 matches, variants included
    date_from: date | None = None
    date_to: date | None = None
    date_phrase: str = ""
    names: list[str] = field(default_factory=list)   # spellings added from aliases and close matches
    listing: bool = False         # a date range and no topic: "What documents are from October 1947?"
    missing_names: list[str] = field(default_factory=list)  # capitalised words the corpus never uses
    rare_names: list[str] = field(default_factory=list)     # names the corpus uses in few records
    wants_list: bool = False      # "which telegrams did Vyshinsky send?": every matching record, in date order


# Words that ask for records without naming a topic: with a date range and nothing else, list the range.
GENERIC = frozenset(tokens("""happen happened happening occur occurred discuss discussed written write wrote
created produced sent date dated dates hold holds held collection paper papers file files item items list show
find give anything something everything exist exists there available onward onwards documents records record
archive archives material materials text texts entries entry any all which what come comes came
from onward period time report reported reports reporting mention mentioned note noted say said tell told
know known"""))


def analyze(text: str, keywords: KeywordIndex, names: NameMatcher, *, dates: bool = True,
            variants: bool = True) -> Query:
    """Split a question into its date range and its topic, and bring its names to the corpus's spelling."""
    rest, date_from, date_to, phrase = text, None, None, ""
    if dates:
        from .qdates import find_dates

        found = find_dates(text)
        if found.found and found.rest.strip():
            rest, date_from, date_to, phrase = found.rest, found.date_from, found.date_to, found.phrase
        elif found.found:
            date_from, date_to, phrase = found.date_from, found.date_to, found.phrase
    own = tokens(rest)
    if variants:
        ex = names.expand(rest)
        expanded, added, covered = ex.tokens, ex.added, ex.covered
    else:
        expanded, added, covered = own, [], set()
    match_text = rest if not added else f"{rest} ({', '.join(dict.fromkeys(added))})"
    listing = bool(phrase) and not (set(own) - GENERIC)
    vocabulary = keywords.vocabulary

    def known(word: str) -> bool:
        return any(t in vocabulary or t in covered for t in tokens(word))

    # A name is known when its last word is: 'Terentii Shtikov' counts through 'Shtikov' -> 'Shtykov'.
    phrases = name_phrases(rest) if variants else []
    missing = [" ".join(p) for p in phrases if not known(p[-1])]
    spelled = {t: names.variant(t) or t for p in phrases for w in p for t in tokens(w)}
    rare = [" ".join(p) for p in phrases if known(p[-1])
            and any(0 < keywords.share(spelled[t]) <= RARE_SHARE for w in p for t in tokens(w))]
    return Query(text, match_text, expanded, date_from, date_to, phrase, added, listing, missing, rare,
                 listing or bool(_LIST.search(text)))


# A question asking for a set of records: "list ...", "all/every ...", "which telegrams ...", "what documents ...".
_LIST = re.compile(r"^\s*(list|show|give|enumerate|name)\b|\b(all|every|each)\b|\bin (date|chronological) order\b|"
                   r"^\s*(which|what)\s+(\w+\s+){0,2}(documents|records|telegrams|cables|reports|papers|letters|"
                   r"messages|memoranda|memos|protocols|meetings|decisions|resolutions|conversations|files|items)\b",
                   re.IGNORECASE)


# A name held by at most this share of the records singles them out: keyword matches then count as much as
# meaning ('Papers written by Yakov Malick' is about Malik's records, whatever the embedding prefers).
RARE_SHARE = 0.2


_NAME_WORD = re.compile(r"[A-Z][\w'’.-]*\w|[A-Z]")
_SPLIT = re.compile(r"[^\w'’.-]+")
def name_phrases(text: str) -> list[list[str]]:
    """Runs of capitalised words in a question ('West Berlin', 'Kim Il Sung'), titles and question words left out."""
    phrases: list[list[tuple[int, str]]] = []
    run: list[tuple[int, str]] = []
    for i, word in enumerate(_SPLIT.split(text)):
        w = word.strip(".'’-")
        w = re.sub(r"['’]s$", "", w)
        if w and _NAME_WORD.fullmatch(w) and w not in NOT_NAMES and w != "I":
            run.append((i, w))
            continue
        if run:
            phrases.append(run)
        run = []
    if run:
        phrases.append(run)
    # The first word of a question is capitalised anyway: it is a name only within a run ('Kim Gu said...').
    return [[w for _, w in p] for p in phrases if tokens(p[-1][1]) and not (p[0][0] == 0 and len(p) == 1)]
