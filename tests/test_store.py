import json
import os
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, SEEDS, snapshot
from qa import store
from qa.archive import Archive
from qa.build import build
from qa.errors import IndexProblem, RecordsError


def _live(d: Path) -> Path:
    return d / (d / "CURRENT").read_text().strip()


def test_round_trip_keeps_records_vectors_and_manifest(seed_index_dir, embedder):
    loaded = store.load_index(seed_index_dir)
    m = loaded.manifest
    assert m.count == 20 and m.dimension == 384 and m.model == "all-MiniLM-L6-v2"
    assert m.index_type == "IndexFlatIP" and m.format_version == store.FORMAT_VERSION
    assert m.date_from == "1942-02-01" and m.date_to == "1948-07-11"
    assert set(m.versions) >= {"faiss-cpu", "sentence-transformers", "torch", "numpy"}
    assert sorted(os.listdir(loaded.path)) == sorted(store.FILES)
    assert m.records_sha256 == store.sha256_file(loaded.path / "records.jsonl")
    assert m.index_sha256 == store.sha256_file(loaded.path / "index.faiss")
    from qa.records import read_records

    fresh = read_records([SEEDS]).records
    assert list(loaded.records) == fresh  # row i is record i, every field intact
    from qa.build import embedding_text

    stored = loaded.faiss_index.reconstruct_n(0, 20)
    assert np.allclose(stored, embedder.encode([embedding_text(r) for r in fresh]), atol=1e-5)
    assert np.allclose(np.linalg.norm(stored, axis=1), 1.0, atol=1e-5)


def test_rebuild_gives_the_same_ids_and_corpus_hash(seed_index_dir, tmp_path, embedder):
    d = tmp_path / "again"
    build([SEEDS], d, embedder)
    a, b = store.load_index(seed_index_dir), store.load_index(d)
    assert [r.id for r in a.records] == [r.id for r in b.records]
    assert a.manifest.corpus_sha256 == b.manifest.corpus_sha256


def test_bad_records_leave_the_existing_index_exactly_as_it_was(index_copy, embedder):
    before = snapshot(index_copy)
    with pytest.raises(RecordsError):
        build([DATA / "bad_records.txt"], index_copy, embedder)
    assert snapshot(index_copy) == before


def test_a_crashed_build_leaves_the_previous_index_live(index_copy, embedder, monkeypatch):
    before = snapshot(index_copy)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(store, "_prune", boom)  # fails after the new build is written but before cleanup
    monkeypatch.setattr(store.os, "replace", boom)  # fails at the very switch of CURRENT
    with pytest.raises(OSError):
        build([DATA / "good.csv"], index_copy, embedder)
    monkeypatch.undo()
    assert store.load_index(index_copy).manifest.count == 20
    live = _live(index_copy)
    assert {k: v for k, v in snapshot(index_copy).items() if k.startswith(live.name)} == {
        k: v for k, v in before.items() if k.startswith(live.name)}


def test_leftover_temporary_builds_are_swept_by_the_next_build(index_copy, embedder):
    junk = index_copy / ".tmp-build-crashed"
    junk.mkdir()
    (junk / "index.faiss").write_bytes(b"half")
    build([DATA / "good.csv"], index_copy, embedder)
    assert not junk.exists()
    assert store.load_index(index_copy).manifest.count == 3
    assert len(list(index_copy.glob("build-*"))) == 2  # the live build and the last good one before it


def test_a_second_concurrent_build_is_refused(index_copy, embedder):
    with store.build_lock(index_copy):
        with pytest.raises(IndexProblem, match="another build .* is in progress"):
            build([SEEDS], index_copy, embedder)


@pytest.mark.parametrize("damage, says", [
    (lambda b: (b / "index.faiss").write_bytes((b / "index.faiss").read_bytes()[:-100]),
     "index.faiss does not match its checksum"),
    (lambda b: (b / "index.faiss").write_bytes(b""), "index.faiss does not match its checksum"),
    (lambda b: _flip(b / "index.faiss", 500), "index.faiss does not match its checksum"),
    (lambda b: _flip(b / "records.jsonl", 10), "records.jsonl does not match its checksum"),
    (lambda b: (b / "records.jsonl").write_text(
        "".join((b / "records.jsonl").read_text().splitlines(keepends=True)[:-1])),
     "records.jsonl does not match its checksum"),
    (lambda b: (b / "records.jsonl").unlink(), "records.jsonl is missing"),
    (lambda b: _flip(next((b / "bm25").glob("data*")), 20), "the keyword index (bm25/) does not match"),
    (lambda b: __import__("shutil").rmtree(b / "bm25"), "bm25 is missing"),
    (lambda b: (b / "manifest.json").write_text("{not json"), "manifest.json cannot be read"),
    (lambda b: (b / "manifest.json").unlink(), "manifest.json is missing"),
    (lambda b: _edit_manifest(b, count=21), "the manifest says 21 records"),
    (lambda b: _edit_manifest(b, dimension=768), "dimension 384, the manifest says 768"),
    (lambda b: _edit_manifest(b, format_version=99), "format version 99"),
])
def test_damaged_index_is_refused_with_the_fix(index_copy, damage, says):
    damage(_live(index_copy))
    with pytest.raises(IndexProblem) as e:
        store.load_index(index_copy)
    assert says in str(e.value)
    assert f"archive-qa build --index {index_copy}" in str(e.value)


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_manifest(build_dir: Path, **changes) -> None:
    m = json.loads((build_dir / "manifest.json").read_text())
    m.update(changes)
    (build_dir / "manifest.json").write_text(json.dumps(m))


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexProblem, match="no index in .*archive-qa build"):
        store.load_index(tmp_path / "none")
    with pytest.raises(IndexProblem, match="no index"):
        Archive(tmp_path / "none").open(auto_build=False)


