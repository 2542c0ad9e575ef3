"""The verifier measured on labelled draft sentences (tests/data/eval/drafts-*.jsonl, drafts-README.md).

A labelled sentence carries the records an answer would cite, by date and title as written, and its label:
`supported`, or the kind of error (wrong-date, wrong-name, wrong-number, invented-cause, merged,
wrong-citation). The verifier is scored as a detector of unsupported sentences: its recall on them (the
share removed) and precision, and the share of supported sentences it removes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem, RecordsError
from .evaluate import read_labelled
from .names import read_aliases
from .records import Record, load_records
from .store import alias_files
from .verify import Encoder, check

SUPPORTED = "supported"
KINDS = ("wrong-date", "wrong-name", "wrong-number", "invented-cause", "merged", "wrong-citation")


@dataclass(frozen=True)
class Draft:
    """One labelled draft sentence."""

    sentence: str
    label: str
    collection: str
    question: str
    records: tuple[tuple[str, str], ...]  # the cited records (date as written, title), [1] first
    group: str = ""


@dataclass
class Collection:
    """The records a labelled set refers to, found by (date as written, title), and the names they know."""

    records: dict[tuple[str, str], Record]
    aliases: list[list[str]]

    @classmethod
    def read(cls, paths: list[Path]) -> "Collection":
        found = load_records(paths, skip_invalid=True).records
        return cls({(r.date.text, r.title): r for r in found},
                   read_aliases(alias_files([str(p) for p in paths])))


def _draft(d: dict) -> Draft:
    if d["label"] not in (SUPPORTED, *KINDS):
        raise ValueError(f"unknown label {d['label']!r}")
    return Draft(d["sentence"], d["label"], d["collection"], d["question"],
                 tuple((r["date"], r["title"]) for r in d["records"]), d.get("group", ""))


def read_drafts(path: Path) -> list[Draft]:
    """Read a labelled drafts file; RecordsError naming each bad line."""
    return read_labelled(path, _draft, "a labelled draft sentence",
                         '{"sentence", "label", "collection", "question", "records"} (drafts-README.md)')


@dataclass
class Score:
    """The verifier on some labelled sentences."""

    supported: int = 0
    unsupported: int = 0
    removed_supported: int = 0
    removed_unsupported: int = 0
    by_kind: Counter = field(default_factory=Counter)      # unsupported sentences of each kind
    caught: Counter = field(default_factory=Counter)       # ... of them removed
    missed: list[str] = field(default_factory=list)        # unsupported sentences kept
    lost: list[str] = field(default_factory=list)          # supported sentences removed, with the reason

    @property
    def recall(self) -> float:
        """The share of unsupported sentences removed."""
        return self.removed_unsupported / self.unsupported if self.unsupported else 1.0

    @property
    def precision(self) -> float:
        """The share of removed sentences that were unsupported."""
        removed = self.removed_unsupported + self.removed_supported
        return self.removed_unsupported / removed if removed else 1.0

    @property
    def supported_removed(self) -> float:
        """The share of supported sentences removed."""
        return self.removed_supported / self.supported if self.supported else 0.0

    def to_json(self) -> dict:
        return {"sentences": self.supported + self.unsupported, "supported": self.supported,
                "unsupported": self.unsupported, "recall": round(self.recall, 4),
                "precision": round(self.precision, 4), "supported_removed": round(self.supported_removed, 4),
                "by_kind": {k: f"{self.caught[k]}/{n}" for k, n in sorted(self.by_kind.items())},
                "missed": self.missed, "lost": self.lost}


def score(drafts: list[Draft], collections: dict[str, Collection], encode: Encoder) -> Score:
    """Run the verifier over labelled sentences and count what it keeps and removes."""
    s = Score()
    for d in drafts:
        c = collections[d.collection]
        try:
            records = [c.records[key] for key in d.records]
        except KeyError as e:
            raise RecordsError([Problem(d.collection, None, f"no record {e.args[0]!r} for {d.sentence!r}")])
        verdict = check([d.sentence], records, encode, c.aliases)[0]
        if d.label == SUPPORTED:
            s.supported += 1
            if not verdict.supported:
                s.removed_supported += 1
                s.lost.append(f"{d.sentence} ({verdict.reason})")
        else:
            s.unsupported += 1
            s.by_kind[d.label] += 1
            if verdict.supported:
                s.missed.append(f"{d.label}: {d.sentence}")
            else:
                s.removed_unsupported += 1
                s.caught[d.label] += 1
    return s
