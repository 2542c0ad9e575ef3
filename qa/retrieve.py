"""Retrieval: dense (FAISS) and keyword (BM25) candidates fused by reciprocal rank, inside a date range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import threading

import numpy as np

from .dates import meets
from .records import Record
from .store import LoadedIndex

# Reciprocal-rank fusion: rank r in a list scores weight / (RRF_K + r). RRF_K and the weights were chosen on
# tests/data/eval.jsonl (a grid of RRF_K 5, 10, 20, 60 and keyword weights 0.3 to 1.5): see the README.
RRF_K = 10


@dataclass(frozen=True)
class Hit:
    """A retrieved record: its cosine similarity to the question, its BM25 score, its rank (1 = best), and once
    weighed (qa/support.py) the probability that it supports the answer, with the evidence for it."""

    record: Record
    score: float
    rank: int
    keyword: float = 0.0
    fused: float = 0.0
    support: float = 0.0
    evidence: object = None
    row: int = -1  # the record's row in the index it came from


@dataclass(frozen=True)
class Weights:
    """How much each retriever counts in the fusion; 0 turns one off."""

    dense: float = 1.0
    keyword: float = 1.0


DENSE_ONLY = Weights(1.0, 0.0)
KEYWORD_ONLY = Weights(0.0, 1.0)


def allowed_mask(index: LoadedIndex, date_from: date | None, date_to: date | None) -> np.ndarray | None:
    """A boolean mask of the records whose own range meets [date_from, date_to] (qa/dates.py's rule); None when
    there is no range. Vectorised over the index's date arrays (1.5 ms at a million records)."""
    if date_from is None and date_to is None:
        return None
    return meets(index.starts, index.ends, date_from, date_to)


def _search_params(index: LoadedIndex, allowed: np.ndarray | None):
    """FAISS search parameters: the date filter as a bitmap, and for IVF indexes how many lists to probe."""
    import faiss

    sel = faiss.IDSelectorBitmap(np.packbits(allowed, bitorder="little")) if allowed is not None else None
    p = index.manifest.index_params
    if "nlist" not in p:
        return faiss.SearchParameters(sel=sel) if sel is not None else None
    if sel is None:
        return faiss.SearchParametersIVF(nprobe=p["nprobe"])
    # A date range is correlated with topic, so its records sit in few lists: probe many more of them.
    wide = allowed.mean() >= 0.3  # type: ignore[union-attr]
    return faiss.SearchParametersIVF(sel=sel, nprobe=p["nprobe_filtered_wide"] if wide else p["nprobe_filtered"])


_THREAD = threading.local()


def _one_thread() -> None:
    """FAISS on one thread for this thread's questions: one question gains nothing from a second thread. The
    OpenMP setting belongs to the calling thread, so each thread that asks sets it, once."""
    if not getattr(_THREAD, "set", False):
        import faiss

        faiss.omp_set_num_threads(1)
        _THREAD.set = True


def dense_top(index: LoadedIndex, qvec: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The k rows nearest the question vector (inner product = cosine), within allowed rows when given."""
    import faiss

    _one_thread()
    q = np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32)
    n = index.faiss_index.ntotal if allowed is None else int(allowed.sum())
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    scores, ids = index.faiss_index.search(q, k, params=_search_params(index, allowed))
    keep = ids[0] >= 0
    return ids[0][keep].astype(np.int64), scores[0][keep]


def search(index: LoadedIndex, qvec: np.ndarray, k: int, *, date_from: date | None = None,
           date_to: date | None = None) -> list[Hit]:
    """Exact dense top-k (cosine on unit vectors), restricted to the date range when given."""
    ids, scores = dense_top(index, qvec, k, allowed_mask(index, date_from, date_to))
    return [Hit(index.records[int(i)], float(s), rank, row=int(i))
            for rank, (i, s) in enumerate(zip(ids, scores), start=1)]


def vectors(index: LoadedIndex, rows: list[int]) -> np.ndarray:
    """The stored vectors of given rows, read back from the index."""
    if not rows:
        return np.zeros((0, index.manifest.dimension), dtype=np.float32)
    return np.vstack([index.faiss_index.reconstruct(int(i)) for i in rows])


def cosine(index: LoadedIndex, qvec: np.ndarray, rows: list[int]) -> dict[int, float]:
    """Cosine similarity of the question to given rows, read back from the index's stored vectors."""
    if not rows:
        return {}
    return {int(i): float(s) for i, s in zip(rows, vectors(index, rows) @ qvec.astype(np.float32))}


def hybrid_search(index: LoadedIndex, qvec: np.ndarray, query_tokens: list[str], k: int, *,
                  weights: Weights = Weights(), date_from: date | None = None, date_to: date | None = None,
                  depth: int = 100) -> list[Hit]:
    """Fuse the dense and keyword rankings (weighted reciprocal rank) and return the top k."""
    allowed = allowed_mask(index, date_from, date_to)
    depth = max(depth, k)
    dense: dict[int, float] = {}
    if weights.dense > 0:
        ids, scores = dense_top(index, qvec, depth, allowed)
        dense = {int(i): float(s) for i, s in zip(ids, scores)}
    kw = index.keywords.scores(query_tokens) if weights.keyword > 0 else None
    keyword_rows: list[int] = []
    if kw is not None and kw.any():
        if allowed is not None:
            kw = np.where(allowed, kw, 0.0)
        take = min(depth, int(np.count_nonzero(kw > 0)))
        if take:
            top = np.argpartition(-kw, take - 1)[:take] if take < kw.shape[0] else np.arange(kw.shape[0])
            keyword_rows = [int(i) for i in top[np.argsort(-kw[top], kind="stable")][:take]]
    fused = {i: weights.dense / (RRF_K + rank) for rank, i in enumerate(dense, start=1)}
    for rank, i in enumerate(keyword_rows, start=1):
        fused[i] = fused.get(i, 0.0) + weights.keyword / (RRF_K + rank)
    order = sorted(fused, key=lambda i: (-fused[i], -dense.get(i, 0.0), i))[:k]
    dense.update(cosine(index, qvec, [i for i in order if i not in dense]))
    return [Hit(index.records[i], dense[i], rank, float(kw[i]) if kw is not None else 0.0, fused[i], row=i)
            for rank, i in enumerate(order, start=1)]


def in_date_order(index: LoadedIndex, qvec: np.ndarray, date_from: date | None, date_to: date | None,
                  limit: int) -> list[Hit]:
    """Every record in the range (up to limit), earliest first, each with its cosine to the question."""
    mask = allowed_mask(index, date_from, date_to)
    if mask is None:
        return []
    found = np.flatnonzero(mask)
    rows = [int(i) for i in found[np.argsort(index.starts[found], kind="stable")][:limit]]
    cos = cosine(index, qvec, rows)
    return [Hit(index.records[i], cos[i], rank, row=i) for rank, i in enumerate(rows, start=1)]