def test_index_from_another_model_dimension_is_refused(index_copy):
    _edit_manifest(_live(index_copy), dimension=768)
    # a consistent index of dimension 768 would still not fit this 384-dimensional model
    import faiss

    b = _live(index_copy)
    fi = faiss.IndexFlatIP(768)
    fi.add(np.zeros((20, 768), np.float32))
    (b / "index.faiss").write_bytes(faiss.serialize_index(fi).tobytes())
    _edit_manifest(b, index_sha256=store.sha256_file(b / "index.faiss"))
    with pytest.raises(IndexProblem, match="dimension 768 but the model 'all-MiniLM-L6-v2' makes 384"):
        Archive(index_copy).open(auto_build=False)


@pytest.fixture
def small_build(tmp_path, embedder) -> tuple[Path, Path]:
    """A records folder holding good.csv and an index built from it."""
    recs = tmp_path / "records"
    recs.mkdir()
    (recs / "a.csv").write_text((DATA / "good.csv").read_text())
    d = tmp_path / "index"
    build([recs], d, embedder)
    return recs, d


def test_stale_index_is_rebuilt_with_a_log_line(small_build, caplog):
    recs, d = small_build
    assert store.staleness(store.read_manifest(d)[1]) is None
    (recs / "b.jsonl").write_text((DATA / "good.jsonl").read_text())
    assert "new records file appeared" in store.staleness(store.read_manifest(d)[1])
    with caplog.at_level("WARNING"):
        a = Archive(d)
        a.open()
    assert "is stale (a new records file appeared" in caplog.text
    assert a.current.manifest.count == 6
    (recs / "a.csv").write_text((DATA / "good.csv").read_text().replace("Protocol No. 61", "Protocol No. 62"))
    assert "changed since the index was built" in store.staleness(store.read_manifest(d)[1])
    with pytest.raises(IndexProblem, match="is stale"):
        Archive(d).open(auto_build=False)


def test_an_index_in_an_older_format_is_rebuilt_from_its_own_records(small_build, caplog):
    """An index written by an older archive-qa is rebuilt from the records its manifest names, not from the
    records a new index would be built from (the seeds, by default): the user's collection stays theirs."""
    recs, d = small_build
    _edit_manifest(_live(d), format_version=store.FORMAT_VERSION - 1)
    with pytest.raises(IndexProblem, match="format version"):
        Archive(d).open(auto_build=False)
    with caplog.at_level("WARNING"):
        a = Archive(d)  # the default records: the seeds, 20 records
        a.open()
    assert f"rebuilding it from {recs}" in caplog.text
    assert a.current.manifest.count == 3 and a.current.manifest.format_version == store.FORMAT_VERSION


def test_stale_index_whose_records_broke_keeps_answering(small_build, caplog):
    recs, d = small_build
    before = snapshot(d)
    (recs / "b.txt").write_text((DATA / "bad_records.txt").read_text())
    with caplog.at_level("WARNING"):
        a = Archive(d)
        a.open()
    assert "the rebuild failed" in caplog.text and "February 30, 1947" in caplog.text
    assert a.current.manifest.count == 3
    assert snapshot(d) == before


def test_missing_index_is_built_on_open(tmp_path, caplog):
    d = tmp_path / "index"
    with caplog.at_level("WARNING"):
        a = Archive(d, records=[DATA / "good.csv"])
        a.open()
    assert "no index in" in caplog.text
    assert a.current.manifest.count == 3


def test_a_rebuild_after_a_small_change_embeds_only_what_changed(tmp_path, embedder):
    recs = tmp_path / "records"
    recs.mkdir()
    (recs / "korea.txt").write_text((SEEDS / "korea-1942-1948.txt").read_text())
    d = tmp_path / "index"
    first = build([recs], d, embedder)
    assert (first.embedded, first.cached) == (20, 0)
    (recs / "more.csv").write_text((DATA / "good.csv").read_text())
    second = build([recs], d, embedder)
    assert (second.embedded, second.cached) == (3, 20)
    text = (recs / "korea.txt").read_text().replace("beryllium.", "beryllium and uranium.")
    (recs / "korea.txt").write_text(text)
    (recs / "more.csv").unlink()
    third = build([recs], d, embedder)
    assert (third.embedded, third.cached) == (1, 19)
    loaded = store.load_index(d)
    assert loaded.manifest.count == 20 and not any(r.title == "Protocol No. 61" for r in loaded.records)
    # the cached vectors are the model's: a fresh build from scratch gives the same index
    fresh = tmp_path / "fresh"
    build([recs], fresh, embedder)
    a = loaded.faiss_index.reconstruct_n(0, 20)
    b = store.load_index(fresh).faiss_index.reconstruct_n(0, 20)
    assert np.allclose(a, b, atol=1e-5)


