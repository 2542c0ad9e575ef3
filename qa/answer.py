"""Answer composition: a pure function from a question and its weighed hits to a cited answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from .dates import within
from .intent import holds_office
from .query import qualifies, words_pattern
from .retrieve import Hit
from .sentences import sentences
from .stores.base import COMMON_SHARE
from .support import (ANSWER, CITE, CITE_LIST, Words, answerable, holds, holds_names, mentions,
                      title_words)
from .text import tokens
from .timeline import describe_stretch

# A question asking for a set of records cites every supported one, up to this many, in date order.
MAX_LIST = 50
# A quoted passage shorter than this many words takes the sentence beside it too ("Official visit." alone says
# little), and is led by the record's title when the title holds more of the question's words.
SHORT_QUOTE = 4
RELEVANCE = ("how likely the record answers the question (0-1), weighed from its meaning, its wording and its "
             "names against the collection's own background")


@dataclass(frozen=True)
class Citation:
    """A cited record: its number in the answer, the hit, and the passage of it the answer quotes."""

    n: int
    hit: Hit
    quote: str = ""

    @property
    def relevance(self) -> float | None:
        """The shown relevance: the probability that the record supports the answer; None in a period's
        listing, which is in date order and not weighed."""
        return None if self.hit.evidence is None else round(self.hit.support, 2)

    def to_json(self) -> dict:
        r = self.hit.record
        out = {"n": self.n, "id": r.id, "date": r.date.text, "iso_date": r.date.iso, "title": r.title,
               "summary": r.summary, "quote": self.quote, "score": self.relevance,
               "cosine": round(self.hit.score, 4)}
        for key in ("url", "collection"):
            if r.metadata.get(key):
                out[key] = r.metadata[key]
        return out

    def label(self) -> str:
        """'[n] October 29, 1947 — Telegram No. 418 from Vyshinsky'."""
        r = self.hit.record
        return f"[{self.n}] {shown_date(r)} — {r.title}"


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    found: bool
    citations: list[Citation]
    index: dict
    filters: dict = field(default_factory=dict)
    closest: list[Hit] = field(default_factory=list)
    writer: dict | None = None    # with --llm: the writer's endpoint and model, sentences drafted and kept
    removed: list[dict] = field(default_factory=list)  # with --llm: draft sentences not shown, with the reason

    def to_json(self) -> dict:
        out = {"question": self.question, "answer": self.text, "found": self.found,
               "citations": [c.to_json() for c in self.citations], "index": self.index}
        if self.filters:
            out["filters"] = self.filters
        if not self.found and self.closest:
            out["closest"] = [Citation(i, h).to_json() for i, h in enumerate(self.closest, start=1)]
        if self.writer is not None:
            out["writer"], out["removed"] = self.writer, self.removed
        return out


def shown_date(record) -> str:
    """The date as the archive wrote it, or 'Undated'."""
    return "Undated" if record.undated else record.date.text


def _held(terms: set[str], text: str) -> int:
    words = Words(tokens(text))
    return sum(holds(t, words) for t in terms)


def quote(terms: list[str], record) -> str:
    """The passage of a record that answers best: whole sentences of its summary, never a piece of one.

    The sentence holding most of the question's words (the first on a tie); a short one takes the next
    sentence too, and is led by the title when the title holds more of the question's words. A record
    without a summary is quoted by its title.
    """
    wanted = set(terms)
    parts = list(sentences(record.summary))
    if not parts:
        return record.title
    best = max(range(len(parts)), key=lambda i: (_held(wanted, parts[i]), -i))
    passage = parts[best]
    if len(passage.split()) < SHORT_QUOTE and len(parts) > 1:
        passage = " ".join(parts[best:best + 2]) if best + 1 < len(parts) else " ".join(parts[best - 1:best + 1])
    if len(passage.split()) < SHORT_QUOTE and _held(wanted, record.title) > _held(wanted, passage):
        passage = f"{record.title}: {passage}"
    return passage


def describe_range(date_from: date | None, date_to: date | None) -> str:
    if date_from and date_from == date_to:  # "Records dated 1947-10-29:"
        return date_from.isoformat()
    if date_from and date_to:
        return f"between {date_from.isoformat()} and {date_to.isoformat()}"
    if date_from:
        return f"from {date_from.isoformat()} on"
    if date_to:
        return f"up to {date_to.isoformat()}"
    return ""


def _in_order(hits: list[Hit], latest: bool) -> bool:
    """Whether the dated records among these come in date order (latest: the latest first, by last day)."""
    days = [(h.record.date.end if latest else h.record.date.start) for h in hits if not h.record.undated]
    return all(a >= b if latest else a <= b for a, b in zip(days, days[1:]))


def _by_date(hits: list[Hit], latest: bool = False) -> list[Hit]:
    """In date order, undated records last; the latest first (by their last day) when asked."""
    if latest:
        return sorted(hits, key=lambda h: (h.record.undated, -(h.record.date.end or date.min).toordinal()))
    return sorted(hits, key=lambda h: (h.record.undated, h.record.date.start or date.max))


def members(hits: list[Hit], names: list | tuple, date_from: date | None, date_to: date | None,
            keywords) -> frozenset[int]:
    """The rows of a list's records by whom or what it names, in the period it gives ("the stops on Knox's 1912
    tour of Central America"): the candidates dated inside the period whose titles hold every one of the
    question's names that single records out, each in some spelling. A name singles records out when a
    candidate's title holds it and at most half the collection's records could (COMMON_SHARE, by the bound
    extremes() reads too, Name.held_by, in which a record holding two spellings counts twice; keywords: its
    Vocabulary): "the United States" of a collection of visits to it says nothing of which. Its other words may
    say what the records never do ("Central America" of a journey to Venezuela, Guatemala and St. Thomas), so
    the records of a tour need not be likely by their words: they are its stops."""
    if date_from is None or date_to is None or not names:
        return frozenset()
    names = [replace(n, within=()) for n in names]  # a region's places are not a tour's stops
    inside = [h for h in hits if within(h.record.date, date_from, date_to)]
    titles = [title_words(h.record) for h in inside]
    common = COMMON_SHARE * keywords.n
    subject = [n for n in names if n.held_by(keywords.count) <= common
               and any(holds_names(t, [n]) for t in titles)]
    if not subject:
        return frozenset()
    return frozenset(h.row for h, t in zip(inside, titles) if holds_names(t, subject))


# A name held by more than this share of the collection's records says little by its absence ("US" in a collection
# of visits to it; every name of twenty records on one subject): an answer says which of the question's names no
# cited record holds only of those held by fewer.
LACKING_SHARE = 0.05
def _unheld(question: str, names: list | tuple, rare: frozenset[str], cited: list[Hit]) -> list[str]:
    """Those of the question's names (qa/query.Name) few records hold (rare: their texts) that no cited record
    holds, when a cited record holds another of its names (qa/support.py mentions(); "Did Carter go to Havana?"
    answered with his journeys); not an adjective or an acronym before a noun ("American president", "US
    officials": qa/query.py qualifies())."""
    held = {n.text for n in names if any(mentions(h.record, n) for h in cited)}
    out = [n.text for n in names if n.text not in held and n.text in rare
           and not qualifies(question, n, acronyms=True)]
    return out if held else []


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def off_role(hits: list[Hit], roles: tuple[str, ...]) -> frozenset[int]:
    """For a list of people by their office ("Which presidents have been to Hanoi?", intent.roles): the rows of
    the candidates whose titles name none of those offices, when a record likely enough to be cited names one. A
    catalogue's title says whose record it is ("Travel of President ...", "Visit of King ..."); a summary may
    only mention one ("Met with President Nixon" in a prime minister's visit), and that record is not a
    president's; a vice president's is not either (intent.holds_office). A collection whose titles name no
    offices leaves every record in."""
    if not roles:
        return frozenset()
    named = {h.row: any(holds_office(h.record.title, r) for r in roles) for h in hits}
    if not any(named[h.row] for h in hits if h.support >= CITE_LIST):
        return frozenset()
    return frozenset(row for row, ok in named.items() if not ok)


# Words after which a question's name is where someone went or what was sent to ("a trip to Iceland", "visited
# Panama", "address to Molotov"). Not "in" or "at": "in the Reagan years", "leaders in Latin America", "was
# Clinton in Africa" say when or who, as often as where.
_TOWARDS = r"(?:to|into|visit|visited|visiting|toured|touring|reach|reached)"
# What joins a second name to the first in one role ("to Vyshinsky or Molotov", "to Poland and Hungary"); not a
# comma, which may end a clause ("Besides the trip to Japan, Obama went where?").
_JOINED = r"\s+(?:or|and|nor)\s+"
# Phrases in which "to" is no direction ("according to Molotov", "due to", "prior to").
_NOT_TOWARDS = re.compile(r"\b(?:according|due|owing|thanks|prior|next|close|up|as|regard|regards|addition|compared|"
                          r"contrary|relative|similar|opposed|related|belonging|referring|pertaining)\s+to\b",
                          re.IGNORECASE)
# A question asking for both ways: "sent by or addressed to", "to or from", "went to Molotov or came from him".
_BOTH_WAYS = re.compile(r"\b(?:from|by)\s+(?:or|and)\b|\b(?:or|and)\s+(?:from|by)\b|"
                        r"\b(?:from|by)\s+(?:him|her|them|it|there)\b", re.IGNORECASE)
# Words opening a clause of time inside the question: a destination there is not the question's ("Which Japanese
# prime ministers came to Washington after Nixon went to Japan?"); "When" opening the question is its own.
_CLAUSE = re.compile(r"(?<=[\s,;(])(?:after|before|since|during|following|while|until|once|when)\b[^,;.?]*\Z",
                     re.IGNORECASE)


def _towards(question: str, names: list | tuple) -> list:
    """The question's names it gives as a destination or an addressee: each after a word of going or sending
    (_TOWARDS; not "according to", _NOT_TOWARDS; not an owner, "to Molotov's office"; not inside a clause of time,
    _CLAUSE), and the names joined to it by "and" or "or" ("to Vyshinsky or Molotov"); none when the question asks
    for both ways (_BOTH_WAYS), or names one of them after "from" or "by" too."""
    question = _NOT_TOWARDS.sub(" ", question)
    if _BOTH_WAYS.search(question):
        return []

    def said(n) -> str:
        return words_pattern(n.text.split())

    def towards(n) -> bool:
        return any(not _CLAUSE.search(question, 0, m.start()) for m in re.finditer(
            rf"\b{_TOWARDS}\s+(?:the\s+)?{said(n)}(?![\w'’])", question, re.IGNORECASE))

    out = [n for n in names if towards(n)]
    for n in names:
        if n not in out and any(re.search(rf"(?<!\w){said(m)}{_JOINED}(?:the\s+)?{said(n)}(?![\w'’])", question,
                                          re.IGNORECASE) for m in out):
            out.append(n)
    if any(re.search(rf"\b(?:from|by)\s+(?:the\s+)?{said(n)}(?!\w)", question, re.IGNORECASE) for n in out):
        return []
    return out


def off_direction(hits: list[Hit], question: str, names: list | tuple, history: list[str] | None = None,
                  context: list | tuple = ()) -> frozenset[int]:
    """The rows of the candidates whose titles give where the question goes, or whom it writes to, as where
    they come from: a catalogue's title "A to B" names the traveller or sender before "to" and the place or
    addressee after it ("Visit of President Bjornsson (Iceland) to the United States" is no "trip to Iceland";
    "Telegram, Molotov to Stalin" is none of the telegrams "addressed to Molotov"). A title holding one of the
    question's destinations before its "to" and none after it; a title without "to" says nothing of it. A
    follow-up with no destination of its own keeps the latest one the questions before it gave among the names
    it carries over from them (context: "List every trip to Iceland in the 1980s", then "And in the 1990s?")."""
    towards = _towards(question, names)
    if not towards and context and history:
        towards = next((t for h in reversed(history) if (t := _towards(h, context))), [])
    if not towards:
        return frozenset()
    out = set()
    for h in hits:
        title = h.record.title or ""
        at = title.find(" to ")
        if at < 0:
            continue
        before, after = Words(tokens(title[:at])), Words(tokens(title[at + 4:]))
        if any(holds_names(before, [n]) for n in towards) and not any(holds_names(after, [n]) for n in towards):
            out.add(h.row)
    return frozenset(out)


def extreme_first(hits: list[Hit], order: int, names: list | tuple = ()) -> list[Hit]:
    """For a question asking for the earliest (order -1) or the latest (1) of its records ("When did the Pope
    last visit?"): the records likely enough to be cited (CITE), earliest or latest first (undated ones after
    them), then the rest as weighed. Only the records that answer are put in time order: one that does not is
    no nearer the top for its date. Of those, the ones whose titles hold every one of the question's names
    (qa/query.Name, in some spelling) come first when there are any: a title says what a record is about
    ("Travel of President Richard M. Nixon to China"), a summary also what it mentions ("met privately with
    President Nixon" in a Chinese premier's visit)."""
    likely = [h for h in hits if h.support >= CITE]
    if order == 0 or len(likely) < 2:
        return hits
    titled = [h for h in likely if names and holds_names(title_words(h.record), names)]
    about = {id(h) for h in titled}
    mentions = [h for h in likely if titled and id(h) not in about]
    taken = {id(h) for h in likely}
    ordered = (_by_date(titled or likely, latest=order > 0) + _by_date(mentions, latest=order > 0)
               + [h for h in hits if id(h) not in taken])
    return [replace(h, rank=r) for r, h in enumerate(ordered, start=1)]


def compose(question: str, hits: list[Hit], *, k: int, index: dict, date_from: date | None = None,
            date_to: date | None = None, listing: bool = False, chronological: bool = False,
            gaps: list[tuple[date, date]] | None = None, terms: list[str] | None = None,
            missing_names: list[str] | None = None, named: bool = False, order: int = 0,
            read_as: str = "", move: int = 0, held: frozenset[int] = frozenset(),
            off: frozenset[int] = frozenset(), names: list | tuple = (), rare: frozenset[str] = frozenset(),
            apart: tuple[str, ...] = ()) -> Answer:
    """Build the answer only from the cited records: one line per passage, led by its date, ending in [n].

    hits come weighed (qa/support.py), most probable first, or for a period's listing in date order (latest
    first when the question asks for the latest: "the most recent record from the 1950s"), those dated only more
    coarsely than the period last. The records cited are those likely enough to support the answer (CITE;
    CITE_LIST for a question asking for a list, and for a move in order, move: +1 after the record before, -1
    before it, whose own words say little of what comes next and whose hits come nearest first,
    qa/followup.py nearest_first), and a list's records by whom it names in its period (held: their rows,
    members()), but not the records off the question (off: their rows; a list's records whose titles name none of
    the offices it asks for, off_role(); those coming from where it goes, off_direction()): the first k, or for a
    list every one (up to MAX_LIST) in date order. Nothing is cited unless the question is likely answered at all
    (qa/support.py answerable) and does not ask about a person and a place no record names together (apart: the
    two, qa/retrieve.py apart()); then, when no record is likely enough,
    the most probable one alone if the question is tied to the collection by names (named: its own, a
    follow-up's from the question before, or the earlier answer's records a follow-up stands for), not by its
    wording alone. Records quoting the same passage on the same date share a line. order: the question asks for
    the earliest (-1) or the latest (1) of its records: a fact's hits come that way (extreme_first), a
    listing's too (in_date_order), and a list's records are put latest first when it asks for the latest; the
    answer says so. read_as: how a period the question gave in words was read (qa/tenure.py), said at the end.
    """
    filters = ({"date_from": date_from.isoformat() if date_from else None,
                "date_to": date_to.isoformat() if date_to else None} if (date_from or date_to) else {})
    scope = describe_range(date_from, date_to)
    left = 0
    if listing:
        chosen = hits[:MAX_LIST]
    else:
        bar = CITE_LIST if chronological or move else CITE
        on = [h for h in hits if h.row not in off]
        likely = [h for h in on if h.support >= bar or h.row in held] or (on[:1] if named else [])
        chosen = likely[: MAX_LIST if chronological else k] if answerable(on) >= ANSWER and not apart else []
        # likely enough to cite, beyond the k cited, of a question not asking for one (the first, the next)
        left = len(likely) - len(chosen) if chosen and not order and not move else 0
        if chronological:
            chosen = _by_date(chosen, latest=order > 0)
    unknown = ", ".join(missing_names or [])
    if not chosen:
        where = f" dated {scope}" if scope else ""
        text = f"The archive holds no record{where} that answers this question."
        if unknown:
            text += f" No record mentions {unknown}."
        elif apart:  # qa/retrieve.py apart()
            text += f" No record{' of that period' if scope else ''} names {apart[0]} together with {apart[1]}."
        if scope and not hits:
            text += " It holds no records at all from that time."
        if hits:
            text += " The closest records are listed below for reference; they do not answer it."
        if read_as:
            text += " " + read_as
        return Answer(question, text, False, [], index, filters, hits[:3])
    citations = [Citation(n, h, quote(terms or [], h.record)) for n, h in enumerate(chosen, start=1)]
    lines = []
    dated = listing or chronological  # a listing's or a list's records: in date order, or the latest first
    way = ""
    if move and sum(not c.hit.record.undated for c in citations) > 1 and not dated:  # followup.nearest_first
        way = ", nearest first:"
    elif order and len(citations) > 1 and not dated and not _in_order([c.hit for c in citations], order > 0):
        # extreme_first: the records about it in order, then those that only mention it
        way = f", {'latest' if order > 0 else 'earliest'} first of the records about it, then those mentioning it:"
    elif order > 0 and len(citations) > 1:
        way = ", latest first:"
    elif order < 0 and len(citations) > 1:
        way = ", in date order:" if dated else ", earliest first:"
    if scope:
        head = way or (", in date order:" if dated else ":")
        # a listed record dated only more coarsely than the period ("1951" for December 1951)
        if listing and any(not c.hit.record.undated and not within(c.hit.record.date, date_from, date_to)
                           for c in citations):
            head = head.rstrip(":") + ", those dated only more coarsely last:"  # retrieve.in_date_order
        lines.append(f"Records dated {scope}{head}")
    elif chronological and len(citations) > 1:
        lines.append(f"{len(citations)} records" + (way or ", in date order:"))
    elif way:
        lines.append(f"{len(citations)} records{way}")
    shared: dict[tuple[str, str], list[int]] = {}
    for c in citations:
        shared.setdefault((shown_date(c.hit.record), c.quote), []).append(c.n)
    for (when, passage), ns in shared.items():
        lines.append(f"{when}: {passage} " + "".join(f"[{n}]" for n in ns))
    if left:  # "When did she come to the US?" with more visits than the answer cites: say so (of the candidates
        # weighed: there may be more)
        more = f"At least {left} more record{'s' if left > 1 else ''} likely to answer {'are' if left > 1 else 'is'}"
        lines.append(f"{more} not listed here, which lists at most {len(chosen)}: narrow the question, by a period "
                     "for instance." if chronological else
                     f"{more} not cited here, which cites at most {len(chosen)}: ask for more, or for a list.")
    unheld = _unheld(question, names, rare, [c.hit for c in citations]) if not listing else []
    if unheld:  # "Did Carter travel to Havana?" answered with his other journeys: say what they lack
        lines.append(f"None of the records cited mentions {_and(unheld)} by that name.")
    if unknown:
        # under an answer ("When did Ike visit India?" found by meaning): what was matched instead; a period's
        # listing matched nothing but its period
        lines.append(f"No record mentions {unknown}." if listing else
                     f"No record mentions {unknown}: the records cited match the rest of the question.")
    if gaps:
        shown = "; ".join(describe_stretch(a, b) for a, b in gaps[:12]) + ("; …" if len(gaps) > 12 else "")
        lines.append(f"The archive holds no records from {shown}.")
    if read_as:
        lines.append(read_as)
    return Answer(question, "\n".join(lines), True, citations, index, filters)
