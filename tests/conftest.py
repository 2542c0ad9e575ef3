"""Shared fixtures: the real model, loaded once per session, and a real index of the seed records on disk."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before any Hugging Face import

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def embedder():
    from qa.embed import Embedder

    return Embedder().load()


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory, embedder) -> Path:
    """An index of the seed records, built once; tests that change an index copy it first."""
    from qa.build import build

    d = tmp_path_factory.mktemp("seed-index") / "index"
    build([SEEDS], d, embedder)
    return d


@pytest.fixture(scope="session")
def seed_archive(seed_index_dir):
    from qa.archive import Archive

    a = Archive(seed_index_dir, records=[SEEDS])
    a.open()
    return a


@pytest.fixture
def index_copy(seed_index_dir, tmp_path) -> Path:
    """A private copy of the seed index that a test may damage or rebuild."""
    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    return d


def snapshot(d: Path) -> dict[str, bytes]:
    """Every file under an index folder with its bytes, to show a failed build changed nothing."""
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}
