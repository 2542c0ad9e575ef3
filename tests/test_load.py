"""Reliability under load, against a live app.py of its own on a loopback port.

The clients are real gradio_client clients in a separate process (benchmarks/load.py), so the server and the
load do not share an interpreter. Every answer is checked against the index version it names: its
corpus_sha256 must be a version that was on disk, its record count that version's, and every cited id a
record of that version.

Run with -s to see the figures.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import HSG, ROOT, app_over_seed_copies

LOAD = ROOT / "benchmarks" / "load.py"
RESULTS = ROOT / "benchmarks" / "results"
Q = "When did the Soviets postpone uranium prospecting in North Korea?"
ENV = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")


# -- a server of this module's own ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def live(tmp_path_factory, seed_index_dir):
    """A real app.py over its own copies of the seed records and the session's seed index."""
    base = tmp_path_factory.mktemp("load-server")
    with app_over_seed_copies(base, seed_index_dir) as srv:
        yield {**srv, "base": base}


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False)


# -- helpers -------------------------------------------------------------------------------------------

def versions_on_disk(index: Path) -> dict[str, dict]:
    """Every complete build in the index folder: corpus_sha256 -> its record count, ids and folder."""
    out = {}
    for build in sorted(index.glob("build-*")):
        try:
            m = json.loads((build / "manifest.json").read_text())
            ids = [json.loads(line)["id"] for line in (build / "records.jsonl").read_text().splitlines()]
        except (OSError, ValueError):  # pruned while we read, or not a complete build
            continue
        if len(ids) == m["count"]:
            out[m["corpus_sha256"]] = {"count": m["count"], "ids": set(ids), "build": build.name}
    return out


