"""A follow-up read against the answer before it: the records that answer cited, and where in time they stand.

A follow-up leans on the question before it ("When was that?", "What did he do next?", "And a year later?").
Its words and the earlier question's are matched (qa/query.py); this module adds what the earlier
*answer* tells: which records it cited, and their dates. A follow-up that moves in order ("next", "right
before that", "his previous trip") or in time ("a year later") when the earlier question named no dates is
placed against the cited record's date, the nearest records in that direction first. A bare "after" or
"before" ("after Moscow", "on the way to the summit") is placed against the cited record that holds the words
following it (or the record of its thread that does), and those words are where the move starts, not its topic. A move leaves the records of the event
it starts from (cited on that record's dates); the earlier answer's other records may answer it. A follow-up
with no topic of its own ("When was that?", "who signed it") is about the records the earlier answer cited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import numpy as np

from .qdates import without
from .retrieve import Hit
from .text import terms, tokens

# "after that", "next", "did he come back?", "right before", "his previous trip", "earlier meetings": the
# direction, and the words out. A unit of time ("the next day", "two years earlier") is a shift (qa/qdates.py), read first.
# "right after", "soon after that", "just before": the same move
_SOON = r"(?:(?:right|just|shortly|immediately|directly|soon)\s+)?"
_AFTER = (rf"next|{_SOON}afterwards?|from\s+there|{_SOON}after\s+(?:that|this|it|them|those|these|then|wards)|"
          r"(?:come|comes|came|coming|go|goes|went)\s+back|going\s+back(?!\s+to\b)|again|"
          r"subsequent(?:ly)?|"
          rf"later\s+on|later|following\s+(?:that|this|it|them)|since\s+then|{_SOON}thereafter|"
          r"on\s+(?:the|his|her|their)\s+(?:way|journey|trip)\s+(?:home|back)|"
          rf"{_SOON}after(?!\s+all\b)")
_BEFORE = (rf"on\s+(?:the|his|her|their)\s+way\s+to|{_SOON}"
           r"before(?:\s+(?:that|this|it|them|those|these|then|hand|going|leaving|coming|arriving|visiting))?|"
           r"beforehand|"
           r"previous(?:ly)?|preceding|prior(?:\s+to\s+(?:that|this|it|them))?|earlier|until\s+then")
# How much the records nearest the earlier answer and those most like its record count in the fusion for a
# move in order, against 1.0 for the question's dense ranking (chosen on the dev splits: 0.5 to 2 for either
# changed follow-up hit@1 by at most one question).
NEAR_WEIGHT = 1.0
LIKE_WEIGHT = 1.0
# A move in order also ranks the THREAD records most like the cited one by their nearness in time ("where did he
# go next?": his next journey, not the nearest record of anyone's, nor the most like his of any year), at this
# weight (chosen on the dev splits: 20 to 50 records gave the same figures; weight 0.5 one question fewer).
THREAD = 20
THREAD_WEIGHT = 1.0
# A move in order ranks the records of the cited record's series (series()) by nearness, looked for among this
# many whose words are most like its title's (BM25) and those most like the record.
SERIES = 200
# An untitled record stands for its thread by the start of its summary.
THREAD_CHARS = 200
_ORDER = re.compile(rf"\b(?:(?P<after>{_AFTER})|(?P<before>{_BEFORE}))\b", re.IGNORECASE)


# A follow-up asking for others than the earlier answer gave ("any other president", "which other visits", "who
# else", "where else did he go?", "anything else from that year?", "other than those"): the records that answer
# cited cannot answer it. Not "what else did he do there?" nor "did she say anything else about it?", which the
# same record may answer: "anything else" asks for others only when a period or nothing follows it.
_OTHER = re.compile(r"\b(?:(?:any|which|what|some|the|no)\s+others?\b|other\s+than\b|(?:who|anyone|"
                    r"anybody|someone|somebody|where|anywhere|somewhere)\s+else\b|elsewhere\b|"
                    r"(?:anything|something)\s+else"
                    r"(?=\s*(?:[?.!]|$|(?:from|in|dated|during|between|before|after|since|for)\b)))",
                    re.IGNORECASE)
# "there" as a place said before ("Who else went there that year?", "Who else was there?"): asking for others,
# the question keeps the place the earlier question named as its topic (qa/query.py analyze); not "there" saying
# that something is ("Is there anything else?", "Was there anyone else?", "Has there been another?") nor the place
# left ("from there").
THERE = re.compile(r"(?<!\bfrom )\bthere\b(?!\s+(?:is|are|was|were|be|been|any|a|an|anyone|anybody|anything|"
                   r"someone|somebody|something|no|nobody|nothing|none|other|others|another|more|much|many|"
                   r"some|one|further|additional)\b)", re.IGNORECASE)
# Words asking for something besides what the answer before gave ("What else did he do that day?").
_ELSE = re.compile(r"\b(?:else|other|others|another)\b", re.IGNORECASE)


def others_there(text: str) -> bool:
    """Whether a follow-up asks for others at the place said before ("Who else went there that year?")."""
    return bool(_OTHER.search(text) and THERE.search(text))


# ... unless it points back at the earlier answer's event ("Which other cities did he see on that trip?", "at the
# same meeting"): then "other" is of what that record holds. Not a period, a kind or a place ("in that year", "of
# that kind", "in that country"): others of those.
_EVENTS = ("trip|trips|visit|visits|journey|journeys|tour|voyage|mission|stay|stop|meeting|meetings|conference|"
           "summit|talks|session|ceremony|funeral|dinner|reception|occasion|event|signing|negotiations")
_EVENT_WORDS = frozenset(t for w in _EVENTS.split("|") for t in terms(w))  # as terms() reads them
_SAME_EVENT = re.compile(rf"\b(?:on|during|in|at|of|from)\s+(?:that|this|the)\s+(?:(?:same|very)\s+)?"
                         rf"(?:{_EVENTS})\b", re.IGNORECASE)


# The words after a move that may name the record it is from ("after Moscow", "on the way to the summit"): up
# to this many, before any punctuation.
OBJECT_WORDS = 8
_OBJECT = re.compile(r"\s*([^,;:?!()]*)")


class Order(NamedTuple):
    """A follow-up's move in order from the earlier answer: +1 after it, -1 before it."""

    way: int
    phrase: str
    rest: str  # the follow-up without the phrase
    follows: str = ""  # the words after a bare "after"/"before", which may name the record the move is from
    at: int = 0        # where in rest the phrase was (the words follow it)


