"""Building an index: read and check records, embed them with an engine, write them to a store atomically.

The same steps for every store and engine (qa/stores/, qa/engines/): records are spooled to disk as they are
read (qa/spool.py), the embedding cache supplies the vectors it has, the engine embeds the rest (on this
machine, or on a Ray cluster), and the store's writer swaps the new index in whole or leaves the old one.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cache import EmbeddingCache, text_key
from .calibrate import calibrate
from .embed import Embedder, model_name
from .errors import Problem
from .names import initialisms
from .records import ReadResult, check_result, iter_records
from .spool import Spool, embedding_text, spool  # noqa: F401  (embedding_text: imported from here too)
from .store import Manifest, Progress, describe_sources, new_manifest

log = logging.getLogger(__name__)

LOOKUP = 65_536  # cache keys looked up at a time


def print_progress(frac: float, msg: str) -> None:
    """A build's progress as one line on stderr ("[ 40%] embedding records 1-256 of 640"): the CLI, app.py."""
    print(f"[{frac:4.0%}] {msg}", file=sys.stderr, flush=True)


@dataclass
class BuildReport:
    """What a build did: the new manifest, what it skipped and dropped, how long it took."""

    manifest: Manifest
    skipped: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # read, but worth a look (qa/records.py)
    seconds: float = 0.0
    embedded: int = 0          # records embedded in this build
    cached: int = 0            # records whose vectors came from the embedding cache
    embed_seconds: float = 0.0
    index_seconds: float = 0.0  # the store's own part: FAISS and BM25 (or the Milvus load), manifest, swap
    read_seconds: float = 0.0   # reading, checking and spooling the records (qa/spool.py)
    damaged: int = 0           # records embedded again: their cached vectors were damaged (qa/cache.py)
    engine: str = "local"      # what embedded them: "local" or "ray" (qa/engines/)
    nodes: dict[str, int] = field(default_factory=dict)  # Ray: records embedded on each node


@dataclass
class Embedded:
    """One model's vectors for a build (a qa.spool.VectorFile in the cache's folder): how many were embedded,
    how many of those in place of damaged cached vectors, and the cache to save once the index is written."""

    vectors: object
    embedded: int
    damaged: int
    cache: EmbeddingCache


def _embed(sp: Spool, embedder: Embedder, engine, cache: EmbeddingCache, note: Progress,
           span: tuple[float, float]) -> Embedded:
    """Vectors for every record, from the model's embedding cache where it has them and they verify; the rest
    from the engine, shortest texts first (each batch pads to its longest text: 1.6x on the State Department
    summaries). Written to a file as they come, never held whole."""
    cache.load(lambda: embedder.dimension)
    n = len(sp)
    out = cache.new_file(n, embedder.dimension)
    missing: list[np.ndarray] = []
    trusted = cache.problem is None
    for start in range(0, n, LOOKUP):
        vecs, miss = cache.lookup(sp.keys[start:start + LOOKUP])
        if vecs is not None:
            hit = np.ones(len(vecs), bool)
            hit[miss] = False
            out.write(start + np.flatnonzero(hit), vecs[hit])
        missing.append(start + np.asarray(miss, dtype=np.int64))
    rows = np.concatenate(missing) if missing else np.zeros(0, np.int64)
    if trusted and cache.problem is not None:  # found damaged part way: what it gave before is not trusted
        rows = np.arange(n, dtype=np.int64)
    if cache.problem is None:
        damaged = 0
    elif cache.discarded_keys is None:  # which records it held is unknown: any embedded now might have been
        damaged = len(rows)
    else:
        damaged = sum(k in cache.discarded_keys for k in sp.keys)
    if len(rows):
        rows = rows[np.argsort(sp.lengths[rows], kind="stable")]
        which = "" if embedder.name == model_name() else f" with {embedder.name}"
        unchanged = (f" ({n - len(rows)} unchanged, from the cache)" if len(rows) < n else "")

        def progress(start: int, size: int) -> None:
            note(span[0] + (span[1] - span[0]) * start / len(rows),
                 f"embedding records {start + 1}-{start + size} of {len(rows)}{which}{unchanged}")

        done = 0
        for part, vecs in engine.embed(sp.texts, rows, progress):
            out.write(part, vecs)
            done += len(part)
        if done != len(rows):
            raise RuntimeError(f"the {engine.name} engine returned {done} vectors for {len(rows)} records")
    return Embedded(out, len(rows), damaged, cache)


