"""Beyond one machine (issue 16): a Ray build equals the local one, a Milvus collection built from it answers
like the local pipeline, unreachable services are reported with what to do, and a build that fails or is
killed leaves the old collection serving.

The collection is the 20 seed records and the 7,535 State Department records. The Ray build runs two workers
on a private Ray on this machine; Milvus is a milvus-lite gRPC server on a loopback port that this module
starts and stops. Both need the cluster extra (pip install -e '.[test,cluster]'; make test installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import DATA, HSG, ROOT, SEEDS, free_port, snapshot
from services import milvus_lite, need_cluster

from qa.dates import meets


@pytest.fixture(scope="module", autouse=True)
def cluster_extra():
    need_cluster()


RECORDS = [SEEDS, HSG]
URANIUM = "When did the Soviets postpone uranium prospecting in North Korea?"
SETS = [DATA / "eval" / f"{name}-{split}.jsonl" for name in ("seed", "hsg") for split in ("dev", "test")]


def cli(*args: str, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=dict(os.environ, **(env or {})))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with milvus_lite(tmp_path_factory.mktemp("milvus")) as s:
        yield s


@pytest.fixture(scope="module")
def local(tmp_path_factory, embedder):
    """The local build of the collection: a folder index, this machine's engine."""
    from qa.archive import Archive

    a = Archive(tmp_path_factory.mktemp("local") / "index", records=RECORDS)
    a.rebuild(RECORDS, skip_invalid=True)
    return a


@pytest.fixture(scope="module")
def on_ray(server, local, embedder):
    """The same records built by Ray (two workers, this machine) straight into a Milvus collection."""
    from qa.archive import Archive
    from qa.engines import engine

    a = Archive(server.url("cluster"), records=RECORDS)
    t = time.perf_counter()
    report = a.rebuild(RECORDS, skip_invalid=True, engine=engine("ray", embedder, workers=2))
    print(f"\nRay build of {report.manifest.count} records with 2 workers: {time.perf_counter() - t:.1f}s "
          f"(embedding {report.embed_seconds:.1f}s), workers {report.nodes}")
    return a, report


def test_a_ray_build_with_two_workers_equals_the_local_build(local, on_ray):
    milvus, report = on_ray
    assert report.engine == "ray" and report.embedded == report.manifest.count >= 2000  # nothing from a cache
    assert sum(report.nodes.values()) == report.embedded
    mine, theirs = milvus.current, local.current
    assert mine.manifest.corpus_sha256 == theirs.manifest.corpus_sha256  # the same ids in the same rows
    assert [r.id for r in mine.records.fetch(list(range(0, mine.manifest.count, 97)))] == \
        [theirs.records[i].id for i in range(0, theirs.manifest.count, 97)]
    n = theirs.manifest.count
    for start in range(0, n, 2000):
        rows = list(range(start, min(n, start + 2000)))
        cos = np.einsum("ij,ij->i", mine.vectors(rows), theirs.vectors(rows))
        assert cos.min() >= 0.9999, (start + int(np.argmin(cos)), float(cos.min()))
    assert mine.manifest.calibration == pytest.approx(theirs.manifest.calibration, abs=1e-3)


def _questions():
    from qa.evaluate import read_questions

    return [q for path in SETS for q in read_questions(path)]