# Verbs of going somewhere, before "again" or "from there" ("Did she visit Rome again?", "Where did he go from
# there?").
_GOING = frozenset("""go goes went going come comes came coming visit visits visited visiting return returns returned
returning travel travels travelled traveled travelling traveling fly flies flew head heads headed move moves moved
continue continued proceed proceeded sail sailed drive drove be been meet met see saw""".split())
# A bare "after" or "before" after these words is no move in time: "looked after her delegation", "named after
# him", "presented before the parliament", "testified before Congress".
_IN_PLACE = frozenset("""look looks looked looking named take takes took taking ask asks asked asking present
presents presented presenting appear appears appeared appearing testify testifies testified testifying bring
brings brought bringing put puts laid lay lays laying argue argues argued arguing plead pleads pleaded stand
stands stood standing heard""".split())


def find_order(text: str) -> Order | None:
    """The direction a follow-up moves from the earlier answer ("next", "before that", "his previous visit",
    "after Moscow")."""
    m = next((m for m in _ORDER.finditer(text) if not _in_place(text, m)), None)
    if not m:
        return None
    # only a bare "after", "before" or "on the way to" is followed by what it is after: "next" by what is asked
    anchored = m.group(0).lower().split()[-1] in ("after", "before", "to")
    follows = " ".join(_OBJECT.match(text, m.end()).group(1).split()[:OBJECT_WORDS]) if anchored else ""
    return Order(1 if m.group("after") else -1, m.group(0), without(text, m), follows,
                 len(" ".join(text[:m.start()].split())))


