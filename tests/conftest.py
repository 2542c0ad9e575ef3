"""Shared fixtures: the real model, loaded once per session, and a real index of the seed records on disk."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before any Hugging Face import

import atexit
import contextlib
import shutil
import tempfile
from pathlib import Path

# The model's ONNX export (qa/onnx_engine.py) is made once per test session in a folder of its own, so the
# suite neither reads nor writes the user's ~/.cache; the CLI and app processes the tests start inherit it.
_CACHE = tempfile.mkdtemp(prefix="archive-qa-test-cache-")
os.environ["ARCHIVE_QA_CACHE"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"
# 7,535 real records of the US State Department's Office of the Historian (CC0), copied from ../shared/data
HSG = DATA / "hsg-visits-travels.jsonl"


@pytest.fixture(scope="session")
def embedder():
    from qa.embed import Embedder

    return Embedder().load()


def made_up_archive(folder: Path, rows: list[tuple[str, str, str]], embedder):
    """An opened archive over a made-up collection: (date, title, summary) rows written as JSON lines in
    folder, built there with the real model."""
    import json

    from qa.archive import Archive
    from qa.build import build

    records = folder / "records.jsonl"
    lines = (json.dumps({"date": dt, "title": t, "summary": s}) + "\n" for dt, t, s in rows)
    records.write_text("".join(lines))
    build([records], folder / "index", embedder)
    a = Archive(folder / "index", records=[records])
    a.open()
    return a


@pytest.fixture(scope="session")
def hsg_archive(tmp_path_factory, embedder):
    """An index of the 7,535 State Department records, built once for the session."""
    from qa.archive import Archive

    a = Archive(tmp_path_factory.mktemp("hsg-index") / "index", records=[HSG])
    a.open()
    return a


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory, embedder) -> Path:
    """An index of the seed records, built once; tests that change an index copy it first."""
    from qa.build import build

    d = tmp_path_factory.mktemp("seed-index") / "index"
    build([SEEDS], d, embedder)
    return d


def _opened(index_dir: Path):
    from qa.archive import Archive

    a = Archive(index_dir, records=[SEEDS])
    a.open()
    return a


@pytest.fixture(scope="session")
def seed_archive(seed_index_dir):
    return _opened(seed_index_dir)


@pytest.fixture
def index_copy(seed_index_dir, tmp_path) -> Path:
    """A private copy of the seed index that a test may damage or rebuild."""
    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    return d


def snapshot(d: Path) -> dict[str, bytes]:
    """Every file under an index folder with its bytes, to show a failed build changed nothing."""
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(base: Path, records: Path, index: Path | None = None, env: dict | None = None,
                args: list[str] | None = None):
    """A real app.py process on a free loopback port over these records (and index, when given)."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    log_path = base / f"server-{port}.log"
    log = open(log_path, "w")
    env = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", **(env or {}))
    index = index or base / "index"
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), "--index", str(index),
                             "--records", str(records), *(args or [])],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app.py did not answer in time:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield {"url": url, "index": index, "records": records, "log": log_path, "proc": proc}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def app_over_seed_copies(base: Path, seed_index: Path, args: list[str] | None = None):
    """A real app.py over its own copies, in base, of the seed records and a seed index."""
    records = base / "seeds"
    shutil.copytree(SEEDS, records)
    index = base / "index"
    shutil.copytree(seed_index, index)
    with running_app(base, records, index, args=args) as srv:
        yield srv


@pytest.fixture(scope="session")
def server(tmp_path_factory, seed_index_dir):
    """The app over its own copy of the seed records and index."""
    with app_over_seed_copies(tmp_path_factory.mktemp("server"), seed_index_dir) as srv:
        yield srv


@pytest.fixture(scope="session")
def client(server):
    from gradio_client import Client

    return Client(server["url"], verbose=False, analytics_enabled=False)


@pytest.fixture(scope="session")
def llm_url(tmp_path_factory):
    """A real llama.cpp server with Gemma 3 270M on loopback for the session (tests/llm_server.py)."""
    import llm_server

    why = llm_server.missing()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the writer's test model cannot run in CI: {why}")
        pytest.skip(why)
    folder = tmp_path_factory.mktemp("llm")
    gguf = llm_server.assemble(Path(_CACHE) / "gguf")
    with llm_server.serving(gguf, folder / "server.log") as url:
        yield url
