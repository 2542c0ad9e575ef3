"""Load on a live archive-qa server, from its own process, over loopback.

    python benchmarks/load.py ask URL [--clients 20] [--questions 10] [--out answers.jsonl]
    python benchmarks/load.py ask URL --clients 20 --until STOP_FILE --max-seconds 150 --out answers.jsonl
    python benchmarks/load.py burst URL [--requests 100]

`ask` runs N real gradio_client clients, one thread each, every one with its own Client (its own session),
asking its questions one after another through the named `/ask` endpoint. With --until it keeps asking until
the file exists (bounded by --max-seconds and --max-per-client). Each answer (or error) is one JSON line in
--out: client, question, start and end times, latency, the answer's index stamp and cited record ids.

`burst` fires N raw POSTs to /gradio_api/call/ask at the same instant (threads behind a barrier), then reads
each accepted one's SSE stream; it counts answers, refusals (HTTP status and the server's words) and errors.

Both print one JSON summary on the last stdout line (latencies in milliseconds). Only loopback URLs are
accepted: this is a test tool, not a load generator for other machines.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stats import percentile  # noqa: E402

# Answerable questions about the seed collection (seeds/korea-1942-1948.txt): each finds its record.
QUESTIONS = [
    "When did the Soviets postpone uranium prospecting in North Korea?",
    "Which decision put off the search for uranium deposits in the north of Korea?",
    "Korean soldiers fighting in China write to Stalin hoping the Red Army defeats fascism",
    "Who did Soviet officers recommend to lead the Korean government in 1945?",
    "Why was Kim Il Sung seen as a candidate to head Korea?",
    "What did Malik write about a united government for Korea?",
    "How was the morale of Soviet soldiers occupying the north?",
    "Sending geologists to look for beryllium in North Korea",
    "What did American intelligence think of the situation in Korea at the start of 1947?",
    "Who asked Moscow for engineers to build railways in the DPRK?",
    "Shtykov warns the Koreans might turn to the Americans for help",
    "Stalin approves a proposal for an All-Korean Temporary Assembly",
    "Marshall moves the Korean question to the UN General Assembly",
    "What instructions was Vyshinsky given about the Korean issue on the Security Council agenda?",
    "Simultaneous withdrawal of American and Soviet troops and a timetable for it",
    "Vyshinsky explains why the US amendment is incompatible with the Soviet proposal",
    "Molotov says the Soviets should abstain rather than vote against American proposals",
    "Did the CIA believe Moscow was building a satellite state in northern Korea?",
    "Comments on the provisional constitution of the Korean People's Democratic Republic",
    "Did Kim Gu fear a Russian-led attack on the south?",
    "What did Vyshinsky report from the UN in October 1947?",
    "Telegram from Vyshinsky numbered 418",
]


def loopback(url: str) -> str:
    host = urllib.parse.urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"load.py: only loopback servers, not {host!r}")
    return url if url.endswith("/") else url + "/"


def latency_summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": percentile(ms, 50), "p90_ms": percentile(ms, 90),
            "p99_ms": percentile(ms, 99), "max_ms": max(ms) if ms else None}


def answer_facts(a: object) -> dict:
    """What the caller checks in an answer: its shape, its index stamp and the ids it cites."""
    if not isinstance(a, dict):
        return {"shape": type(a).__name__}
    idx = a.get("index") or {}
    return {"shape": "dict", "found": a.get("found"), "corpus_sha256": idx.get("corpus_sha256"),
            "records": idx.get("records"), "built_at": idx.get("built_at"),
            "cited": [c.get("id") for c in a.get("citations") or []],
            "titles": [c.get("title") for c in a.get("citations") or []]}


# -- ask: N gradio_client clients -------------------------------------------------------------------

def run_ask(args) -> dict:
    from gradio_client import Client

    url = loopback(args.url)
    questions = QUESTIONS
    if args.question_file:
        questions = [ln.strip() for ln in Path(args.question_file).read_text().splitlines()
                     if ln.strip() and not ln.startswith("#")]
    stop = Path(args.until) if args.until else None
    out = open(args.out, "w") if args.out else None  # noqa: SIM115 - closed after the clients end
    lock = threading.Lock()
    rows: list[dict] = []
    connect_errors: list[str] = []
    ready = threading.Barrier(args.clients + 1)
    t_start = [0.0]

    def record(row: dict) -> None:
        with lock:
            rows.append(row)
            if out:
                out.write(json.dumps(row) + "\n")
                out.flush()

    def client(cid: int) -> None:
        c = None
        try:
            c = Client(url, verbose=False, analytics_enabled=False)
        except Exception as e:  # noqa: BLE001 - a client that cannot connect is a failure to report
            with lock:
                connect_errors.append(f"client {cid}: {type(e).__name__}: {e}")
        try:
            ready.wait(timeout=120)
        except threading.BrokenBarrierError:
            return
        if c is None:
            return
        deadline = time.monotonic() + args.max_seconds
        n = 0
        while True:
            if stop is None and n >= args.questions:
                break
            if stop is not None and (stop.exists() or n >= args.max_per_client):
                break
            if time.monotonic() > deadline:
                break
            q = questions[(cid * 7 + n) % len(questions)]
            k = 3 + (cid + n) % 3
            t0 = time.monotonic()
            row = {"client": cid, "seq": n, "question": q, "k": k, "t0": time.time()}
            try:
                a = c.predict(q, "", "", k, api_name="/ask")
                row.update(ok=True, **answer_facts(a))
            except Exception as e:  # noqa: BLE001 - every failure is counted and reported
                row.update(ok=False, error=f"{type(e).__name__}: {e}"[:500])
            row["t1"] = time.time()
            row["ms"] = (time.monotonic() - t0) * 1000
            record(row)
            n += 1
        try:
            c.close()
        except Exception as e:  # noqa: BLE001 - closing is best effort; the answers are already counted
            print(f"load.py: client {cid} did not close cleanly: {e}", file=sys.stderr)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
    for t in threads:
        t.start()
    try:
        ready.wait(timeout=120)
    except threading.BrokenBarrierError:
        pass
    t_start[0] = time.monotonic()
    if args.started:
        Path(args.started).write_text(f"{time.time()}\n")
    print(f"load.py: {args.clients} clients asking", file=sys.stderr, flush=True)
    for t in threads:
        t.join(timeout=args.max_seconds + 120)
    wall = time.monotonic() - t_start[0]
    if out:
        out.close()
    ok = [r for r in rows if r["ok"]]
    errors = [r for r in rows if not r["ok"]]
    summary = {"mode": "ask", "clients": args.clients, "questions": len(rows), "answers": len(ok),
               "errors": len(errors) + len(connect_errors), "connect_errors": connect_errors[:5],
               "error_samples": [r["error"] for r in errors[:5]], "seconds": wall,
               "questions_per_second": len(rows) / wall if wall > 0 else None,
               "stuck_clients": sum(t.is_alive() for t in threads),
               **latency_summary([r["ms"] for r in ok])}
    return summary


# -- burst: N raw requests at the same instant --------------------------------------------------------

def _post(url: str, body: bytes, timeout: float):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


def _sse_last_event(text: str) -> tuple[str | None, object]:
    """The last 'complete' or 'error' event of a /call/ SSE stream, with its parsed data."""
    event, last = None, (None, None)
    for line in text.splitlines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event in ("complete", "error"):
            raw = line.split(":", 1)[1].strip()
            try:
                last = (event, json.loads(raw))
            except ValueError:
                last = (event, raw)
    return last


def run_burst(args) -> dict:
    url = loopback(args.url)
    n = args.requests
    barrier = threading.Barrier(n)
    results: list[dict | None] = [None] * n

    def one(i: int) -> None:
        q = QUESTIONS[i % len(QUESTIONS)]
        body = json.dumps({"data": [q, "", "", 5]}).encode()
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            results[i] = {"outcome": "not fired"}
            return
        t0 = time.monotonic()
        try:
            _, text = _post(url + "gradio_api/call/ask", body, args.timeout)
            event_id = json.loads(text)["event_id"]
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")
            results[i] = {"outcome": "refused", "status": e.code, "detail": detail[:300],
                          "ms": (time.monotonic() - t0) * 1000}
            return
        except Exception as e:  # noqa: BLE001
            results[i] = {"outcome": "exception", "detail": f"{type(e).__name__}: {e}"[:300],
                          "ms": (time.monotonic() - t0) * 1000}
            return
        try:
            with urllib.request.urlopen(url + f"gradio_api/call/ask/{event_id}", timeout=args.timeout) as r:
                stream = r.read().decode("utf-8", "replace")
        except Exception as e:  # noqa: BLE001
            results[i] = {"outcome": "exception", "detail": f"stream: {type(e).__name__}: {e}"[:300],
                          "ms": (time.monotonic() - t0) * 1000}
            return
        event, data = _sse_last_event(stream)
        ms = (time.monotonic() - t0) * 1000
        if event == "complete" and isinstance(data, list) and data and isinstance(data[0], dict):
            results[i] = {"outcome": "answered", "ms": ms, **answer_facts(data[0])}
        else:
            results[i] = {"outcome": "error event" if event == "error" else "bad stream",
                          "detail": json.dumps(data)[:300] if event else stream[:300], "ms": ms}

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.timeout * 2 + 60)
    wall = time.monotonic() - t0
    rs = [r or {"outcome": "stuck"} for r in results]
    counts: dict[str, int] = {}
    for r in rs:
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    refusals: dict[str, int] = {}
    for r in rs:
        if r["outcome"] == "refused":
            key = f"{r['status']} {r['detail']}"
            refusals[key] = refusals.get(key, 0) + 1
    others = [r for r in rs if r["outcome"] not in ("answered", "refused")]
    return {"mode": "burst", "requests": n, "seconds": wall, "counts": counts, "refusals": refusals,
            "other_samples": others[:5],
            "answered_latency": latency_summary([r["ms"] for r in rs if r["outcome"] == "answered"]),
            "refused_latency": latency_summary([r["ms"] for r in rs if r["outcome"] == "refused"]),
            "answers": [{k: r.get(k) for k in ("corpus_sha256", "records", "cited", "found", "shape")}
                        for r in rs if r["outcome"] == "answered"]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    a = sub.add_parser("ask", help="N gradio_client clients asking questions")
    a.add_argument("url")
    a.add_argument("--clients", type=int, default=20)
    a.add_argument("--questions", type=int, default=10, help="questions per client (without --until)")
    a.add_argument("--question-file", help="one question a line ('#' lines are comments)")
    a.add_argument("--until", help="keep asking until this file exists")
    a.add_argument("--max-per-client", type=int, default=500, help="with --until: at most this many each")
    a.add_argument("--max-seconds", type=float, default=300, help="stop asking after this long in any case")
    a.add_argument("--started", help="write this file once every client is connected and asking starts")
    a.add_argument("--out", help="one JSON line per question asked")
    b = sub.add_parser("burst", help="N simultaneous raw requests to /gradio_api/call/ask")
    b.add_argument("url")
    b.add_argument("--requests", type=int, default=100)
    b.add_argument("--timeout", type=float, default=120)
    args = p.parse_args(argv)
    summary = run_ask(args) if args.mode == "ask" else run_burst(args)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