@dataclass(frozen=True)
class Earlier:
    """The answer a follow-up leans on: its weighed candidates (qa/retrieve.Hit), those it cited first in the
    order it cited them (by support, in date order for a list, nearest first for a move), then the rest as it
    ranked them (qa/archive.py _earlier); it cited the first `cited`."""

    hits: tuple
    cited: int
    names: tuple = ()  # the names the earlier question gave itself (qa/query.Name)

    @property
    def rows(self) -> tuple[int, ...]:
        """The rows it cited, in the order it cited them."""
        return tuple(h.row for h in self.hits[: self.cited])

    def alongside(self, anchor) -> frozenset[int]:
        """The anchor's row (a Hit) and the rows it cited on the anchor's dates: one event, which a move from the
        anchor leaves."""
        from .dates import overlaps

        when = anchor.record.date
        return frozenset([anchor.row]) | {h.row for h in self.hits[: self.cited]
                                          if overlaps(h.record.date, when.start, when.end)}

    @property
    def first(self):
        """The dated record it cited whose title holds the most of the names the earlier question gave (the
        record it was about: "When did the minister address parliament?" may cite a visitor's journey to her
        before her own), the first cited of those (its Hit); None when it cited no dated record."""
        from .support import holds_names, title_words

        dated = [h for h in self.hits[: self.cited] if not h.record.undated]
        if not dated or not self.names:
            return dated[0] if dated else None
        held = [sum(holds_names(title_words(h.record), [n]) for n in self.names) for h in dated]
        return dated[held.index(max(held))]


# "from there" is a move when said of a verb of going at most this many words before it ("Did he fly back to
# Washington from there?"), whose subject is the one asked about before, not others ("Did any president come to
# Washington from there?", "Did he meet anyone from there?": people from that place).
FROM_THERE_WORDS = 4
_OTHERS = frozenset("any anyone anybody someone somebody anything something everyone everybody people which what "
                    "who whom other others some no every".split())
_AUXILIARIES = frozenset("did does do was were is are had has have will would could can".split())


def _going_from_there(before: list[str]) -> bool:
    """Whether "from there", after these words (lower case), is said of a move by the one asked about before."""
    for j in range(len(before) - 1, max(-1, len(before) - 2 - FROM_THERE_WORDS), -1):
        if before[j] not in _GOING:
            continue
        if _OTHERS & set(before[j + 1:]):  # "meet anyone from there"
            return False
        subject = [w for w in before[:j] if w not in _AUXILIARIES]
        return _OTHERS.isdisjoint(subject[-2:])  # "Did any president come ...", "Which leaders have visited ..."
    return False


def _in_place(text: str, m: re.Match) -> bool:
    """Whether a move's words are no move in time: a bare "after"/"before" after a verb that makes it none
    (_IN_PLACE), "again" with no verb of going before it ("What was the date again?"), "from there" not said of
    a move by the one asked about (_going_from_there: "What did he report from there?", "Did anyone come to
    Washington from there?"; not "Where did he fly on to from there?")."""
    before = [w.lower().strip(",;:") for w in text[: m.start()].split()]
    phrase = " ".join(m.group(0).lower().split())
    if phrase.split()[-1] in ("after", "before"):  # bare, or "right after"
        return bool(before) and before[-1] in _IN_PLACE
    if phrase == "again":
        return not any(w in _GOING for w in before)
    if phrase == "from there":
        return not _going_from_there(before)
    return False


