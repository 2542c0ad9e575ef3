"""A collection's own measures, taken when it is built, so decisions mean the same on any collection.

The cosine a question gets from its closest record depends on the collection: the more records and the more
varied, the closer some record comes to anything. A build therefore asks the new collection questions that
no archive of historical documents is meant to answer (qa/offtopic.txt, everyday subjects) and keeps the
median of their best cosines as the collection's noise floor. The support model (qa/support.py) reads a
record's cosine above that floor, not the raw cosine.

A name in a question may be spelled otherwise in a record ("Zhou Enlai", "Chou En-lai"), so a record also
counts as holding a name by meaning: the cosine of the name alone to the record. What that cosine means
depends on the collection's texts too, so a build takes names from its own records and measures the cosine
of each to its own record (a record that holds it: name_held) and to another record (name_other). The
measures are stored in the manifest, shown by `archive-qa info`, and taken again at every rebuild (a new
model means a rebuild).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

Encode = Callable[[list[str]], np.ndarray]  # texts -> unit vectors, row for row

OFFTOPIC = Path(__file__).with_name("offtopic.txt")
VERSION = 1
_CHUNK = 65_536  # rows of the collection multiplied at a time: ~100 MB of scores at most


def offtopic_questions() -> list[str]:
    lines = OFFTOPIC.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def best_cosines(vectors: np.ndarray, questions: np.ndarray) -> np.ndarray:
    """For each question vector, its highest cosine to any row of the collection (unit vectors)."""
    best = np.full(questions.shape[0], -1.0, dtype=np.float32)
    q = np.ascontiguousarray(questions.T, dtype=np.float32)
    for start in range(0, vectors.shape[0], _CHUNK):
        part = np.asarray(vectors[start:start + _CHUNK], dtype=np.float32) @ q
        np.maximum(best, part.max(axis=0), out=best)
    return best


SAMPLE = 300  # records whose names are measured (all of them in a smaller collection)


def name_cosines(vectors: np.ndarray, records: list, encode: Encode) -> tuple[np.ndarray, np.ndarray]:
    """For names taken from sampled records: their cosine to their own record and to another record.

    The sample is the records with the lowest ids (ids are content hashes, so this is a random sample that a
    rebuild adding a few records mostly keeps, and its names' vectors come from the cache); each one's other
    record is the next in id order."""
    from .query import name_phrases

    ids = getattr(records, "ids", None)  # a qa.table.RecordTable holds them without parsing every record
    order = (np.argsort(ids, kind="stable").tolist() if ids is not None
             else sorted(range(len(records)), key=lambda i: records[i].id))
    if len(order) < 2:
        return np.zeros(0), np.zeros(0)
    names, own, other = [], [], []
    for k, row in enumerate(order[:SAMPLE]):
        r = records[row]
        phrases = name_phrases(f"{r.title}. {r.summary}")
        if phrases:
            names.append(" ".join(phrases[int(r.id[:8], 16) % len(phrases)]))
            own.append(row)
            other.append(order[(k + 1) % len(order)])
    if not names:
        return np.zeros(0), np.zeros(0)
    v = encode(names)
    held = np.einsum("ij,ij->i", v, np.asarray(vectors[own], dtype=np.float32))
    elsewhere = np.einsum("ij,ij->i", v, np.asarray(vectors[other], dtype=np.float32))
    return held, elsewhere


def calibrate(vectors: np.ndarray, encode: Encode, records: list) -> dict[str, float]:
    """The collection's noise floor (the median best cosine of off-topic questions, with its spread), and the
    mean cosine of one of its names to a record that holds it and to one that does not, with their spread.

    encode embeds texts with the collection's model (a build passes one that keeps the vectors in its cache)."""
    questions = offtopic_questions()
    best = best_cosines(vectors, encode(questions))
    held, elsewhere = name_cosines(vectors, records, encode)
    out = {"version": VERSION, "floor": round(float(np.median(best)), 4),
           "floor_p90": round(float(np.percentile(best, 90)), 4), "questions": len(questions)}
    if held.size:
        # one spread for both: the pooled standard deviation
        spread = float(np.sqrt((np.var(held) + np.var(elsewhere)) / 2))
        out.update(name_held=round(float(np.mean(held)), 4), name_other=round(float(np.mean(elsewhere)), 4),
                   name_spread=round(spread, 4), names=int(held.size))
    return out
