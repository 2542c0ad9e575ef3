"""The index on disk: a folder of plain files (FAISS, records JSONL, manifest), written atomically.

Layout of an index folder:
    CURRENT              name of the live build folder, replaced atomically
    build-<stamp>/       index.faiss, records.jsonl, dates.npy (each record's first and last day),
                         bm25/ (the keyword index), manifest.json
    .tmp-<stamp>/        a build in progress (left behind only by a crash; removed by the next build)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import IndexProblem
from .keywords import KeywordIndex
from .names import BUILTIN_ALIASES, BUILTIN_REGIONS, NameMatcher, read_aliases, read_regions
from .records import Record, find_record_files
from .stores.folder import FolderStore
from .table import RecordTable, ids_sha256, scan

log = logging.getLogger(__name__)

FORMAT_VERSION = 5  # 3: dates.npy, records read on demand (qa/table.py); 4: calibration, acronym tokens;
                    # 5: keywords stemmed with 'ies', 'ied' as 'y' (qa/text.py stem)
CURRENT = "CURRENT"
FILES = ("index.faiss", "records.jsonl", "dates.npy", "bm25", "manifest.json")
LOCK = ".build.lock"

Progress = Callable[[float, str], None]


class OldFormat(IndexProblem):
    """An index written by another version of archive-qa: rebuilt when its records are at hand (sources: the
    record files its manifest names, and model: the model it was built with, when it says)."""

    def __init__(self, message: str, sources: list[str] | None = None, model: str | None = None) -> None:
        super().__init__(message)
        self.sources = [str(p) for p in sources or [] if isinstance(p, str)]
        self.model = model if isinstance(model, str) else None


@dataclass
class SourceFile:
    path: str
    sha256: str
    size: int
    mtime_ns: int


@dataclass
class Manifest:
    """What an index holds and how it was made; checked against the files on every load."""

    format_version: int
    model: str
    dimension: int
    count: int
    records_sha256: str
    index_sha256: str
    bm25_sha256: str
    dates_sha256: str
    corpus_sha256: str
    built_at: str
    index_type: str
    sources: list[str]
    source_files: list[SourceFile]
    date_from: str | None
    date_to: str | None
    undated: int
    skipped: int = 0
    duplicates: int = 0
    versions: dict[str, str] = field(default_factory=dict)
    index_params: dict[str, int] = field(default_factory=dict)
    engine: str = ""  # what embedded the records: "onnx" (the model's ONNX export) or "torch"
    calibration: dict[str, float] = field(default_factory=dict)  # the collection's own measures (qa/calibrate.py)
    initials: dict[str, list[str]] = field(default_factory=dict)  # "JFK": ["John F. Kennedy"] (qa/names.py)

    @classmethod
    def from_json(cls, d: dict) -> "Manifest":
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}  # a key this version does not know is left aside
        d["source_files"] = [SourceFile(**s) for s in d.get("source_files", [])]
        return cls(**d)


# The loaded index folder is the folder store (qa/stores/folder.py): the name older code knows it by.
LoadedIndex = FolderStore


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_tree(folder: Path) -> str:
    """One hash over every file in a folder: names and contents, in sorted order."""
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(folder)).encode() + b"\0")
        h.update(sha256_file(f).encode())
    return h.hexdigest()


def alias_files(sources: list[str]) -> list[Path]:
    """The built-in alias list and any aliases.txt beside the records a collection was built from (its groups of
    names, and its regions: qa/names.py)."""
    out = [BUILTIN_ALIASES]
    for s in sources:
        p = Path(s)
        out.append((p if p.is_dir() else p.parent) / "aliases.txt")
    return out


def corpus_sha256(records: list[Record]) -> str:
    """The hash of the records' ids in row order: it names the corpus an answer came from."""
    return ids_sha256(r.id.encode() for r in records)


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in ("archive-qa", "faiss-cpu", "sentence-transformers", "torch", "transformers", "onnxruntime", "numpy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def describe_sources(paths: list[Path]) -> tuple[list[str], list[SourceFile]]:
    """The source paths (absolute) and each record file under them with its hash, size and mtime."""
    files, _ = find_record_files(paths)
    out = []
    for f in files:
        st = f.stat()
        out.append(SourceFile(str(f.resolve()), sha256_file(f), st.st_size, st.st_mtime_ns))
    return [str(p.resolve()) for p in paths], out


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _write_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, array, allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


@contextlib.contextmanager
def build_lock(index_dir: Path):
    """Hold the index folder's build lock; refuse at once when another build holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexProblem(
                f"another build of {index_dir} is in progress; wait for it to finish and try again") from None
        yield
    finally:
        os.close(fd)


# Up to this many records the index is exact (IndexFlatIP): ~15 ms a question and 384 MB at 250,000.
# Above it, IVF with 8-bit scalar quantization: a few ms and 398 MB at 1,000,000 with recall@10 ~0.98
# (measured on this machine: see benchmarks/ and the README).
EXACT_LIMIT = 250_000


# How far from 1 a vector's length may be. Inner product is cosine only on unit vectors; the model's rows are
# unit length to ~1e-7.
NORM_TOLERANCE = 1e-3
_CHUNK = 65_536  # rows checked at a time, so a million vectors need no second copy in memory


def vector_problem(vectors: np.ndarray, dimension: int | None = None) -> str | None:
    """What is wrong with vectors to be indexed (not a matrix, another width, a row not finite or not unit
    length), or None when nothing is."""
    if vectors.ndim != 2 or (dimension is not None and vectors.shape[1] != dimension):
        return (f"they are an array of shape {tuple(vectors.shape)}, not rows of dimension "
                f"{dimension if dimension is not None else 'd'}")
    bad, first, norm = 0, -1, 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, vectors.shape[0], _CHUNK):
            part = np.asarray(vectors[start:start + _CHUNK], dtype=np.float32)
            norms = np.sqrt(np.einsum("ij,ij->i", part, part))
            wrong = np.flatnonzero(~(np.abs(norms - 1.0) <= NORM_TOLERANCE))
            if wrong.size and first < 0:
                first, norm = start + int(wrong[0]), float(norms[wrong[0]])
            bad += wrong.size
    if not bad:
        return None
    what = "is not finite" if not np.isfinite(vectors[first]).all() else f"has length {norm:.6g}, not 1"
    return (f"{bad:,} of {vectors.shape[0]:,} vectors are not finite unit vectors (row {first + 1} {what}, "
            f"tolerance {NORM_TOLERANCE})")


def make_faiss_index(vectors, *, threads: int = 2) -> tuple[object, str, dict[str, int]]:
    """The FAISS index for these unit vectors (inner product = cosine), its factory name and parameters.

    vectors is an array or a qa.spool.VectorFile: they are added a slice at a time, never copied whole."""
    import faiss

    n, d = vectors.shape
    faiss.omp_set_num_threads(threads)
    try:
        if n <= EXACT_LIMIT:
            fi = faiss.IndexFlatIP(int(d))
            _add(fi, vectors)
            return fi, "IndexFlatIP", {}
        nlist = 1 << int(round(np.log2(4 * np.sqrt(n))))
        factory = f"IVF{nlist},SQ8"
        fi = faiss.index_factory(int(d), factory, faiss.METRIC_INNER_PRODUCT)
        sample = np.sort(np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False))
        fi.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
        _add(fi, vectors)
        # nlist/8: on 100,000 real embeddings recall@10 was 0.947 at nlist/32, 0.957 at /16, 0.974 at /8
        # (benchmarks/real_recall.py); a date range's records sit in few lists, so a narrow one probes nlist/4
        return fi, factory, {"nlist": nlist, "nprobe": nlist // 8, "nprobe_filtered": nlist // 4,
                             "nprobe_filtered_wide": nlist // 8, "train": int(sample.size)}
    finally:
        faiss.omp_set_num_threads(1)


def _add(fi, vectors) -> None:
    for start in range(0, vectors.shape[0], _CHUNK):
        fi.add(np.ascontiguousarray(vectors[start:start + _CHUNK], dtype=np.float32))


def begin_build(index_dir: Path) -> Path:
    """A new, empty build folder beside the live one (.tmp-build-<time>-<id>), after sweeping what builds a
    crash cut short. The caller holds build_lock."""
    index_dir.mkdir(parents=True, exist_ok=True)
    for stale in index_dir.glob(".tmp-*"):  # builds a crash cut short
        shutil.rmtree(stale, ignore_errors=True)
    for stale in index_dir.glob(f".{CURRENT}.*"):  # a pointer written but never swapped in
        stale.unlink(missing_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    tmp = index_dir / f".tmp-build-{stamp}-{uuid.uuid4().hex[:6]}"
    tmp.mkdir()
    return tmp


def new_manifest(spool, *, model: str, dimension: int, sources: list[str], source_files: list[SourceFile],
                 engine: str = "", skipped: int = 0, duplicates: int = 0,
                 calibration: dict[str, float] | None = None,
                 initials: dict[str, list[str]] | None = None) -> Manifest:
    """The manifest of a build from its spooled records (qa/spool.py); the store fills in its own files."""
    dated = ~np.isnat(spool.starts)
    return Manifest(
        format_version=FORMAT_VERSION, model=model, dimension=int(dimension), count=len(spool),
        records_sha256=spool.sha256, index_sha256="", bm25_sha256="", dates_sha256="",
        corpus_sha256=spool.corpus_sha256, built_at="", index_type="", sources=sources,
        source_files=source_files,
        date_from=str(spool.starts[dated].min()) if dated.any() else None,
        date_to=str(spool.ends[dated].max()) if dated.any() else None,
        undated=int((~dated).sum()), skipped=skipped, duplicates=duplicates, versions=_versions(),
        engine=engine, calibration=dict(calibration or {}), initials=dict(initials or {}))


def refuse_vectors(where: str, model: str, vectors, dimension: int | None, fix: str) -> None:
    """IndexProblem, before anything is swapped in, when the vectors are not finite unit rows of the model's
    width, whatever made them."""
    problem = vector_problem(vectors, dimension)
    if problem:
        raise IndexProblem(
            f"refusing to write the index in {where}: the vectors of {model} are not fit to search: "
            f"{problem}. Nothing was changed. {fix}; if it happens again, the model's ONNX export is at "
            "fault: delete it from $ARCHIVE_QA_CACHE or set ARCHIVE_QA_BACKEND=torch")


def commit_build(index_dir: Path, spool, vectors, manifest: Manifest) -> Manifest:
    """Complete the build spooled in its folder (records.jsonl is there already): the FAISS index, dates,
    BM25 and manifest, then rename it into place and switch CURRENT to it in one atomic rename.

    vectors (an array or a qa.spool.VectorFile) have been refused by the caller when unfit (Writer.commit,
    write_index). The caller holds build_lock. A crash at any point leaves the previous build live and
    intact."""
    import faiss

    tmp = spool.folder
    fi, index_type, index_params = make_faiss_index(vectors)
    faiss.write_index(fi, str(tmp / "index.faiss"))
    del fi
    with open(tmp / "index.faiss", "rb") as fh:
        os.fsync(fh.fileno())
    _write_npy(tmp / "dates.npy", np.stack([spool.starts, spool.ends], axis=1))
    KeywordIndex.from_tokens(spool.tokens).save(tmp / "bm25")
    for f in (tmp / "bm25").iterdir():
        with open(f, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(tmp / "bm25")

    manifest.dimension = int(vectors.shape[1])
    manifest.index_sha256 = sha256_file(tmp / "index.faiss")
    manifest.bm25_sha256 = sha256_tree(tmp / "bm25")
    manifest.dates_sha256 = sha256_file(tmp / "dates.npy")
    manifest.built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    manifest.index_type, manifest.index_params = index_type, index_params
    _write(tmp / "manifest.json", json.dumps(asdict(manifest), indent=2).encode("utf-8"))
    _fsync_dir(tmp)

    name = tmp.name.removeprefix(".tmp-")
    final = index_dir / name
    os.rename(tmp, final)
    _fsync_dir(index_dir)
    pointer = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
    _write(pointer, (name + "\n").encode())
    previous = _current_name(index_dir)
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)
    _prune(index_dir, keep={name, previous})
    log.info("index written: %s (%d records)", final, len(spool))
    return manifest


def write_index(index_dir: Path, records: list[Record], vectors: np.ndarray, *, model: str,
                sources: list[str], engine: str = "", source_files: list[SourceFile], skipped: int = 0,
                duplicates: int = 0, calibration: dict[str, float] | None = None,
                dimension: int | None = None) -> Manifest:
    """Write a complete build of records held in memory beside the live one, then switch CURRENT to it.

    dimension is the model's own, when known. Vectors that are not finite unit rows of that width are refused
    (IndexProblem), whatever made them, before anything is written.
    The caller holds build_lock. A crash at any point leaves the previous build live and intact.
    """
    from .spool import spool

    if vectors.shape[0] != len(records):
        raise ValueError(f"{vectors.shape[0]} vectors for {len(records)} records")
    refuse_vectors(str(index_dir), model, vectors, dimension,
                   f"Delete the embedding cache ({index_dir / 'cache'}) and build again")
    tmp = begin_build(index_dir)
    try:
        sp = spool(records, tmp)
        manifest = new_manifest(sp, model=model, dimension=dimension or vectors.shape[1], sources=sources,
                                source_files=source_files, engine=engine, skipped=skipped,
                                duplicates=duplicates, calibration=calibration)
        out = commit_build(index_dir, sp, vectors, manifest)
        sp.close()
        return out
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _prune(index_dir: Path, keep: set[str | None]) -> None:
    """Remove builds other than the live one and the one before it (kept as the last good fallback)."""
    for d in index_dir.glob("build-*"):
        if d.name not in keep:
            shutil.rmtree(d, ignore_errors=True)


def _current_name(index_dir: Path) -> str | None:
    try:
        return (index_dir / CURRENT).read_text().strip() or None
    except FileNotFoundError:
        return None


def exists(index_dir: Path) -> bool:
    return _current_name(index_dir) is not None


def _fix(index_dir: Path) -> str:
    return f"rebuild it with: archive-qa build --index {index_dir}"


def read_manifest(index_dir: Path) -> tuple[Path, Manifest]:
    """The live build folder and its manifest; IndexProblem when there is none or it is unreadable."""
    name = _current_name(index_dir)
    if name is None:
        raise IndexProblem(f"no index in {index_dir}: build one with: archive-qa build --index {index_dir}")
    build = index_dir / name
    if "/" in name or not build.is_dir():
        raise IndexProblem(f"the index in {index_dir} is damaged: its build folder {name!r} is missing; "
                           + _fix(index_dir))
    try:
        raw = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        if raw.get("format_version") != FORMAT_VERSION:
            raise OldFormat(f"the index in {index_dir} has format version {raw.get('format_version')}, this "
                            f"archive-qa reads version {FORMAT_VERSION}; {_fix(index_dir)}",
                            raw.get("sources"), raw.get("model"))
        manifest = Manifest.from_json(raw)
    except FileNotFoundError:
        raise IndexProblem(f"the index in {index_dir} is damaged: manifest.json is missing; {_fix(index_dir)}") from None
    except OldFormat:
        raise
    except (ValueError, TypeError, KeyError) as e:
        raise IndexProblem(f"the index in {index_dir} is damaged: manifest.json cannot be read ({e}); "
                           + _fix(index_dir)) from None
    return build, manifest


def load_index(index_dir: Path) -> FolderStore:
    """Load the live build and verify every file against its manifest; refuse a damaged one."""
    import faiss

    t0 = time.perf_counter()
    build, m = read_manifest(index_dir)
    damaged = f"the index in {index_dir} is damaged"
    for fname in FILES:
        if not (build / fname).exists():
            raise IndexProblem(f"{damaged}: {fname} is missing; {_fix(index_dir)}")
    if sha256_file(build / "index.faiss") != m.index_sha256:
        raise IndexProblem(f"{damaged}: index.faiss does not match its checksum in the manifest; {_fix(index_dir)}")
    table_scan = scan(build / "records.jsonl")
    if table_scan.sha256 != m.records_sha256:
        raise IndexProblem(f"{damaged}: records.jsonl does not match its checksum in the manifest; "
                           + _fix(index_dir))
    if sha256_tree(build / "bm25") != m.bm25_sha256:
        raise IndexProblem(f"{damaged}: the keyword index (bm25/) does not match its checksum in the manifest; "
                           + _fix(index_dir))
    if sha256_file(build / "dates.npy") != m.dates_sha256:
        raise IndexProblem(f"{damaged}: dates.npy does not match its checksum in the manifest; {_fix(index_dir)}")
    try:
        fi = faiss.read_index(str(build / "index.faiss"))
    except RuntimeError as e:
        raise IndexProblem(f"{damaged}: FAISS cannot read index.faiss ({str(e).splitlines()[0]}); "
                           + _fix(index_dir)) from None
    records = RecordTable(build / "records.jsonl", table_scan.offsets, table_scan.ids)
    if fi.ntotal != m.count or len(records) != m.count:
        raise IndexProblem(f"{damaged}: the manifest says {m.count} records, index.faiss holds {fi.ntotal} "
                           f"vectors and records.jsonl {len(records)} lines; {_fix(index_dir)}")
    if table_scan.bad_line is not None:
        raise IndexProblem(f"{damaged}: records.jsonl line {table_scan.bad_line} does not start with its "
                           f"record's id; {_fix(index_dir)}")
    if records.corpus_sha256() != m.corpus_sha256:
        raise IndexProblem(f"{damaged}: records.jsonl does not hold the corpus the manifest names (records "
                           f"reordered or replaced); {_fix(index_dir)}")
    if fi.d != m.dimension:
        raise IndexProblem(f"{damaged}: index.faiss has dimension {fi.d}, the manifest says {m.dimension}; "
                           + _fix(index_dir))
    try:
        dates = np.load(build / "dates.npy", allow_pickle=False)
    except (OSError, ValueError) as e:
        raise IndexProblem(f"{damaged}: dates.npy cannot be read ({e}); {_fix(index_dir)}") from None
    if dates.shape != (m.count, 2) or dates.dtype != np.dtype("datetime64[D]"):
        raise IndexProblem(f"{damaged}: dates.npy holds {dates.shape} {dates.dtype}, not {m.count} date "
                           f"ranges; {_fix(index_dir)}")
    try:
        keywords = KeywordIndex.load(build / "bm25")
    except (OSError, ValueError, KeyError) as e:
        raise IndexProblem(f"{damaged}: the keyword index cannot be read ({e}); {_fix(index_dir)}") from None
    if keywords.n != m.count:
        raise IndexProblem(f"{damaged}: the keyword index holds {keywords.n} records, the manifest says "
                           f"{m.count}; {_fix(index_dir)}")
    listed = alias_files(m.sources)
    names = NameMatcher(keywords.vocabulary, read_aliases(listed), m.initials, read_regions([BUILTIN_REGIONS]),
                        share=keywords.share, own_regions=read_regions(listed[1:]))
    ivf = faiss.try_extract_index_ivf(fi)
    if ivf is not None:
        ivf.make_direct_map()  # so cited records' vectors can be read back for their cosine
        ivf.nprobe = m.index_params.get("nprobe", ivf.nprobe)  # also for callers that pass no parameters
    starts, ends = np.ascontiguousarray(dates[:, 0]), np.ascontiguousarray(dates[:, 1])
    log.info("loaded index %s: %d records in %.2fs", build, m.count, time.perf_counter() - t0)
    return FolderStore(build, m, fi, records, keywords, names, starts, ends)


def staleness(manifest: Manifest) -> str | None:
    """Why the index no longer matches its record files, or None when it still does."""
    paths = [Path(p) for p in manifest.sources]
    missing = [p for p in paths if not p.exists()]
    if missing and len(missing) == len(paths):
        log.warning("cannot check whether the index is current: its records source %s is gone", missing[0])
        return None
    if missing:
        return f"the records source {missing[0]} is gone"
    files, _ = find_record_files(paths)
    built = {s.path: s for s in manifest.source_files}
    now = {str(f.resolve()): f for f in files}
    added = sorted(set(now) - set(built))
    removed = sorted(set(built) - set(now))
    if added:
        return f"a new records file appeared: {added[0]}"
    if removed:
        return f"a records file was removed: {removed[0]}"
    for path, f in now.items():
        s = built[path]
        st = f.stat()
        if (st.st_size, st.st_mtime_ns) != (s.size, s.mtime_ns) and sha256_file(f) != s.sha256:
            return f"{path} changed since the index was built"
    return None
