"""Crash safety: real builds (`python -m qa build`) killed with SIGKILL at seeded random points, and damaged
artifacts that tests/test_store.py does not cover.

After every kill the last complete index must load and verify, CURRENT must name a complete build, a
half-written .tmp-* folder must never be served, and the next build must succeed and sweep the leftovers.

Run with -s to see where each kill landed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import HSG, ROOT, SEEDS, snapshot

from qa import store
from qa.archive import Archive
from qa.build import embedding_text
from qa.cache import text_key
from qa.errors import ArchiveError, IndexProblem, ModelError
from qa.records import load_records, read_records

ENV = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
SEED = 20261127
KILLS = 20
BASE = 300   # records beside the 20 seeds: ~4-9 s to embed once (the first build), ~0.1 s to write
EDITS = 32   # records edited before each killed build, so every build embeds something


def _live(d: Path) -> Path:
    return d / (d / "CURRENT").read_text().strip()


# -- the records ---------------------------------------------------------------------------------------

def base_rows(n: int, rng: random.Random) -> list[dict]:
    """n records recombined from the State Department export (title + first sentence), else synthesized."""
    rows, seen = [], set()
    if HSG.exists():
        src = [json.loads(line) for line in HSG.read_text(encoding="utf-8").splitlines() if line.strip()]
        src = [r for r in src if r.get("date") and r.get("title") and r.get("summary")]
        for r in rng.sample(src, min(len(src), 2 * n)):
            row = {"date": r["date"], "title": r["title"], "summary": r["summary"].split(". ")[0].rstrip(".") + "."}
            if (row["title"], row["summary"]) not in seen:
                seen.add((row["title"], row["summary"]))
                rows.append(row)
    words = ["trade", "talks", "treaty", "minister", "envoy", "port", "harvest", "railway", "loan", "border", "cable", "visit"]
    while len(rows) < 2 * n:
        i = len(rows)
        rows.append({"date": f"{1950 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                     "title": f"Synthetic record {i}", "summary": " ".join(rng.choice(words) for _ in range(12))})
    return rows


def write_rows(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def make_records(folder: Path, rng: random.Random) -> list[dict]:
    folder.mkdir(parents=True)
    shutil.copy(SEEDS / "korea-1942-1948.txt", folder)
    rows = base_rows(BASE, rng)
    path = folder / "visits.jsonl"
    write_rows(path, rows)
    bad = {p.line for p in read_records([path]).problems}
    rows = [r for i, r in enumerate(rows, start=1) if i not in bad][:BASE]
    write_rows(path, rows)
    assert not read_records([folder]).problems
    return rows


def vary(rows: list[dict], rng: random.Random, rnd: int) -> list[dict]:
    """Edit EDITS records; every other round also drop one and insert a new one elsewhere (rows shift)."""
    rows = [dict(r) for r in rows]
    for i in rng.sample(range(len(rows)), EDITS):
        rows[i]["summary"] = rows[i]["summary"].rstrip() + f" Revised in round {rnd}."
    if rnd % 2:
        rows.pop(rng.randrange(len(rows)))
        rows.insert(rng.randrange(len(rows)), {"date": f"19{50 + rnd}-0{1 + rnd % 9}-1{rnd % 10}",
                                               "title": f"Inserted record of round {rnd}",
                                               "summary": f"A note added in round {rnd} about harbour dues."})
    return rows


# -- one child build, watched line by line --------------------------------------------------------------

class Child:
    """`python -m qa -v build` with its stderr lines timestamped as they arrive."""

    def __init__(self, records: Path, index: Path) -> None:
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([sys.executable, "-m", "qa", "-v", "build", "--records", str(records),
                                      "--index", str(index)], cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: list[tuple[float, str]] = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            with self.cond:
                self.lines.append((time.monotonic() - self.t0, line.rstrip()))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, text: str, timeout: float = 120) -> float | None:
        """When the line holding text arrived (seconds since start), or None when the child ended first."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, line in self.lines:
                    if text in line:
                        return t
                if self.proc.poll() is not None and not self.reader.is_alive():
                    return None
                left = deadline - time.monotonic()
                assert left > 0, f"no line with {text!r} after {timeout}s: {self.lines[-5:]}"
                self.cond.wait(min(left, 0.05))

    def seen(self, text: str) -> float | None:
        with self.cond:
            return next((t for t, line in self.lines if text in line), None)

    def last_line(self, before: float) -> str:
        with self.cond:
            got = [line for t, line in self.lines if t <= before and not line.startswith(("ModuleNotFound",))]
        return got[-1] if got else "(nothing yet)"

    def finish(self, timeout: float = 300) -> int:
        rc = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)
        return rc


