"""Benchmark data: the seed records, the real State Department export, records recombined from it, and
synthetic vectors (with text) for collections larger than any real one at hand.

Synthetic vectors reuse the generator of the ANN study in /tmp/ann (synth.py): every new vector is
    normalize((1 - l) * x_i + l * x_j + s * Sigma^(1/2) * z)
with x_i a random real embedding, x_j one of its 20 nearest real neighbours, l ~ U(0, 0.3), z ~ N(0, I),
Sigma the covariance of the real embeddings and s = 0.35 (calibrated there so that a same-size synthetic set
has the real nearest-neighbour score profile). The first 7,535 rows are the real embeddings themselves.
The study's cached vectors (/tmp/ann/data/base1m.npy, parents1m.npy, real.npy) are used when present; otherwise
the same procedure (same seeds) writes them under the work folder.

Text for a synthetic row is recombined from its parent record: the parent's title, its summary's sentences
(some dropped) plus a sentence from one of its nearest neighbours, and its date moved by up to 45 days. So the
BM25 index sees the real vocabulary and realistic lengths, and a date filter selects related topics.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds" / "korea-1942-1948.txt"
REAL = ROOT / "tests" / "data" / "hsg-visits-travels.jsonl"
ANN = Path("/tmp/ann/data")
DIM = 384
SCALE = 0.35          # noise scale s, calibrated in /tmp/ann/REPORT.md section 1
LMAX = 0.3
GEN_VERSION = 3       # bump when the text recombination changes (invalidates cached JSONL files)
QUESTIONS = Path(__file__).with_name("questions.txt")

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# -- questions --------------------------------------------------------------------------------------------

def visit_questions() -> list[str]:
    """The ~200 historian-style questions about visits and travels (benchmarks/questions.txt)."""
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.startswith("#")]


def seed_questions() -> list[str]:
    """Questions about the 20 Korea seed records: the labelled seed set's dev and test splits (read only)."""
    out: list[str] = []
    for split in ("dev", "test"):
        p = ROOT / "tests" / "data" / "eval" / f"seed-{split}.jsonl"
        out += [json.loads(line)["question"] for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list(dict.fromkeys(q for q in out if q.strip()))


# -- real records -------------------------------------------------------------------------------------------

def real_rows() -> list[dict]:
    return [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines() if line.strip()]


def _norm(s: str) -> str:
    return " ".join(str(s).split())


def _key(date: str, title: str, summary: str) -> tuple[str, str, str]:
    return _norm(date), _norm(title), _norm(summary)


def _shift(iso: str, days: int) -> str:
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=int(days))).isoformat()


class Recombiner:
    """Makes new records from the real ones: a parent's title, its sentences plus a neighbour's, a moved date."""

    def __init__(self, rows: list[dict], neighbours: np.ndarray) -> None:
        self.rows = rows
        self.nb = neighbours
        self.sents = [[s for s in _SENT.split(_norm(r.get("summary") or "")) if s] for r in rows]

    def make(self, p: int, rng: np.random.Generator, seen: set) -> dict:
        r = self.rows[p]
        own = self.sents[p]
        j = int(self.nb[p, rng.integers(0, self.nb.shape[1])])
        other = self.sents[j]
        parts = own[:1] + [s for s in own[1:] if rng.random() < 0.7]
        if other and (rng.random() < 0.6 or not parts):
            extra = other[int(rng.integers(0, len(other)))]
            if extra not in parts:
                parts.append(extra)
        if not parts:  # neither has a summary: borrow from the next neighbour that has one
            parts = next((self.sents[int(k)][:1] for k in self.nb[p] if self.sents[int(k)]), ["Visit."])
        summary = " ".join(parts)
        shift = int(rng.integers(-45, 46))
        date = _shift(r["date_iso"], shift)
        while _key(date, r["title"], summary) in seen:
            shift += 1
            date = _shift(r["date_iso"], shift)
        seen.add(_key(date, r["title"], summary))
        return {"date": date, "title": r["title"], "summary": summary}


