"""Every setting archive-qa takes from the environment, read and checked in this one module.

Importing it (qa/__init__.py does, before anything else) also keeps the process offline: no Hugging Face hub
look-ups and no Gradio analytics, unless the environment already says otherwise.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SettingError

# Set before any Hugging Face or Gradio import, here and nowhere else; child processes inherit them.
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
           "GRADIO_ANALYTICS_ENABLED": "False"}
for _name, _value in OFFLINE.items():
    os.environ.setdefault(_name, _value)

HOST = "ARCHIVE_QA_HOST"
PORT = "ARCHIVE_QA_PORT"
INDEX = "ARCHIVE_QA_INDEX"
MODEL = "ARCHIVE_QA_MODEL"
CACHE = "ARCHIVE_QA_CACHE"
BACKEND = "ARCHIVE_QA_BACKEND"
CONCURRENCY = "ARCHIVE_QA_CONCURRENCY"
QUEUE_SIZE = "ARCHIVE_QA_QUEUE_SIZE"
ADMIN_PASSWORD = "ARCHIVE_QA_ADMIN_PASSWORD"
SAVE_FIGURES = "ARCHIVE_QA_SAVE_FIGURES"
LLM = "ARCHIVE_QA_LLM"
LLM_MODEL = "ARCHIVE_QA_LLM_MODEL"
LLM_KEY = "ARCHIVE_QA_LLM_KEY"
LLM_TIMEOUT = "ARCHIVE_QA_LLM_TIMEOUT"
NAMES = (HOST, PORT, INDEX, MODEL, CACHE, BACKEND, CONCURRENCY, QUEUE_SIZE, ADMIN_PASSWORD, SAVE_FIGURES,
         LLM, LLM_MODEL, LLM_KEY, LLM_TIMEOUT)
_ALSO_READ = ("XDG_CACHE_HOME", "HOME")  # where the cache goes when ARCHIVE_QA_CACHE is unset

BACKENDS = ("onnx", "torch")


@dataclass(frozen=True)
class Settings:
    """The settings in force; an empty or unset variable means the default."""

    host: str = "127.0.0.1"
    port: int = 7860
    index: Path | str | None = None  # None: app.py serves <repo>/index, the CLI uses ./index; text: milvus://
    model: str | None = None  # None: the packaged all-MiniLM-L6-v2 (qa/embed.py)
    cache: Path = Path.home() / ".cache" / "archive-qa"
    backend: str = "onnx"
    concurrency: int = 2
    queue_size: int = 64
    admin_password: str | None = None
    save_figures: bool = False
    llm: str | None = None          # the writer: an OpenAI-compatible endpoint's base URL (qa/llm.py)
    llm_model: str | None = None    # its model; None: the first the endpoint lists
    llm_key: str | None = field(default=None, repr=False)  # sent as a Bearer token when set
    llm_timeout: float = 60.0       # seconds the writer may take for one answer


def _whole(name: str, raw: str, lo: int, hi: int) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not lo <= int(text) <= hi:
        raise SettingError(f"{name} must be a whole number from {lo} to {hi:,}, not {raw!r}")
    return int(text)


def _parse(values: dict[str, str]) -> Settings:
    """Settings from the variables' values (unset ones absent); SettingError naming the first bad one."""
    def given(name: str) -> str | None:
        raw = values.get(name)
        return raw if raw is not None and raw.strip() else None

    out: dict = {}
    if (raw := given(HOST)) is not None:
        if any(c.isspace() for c in raw.strip()) or "/" in raw:
            raise SettingError(f"{HOST} must be a host name or IP address such as 127.0.0.1 or 0.0.0.0, "
                               f"not {raw!r}")
        out["host"] = raw.strip()
    if (raw := given(PORT)) is not None:
        out["port"] = _whole(PORT, raw, 1, 65535)
    if (raw := given(INDEX)) is not None:  # a folder, or a milvus:// URL (text: a Path would fold its '//')
        out["index"] = raw.strip() if raw.strip().startswith("milvus://") else Path(raw)
    if (raw := given(MODEL)) is not None:
        out["model"] = raw.strip()
    if (raw := given(CACHE)) is not None:
        out["cache"] = Path(raw)
    else:
        base = given("XDG_CACHE_HOME") or str(Path(given("HOME") or Path.home()) / ".cache")
        out["cache"] = Path(base) / "archive-qa"
    if (raw := given(BACKEND)) is not None:
        if raw.strip().lower() not in BACKENDS:
            raise SettingError(f"{BACKEND} must be 'onnx' (the default) or 'torch', not {raw!r}")
        out["backend"] = raw.strip().lower()
    if (raw := given(CONCURRENCY)) is not None:
        out["concurrency"] = _whole(CONCURRENCY, raw, 1, 64)
    if (raw := given(QUEUE_SIZE)) is not None:
        out["queue_size"] = _whole(QUEUE_SIZE, raw, 1, 10_000)
    if (raw := values.get(ADMIN_PASSWORD)) is not None and raw != "":
        out["admin_password"] = raw
    if (raw := given(SAVE_FIGURES)) is not None:
        if raw.strip() not in ("0", "1"):
            raise SettingError(f"{SAVE_FIGURES} must be 1 (save the figures) or 0 (the default), not {raw!r}")
        out["save_figures"] = raw.strip() == "1"
    if (raw := given(LLM)) is not None:
        out["llm"] = llm_url(raw, LLM)
    if (raw := given(LLM_MODEL)) is not None:
        out["llm_model"] = raw.strip()
    if (raw := values.get(LLM_KEY)) is not None and raw.strip():
        out["llm_key"] = raw.strip()
    if (raw := given(LLM_TIMEOUT)) is not None:
        try:
            seconds = float(raw.strip())
        except ValueError:
            seconds = -1.0
        if not 1 <= seconds <= 600:
            raise SettingError(f"{LLM_TIMEOUT} must be a number of seconds from 1 to 600, not {raw!r}")
        out["llm_timeout"] = seconds
    return Settings(**out)


def llm_url(raw: str, where: str = "--llm") -> str:
    """An OpenAI-compatible endpoint's base URL, checked; SettingError naming where it came from."""
    url = raw.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or any(c.isspace() for c in url) or "://" == url[-3:]:
        raise SettingError(f"{where} must be the base URL of an OpenAI-compatible endpoint, such as "
                           f"http://127.0.0.1:8080/v1 (llama.cpp) or http://localhost:11434/v1 (Ollama), "
                           f"not {raw!r}")
    return url


@functools.lru_cache(maxsize=8)
def _cached(snapshot: tuple[tuple[str, str], ...]) -> Settings:
    return _parse(dict(snapshot))


def current() -> Settings:
    """The settings of this process, checked; read again only when one of the variables changes (tests)."""
    snapshot = tuple((n, os.environ[n]) for n in NAMES + _ALSO_READ if n in os.environ)
    return _cached(snapshot)
