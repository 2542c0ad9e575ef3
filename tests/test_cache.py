"""The embedding cache: a damaged, foreign or old cache is discarded with a warning and its records embedded
again, so the next index holds every record's own vector; a sound cache is used."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import SEEDS
from qa import store
from qa.build import build, embedding_text
from qa.cache import FORMAT, EmbeddingCache, keys_sha256, text_key
from qa.records import read_records
from qa.store import sha256_file

EXTRA = {"date": "1949-03-01", "title": "A memo added after the first build",
         "summary": "A later memo about railway engineers and the uranium mines of Korea."}


@pytest.fixture(scope="module")
def fresh_vectors(embedder) -> dict[str, np.ndarray]:
    """Every record's vector as the model makes it now, by id: what a correct index holds."""
    records = read_records([SEEDS]).records
    extra = _extra_records()
    recs = records + extra
    vecs = embedder.encode([embedding_text(r) for r in recs])
    return {r.id: v for r, v in zip(recs, vecs)}


def _extra_records():
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "extra.jsonl"
        p.write_text(json.dumps(EXTRA) + "\n")
        return read_records([p]).records


@pytest.fixture
def built(tmp_path, embedder) -> tuple[Path, Path, Path]:
    """(records folder, index folder, the cache's folder) after one build of the seed records."""
    recs = tmp_path / "records"
    shutil.copytree(SEEDS, recs)
    index = tmp_path / "index"
    build([recs], index, embedder)
    folder = EmbeddingCache(index, embedder.name).folder
    assert (folder / "keys.txt").exists()
    return recs, index, folder


def _vectors_file(folder: Path) -> Path:
    return next(folder.glob("vectors-*.npy"))


def _header(folder: Path) -> list[str]:
    return (folder / "keys.txt").read_text().split("\n")[0].split(" ")


def _rewrite(folder: Path, keys: list[str] | None = None, vectors: np.ndarray | None = None,
             **fields) -> None:
    """Write keys and/or vectors and a header that vouches for them, as a writer with a bug would."""
    lines = (folder / "keys.txt").read_text().split("\n")
    head, old_keys = lines[0].split(" "), [k for k in lines[1:] if k]
    keys = old_keys if keys is None else keys
    vec = _vectors_file(folder)
    if vectors is not None:
        np.save(vec, vectors)
    head[2], head[3], head[4] = sha256_file(vec), keys_sha256(keys), str(len(keys))
    if vectors is not None:
        head[5] = str(vectors.shape[1])
    for i, name in ((6, "model"),):
        if name in fields:
            head[i] = fields[name]
    (folder / "keys.txt").write_text(" ".join(head) + "\n" + "\n".join(keys) + "\n")


def _flip(path: Path, at: int, bit: int = 6) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 1 << bit
    path.write_bytes(bytes(data))


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _flip_data(folder: Path) -> None:
    vec = _vectors_file(folder)
    _flip(vec, vec.stat().st_size - 7 * 384 * 4 + 3)  # an exponent bit of a vector in the data


def _other_dimension(folder: Path) -> None:
    n = int(_header(folder)[4])
    _rewrite(folder, vectors=_unit(np.random.default_rng(1), n, 768))


def _not_unit(folder: Path) -> None:
    v = np.load(_vectors_file(folder))
    v[3] *= 1.5
    _rewrite(folder, vectors=v)


def _not_finite(folder: Path) -> None:
    v = np.load(_vectors_file(folder))
    v[5, 17] = np.inf
    _rewrite(folder, vectors=v)


def _keys_short(folder: Path) -> None:
    lines = (folder / "keys.txt").read_text().split("\n")
    _rewrite(folder, keys=[k for k in lines[1:] if k][:-1])  # checksums agree; the counts do not


def _old_format(folder: Path) -> None:
    lines = (folder / "keys.txt").read_text().split("\n")
    (folder / "keys.txt").write_text("\n".join([_vectors_file(folder).name] + lines[1:]))


