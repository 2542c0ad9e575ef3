"""Benchmark steps, each run by bench.py in a fresh process so memory peaks never mix.

usage: python benchmarks/workers.py STEP ARGS_JSON OUT_JSON

Steps:
  build_ours        the project's real build (qa.build.build) of real-text record files, optionally followed by
                    an incremental rebuild with one more file
  cache_synth       a synthetic collection's given vectors put in the embedding cache (not measured)
  build_ours_synth  qa.build.build of a synthetic collection whose vectors the cache holds (streams records)
  build_plain       the ten-line pipeline: SentenceTransformer.encode + faiss.IndexFlatIP, from scratch
  build_plain_synth the same over the synthetic vectors (no embedding), plus the exact top-10 for recall
  qvecs             encode the questions once (the query vectors shared by both recall computations)
  serve_ours        Archive(dir).open(); ask() each question, warm, one at a time; pieces; memory; recall
  serve_plain       model + IndexFlatIP from disk; encode + search(k=5) each question; pieces; memory
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import json
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from stats import percentile
from steps import peak_mb, rss_mb

MB = 1024 * 1024


# -- measuring ---------------------------------------------------------------------------------------------

def _cpu():
    f = list(map(int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]))
    busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7]
    s = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return busy, int(s[11]) + int(s[12]), time.time()


def _descendants_ticks() -> dict[int, int]:
    """CPU ticks (user + system) of every live descendant of this process, by pid."""
    parent, ticks = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            f = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        parent[int(d)], ticks[int(d)] = int(f[1]), int(f[11]) + int(f[12])
    mine, me = {}, os.getpid()
    for pid in ticks:
        p, seen = pid, 0
        while p > 1 and seen < 64:
            p, seen = parent.get(p, 0), seen + 1
            if p == me:
                mine[pid] = ticks[pid]
                break
    return mine


class Load:
    """The share of the machine's CPUs used by other processes during a with-block (1.0 = all cores busy).

    With children=True, the processes this one starts (a local Ray's servers and workers) are its own, not
    other: a thread samples their CPU every SAMPLE seconds while they live (what one does between its last
    sample and its exit, at most SAMPLE seconds of it, still counts as other)."""

    SAMPLE = 1.0

    def __init__(self, children: bool = False) -> None:
        self.children = children

    def __enter__(self):
        self.a = _cpu()
        if self.children:
            self.start, self.last, self.stop = _descendants_ticks(), {}, threading.Event()
            self.thread = threading.Thread(target=self._sample, daemon=True)
            self.thread.start()
        return self

    def _sample(self) -> None:
        while not self.stop.wait(self.SAMPLE):
            self.last.update(_descendants_ticks())

    def __exit__(self, *exc):
        b = _cpu()
        ours = b[1] - self.a[1]
        if self.children:
            self.stop.set()
            self.thread.join()
            self.last.update(_descendants_ticks())
            self.children_ticks = sum(t - self.start.get(pid, 0) for pid, t in self.last.items())
            ours += self.children_ticks
        ticks = os.sysconf("SC_CLK_TCK")
        wall = b[2] - self.a[2]
        self.other = (max(0.0, ((b[0] - self.a[0]) - ours) / (wall * ticks * os.cpu_count()))
                      if wall > 0 else 0.0)
        self.seconds = wall


def dist(ts: list[float]) -> dict:
    """Latency figures in milliseconds of times in seconds."""
    ms = [t * 1000 for t in ts]
    return {"p50_ms": percentile(ms, 50), "p90_ms": percentile(ms, 90), "p99_ms": percentile(ms, 99),
            "mean_ms": float(np.mean(ms)), "max_ms": float(np.max(ms)), "n": len(ms)}


def folder_bytes(folder: Path) -> dict:
    out = {}
    for p in sorted(folder.iterdir()):
        out[p.name] = sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else p.stat().st_size
    return out


def threads(n: int, plain: bool = True) -> None:
    """n threads for FAISS, our questions and (for steps that run the plain pipeline) torch.

    Steps that run only ours don't import torch: with its ONNX engine, our pipeline never loads it."""
    import faiss

    from qa.embed import use_threads

    if plain:
        import torch

        torch.set_num_threads(n)
    faiss.omp_set_num_threads(n)
    use_threads(n)  # our question engine (and torch, if ours runs on it); builds use every core


# -- builds ------------------------------------------------------------------------------------------------

class _Timer:
    """Accumulates the time spent in wrapped calls (a timing wrapper only: behaviour is unchanged)."""

    def __init__(self):
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, fn):
        def inner(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.seconds += time.perf_counter() - t
                self.calls += 1
        return inner


def _instrument():
    """Time the FAISS index and the BM25 index inside qa.store.write_index, by wrapping (not changing) them."""
    from qa import store
    from qa.keywords import KeywordIndex

    t_faiss, t_bm25 = _Timer(), _Timer()
    if hasattr(store, "make_faiss_index"):
        store.make_faiss_index = t_faiss.wrap(store.make_faiss_index)
    orig = KeywordIndex.from_tokens.__func__
    KeywordIndex.from_tokens = classmethod(t_bm25.wrap(orig))
    return t_faiss, t_bm25


def _report_dict(report, wall: float, t_enc: _Timer, t_faiss: _Timer, t_bm25: _Timer) -> dict:
    m = report.manifest
    embed_s = getattr(report, "embed_seconds", None)
    index_s = getattr(report, "index_seconds", None)
    return {
        "records": m.count, "index_type": getattr(m, "index_type", None),
        "index_params": getattr(m, "index_params", None),
        "seconds": report.seconds, "wall_seconds": wall,
        "embed_seconds": embed_s if embed_s is not None else t_enc.seconds,
        "embed_seconds_source": "BuildReport.embed_seconds" if embed_s is not None else "timed encode calls",
        "index_seconds": index_s if index_s is not None else None,
        "embedded": getattr(report, "embedded", None), "cached": getattr(report, "cached", None),
        "encode_calls_seconds": t_enc.seconds, "faiss_seconds": t_faiss.seconds, "bm25_seconds": t_bm25.seconds,
        "skipped": len(report.skipped), "duplicates": len(report.duplicates),
    }


def build_ours(args: dict) -> dict:
    from qa.build import build
    from qa.embed import Embedder

    threads(2, plain=False)
    t_enc = _Timer()
    t_faiss, t_bm25 = _instrument()

    class TimedEmbedder(Embedder):
        def encode(self, texts, **kw):
            t = time.perf_counter()
            try:
                return super().encode(texts, **kw)
            finally:
                t_enc.seconds += time.perf_counter() - t
                t_enc.calls += len(texts)

    rss0 = rss_mb()
    t = time.perf_counter()
    Embedder().load()
    out = {"model_load_seconds": time.perf_counter() - t, "rss_model_mb": rss_mb(), "rss_start_mb": rss0}
    files = [Path(p) for p in args["files"]]
    index_dir = Path(args["index_dir"])
    with Load() as load:
        t = time.perf_counter()
        report = build(files, index_dir, TimedEmbedder(), skip_invalid=True)
        wall = time.perf_counter() - t
    full = _report_dict(report, wall, t_enc, t_faiss, t_bm25)
    full["texts_encoded"] = t_enc.calls
    full["other_load"] = load.other
    full["peak_rss_mb"] = peak_mb()
    build_dir = index_dir / (index_dir / "CURRENT").read_text().strip()
    full["disk_bytes"] = folder_bytes(build_dir)
    full["cache_bytes"] = sum(f.stat().st_size for f in (index_dir / "cache").rglob("*") if f.is_file()) \
        if (index_dir / "cache").exists() else 0
    out["full"] = full
    if args.get("incremental_file"):
        for tm in (t_enc, t_faiss, t_bm25):
            tm.seconds, tm.calls = 0.0, 0
        with Load() as load:
            t = time.perf_counter()
            r2 = build(files + [Path(args["incremental_file"])], index_dir, TimedEmbedder(), skip_invalid=True)
            wall = time.perf_counter() - t
        inc = _report_dict(r2, wall, t_enc, t_faiss, t_bm25)
        inc["texts_encoded"] = t_enc.calls
        inc["other_load"] = load.other
        inc["percent_of_full"] = 100.0 * inc["seconds"] / full["seconds"]
        out["incremental"] = inc
    return out


def cache_synth(args: dict) -> dict:
    """Put a synthetic collection's given vectors in the index's embedding cache, by each record's text, so
    that the build that follows embeds nothing (not measured: it stands for an earlier build's vectors). The
    cache holds one vector a text: the first record's with that text (datasets.cache_by_text)."""
    from datasets import cache_by_text

    t = time.perf_counter()
    first, texts = cache_by_text(Path(args["jsonl"]), Path(args["vectors"]), Path(args["index_dir"]))
    np.save(args["first_out"], first)  # for build_plain_synth, which must not spend its memory working it out
    return {"records": len(first), "texts": texts, "seconds": time.perf_counter() - t}


def build_ours_synth(args: dict) -> dict:
    """The project's build (qa.build.build) of a synthetic collection whose vectors are in the embedding cache
    (cache_synth): it reads, spools, looks the vectors up, calibrates and writes the index, streaming records
    and vectors instead of holding them."""
    from itertools import islice

    from qa.build import build
    from qa.embed import Embedder
    from qa.keywords import record_tokens
    from qa.records import ReadResult, iter_records

    threads(2, plain=False)
    t_faiss, t_bm25 = _instrument()
    jsonl, index_dir = Path(args["jsonl"]), Path(args["index_dir"])
    out: dict = {"rss_start_mb": rss_mb()}
    with Load() as load:
        report = build([jsonl], index_dir, Embedder(), skip_invalid=True)
    m = report.manifest
    out.update({"records": m.count, "problems": len(report.skipped), "duplicates": len(report.duplicates),
                "read_seconds": report.read_seconds, "index_seconds": report.index_seconds,
                "lookup_seconds": report.embed_seconds, "embedded": report.embedded,
                "seconds": report.seconds,
                "calibrate_seconds": report.seconds - report.read_seconds - report.embed_seconds
                - report.index_seconds})
    np.save(args["rows_out"], np.arange(m.count, dtype=np.int64))  # all lines valid, distinct: row = line - 1
    out["other_load"] = load.other
    out["peak_rss_mb"] = peak_mb()
    out["faiss_seconds"] = t_faiss.seconds
    out["bm25_seconds"] = t_bm25.seconds
    out["index_type"] = m.index_type
    out["index_params"] = getattr(m, "index_params", None)
    build_dir = index_dir / (index_dir / "CURRENT").read_text().strip()
    out["disk_bytes"] = folder_bytes(build_dir)
    # diagnostic: how much of the BM25 build is the Python tokenizer (qa.text.tokens), on a 50k sample
    sample = list(islice(iter_records([jsonl], ReadResult()), 50_000))
    t = time.perf_counter()
    for r in sample:
        record_tokens(r)
    out["tokenize_seconds_per_record"] = (time.perf_counter() - t) / max(1, len(sample))
    return out


def _read_texts(files: list[Path]) -> list[str]:
    from qa.build import embedding_text
    from qa.records import read_records

    return [embedding_text(r) for r in read_records(files).records]


def _plain_model(out: dict):
    """The plain pipeline's model, loaded the plain way; its load time and memory go into out."""
    from sentence_transformers import SentenceTransformer

    from qa.embed import model_folder

    out["rss_start_mb"] = rss_mb()
    t = time.perf_counter()
    model = SentenceTransformer(model_folder(), device="cpu")
    out["model_load_seconds"] = time.perf_counter() - t
    out["rss_model_mb"] = rss_mb()
    return model


def build_plain(args: dict) -> dict:
    threads(2)
    out: dict = {}
    model = _plain_model(out)
    folder = Path(args["out_dir"])
    folder.mkdir(parents=True, exist_ok=True)
    with Load() as load:
        t0 = time.perf_counter()
        texts = _read_texts([Path(p) for p in args["files"]])
        out["read_seconds"] = time.perf_counter() - t0
        t = time.perf_counter()
        X = model.encode(texts, normalize_embeddings=True)
        out["embed_seconds"] = time.perf_counter() - t
        _plain_index(X, texts, folder, out)
        out["seconds"] = time.perf_counter() - t0
    return _plain_finish(out, texts, folder, load)


def _plain_index(X: np.ndarray, texts: list[str], folder: Path, out: dict):
    """The plain pipeline's index step: IndexFlatIP over the vectors, saved with its texts; timed into out."""
    import faiss

    t = time.perf_counter()
    index = faiss.IndexFlatIP(X.shape[1])
    index.add(X)
    out["add_seconds"] = time.perf_counter() - t
    t = time.perf_counter()
    faiss.write_index(index, str(folder / "index.faiss"))
    (folder / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    out["save_seconds"] = time.perf_counter() - t
    return index


def _plain_finish(out: dict, texts: list[str], folder: Path, load) -> dict:
    out["records"] = len(texts)
    out["other_load"] = load.other
    out["peak_rss_mb"] = peak_mb()
    out["disk_bytes"] = folder_bytes(folder)
    return out


def build_plain_synth(args: dict) -> dict:
    threads(2)
    out: dict = {"rss_start_mb": rss_mb()}
    folder = Path(args["out_dir"])
    folder.mkdir(parents=True, exist_ok=True)
    rows = np.load(args["rows"])
    with Load() as load:
        t0 = time.perf_counter()
        lines = Path(args["jsonl"]).read_text(encoding="utf-8").splitlines()
        objs = [json.loads(lines[i]) for i in rows]
        texts = [f"{o['title']}. {o['summary']}" for o in objs]
        del lines, objs
        out["read_seconds"] = time.perf_counter() - t0
        t = time.perf_counter()
        base = np.load(args["vectors"], mmap_mode="r")
        # each record's vector as the project's build got it from the cache (one a text, cache_synth): the
        # plain index and the exact search hold the same vectors as the project's index
        vrows = np.load(args["first"])[rows]
        np.save(args["vrows_out"], vrows)
        X = np.ascontiguousarray(base[vrows], dtype=np.float32)
        out["vector_load_seconds"] = time.perf_counter() - t
        index = _plain_index(X, texts, folder, out)
        out["seconds"] = out["read_seconds"] + out["add_seconds"] + out["save_seconds"]  # embedding extrapolated
    _plain_finish(out, texts, folder, load)
    # exact top-10 of the shared question vectors, for recall@10 of the project's index
    Q = np.load(args["qvecs"])
    t = time.perf_counter()
    D, I = index.search(Q, 10)
    out["gt_seconds"] = time.perf_counter() - t
    np.savez(args["gt_out"], ids=I, scores=D)
    return out


def qvecs(args: dict) -> dict:
    from qa.embed import Embedder

    threads(2, plain=False)
    Q = Embedder().encode(args["questions"], batch_size=32)
    np.save(args["out"], Q)
    return {"n": len(Q)}


def embed_pair(args: dict) -> dict:
    """Embedding throughput of both pipelines in one process, alternating 256-text chunks in random order, so that
    load from other processes hits both alike (the builds themselves run minutes apart). Ours: qa's Embedder.encode
    with the build's chunking (qa.engines.local.BATCH texts a call, batch_size=32); plain:
    SentenceTransformer.encode."""
    import random

    from sentence_transformers import SentenceTransformer

    import qa.engines.local as ql
    from qa.embed import Embedder, model_folder

    threads(2)
    texts = _read_texts([Path(p) for p in args["files"]])[: args.get("n", 2048)]
    ours = Embedder().load()
    plain = SentenceTransformer(model_folder(), device="cpu")
    chunk = getattr(ql, "BATCH", 256)
    ours.encode(texts[:32], batch_size=32)
    plain.encode(texts[:32], normalize_embeddings=True)
    rng = random.Random(1)
    secs = {"ours": 0.0, "plain": 0.0}
    with Load() as load:
        for i in range(0, len(texts), chunk):
            part = texts[i:i + chunk]
            for who in rng.sample(["ours", "plain"], 2):
                t = time.perf_counter()
                if who == "ours":
                    ours.encode(part, batch_size=32, background=True)  # as qa.build calls it
                else:
                    plain.encode(part, normalize_embeddings=True)
                secs[who] += time.perf_counter() - t
    n = len(texts)
    return {"texts": n, "chunk": chunk, "ours_rps": n / secs["ours"], "plain_rps": n / secs["plain"],
            "ratio": secs["plain"] / secs["ours"], "other_load": load.other}


# -- questions ---------------------------------------------------------------------------------------------

WARMUP = 5


def serve_ours(args: dict) -> dict:

    from qa.archive import Archive
    from qa.embed import Embedder

    threads(1, plain=False)  # as the web app does (qa.embed.use_threads(1); qa.retrieve sets faiss to 1 per thread)
    questions = args["questions"]
    out: dict = {"rss_start_mb": rss_mb()}
    t = time.perf_counter()
    Embedder().load()
    out["model_load_seconds"] = time.perf_counter() - t
    out["rss_model_mb"] = rss_mb()
    a = Archive(args["index_dir"])
    t = time.perf_counter()
    try:
        a.open(auto_build=False)
    except TypeError:
        a.open()
    out["open_seconds"] = time.perf_counter() - t
    out["rss_open_mb"] = rss_mb()
    out["index_memory_mb"] = out["rss_open_mb"] - out["rss_model_mb"]
    m = a.current.manifest
    out["index_type"] = getattr(m, "index_type", None)
    out["index_params"] = getattr(m, "index_params", None)
    out["records"] = m.count
    out["faiss_bytes"] = (a.current.path / "index.faiss").stat().st_size
    for q in questions[:WARMUP]:
        a.ask(q)
    ts, found = [], 0
    with Load() as load:
        for q in questions:
            t = time.perf_counter()
            ans = a.ask(q)
            ts.append(time.perf_counter() - t)
            found += bool(getattr(ans, "found", True))
    out["ask"] = dist(ts)
    out["ask"]["other_load"] = load.other
    out["found_share"] = found / len(questions)
    out["peak_rss_mb"] = peak_mb()
    if args.get("gt"):
        out["recall"] = _recall(a, args)
    return out


def _recall(a, args: dict) -> dict:
    import faiss

    gt = np.load(args["gt"])
    G, GS = gt["ids"], gt["scores"]
    Q = np.load(args["qvecs"])
    fi = a.current.faiss_index
    base = np.load(args["vectors"], mmap_mode="r")
    vrows = np.load(args["vrows"])  # each index row's vector row (build_plain_synth)

    def score(ids):
        out = []
        for qi, row in enumerate(ids):
            row = row[row >= 0][:10]
            strict = len(set(row.tolist()) & set(G[qi].tolist())) / 10
            exact = base[vrows[row]] @ Q[qi] if len(row) else np.zeros(0)
            ties = min(10, int((exact >= GS[qi, 9] - 1e-5).sum())) / 10
            out.append((strict, ties))
        s = np.array(out)
        return {"recall10": float(s[:, 0].mean()), "recall10_ties": float(s[:, 1].mean())}

    res = {}
    faiss.omp_set_num_threads(1)
    t = time.perf_counter()
    _, I = fi.search(Q, 10)
    res["index_as_loaded"] = score(I) | {"seconds": time.perf_counter() - t}
    ivf = faiss.try_extract_index_ivf(fi)
    if ivf is not None:
        res["index_as_loaded"]["nprobe"] = int(ivf.nprobe)
    try:

        ids = np.full((len(Q), 10), -1, dtype=np.int64)
        ts = []
        for qi, q in enumerate(Q):
            t = time.perf_counter()
            got, _ = a.current.dense(q, 10)
            ts.append(time.perf_counter() - t)
            ids[qi, :len(got)] = got[:10]
        res["app_dense_top"] = score(ids) | {"search": dist(ts)}
        p = getattr(a.current.manifest, "index_params", {}) or {}
        if "nprobe" in p:
            res["app_dense_top"]["nprobe"] = p["nprobe"]
    except Exception as e:  # noqa: BLE001 - the API may change; report instead of failing the run
        res["app_dense_top"] = {"error": f"{e.__class__.__name__}: {e}"}
    return res


def serve_plain(args: dict) -> dict:
    import faiss

    threads(1)
    questions = args["questions"]
    out: dict = {}
    model = _plain_model(out)
    folder = Path(args["dir"])
    t = time.perf_counter()
    index = faiss.read_index(str(folder / "index.faiss"))
    texts = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
    out["open_seconds"] = time.perf_counter() - t
    out["rss_open_mb"] = rss_mb()
    out["index_memory_mb"] = out["rss_open_mb"] - out["rss_model_mb"]
    out["faiss_bytes"] = (folder / "index.faiss").stat().st_size
    out["records"] = index.ntotal

    def ask(q):
        v = model.encode([q], normalize_embeddings=True)
        _, ids = index.search(v, 5)
        return [texts[i] for i in ids[0] if i >= 0]

    for q in questions[:WARMUP]:
        ask(q)
    ts = []
    with Load() as load:
        for q in questions:
            t = time.perf_counter()
            ask(q)
            ts.append(time.perf_counter() - t)
    out["ask"] = dist(ts)
    out["ask"]["other_load"] = load.other
    out["peak_rss_mb"] = peak_mb()
    return out


def latency_pair(args: dict) -> dict:
    """Both pipelines in one process, each question asked of both in random order, so that load from other
    processes hits both alike: the fairest latency ratio on a shared machine. (Memory comes from serve_*.)"""
    import random

    import faiss
    from sentence_transformers import SentenceTransformer

    from qa.archive import Archive
    from qa.embed import model_folder

    threads(1)
    questions = args["questions"]
    a = Archive(args["index_dir"])
    try:
        a.open(auto_build=False)
    except TypeError:
        a.open()
    model = SentenceTransformer(model_folder(), device="cpu")
    folder = Path(args["plain_dir"])
    index = faiss.read_index(str(folder / "index.faiss"))
    texts = json.loads((folder / "texts.json").read_text(encoding="utf-8"))

    def plain_ask(q):
        v = model.encode([q], normalize_embeddings=True)
        _, ids = index.search(v, 5)
        return [texts[i] for i in ids[0] if i >= 0]

    def ours_pieces(q):
        t = time.perf_counter()
        a.embedder.encode([q])
        t1 = time.perf_counter()
        a.retrieve(q)
        return t1 - t, time.perf_counter() - t1

    def plain_pieces(q):
        t = time.perf_counter()
        v = model.encode([q], normalize_embeddings=True)
        t1 = time.perf_counter()
        index.search(v, 5)
        return t1 - t, time.perf_counter() - t1

    for q in questions[:WARMUP]:
        a.ask(q)
        plain_ask(q)
    rng = random.Random(0)
    t = {k: [] for k in ("ours", "plain", "ours_enc", "ours_ret", "plain_enc", "plain_srch")}
    with Load() as load:
        for q in questions:
            for who in rng.sample(["ours", "plain"], 2):
                t0 = time.perf_counter()
                a.ask(q) if who == "ours" else plain_ask(q)
                t[who].append(time.perf_counter() - t0)
    ask_load = load.other
    with Load() as load:
        for q in questions:
            for who in rng.sample(["ours", "plain"], 2):
                e, r = ours_pieces(q) if who == "ours" else plain_pieces(q)
                t[f"{who}_enc"].append(e)
                t["ours_ret" if who == "ours" else "plain_srch"].append(r)
    out = {"ours": {"ask": dist(t["ours"]), "encode": dist(t["ours_enc"]), "retrieve": dist(t["ours_ret"])},
           "plain": {"ask": dist(t["plain"]), "encode": dist(t["plain_enc"]), "retrieve": dist(t["plain_srch"])},
           "other_load": ask_load, "pieces_other_load": load.other,
           "ratio_p50": percentile(t["ours"], 50) / percentile(t["plain"], 50),
           "ratio_p99": percentile(t["ours"], 99) / percentile(t["plain"], 99)}
    out["ours"]["retrieve_minus_encode_p50_ms"] = out["ours"]["retrieve"]["p50_ms"] - out["ours"]["encode"]["p50_ms"]
    # paired per question: ours/plain for the same question, same moment
    pr = np.asarray(t["ours"]) / np.asarray(t["plain"])
    out["paired_ratio_median"] = float(np.median(pr))
    return out


STEPS = {f.__name__: f for f in (build_ours, cache_synth, build_ours_synth,
                                 build_plain, build_plain_synth, qvecs, serve_ours,
                                 serve_plain, latency_pair, embed_pair)}

if __name__ == "__main__":
    step, args_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    import logging

    logging.basicConfig(level=logging.WARNING)
    result = STEPS[step](json.loads(Path(args_path).read_text()))
    result["process_peak_rss_mb"] = peak_mb()
    Path(out_path).write_text(json.dumps(result, indent=1, default=str))