def test_milvus_answers_the_labelled_questions_like_the_local_pipeline(local, on_ray):
    """recall@10 of the dense search against exact search over the local vectors, date filters kept, the same
    first citation as the local pipeline, and the same period (a follow-up's may differ only where the answer
    before it does)."""
    from qa.query import analyze

    milvus = on_ray[0]
    store, ref = milvus.current, local.current
    vectors = np.vstack([ref.vectors(list(range(a, min(ref.manifest.count, a + 4096))))
                         for a in range(0, ref.manifest.count, 4096)])
    recall, violations, same, total, moved = [], 0, 0, 0, 0
    for q in _questions():
        history = list(q.history) or None
        got = milvus.retrieve(q.question, k=10, history=history)
        want = local.retrieve(q.question, k=10, history=history)
        lo, hi = got.date_from, got.date_to
        if (lo, hi) != (want.date_from, want.date_to):
            # a follow-up's period may count from the answer before it ("after that"), whose first citation may
            # differ between the two as any answer's may (below): then, and only then, its period differs too
            assert history, (q.question, (lo, hi), (want.date_from, want.date_to))
            before = [a.retrieve(history[-1], k=10, history=history[:-1] or None).answer(10).citations[:1]
                      for a in (milvus, local)]
            assert [c.hit.record.id for c in before[0]] != [c.hit.record.id for c in before[1]], q.question
            moved += 1
        # the dense search alone, against exact search over the same records
        read = analyze(q.question, store.keywords, store.names, history=history)
        qvec = milvus.embedder.encode([read.match_text])[0]
        rows, _ = store.dense(qvec, 10, store.within(lo, hi))
        inside = np.flatnonzero(meets(ref.starts, ref.ends, lo, hi))
        exact = inside[np.argsort(-(vectors[inside] @ qvec), kind="stable")[:10]]
        if len(exact):
            recall.append(len(set(rows.tolist()) & set(exact.tolist())) / len(exact))
        # every record either search returns, and every record cited, is inside the range
        kw = store.keyword(read.tokens, 100, store.within(lo, hi)).rows
        answer = got.answer(5)
        shown = list(rows) + kw + [h.row for h in got.hits] + [c.hit.row for c in answer.citations]
        violations += int((~meets(store.starts[shown], store.ends[shown], lo, hi)).sum()) if shown else 0
        first = [c.hit.record.id for c in answer.citations[:1]]
        theirs = [c.hit.record.id for c in want.answer(5).citations[:1]]
        same += first == theirs
        total += 1
    print(f"\nMilvus vs local on {total} labelled questions: dense recall@10 {np.mean(recall):.4f}, "
          f"{violations} date-filter violations, same first citation {same}/{total} ({same / total:.3f}), "
          f"{moved} follow-ups moved from a different answer before")
    assert np.mean(recall) >= 0.95
    assert violations == 0
    assert same / total >= 0.95


