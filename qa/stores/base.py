"""The one seam between the answer path and an index: what retrieval, answers, related records, info and the
timeline read from a store, whichever backend holds it (a folder, qa/stores/folder.py; Milvus, milvus.py).

A store is opened verified and complete, and never changes under its readers: a rebuild opens a new one.
Rows are the build's order (row i is the i-th record read), the same in every backend, so ties break alike.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from datetime import date
from pathlib import Path

import numpy as np

from ..records import Record

# A word held by more than this share of the records says little about any of them (BM25 weighs it near zero)
# and costs the most to score (its postings are the longest): it is left out of the keyword score. A share, so
# it means the same in a collection of 20 records and of a million, and in every store.
COMMON_SHARE = 0.5


class Vocabulary:
    """The collection's words: each word's id, how many records hold it (df), and the number of records (n).

    What questions are read against (qa/query.py, qa/support.py): which words the collection uses and how rare
    each is. The folder store's keyword index (qa/keywords.py) is one; a Milvus store keeps its own."""

    vocab: dict[str, int]
    df: np.ndarray
    n: int

    def __init__(self, vocab: dict[str, int], df: np.ndarray, n: int) -> None:
        self.vocab, self.df, self.n = vocab, np.asarray(df), int(n)

    @functools.cached_property
    def vocabulary(self) -> set[str]:
        return set(self.vocab)

    def count(self, word: str) -> int:
        """How many records hold a word (0 for one the collection never uses)."""
        i = self.vocab.get(word)
        return int(self.df[i]) if i is not None else 0

    def share(self, word: str) -> float:
        """The share of the collection's records holding a word."""
        return self.count(word) / self.n if self.n else 0.0

    def searchable(self, query: list[str]) -> list[str]:
        """The query's distinct words that the keyword score counts: known, and not held by most records."""
        limit = COMMON_SHARE * self.n
        return [t for t in dict.fromkeys(query) if t in self.vocab and self.count(t) <= limit]


@dataclass(frozen=True)
class KeywordHits:
    """A keyword (BM25) ranking: the best rows first, and the score of any row (0 where no word matched)."""

    rows: list[int]
    score: Callable[[list[int]], dict[int, float]]


class Records(Sequence[Record]):
    """Row i is the record of vector i, read when asked for; also found by id and by exact title."""

    @abstractmethod
    def rows_with_id(self, record_id: str) -> list[int]: ...

    @abstractmethod
    def rows_with_title(self, title: str) -> list[int]: ...

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return self.fetch(list(range(*i.indices(len(self)))))
        n = len(self)
        i = int(i)
        if not -n <= i < n:
            raise IndexError(f"record {i} of {n}")
        return self._row(i % n)

    @abstractmethod
    def _row(self, i: int) -> Record:
        """The record of row i, 0 <= i < len(self)."""

    def fetch(self, rows: list[int]) -> list[Record]:
        """The records of these rows, in that order (one round trip where a store is remote)."""
        return [self[i] for i in rows]

    @abstractmethod
    def collections(self) -> tuple[np.ndarray, list[str]]:
        """Each row's collection (its metadata's "collection") as a code into the list of collections sorted
        without case (-1 for none), and that list: for browsing by collection (qa/collection.py)."""


def by_name(codes: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Codes into names (-1 for none) made codes into the distinct names sorted without case, and that list:
    what Records.collections() returns."""
    order = sorted(set(names), key=str.casefold)
    at = {name: k for k, name in enumerate(order)}
    remap = np.array([at[name] for name in names] + [-1], dtype=np.int32)
    return remap[codes], order


class Store(ABC):
    """A verified index: its manifest, records, vocabulary and names, date ranges, and the two rankings.

    Attributes every backend has:
        manifest   qa.store.Manifest: model, counts, hashes, calibration (qa/calibrate.py)
        records    Records: row i is the record of vector i
        keywords   Vocabulary: the words the collection uses, and how many records hold each
        names      qa.names.NameMatcher over the vocabulary and the collection's aliases
        starts     each record's first day (datetime64[D], NaT when undated), row for row
        ends       each record's last day, the same way
        location   what exactly is served: the live build folder, or the Milvus collection behind the alias
    """

    manifest: Any
    records: Records
    keywords: Vocabulary
    names: Any
    starts: np.ndarray
    ends: np.ndarray
    location: str

    @abstractmethod
    def within(self, date_from: date | None, date_to: date | None) -> object | None:
        """The records whose own range meets [date_from, date_to] (qa.dates.meets), in the store's own terms;
        None when there is no range. Passed back to dense() and keyword()."""

    @abstractmethod
    def dense(self, qvec: np.ndarray, k: int, where: object | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k rows nearest the question vector (inner product = cosine) and their cosines, best first."""

    @abstractmethod
    def keyword(self, tokens: list[str], k: int, where: object | None = None) -> KeywordHits:
        """The k rows with the best BM25 score for the question's tokens (qa.text.tokens), best first."""

    @abstractmethod
    def keyword_scores(self, tokens: list[str]) -> np.ndarray:
        """Every row's BM25 score for the question's tokens (0 where none of them occurs), row for row: the
        matches of a search in the collection browser (qa/collection.py), however many there are."""

    @abstractmethod
    def vectors(self, rows: list[int]) -> np.ndarray:
        """The stored vectors of these rows, in that order."""

    def cosine(self, qvec: np.ndarray, rows: list[int]) -> dict[int, float]:
        """The cosine of the question to each of these rows' stored vectors."""
        if not rows:
            return {}
        return {int(i): float(s) for i, s in zip(rows, self.vectors(rows) @ qvec.astype(np.float32))}

    def close(self) -> None:
        """Let go of what the store holds open (files, a connection)."""


class Writer(ABC):
    """Where a build goes: nothing of it is seen by readers until commit() swaps it in whole.

    A build holds lock() throughout, spools its records into begin()'s folder (qa/spool.py), and ends with
    commit() or, on any error, abort(), which leaves the index as it was."""

    location: str
    home: Path  # the local folder that holds this index's embedding cache (home/cache/<model>, qa/cache.py)

    def lock(self) -> AbstractContextManager:
        """Hold the build lock (in home); refuse at once (IndexProblem) when another build holds it."""
        from ..store import build_lock

        return build_lock(self.home)

    @abstractmethod
    def begin(self) -> Path:
        """An empty folder for the build's spool, after sweeping what crashed builds left."""

    def commit(self, spool, vectors, manifest) -> Any:
        """Write the spooled records with their vectors under this manifest (qa.store.Manifest, counts and
        hashes filled in here), then swap the new index in whole; return the manifest as written.

        Vectors that are not finite unit rows of the manifest's dimension, one a record, are refused
        (IndexProblem) before anything is written."""
        from ..store import refuse_vectors

        if vectors.shape[0] != len(spool):
            raise ValueError(f"{vectors.shape[0]} vectors for {len(spool)} records")
        refuse_vectors(self.location, manifest.model, vectors, manifest.dimension,
                       f"Delete the embedding cache ({self.home / 'cache'}) and build again")
        return self._commit(spool, vectors, manifest)

    @abstractmethod
    def _commit(self, spool, vectors, manifest) -> Any:
        """commit() once the vectors are known fit."""

    @abstractmethod
    def abort(self, folder: Path) -> None:
        """Remove what a failed build left; the index stays as it was."""