def anchor_of(earlier: Earlier, order: Order, index, depth: int):
    """The record a move is from (a Hit with its row), and the words naming it: the first cited record whose
    title and summary hold every content word of the longest run of words after the move ("after Moscow");
    failing that, of the records most like the first cited one (its thread) the one nearest it in time that holds
    them (a stop the earlier answer did not cite: "after Moscow" when it cited the stop before Moscow); else the
    cited record the earlier question was about (Earlier.first), and no words."""
    from .support import record_words

    first = earlier.first
    cited = [h for h in earlier.hits[: earlier.cited] if not h.record.undated]
    runs = word_runs(order.follows)
    for run, want in runs:
        for h in cited:
            if want <= record_words(h.record).tokens:
                return h, run
    if runs:
        rows = [int(r) for r in index.dense(index.vectors([first.row])[0], depth)[0]]
        records = index.records.fetch(rows)  # one round trip, whatever the store
        when = first.record.date.start
        for run, want in runs:
            held = [(abs((record.date.start - when).days), i) for i, record in enumerate(records)
                    if not record.undated and want <= record_words(record).tokens]
            if held:
                i = min(held)[1]
                return Hit(records[i], 0.0, 0, row=rows[i]), run
    return first, ""


def word_runs(text: str) -> list[tuple[str, set[str]]]:
    """The runs of words that start a text, each with its content words, the most content words first; a run is
    cut after its last content word ("Madrid where did she" is "Madrid")."""

    words, runs, seen = text.split(), [], set()
    for n in range(1, len(words) + 1):
        want = terms(" ".join(words[:n]))
        if want and want != seen:
            runs.append((" ".join(words[:n]), want))
            seen = want
    return runs[::-1]


def order_range(anchor, way: int) -> tuple[date | None, date | None]:
    """The period after (or before) a record: open on the far side, and including the record's own dates, since
    the next event may fall on the same day."""
    return (anchor.date.start, None) if way > 0 else (None, anchor.date.end)


def adjacent(starts: np.ndarray, row: int, way: int, n: int, skip: frozenset[int] = frozenset()) -> list[int]:
    """The n dated rows next to a row in the collection's order (by first day, then row), after it (way 1) or
    before it (-1), nearest first, leaving out skip (the records of the event moved from). Two records of one day
    are one after the other, never both next."""
    dated = ~np.isnat(starts)
    if not dated[row] or n <= 0:
        return []
    order = np.where(dated, starts.astype("datetime64[D]").astype(np.int64), 0) * len(starts) \
        + np.arange(len(starts), dtype=np.int64)  # day, then row: one number, every row its own
    here = order[row]
    found = np.flatnonzero(dated & ((order > here) if way > 0 else (order < here)))
    if skip:
        found = found[~np.isin(found, np.fromiter(skip, dtype=np.int64))]
    keys = order[found] * way  # nearest first: smallest after, largest before
    if len(found) > n:
        keep = np.argpartition(keys, n - 1)[:n]
        found, keys = found[keep], keys[keep]
    return [int(r) for r in found[np.argsort(keys, kind="stable")]]


def by_nearness(starts: np.ndarray, ends: np.ndarray, rows: np.ndarray, anchor, way: int) -> np.ndarray:
    """Rows in the order of their nearness in time to a record, moving one way from it (stable: ties keep
    their order)."""
    rows = np.asarray(rows, dtype=np.int64)
    edge = starts[rows] if way > 0 else ends[rows]
    when = np.datetime64(anchor.date.start if way > 0 else anchor.date.end, "D")
    return rows[np.argsort(np.abs((edge - when).astype(np.int64)), kind="stable")]


# The words before "that year" that keep a move within it ("later that year"); "after that year" is past it.
WITHIN = ("later", "earlier")


def _within(bounds: tuple[date | None, date | None], record, shift) -> tuple[date | None, date | None]:
    """A move's range from a record cut to the time of that record a shift names ("later that year": after the
    record, within its year); as it is without one, or when the record is undated or the cut leaves nothing."""
    if shift is None or record.undated:
        return bounds
    from .qdates import shifted

    (lo, hi), (a, b) = bounds, shifted(record.date.start, record.date.end, shift)
    lo, hi = (max(d for d in (lo, a) if d) if lo or a else None), (min(d for d in (hi, b) if d) if hi or b else None)
    return bounds if lo and hi and lo > hi else (lo, hi)


