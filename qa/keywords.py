"""Keyword retrieval: a BM25 index (bm25s) over each record's title and summary, saved as plain files."""

from __future__ import annotations

import logging
from array import array
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from .records import Record
from .stores.base import COMMON_SHARE, Vocabulary  # noqa: F401  COMMON_SHARE: the rule lives with the seam
from .text import tokens

log = logging.getLogger(__name__)


def _bm25s():
    import bm25s

    # bm25s sets its logger to DEBUG when imported and logs every index build: keep it to errors
    logging.getLogger("bm25s").setLevel(logging.ERROR)
    return bm25s


def record_tokens(record: Record) -> list[str]:
    return tokens(f"{record.title} {record.summary}")


class Tokens:
    """Every record's keyword tokens as ids into one word list, added a record at a time: a flat int32 array
    and each record's offset, and how many records hold each word. A million records take ~100 MB this way,
    against ~1 GB as lists of strings."""

    def __init__(self) -> None:
        self.word_ids: dict[str, int] = {}
        self._words: list[str] = []
        self._flat = array("i")
        self._ends = array("q")
        self._df = array("q")

    def add(self, words: list[str]) -> None:
        """One record's tokens (qa.text.tokens); a record without any counts as holding the empty word, as
        bm25s scores it."""
        ids, row = self.word_ids, []
        for w in words or [""]:
            i = ids.get(w)
            if i is None:
                i = ids[w] = len(ids)
                self._words.append(w)
                self._df.append(0)
            row.append(i)
        for i in set(row):
            self._df[i] += 1
        self._flat.extend(row)
        self._ends.append(len(self._flat))

    def __len__(self) -> int:
        return len(self._ends)

    def __iter__(self) -> Iterator[list[int]]:
        flat, start = self._flat, 0
        for end in self._ends:
            yield flat[start:end].tolist()
            start = end

    def words(self, row: int) -> list[str]:
        """The tokens of one record, as added."""
        start = self._ends[row - 1] if row else 0
        return [self._words[i] for i in self._flat[start:self._ends[row]]]

    def names(self) -> list[str]:
        """Every word, by its id (the empty word too, when a record had none)."""
        return list(self._words)

    def vocabulary(self) -> Vocabulary:
        """The words with their document frequencies (the empty word left out)."""
        df = np.frombuffer(self._df, dtype=np.int64) if len(self._df) else np.zeros(0, np.int64)
        return Vocabulary({w: i for w, i in self.word_ids.items() if w}, df.copy(), len(self))


class KeywordIndex(Vocabulary):
    """BM25 scores for every record, the corpus vocabulary, and how rare each word is."""

    def __init__(self, bm25) -> None:
        super().__init__({w: i for w, i in bm25.vocab_dict.items() if w},
                         np.diff(np.asarray(bm25.scores["indptr"])), int(bm25.scores["num_docs"]))
        self.bm25 = bm25

    @classmethod
    def build(cls, records: list[Record]) -> "KeywordIndex":
        table = Tokens()
        for r in records:
            table.add(record_tokens(r))
        return cls.from_tokens(table)

    @classmethod
    def from_tokens(cls, table: Tokens) -> "KeywordIndex":
        """The index of records whose tokens were added to table, in that order: the same scores as bm25s
        built from the token lists, without holding them as strings."""
        log.info("building the keyword index (BM25) over %d records", len(table))
        bm25 = _bm25s().BM25()
        # bm25s takes an object with .ids (each record's token ids) and .vocab, and adds the empty word to it
        bm25.index(SimpleNamespace(ids=table, vocab=dict(table.word_ids)), show_progress=False)
        return cls(bm25)

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex":
        # Read into memory, not memory-mapped: a build's files copied over in place (a backup restored with cp)
        # would kill a process that maps them (SIGBUS). ~125 MB at a million records.
        return cls(_bm25s().BM25.load(str(folder), show_progress=False, verbosity=0))

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every record for the query's distinct tokens (0 where none occurs)."""
        known = self.searchable(query)
        if not known:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)