# Landmarks in a child's stderr (progress lines, and -v log lines), in the order they appear.
EMBEDDING = "embedding records"
MODEL_LOADED = "loaded embedding model"
WRITING = "writing the index"
BM25 = "building the keyword index"
WRITTEN = "index written"
BUILT = "built:"


def phase_times(child: Child) -> dict[str, float]:
    return {k: child.seen(k) for k in (EMBEDDING, MODEL_LOADED, WRITING, BM25, WRITTEN, BUILT)}


def cache_keys(index: Path) -> set[str]:
    """The keys the embedding cache holds (keys.txt's lines after its header line)."""
    try:
        return set(next((index / "cache").iterdir()).joinpath("keys.txt").read_text().split("\n")[1:]) - {""}
    except (OSError, StopIteration):
        return set()


def landing(index: Path, before: dict, new_keys: set[str]) -> str:
    """Where a kill landed, read from what it left on disk."""
    current = (index / "CURRENT").read_text().strip()
    builds = sorted(p.name for p in index.glob("build-*"))
    tmps = sorted(index.glob(".tmp-*"))
    if tmps:
        files = sorted(str(p.relative_to(tmps[0])) for p in tmps[0].rglob("*") if p.is_file())
        bm25 = sum(f.startswith("bm25/") for f in files)
        shown = [f for f in files if not f.startswith("bm25/")] + ([f"bm25/ ({bm25} files)"] if bm25 else [])
        return f"half-written .tmp build ({', '.join(shown) or 'empty'})"
    if current == before["current"]:
        if set(builds) - set(before["builds"]):
            return "new build folder renamed into place, CURRENT not yet switched"
        return "before the new build folder existed"
    if len(builds) > 2:
        return "CURRENT switched to the new build, older builds not yet pruned"
    if cache_keys(index) != new_keys:
        return "CURRENT switched and pruned; embedding cache not yet saved"
    return "build complete (cache saved)"


# -- the test ------------------------------------------------------------------------------------------