def nearest(starts: np.ndarray, ends: np.ndarray, earlier: Earlier, anchor, way: int, limit: int,
            bounds: tuple[date | None, date | None] | None = None) -> list[int]:
    """The rows in the direction of a move from the anchor (a Hit), nearest it first (the rows of its event out:
    Earlier.alongside), within bounds when given (else order_range())."""
    from .dates import meets

    record = anchor.record
    lo, hi = bounds or order_range(record, way)
    order = by_nearness(starts, ends, np.flatnonzero(meets(starts, ends, lo, hi)), record, way)
    mine = earlier.alongside(anchor)
    return [int(r) for r in order[: limit + len(mine)] if int(r) not in mine][:limit]


@dataclass(frozen=True)
class Leaning:
    """What the earlier answer changes in a follow-up's retrieval."""

    date_from: date | None
    date_to: date | None
    lists: tuple[tuple[tuple[int, ...], float], ...] = ()  # extra ranked rows for the fusion, with their weight
    exclude: frozenset[int] = frozenset()                  # rows that cannot answer (the event moved from)
    thread: str = ""    # a move from the record cited before: its title (for a move in order, the head of its
                        # series, series()), the topic in place of the question before
    rest: str = ""      # ... and the follow-up without the words of the move
    naming: str = ""    # the words that named the record moved from ("after Moscow"): not the topic of the move
    same: bool = False  # no topic of its own: the earlier answer's records answer it
    way: int = 0        # a move in order: +1 after the record moved from, -1 before it (the nearest first)
    origin: object = None  # ... and the record it moves from (qa/records.Record)
    browse: tuple[int, ...] = ()  # a move to the collection's next records, whatever their topic (browses()):
                                  # their rows, nearest first


def lean(query, earlier: Earlier, index, depth: int) -> Leaning:
    """How a follow-up leans on the earlier answer (see the module's docstring): query is qa/query.Query with
    the dates it was given (its own, or the earlier question's), index the store (qa/stores/) it is asked of."""
    from .qdates import find_shift, shifted

    keep = Leaning(query.date_from, query.date_to)
    first = earlier.first
    # the earlier question named no dates, or the shift would have moved them
    shift = None if query.time_said else find_shift(query.text, edges=True)
    order = find_order(query.text)
    within = None  # "later that year", "an earlier report that year": a move within the time of the record it
    if shift is not None and shift.same and (shift.edge or order is not None):  # moves from (not "after that
        within = shift if order is not None and shift.edge in ("", *WITHIN) else None  # year": past it)
        shift = None
    # "any other president": not the records already given, in the time a shift names ("Who else went that
    # same week?", "Who else went there later that year?")
    if earlier.rows and _OTHER.search(query.text) and not _SAME_EVENT.search(query.text):
        lo, hi = (query.date_from, query.date_to)
        if within is not None and first is not None:
            lo, hi = _within(order_range(first.record, order.way), first.record, within)
        elif shift is not None and first is not None:
            lo, hi = shifted(first.record.date.start, first.record.date.end, shift)
        return Leaning(lo, hi, exclude=frozenset(earlier.rows))
    if query.time_said or not earlier.rows:
        return keep
    if shift is not None:
        if first is None:
            return keep
        lo, hi = shifted(first.record.date.start, first.record.date.end, shift)
        # at the very time of the record it led with ("What did he say that day?") that record may answer, unless
        # the question asks for something else ("What else did he do that day?")
        kept = shift.same and not _ELSE.search(query.text)
        return _thread(earlier, first, index, depth, lo, hi, (), shift.rest, keep=kept)
    if order is not None and first is not None:
        start, naming = anchor_of(earlier, order, index, depth)
        asked = browses(without_words(query.text, naming), several=depth)
        if asked:  # the collection's next records, in its order: by first day, then as they were added
            rows = adjacent(index.starts, start.row, order.way, asked, earlier.alongside(start))
            return Leaning(None, None, way=order.way, origin=start.record, browse=tuple(rows))
        lo, hi = _within(order_range(start.record, order.way), start.record, within)
        near = tuple(nearest(index.starts, index.ends, earlier, start, order.way, depth, (lo, hi)))
        return _thread(earlier, start, index, depth, lo, hi, ((near, NEAR_WEIGHT),),
                       _going_out(without_words(order.rest, naming, order.at)), naming, way=order.way)
    if not query.names and not query.terms:
        return Leaning(query.date_from, query.date_to, same=True)
    return keep


