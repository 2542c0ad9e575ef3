"""The prose writer (qa/writer.py, qa/llm.py) against a scripted OpenAI-compatible endpoint.

The scripted endpoint is a small HTTP server in this process that speaks the two routes of the wire format and
misbehaves on demand (slow, refused, garbled, cut off), so that every way a writer can fail is tried. The
real model is in test_writer_live.py. Without --llm nothing changes: that is checked first.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ROOT, _opened, free_port
from qa import settings
from qa.errors import SettingError
from qa.llm import Endpoint
from qa.writer import Drafting, draft_sentences, prompt

Q = "When did the Soviets postpone uranium prospecting in North Korea?"
GOOD = ("The Special Committee postponed the geological prospecting for uranium in North Korea on "
        "April 12, 1948 [1].")
INVENTED = "The project was postponed until 1953 because the USSR wanted to avoid a nuclear accident [1]."


class Scripted(BaseHTTPRequestHandler):
    """Answers as the server's `script` says; keeps each request's body and headers."""

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": "scripted-model", "object": "model"}]})
        else:
            self._send(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        s = self.server.script
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((body, dict(self.headers)))
        time.sleep(s.get("delay", 0))
        if s.get("status", 200) != 200:
            self._send(s["status"], s.get("error", {"error": {"message": "broken"}}))
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for line in s.get("raw", []):
            self.wfile.write(f"data: {line}\n\n".encode())
        for piece in s.get("pieces", []):
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            time.sleep(s.get("gap", 0))
        if s.get("finish", True):
            end = {"choices": [{"index": 0, "delta": {}, "finish_reason": s.get("reason", "stop")}]}
            self.wfile.write(f"data: {json.dumps(end)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    server.script, server.requests = {}, []
    server.handle_error = lambda *args: None  # a client that gave up (the time-limit tests) is expected
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def pieces(text: str, size: int = 7) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


@pytest.fixture
def scripted(endpoint):
    def use(**script) -> Endpoint:
        endpoint.script = script
        endpoint.requests.clear()
        return Endpoint(f"http://127.0.0.1:{endpoint.server_port}/v1", timeout=script.pop("timeout", 20.0))
    return use


@pytest.fixture(scope="module")
def archive(seed_index_dir):
    a = _opened(seed_index_dir)  # its own Archive: the shared one stays without a writer
    yield a
    a.llm = None


def test_without_a_writer_the_answer_and_its_json_are_as_before(archive):
    archive.llm = None
    r = archive.retrieve(Q)
    plain = archive.ask(Q)
    assert plain.to_json() == r.answer(5).to_json()
    assert "writer" not in plain.to_json() and "removed" not in plain.to_json()
    assert settings.current().llm is None


def test_the_prompt_holds_only_the_cited_records_numbered_as_cited(archive):
    archive.llm = None
    answer = archive.ask("What did Vyshinsky report from the UN in October 1947?")
    [message] = prompt(answer.question, answer.citations)
    assert message["role"] == "user"
    text = message["content"]
    for c in answer.citations:
        r = c.hit.record
        assert f"[{c.n}] {r.date.text} — {r.title}\n{r.summary}" in text
    cited = {c.hit.record.title for c in answer.citations}
    others = [r for r in archive.current.records if r.title not in cited]
    assert not any(r.summary in text for r in others)
    assert "[1]" in text and text.rstrip().endswith(answer.question)


def test_supported_sentences_are_shown_and_the_rest_removed_with_the_reason(archive, scripted):
    archive.llm = scripted(pieces=pieces(f"{GOOD} {INVENTED}"))
    extractive = archive.retrieve(Q).answer(5)
    a = archive.ask(Q)
    assert a.text == f"{GOOD}\n\n1 sentence was removed because the records do not support it."
    j = a.to_json()
    assert j["found"] is True and j["citations"] == extractive.to_json()["citations"]
    assert j["writer"]["model"] == "scripted-model" and j["writer"]["endpoint"].endswith("/v1")
    assert (j["writer"]["sentences"], j["writer"]["kept"]) == (2, 1)
    [removed] = j["removed"]
    assert removed["sentence"] == INVENTED and removed["cites"] == [1] and "1953" in removed["reason"]


def test_a_sentence_cut_off_at_the_length_limit_is_left_out(archive, scripted):
    archive.llm = scripted(pieces=pieces(f"{GOOD} On April 12, 1948 the Special Committee of the"), reason="length")
    a = archive.ask(Q)
    assert a.text == f"{GOOD}\n\nThe last one, cut off at the writer's length limit, was left out."
    assert a.removed[-1]["reason"] == "it was cut off at the writer's length limit"
    archive.llm = scripted(pieces=pieces(f"{GOOD} {GOOD}"), reason="length")  # ended on a full stop: whole
    assert archive.ask(Q).writer["kept"] == 2


def test_an_invented_purpose_is_removed(archive, scripted):
    archive.llm = scripted(pieces=pieces("The Special Committee met on April 12, 1948 to review the uranium "
                                         "prospecting in North Korea [1]."))
    a = archive.ask(Q)
    assert a.removed[0]["reason"] == "it gives a purpose ('to review …') that [1] does not state"


def test_when_nothing_holds_the_extractive_answer_is_shown_and_says_why(archive, scripted):
    archive.llm = scripted(pieces=pieces(INVENTED + "\nNorth Korea had no uranium at all."))
    extractive = archive.retrieve(Q).answer(5)
    a = archive.ask(Q)
    assert a.text.startswith(extractive.text + "\n\n(The writer's draft is not shown: none of its 2 sentences")
    assert a.to_json()["citations"] == extractive.to_json()["citations"]
    assert [r["reason"] for r in a.removed][1] == "it cites no record"


@pytest.mark.parametrize("script, says", [
    ({"status": 500}, "answered HTTP 500"),
    ({"status": 401, "error": {"detail": "Invalid API key"}}, "refused the key (HTTP 401): set ARCHIVE_QA_LLM_KEY"),
    ({"status": 404}, "the URL should end in /v1"),
    ({"raw": ["<html>not a stream</html>"]}, "sent something that is not a chat completion"),
    ({"raw": ['{"error": {"message": "context_length_exceeded"}}']}, "reported an error"),
    ({"pieces": pieces(GOOD), "finish": False}, "stopped its answer without finishing it"),
    ({"delay": 3, "timeout": 1.0}, "did not answer within 1 s (ARCHIVE_QA_LLM_TIMEOUT)"),
    ({"pieces": pieces(GOOD * 3, 3), "gap": 0.05, "timeout": 1.0}, "did not finish within 1 s"),
])
def test_a_failing_writer_leaves_the_extractive_answer_with_a_clear_message(archive, scripted, script, says):
    archive.llm = scripted(**script)
    extractive = archive.retrieve(Q).answer(5)
    t = time.monotonic()
    a = archive.ask(Q)
    assert time.monotonic() - t < 2.5
    assert a.text.startswith(extractive.text + "\n\n(The writer was not used: the writer at http://127.0.0.1:")
    assert says in a.text and says in a.writer["error"]
    assert a.citations == extractive.citations and a.found


def test_an_unreachable_writer_is_named_with_what_to_do(archive):
    archive.llm = Endpoint(f"http://127.0.0.1:{free_port()}/v1", model="m", timeout=5)
    a = archive.ask(Q)
    assert "cannot be reached (ConnectError): is it running?" in a.writer["error"]
    assert a.found and a.citations


def test_the_key_is_sent_only_when_set_and_the_model_is_the_one_set_or_listed(archive, scripted, endpoint):
    archive.llm = scripted(pieces=pieces(GOOD))
    archive.ask(Q)
    body, headers = endpoint.requests[-1]
    assert "Authorization" not in headers and body["model"] == "scripted-model"
    assert body["stream"] is True and body["max_tokens"] > 0 and body["temperature"] == 0
    archive.llm = Endpoint(archive.llm.url, model="llama3.2:1b", key="s3cret", timeout=20)
    archive.ask(Q)
    body, headers = endpoint.requests[-1]
    assert headers["Authorization"] == "Bearer s3cret" and body["model"] == "llama3.2:1b"
    assert "s3cret" not in repr(archive.llm)


def test_a_list_of_records_is_left_as_it_is(archive, scripted):
    archive.llm = scripted(pieces=pieces(GOOD))
    a = archive.ask("List all documents from October 1947")
    assert a.writer["skipped"] == "a list of records is given in date order" and a.removed == []
    assert a.text == archive.retrieve("List all documents from October 1947").answer(5).text


def test_sentences_are_cut_as_the_draft_streams_and_marks_stay_with_their_sentence():
    text = ("Gen. Hodge met V. Molotov in 1947. [1] He left on May 2 [2].\n[1] April 12, 1948 — Protocol No. 61\n"
            "Answer: It was postponed [1][2].")
    assert draft_sentences(text) == ["Gen. Hodge met V. Molotov in 1947. [1]", "He left on May 2 [2].",
                                     "[1] April 12, 1948 — Protocol No. 61", "It was postponed [1][2]."]
    d, got = Drafting(), []
    for ch in text:
        for s in d.add(ch):
            got.append((s, len(d.text)))
    got += [(s, None) for s in d.close()]
    assert [s for s, _ in got] == draft_sentences(text)
    first_done = got[0][1]
    assert text[:first_done].endswith("[1] H")  # shown once the next sentence has begun, marks included


def test_the_writer_settings_are_checked(monkeypatch):
    monkeypatch.setenv("ARCHIVE_QA_LLM", "localhost:11434")
    with pytest.raises(SettingError, match="ARCHIVE_QA_LLM must be the base URL of an OpenAI-compatible"):
        settings.current()
    monkeypatch.setenv("ARCHIVE_QA_LLM", "http://localhost:11434/v1/")
    monkeypatch.setenv("ARCHIVE_QA_LLM_TIMEOUT", "0")
    with pytest.raises(SettingError, match="ARCHIVE_QA_LLM_TIMEOUT must be a number of seconds from 1 to 600"):
        settings.current()
    monkeypatch.setenv("ARCHIVE_QA_LLM_TIMEOUT", "12.5")
    monkeypatch.setenv("ARCHIVE_QA_LLM_MODEL", "gemma3:270m")
    monkeypatch.setenv("ARCHIVE_QA_LLM_KEY", "s3cret-key")
    e = Endpoint.from_settings()
    assert (e.url, e.model, e.key, e.timeout) == ("http://localhost:11434/v1", "gemma3:270m", "s3cret-key", 12.5)
    assert Endpoint.from_settings("http://127.0.0.1:8080/v1").url == "http://127.0.0.1:8080/v1"
    assert "s3cret-key" not in repr(settings.current())


def test_the_cli_answers_in_checked_prose_with_llm(seed_index_dir, tmp_path, scripted):
    import shutil

    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    url = scripted(pieces=pieces(f"{GOOD} {INVENTED}")).url
    p = subprocess.run([sys.executable, "-m", "qa", "ask", Q, "--index", str(index), "--llm", url, "--json"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    j = json.loads(p.stdout)
    assert j["answer"].startswith(GOOD) and j["writer"]["kept"] == 1 and len(j["removed"]) == 1
    p = subprocess.run([sys.executable, "-m", "qa", "ask", Q, "--index", str(index), "--llm", "ftp://x"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.startswith("archive-qa: --llm must be the base URL of an OpenAI-compatible endpoint")


# -- the web chat: the streaming turn (qa/web.py WebApp.chat_stream) -----------------------------------

def stream(archive, question: str) -> tuple[list[str], list[tuple]]:
    """Each message the chat showed as the turn went (the last one's content at each step), and the outputs."""
    from qa.web import WebApp

    app = WebApp(archive, upload_dir=ROOT / "seeds" / "uploads")
    messages, turns = [], []
    for t in app.chat_stream(question, [], [], [], "", "", 5):
        messages.append(t[0][-1]["content"] if t[0] else None)
        turns.append(t)
    return messages, turns


def test_the_web_chat_shows_each_sentence_only_once_checked(archive, scripted):
    from qa.render import answer_bubble
    from qa.web import WRITING

    archive.llm = scripted(pieces=pieces(f"{GOOD} {INVENTED} {GOOD}", 5), gap=0.01)
    messages, turns = stream(archive, Q)
    assert messages[0] == WRITING and "Protocol No. 61" in turns[0][1]  # the sources come at once
    for m in messages[1:-1]:
        assert "✎ …" in m and "1953" not in m  # what is shown was checked; a mark while the rest is
    assert any("removed so far" in m for m in messages[1:-1])
    final = turns[-1][5]
    assert messages[-1] == answer_bubble(final.to_json(), 0) and "1953" not in messages[-1]
    assert final.writer["kept"] == 2 and len(final.removed) == 1
    assert turns[-1][3] == [Q]  # the question is remembered for follow-ups


def test_the_web_chat_falls_back_with_a_message_when_the_writer_fails(archive, scripted):
    archive.llm = scripted(status=500)
    final = stream(archive, Q)[0][-1]
    assert "The writer was not used: the writer at http://127.0.0.1:" in final and "HTTP 500" in final
    assert "April 12, 1948: Memorandum of the Special Committee" in final  # the extractive answer
    archive.llm = scripted(pieces=pieces(GOOD))
    messages, turns = stream(archive, "")
    assert len(turns) == 1 and turns[0][0] == []  # an empty question is ignored, as without a writer


def test_the_app_answers_in_prose_with_llm(tmp_path, seed_index_dir, scripted):
    from gradio_client import Client

    from conftest import app_over_seed_copies

    url = scripted(pieces=pieces(f"{GOOD} {INVENTED}")).url
    with app_over_seed_copies(tmp_path, seed_index_dir, args=["--llm", url]) as srv:
        a = Client(srv["url"], verbose=False, analytics_enabled=False).predict(Q, api_name="/ask")
    assert a["answer"].startswith(GOOD) and a["writer"]["kept"] == 1 and len(a["removed"]) == 1
