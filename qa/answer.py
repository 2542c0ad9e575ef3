"""Answer composition: a pure function from a question and its hits to a cited answer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .retrieve import Hit

# Cosine similarity (all-MiniLM-L6-v2) below which a record is not taken to answer the question.
# Chosen on tests/data/questions.jsonl: answerable questions' best scores start at 0.42 (one), then 0.48;
# the 12 questions the collection cannot answer top out at 0.44. See the README's figures.
MIN_SCORE = 0.45
# A short question scores lower overall; a best record that stands clear of the rest still answers it.
MIN_SCORE_CLEAR = 0.35
CLEAR_GAP = 0.15
# Records scoring below this share of the best one are not cited: they add noise, not support.
# On the labelled set a gold record in the top 3 always scores at least 0.88 of the best.
RELATIVE_CUT = 0.85

_SENTENCE = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[A-Z\"“‘(])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+|\d+")
STOP = set("""a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have having
he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once
only or other our out over own same she should so some such than that the their them then there these they this
those through to too under until up very was we were what when where which while who whom why will with would
you your document documents record records archive say said tell""".split())


@dataclass(frozen=True)
class Citation:
    n: int
    hit: Hit

    def to_json(self) -> dict:
        r = self.hit.record
        out = {"n": self.n, "id": r.id, "date": r.date.text, "iso_date": r.date.iso, "title": r.title,
               "summary": r.summary, "score": round(self.hit.score, 4)}
        if r.metadata.get("url"):
            out["url"] = r.metadata["url"]
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


def terms(text: str) -> set[str]:
    """Content words, lower-cased and crudely stemmed, for matching a sentence to a question."""
    out = set()
    for w in _WORD.findall(text.lower()):
        w = w.strip("'’-")
        if w in STOP or len(w) < 2:
            continue
        for suffix in ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 4:
                w = w[: -len(suffix)]
                break
        out.add(w)
    return out


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def best_sentence(question: str, summary: str) -> str:
    """The summary sentence sharing most content words with the question; the first one on a tie."""
    q = terms(question)
    options = sentences(summary) or [summary]
    return max(options, key=lambda s: (len(q & terms(s)), -options.index(s)))


def relevant(hits: list[Hit], min_score: float = MIN_SCORE) -> bool:
    """Whether the best hit answers the question: a high score, or a fair one standing clear of the next."""
    if not hits:
        return False
    top = hits[0].score
    gap = top - hits[1].score if len(hits) > 1 else top
    return top >= min_score or (top >= MIN_SCORE_CLEAR and gap >= CLEAR_GAP)


def select(hits: list[Hit], k: int, min_score: float = MIN_SCORE) -> list[Hit]:
    """The hits worth citing: the best when relevant, and the others not far below it, at most k."""
    if not relevant(hits, min_score):
        return []
    floor = hits[0].score * RELATIVE_CUT
    return [h for h in hits if h.score >= floor][:k]


def describe_range(date_from: date | None, date_to: date | None) -> str:
    if date_from and date_to:
        return f"between {date_from.isoformat()} and {date_to.isoformat()}"
    if date_from:
        return f"from {date_from.isoformat()} on"
    if date_to:
        return f"up to {date_to.isoformat()}"
    return ""


def compose(question: str, hits: list[Hit], *, k: int, index: dict, min_score: float = MIN_SCORE,
            date_from: date | None = None, date_to: date | None = None) -> Answer:
    """Build the answer only from the cited records: one line per record, led by its date, ending in [n]."""
    filters = ({"date_from": date_from.isoformat() if date_from else None,
                "date_to": date_to.isoformat() if date_to else None} if (date_from or date_to) else {})
    scope = describe_range(date_from, date_to)
    chosen = select(hits, k, min_score)
    if not chosen:
        where = f" dated {scope}" if scope else ""
        text = f"The archive holds no record{where} that answers this question."
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
    return Answer(question, "\n".join(lines), True, citations, index, filters)
