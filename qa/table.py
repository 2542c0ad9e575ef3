"""The records of a built index, kept on disk: records.jsonl through a memory map, one record parsed when asked.

Held as Python objects, a million records take about 1.1 GB and 13 s to parse. Held this way, the process
keeps only their line offsets and ids (24 bytes a record) and their date ranges (16); the text stays in the
page cache, shared and reclaimable, and a record costs one JSON parse (~10 µs) when an answer cites it.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import IndexProblem
from .records import Record
from .stores.base import Records, by_name

ID_PREFIX = b'{"id": "'  # every line of records.jsonl starts with its record's id (record_id: 16 hex digits)
ID_LEN = 16
CHUNK = 1 << 24  # bytes scanned at a time; a multiple of the page size
# a key that occurs at most once a line, in metadata, never inside a string value
COLLECTION_KEY = b'"collection": "'
_COLLECTION = re.compile(re.escape(COLLECTION_KEY) + rb'((?:[^"\\]|\\.)*)"')


def record_line(r: Record) -> str:
    """One line of records.jsonl (without its newline): the record's JSON, its id first, so that a scan can
    read ids without parsing."""
    if len(r.id) != ID_LEN or any(c not in "0123456789abcdef" for c in r.id):
        raise ValueError(f"record {r.id!r} at {r.source}, line {r.line}: ids are {ID_LEN} lower-case hex "
                         "digits (qa.records.record_id)")
    line = json.dumps(r.to_json(), ensure_ascii=False)
    if not line.startswith(ID_PREFIX.decode() + r.id + '"'):
        raise ValueError(f"record {r.id!r} at {r.source}, line {r.line}: its JSON does not start with its id")
    return line


def record_lines(records: Sequence[Record]) -> bytes:
    """records.jsonl: one JSON object a line (record_line)."""
    out = [record_line(r) for r in records]
    return ("\n".join(out) + "\n").encode("utf-8") if out else b""


def ids_sha256(ids: Iterable[bytes]) -> str:
    """The corpus hash: the records' ids, one a line, in row order. It names the corpus an answer came from."""
    return hashlib.sha256(b"".join(x + b"\n" for x in ids)).hexdigest()


def collection_of(line: str) -> str | None:
    """The collection a records.jsonl line names in its metadata, read as the folder store's scan reads it."""
    m = _COLLECTION.search(line.encode("utf-8"))
    return json.loads(b'"' + m.group(1) + b'"') if m else None


def _places(data: np.ndarray, key: bytes) -> np.ndarray:
    """Where a byte string starts in an array of bytes: the places of its rarest byte in JSON text (':'),
    narrowed byte by byte (vectorised)."""
    pivot = key.index(b":")
    at = np.flatnonzero(data[pivot: data.size - len(key) + pivot + 1] == key[pivot])
    for i, byte in enumerate(key):
        if i != pivot:
            at = at[data[at + i] == byte]
    return at


def date_columns(records: Sequence[Record]) -> np.ndarray:
    """Each record's first and last day as an (n, 2) datetime64[D] array; NaT for undated records."""
    return np.array([(r.date.start or "NaT", r.date.end or "NaT") for r in records],
                    dtype="datetime64[D]").reshape(len(records), 2)


@dataclass
class Scan:
    """What one pass over records.jsonl found: its checksum, where each line starts, and each line's id."""

    sha256: str
    offsets: np.ndarray  # int64, n + 1: line i is bytes offsets[i]:offsets[i + 1]
    ids: np.ndarray      # S16
    bad_line: int | None  # the first line (1-based) that does not start with its id, if any


def _map(path: Path) -> mmap.mmap | None:
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else None


def scan(path: Path) -> Scan:
    """Checksum records.jsonl and find its lines and ids in one pass, a chunk at a time.

    Each chunk's pages are released after it is read, so the scan does not leave the file resident in this
    process (the kernel keeps it in the page cache).
    """
    h = hashlib.sha256()
    mm = _map(path)
    if mm is None:
        return Scan(h.hexdigest(), np.zeros(1, np.int64), np.zeros(0, f"S{ID_LEN}"), None)
    size = len(mm)
    data = np.frombuffer(mm, dtype=np.uint8)
    ends = []
    for a in range(0, size, CHUNK):  # pass 1: checksum and line ends
        b = min(a + CHUNK, size)
        h.update(memoryview(mm)[a:b])
        ends.append(np.flatnonzero(data[a:b] == 10).astype(np.int64) + a + 1)
        mm.madvise(mmap.MADV_DONTNEED, a, b - a)
    offsets = np.concatenate([np.zeros(1, np.int64), *ends])
    if offsets[-1] != size:  # the last line has no newline: it still counts as a line
        offsets = np.append(offsets, size)
    starts = offsets[:-1]
    prefix = np.frombuffer(ID_PREFIX, np.uint8)
    want = np.arange(len(ID_PREFIX) + ID_LEN + 1)
    ok = np.zeros(len(starts), bool)
    idcol = np.zeros(len(starts), f"S{ID_LEN}")
    for a in range(0, size, CHUNK):  # pass 2: the id at the head of each line
        lo, hi = np.searchsorted(starts, [a, a + CHUNK])
        if hi > lo:
            head = data[np.minimum(starts[lo:hi, None] + want, size - 1)]
            ok[lo:hi] = ((head[:, :len(ID_PREFIX)] == prefix).all(axis=1) & (head[:, -1] == ord('"'))
                         & (starts[lo:hi] + len(want) <= offsets[lo + 1:hi + 1]))
            idcol[lo:hi] = np.ascontiguousarray(head[:, len(ID_PREFIX):-1]).view(f"S{ID_LEN}").ravel()
        mm.madvise(mmap.MADV_DONTNEED, a, min(CHUNK + 4096, size - a))
    bad = None if ok.all() else int(np.argmin(ok)) + 1
    del data
    try:
        mm.close()
    except BufferError:  # a view is still alive somewhere: the map goes when it does
        pass
    return Scan(h.hexdigest(), offsets, idcol, bad)


