"""Retrieval: dense (FAISS) and keyword (BM25) candidates fused by reciprocal rank, inside a date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .records import Record
from .store import LoadedIndex

# Reciprocal-rank fusion: rank r in a list scores weight / (RRF_K + r). RRF_K and the weights were chosen on
# tests/data/eval.jsonl (a grid of RRF_K 5, 10, 20, 60 and keyword weights 0.3 to 1.5): see the README.
RRF_K = 10


@dataclass(frozen=True)
class Hit:
    """A retrieved record: its cosine similarity to the question, its BM25 score, its fused rank (1 = best)."""

    record: Record
    score: float
    rank: int
    keyword: float = 0.0
    fused: float = 0.0


@dataclass(frozen=True)
class Weights:
    """How much each retriever counts in the fusion; 0 turns one off."""

    dense: float = 1.0
    keyword: float = 1.0


DENSE_ONLY = Weights(1.0, 0.0)
KEYWORD_ONLY = Weights(0.0, 1.0)


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


def allowed_rows(index: LoadedIndex, date_from: date | None, date_to: date | None) -> np.ndarray | None:
    """Row numbers of the records inside the range, or None when there is no range."""
    if date_from is None and date_to is None:
        return None
    return np.fromiter((i for i, r in enumerate(index.records) if overlaps(r, date_from, date_to)), dtype=np.int64)


def dense_top(index: LoadedIndex, qvec: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The k rows nearest the question vector (inner product = cosine), within allowed rows when given."""
    import faiss

    q = np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32)
    params = None
    n = index.faiss_index.ntotal
    if allowed is not None:
        if allowed.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        n = int(allowed.size)
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed))
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    scores, ids = index.faiss_index.search(q, k, params=params)
    keep = ids[0] >= 0
    return ids[0][keep].astype(np.int64), scores[0][keep]


def search(index: LoadedIndex, qvec: np.ndarray, k: int, *, date_from: date | None = None,
           date_to: date | None = None) -> list[Hit]:
    """Exact dense top-k (cosine on unit vectors), restricted to the date range when given."""
    ids, scores = dense_top(index, qvec, k, allowed_rows(index, date_from, date_to))
    return [Hit(index.records[int(i)], float(s), rank) for rank, (i, s) in enumerate(zip(ids, scores), start=1)]


def cosine(index: LoadedIndex, qvec: np.ndarray, rows: list[int]) -> dict[int, float]:
    """Cosine similarity of the question to given rows, read back from the index's stored vectors."""
    if not rows:
        return {}
    vecs = np.vstack([index.faiss_index.reconstruct(int(i)) for i in rows])
    return {int(i): float(s) for i, s in zip(rows, vecs @ qvec.astype(np.float32))}


def hybrid_search(index: LoadedIndex, qvec: np.ndarray, query_tokens: list[str], k: int, *,
                  weights: Weights = Weights(), date_from: date | None = None, date_to: date | None = None,
                  depth: int = 100) -> list[Hit]:
    """Fuse the dense and keyword rankings (weighted reciprocal rank) and return the top k."""
    allowed = allowed_rows(index, date_from, date_to)
    depth = max(depth, k)
    fused: dict[int, float] = {}
    dense: dict[int, float] = {}
    if weights.dense > 0:
        ids, scores = dense_top(index, qvec, depth, allowed)
        for rank, (i, s) in enumerate(zip(ids, scores), start=1):
            dense[int(i)] = float(s)
            fused[int(i)] = weights.dense / (RRF_K + rank)
    kw = index.keywords.scores(query_tokens) if weights.keyword > 0 else None
    if kw is not None and kw.any():
        if allowed is not None:
            mask = np.zeros(kw.shape[0], dtype=bool)
            mask[allowed] = True
            kw = np.where(mask, kw, 0.0)
        positive = int(np.count_nonzero(kw > 0))
        take = min(depth, positive)
        if take:
            top = np.argpartition(-kw, take - 1)[:take] if take < kw.shape[0] else np.arange(kw.shape[0])
            top = top[np.argsort(-kw[top], kind="stable")]
            for rank, i in enumerate(top[:take], start=1):
                fused[int(i)] = fused.get(int(i), 0.0) + weights.keyword / (RRF_K + rank)
    order = sorted(fused, key=lambda i: (-fused[i], -dense.get(i, 0.0), i))[:k]
    missing = [i for i in order if i not in dense]
    dense.update(cosine(index, qvec, missing))
    return [Hit(index.records[i], dense[i], rank, float(kw[i]) if kw is not None else 0.0, fused[i])
            for rank, i in enumerate(order, start=1)]


def in_date_order(index: LoadedIndex, qvec: np.ndarray, date_from: date | None, date_to: date | None,
                  limit: int) -> list[Hit]:
    """Every record in the range (up to limit), earliest first, each with its cosine to the question."""
    rows = allowed_rows(index, date_from, date_to)
    if rows is None:
        return []
    rows = sorted((int(i) for i in rows), key=lambda i: (index.records[i].date.start, i))[:limit]
    cos = cosine(index, qvec, rows)
    return [Hit(index.records[i], cos[i], rank) for rank, i in enumerate(rows, start=1)]