DAMAGE = {
    "vectors: a bit flipped in the data": _flip_data,
    "vectors: a bit flipped in the .npy header": lambda f: _flip(_vectors_file(f), 20, 0),
    "vectors: truncated": lambda f: _vectors_file(f).write_bytes(_vectors_file(f).read_bytes()[:-1000]),
    "vectors: empty": lambda f: _vectors_file(f).write_bytes(b""),
    "vectors: missing": lambda f: _vectors_file(f).unlink(),
    "keys.txt: empty": lambda f: (f / "keys.txt").write_bytes(b""),
    "keys.txt: truncated (fewer keys than vectors)":
        lambda f: (f / "keys.txt").write_bytes((f / "keys.txt").read_bytes()[:-100]),
    "keys.txt: a bit flipped in a key":
        lambda f: _flip(f / "keys.txt", (f / "keys.txt").stat().st_size - 40, 0),
    "keys.txt: a bit flipped in the header": lambda f: _flip(f / "keys.txt", 60, 0),
    "keys and vectors of different lengths, checksums recomputed": _keys_short,
    "vectors of another dimension, checksums recomputed": _other_dimension,
    "vectors of another model (same dimension), checksums recomputed":
        lambda f: _rewrite(f, model="paraphrase-MiniLM-L3-v2"),
    "a vector not of unit length, checksums recomputed": _not_unit,
    "a vector not finite, checksums recomputed": _not_finite,
    "written by an older archive-qa, without checksums": _old_format,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_cache_is_discarded_with_a_warning_and_the_index_holds_each_records_own_vector(
        built, embedder, fresh_vectors, caplog, damage):
    recs, index, folder = built
    DAMAGE[damage](folder)
    (recs / "extra.jsonl").write_text(json.dumps(EXTRA) + "\n")  # the case: one record added
    with caplog.at_level(logging.WARNING, logger="qa"):
        report = build([recs], index, embedder)
    assert "embedding cache" in caplog.text and "is damaged" in caplog.text, caplog.text
    assert report.embedded == 21 and report.cached == 0
    # the seed records the damaged cache held (19 where its keys were cut by one, 21 where unreadable)
    assert report.damaged >= 19
    loaded = store.load_index(index)
    stored = loaded.faiss_index.reconstruct_n(0, loaded.manifest.count)
    expected = np.stack([fresh_vectors[r.id] for r in loaded.records])
    cosines = (stored * expected).sum(axis=1)
    assert cosines.min() >= 0.9999, cosines.round(4)
    assert np.allclose(np.linalg.norm(stored, axis=1), 1.0, atol=1e-4)
    caplog.clear()
    # the cache written by that build is sound again: the next build takes every vector from it, unwarned
    with caplog.at_level(logging.WARNING, logger="qa"):
        again = build([recs], index, embedder)
    assert (again.embedded, again.cached, again.damaged) == (0, 21, 0) and "damaged" not in caplog.text


def test_a_sound_cache_is_used_and_says_nothing(built, embedder, caplog):
    recs, index, folder = built
    assert _header(folder)[0] == FORMAT and _header(folder)[4] == "20" and _header(folder)[5] == "384"
    (recs / "extra.jsonl").write_text(json.dumps(EXTRA) + "\n")
    with caplog.at_level(logging.WARNING, logger="qa"):
        report = build([recs], index, embedder)
    assert (report.embedded, report.cached, report.damaged) == (1, 20, 0) and "damaged" not in caplog.text


def test_the_cli_counts_the_records_embedded_again(built, capsys, caplog):
    from qa.cli import main

    recs, index, folder = built
    _flip_data(folder)
    with caplog.at_level(logging.WARNING, logger="qa"):
        assert main(["build", "--records", str(recs), "--index", str(index)]) == 0
    out, _ = capsys.readouterr()
    assert "20 embedded again in place of damaged cached vectors" in out
    assert "is damaged" in caplog.text and "does not match its checksum in keys.txt" in caplog.text


def test_lookup_keys_come_back_in_the_order_asked(built, embedder):
    recs, index, folder = built
    records = read_records([recs]).records
    keys = [text_key(embedding_text(r)) for r in records]
    cache = EmbeddingCache(index, embedder.name).load(lambda: 384)
    order = [7, 3, 19, 0]
    vectors, missing = cache.lookup([keys[i] for i in order] + ["not-a-key"])
    assert missing == [4] and cache.problem is None
    fresh = embedder.encode([embedding_text(records[i]) for i in order])
    assert ((vectors[:4] * fresh).sum(axis=1) >= 0.9999).all() and not vectors[4].any()
