"""The local build at scale against another version's: peak memory, time, and the index it gives (recall@10
against exact search, search latency), on the same synthetic records and vectors, each step in a fresh
process.

usage: .venv/bin/python benchmarks/build_memory.py --size 300000 --baseline DIR [--work /tmp/bench-memory]
       where DIR holds the other version's source: git archive main | tar -x -C DIR

Both builds find every vector in their embedding cache (put there first, not measured), as bench.py's 1M build
does, so the build reads, spools, looks up, calibrates and writes the index without embedding. The peak RSS is
the build process's VmHWM. Recall and latency: the benchmark questions (benchmarks/questions.txt) embedded
once, each build's index.faiss searched on one thread at the manifest's nprobe, against a NumPy brute force.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import steps  # this script's folder is first on sys.path; steps.py changes nothing of it

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def step_cache(args: dict) -> dict:
    """The synthetic collection's vectors in the index's embedding cache, by each record's text: the vector of
    the first record with that text."""
    from datasets import cache_by_text

    first, texts = cache_by_text(Path(args["jsonl"]), Path(args["vectors"]), Path(args["index_dir"]))
    return {"records": len(first), "texts": texts}


def step_build(args: dict) -> dict:
    """qa.build.build of the collection (every vector cached): wall time and the process's peak RSS."""
    from qa.build import build
    from qa.embed import Embedder

    t = time.perf_counter()
    report = build([Path(args["jsonl"])], Path(args["index_dir"]), Embedder(), skip_invalid=True)
    m = report.manifest
    return {"seconds": time.perf_counter() - t, "peak_rss_mb": steps.peak_mb(), "records": m.count,
            "embedded": report.embedded, "index_type": m.index_type, "index_params": m.index_params}


def step_search(args: dict) -> dict:
    """Each build's FAISS index against exact search over the same vectors, for the benchmark questions."""
    import faiss
    import numpy as np

    from qa.embed import Embedder

    faiss.omp_set_num_threads(1)
    from datasets import first_rows, visit_questions

    questions = visit_questions()  # the file's comment lines are not questions
    Q = Embedder().load().encode(questions)
    first, _ = first_rows(Path(args["jsonl"]))  # each record's vector, as the builds got it from the cache
    X = np.ascontiguousarray(np.load(args["vectors"], mmap_mode="r")[first], dtype=np.float32)
    scores = X @ Q.T
    exact = np.argpartition(-scores, 10, axis=0)[:10].T  # each question's exact top 10
    tenth = np.sort(scores, axis=0)[-10]                  # and its tenth score, for ties
    out = {"questions": len(questions)}
    for name, index_dir in args["indexes"].items():
        build = Path(index_dir) / (Path(index_dir) / "CURRENT").read_text().strip()
        manifest = json.loads((build / "manifest.json").read_text())
        rows = [json.loads(line)["line"] - 1 for line in open(build / "records.jsonl", encoding="utf-8")]
        index = faiss.read_index(str(build / "index.faiss"))
        if "nprobe" in manifest.get("index_params", {}):
            faiss.extract_index_ivf(index).nprobe = manifest["index_params"]["nprobe"]
        times, recall, ties = [], [], []
        for qi in range(len(Q)):
            t = time.perf_counter()
            _, ids = index.search(Q[qi: qi + 1], 10)
            times.append(time.perf_counter() - t)
            found = [rows[i] for i in ids[0] if i >= 0]
            recall.append(len(set(found) & set(exact[qi].tolist())) / 10)
            # records sharing a text share a vector: any of them scoring as high as the tenth counts
            ties.append(min(10, int((scores[found, qi] >= tenth[qi] - 1e-4).sum())) / 10)
        digest = {f: hashlib.sha256((build / f).read_bytes()).hexdigest()
                  for f in ("index.faiss", "records.jsonl")}
        out[name] = {"recall_at_10": float(np.mean(recall)), "recall_at_10_ties": float(np.mean(ties)),
                     "search_p50_ms": float(np.median(times) * 1000),
                     "search_p99_ms": float(np.percentile(times, 99) * 1000), "sha256": digest}
    return out


STEPS = {"cache": step_cache, "build": step_build, "search": step_search}


def run(step: str, args: dict, src: Path, work: Path) -> dict:
    """A step in a fresh process over the version whose source is src."""
    env = dict(os.environ, PYTHONPATH=str(src), HF_HUB_OFFLINE="1")
    return steps.run(Path(__file__).resolve(), step, args, work, f"{step}-{args.get('tag', 'x')}", cwd=src,
                     env=env)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--baseline", type=Path, required=False, help="the other version's source folder")
    p.add_argument("--work", type=Path, default=Path("/tmp/bench-memory"))
    p.add_argument("--out", type=Path, default=HERE / "results" / "build_memory.json")
    p.add_argument("--step", nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.step:
        return steps.serve(STEPS, a.step)
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    from datasets import synthetic_file

    a.work.mkdir(parents=True, exist_ok=True)
    jsonl, vectors, _ = synthetic_file(a.size, a.work)
    versions = {"this": ROOT} | ({"baseline": a.baseline.resolve()} if a.baseline else {})
    result: dict = {"size": a.size, "load_average_start": os.getloadavg()[0]}
    indexes = {}
    for name, src in versions.items():
        index_dir = a.work / f"index-{name}"
        subprocess.run(["rm", "-rf", str(index_dir)], check=True)
        common = {"jsonl": str(jsonl), "vectors": str(vectors), "index_dir": str(index_dir), "tag": name}
        run("cache", common, src, a.work)
        result[name] = run("build", common, src, a.work) | {"load_average": os.getloadavg()[0]}
        indexes[name] = str(index_dir)
        print(name, result[name], flush=True)
    result["search"] = run("search", {"vectors": str(vectors), "jsonl": str(jsonl), "indexes": indexes,
                                      "tag": "all"}, ROOT, a.work)
    if "baseline" in result:
        b, t = result["baseline"], result["this"]
        s = result["search"]
        result["ratios"] = {"peak_rss": t["peak_rss_mb"] / b["peak_rss_mb"],
                            "seconds": t["seconds"] / b["seconds"],
                            "recall": s["this"]["recall_at_10"] / s["baseline"]["recall_at_10"],
                            "search_p50": s["this"]["search_p50_ms"] / s["baseline"]["search_p50_ms"]}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