def test_sigkill_at_random_points_of_real_builds_never_breaks_the_index(tmp_path, embedder):
    rng = random.Random(SEED)
    recs, index = tmp_path / "records", tmp_path / "index"
    rows = make_records(recs, rng)
    t_start = time.monotonic()

    # the first build runs to the end; its timings place the kill points of the later builds
    first = Child(recs, index)
    assert first.finish() == 0, first.lines[-10:]
    cal = phase_times(first)
    assert all(v is not None for v in cal.values()), cal
    n_all = len(load_records([recs]).records)
    per_record = (cal[WRITING] - cal[MODEL_LOADED]) / n_all
    # where to aim: after a landmark line, at a random point of that phase's length in the first build; or,
    # for the few milliseconds around the CURRENT swap, as soon as the index folder shows the step happened
    spans = {
        "embedding: importing torch, loading the model": ("line", EMBEDDING, cal[MODEL_LOADED] - cal[EMBEDDING]),
        "embedding: encoding": ("line", MODEL_LOADED, max(0.05, per_record * (EDITS + 1))),
        "writing the .tmp build: FAISS, records": ("line", WRITING, max(0.005, cal[BM25] - cal[WRITING])),
        "writing the .tmp build: BM25, manifest": ("line", BM25, max(0.005, cal[WRITTEN] - cal[BM25])),
        "new build renamed in, before the CURRENT swap": ("disk", "renamed", 0.001),
        "just after the CURRENT swap": ("disk", "swapped", 0.002),
        "cache save and exit": ("line", WRITTEN, (cal[BUILT] - cal[WRITTEN]) + 0.05),
    }
    plan = (["embedding: importing torch, loading the model"] * 4 + ["embedding: encoding"] * 4
            + ["writing the .tmp build: FAISS, records"] * 3 + ["writing the .tmp build: BM25, manifest"] * 2
            + ["new build renamed in, before the CURRENT swap"] * 3 + ["just after the CURRENT swap"] * 3
            + ["cache save and exit"])
    assert len(plan) == KILLS
    rng.shuffle(plan)
    print(f"\nfirst build ({n_all} records, {len(rows)} in visits.jsonl): "
          + ", ".join(f"{k!r} at {v:.3f}s" for k, v in cal.items()))

    report = []
    prev = store.load_index(index)
    for rnd, phase in enumerate(plan, start=1):
        rows = vary(rows, rng, rnd)
        write_rows(recs / "visits.jsonl", rows)
        expected = load_records([recs]).records
        new_ids = [r.id for r in expected]
        new_corpus = store.corpus_sha256(expected)
        new_keys = {text_key(embedding_text(r)) for r in expected}
        old_ids = [r.id for r in prev.records]
        before = {"current": (index / "CURRENT").read_text().strip(),
                  "builds": sorted(p.name for p in index.glob("build-*"))}

        kind, anchor, span = spans[phase]
        offset = rng.uniform(0, span)
        child = Child(recs, index)
        killed_at = None
        if kind == "line":
            at = child.wait_for(anchor)
            if at is not None:
                time.sleep(max(0.0, at + offset - (time.monotonic() - child.t0)))
        else:
            at = child.wait_for(WRITING)
            if at is not None:
                old_builds, old_current = set(before["builds"]), before["current"]
                happened = {"renamed": lambda: any(e.name.startswith("build-") and e.name not in old_builds  # noqa: B023
                                                   for e in os.scandir(index)),
                            "swapped": lambda: (index / "CURRENT").read_text().strip() != old_current}[anchor]  # noqa: B023
                deadline = time.monotonic() + 30
                while child.proc.poll() is None and not happened() and time.monotonic() < deadline:
                    pass  # spin: the step takes milliseconds
                until = time.monotonic() + offset
                while time.monotonic() < until:
                    pass
        if at is not None and child.proc.poll() is None:
            os.kill(child.proc.pid, signal.SIGKILL)
            killed_at = time.monotonic() - child.t0
        rc = child.finish()
        if killed_at is not None:
            assert rc == -signal.SIGKILL
        where = landing(index, before, new_keys) if killed_at is not None else "the build had already ended"
        last = child.last_line(killed_at or 1e9)
        t_embed, t_write, t_built = child.seen(EMBEDDING), child.seen(WRITING), child.seen(BUILT)
        if killed_at is None or (t_built is not None and killed_at >= t_built):
            stage = "after"
        elif t_write is not None and killed_at >= t_write:
            stage = "writing"
        else:
            stage = "embedding" if t_embed is not None and killed_at >= t_embed else "reading"

        # 1. the live build is complete and verifies; it is the old index or the whole new one
        current = (index / "CURRENT").read_text().strip()
        assert current.startswith("build-") and (index / current).is_dir()
        assert sorted(os.listdir(index / current)) == sorted(store.FILES)
        loaded = store.load_index(index)  # checks every checksum and count
        assert loaded.path.name == current
        assert loaded.manifest.corpus_sha256 in (prev.manifest.corpus_sha256, new_corpus)
        ids = [r.id for r in loaded.records]
        assert ids == (new_ids if loaded.manifest.corpus_sha256 == new_corpus else old_ids)
        switched = loaded.manifest.corpus_sha256 == new_corpus
        # 2. a half-written .tmp-* build is never what answers
        leftovers = sorted(p.name for p in index.glob(".tmp-*"))
        served = Archive(index, records=[recs])
        served.open(auto_build=False, allow_stale=True)
        assert served.current.path.name == current
        a = served.ask("Which foreign leaders visited Washington?")
        assert a.index["corpus_sha256"] == loaded.manifest.corpus_sha256
        assert {c.hit.record.id for c in a.citations} <= set(ids)
        # 3. the next build (the app's restart path: a stale index is rebuilt) succeeds and sweeps
        restarted = Archive(index, records=[recs])
        restarted.open()
        rebuilt_on_open = (index / "CURRENT").read_text().strip() != current
        if not rebuilt_on_open:
            restarted.rebuild()  # the index was already the new one: build once more anyway
        assert not list(index.glob(".tmp-*")), "the next build must sweep half-written builds"
        assert len(list(index.glob("build-*"))) == 2
        prev = store.load_index(index)
        assert [r.id for r in prev.records] == new_ids and prev.manifest.corpus_sha256 == new_corpus
        assert restarted.current.manifest.corpus_sha256 == new_corpus
        stray = sorted(p.name for p in index.glob(".CURRENT.*")) + sorted(
            p.name for p in (index / "cache").rglob(".*") if p.is_file())
        report.append((rnd, phase, offset, killed_at, last, where, switched, leftovers, rebuilt_on_open, stray,
                       stage))

    print(f"{'#':>2} {'aimed at':<54} {'killed':>7}  {'last line seen':<42} landed -> CURRENT after the kill; "
          "the next build")
    for rnd, phase, offset, killed_at, last, where, switched, leftovers, rebuilt, stray, _ in report:
        k = f"{killed_at:6.2f}s" if killed_at is not None else "   —   "
        print(f"{rnd:>2} {phase + f' +{offset * 1000:.1f}ms':<54} {k}  {last[:42]:<42} {where} -> "
              f"{'new' if switched else 'old'} index live"
              + (f", {len(leftovers)} .tmp left (swept)" if leftovers else "")
              + ("; rebuilt on open" if rebuilt else "; was current, rebuilt again")
              + (f"; stray files not swept: {stray}" if stray else ""))
    stages = [r[-1] for r in report]
    wheres = [r[5].split(" (")[0] for r in report]
    print(f"{KILLS} kills in {time.monotonic() - t_start:.0f}s: "
          + ", ".join(f"{stages.count(x)} {x}" for x in ("reading", "embedding", "writing", "after"))
          + "; on disk: " + "; ".join(f"{wheres.count(w)}x {w}" for w in dict.fromkeys(wheres)))

    # the kills covered the whole build: embedding, writing, and both sides of the CURRENT swap
    assert stages.count("embedding") >= 4 and stages.count("writing") >= 6, stages
    assert sum(not r[6] for r in report if r[-1] == "writing") >= 2, "no kill left the old index live while writing"
    assert sum(r[6] for r in report if r[-1] == "writing") >= 1, "no kill landed between the swap and the end"
    # the vectors in the final index are the model's for each record (no cache row went to the wrong record)
    final = store.load_index(index)
    sample = random.Random(SEED).sample(range(final.manifest.count), 40)
    stored = np.stack([final.faiss_index.reconstruct(i) for i in sample])
    fresh = embedder.encode([embedding_text(final.records[i]) for i in sample])
    assert np.allclose((stored * fresh).sum(axis=1), 1.0, atol=1e-3)