# Nouns a question uses for a record of any kind ("the next document", "the item before that one").
RECORD_NOUNS = frozenset("""document documents record records item items entry entries paper papers file
files""".split())
# Words a request to browse may hold besides them: "in the series", "in date order", "right before that".
_BROWSING = frozenset(tokens("""series order sequence chronological chronologically date dated right just
immediately directly collection archive"""))
# Words that point at someone: a move of theirs follows their series ("What did he do next?"), not the
# collection's.
_SOMEONE = frozenset("he she they him her them his hers their theirs".split())
# What names the record moved from: a demonstrative and its noun after the move ("after that decision", "before
# that one"), or "after it"; not "on this topic", "by that author", which name a topic.
_POINTED = re.compile(r"\b(?:after|before|since|following|preceding|than)\s+(?:(?:that|this|those|these)"
                      r"(?:\s+(?!(?:about|on|by|from|of|in|to|with|for|concerning)\b)[a-z][\w'’-]*)?|it|them)\b",
                      re.IGNORECASE)
# ... and what is left pointing back names a topic ("the next document about it", "on this topic").
_BACK = re.compile(r"\b(?:that|this|those|these|it|its|them|they|their)\b", re.IGNORECASE)


def browses(text: str, several: int) -> int:
    """How many of the collection's next (or previous) records a move in order asks for whatever they are
    about, or 0 when it asks for something: its words (the move's, and those naming the record moved from, out)
    call it a record, one ("What is the next document in the collection?", "And the record before that one?")
    or several in the plural ("List the documents before that": up to several; "the three documents after it":
    three), and name no topic and no one ("the next document on this topic", "his next record": 0)."""
    from .intent import GENERIC, words
    from .qdates import NUMBERS

    rest = _ORDER.sub(" ", _POINTED.sub(" ", text))
    said = [w.lower() for w in words(rest)]
    nouns = set(said) & RECORD_NOUNS
    counts = {i: int(w) if w.isdigit() else NUMBERS.get(w) for i, w in enumerate(said[:-1])
              if said[i + 1] in nouns and (w.isdigit() or w in NUMBERS)}  # "the three documents before that"
    topic = set(tokens(rest)) - GENERIC - _BROWSING - set(tokens(" ".join(RECORD_NOUNS))) \
        - set(tokens(" ".join(said[i] for i in counts)))
    if not nouns or set(said) & _SOMEONE or topic or _BACK.search(rest):
        return 0
    if counts:
        return min(max(counts.values()), several)
    return several if any(n.endswith("s") for n in nouns) else 1


# ... of which these only say that someone went on ("meet", "see" may be what is asked: "Whom did he meet next?"),
# after a subject, an auxiliary or a possessive ("where did he head next?", "was she heading", "her visit before
# that one"; not "the next head of the mission").
_ONWARD = _GOING - frozenset("meet met see saw be been".split()) | frozenset("""heading flying sailing moving
driving proceeding continuing gone""".split())
_ONWARD_WORD = re.compile(r"\b(?P<subject>he|she|they|i|we|you|his|her|their|did|does|do|was|were|is|are|had|"
                          r"has|have|will|would)\s+(?:" + "|".join(sorted(_ONWARD, key=len, reverse=True)) + r")\b",
                          re.IGNORECASE)


def _going_out(text: str) -> str:
    """A move's words without its verbs of going on ("Where did he head next?"): they are the move, not its
    topic ("head" of a "head of state")."""
    return " ".join(_ONWARD_WORD.sub(lambda m: m.group("subject"), text).split())


def without_words(text: str, words: str, start: int = 0) -> str:
    """The text with a run of words cut out (the words that named a move's record), the first from start on."""
    if not words:
        return text
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words.split()) + r"(?!\w)")
    m = pattern.search(text, max(0, start - 1)) or pattern.search(text)
    return without(text, m) if m else text


