"""Builds that stream (qa/spool.py): a large JSONL file read a line at a time gives exactly what reading it
whole gives, keyword tokens kept as ids give bm25s' own scores, vectors on disk read back as written, and a
spooled build is the build of the same records held in memory."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import DATA, HSG, SEEDS

from qa import records as rec
from qa.keywords import KeywordIndex, Tokens, _bm25s, record_tokens
from qa.records import read_records
from qa.spool import VectorFile, spool


def _same(a, b) -> None:
    assert [r.to_json() for r in a.records] == [r.to_json() for r in b.records]
    assert [str(p) for p in a.problems] == [str(p) for p in b.problems]
    assert [str(p) for p in a.duplicates] == [str(p) for p in b.duplicates]
    assert [str(p) for p in a.notes] == [str(p) for p in b.notes]


@pytest.mark.parametrize("name", ["good.jsonl", "bad.jsonl", "hostile_records.jsonl",
                                  "hsg-visits-travels.jsonl"])
def test_a_jsonl_file_read_a_line_at_a_time_gives_what_reading_it_whole_gives(monkeypatch, name):
    whole = read_records([DATA / name])
    monkeypatch.setattr(rec, "STREAM_BYTES", 0)
    _same(read_records([DATA / name]), whole)


@pytest.mark.parametrize("content", [
    b"", b"   \n\n",
    b"\xef\xbb\xbf" + json.dumps({"date": "1947", "title": "t", "summary": "s"}).encode() + b"\n",
    b'{"date": "1947", "title": "a", "summary": "b"}\n{"date": "1947", "title": "\xff", "summary": "c"}\n',
    b'{"date": "1947", "title": "a", "summary": "b\x00"}\n',
    '{"date": "1947", "title": "a", "summary": "b"}\r\n'
    '{"date": "1948", "title": "c\u2028d", "summary": "e"}'.encode(),
    '\ufeff{"date": "1947", "title": "a", "summary": "b"}\n'.encode("utf-16"),
])
def test_odd_jsonl_files_are_reported_alike_either_way(tmp_path, monkeypatch, content):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(content)
    whole = read_records([path])
    monkeypatch.setattr(rec, "STREAM_BYTES", 0)
    _same(read_records([path]), whole)


def test_tokens_as_ids_give_bm25s_own_scores():
    records = read_records([SEEDS, HSG]).records
    b = _bm25s().BM25()
    b.index([record_tokens(r) or [""] for r in records], show_progress=False)
    theirs, mine = KeywordIndex(b), KeywordIndex.build(records)
    assert theirs.vocabulary == mine.vocabulary and theirs.n == mine.n
    assert all(theirs.df[theirs.vocab[w]] == mine.df[mine.vocab[w]] for w in theirs.vocab)
    words = sorted(theirs.vocab)
    rng = np.random.default_rng(0)
    for _ in range(50):
        q = list(rng.choice(words, 3))
        assert np.array_equal(theirs.scores(q), mine.scores(q))
    t = Tokens()
    t.add(["a", "b", "a"])
    t.add([])
    assert t.words(0) == ["a", "b", "a"] and t.words(1) == [""] and list(t) == [[0, 1, 0], [2]]
    assert t.vocabulary().vocab == {"a": 0, "b": 1} and t.vocabulary().df.tolist() == [1, 1, 1]


def test_vectors_on_disk_read_back_as_written(tmp_path):
    x = np.random.default_rng(1).standard_normal((1000, 8)).astype(np.float32)
    vf = VectorFile.create(tmp_path / "v.npy", 1000, 8)
    order = np.random.default_rng(2).permutation(1000)
    for a in range(0, 1000, 97):
        vf.write(order[a:a + 97], x[order[a:a + 97]])
    assert np.array_equal(np.load(tmp_path / "v.npy"), x)
    back = VectorFile.open(tmp_path / "v.npy")
    rows = [5, 3, 999, 4, 4, 0]
    assert np.array_equal(back[rows], x[rows]) and np.array_equal(back[10:20], x[10:20])
    assert np.array_equal(back[7], x[7]) and np.array_equal(np.asarray(back), x)
    assert VectorFile.open(tmp_path / "v.npy", 10).shape == (10, 8)


def test_a_spooled_build_is_the_build_of_the_records_in_memory(tmp_path, seed_index_dir):
    """The spool writes records.jsonl byte for byte as the index holds it, with the same dates and hashes."""
    from qa import store

    records = read_records([SEEDS]).records
    sp = spool(iter(records), tmp_path)
    built = store.load_index(seed_index_dir)
    assert sp.path.read_bytes() == (built.path / "records.jsonl").read_bytes()
    assert sp.corpus_sha256 == built.manifest.corpus_sha256 and sp.sha256 == built.manifest.records_sha256
    assert np.array_equal(sp.starts, built.starts) and np.array_equal(sp.ends, built.ends)
    assert [r.id for r in sp.table] == [r.id for r in records]
    assert sp.lengths.tolist() == [len(f"{r.title}. {r.summary}") for r in records]
