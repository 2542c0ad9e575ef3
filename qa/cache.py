"""The embedding cache: vectors kept by model and text, so a rebuild embeds only new or edited records."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    """A folder per model under the index folder: keys.txt (one text hash a line) and vectors.npy, row for row."""

    def __init__(self, index_dir: Path, model: str) -> None:
        self.folder = index_dir / "cache" / re.sub(r"[^A-Za-z0-9._-]+", "_", model)[-100:]
        self.vectors: dict[str, np.ndarray] = {}
        self._matrix: np.ndarray | None = None
        self._rows: dict[str, int] = {}

    def load(self) -> "EmbeddingCache":
        """Read the cache; a missing, old or unreadable one is simply empty (it only saves time)."""
        try:
            lines = (self.folder / "keys.txt").read_text().split()
            if not lines or not lines[0].startswith("vectors-"):
                return self
            keys, matrix = lines[1:], np.load(self.folder / lines[0], mmap_mode="r")
            if matrix.shape[0] == len(keys):
                self._matrix, self._rows = matrix, {k: i for i, k in enumerate(keys)}
            else:
                log.warning("embedding cache %s is inconsistent; ignoring it", self.folder)
        except (OSError, ValueError):
            pass
        return self

    def lookup(self, keys: list[str]) -> tuple[np.ndarray | None, list[int]]:
        """Cached vectors for the keys (rows of missing keys are zero), and the positions still to embed."""
        if self._matrix is None:
            return None, list(range(len(keys)))
        rows = np.array([self._rows.get(k, -1) for k in keys], dtype=np.int64)
        missing = np.flatnonzero(rows < 0).tolist()
        out = np.zeros((len(keys), self._matrix.shape[1]), dtype=np.float32)
        hit = rows >= 0
        out[hit] = self._matrix[rows[hit]]
        return out, missing

    def save(self, keys: list[str], vectors: np.ndarray) -> None:
        """Keep exactly these keys and vectors (the current records).

        The vectors go to a new file first; keys.txt names that file, and replacing keys.txt switches keys
        and vectors together, so a crash at any point leaves the old pair or the new one, never a mix.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        vec_name = f"vectors-{uuid.uuid4().hex[:12]}.npy"
        with open(self.folder / vec_name, "wb") as f:
            np.save(f, np.ascontiguousarray(vectors, dtype=np.float32))
            f.flush()
            os.fsync(f.fileno())
        tmp = self.folder / f".keys.{vec_name}.txt"
        with open(tmp, "w") as f:
            f.write(vec_name + "\n" + "\n".join(keys) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.folder / "keys.txt")
        for old in self.folder.iterdir():  # earlier vectors, and what a crash mid-save left behind
            if old.name not in ("keys.txt", vec_name):
                old.unlink(missing_ok=True)