def _left(naming: str) -> frozenset[str]:
    """The words naming where a move starts that the records it may answer with cannot hold ("after Moscow": not
    another record in Moscow); none for an event named by its noun ("after the summit", "after the U.S.-Soviet
    summit": the next record may speak of it)."""
    said = tokens(naming)
    return frozenset() if not said or said[-1] in _EVENT_WORDS else frozenset(said)


def _thread(earlier: Earlier, anchor, index, depth: int, lo: date | None, hi: date | None, lists: tuple,
            rest: str, naming: str = "", way: int = 0, keep: bool = False) -> Leaning:
    """A move from a record (anchor, a Hit: one the earlier answer cited, or of its thread): the records in
    [lo, hi] most like it (the same traveller, the same series) count in the fusion, and the record's title stands
    for the topic. A move in order (way) also counts the records of its series (series(); failing one, the
    THREAD most like it) by their nearness in time, the next record of the same series, and the head of the
    series stands for the topic in place of the whole title ("... Varnholt to", not "... to Spain (Madrid)").
    A move named by where it starts ("after Moscow") counts no record holding those words in these rankings,
    unless most of the thread holds them ("after her journey": they name no place). keep: the records of the
    anchor's event may answer too (a time, not a move: "that day")."""
    mine = frozenset() if keep else earlier.alongside(anchor)
    rows, _ = index.dense(index.vectors([anchor.row])[0], depth + len(mine), index.within(lo, hi))
    like = tuple(int(r) for r in rows if int(r) not in mine)
    if _left(naming):
        there = _holding(index, naming, {r for ranked, _ in lists for r in ranked} | set(like))
        if len(there & set(like[:THREAD])) * 2 <= len(like[:THREAD]):
            like = tuple(r for r in like if r not in there)
            lists = tuple((tuple(r for r in ranked if r not in there), weight) for ranked, weight in lists)
    record = anchor.record
    topic = record.summary[:THREAD_CHARS] if record.untitled else record.title
    if way and like and not record.undated and not record.untitled:  # untitled records make no series
        head, kin = series(index, record, lo, hi, mine, like)
        thread = by_nearness(index.starts, index.ends, np.array(kin or like[:THREAD]), record, way)
        lists = (*lists, (tuple(int(r) for r in thread), THREAD_WEIGHT))
        topic = head or topic
    return Leaning(lo, hi, (*lists, (like, LIKE_WEIGHT)), mine, thread=topic, rest=rest, naming=naming, way=way,
                   origin=record if way else None)


def of_thread(hits: list, leaning: Leaning) -> frozenset[int]:
    """For a move in order: the candidates of the thread it moves along, however like the question they read
    ("Where did he fly on to from there?": his next journeys, the nearest first, not the most similar): those
    holding all the question's names (Evidence.names), dated, and not where the move starts (_left())."""
    from .support import record_words

    if leaning.origin is None:
        return frozenset()
    left = _left(leaning.naming)
    return frozenset(h.row for h in hits if h.evidence is not None and h.evidence.names >= 1.0
                     and not h.record.undated
                     and not (left and left <= record_words(h.record).tokens))


def leading(hits: list, leaning: Leaning, bar: float) -> frozenset[int]:
    """For a move in order whose hits nearest_first() ordered: the records of its thread (of_thread()) nearer than
    the nearest record likely enough to be cited (bar), and at least the nearest one: where he went next, in
    order, up to the first that reads like the question. (Its stops between that one and the next likely one are
    not cited: holding every stop up to the farthest likely record cited three times as many records, most of
    them not asked for.)"""
    rows = of_thread(hits, leaning)
    thread = [h.row for h in hits if h.row in rows]
    likely = next((i for i, h in enumerate(hits) if h.support >= bar), len(hits))
    return frozenset(thread[:1]) | {h.row for h in hits[:likely] if h.row in thread}


