"""Keyword retrieval: a BM25 index (bm25s) over each record's title and summary, saved as plain files."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np

from .records import Record
from .text import tokens

log = logging.getLogger(__name__)


def _bm25s():
    import bm25s

    # bm25s sets its logger to DEBUG when imported and logs every index build: keep it to errors
    logging.getLogger("bm25s").setLevel(logging.ERROR)
    return bm25s


def record_tokens(record: Record) -> list[str]:
    return tokens(f"{record.title} {record.summary}")


# A word held by more than this share of the records says little about any of them (BM25 weighs it near zero)
# and costs the most to score (its postings are the longest): it is left out of the keyword score. A share, so
# it means the same in a collection of 20 records and of a million.
COMMON_SHARE = 0.5


class KeywordIndex:
    """BM25 scores for every record, the corpus vocabulary, and how rare each word is."""

    def __init__(self, bm25) -> None:
        self.bm25 = bm25
        self.vocab: dict[str, int] = {w: i for w, i in bm25.vocab_dict.items() if w}
        self.df = np.diff(np.asarray(bm25.scores["indptr"]))
        self.n = int(bm25.scores["num_docs"])

    @classmethod
    def build(cls, records: list[Record]) -> "KeywordIndex":
        log.info("building the keyword index (BM25) over %d records", len(records))
        bm25 = _bm25s().BM25()
        bm25.index([record_tokens(r) or [""] for r in records], show_progress=False)
        return cls(bm25)

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex":
        # Read into memory, not memory-mapped: a build's files copied over in place (a backup restored with cp)
        # would kill a process that maps them (SIGBUS). ~125 MB at a million records.
        return cls(_bm25s().BM25.load(str(folder), show_progress=False, verbosity=0))

    @functools.cached_property
    def vocabulary(self) -> set[str]:
        return set(self.vocab)

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every record for the query's distinct tokens (0 where none occurs)."""
        limit = COMMON_SHARE * self.n
        known = [t for t in dict.fromkeys(query) if t in self.vocab and self.df[self.vocab[t]] <= limit]
        if not known:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)
