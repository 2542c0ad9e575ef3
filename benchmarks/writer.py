"""The prose writer measured: the verifier on the labelled drafts, and a real model over the labelled questions.

    .venv/bin/python benchmarks/writer.py                       # the verifier on drafts-dev and drafts-test
    .venv/bin/python benchmarks/writer.py --serve               # also Gemma 3 270M (tests/llm_server.py) over
                                                                # seed-test and hsg-test, with latency
    .venv/bin/python benchmarks/writer.py --llm URL --sets seed-dev   # any OpenAI-compatible endpoint

Writes benchmarks/results/writer.json, and every sentence the model's answers showed to writer-shown.jsonl
(to be read and labelled by a person: the verifier cannot judge itself).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

EVAL = ROOT / "tests" / "data" / "eval"
SOURCES = {"seed": [ROOT / "seeds"], "hsg": [ROOT / "tests" / "data" / "hsg-visits-travels.jsonl"]}


def drafts_figures(encode) -> dict:
    """The verifier's recall, precision and supported-removed share on each split of the labelled drafts."""
    from qa.drafts import Collection, read_drafts, score

    collections = {name: Collection.read(paths) for name, paths in SOURCES.items()}
    out = {}
    for split in ("dev", "test"):
        s = score(read_drafts(EVAL / f"drafts-{split}.jsonl"), collections, encode)
        out[split] = s.to_json()
        print(f"drafts-{split}: {s.supported + s.unsupported} sentences; unsupported removed (recall) "
              f"{s.recall:.3f}, precision {s.precision:.3f}, supported removed {s.supported_removed:.3f}; "
              f"by kind {out[split]['by_kind']}", flush=True)
    return out


def questions_figures(url: str, sets: list[str], work: Path, limit: int | None, shown_path: Path,
                      flush=None) -> dict:
    """Each labelled question asked without and with the writer: the writer's tally and both latencies.

    flush(url), when given, is called before each question (the tests' server: the same answer whatever was
    asked before)."""
    from qa.archive import Archive
    from qa.embed import use_threads
    from qa.evaluate import read_questions
    from qa.llm import Endpoint
    from qa.writer import tally

    use_threads(1)
    out, shown = {}, []
    for name in sets:
        collection = name.split("-")[0]
        archive = Archive(work / f"{collection}-index", records=SOURCES[collection])
        archive.open()
        questions = read_questions(EVAL / f"{name}.jsonl")[:limit]
        plain, prose, answers = [], [], []
        for q in questions:
            history = list(q.history) or None
            archive.llm = None
            t = time.perf_counter()
            archive.ask(q.question, history=history)
            plain.append(time.perf_counter() - t)
            endpoint = Endpoint.from_settings(url)
            if flush is not None:
                flush(url)
            t = time.perf_counter()
            r = archive.retrieve(q.question, history=history)
            run = list(archive.prose(r, r.answer(5), endpoint))
            prose.append(time.perf_counter() - t)
            a = run[-1].answer
            answers.append(a)
            shown += [{"set": name, "question": q.question, "sentence": s.verdict.sentence,
                       "record": a.citations[s.verdict.record - 1].label()}
                      for s in run[:-1] if s.verdict.supported]
            print(f"{name}: {q.question[:60]!r}: {(a.writer or {}).get('kept', '-')} kept of "
                  f"{(a.writer or {}).get('sentences', '-')} in {prose[-1]:.1f} s", flush=True)
        t = tally(answers)
        t.update({"questions": len(questions), "plain_p50_ms": round(statistics.median(plain) * 1000, 1),
                  "writer_p50_s": round(statistics.median(prose), 2), "writer_max_s": round(max(prose), 2)})
        out[name] = t
        print(json.dumps({name: t}), flush=True)
    shown_path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in shown), encoding="utf-8")
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--llm", metavar="URL", help="an OpenAI-compatible endpoint to ask the labelled questions")
    p.add_argument("--serve", action="store_true", help="start Gemma 3 270M on loopback (tests/llm_server.py)")
    p.add_argument("--sets", nargs="+", default=["seed-test", "hsg-test"], help="labelled question sets")
    p.add_argument("--limit", type=int, help="ask only the first N questions of each set")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-writer")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    p.add_argument("--no-drafts", action="store_true", help="leave out the labelled drafts")
    args = p.parse_args()

    from qa.embed import Embedder

    results: dict = {} if args.no_drafts else {"drafts": drafts_figures(Embedder().load().encode)}
    args.out.mkdir(parents=True, exist_ok=True)
    shown = args.out / "writer-shown.jsonl"
    if args.serve:
        import llm_server

        why = llm_server.missing()
        if why:
            sys.exit(f"writer.py: {why}")
        args.work.mkdir(parents=True, exist_ok=True)
        with llm_server.serving(llm_server.assemble(args.work / "gguf"), args.work / "server.log") as url:
            results["model"] = llm_server.MODEL_ALIAS
            results["questions"] = questions_figures(url, args.sets, args.work, args.limit, shown,
                                                     llm_server.flush)
    elif args.llm:
        results["model"] = args.llm
        results["questions"] = questions_figures(args.llm, args.sets, args.work, args.limit, shown)
    (args.out / "writer.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
