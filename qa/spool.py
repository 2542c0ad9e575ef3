"""A build's records and vectors on disk, not in memory, so that a million records build in well under 2 GB.

Records are read once, checked, and written to records.jsonl as they come (the file every store is loaded or
filled from); what the build needs of them again is kept as small arrays: ids, date ranges, the length and
cache key of each embedding text, and the keyword tokens as ids (qa.keywords.Tokens). Vectors go to an .npy
file a slice at a time and are read back the same way (VectorFile).
"""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cache import text_key
from .keywords import Tokens, record_tokens
from .records import Record
from .table import ID_LEN, RecordTable, record_line

RECORDS = "records.jsonl"
_NAT = np.iinfo(np.int64).min  # datetime64's NaT, as an integer


def embedding_text(record: Record) -> str:
    """What is embedded for a record: its title and summary (the title carries names and document type)."""
    return f"{record.title}. {record.summary}"


class VectorFile:
    """A float32 matrix in an .npy file, read and written a slice at a time with pread and pwrite.

    Not memory-mapped: the pages of a map count against the process for as long as it is mapped, so a million
    vectors read through one would cost 1.5 GB of its memory."""

    def __init__(self, path: Path, shape: tuple[int, int], offset: int) -> None:
        self.path, self.shape, self._offset = Path(path), (int(shape[0]), int(shape[1])), offset
        self._fd = os.open(self.path, os.O_RDWR if os.access(self.path, os.W_OK) else os.O_RDONLY)

    ndim = 2
    dtype = np.dtype(np.float32)

    @classmethod
    def create(cls, path: Path, n: int, d: int) -> "VectorFile":
        """A new file for n rows of dimension d (zeros until written)."""
        with open(path, "wb") as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (n, d)})
            offset = f.tell()
            f.truncate(offset + n * d * 4)
        return cls(path, (n, d), offset)

    @classmethod
    def open(cls, path: Path, rows: int | None = None) -> "VectorFile":
        """An existing .npy file of float32 rows (its first rows only, when given); ValueError when it is not
        one."""
        with open(path, "rb") as f:
            major, _ = np.lib.format.read_magic(f)
            read = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read(f)
            offset = f.tell()
        if len(shape) != 2 or fortran or dtype != np.float32:
            raise ValueError(f"{path} holds {shape} {dtype}, not rows of float32")
        if os.path.getsize(path) < offset + shape[0] * shape[1] * 4:
            raise ValueError(f"{path} is shorter than its {shape[0]} rows")
        return cls(path, (shape[0] if rows is None else min(rows, shape[0]), shape[1]), offset)

    def __len__(self) -> int:
        return self.shape[0]

    def _read(self, start: int, stop: int) -> np.ndarray:
        d = self.shape[1]
        data = os.pread(self._fd, (stop - start) * d * 4, self._offset + start * d * 4)
        return np.frombuffer(data, dtype=np.float32).reshape(stop - start, d).copy()

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            i = int(key) % self.shape[0]
            return self._read(i, i + 1)[0]
        if isinstance(key, slice):
            start, stop, step = key.indices(self.shape[0])
            if step != 1:
                raise IndexError("a VectorFile reads slices of step 1")
            return self._read(start, max(start, stop))
        rows = np.asarray(key, dtype=np.int64) % max(1, self.shape[0])
        out = np.empty((rows.size, self.shape[1]), dtype=np.float32)
        order = np.argsort(rows, kind="stable")
        s = rows[order]
        for a, b in _runs(s):  # rows next to each other are read in one go
            out[order[a:b]] = self._read(int(s[a]), int(s[b - 1]) + 1)[s[a:b] - s[a]]
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self[:] if dtype is None else self[:].astype(dtype)

    def write(self, rows: np.ndarray, vectors: np.ndarray) -> None:
        """Write vectors[j] to row rows[j]."""
        rows = np.asarray(rows, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        d = self.shape[1]
        order = np.argsort(rows, kind="stable")
        s = rows[order]
        for a, b in _runs(s):
            if int(s[b - 1]) - int(s[a]) == b - a - 1:  # distinct consecutive rows: one write
                os.pwrite(self._fd, vectors[order[a:b]].tobytes(), self._offset + int(s[a]) * d * 4)
            else:
                for j in order[a:b]:
                    os.pwrite(self._fd, vectors[j].tobytes(), self._offset + int(rows[j]) * d * 4)

    def chunks(self, size: int = 65_536) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, rows) a slice at a time."""
        for start in range(0, self.shape[0], size):
            yield start, self[start:start + size]

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        try:
            self.close()
        except OSError:
            pass


def _runs(sorted_rows: np.ndarray) -> Iterator[tuple[int, int]]:
    """[a, b) spans of a sorted array whose values are consecutive (or repeated)."""
    if not sorted_rows.size:
        return
    breaks = np.flatnonzero(np.diff(sorted_rows) > 1) + 1
    edges = [0, *breaks.tolist(), sorted_rows.size]
    yield from zip(edges[:-1], edges[1:])


class Texts(Sequence[str]):
    """The embedding text of each row, read back from records.jsonl when asked for."""

    def __init__(self, table: RecordTable) -> None:
        self.table = table

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return embedding_text(self.table[i])


@dataclass
class Spool:
    """Records read for a build, row for row: records.jsonl in folder, and what the build needs of them."""

    folder: Path
    table: RecordTable
    starts: np.ndarray      # datetime64[D], NaT when undated
    ends: np.ndarray
    lengths: np.ndarray     # int32: characters of each embedding text (to embed like lengths together)
    keys: list[str]         # each embedding text's key in the embedding cache
    tokens: Tokens          # each record's keyword tokens
    sha256: str             # of records.jsonl
    corpus_sha256: str      # of the ids in row order (qa.table.ids_sha256)

    def __len__(self) -> int:
        return len(self.table)

    @property
    def texts(self) -> Texts:
        return Texts(self.table)

    @property
    def path(self) -> Path:
        return self.folder / RECORDS

    def close(self) -> None:
        self.table.close()


def _day(d, epoch: np.datetime64) -> int:
    return int((np.datetime64(d, "D") - epoch).astype(np.int64)) if d else _NAT


def spool(records: Iterable[Record], folder: Path) -> Spool:
    """Write records to folder/records.jsonl as they come, keeping only what the build needs of them."""
    h, corpus = hashlib.sha256(), hashlib.sha256()
    offsets, ids = array("q", [0]), bytearray()
    starts, ends, lengths = array("q"), array("q"), array("i")
    keys: list[str] = []
    tokens = Tokens()
    epoch = np.datetime64("1970-01-01", "D")
    path = folder / RECORDS
    with open(path, "wb") as f:
        for r in records:
            line = (record_line(r) + "\n").encode("utf-8")
            f.write(line)
            h.update(line)
            offsets.append(offsets[-1] + len(line))
            rid = r.id.encode("ascii")
            ids += rid
            corpus.update(rid + b"\n")
            starts.append(_day(r.date.start, epoch))
            ends.append(_day(r.date.end, epoch))
            text = embedding_text(r)
            lengths.append(len(text))
            keys.append(text_key(text))
            tokens.add(record_tokens(r))
        f.flush()
        os.fsync(f.fileno())
    n = len(lengths)
    table = RecordTable(path, np.frombuffer(offsets, np.int64).copy(),
                        np.frombuffer(bytes(ids), f"S{ID_LEN}").copy() if n else np.zeros(0, f"S{ID_LEN}"))
    day = np.dtype("datetime64[D]")
    return Spool(folder, table, np.frombuffer(starts, np.int64).view(day).copy() if n else np.zeros(0, day),
                 np.frombuffer(ends, np.int64).view(day).copy() if n else np.zeros(0, day),
                 np.frombuffer(lengths, np.int32).copy() if n else np.zeros(0, np.int32), keys, tokens,
                 h.hexdigest(), corpus.hexdigest())