def real_vectors(work: Path) -> np.ndarray:
    """all-MiniLM-L6-v2 embeddings of the 7,535 real records ("title. summary"), cached."""
    n = len(real_rows())
    for p in (ANN / "real.npy", work / "data" / "real.npy"):
        if p.exists():
            X = np.load(p)
            if X.shape == (n, DIM):
                return X
    log("embedding the 7,535 real records for the synthetic-vector generator (about a minute)")
    import torch

    from qa.embed import Embedder

    torch.set_num_threads(2)
    texts = [f"{_norm(r['title'])}. {_norm(r.get('summary') or '')}" for r in real_rows()]
    X = Embedder().encode(texts, batch_size=32)
    (work / "data").mkdir(parents=True, exist_ok=True)
    np.save(work / "data" / "real.npy", X)
    return X


def neighbours(X: np.ndarray, k: int = 20) -> np.ndarray:
    import faiss

    fi = faiss.IndexFlatIP(X.shape[1])
    fi.add(X)
    _, ids = fi.search(X, k + 1)
    return ids[:, 1:k + 1]


def real_file(size: int, work: Path) -> tuple[Path, int]:
    """A JSONL of `size` valid, distinct real-text records: the real export (its 6 records without a summary and
    2 exact duplicates are kept in the file, skipped by the build) plus records recombined from it.
    Returns the path and the number of lines."""
    rows = real_rows()
    out = work / "data" / f"real_{size}.jsonl"
    meta = out.with_suffix(".meta.json")
    want = {"version": GEN_VERSION, "size": size, "source_bytes": REAL.stat().st_size}
    if out.exists() and meta.exists() and json.loads(meta.read_text()) == want:
        return out, sum(1 for _ in out.open())
    out.parent.mkdir(parents=True, exist_ok=True)
    seen: set = set()
    lines = []
    valid = 0
    for r in rows:
        k = _key(r["date"], r["title"], r.get("summary") or "")
        if valid < size:
            lines.append(json.dumps(r, ensure_ascii=False))
            if k[1] and k[2] and k not in seen:
                valid += 1
        seen.add(k)
    if valid < size:
        rec = Recombiner(rows, neighbours(real_vectors(work)))
        rng = np.random.default_rng(2024)
        while valid < size:
            lines.append(json.dumps(rec.make(int(rng.integers(0, len(rows))), rng, seen), ensure_ascii=False))
            valid += 1
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    meta.write_text(json.dumps(want))
    return out, len(lines)


def new_records_file(base_file: Path, n: int, work: Path) -> Path:
    """n new recombined records, distinct from every record in base_file (for the incremental rebuild)."""
    rows = real_rows()
    seen, texts = set(), set()
    for line in base_file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            o = json.loads(line)
            seen.add(_key(o.get("date", ""), o.get("title", ""), o.get("summary") or ""))
            texts.add(_key("", o.get("title", ""), o.get("summary") or ""))
    rec = Recombiner(rows, neighbours(real_vectors(work)))
    rng = np.random.default_rng(777)
    out = work / "data" / f"new_{n}.jsonl"
    new = []
    while len(new) < n:  # new text too (the embedding cache is keyed by text, not date)
        r = rec.make(int(rng.integers(0, len(rows))), rng, seen)
        if _key("", r["title"], r["summary"]) not in texts:
            texts.add(_key("", r["title"], r["summary"]))
            new.append(json.dumps(r, ensure_ascii=False) + "\n")
    out.write_text("".join(new), encoding="utf-8")
    return out


# -- synthetic vectors ---------------------------------------------------------------------------------------

def _generator(X: np.ndarray, NB: np.ndarray):
    C = np.cov(X.T)
    w, V = np.linalg.eigh(C)
    L = ((V * np.sqrt(np.clip(w, 0, None))) @ V.T).astype(np.float32)
    n, d = X.shape

    def gen(N: int, rng: np.random.Generator):
        p = rng.integers(0, n, N)
        j = NB[p, rng.integers(0, 20, N)]
        lam = rng.uniform(0, LMAX, N).astype(np.float32)[:, None]
        v = (1 - lam) * X[p] + lam * X[j] + SCALE * (rng.standard_normal((N, d), dtype=np.float32) @ L)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        return v.astype(np.float32), p

    return gen


