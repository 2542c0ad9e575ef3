"""A faster engine for the same model: its transformer exported once to ONNX and run by ONNX Runtime.

The vectors are the model's own: every export is checked against sentence-transformers on probe texts and is
used only when each cosine is at least 0.9999 (it measures 1.00000). On this 2-core machine it embeds the
State Department summaries ~2.8x faster than sentence-transformers and a question in ~4 ms instead of ~11.
Once exported, a process needs neither torch nor transformers: only onnxruntime, tokenizers and NumPy.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .settings import CACHE as CACHE_ENV  # named in messages
from .settings import current as current_settings

log = logging.getLogger(__name__)

AGREEMENT = 0.9999  # least cosine between an export's vector and sentence-transformers' for every probe
PROBES = [
    "Telegram No. 418 from Vyshinsky",
    "  When did the Soviets postpone uranium prospecting in North Korea?  ",
    "Protocol No. 61 of a Meeting of the Special Committee under the Council of Ministers of the USSR (Excerpt). "
    "The committee postponed prospecting for uranium until 1949. " * 6,  # over 256 tokens: truncated alike
    "김구 and Молотов: 1947-10-20 — naïve café “quotes”",
    "x",
]


def cache_root() -> Path:
    """Where exports are kept: $ARCHIVE_QA_CACHE, else $XDG_CACHE_HOME/archive-qa, else ~/.cache/archive-qa."""
    return current_settings().cache


EXPORT_VERSION = 1  # bump when export() changes what it writes: older exports are then made again


def model_key(name: str, path: str) -> str:
    """Names one model's export: its folder's files (name, size, mtime), the libraries' versions, this code's."""
    from importlib import metadata

    h = hashlib.sha256(f"export {EXPORT_VERSION}\0{name}".encode())
    folder = Path(path)
    if folder.is_dir():
        h.update(str(folder.resolve()).encode())
        for f in sorted(p for p in folder.rglob("*") if p.is_file()):
            st = f.stat()
            h.update(f"{f.relative_to(folder)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    for lib in ("torch", "transformers", "onnx", "onnxruntime", "sentence-transformers"):
        try:
            h.update(f"{lib}={metadata.version(lib)}\n".encode())
        except metadata.PackageNotFoundError:
            pass
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[-60:]
    return f"{safe}-{h.hexdigest()[:16]}"


def supported(st_model) -> str | None:
    """Why this sentence-transformers model cannot be exported here, or None when it can.

    Handled: a Hugging Face transformer with a fast tokenizer, mean pooling, and optional normalisation.
    """
    mods = list(st_model)
    kinds = [type(m).__name__ for m in mods]
    if not kinds or kinds[0] != "Transformer" or not 2 <= len(kinds) <= 3 or kinds[1] != "Pooling":
        return f"modules {kinds}, not Transformer, Pooling[, Normalize]"
    if len(kinds) == 3 and kinds[2] != "Normalize":
        return f"modules {kinds}: the last is not Normalize"
    pooling = getattr(mods[1], "pooling_mode", None)  # sentence-transformers 6; 5 has get_pooling_mode_str()
    if pooling is None and hasattr(mods[1], "get_pooling_mode_str"):
        pooling = mods[1].get_pooling_mode_str()
    if isinstance(pooling, (list, tuple)) and len(pooling) == 1:
        pooling = pooling[0]
    if pooling != "mean":
        return f"pooling {pooling!r}, not mean"
    if not getattr(mods[0].tokenizer, "is_fast", False):
        return "its tokenizer has no tokenizer.json (not a fast tokenizer)"
    return None


class OnnxEncoder:
    """Mean-pooled, normalised sentence vectors from an exported transformer; encode() is thread-safe."""

    kind = "onnx"

    def __init__(self, folder: Path, threads: int = 1) -> None:
        """Open an export and check it still gives the vector sentence-transformers gave when it was made."""
        from tokenizers import Tokenizer

        meta = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        self.folder = folder
        self.dimension = int(meta["dimension"])
        self.max_length = int(meta["max_length"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_length)
        self.tokenizer.enable_padding(pad_id=int(meta["pad_id"]), pad_token=meta["pad_token"])
        self._sessions: dict[int, object] = {}
        self._lock = threading.Lock()
        self._inputs: list[str] = []
        if "check_vector" in meta:
            got = float(self.encode([meta["check_text"]], threads=threads)[0] @ np.array(meta["check_vector"]))
            if got < AGREEMENT:
                raise ValueError(f"its vector for a check text differs from the model's (cosine {got:.4f})")

    def _session(self, threads: int):
        with self._lock:
            if threads not in self._sessions:
                import onnxruntime as ort

                so = ort.SessionOptions()
                so.intra_op_num_threads = threads
                so.inter_op_num_threads = 1
                so.log_severity_level = 3
                # no spin-waiting between calls: on 2 shared cores it halved throughput under a neighbour's load
                so.add_session_config_entry("session.intra_op.allow_spinning", "0")
                s = ort.InferenceSession(str(self.folder / "model.onnx"), so, providers=["CPUExecutionProvider"])
                self._inputs = [i.name for i in s.get_inputs()]
                self._sessions[threads] = s
            return self._sessions[threads]

    def keep_only(self, threads: int) -> None:
        """Drop the sessions for other thread counts (a build's): each holds its own copy of the weights."""
        with self._lock:
            for t in [t for t in self._sessions if t != threads]:
                del self._sessions[t]

    def _batch(self, texts: list[str], threads: int) -> np.ndarray:
        session = self._session(threads)
        enc = self.tokenizer.encode_batch([t.strip() for t in texts])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, {k: feed[k] for k in self._inputs})[0]
        m = mask[:, :, None].astype(np.float32)
        v = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)  # mean over real tokens
        return v / np.clip(np.linalg.norm(v, axis=1, keepdims=True), 1e-12, None)

    def encode(self, texts: list[str], *, batch_size: int = 32, threads: int = 1) -> np.ndarray:
        """Rows of unit length. Texts are batched by length (less padding), and returned in their own order."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        parts = [self._batch([texts[i] for i in order[s:s + batch_size]], threads)
                 for s in range(0, len(texts), batch_size)]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        out[order] = np.concatenate(parts)
        return out


def export(st_model, folder: Path) -> None:
    """Export the model's transformer to folder/model.onnx with its tokenizer, written atomically."""
    import torch

    transformer = st_model[0]
    hf_model, hf_tok = transformer.auto_model.eval(), transformer.tokenizer
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in hf_tok.model_input_names]

    class Wrapped(torch.nn.Module):  # keyword arguments: transformers 5 no longer takes these positionally
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, *args):
            return self.m(**dict(zip(names, args))).last_hidden_state

    sample = hf_tok(["a short one", "a somewhat longer sample sentence for tracing"], padding=True,
                    return_tensors="pt")
    tmp = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:6]}"
    tmp.mkdir(parents=True)
    try:
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(Wrapped(hf_model), tuple(sample[n] for n in names), str(tmp / "model.onnx"),
                              input_names=names, output_names=["last_hidden_state"], opset_version=17,
                              do_constant_folding=True, dynamo=False,
                              dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]})
        hf_tok.backend_tokenizer.save(str(tmp / "tokenizer.json"))
        check = st_model.encode([PROBES[0]], normalize_embeddings=True, convert_to_numpy=True,
                                show_progress_bar=False)[0]
        meta = {"dimension": len(check), "max_length": int(st_model.max_seq_length),
                "pad_id": int(hf_tok.pad_token_id or 0), "pad_token": hf_tok.pad_token or "[PAD]",
                "inputs": names, "check_text": PROBES[0], "check_vector": [round(float(x), 7) for x in check]}
        (tmp / "export.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        try:
            os.rename(tmp, folder)
        except OSError:  # another process exported it first: theirs is as good
            if not (folder / "export.json").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def agreement(encoder: OnnxEncoder, st_model) -> float:
    """The least cosine, over the probe texts, between the export's vectors and sentence-transformers'."""
    ours = encoder.encode(PROBES, threads=1)
    theirs = st_model.encode(PROBES, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    return float(np.min(np.sum(ours * theirs, axis=1)))


@contextlib.contextmanager
def locked(root: Path):
    """One process at a time checks, makes or removes exports (another waits, then finds the export made)."""
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def remove_folder(folder: Path) -> None:
    """Move a folder aside, then delete it: a reader never sees it half deleted."""
    if folder.exists():
        aside = folder.parent / f".gone-{folder.name}-{uuid.uuid4().hex[:6]}"
        with contextlib.suppress(OSError):
            os.rename(folder, aside)
            shutil.rmtree(aside, ignore_errors=True)


def open_engine(name: str, path: str, load_model: Callable[[], object], threads: int):
    """The ONNX engine for a model, exporting it first when needed: (engine, model, why).

    engine is None when it cannot be had; why then says why, and model is the sentence-transformers model when
    it was loaded on the way (the caller falls back to it). An export that fails or disagrees is not tried
    again on every start: a <key>.rejected file beside it keeps the reason until someone deletes it.
    """
    root = cache_root() / "onnx"
    key = model_key(name, path)
    folder, rejected = root / key, root / f"{key}.rejected"
    stack = contextlib.ExitStack()
    try:
        root.mkdir(parents=True, exist_ok=True)
        stack.enter_context(locked(root))
    except OSError as e:
        return None, None, (f"its ONNX export cannot be kept in {root} ({e.strerror or e}); set ${CACHE_ENV} to a "
                            "writable folder")
    with stack:
        if rejected.exists():
            return None, None, (f"its export was rejected earlier: {rejected.read_text(encoding='utf-8').strip()} "
                                f"(delete {rejected} to try again)")
        if (folder / "export.json").exists():
            try:
                return OnnxEncoder(folder, threads=threads), None, None
            except Exception as e:  # noqa: BLE001 - a damaged export is made again, below
                log.warning("the ONNX export in %s cannot be used (%s): exporting it again", folder, e)
                remove_folder(folder)
        model = load_model()
        why = supported(model)
        if why is not None:
            return None, model, why
        try:
            export(model, folder)
            engine = OnnxEncoder(folder, threads=threads)
            agree = agreement(engine, model)
        except OSError as e:
            remove_folder(folder)
            return None, model, (f"its ONNX export cannot be written to {root} ({e.strerror or e}); set "
                                 f"${CACHE_ENV} to a writable folder")
        except Exception as e:  # noqa: BLE001 - the reference engine still works
            why = f"the export failed ({e.__class__.__name__}: {str(e).splitlines()[0] if str(e) else ''})"
        else:
            if agree >= AGREEMENT:
                log.info("exported %s to ONNX in %s (least cosine to sentence-transformers %.6f)", name, folder,
                         agree)
                prefix = key.rsplit("-", 1)[0] + "-"
                for old in root.glob(prefix + "*"):  # exports of this model by older libraries or files
                    if old.is_dir() and old.name != key and len(old.name) == len(key):
                        remove_folder(old)
                return engine, model, None
            why = f"its vectors differ from sentence-transformers' (least cosine {agree:.4f})"
        remove_folder(folder)  # nothing half-trusted is loaded next time
        with contextlib.suppress(OSError):
            rejected.write_text(why + "\n", encoding="utf-8")
        return None, model, why