def load_process(*args: str, timeout: float = 300) -> dict:
    """Run benchmarks/load.py in its own process; its last stdout line is the JSON summary."""
    p = subprocess.run([sys.executable, str(LOAD), *args], capture_output=True, text=True, timeout=timeout,
                       env=ENV, check=False)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def _load_module():
    """benchmarks/load.py as a module, for its percentile helpers."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("archive_qa_load", LOAD)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def check_answers(rows: list[dict], versions: dict[str, dict]) -> dict[str, int]:
    """Every answer is a dict with citations whose ids exist in the version its stamp names."""
    per_version: dict[str, int] = {}
    for r in rows:
        assert r["ok"], r
        assert r["shape"] == "dict", r
        assert r["found"] is True and r["cited"], r
        v = versions.get(r["corpus_sha256"])
        assert v is not None, f"answer from an index version never on disk: {r}"
        assert r["records"] == v["count"], r
        missing = set(r["cited"]) - v["ids"]
        assert not missing, f"cited ids {missing} are not in version {v['build']}: {r}"
        per_version[r["corpus_sha256"]] = per_version.get(r["corpus_sha256"], 0) + 1
    return per_version


def save_figures(key: str, figures: dict) -> None:
    """Keep the figures in benchmarks/results/load.json when asked to (ARCHIVE_QA_SAVE_FIGURES=1), so that an
    ordinary test run leaves the working tree as it found it."""
    from qa.settings import current

    if not RESULTS.is_dir() or not current().save_figures:
        return
    path = RESULTS / "load.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data[key] = {**figures, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count()}
    path.write_text(json.dumps(data, indent=2) + "\n")


def test_the_figures_are_saved_only_when_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "RESULTS", tmp_path)
    (tmp_path / "load.json").write_text('{"kept": 1}\n')
    for unset in (None, "", "0"):
        if unset is None:
            monkeypatch.delenv("ARCHIVE_QA_SAVE_FIGURES", raising=False)
        else:
            monkeypatch.setenv("ARCHIVE_QA_SAVE_FIGURES", unset)
        save_figures("ask", {"p50_ms": 1.0})
        assert (tmp_path / "load.json").read_text() == '{"kept": 1}\n'
    monkeypatch.setenv("ARCHIVE_QA_SAVE_FIGURES", "1")
    save_figures("ask", {"p50_ms": 1.0})
    saved = json.loads((tmp_path / "load.json").read_text())
    assert saved["kept"] == 1 and saved["ask"]["p50_ms"] == 1.0


def ms(x: float | None) -> str:
    return "-" if x is None else f"{x:.0f} ms"


def assert_server_healthy(live) -> None:
    assert live["proc"].poll() is None, "the server died"
    log = live["log"].read_text()
    assert "Traceback" not in log and "internal error" not in log, log[-3000:]


# -- 1. load --------------------------------------------------------------------------------------------

def test_twenty_clients_ten_questions_each_no_errors(live, tmp_path):
    versions = versions_on_disk(live["index"])
    out = tmp_path / "answers.jsonl"
    s = load_process("ask", live["url"], "--clients", "20", "--questions", "10", "--max-seconds", "180",
                     "--out", str(out), timeout=400)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    print(f"\nload: {s['clients']} clients x 10 questions: {s['answers']} answers, {s['errors']} errors in "
          f"{s['seconds']:.1f}s ({s['questions_per_second']:.1f}/s); latency p50 {ms(s['p50_ms'])}, "
          f"p90 {ms(s['p90_ms'])}, p99 {ms(s['p99_ms'])}, max {ms(s['max_ms'])}")
    save_figures("load", {k: s[k] for k in ("clients", "questions", "answers", "errors", "seconds",
                                            "questions_per_second", "p50_ms", "p90_ms", "p99_ms", "max_ms")})
    assert s["errors"] == 0, s
    assert s["stuck_clients"] == 0
    assert len(rows) == 200 and s["answers"] == 200
    assert sorted((r["client"], r["seq"]) for r in rows) == [(c, n) for c in range(20) for n in range(10)]
    check_answers(rows, versions)
    assert_server_healthy(live)


# -- 2. a burst beyond the queue ------------------------------------------------------------------------

MAX_SIZE, CONCURRENCY = 64, 2  # qa/web.py launch: demo.queue(default_concurrency_limit=2, max_size=64)


def test_a_burst_beyond_the_queue_is_refused_cleanly_and_the_server_keeps_answering(live):
    versions = versions_on_disk(live["index"])
    n = 100
    assert n > MAX_SIZE + CONCURRENCY
    s = load_process("burst", live["url"], "--requests", str(n), "--timeout", "120", timeout=400)
    counts = s["counts"]
    print(f"\nburst of {n} simultaneous requests: {counts}; refusals {s['refusals']}; "
          f"answered p50 {ms(s['answered_latency']['p50_ms'])} p99 {ms(s['answered_latency']['p99_ms'])}, "
          f"refused p50 {ms(s['refused_latency']['p50_ms'])} max {ms(s['refused_latency']['max_ms'])}; "
          f"{s['seconds']:.1f}s in all")
    save_figures("burst", {"requests": n, "counts": counts, "refusals": s["refusals"],
                           "answered_latency": s["answered_latency"], "refused_latency": s["refused_latency"],
                           "seconds": s["seconds"]})
    # every request either got its answer or a clean refusal; nothing hung, nothing else went wrong
    assert set(counts) <= {"answered", "refused"}, s["other_samples"]
    assert counts.get("answered", 0) + counts.get("refused", 0) == n
    # the queue takes at least max_size; the rest are refused (gradio's queue_full -> HTTP 503)
    assert counts.get("answered", 0) >= MAX_SIZE
    assert counts.get("refused", 0) >= 1
    for detail in s["refusals"]:
        assert detail.startswith("503 ") and "Queue is full. Max size is 64" in detail, detail
    assert s["refused_latency"]["max_ms"] < 30_000  # refused at once, not after waiting
    check_answers([{"ok": True, **a} for a in s["answers"]], versions)
    # afterwards: the same process serves a normal question
    assert_server_healthy(live)
    a = _client(live["url"]).predict(Q, api_name="/ask")
    assert a["found"] and a["citations"][0]["date"] == "April 12, 1948"


# -- 3. rebuilds under load -----------------------------------------------------------------------------

# Invented records (not archival): distinctive words so a question can show the new index is the one served.
SMALL = [
    [("March 3, 1947", "Test record: walrus ivory quota telegram",
      "A telegram on the walrus ivory quota for the Chukotka cooperatives."),
     ("March 4, 1947", "Test record: reindeer census memorandum",
      "A memorandum counting reindeer herds on the Taymyr peninsula.")],
    [("June 9, 1947", "Test record: lighthouse keepers petition",
      "Lighthouse keepers at Cape Dezhnev petition for winter coal deliveries.")],
    [("August 1, 1947", "Test record: sturgeon hatchery report",
      "A report on the sturgeon hatchery built beside the Volga delta."),
     ("August 2, 1947", "Test record: glacier survey notes",
      "Survey notes from a glacier expedition in the Pamir mountains."),
     ("August 3, 1947", "Test record: tramway timetable circular",
      "A circular changing the tramway timetable in Vladivostok.")],
]
BIG = 1000  # records for the first rebuild: ~15 s of embedding on one torch thread, so two calls overlap


def write_csv(path: Path, rows) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["date", "title", "summary"])
        w.writerows(rows)


def big_records(path: Path, n: int, seed: int = 11) -> int:
    """n valid records: recombined from the State Department export when present, else synthesized."""
    from qa.records import read_records

    rng = random.Random(seed)
    rows = []
    if HSG.exists():
        src = [json.loads(line) for line in HSG.read_text(encoding="utf-8").splitlines() if line.strip()]
        src = [r for r in src if r.get("date") and r.get("title") and r.get("summary")]
        for r in rng.sample(src, min(len(src), n + 50)):
            rows.append({"date": r["date"], "title": r["title"], "summary": r["summary"]})
    while len(rows) < n + 50:
        i = len(rows)
        rows.append({"date": f"{1950 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                     "title": f"Synthetic record {i}: {rng.choice(['visit', 'cable', 'memo'])} {i}",
                     "summary": " ".join(rng.choice(["trade", "talks", "treaty", "minister", "envoy", "port",
                                                     "harvest", "railway", "loan", "border"]) for _ in range(25))})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    bad = {p.line for p in read_records([path]).problems}
    keep = [r for i, r in enumerate(rows, start=1) if i not in bad][:n]
    path.write_text("".join(json.dumps(r) + "\n" for r in keep), encoding="utf-8")
    assert not read_records([path]).problems
    return len(keep)


def test_rebuilds_under_load_never_fail_a_question_and_every_answer_names_its_version(live, tmp_path):
    url, index, records = live["url"], live["index"], live["records"]
    versions = versions_on_disk(index)
    order = list(versions)  # generation order of the versions
    assert len(order) == 1
    big = tmp_path / "extra-big.jsonl"
    n_big = big_records(big, BIG)

    out, stop, started = tmp_path / "answers.jsonl", tmp_path / "stop", tmp_path / "started"
    load = subprocess.Popen([sys.executable, str(LOAD), "ask", url, "--clients", "20", "--until", str(stop),
                             "--max-seconds", "200", "--max-per-client", "2000", "--started", str(started),
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ENV)
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert load.poll() is None, load.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the load process did not start"
            time.sleep(0.1)
        time.sleep(1.5)  # some answers from the first version

        c1, c2 = _client(url), _client(url)
        rebuilds = []  # (started, finished, status)

        # rebuild 1: a larger file (slow to embed) and a small one; a second rebuild meanwhile is refused
        shutil.copyfile(big, records / big.name)
        write_csv(records / "extra-1.csv", SMALL[0])
        t0 = time.time()
        job = c1.submit(api_name="/rebuild")
        deadline = time.monotonic() + 120
        while not any("embedding" in (o[0] if isinstance(o, (list, tuple)) else str(o)) for o in job.outputs()):
            assert not job.done(), f"the first rebuild ended before it was seen embedding: {job.outputs()}"
            assert time.monotonic() < deadline, job.outputs()
            time.sleep(0.05)
        t_second = time.time()
        second = c2.predict(api_name="/rebuild")
        refused_after = time.time() - t_second
        first = job.result(timeout=600)
        rebuilds.append((t0, time.time(), first[0]))
        assert "A rebuild is already running" in second[0], second
        assert first[0].startswith("Rebuilt: "), first
        new = versions_on_disk(index)
        assert len(set(new) - set(versions)) == 1, "the refused rebuild must not have made a version"
        order += [v for v in new if v not in versions]
        versions.update(new)
        progress = [o[0] for o in job.outputs() if isinstance(o, (list, tuple))]

        # rebuilds 2 and 3: a few new records each
        for i in (1, 2):
            time.sleep(1.5)
            write_csv(records / f"extra-{i + 1}.csv", SMALL[i])
            t0 = time.time()
            status = c1.predict(api_name="/rebuild")[0]
            rebuilds.append((t0, time.time(), status))
            assert status.startswith("Rebuilt: "), status
            new = versions_on_disk(index)
            order += [v for v in new if v not in versions]
            versions.update(new)
        time.sleep(1.5)  # answers from the last version

        # the new records are served: a question only the last small file can answer
        a = c1.predict("the tramway timetable in Vladivostok", api_name="/ask")
        assert a["citations"][0]["title"] == "Test record: tramway timetable circular"
        assert a["index"]["corpus_sha256"] == order[-1]
    finally:
        stop.write_text("stop\n")
        try:
            stdout, stderr = load.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            load.kill()
            stdout, stderr = load.communicate()
    assert load.returncode == 0, stderr[-3000:]
    s = json.loads(stdout.strip().splitlines()[-1])
    rows = [json.loads(line) for line in out.read_text().splitlines()]

    assert len(order) == 4, "three rebuilds, three new versions"
    expect = 20 + n_big + sum(len(x) for x in SMALL)
    assert versions[order[-1]]["count"] == expect
    assert s["errors"] == 0, s
    assert s["stuck_clients"] == 0
    per_version = check_answers(rows, versions)
    gen = {sha: i for i, sha in enumerate(order)}
    # each client sees versions only move forward, and a question asked after a rebuild returned is
    # answered from that rebuild's version or a later one
    for cid in {r["client"] for r in rows}:
        seq = [gen[r["corpus_sha256"]] for r in sorted(rows, key=lambda r: r["seq"]) if r["client"] == cid]
        assert seq == sorted(seq), (cid, seq)
    for k, (_, done, _) in enumerate(rebuilds, start=1):
        late = [r for r in rows if r["t0"] > done + 0.05 and gen[r["corpus_sha256"]] < k]
        assert not late, f"{len(late)} questions asked after rebuild {k} returned got an older version: {late[0]}"

    def overlaps(r):  # the question was in flight at some moment of a rebuild
        return any(r["t0"] <= b and r["t1"] >= a for a, b, _ in rebuilds)

    during = [r["ms"] for r in rows if overlaps(r)]
    outside = [r["ms"] for r in rows if not overlaps(r)]
    d, o = _load_module().latency_summary(during), _load_module().latency_summary(outside)
    print(f"\nrebuild under load: {s['answers']} answers, {s['errors']} errors from 20 clients in "
          f"{s['seconds']:.1f}s; p50 {ms(s['p50_ms'])}, p99 {ms(s['p99_ms'])}, max {ms(s['max_ms'])}")
    print(f"  in flight during a rebuild: {d['n']} (p50 {ms(d['p50_ms'])}, p99 {ms(d['p99_ms'])}, "
          f"max {ms(d['max_ms'])}); outside: {o['n']} (p50 {ms(o['p50_ms'])}, p99 {ms(o['p99_ms'])})")
    for k, (a0, b0, status) in enumerate(rebuilds, start=1):
        print(f"  rebuild {k}: {b0 - a0:.1f}s wall, server says {status!r}")
    print(f"  second rebuild during the first: refused in {refused_after * 1000:.0f} ms: {second[0]!r}")
    print(f"  progress shown: {progress[:3]} ... {progress[-1:]}")
    print("  answers per version: " + ", ".join(
        f"v{gen[sha]} ({versions[sha]['count']} records) {per_version.get(sha, 0)}" for sha in order))
    save_figures("rebuild_under_load", {
        "answers": s["answers"], "errors": s["errors"], "seconds": s["seconds"], "p50_ms": s["p50_ms"],
        "p99_ms": s["p99_ms"], "max_ms": s["max_ms"], "during_rebuild": d, "outside_rebuild": o,
        "rebuilds": [{"seconds": b0 - a0, "status": st} for a0, b0, st in rebuilds],
        "answers_per_version": [per_version.get(sha, 0) for sha in order],
        "second_rebuild_refused": second[0]})
    assert per_version.get(order[0], 0) > 0 and per_version.get(order[-1], 0) > 0
    assert_server_healthy(live)