def base_vectors(size: int, work: Path) -> tuple[Path, Path]:
    """(vectors .npy, parents .npy) with at least `size` rows: the ANN study's cache, or generated the same way."""
    for vp, pp in ((ANN / "base1m.npy", ANN / "parents1m.npy"),
                   (work / "data" / "base.npy", work / "data" / "parents.npy")):
        if vp.exists() and pp.exists():
            v = np.load(vp, mmap_mode="r")
            if v.shape[0] >= size and v.shape[1] == DIM:
                return vp, pp
    X = real_vectors(work)
    NB = neighbours(X)
    gen = _generator(X, NB)
    total = max(size, 100_000)
    log(f"generating {total:,} synthetic vectors (the /tmp/ann generator, s={SCALE})")
    vp, pp = work / "data" / "base.npy", work / "data" / "parents.npy"
    out = np.lib.format.open_memmap(vp, mode="w+", dtype=np.float32, shape=(total, X.shape[1]))
    parents = np.empty(total, np.int64)
    n = X.shape[0]
    out[:n] = X
    parents[:n] = np.arange(n)
    rng = np.random.default_rng(42)
    pos = n
    while pos < total:
        m = min(100_000, total - pos)
        v, p = gen(m, rng)
        out[pos:pos + m] = v
        parents[pos:pos + m] = p
        pos += m
    out.flush()
    del out
    np.save(pp, parents)
    return vp, pp


def synthetic_file(size: int, work: Path) -> tuple[Path, Path, Path]:
    """A JSONL with one record for each of the first `size` synthetic vectors, row i = line i + 1, all valid and
    distinct. Returns (jsonl, vectors .npy, parents .npy)."""
    vp, pp = base_vectors(size, work)
    out = work / "data" / f"synth_{size}.jsonl"
    meta = out.with_suffix(".meta.json")
    st = vp.stat()
    want = {"version": GEN_VERSION, "size": size, "vectors": str(vp), "vectors_bytes": st.st_size,
            "vectors_mtime": st.st_mtime_ns}
    if out.exists() and meta.exists() and json.loads(meta.read_text()) == want:
        return out, vp, pp
    t0 = time.perf_counter()
    rows = real_rows()
    n = len(rows)
    parents = np.load(pp, mmap_mode="r")[:size]
    rec = Recombiner(rows, neighbours(real_vectors(work)))
    rng = np.random.default_rng(5)
    seen: set = set()
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for i in range(size):
            p = int(parents[i])
            if i < n:  # the real record itself; fix the 6 without a summary and the 2 exact duplicates
                r = rows[i]
                summary = _norm(r.get("summary") or "")
                if not summary:
                    summary = rec.make(p, rng, set())["summary"]
                date = r["date"]
                shift = 0
                while _key(date, r["title"], summary) in seen:
                    shift += 1
                    date = _shift(r["date_iso"], shift)
                seen.add(_key(date, r["title"], summary))
                obj = {"date": date, "title": r["title"], "summary": summary}
            else:
                obj = rec.make(p, rng, seen)
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")
    meta.write_text(json.dumps(want))
    log(f"wrote {out} ({size:,} records) in {time.perf_counter() - t0:.0f}s")
    return out, vp, pp


def first_rows(jsonl: Path) -> tuple[np.ndarray, list[str]]:
    """For each record of a collection, the first record with the same text (title and summary), and the
    records' cache keys. The synthetic records differ by date, but many share a text (88k texts among 260k
    records), and the embedding cache holds one vector a text: the vectors a build gets are these rows'."""
    from qa.build import embedding_text
    from qa.cache import text_key
    from qa.records import ReadResult, iter_records

    keys = [text_key(embedding_text(r)) for r in iter_records([jsonl], ReadResult())]  # streamed: keys only
    first: dict[str, int] = {}
    return np.array([first.setdefault(k, i) for i, k in enumerate(keys)], dtype=np.int64), keys


def cache_by_text(jsonl: Path, vectors: Path, index_dir: Path) -> tuple[np.ndarray, int]:
    """Put a synthetic collection's vectors (.npy, one row a record) in an index's embedding cache, one a text:
    the first record's with that text, as a build that embedded them would have. Returns first_rows() and the
    number of texts."""
    from qa.cache import EmbeddingCache
    from qa.embed import Embedder

    first, keys = first_rows(jsonl)
    unique = np.flatnonzero(first == np.arange(len(first)))
    vecs = np.ascontiguousarray(np.load(vectors, mmap_mode="r")[unique], dtype=np.float32)
    EmbeddingCache(index_dir, Embedder().name).save([keys[i] for i in unique], vecs)
    return first, len(unique)
