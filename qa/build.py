"""Building an index: read and validate records, embed them, write the index atomically."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from .embed import Embedder
from .errors import Problem
from .records import Record, load_records
from .store import Manifest, Progress, build_lock, describe_sources, write_index

log = logging.getLogger(__name__)

BATCH = 256


def embedding_text(record: Record) -> str:
    """What is embedded for a record: its title and summary (the title carries names and document type)."""
    return f"{record.title}. {record.summary}"


@dataclass
class BuildReport:
    """What a build did: the new manifest, what it skipped and dropped, how long it took."""

    manifest: Manifest
    skipped: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


def build(record_paths: list[Path], index_dir: Path, embedder: Embedder, *, skip_invalid: bool = False,
          progress: Progress | None = None) -> BuildReport:
    """Build the index in index_dir from the record files; on any error the existing index is untouched."""
    t0 = time.perf_counter()
    note = progress or (lambda frac, msg: None)
    note(0.0, "reading records")
    result = load_records(record_paths, skip_invalid=skip_invalid)
    for p in result.problems:
        log.warning("skipped %s", p)
    for d in result.duplicates:
        log.info("duplicate: %s", d)
    records = result.records
    with build_lock(index_dir):
        sources, source_files = describe_sources(record_paths)
        texts = [embedding_text(r) for r in records]
        parts = []
        for start in range(0, len(texts), BATCH):
            note(0.05 + 0.9 * start / len(texts), f"embedding records {start + 1}-"
                 f"{min(start + BATCH, len(texts))} of {len(texts)}")
            parts.append(embedder.encode(texts[start:start + BATCH], batch_size=64))
        import numpy as np

        vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dimension), np.float32)
        note(0.96, "writing the index")
        manifest = write_index(index_dir, records, vectors, model=embedder.name, sources=sources,
                               source_files=source_files, skipped=len(result.problems),
                               duplicates=len(result.duplicates))
    note(1.0, f"built: {manifest.count} records")
    return BuildReport(manifest, result.problems, result.duplicates, time.perf_counter() - t0)