def test_large_collections_get_an_ivf_index_with_measured_recall(tmp_path, monkeypatch):
    """Above EXACT_LIMIT the index is IVF,SQ8; its filtered and unfiltered top-10 stay close to exact search."""
    from datetime import date

    from qa.records import Record, record_id
    from qa.dates import parse_date

    monkeypatch.setattr(store, "EXACT_LIMIT", 1000)
    rng = np.random.default_rng(7)
    n, d = 20000, 32
    centers = rng.normal(size=(200, d))
    vecs = centers[rng.integers(0, 200, n)] + 0.3 * rng.normal(size=(n, d))
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    records = []
    for i in range(n):
        dt = f"{1900 + i % 100}-{1 + i % 12:02d}"
        records.append(Record(record_id(dt, f"t{i}", "s"), parse_date(dt), f"t{i}", f"summary {i}", "f", i + 1))
    m = store.write_index(tmp_path / "i", records, vecs, model="synthetic", sources=[], source_files=[])
    assert m.index_type == "IVF512,SQ8" and m.index_params["nprobe"] == 64
    loaded = store.load_index(tmp_path / "i")
    queries = vecs[rng.integers(0, n, 50)] + 0.05 * rng.normal(size=(50, d)).astype(np.float32)
    recall, recall_filtered = [], []
    lo, hi = date(1950, 1, 1), date(1954, 12, 31)
    mask = loaded.within(lo, hi)
    assert mask.sum() == n // 20
    for q in queries:
        q = (q / np.linalg.norm(q)).astype(np.float32)
        exact = set(np.argsort(-(vecs @ q))[:10])
        ids, _ = loaded.dense(q, 10)
        recall.append(len(exact & set(ids.tolist())) / 10)
        allowed = np.flatnonzero(mask)
        exact_f = set(allowed[np.argsort(-(vecs[allowed] @ q))[:10]])
        ids_f, _ = loaded.dense(q, 10, mask)
        assert mask[ids_f].all()
        recall_filtered.append(len(exact_f & set(ids_f.tolist())) / 10)
    assert np.mean(recall) >= 0.9 and np.mean(recall_filtered) >= 0.9, (np.mean(recall), np.mean(recall_filtered))
    assert abs(loaded.faiss_index.reconstruct(5) @ vecs[5] - 1) < 0.02  # read-back vectors for cited records


def _refuse(index_copy, vectors, says, **kw):
    from qa.records import read_records

    records = read_records([SEEDS]).records
    before = snapshot(index_copy)
    with pytest.raises(IndexProblem) as e:
        store.write_index(index_copy, records, vectors, model="all-MiniLM-L6-v2", sources=[], source_files=[],
                          **kw)
    assert says in str(e.value) and "Nothing was changed" in str(e.value), str(e.value)
    assert "build again" in str(e.value) and "ARCHIVE_QA_BACKEND=torch" in str(e.value)
    assert snapshot(index_copy) == before  # nothing already built changes
    return str(e.value)


@pytest.mark.parametrize("spoil, says", [
    (lambda v: v.__setitem__((4, 7), np.nan),
     "1 of 20 vectors are not finite unit vectors (row 5 is not finite"),
    (lambda v: v.__setitem__((0, 0), np.inf), "(row 1 is not finite"),
    (lambda v: v.__setitem__(slice(2, 5), v[2:5] * 1.01),
     "3 of 20 vectors are not finite unit vectors (row 3 has length 1.01, not 1"),
    (lambda v: v.__setitem__(slice(None), v * 0), "20 of 20 vectors"),
])
def test_write_index_refuses_vectors_that_are_not_finite_unit_rows(index_copy, seed_index_dir, spoil, says):
    good = store.load_index(seed_index_dir).faiss_index.reconstruct_n(0, 20)
    spoil(good)
    msg = _refuse(index_copy, good, says, dimension=384)
    assert msg.startswith(f"refusing to write the index in {index_copy}: the vectors of all-MiniLM-L6-v2 "
                          "are not fit to search")


def test_write_index_refuses_vectors_of_another_dimension(index_copy, seed_index_dir):
    good = store.load_index(seed_index_dir).faiss_index.reconstruct_n(0, 20)
    _refuse(index_copy, good, "shape (20, 384), not rows of dimension 768", dimension=768)
    # sound vectors of the right width are written
    from qa.records import read_records

    m = store.write_index(index_copy, read_records([SEEDS]).records, good, model="all-MiniLM-L6-v2",
                          sources=[], source_files=[], dimension=384)
    assert m.count == 20 and store.load_index(index_copy).manifest.corpus_sha256 == m.corpus_sha256
