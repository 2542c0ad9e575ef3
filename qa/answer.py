"""Answer composition: a pure function from a question and its hits to a cited answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .retrieve import Hit
from .text import terms
from .timeline import describe_stretch

# When a question counts as answered: the best record's cosine similarity (all-MiniLM-L6-v2) to it is at least
# MIN_SCORE, or MIN_SCORE_UNKNOWN_NAMES when the question names something the archive never mentions
# ("the Potsdam conference"). Chosen on tests/data/eval.jsonl (144 questions) as the pair with the best
# not-found accuracy at a false-not-found rate of at most 3%; see the README's evaluation table.
MIN_SCORE = 0.36
MIN_SCORE_UNKNOWN_NAMES = 0.55
# Records scoring below this share of the best one are not cited: they add noise, not support.
RELATIVE_CUT = 0.85
# A question asking for every matching record ("which telegrams did Vyshinsky send?") takes a wider net.
LIST_CUT = 0.7

_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[A-Z\"“‘(])")


@dataclass(frozen=True)
class Citation:
    n: int
    hit: Hit

    def to_json(self) -> dict:
        r = self.hit.record
        out = {"n": self.n, "id": r.id, "date": r.date.text, "iso_date": r.date.iso, "title": r.title,
               "summary": r.summary, "score": round(self.hit.score, 4)}
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

    def to_json(self) -> dict:
        out = {"question": self.question, "answer": self.text, "found": self.found,
               "citations": [c.to_json() for c in self.citations], "index": self.index}
        if self.filters:
            out["filters"] = self.filters
        if not self.found and self.closest:
            out["closest"] = [Citation(i, h).to_json() for i, h in enumerate(self.closest, start=1)]
        return out


def shown_date(record) -> str:
    """The date as the archive wrote it, or 'Undated'."""
    return "Undated" if record.undated else record.date.text


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def best_sentence(question: str, summary: str) -> str:
    """The summary sentence sharing most content words with the question; the first one on a tie."""
    q = terms(question)
    options = sentences(summary) or [summary]
    return max(options, key=lambda s: (len(q & terms(s)), -options.index(s)))


def relevant(hits: list[Hit], *, unknown_names: bool = False) -> bool:
    """Whether the best hit answers the question: close enough, and closer still when the question names
    something the archive never mentions."""
    return bool(hits) and hits[0].score >= (MIN_SCORE_UNKNOWN_NAMES if unknown_names else MIN_SCORE)


def select(hits: list[Hit], k: int, *, unknown_names: bool = False, cut: float = RELATIVE_CUT) -> list[Hit]:
    """The hits worth citing: the best when relevant, and the others not far below it, at most k."""
    if not relevant(hits, unknown_names=unknown_names):
        return []
    floor = hits[0].score * cut
    return [hits[0]] + [h for h in hits[1:] if h.score >= floor][: k - 1]


def describe_range(date_from: date | None, date_to: date | None) -> str:
    if date_from and date_to:
        return f"between {date_from.isoformat()} and {date_to.isoformat()}"
    if date_from:
        return f"from {date_from.isoformat()} on"
    if date_to:
        return f"up to {date_to.isoformat()}"
    return ""


def compose(question: str, hits: list[Hit], *, k: int, index: dict, date_from: date | None = None,
            date_to: date | None = None, unknown_names: list[str] | None = None, listing: bool = False,
            chronological: bool = False,
            gaps: list[tuple[date, date]] | None = None) -> Answer:
    """Build the answer only from the cited records: one line per record, led by its date, ending in [n]."""
    filters = ({"date_from": date_from.isoformat() if date_from else None,
                "date_to": date_to.isoformat() if date_to else None} if (date_from or date_to) else {})
    scope = describe_range(date_from, date_to)
    chosen = hits[:k] if listing else select(hits, k, unknown_names=bool(unknown_names),
                                             cut=LIST_CUT if chronological else RELATIVE_CUT)
    if chronological:  # a question asking for a set of records reads best in time order (undated last)
        chosen = sorted(chosen, key=lambda h: (h.record.undated, h.record.date.start or date.max))
    if not chosen:
        where = f" dated {scope}" if scope else ""
        text = f"The archive holds no record{where} that answers this question."
        if scope and not hits:
            text += " It holds no records at all from that time."
        if hits:
            text += " The closest records are listed below for reference; they do not answer it."
        return Answer(question, text, False, [], index, filters, hits[:3])
    citations = [Citation(n, h) for n, h in enumerate(chosen, start=1)]
    lines = []
    if scope:
        lines.append(f"Records dated {scope}:")
    for c in citations:
        r = c.hit.record
        lines.append(f"{shown_date(r)}: {best_sentence(question, r.summary)} [{c.n}]")
    if gaps:
        shown = "; ".join(describe_stretch(a, b) for a, b in gaps[:12]) + ("; …" if len(gaps) > 12 else "")
        lines.append(f"The archive holds no records from {shown}.")
    return Answer(question, "\n".join(lines), True, citations, index, filters)
