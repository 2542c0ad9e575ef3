"""The ONNX engine: the same vectors as sentence-transformers, made once, checked, and given up when wrong."""

import logging

import numpy as np
import pytest

from conftest import SEEDS
from qa import embed, onnx_engine, settings
from qa.build import embedding_text
from qa.errors import SettingError
from qa.records import read_records


@pytest.fixture(scope="module")
def reference(embedder):
    """sentence-transformers itself, for the same model."""
    return embed._load_model(embedder.name, embedder.path)


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """An empty export cache and no engine loaded for the default model; the session's engine comes back after."""
    monkeypatch.setenv(onnx_engine.CACHE_ENV, str(tmp_path / "cache"))
    path = embed.Embedder().path
    saved = embed._LOADED.pop(path, None)
    yield tmp_path / "cache"
    embed._LOADED.pop(path, None)
    if saved is not None:
        embed._LOADED[path] = saved


def test_the_default_engine_is_onnx_and_gives_sentence_transformers_vectors(embedder, reference):
    assert embedder.backend == "onnx" and embedder.dimension == 384
    texts = [embedding_text(r) for r in read_records([SEEDS]).records] + onnx_engine.PROBES
    ours = embedder.encode(texts)
    theirs = reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(ours * theirs, axis=1)) >= 0.99999
    # the same text gets the same vector alone, in a batch, and in a build's slices of any order
    alone = np.vstack([embedder.encode([t]) for t in texts[:5]])
    assert np.allclose(alone, ours[:5], atol=1e-5)
    shuffled = list(reversed(texts))
    assert np.allclose(embedder.encode(shuffled, background=True)[::-1], ours, atol=1e-5)


def test_an_export_is_made_once_and_then_loaded_without_torch(fresh, caplog):
    with caplog.at_level(logging.INFO, logger="qa"):
        e = embed.Embedder().load()
    assert e.backend == "onnx" and "exported all-MiniLM-L6-v2 to ONNX" in caplog.text
    [folder] = [p for p in (fresh / "onnx").iterdir() if p.is_dir()]
    assert sorted(p.name for p in folder.iterdir()) == ["export.json", "model.onnx", "tokenizer.json"]
    assert [p.name for p in (fresh / "onnx").iterdir() if p.name.startswith(".")] == [".lock"]  # no temp folder
    import subprocess
    import sys

    code = ("import sys; from qa.embed import Embedder; e = Embedder().load(); v = e.encode(['uranium']); "
            "print(e.backend, v.shape, 'torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, onnx_engine.CACHE_ENV: str(fresh)}, check=True)
    assert out.stdout.split() == ["onnx", "(1,", "384)", "False", "False"], out.stderr


def test_a_damaged_export_is_made_again(fresh, caplog):
    embed.Embedder().load()
    [folder] = [p for p in (fresh / "onnx").iterdir() if p.is_dir()]
    (folder / "model.onnx").write_bytes(b"not a model")
    embed._LOADED.clear()
    with caplog.at_level(logging.WARNING, logger="qa"):
        e = embed.Embedder().load()
        v = e.encode(["uranium prospecting"])
    assert e.backend == "onnx" and "cannot be used" in caplog.text and v.shape == (1, 384)


def test_an_export_that_disagrees_is_dropped_for_sentence_transformers(fresh, monkeypatch, caplog):
    monkeypatch.setattr(onnx_engine, "agreement", lambda engine, model: 0.98)  # as if the export were off
    with caplog.at_level(logging.WARNING, logger="qa"):
        e = embed.Embedder().load()
    assert e.backend == "torch" and "its vectors differ from sentence-transformers' (least cosine 0.9800)" in caplog.text
    left = sorted(p.name for p in (fresh / "onnx").iterdir())
    assert len(left) == 2 and left[0] == ".lock" and left[1].endswith(".rejected")  # no export is left to load
    # the next start does not export again: it says why, and how to try again
    monkeypatch.undo()
    monkeypatch.setenv(onnx_engine.CACHE_ENV, str(fresh))
    embed._LOADED.clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="qa"):
        assert embed.Embedder().load().backend == "torch"
    assert "its export was rejected earlier: its vectors differ" in caplog.text and "to try again" in caplog.text
    (fresh / "onnx" / left[1]).unlink()
    embed._LOADED.clear()
    assert embed.Embedder().load().backend == "onnx"


def test_the_torch_engine_on_request_and_a_bad_request_named(fresh, monkeypatch):
    monkeypatch.setenv(settings.BACKEND, "torch")
    e = embed.Embedder().load()
    assert e.backend == "torch" and e.encode(["a question"]).shape == (1, 384)
    assert not (fresh / "onnx").exists()
    embed._LOADED.clear()
    monkeypatch.setenv(settings.BACKEND, "cuda")
    with pytest.raises(SettingError, match=r"^ARCHIVE_QA_BACKEND must be 'onnx' \(the default\) or 'torch', "
                                           r"not 'cuda'$"):
        embed.Embedder().load()


def test_models_it_cannot_export_are_named_with_the_reason(reference):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Pooling

    assert onnx_engine.supported(reference) is None
    cls = SentenceTransformer(modules=[reference[0], Pooling(384, pooling_mode="cls")], device="cpu")
    assert onnx_engine.supported(cls) == "pooling 'cls', not mean"
    bare = SentenceTransformer(modules=[reference[0]], device="cpu")
    assert "not Transformer, Pooling[, Normalize]" in onnx_engine.supported(bare)


def test_an_unwritable_cache_says_what_to_set(fresh, monkeypatch, caplog):
    monkeypatch.setenv(onnx_engine.CACHE_ENV, "/dev/null/cache")
    with caplog.at_level(logging.WARNING, logger="qa"):
        e = embed.Embedder().load()
    assert e.backend == "torch" and e.encode(["uranium"]).shape == (1, 384)
    assert "its ONNX export cannot be kept in /dev/null/cache/onnx" in caplog.text
    assert "set $ARCHIVE_QA_CACHE to a writable folder" in caplog.text


def test_an_empty_backend_setting_means_the_default(fresh, monkeypatch):
    monkeypatch.setenv(settings.BACKEND, "")
    assert embed.Embedder().load().backend == "onnx"


def test_a_build_session_is_dropped_after_the_build(embedder):
    engine = embedder._engine()
    engine.encode(["one", "two"], threads=1)
    engine.encode(["one", "two"], threads=2)
    assert {1, 2} <= set(engine._sessions)
    engine.keep_only(1)
    assert set(engine._sessions) == {1}
    assert engine.encode(["three"], threads=1).shape == (1, 384)


def test_cores_follow_the_affinity():
    import os

    assert 1 <= embed.cores() <= len(os.sched_getaffinity(0))