# -- crashes at exact points that a random kill cannot aim at ------------------------------------------

class Crash(BaseException):
    """Stands for the process dying at this point (BaseException: no handler in qa catches it)."""


def _build_records(folder: Path, rows: list[tuple[str, str, str]]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "r.csv").write_text("date,title,summary\n" + "".join(f'{d},"{t}","{s}"\n' for d, t, s in rows))


FRUIT = ["apples", "bananas", "cherries", "dates", "elderberries", "figs", "grapes", "honeydew"]


def test_a_crash_between_the_two_cache_renames_does_not_give_records_wrong_vectors(tmp_path, embedder,
                                                                                   monkeypatch):
    from qa.build import build

    recs, index = tmp_path / "records", tmp_path / "index"
    rows = [(f"1947-01-{i + 1:02d}", f"Report on {w}", f"A report about {w} and the harvest.")
            for i, w in enumerate(FRUIT)]
    _build_records(recs, rows)
    build([recs], index, embedder)
    # one record removed at the top, one added at the end: as many records as before, every row shifted
    _build_records(recs, rows[1:] + [("1947-02-01", "Report on kiwis", "A report about kiwis and the harvest.")])
    real = os.replace

    def dies_before_keys(src, dst):
        if str(dst).endswith("keys.txt"):
            raise Crash
        return real(src, dst)

    monkeypatch.setattr(os, "replace", dies_before_keys)  # the os module qa.cache uses
    with pytest.raises(Crash):
        build([recs], index, embedder)
    monkeypatch.undo()
    _build_records(recs, rows[1:] + [("1947-02-02", "Report on lemons", "A report about lemons and the harvest.")])
    build([recs], index, embedder)
    loaded = store.load_index(index)
    stored = loaded.faiss_index.reconstruct_n(0, loaded.manifest.count)
    fresh = embedder.encode([embedding_text(r) for r in loaded.records])
    cos = (stored * fresh).sum(axis=1)
    assert np.allclose(cos, 1.0, atol=1e-3), f"stored vectors are not their records' own: cosines {cos.round(2)}"