def test_the_cli_and_the_json_api_work_unchanged_on_milvus(on_ray, server):
    url = server.url("cluster")
    r = cli("ask", URANIUM, "--index", url, "--json")
    assert r.returncode == 0, r.stderr
    a = json.loads(r.stdout)
    assert a["found"] and a["citations"][0]["date"] == "April 12, 1948"
    r = cli("info", "--index", url, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["records"] == on_ray[1].manifest.count
    r = cli("related", a["citations"][0]["id"], "--index", url, "-k", "3")
    assert r.returncode == 0 and sum(line.startswith("  [") for line in r.stdout.splitlines()) == 3, r.stdout
    r = cli("ask", "--format", "bibtex", "Which telegrams did Vyshinsky send?", "--index", url)
    assert r.returncode == 0 and "@" in r.stdout


def test_an_unreachable_milvus_server_says_where_and_how_to_start_one(tmp_path):
    port = free_port()
    for args in (["ask", "anything", "--index", f"milvus://127.0.0.1:{port}/archive"],
                 ["info", "--index", f"milvus://127.0.0.1:{port}/archive"],
                 ["build", "--records", str(SEEDS), "--index", f"milvus://127.0.0.1:{port}/archive"]):
        t = time.perf_counter()
        r = cli(*args)
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        assert f"cannot reach the Milvus server at 127.0.0.1:{port}" in r.stderr, r.stderr
        assert f"milvus-lite server --data-dir DIR --host 127.0.0.1 --port {port}" in r.stderr
        assert time.perf_counter() - t < 60
    r = cli("ask", "x", "--index", "milvus://127.0.0.1/archive")
    assert r.returncode == 1 and "milvus://HOST:PORT/NAME" in r.stderr


def test_a_missing_collection_names_the_command_that_builds_it(server):
    r = cli("info", "--index", server.url("nothing_here"))  # (ask, like the app, would build it from seeds/)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"build one with: archive-qa build --index {server.url('nothing_here')}" in r.stderr


def test_an_unreachable_ray_cluster_says_where_and_how_to_start_one(index_copy):
    before = snapshot(index_copy)
    port = free_port()
    t = time.perf_counter()
    r = cli("build", "--records", str(SEEDS), "--index", str(index_copy), "--engine", "ray",
            "--ray-address", f"127.0.0.1:{port}")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"cannot reach the Ray cluster at 127.0.0.1:{port}" in r.stderr
    assert f"ray start --head --port={port}" in r.stderr
    assert time.perf_counter() - t < 60
    assert snapshot(index_copy) == before  # nothing changed
    r = cli("build", "--records", str(SEEDS), "--index", str(index_copy), "--ray-address", "127.0.0.1:1")
    assert r.returncode == 1 and "go with --engine ray" in r.stderr


def _alias(server, name):
    from qa.stores import milvus

    addr = milvus.parse(server.url(name))
    c = milvus.client(addr)
    return c, milvus._target(c, addr)


def test_a_failed_milvus_build_leaves_the_old_collection_serving(server, tmp_path, embedder):
    from qa.archive import Archive
    from qa.errors import IndexProblem

    a = Archive(server.url("failing"), records=[SEEDS])
    a.rebuild([SEEDS])
    c, before = _alias(server, "failing")
    huge = tmp_path / "huge.jsonl"
    huge.write_text(json.dumps({"date": "1947", "title": "A very long record",
                                "summary": "Korea. " * 12_000}) + "\n", encoding="utf-8")
    with pytest.raises(IndexProblem, match="too long for Milvus"):
        a.rebuild([SEEDS, huge])
    assert _alias(server, "failing")[1] == before
    left = {n for n in c.list_collections() if n.startswith("failing__")}
    assert left == {before, before.replace("__b", "__m")}
    assert a.ask("uranium prospecting").found and a.current.manifest.count == 20


def test_a_build_killed_mid_way_leaves_the_old_collection_serving(server, on_ray, tmp_path):
    """SIGKILL while the rows go in: the alias still names the old build, which answers; the next build
    removes what the killed one left."""
    from qa.stores.milvus import MilvusWriter

    url = server.url("killed")
    first = cli("build", "--records", str(SEEDS), "--index", url)
    assert first.returncode == 0, first.stderr
    c, old = _alias(server, "killed")
    # the State Department records' vectors are in the Ray build's cache: this build goes straight to writing
    warm, home = MilvusWriter(server.url("cluster")).home / "cache", MilvusWriter(url).home / "cache"
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(warm, home)
    child = subprocess.Popen([sys.executable, "-m", "qa", "build", "--records", str(SEEDS), str(HSG),
                              "--skip-invalid", "--index", url], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    for line in child.stderr:
        if "writing the index" in line:
            break
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(n.startswith("killed__b") and n != old
                                                  for n in c.list_collections()):
        time.sleep(0.05)
    time.sleep(1.0)  # into the inserts
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    left = [n for n in c.list_collections() if n.startswith("killed__b") and n != old]
    assert left, "the kill landed after the build had ended"
    assert _alias(server, "killed")[1] == old
    r = cli("ask", URANIUM, "--index", url, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["index"]["records"] == 20
    again = cli("build", "--records", str(SEEDS), "--index", url)
    assert again.returncode == 0, again.stderr
    names = [n for n in c.list_collections() if n.startswith("killed__")]
    assert not set(left) & set(names) and len(names) == 4  # the live build, the one before, and their sides


def test_a_local_node_that_came_up_too_slowly_is_started_anew_and_other_failures_are_not():
    from qa.engines.ray import started_late

    assert started_late(RuntimeError("Timed out waiting for file /tmp/aqa-ray-x/session_1/gcs_server_port_ab"))
    assert started_late(Exception("The current node timed out during startup. This could happen because ..."))
    assert not started_late(RuntimeError("Cannot connect to the cluster at 10.0.0.5:6379"))
