"""The embedding cache: vectors kept by model and text, so a rebuild embeds only new or edited records.

A cache is trusted only when it proves itself: keys.txt names its vectors file with that file's sha256, the
sha256 of its keys, their count, the vectors' dimension and the model that made them, and every cached
vector a build uses is checked again (finite, unit length, the model's dimension). A cache that fails any
check is discarded with a warning and its records are embedded again: it only ever saves time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .store import sha256_file, vector_problem

log = logging.getLogger(__name__)

FORMAT = "archive-qa-cache-2"  # the first word of keys.txt; older caches (no checksums) are discarded


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def keys_sha256(keys: list[str]) -> str:
    return hashlib.sha256("\n".join(keys).encode("ascii", "replace")).hexdigest()


class EmbeddingCache:
    """A folder per model under the index folder: keys.txt (a header line, then one text hash a line) and the
    vectors-<id>.npy it names, row for row."""

    def __init__(self, index_dir: Path, model: str) -> None:
        self.folder = index_dir / "cache" / re.sub(r"[^A-Za-z0-9._-]+", "_", model)[-100:]
        self.model = model
        self._matrix: np.ndarray | None = None
        self._rows: dict[str, int] = {}
        self.problem: str | None = None  # why the cache on disk was discarded, when it was
        self.discarded_keys: set[str] | None = None  # the keys a discarded cache held, when readable

    def new_file(self, n: int, d: int):
        """A file in this cache's folder for a build's n vectors of dimension d (a qa.spool.VectorFile),
        written as they are made; save() keeps it. What a failed build leaves, the next save() sweeps."""
        from .spool import VectorFile

        self.folder.mkdir(parents=True, exist_ok=True)
        return VectorFile.create(self.folder / f".building-{uuid.uuid4().hex[:12]}.npy", n, d)

    def _discard(self, problem: str, keys: list[str] | None = None) -> None:
        self._matrix, self._rows = None, {}
        self.problem = problem
        self.discarded_keys = set(keys) if keys is not None else None
        log.warning("the embedding cache %s is damaged (%s): it is discarded and its records are embedded "
                    "again", self.folder, problem)

    def load(self, dimension: Callable[[], int] | None = None) -> "EmbeddingCache":
        """Read and verify the cache; a missing one is empty, a damaged or foreign one is discarded (warned).

        dimension gives the model's (asked only when there is a cache: it may load the model)."""
        path = self.folder / "keys.txt"
        if not path.exists():
            return self
        try:
            lines = path.read_bytes().decode("ascii").split("\n")
        except (OSError, UnicodeDecodeError) as e:
            self._discard(f"keys.txt cannot be read: {e}")
            return self
        head, keys = lines[0].split(" "), [k for k in lines[1:] if k]
        if not head or head[0] != FORMAT:
            if head and head[0].startswith("vectors-"):
                self._discard("it was written without checksums by an older archive-qa", keys)
            else:
                self._discard("keys.txt does not start with its header line")
            return self
        try:
            _, vec_name, vec_sha, key_sha, count, dim, model = head
            count_n, dim_n = int(count), int(dim)
        except ValueError:
            self._discard(f"keys.txt's header line is not {FORMAT} NAME SHA256 SHA256 COUNT DIMENSION MODEL")
            return self
        if keys_sha256(keys) != key_sha or len(keys) != count_n:
            self._discard(f"keys.txt holds {len(keys)} keys that do not match the {count_n} its header "
                          "counts and checksums")
            return self
        if model != _model_word(self.model):
            self._discard(f"it holds vectors of the model {model!r}, not {_model_word(self.model)!r}", keys)
            return self
        if dimension is not None and dim_n != dimension():
            self._discard(f"it holds vectors of dimension {dim_n}, the model makes {dimension()}", keys)
            return self
        vec_path = self.folder / vec_name
        if "/" in vec_name or not vec_name.startswith("vectors-") or not vec_path.is_file():
            self._discard(f"its vectors file {vec_name!r} is missing", keys)
            return self
        if sha256_file(vec_path) != vec_sha:
            self._discard(f"{vec_name} does not match its checksum in keys.txt", keys)
            return self
        try:
            from .spool import VectorFile  # read a slice at a time: a map's pages would count against us

            matrix = VectorFile.open(vec_path)
        except (OSError, ValueError) as e:
            self._discard(f"{vec_name} cannot be read ({e})", keys)
            return self
        if matrix.ndim != 2 or matrix.shape != (count_n, dim_n) or matrix.dtype != np.float32:
            self._discard(f"{vec_name} holds {matrix.shape} {matrix.dtype}, not {count_n} float32 vectors of "
                          f"dimension {dim_n}", keys)
            return self
        self._matrix, self._rows = matrix, {k: i for i, k in enumerate(keys)}
        return self

    def lookup(self, keys: list[str]) -> tuple[np.ndarray | None, list[int]]:
        """Cached vectors for the keys (rows of missing keys are zero), and the positions still to embed.

        Every cached vector used is checked (finite, unit length); one that is not discards the whole cache,
        since the checksum that vouched for it cannot be trusted either."""
        if self._matrix is None:
            return None, list(range(len(keys)))
        rows = np.array([self._rows.get(k, -1) for k in keys], dtype=np.int64)
        hit = rows >= 0
        out = np.zeros((len(keys), self._matrix.shape[1]), dtype=np.float32)
        out[hit] = self._matrix[rows[hit]]
        problem = vector_problem(out[hit])
        if problem:
            self._discard(problem, list(self._rows))
            return None, list(range(len(keys)))
        return out, np.flatnonzero(~hit).tolist()

    def save(self, keys: list[str], vectors) -> None:
        """Keep exactly these keys and vectors (the current records).

        The vectors go to a new file first; keys.txt names that file with its checksum, and replacing keys.txt
        switches keys and vectors together, so a crash at any point leaves the old pair or the new one.
        vectors is an array, or a qa.spool.VectorFile the build wrote in this folder (new_file()): it is
        renamed into place, not copied.
        """
        from .spool import VectorFile

        self.folder.mkdir(parents=True, exist_ok=True)
        vec_name = f"vectors-{uuid.uuid4().hex[:12]}.npy"
        own = isinstance(vectors, VectorFile) and vectors.path.parent == self.folder
        if own and vectors.path.stat().st_size == vectors._offset + vectors.shape[0] * vectors.shape[1] * 4:
            vectors.sync()
            os.replace(vectors.path, self.folder / vec_name)
            vectors.path = self.folder / vec_name
        elif isinstance(vectors, VectorFile):  # another file: copied a slice at a time
            copy = VectorFile.create(self.folder / vec_name, *vectors.shape)
            for start, part in vectors.chunks():
                copy.write(np.arange(start, start + len(part)), part)
            copy.sync()
            copy.close()
        else:
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            with open(self.folder / vec_name, "wb") as f:
                np.save(f, vectors, allow_pickle=False)
                f.flush()
                os.fsync(f.fileno())
        head = " ".join([FORMAT, vec_name, sha256_file(self.folder / vec_name), keys_sha256(keys),
                         str(len(keys)), str(vectors.shape[1]), _model_word(self.model)])
        tmp = self.folder / f".keys.{vec_name}.txt"
        with open(tmp, "w", encoding="ascii") as f:
            f.write(head + "\n" + "\n".join(keys) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.folder / "keys.txt")
        for old in self.folder.iterdir():  # earlier vectors, and what a crash mid-save left behind
            if old.name not in ("keys.txt", vec_name):
                old.unlink(missing_ok=True)


def _model_word(model: str) -> str:
    """The model's name as one word of the header line (a folder path may hold spaces)."""
    return re.sub(r"\s+", "_", model) or "_"
