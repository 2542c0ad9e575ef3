"""A client for any OpenAI-compatible chat endpoint (llama.cpp, Ollama, vLLM, LM Studio, a hosted one).

Two routes of the wire format, plain JSON and server-sent events, over httpx (already installed with Gradio):
GET {url}/models and POST {url}/chat/completions with "stream": true. The URL is the base the OpenAI SDK
would take, ending in /v1. A key, when set, goes as a Bearer token and nowhere else.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from .errors import ArchiveError

# Seconds to wait for a connection; the whole answer has its own limit (Endpoint.timeout).
CONNECT_TIMEOUT = 5.0
# A model that goes on to write the next prompt has finished its answer.
STOP = ["\nQuestion:", "\nRecords:"]


class WriterError(ArchiveError):
    """The writer could not be used: unreachable, too slow, refused, or it answered something not a chat."""


@dataclass(frozen=True)
class Endpoint:
    """Where the writer is and how to ask it."""

    url: str                       # base URL, e.g. http://127.0.0.1:8080/v1
    model: str | None = None       # None: the first model the endpoint lists
    key: str | None = field(default=None, repr=False)
    timeout: float = 60.0          # seconds for a whole answer
    max_tokens: int = 200          # the longest draft asked for (an answer of one to four sentences)

    @classmethod
    def from_settings(cls, url: str | None = None) -> "Endpoint | None":
        """The endpoint of --llm (url) or $ARCHIVE_QA_LLM, with the model, key and time limit of the settings;
        None when neither names one."""
        from . import settings

        config = settings.current()
        url = settings.llm_url(url) if url else config.llm
        if not url:
            return None
        return cls(url, config.llm_model, config.llm_key, config.llm_timeout)

    def headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        if self.key:
            h["Authorization"] = f"Bearer {self.key}"
        return h


_MODELS: dict[str, str] = {}
_MODELS_LOCK = threading.Lock()


def _client():
    try:
        import httpx
    except ImportError as e:  # pragma: no cover - httpx comes with Gradio
        raise WriterError("the writer needs httpx: install it with pip install httpx") from e
    return httpx


def _refused(e: Exception, endpoint: Endpoint) -> WriterError:
    """A transport error as one sentence a user can act on."""
    name = type(e).__name__
    if "Timeout" in name:
        return WriterError(f"the writer at {endpoint.url} did not answer within {endpoint.timeout:g} s "
                           "(ARCHIVE_QA_LLM_TIMEOUT)")
    return WriterError(f"the writer at {endpoint.url} cannot be reached ({name}): is it running? Start it, "
                       "or check --llm / ARCHIVE_QA_LLM")


def _status(r, endpoint: Endpoint) -> WriterError:
    text = r.text[:200].replace("\n", " ") if hasattr(r, "text") else ""
    if r.status_code in (401, 403):
        return WriterError(f"the writer at {endpoint.url} refused the key (HTTP {r.status_code}): set "
                           "ARCHIVE_QA_LLM_KEY to a key it accepts")
    if r.status_code == 404:
        return WriterError(f"the writer at {endpoint.url} has no such model or route (HTTP 404: {text}); the "
                           "URL should end in /v1, and ARCHIVE_QA_LLM_MODEL name a model it serves")
    return WriterError(f"the writer at {endpoint.url} answered HTTP {r.status_code}: {text}")


def model_of(endpoint: Endpoint) -> str:
    """The model to ask: the one set, else the first the endpoint lists (looked up once per URL)."""
    if endpoint.model:
        return endpoint.model
    with _MODELS_LOCK:
        if endpoint.url in _MODELS:
            return _MODELS[endpoint.url]
    httpx = _client()
    try:
        r = httpx.get(endpoint.url + "/models", headers=endpoint.headers(),
                      timeout=httpx.Timeout(min(endpoint.timeout, 30.0), connect=CONNECT_TIMEOUT))
    except httpx.HTTPError as e:
        raise _refused(e, endpoint) from e
    if r.status_code != 200:
        raise _status(r, endpoint)
    try:
        name = str(r.json()["data"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise WriterError(f"the writer at {endpoint.url} lists no model at /models: set ARCHIVE_QA_LLM_MODEL "
                          "to the model to use") from e
    with _MODELS_LOCK:
        _MODELS[endpoint.url] = name
    return name


class Reply:
    """A chat completion as it streams: iterate over it for its text, piece by piece; `finish` is then its
    finish reason ("stop", or "length" when it reached the token limit)."""

    def __init__(self, endpoint: Endpoint, messages: list[dict[str, str]], model: str | None = None) -> None:
        self.endpoint, self.messages, self.model = endpoint, messages, model
        self.finish: str | None = None

    def __iter__(self) -> Iterator[str]:
        return _stream(self)


def chat(endpoint: Endpoint, messages: list[dict[str, str]], *, model: str | None = None) -> Reply:
    """A chat completion to stream; WriterError, as it streams, when the endpoint fails or stalls."""
    return Reply(endpoint, messages, model)


def _stream(reply: Reply) -> Iterator[str]:
    """The pieces of a reply. The time limit covers the whole answer (httpx's own read timeout is per read).
    A stream that ends without a finish reason was cut off, and is an error too."""
    httpx = _client()
    endpoint = reply.endpoint
    body: dict = {"model": reply.model or model_of(endpoint), "messages": reply.messages, "stream": True,
                  "max_tokens": endpoint.max_tokens, "temperature": 0.0, "stop": STOP}
    deadline = time.monotonic() + endpoint.timeout
    try:
        with httpx.stream("POST", endpoint.url + "/chat/completions", json=body, headers=endpoint.headers(),
                          timeout=httpx.Timeout(endpoint.timeout, connect=CONNECT_TIMEOUT)) as r:
            if r.status_code != 200:
                r.read()
                raise _status(r, endpoint)
            for line in r.iter_lines():
                if time.monotonic() > deadline:
                    raise WriterError(f"the writer at {endpoint.url} did not finish within "
                                      f"{endpoint.timeout:g} s (ARCHIVE_QA_LLM_TIMEOUT)")
                if not line.startswith("data:"):
                    continue  # blank separators, ': ping' comments, event names
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                piece, finish = _piece(data, endpoint)
                reply.finish = reply.finish or finish
                if piece:
                    yield piece
    except httpx.HTTPError as e:
        raise _refused(e, endpoint) from e
    if not reply.finish:
        raise WriterError(f"the writer at {endpoint.url} stopped its answer without finishing it")


def _piece(data: str, endpoint: Endpoint) -> tuple[str, str | None]:
    """The text of one streamed chunk and its finish reason, if it ends the answer; WriterError when it is not
    a chunk."""
    try:
        chunk = json.loads(data)
        if "error" in chunk:
            raise WriterError(f"the writer at {endpoint.url} reported an error: {str(chunk['error'])[:200]}")
        choices = chunk.get("choices") or []
        piece = "".join((c.get("delta") or {}).get("content") or "" for c in choices)
        return piece, next((str(c["finish_reason"]) for c in choices if c.get("finish_reason")), None)
    except (ValueError, AttributeError, TypeError) as e:
        raise WriterError(f"the writer at {endpoint.url} sent something that is not a chat completion "
                          f"({data[:80]!r})") from e