def test_files_left_by_a_crash_at_the_pointer_or_cache_write_are_swept_by_the_next_build(tmp_path, embedder,
                                                                                         monkeypatch):
    from qa.build import build

    recs, index = tmp_path / "records", tmp_path / "index"
    _build_records(recs, [("1947-01-01", "Report on apples", "A report about apples.")])
    build([recs], index, embedder)
    real = os.replace
    for rnd, at in enumerate(("CURRENT", "keys.txt")):  # the CURRENT swap, then the cache save
        _build_records(recs, [("1947-01-01", "Report on apples", f"A report about apples, version {rnd}.")])

        def dies_at(src, dst, at=at):
            if Path(dst).name == at:
                raise Crash
            return real(src, dst)

        monkeypatch.setattr(os, "replace", dies_at)
        with pytest.raises(Crash):
            build([recs], index, embedder)
        monkeypatch.undo()
    assert store.load_index(index).records  # the index itself is fine either way
    build([recs], index, embedder)
    stray = sorted(str(p.relative_to(index)) for p in index.rglob(".*")
                   if p.is_file() and p.name != store.LOCK)
    assert stray == [], f"left behind after the next build: {stray}"


# -- damaged artifacts not covered by tests/test_store.py ------------------------------------------------

def _recompute(build: Path, **fields) -> None:
    m = json.loads((build / "manifest.json").read_text())
    m.update(fields)
    (build / "manifest.json").write_text(json.dumps(m))


def _open_refused(index: Path, says: str) -> str:
    """Neither the loader nor the service answers from this index: both refuse with a message."""
    with pytest.raises(IndexProblem) as e:
        store.load_index(index)
    assert says in str(e.value), str(e.value)
    assert f"archive-qa build --index {index}" in str(e.value)
    with pytest.raises(IndexProblem) as e2:
        Archive(index, records=[SEEDS]).open()
    assert says in str(e2.value)
    return str(e.value)


BM25_FILES = ["data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy", "params.index.json",
              "vocab.index.json"]


@pytest.mark.parametrize("name", BM25_FILES)
@pytest.mark.parametrize("recomputed", [False, True], ids=["checksum as built", "checksum recomputed"])
def test_a_truncated_bm25_file_is_refused(index_copy, name, recomputed):
    b = _live(index_copy)
    f = b / "bm25" / name
    assert f.exists(), sorted(os.listdir(b / "bm25"))
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    if recomputed:  # the checksum agrees, so only reading the file can notice
        _recompute(b, bm25_sha256=store.sha256_tree(b / "bm25"))
        _open_refused(index_copy, "the keyword index cannot be read")
    else:
        _open_refused(index_copy, "the keyword index (bm25/) does not match its checksum")


