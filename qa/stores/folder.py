"""The folder store: an index folder on this machine (qa/store.py writes and verifies it), searched here.

Dense search is FAISS over unit vectors (inner product = cosine) with the date filter as a bitmap; keyword
search is bm25s (qa/keywords.py) with the same filter as a mask; records are read from records.jsonl when
cited (qa/table.py). This is the default store: it needs no server and nothing beyond the default install.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..dates import meets
from .base import KeywordHits, Store, Writer

if TYPE_CHECKING:
    from ..keywords import KeywordIndex
    from ..names import NameMatcher
    from ..spool import Spool
    from ..store import Manifest
    from ..table import RecordTable

_THREAD = threading.local()


def _one_thread() -> None:
    """FAISS on one thread for this thread's questions: one question gains nothing from a second thread. The
    OpenMP setting belongs to the calling thread, so each thread that asks sets it, once."""
    if not getattr(_THREAD, "set", False):
        import faiss

        faiss.omp_set_num_threads(1)
        _THREAD.set = True


@dataclass
class FolderStore(Store):
    """A verified index folder: the FAISS index, its records (row i = vector i), keywords and manifest."""

    path: Path
    manifest: Manifest
    faiss_index: Any
    records: RecordTable
    keywords: KeywordIndex
    names: NameMatcher
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, "datetime64[D]"))  # NaT when undated
    ends: np.ndarray = field(default_factory=lambda: np.zeros(0, "datetime64[D]"))

    @functools.cached_property
    def location(self) -> str:  # type: ignore[override]
        """The build folder served, resolved once (it is a cache key of every browse)."""
        return str(self.path.resolve())

    def within(self, date_from: date | None, date_to: date | None) -> np.ndarray | None:
        """A boolean mask of the records whose own range meets [date_from, date_to]; None when there is no
        range. Vectorised over the date arrays (1.5 ms at a million records)."""
        if date_from is None and date_to is None:
            return None
        return meets(self.starts, self.ends, date_from, date_to)

    def _search_params(self, allowed: np.ndarray | None):
        """FAISS search parameters: the date filter as a bitmap, and for IVF indexes how many lists to
        probe."""
        import faiss

        sel = faiss.IDSelectorBitmap(np.packbits(allowed, bitorder="little")) if allowed is not None else None
        p = self.manifest.index_params
        if "nlist" not in p:
            return faiss.SearchParameters(sel=sel) if sel is not None else None
        if sel is None:
            return faiss.SearchParametersIVF(nprobe=p["nprobe"])
        # A date range is correlated with topic, so its records sit in few lists: probe many more of them.
        wide = allowed.mean() >= 0.3  # type: ignore[union-attr]
        return faiss.SearchParametersIVF(sel=sel,
                                         nprobe=p["nprobe_filtered_wide"] if wide else p["nprobe_filtered"])

    def dense(self, qvec: np.ndarray, k: int, where: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
        _one_thread()
        q = np.ascontiguousarray(qvec.reshape(1, -1), dtype=np.float32)
        n = self.faiss_index.ntotal if where is None else int(where.sum())
        k = min(k, n)
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        scores, ids = self.faiss_index.search(q, k, params=self._search_params(where))
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def keyword(self, tokens: list[str], k: int, where: np.ndarray | None = None) -> KeywordHits:
        kw = self.keywords.scores(tokens)
        rows: list[int] = []
        if kw.any():
            if where is not None:
                kw = np.where(where, kw, 0.0)
            take = min(k, int(np.count_nonzero(kw > 0)))
            if take:
                top = np.argpartition(-kw, take - 1)[:take] if take < kw.shape[0] else np.arange(kw.shape[0])
                rows = [int(i) for i in top[np.argsort(-kw[top], kind="stable")][:take]]
        return KeywordHits(rows, lambda wanted: {int(i): float(kw[i]) for i in wanted})

    def keyword_scores(self, tokens: list[str]) -> np.ndarray:
        return self.keywords.scores(tokens)

    def vectors(self, rows: list[int]) -> np.ndarray:
        if not rows:
            return np.zeros((0, self.manifest.dimension), dtype=np.float32)
        return np.vstack([self.faiss_index.reconstruct(int(i)) for i in rows])

    def close(self) -> None:
        self.records.close()


class FolderWriter(Writer):
    """Builds into an index folder: a new build folder beside the live one, swapped in by renaming CURRENT."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self.location = str(self.index_dir)
        self.home = self.index_dir

    def begin(self) -> Path:
        from ..store import begin_build

        return begin_build(self.index_dir)

    def _commit(self, spool: Spool, vectors, manifest: Manifest) -> Manifest:
        from ..store import commit_build

        return commit_build(self.index_dir, spool, vectors, manifest)

    def abort(self, folder: Path) -> None:
        import shutil

        with contextlib.suppress(OSError):
            shutil.rmtree(folder)