def nearest_first(hits: list, leaning: Leaning, bar: float, starts: np.ndarray, ends: np.ndarray) -> list:
    """For a move in order ("Where did he go next?"): the records likely enough to be cited (bar) and those of
    its thread (of_thread()), nearest in time to the record moved from first, in the move's direction
    (by_nearness over the index's first and last days, starts and ends), then the rest as weighed."""
    from dataclasses import replace

    record = leaning.origin
    if record is None or record.undated:
        return hits
    thread = of_thread(hits, leaning)
    likely = {h.row: h for h in hits if (h.support >= bar or h.row in thread) and not h.record.undated}
    if len(likely) < 2:
        return hits
    near = [likely[int(r)] for r in by_nearness(starts, ends, np.array(list(likely)), record, leaning.way)]
    ordered = near + [h for h in hits if h.row not in likely]
    return [replace(h, rank=r) for r, h in enumerate(ordered, start=1)]


def _title_words(title: str) -> list[tuple[str, str]]:
    """A title's words as written, each with its letters and digits in lower case (words of none left out)."""
    return [(w, k) for w in title.split() if (k := re.sub(r"[^\w]", "", w).lower())]


def series(index, record, lo: date | None, hi: date | None, mine: frozenset[int], like: tuple[int, ...] = ()
           ) -> tuple[str, list[int]]:
    """The series a record belongs to among the records in [lo, hi] (its own event out), and the words of its
    title that head it: the longest start of its title that other titles share, that names someone or
    something and ends on a small word after the name ("Journey of Minister Edda Varnholt to ..."), not inside
    a name nor on the place the record is about; the series is every title that begins so, its own title's
    repeats too. Looked for among the SERIES records whose words are most like its title's (BM25) and those most
    like it (like). ("", []) when no shared start names anyone ("Journey of ...")."""
    from .query import name_phrases
    from .text import tokens

    words = _title_words(record.title)
    found = index.keyword(tokens(record.title), SERIES, index.within(lo, hi)).rows
    rows = [r for r in dict.fromkeys([*found, *like]) if r not in mine]
    if not words or not rows:
        return "", []
    mine_words = [k for _, k in words]

    def shared(title: str) -> int:
        other = [k for _, k in _title_words(title)]
        return next((i for i, (a, b) in enumerate(zip(mine_words, other)) if a != b),
                    min(len(mine_words), len(other)))

    lengths = [shared(r.title) for r in index.records.fetch(rows)]
    longest = max((n for n in lengths if n < len(words)), default=0)
    for n in range(longest, 0, -1):  # back to a start that ends on a small word after a name
        head = " ".join(w for w, _ in words[:n])
        if words[n - 1][0][:1].islower() and name_phrases(head, punctuation=False):
            return head, [r for r, k in zip(rows, lengths) if k >= n]
    return "", []


def _holding(index, words: str, rows: set[int]) -> set[int]:
    """Those of the rows whose record's title and summary hold every content word of words (one fetch)."""
    from .support import record_words

    want, order = terms(words), sorted(rows)
    return {r for r, record in zip(order, index.records.fetch(order)) if want <= record_words(record).tokens}


def threaded(query, leaning: Leaning, keywords, names, *, dates: bool = True, variants: bool = True,
             is_name=None, acronym=None):
    """A follow-up that moves from the record cited before, read with that record as its topic: its own words
    (the move taken out) and the record's title are embedded, and the record's names stand for the question
    before it in the keyword match and the support model."""
    from dataclasses import replace

    from .query import analyze, names_in

    own = analyze(leaning.rest, keywords, names, dates=dates, variants=variants, is_name=is_name, acronym=acronym)
    held = names_in(leaning.thread, names, keywords.vocabulary, punctuation=False) if variants else []
    gone = terms(leaning.naming)  # where the move starts from is not where it goes
    held = [n for n in held if not gone & set(n.spellings[0])]
    spellings = sorted({t for n in held for s in n.spellings for t in s} - set(own.tokens))
    return replace(query, match_text=f"{own.match_text} ({leaning.thread})", names=own.names, terms=own.terms,
                   tokens=own.tokens + spellings, context=held, context_terms=[], context_share=1.0)