@pytest.mark.parametrize("drop", ["last", "middle"])
def test_records_one_line_short_with_a_recomputed_checksum_is_refused_by_the_counts(index_copy, drop):
    b = _live(index_copy)
    lines = (b / "records.jsonl").read_text().splitlines(keepends=True)
    del lines[-1 if drop == "last" else len(lines) // 2]
    (b / "records.jsonl").write_text("".join(lines))
    _recompute(b, records_sha256=store.sha256_file(b / "records.jsonl"))
    msg = _open_refused(index_copy, "the manifest says 20 records, index.faiss holds 20 vectors and records.jsonl "
                        "19 lines")
    assert "damaged" in msg


def test_records_reordered_with_a_recomputed_checksum_is_refused(index_copy):
    b = _live(index_copy)
    lines = (b / "records.jsonl").read_text().splitlines(keepends=True)
    lines[0], lines[1] = lines[1], lines[0]
    (b / "records.jsonl").write_text("".join(lines))
    _recompute(b, records_sha256=store.sha256_file(b / "records.jsonl"))
    with pytest.raises(IndexProblem):
        store.load_index(index_copy)


def test_current_naming_a_missing_build_is_refused_everywhere(index_copy):
    (index_copy / "CURRENT").write_text("build-20260101T000000000000-gone00\n")
    msg = _open_refused(index_copy, "its build folder 'build-20260101T000000000000-gone00' is missing")
    assert msg.startswith(f"the index in {index_copy} is damaged")
    # the command line says the same in one sentence, with no traceback, and exits 1
    p = subprocess.run([sys.executable, "-m", "qa", "ask", "Who asked for railway engineers?", "--index",
                        str(index_copy)], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120,
                       check=False)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr.strip() == f"archive-qa: {msg}", p.stderr
    # and so does a folder that escapes the index folder
    (index_copy / "CURRENT").write_text("../elsewhere\n")
    _open_refused(index_copy, "its build folder '../elsewhere' is missing")


def test_an_empty_current_means_no_index_and_the_service_builds_one(index_copy):
    (index_copy / "CURRENT").write_text("")
    with pytest.raises(IndexProblem, match="no index in"):
        store.load_index(index_copy)
    a = Archive(index_copy, records=[SEEDS])
    a.open()
    assert a.current.manifest.count == 20
    assert a.ask("Who asked Moscow for railway engineers?").citations


def test_a_manifest_naming_another_model_than_the_one_asked_for(index_copy, embedder):
    before = snapshot(index_copy)
    old_build = _live(index_copy).name
    # another model asked for, not installed: refused, index untouched
    with pytest.raises(IndexProblem, match="is stale: it was built with the model 'all-MiniLM-L6-v2' and "
                                           "'paraphrase-MiniLM-L3-v2' is asked for"):
        Archive(index_copy, model="paraphrase-MiniLM-L3-v2").open(auto_build=False)
    with pytest.raises(ModelError, match="cannot load the embedding model 'paraphrase-MiniLM-L3-v2'"):
        Archive(index_copy, model="paraphrase-MiniLM-L3-v2", records=[SEEDS]).open()
    assert snapshot(index_copy) == before

    # the manifest claims another model (same dimension) than the all-MiniLM-L6-v2 that is asked for
    _recompute(_live(index_copy), model="paraphrase-MiniLM-L3-v2")
    with pytest.raises(IndexProblem, match="built with the model 'paraphrase-MiniLM-L3-v2' and "
                                           "'all-MiniLM-L6-v2' is asked for"):
        Archive(index_copy, model="all-MiniLM-L6-v2").open(auto_build=False)
    # nothing asked for: the index's own model is needed and cannot be loaded, so no answer
    with pytest.raises(ArchiveError, match="cannot load the embedding model 'paraphrase-MiniLM-L3-v2'"):
        Archive(index_copy).open()
    # the model asked for is at hand: rebuilt with it from the manifest's sources, then served
    a = Archive(index_copy, model="all-MiniLM-L6-v2", records=[SEEDS])
    a.open()
    assert a.current.manifest.model == "all-MiniLM-L6-v2" and a.current.path.name != old_build
    ans = a.ask("When did the Soviets postpone uranium prospecting in North Korea?")
    assert ans.index["model"] == "all-MiniLM-L6-v2" and ans.citations[0].hit.record.date.text == "April 12, 1948"


def test_dates_changed_are_refused_and_with_a_recomputed_checksum_read_and_refused(index_copy):
    b = _live(index_copy)
    dates = np.load(b / "dates.npy")
    dates[0, 0] = np.datetime64("1999-01-01")
    np.save(b / "dates.npy", dates)
    _open_refused(index_copy, "dates.npy does not match its checksum in the manifest")
    np.save(b / "dates.npy", dates[:-1])  # one record's range missing, checksum made to agree
    _recompute(b, dates_sha256=store.sha256_file(b / "dates.npy"))
    _open_refused(index_copy, "dates.npy holds (19, 2) datetime64[D], not 20 date ranges")


def test_a_records_line_without_its_id_first_is_refused_by_line(index_copy):
    b = _live(index_copy)
    lines = (b / "records.jsonl").read_bytes().split(b"\n")
    lines[6] = lines[6].replace(b'{"id": ', b'{"Id": ', 1)
    (b / "records.jsonl").write_bytes(b"\n".join(lines))
    _recompute(b, records_sha256=store.sha256_file(b / "records.jsonl"))
    _open_refused(index_copy, "records.jsonl line 7 does not start with its record's id")