class CachedEncoder:
    """Embeds texts through a cache of their vectors (the build's measures, qa/calibrate.py): a rebuild embeds
    only what is new, and save() keeps exactly what this build used."""

    def __init__(self, cache: EmbeddingCache, embedder: Embedder) -> None:
        self.cache, self.embedder = cache.load(lambda: embedder.dimension), embedder
        self.keys: list[str] = []
        self.vectors: list[np.ndarray] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        vectors, missing = self.cache.lookup(keys)
        if missing:
            fresh = self.embedder.encode([texts[i] for i in missing], background=True)
            if vectors is None:
                vectors = np.empty((len(texts), fresh.shape[1]), dtype=np.float32)
            vectors[missing] = fresh
        self.keys += keys
        self.vectors.append(vectors)
        return vectors

    def save(self) -> None:
        if self.keys:
            self.cache.save(self.keys, np.concatenate(self.vectors))


def build(record_paths: list[Path], index: Path | str, embedder: Embedder, *, skip_invalid: bool = False,
          progress: Progress | None = None, engine=None) -> BuildReport:
    """Build the index at index (a folder, or milvus://host:port/collection) from the record files, embedding
    with engine (default: this machine, qa/engines/local.py); on any error the existing index is untouched."""
    from .engines import local_engine
    from .stores import writer

    t0 = time.perf_counter()
    note = progress or (lambda frac, msg: None)
    engine = engine or local_engine(embedder)
    out = writer(index)
    with out.lock():
        folder = out.begin()
        sp = None
        try:
            note(0.0, "reading records")
            result = ReadResult()
            sp = spool(iter_records(record_paths, result), folder)
            _check(result, len(sp), skip_invalid, record_paths)
            sources, source_files = describe_sources(record_paths)
            t_embed = time.perf_counter()
            read_seconds = t_embed - t0
            first = _embed(sp, embedder, engine, EmbeddingCache(out.home, embedder.name), note, (0.05, 0.9))
            embed_seconds = time.perf_counter() - t_embed
            note(0.91, "measuring the collection's noise floor")
            measures = CachedEncoder(EmbeddingCache(out.home, f"{embedder.name}#calibration"), embedder)
            calibration = calibrate(first.vectors, measures, sp.table)
            initials = initialisms(titles_and_summaries(sp.table))
            note(0.92, "writing the index")
            t_index = time.perf_counter()
            manifest = new_manifest(sp, model=embedder.name, engine=embedder.backend,
                                    dimension=embedder.dimension, sources=sources, source_files=source_files,
                                    skipped=len(result.problems), duplicates=len(result.duplicates),
                                    calibration=calibration, initials=initials)
            manifest = out.commit(sp, first.vectors, manifest)
            index_seconds = time.perf_counter() - t_index
            first.cache.save(sp.keys, first.vectors)
            measures.save()
        except BaseException:
            out.abort(folder)
            raise
        finally:
            if sp is not None:
                sp.close()
    note(1.0, f"built: {manifest.count} records")
    return BuildReport(manifest, result.problems, result.duplicates, result.notes, time.perf_counter() - t0,
                       embedded=first.embedded, cached=manifest.count - first.embedded,
                       embed_seconds=embed_seconds, index_seconds=index_seconds, read_seconds=read_seconds,
                       damaged=first.damaged,
                       engine=engine.name, nodes=dict(getattr(engine, "nodes", {}) or {}))


def titles_and_summaries(table, chunk: int = 65_536) -> Iterator[str]:
    """Each record's title and summary, read from the spooled records a chunk of lines at a time."""
    for start in range(0, len(table), chunk):
        for line in table.lines(start, min(len(table), start + chunk)):
            d = json.loads(line)
            yield f"{d.get('title') or ''}. {d.get('summary') or ''}"


def _check(result: ReadResult, count: int, skip_invalid: bool, paths: list[Path]) -> None:
    """Log what reading found; RecordsError as load_records() raises it (qa/records.py)."""
    for p in result.problems:
        log.warning("skipped %s", p)
    for d in result.duplicates:
        log.info("duplicate: %s", d)
    for n in result.notes:
        log.warning("%s", n)
    check_result(result, count, paths, skip_invalid=skip_invalid)
