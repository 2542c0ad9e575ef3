"""Evaluation: retrieval and not-found quality of several configurations on a labelled question set."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .archive import MODES, Archive, Mode
from .errors import IndexProblem, Problem, RecordsError


@dataclass(frozen=True)
class Labelled:
    question: str
    gold: frozenset[tuple[str, str]]   # (date as written, title)
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class Scores:
    """The figures for one configuration."""

    mode: str
    hit1: float = 0.0
    hit3: float = 0.0
    mrr: float = 0.0
    ndcg10: float = 0.0
    date_precision: float = 1.0
    not_found_accuracy: float = 0.0
    false_not_found: float = 0.0
    misses: list[str] = field(default_factory=list)

    def row(self) -> list[str]:
        return [self.mode] + [f"{v:.3f}" for v in (self.hit1, self.hit3, self.mrr, self.ndcg10, self.date_precision,
                                                  self.not_found_accuracy, self.false_not_found)]


HEADER = ["configuration", "hit@1", "hit@3", "MRR", "nDCG@10", "date precision", "not-found acc.",
          "false not-found"]


def read_questions(path: Path) -> list[Labelled]:
    """Read a labelled set: JSON lines with question, gold [{date, title}], optional kind, date_from, date_to."""
    out, problems = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            gold = frozenset((g["date"], g["title"]) for g in d["gold"])
            out.append(Labelled(d["question"], gold, d.get("kind", ""),
                                date.fromisoformat(d["date_from"]) if d.get("date_from") else None,
                                date.fromisoformat(d["date_to"]) if d.get("date_to") else None))
        except (ValueError, KeyError, TypeError) as e:
            problems.append(Problem(str(path), n, f"not a labelled question ({e.__class__.__name__}: {e}); "
                                    'expected {"question": ..., "gold": [{"date": ..., "title": ...}]}'))
    if problems:
        raise RecordsError(problems)
    return out


def evaluate(archive: Archive, questions: list[Labelled], mode: Mode) -> Scores:
    """Score one configuration: ranking over answerable questions, not-found decisions over all."""
    s = Scores(mode.name)
    answerable = [q for q in questions if q.gold]
    unanswerable = [q for q in questions if not q.gold]
    inside = total_cited = 0
    for q in questions:
        r = archive.retrieve(q.question, k=10, mode=mode)
        ans = r.answer(10)
        ranked = [(h.record.date.text, h.record.title) for h in r.hits]
        if q.gold:
            first = next((i for i, key in enumerate(ranked[:10], start=1) if key in q.gold), None)
            s.hit1 += first == 1
            s.hit3 += first is not None and first <= 3
            s.mrr += 1 / first if first else 0.0
            dcg = sum(1 / math.log2(i + 1) for i, key in enumerate(ranked[:10], start=1) if key in q.gold)
            ideal = sum(1 / math.log2(i + 1) for i in range(1, min(len(q.gold), 10) + 1))
            s.ndcg10 += dcg / ideal
            s.false_not_found += not ans.found
            if first is None or first > 3:
                s.misses.append(q.question)
        else:
            s.not_found_accuracy += not ans.found
        if q.date_from or q.date_to:
            for c in ans.citations:
                total_cited += 1
                r = c.hit.record
                inside += (not r.undated and (q.date_from is None or r.date.end >= q.date_from)
                           and (q.date_to is None or r.date.start <= q.date_to))
    for attr in ("hit1", "hit3", "mrr", "ndcg10", "false_not_found"):
        setattr(s, attr, getattr(s, attr) / max(1, len(answerable)))
    s.not_found_accuracy /= max(1, len(unanswerable))
    s.date_precision = inside / total_cited if total_cited else 1.0
    return s


def table(scores: list[Scores]) -> str:
    """A markdown table, one row per configuration."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(s.row()) + " |" for s in scores]
    return "\n".join(lines)


def run(archive: Archive, path: Path, modes: list[str] | None = None) -> list[Scores]:
    """Score each configuration (default: all, the reranked one only when the index holds its vectors)."""
    questions = read_questions(path)
    if modes is None:
        modes = [m for m in MODES if not MODES[m].rerank or archive.current.second is not None]
    elif archive.current.second is None and any(MODES[m].rerank for m in modes):
        raise IndexProblem(f"the index in {archive.index_dir} holds no reranking vectors: build it with: "
                           f"archive-qa build --rerank --index {archive.index_dir}")
    return [evaluate(archive, questions, MODES[m]) for m in modes]