class Changed(IndexProblem):
    """records.jsonl no longer holds what was loaded: it was changed in place, which builds never do."""


class RecordTable(Records):
    """Row i is the record of vector i: read from records.jsonl when asked for, never held in memory.

    Rows are read with pread on a file held open, not through the scan's memory map: a file truncated under a
    map kills the process (SIGBUS), while a short read is an error that can be reported.
    """

    def __init__(self, path: Path, offsets: np.ndarray, ids: np.ndarray) -> None:
        self.path = path
        self._file = open(path, "rb")  # noqa: SIM115 - held for the table's life, closed with it
        self._offsets = offsets
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def _row(self, i: int) -> Record:
        a, b = int(self._offsets[i]), int(self._offsets[i + 1])
        line = os.pread(self._file.fileno(), b - a, a)
        try:
            record = Record.from_json(json.loads(line))
        except (ValueError, KeyError, TypeError):
            record = None
        if record is None or record.id.encode("ascii", "replace") != self.ids[i]:
            raise Changed(f"{self.path} changed since it was loaded (line {i + 1} is not the record it was); "
                          "a build folder must not be edited: rebuild the index with archive-qa build")
        return record

    def __iter__(self) -> Iterator[Record]:
        return (self[i] for i in range(len(self)))

    def lines(self, start: int, stop: int) -> list[str]:
        """The JSON lines of rows start to stop (without newlines), in one read."""
        a, b = int(self._offsets[start]), int(self._offsets[stop])
        data = os.pread(self._file.fileno(), b - a, a)
        if len(data) != b - a:
            raise Changed(f"{self.path} changed since it was loaded (it is shorter); rebuild the index")
        return data.decode("utf-8").split("\n")[: stop - start]

    def rows_with_id(self, record_id: str) -> list[int]:
        """The rows whose record has this id (at most one in a built index); ids are hex, in any case."""
        try:
            key = record_id.strip().lower().encode("ascii")
        except UnicodeEncodeError:
            return []
        return np.flatnonzero(self.ids == key).tolist() if len(key) == ID_LEN else []

    def rows_with_title(self, title: str) -> list[int]:
        """The rows whose record has exactly this title, ignoring case.

        Reads the file a chunk at a time looking for the title's JSON text (ASCII letters in any case), and
        parses only the lines that hold it: a lookup in a million records reads the file once instead of
        parsing every record.
        """
        want = title.strip().casefold()
        if not want:
            return []
        needle = re.compile(re.escape(json.dumps(title.strip(), ensure_ascii=False)[1:-1].encode()), re.IGNORECASE)
        starts = self._offsets[:-1]
        candidates: set[int] = set()
        overlap = len(needle.pattern) * 4
        pos = 0
        size = int(self._offsets[-1])
        while pos < size:
            data = os.pread(self._file.fileno(), CHUNK + overlap, pos)
            if not data:
                break
            for m in needle.finditer(data):
                candidates.add(int(np.searchsorted(starts, pos + m.start(), side="right")) - 1)
            pos += CHUNK
        rows = sorted(candidates)
        return [i for i in rows if self[i].title.strip().casefold() == want]

    def collections(self) -> tuple[np.ndarray, list[str]]:
        """Each row's collection as a code into the sorted list of collections (-1 for none), from one pass
        over the file's bytes: no record is parsed. About 2 s at a million records."""
        n = len(self)
        codes = np.full(n, -1, dtype=np.int32)
        raw: dict[bytes, int] = {}  # each distinct value as written in the file, decoded once
        row, tail = 0, b""
        with open(self.path, "rb") as f:
            while True:
                block = f.read(CHUNK)
                data = tail + block
                cut = data.rfind(b"\n") + 1 if block else len(data)
                whole, tail = data[:cut], data[cut:]
                data = np.frombuffer(whole, np.uint8)
                newlines = np.flatnonzero(data == 10)
                values = _COLLECTION.findall(whole)
                if values:  # where each value is: the key's places, found with NumPy, in the same order
                    rows = row + np.searchsorted(newlines, _places(data, COLLECTION_KEY))
                    code = np.array([raw.setdefault(v, len(raw)) for v in values], dtype=np.int32)
                    keep = rows < n
                    codes[rows[keep]] = code[keep]
                row += len(newlines)
                if not block:
                    break
        return by_name(codes, [json.loads(b'"' + value + b'"') for value in raw])

    def close(self) -> None:
        self._file.close()

    def corpus_sha256(self) -> str:
        """The corpus hash of these records (ids_sha256), from the ids read by the scan."""
        return ids_sha256(self.ids.tolist())
