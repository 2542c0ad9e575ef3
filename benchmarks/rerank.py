"""What the reranking model (build --rerank) costs and gives, against the default pipeline in the same run.

usage: .venv/bin/python benchmarks/rerank.py [--records 1000] [--out benchmarks/results]

Measures, each as a ratio to the default pipeline (all-MiniLM-L6-v2 only):
  - question latency on the seed index, p50 and p99: both archives loaded in one process, one thread each as
    in the web app, each question asked of both in turn (paired, so the machine's noise hits both alike);
  - build throughput: the first N State Department records into an empty index (no embedding cache);
  - peak memory (RSS) of a process that opens the seed index and answers the benchmark questions;
  - hit@1, hit@3, MRR and not-found accuracy on tests/data/eval.jsonl.
Takes about 80 s for 1,000 records on this 2-core machine (more the first time: the model is unpacked
and exported once).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from stats import percentile  # noqa: E402

HSG = ROOT / "tests" / "data" / "hsg-visits-travels.jsonl"
QUESTIONS = [q for q in (HERE / "questions.txt").read_text().splitlines() if q.strip()]

_RSS_CHILD = """
import json, sys
sys.path.insert(0, {root!r})
from qa.archive import Archive
from qa.embed import use_threads
use_threads(1)
a = Archive({index!r}); a.open()
for q in {questions!r}:
    a.ask(q)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
# VmHWM, not ru_maxrss: that one keeps the parent's peak from before exec
print(json.dumps({{"peak_rss_mb": int(hwm) / 1024}}))
"""


def build_both(work: Path, records: list[Path]) -> dict[str, Path]:
    from qa.archive import Archive

    out = {}
    for name, rerank in (("default", False), ("rerank", True)):
        d = work / f"seed-{name}"
        Archive(d, records=records, rerank=rerank).rebuild()
        out[name] = d
    return out


def latency(indexes: dict[str, Path], rounds: int) -> dict:
    from qa.archive import Archive

    archives = {n: Archive(d) for n, d in indexes.items()}
    for a in archives.values():
        a.open()
        for q in QUESTIONS[:3]:
            a.ask(q)  # warm: models loaded, first-call costs paid
    t: dict[str, list[float]] = {n: [] for n in archives}
    for _ in range(rounds):
        for q in QUESTIONS:
            for n, a in archives.items():
                s = time.perf_counter()
                a.ask(q)
                t[n].append(time.perf_counter() - s)
    ms = {n: [s * 1000 for s in ts] for n, ts in t.items()}
    res = {n: {"p50_ms": percentile(v, 50), "p99_ms": percentile(v, 99), "n": len(v)} for n, v in ms.items()}
    res["ratio_p50"] = res["rerank"]["p50_ms"] / res["default"]["p50_ms"]
    res["ratio_p99"] = res["rerank"]["p99_ms"] / res["default"]["p99_ms"]
    return res


def build_rate(work: Path, n: int) -> dict:
    from qa.archive import Archive

    src = work / "hsg"
    src.mkdir()
    with open(HSG, encoding="utf-8") as f, open(src / "records.jsonl", "w", encoding="utf-8") as out:
        for _, line in zip(range(n), f):
            out.write(line)
    res = {"records": n}
    for name, rerank in (("default", False), ("rerank", True)):
        d = work / f"hsg-{name}"
        s = time.perf_counter()
        report = Archive(d, records=[src], rerank=rerank).rebuild(skip_invalid=True)
        secs = time.perf_counter() - s
        res[name] = {"seconds": secs, "records_per_s": report.manifest.count / secs,
                     "disk_mb": sum(p.stat().st_size for p in d.rglob("*") if p.is_file() and "cache" not in
                                    p.parts) / 2**20}
    res["ratio_rate"] = res["rerank"]["records_per_s"] / res["default"]["records_per_s"]
    return res


def memory(indexes: dict[str, Path]) -> dict:
    res = {}
    for name, d in indexes.items():
        code = _RSS_CHILD.format(root=str(ROOT), index=str(d), questions=QUESTIONS)
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                           check=True)
        res[name] = json.loads(p.stdout.strip().splitlines()[-1])
    res["ratio"] = res["rerank"]["peak_rss_mb"] / res["default"]["peak_rss_mb"]
    return res


def quality(indexes: dict[str, Path]) -> dict:
    from qa.archive import FULL, RERANKED, Archive
    from qa.evaluate import evaluate, read_questions

    questions = read_questions(ROOT / "tests" / "data" / "eval.jsonl")
    a = Archive(indexes["rerank"])
    a.open()
    res = {}
    for name, mode in (("default", FULL), ("rerank", RERANKED)):
        s = evaluate(a, questions, mode)
        res[name] = {"hit1": s.hit1, "hit3": s.hit3, "mrr": s.mrr, "not_found_accuracy": s.not_found_accuracy,
                     "false_not_found": s.false_not_found}
    return res


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=1000,
                   help="State Department records to build (default 1000)")
    p.add_argument("--rounds", type=int, default=5, help="passes over the benchmark questions (default 5)")
    p.add_argument("--out", type=Path, default=HERE / "results")
    args = p.parse_args()
    if not HSG.exists():
        print(f"rerank benchmark: {HSG} is missing (the State Department export, beside the repository)",
              file=sys.stderr)
        return 1
    from qa.embed import use_threads

    use_threads(1)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="archive-qa-rerank-") as tmp:
        work = Path(tmp)
        indexes = build_both(work, [ROOT / "seeds"])
        res = {"latency": latency(indexes, args.rounds), "quality": quality(indexes),
               "memory": memory(indexes), "build": build_rate(work, args.records)}
    res["seconds"] = time.perf_counter() - t0
    res["load_avg"] = os.getloadavg()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "rerank.json").write_text(json.dumps(res, indent=2) + "\n")
    lat, q, mem, b = res["latency"], res["quality"], res["memory"], res["build"]
    print("| figure | default | with --rerank | ratio |\n|---|---|---|---|")
    print(f"| seed question p50 | {lat['default']['p50_ms']:.1f} ms | {lat['rerank']['p50_ms']:.1f} ms | "
          f"{lat['ratio_p50']:.2f}x |")
    print(f"| seed question p99 | {lat['default']['p99_ms']:.1f} ms | {lat['rerank']['p99_ms']:.1f} ms | "
          f"{lat['ratio_p99']:.2f}x |")
    print(f"| build, {b['records']:,} State Department records | {b['default']['records_per_s']:.0f} rec/s | "
          f"{b['rerank']['records_per_s']:.0f} rec/s | {b['ratio_rate']:.2f}x |")
    print(f"| index on disk, same | {b['default']['disk_mb']:.1f} MB | {b['rerank']['disk_mb']:.1f} MB | "
          f"{b['rerank']['disk_mb'] / b['default']['disk_mb']:.2f}x |")
    print(f"| serving peak RSS (seed index) | {mem['default']['peak_rss_mb']:.0f} MB | "
          f"{mem['rerank']['peak_rss_mb']:.0f} MB | {mem['ratio']:.2f}x |")
    for k, label in (("hit1", "eval hit@1"), ("hit3", "eval hit@3"), ("mrr", "eval MRR"),
                     ("not_found_accuracy", "eval not-found accuracy")):
        print(f"| {label} | {q['default'][k]:.3f} | {q['rerank'][k]:.3f} | |")
    print(f"\n{res['seconds']:.0f} s; load average {res['load_avg'][0]:.2f}; "
          f"written to {args.out / 'rerank.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
