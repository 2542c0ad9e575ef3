"""Evaluation: what the answers get right on a labelled question set, by split (dev, test) and question kind.

A labelled set is a pair of files, NAME-dev.jsonl (tune here) and NAME-test.jsonl (written before a change and
never tuned on); tests/data/eval/FORMAT.md describes a line. Every figure is measured on what a user gets:
the ranking of the records, the records the answer cites, and whether it says the archive holds no answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

from .archive import MODES, Archive, Mode
from .dates import overlaps
from .errors import Problem, RecordsError

T = TypeVar("T")
SPLITS = ("dev", "test")
FIGURES = ("hit1", "hit3", "mrr", "date_precision", "list_recall", "citation_precision", "support_recall",
           "multi_precision", "multi_recall", "not_found", "false_not_found")
HEADER = ["hit@1", "hit@3", "MRR", "date prec.", "list recall", "cit. prec.", "support rec.",
          "multi prec.", "multi rec.", "not-found", "false n-f"]


@dataclass(frozen=True)
class Labelled:
    question: str
    gold: frozenset[tuple[str, str]]   # (date as written, title)
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    history: tuple[str, ...] = ()


@dataclass
class Scores:
    """The figures for one configuration on some questions; None where no question measures a figure."""

    mode: str
    questions: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def add(self, figure: str, value: float) -> None:
        self.sums[figure] = self.sums.get(figure, 0.0) + value
        self.counts[figure] = self.counts.get(figure, 0) + 1

    def get(self, figure: str) -> float | None:
        n = self.counts.get(figure, 0)
        return self.sums[figure] / n if n else None

    def __getattr__(self, name: str) -> float | None:
        if name in FIGURES:
            return self.get(name)
        raise AttributeError(name)

    def row(self) -> list[str]:
        return ["—" if self.get(f) is None else f"{self.get(f):.3f}" for f in FIGURES]

    def to_json(self) -> dict:
        return {"mode": self.mode, "questions": self.questions, **{f: self.get(f) for f in FIGURES},
                "misses": self.misses}


def read_labelled(path: Path, make: Callable[[dict], T], what: str, expected: str) -> list[T]:
    """Read a labelled file, one JSON object a line, each made into an item; RecordsError naming every bad
    line (what it should have been, what it should hold)."""
    out, problems = [], []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(make(json.loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            why = f"{e.__class__.__name__}: {e}"
            problems.append(Problem(str(path), n, f"not {what} ({why}); expected {expected}"))
    if problems:
        raise RecordsError(problems)
    return out


def _labelled(d: dict) -> Labelled:
    gold = frozenset((g["date"], g["title"]) for g in d["gold"])
    return Labelled(d["question"], gold, d.get("kind") or ("fact" if gold else "unanswerable"),
                    date.fromisoformat(d["date_from"]) if d.get("date_from") else None,
                    date.fromisoformat(d["date_to"]) if d.get("date_to") else None,
                    tuple(d.get("history") or ()))


def read_questions(path: Path) -> list[Labelled]:
    """Read a labelled set: JSON lines with question, gold [{date, title}], and optionally kind, date_from,
    date_to and history (the questions asked before, for a follow-up)."""
    return read_labelled(path, _labelled, "a labelled question",
                         '{"question": ..., "gold": [{"date": ..., "title": ...}]}')


def split_files(name: Path) -> dict[str, Path]:
    """The dev and test files of a labelled set, from its name (tests/data/eval/seed), either file, or a single
    file that has no split (reported as it is)."""
    name = Path(name)
    stem = name.name
    for split in SPLITS:
        suffix = f"-{split}.jsonl"
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    else:
        if name.suffix == ".jsonl" and name.is_file():
            return {name.stem: name}
    found = {s: name.with_name(f"{stem}-{s}.jsonl") for s in SPLITS}
    found = {s: p for s, p in found.items() if p.is_file()}
    if not found:
        raise RecordsError([Problem(str(name), None, f"no labelled set here: expected {stem}-dev.jsonl and "
                                    f"{stem}-test.jsonl beside it, or a .jsonl file")])
    return found


def _key(record) -> tuple[str, str]:
    return record.date.text, record.title


def _inside(record, q: Labelled) -> bool:
    return overlaps(record.date, q.date_from, q.date_to)


def evaluate(archive: Archive, questions: list[Labelled], mode: Mode, *, k: int = 10) -> Scores:
    """Score one configuration: ranking and citations over answerable questions, not-found over all."""
    s = Scores(mode.name, len(questions))
    for q in questions:
        r = archive.retrieve(q.question, k=k, mode=mode, history=list(q.history) or None)
        ans = r.answer(k)
        cited = [_key(c.hit.record) for c in ans.citations]
        if q.gold:
            s.add("false_not_found", not ans.found)
            if not r.listing:
                ranked = [_key(h.record) for h in r.hits]
                first = next((i for i, key in enumerate(ranked[:10], start=1) if key in q.gold), None)
                s.add("hit1", first == 1)
                s.add("hit3", first is not None and first <= 3)
                s.add("mrr", 1 / first if first else 0.0)
                if first is None or first > 3:
                    s.misses.append(q.question)
            held = sum(key in q.gold for key in cited)
            if cited:
                s.add("citation_precision", held / len(cited))
            s.add("support_recall", held / len(q.gold))
            if q.kind == "list" or r.listing:
                s.add("list_recall", held / len(q.gold))
            if len(q.gold) > 1:
                s.add("multi_recall", held / len(q.gold))
                if cited:
                    s.add("multi_precision", held / len(cited))
        else:
            s.add("not_found", not ans.found)
        if q.date_from or q.date_to:
            for c in ans.citations:
                s.add("date_precision", _inside(c.hit.record, q))
    return s


def by_kind(archive: Archive, questions: list[Labelled], mode: Mode) -> dict[str, Scores]:
    """The figures of each kind of question, and of all ('all')."""
    kinds = sorted({q.kind for q in questions})
    out = {kind: evaluate(archive, [q for q in questions if q.kind == kind], mode) for kind in kinds}
    out["all"] = evaluate(archive, questions, mode)
    return out


def table(rows: dict[str, Scores], first: str = "configuration") -> str:
    """A markdown table, one row per configuration or kind."""
    lines = ["| " + " | ".join([first, "n"] + HEADER) + " |", "|" + "---|" * (len(HEADER) + 2)]
    lines += ["| " + " | ".join([name, str(s.questions)] + s.row()) + " |" for name, s in rows.items()]
    return "\n".join(lines)


def run(archive: Archive, name: Path, modes: list[str] | None = None) -> dict[str, dict[str, Scores]]:
    """For each split of a labelled set: each configuration's figures (default: dense only, and the full
    pipeline), the full pipeline's also by kind of question (key 'by kind: <kind>')."""
    files = split_files(name)
    modes = modes or ["dense", "full"]
    out: dict[str, dict[str, Scores]] = {}
    for split, path in files.items():
        questions = read_questions(path)
        rows = {MODES[m].name: evaluate(archive, questions, MODES[m]) for m in modes}
        last = MODES[modes[-1]]
        for kind, s in by_kind(archive, questions, last).items():
            if kind != "all":
                rows[f"by kind: {kind}"] = s
        out[split] = rows
    return out


def intent_accuracy(path: Path) -> dict[str, float]:
    """How often intent detection (qa/intent.py) agrees with a labelled intent set: the kind, the follow-up
    flag, and both."""
    from .intent import detect

    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    kind = follow = both = 0
    for d in rows:
        got = detect(d["question"], d.get("history") or None)
        k, f = got.kind == d["intent"], got.follow_up == bool(d.get("follow_up"))
        kind, follow, both = kind + k, follow + f, both + (k and f)
    n = max(1, len(rows))
    return {"questions": len(rows), "intent": kind / n, "follow_up": follow / n, "both": both / n}

