"""Building an index: read and validate records, embed them, write the index atomically."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cache import EmbeddingCache, text_key
from .calibrate import calibrate
from .embed import Embedder, model_name
from .errors import Problem
from .records import Record, load_records
from .store import Manifest, Progress, build_lock, describe_sources, write_index

log = logging.getLogger(__name__)

BATCH = 256


def print_progress(frac: float, msg: str) -> None:
    """A build's progress as one line on stderr ("[ 40%] embedding records 1-256 of 640"): the CLI, app.py."""
    print(f"[{frac:4.0%}] {msg}", file=sys.stderr, flush=True)


def embedding_text(record: Record) -> str:
    """What is embedded for a record: its title and summary (the title carries names and document type)."""
    return f"{record.title}. {record.summary}"


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
    index_seconds: float = 0.0  # FAISS and BM25 indexes, records file and manifest
    damaged: int = 0           # records embedded again: their cached vectors were damaged (qa/cache.py)


@dataclass
class Embedded:
    """One model's vectors for a build: how many were embedded, how many of those in place of damaged cached
    vectors, and the cache to save once the index is written."""

    vectors: np.ndarray
    embedded: int
    damaged: int
    cache: EmbeddingCache


def _embed(texts: list[str], keys: list[str], embedder: Embedder, index_dir: Path, note: Progress,
           span: tuple[float, float]) -> Embedded:
    """Vectors for every text, from the model's embedding cache where it has them and they verify."""
    cache = EmbeddingCache(index_dir, embedder.name).load(lambda: embedder.dimension)
    vectors, missing = cache.lookup(keys)
    if cache.problem is None:
        damaged = 0
    elif cache.discarded_keys is None:  # which records it held is unknown: any embedded now might have been
        damaged = len(missing)
    else:
        damaged = sum(k in cache.discarded_keys for k in keys)
    if missing:
        # shortest first: each batch pads to its longest text, so like lengths together embed faster
        # (1.6x on the State Department summaries)
        missing = sorted(missing, key=lambda i: len(texts[i]))
        fresh = []
        which = "" if embedder.name == model_name() else f" with {embedder.name}"
        for start in range(0, len(missing), BATCH):
            part = missing[start:start + BATCH]
            note(span[0] + (span[1] - span[0]) * start / len(missing),
                 f"embedding records {start + 1}-{start + len(part)} of {len(missing)}{which}"
                 + (f" ({len(texts) - len(missing)} unchanged, from the cache)"
                    if len(missing) < len(texts) else ""))
            fresh.append(embedder.encode([texts[i] for i in part], batch_size=32, background=True))
        embedder.build_done()
        new = np.concatenate(fresh)
        if vectors is None:
            vectors = np.empty((len(texts), new.shape[1]), dtype=np.float32)
        vectors[missing] = new
    return Embedded(vectors, len(missing), damaged, cache)


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


def build(record_paths: list[Path], index_dir: Path, embedder: Embedder, *, skip_invalid: bool = False,
          progress: Progress | None = None) -> BuildReport:
    """Build the index in index_dir from the record files; on any error the existing index is untouched.
    """
    t0 = time.perf_counter()
    note = progress or (lambda frac, msg: None)
    note(0.0, "reading records")
    result = load_records(record_paths, skip_invalid=skip_invalid)
    for p in result.problems:
        log.warning("skipped %s", p)
    for d in result.duplicates:
        log.info("duplicate: %s", d)
    for n in result.notes:
        log.warning("%s", n)
    records = result.records
    with build_lock(index_dir):
        sources, source_files = describe_sources(record_paths)
        texts = [embedding_text(r) for r in records]
        keys = [text_key(t) for t in texts]
        t_embed = time.perf_counter()
        first = _embed(texts, keys, embedder, index_dir, note, (0.05, 0.9))
        embed_seconds = time.perf_counter() - t_embed
        note(0.91, "measuring the collection's noise floor")
        measures = CachedEncoder(EmbeddingCache(index_dir, f"{embedder.name}#calibration"), embedder)
        calibration = calibrate(first.vectors, measures, records)
        note(0.92, "writing the index")
        t_index = time.perf_counter()
        manifest = write_index(index_dir, records, first.vectors, model=embedder.name,
                               engine=embedder.backend, dimension=embedder.dimension, sources=sources,
                               source_files=source_files, skipped=len(result.problems),
                               duplicates=len(result.duplicates),
                               calibration=calibration)
        index_seconds = time.perf_counter() - t_index
        first.cache.save(keys, first.vectors)
        measures.save()
    note(1.0, f"built: {manifest.count} records")
    return BuildReport(manifest, result.problems, result.duplicates, result.notes, time.perf_counter() - t0,
                       embedded=first.embedded, cached=len(records) - first.embedded,
                       embed_seconds=embed_seconds, index_seconds=index_seconds, damaged=first.damaged)
