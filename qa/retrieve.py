"""Retrieval: the records nearest a question vector, optionally only those inside a date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .records import Record
from .store import LoadedIndex


@dataclass(frozen=True)
class Hit:
    """A retrieved record with its cosine similarity to the question and its rank (1 = best)."""

    record: Record
    score: float
    rank: int


def overlaps(record: Record, date_from: date | None, date_to: date | None) -> bool:
    """Whether a record's own date range meets [date_from, date_to]; undated records never match a filter."""
    if date_from is None and date_to is None:
        return True
    if record.undated:
        return False
    if date_from is not None and record.date.end < date_from:  # type: ignore[operator]
        return False
    if date_to is not None and record.date.start > date_to:  # type: ignore[operator]
        return False
    return True


def search(index: LoadedIndex, qvec: np.ndarray, k: int, *, date_from: date | None = None,
           date_to: date | None = None) -> list[Hit]:
    """Exact top-k by inner product (cosine on unit vectors), restricted to the date range when given."""
    import faiss

    q = np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32)
    params = None
    n = index.faiss_index.ntotal
    if date_from is not None or date_to is not None:
        allowed = np.fromiter((i for i, r in enumerate(index.records) if overlaps(r, date_from, date_to)),
                              dtype=np.int64)
        if allowed.size == 0:
            return []
        n = int(allowed.size)
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
    k = min(k, n)
    if k <= 0:
        return []
    scores, ids = index.faiss_index.search(q, k, params=params)
    return [Hit(index.records[int(i)], float(s), rank)
            for rank, (s, i) in enumerate(zip(scores[0], ids[0]), start=1) if i >= 0]
