"""A live app.py on a loopback port, driven over HTTP by gradio_client."""

import time
import urllib.error
import urllib.request

import pytest

from conftest import DATA, snapshot

Q = "When did the Soviets postpone uranium prospecting in North Korea?"


def test_ask_endpoint_returns_the_cli_json_answer(client):
    a = client.predict(Q, api_name="/ask")
    assert isinstance(a, dict) and a["found"] is True and a["question"] == Q
    c = a["citations"][0]
    assert c["date"] == "April 12, 1948" and c["iso_date"] == "1948-04-12"
    assert c["title"] == ("Protocol No. 61 of a Meeting of the Special Committee under the Council of Ministers "
                          "of the USSR (Excerpt)")
    assert a["index"]["records"] == 20 and len(a["index"]["corpus_sha256"]) == 64


def test_ask_endpoint_optional_inputs(client):
    a = client.predict("Soviet position on the Korean question", "1947-10", "October 1947", 3, api_name="/ask")
    assert a["filters"] == {"date_from": "1947-10-01", "date_to": "1947-10-31"}
    assert 1 <= len(a["citations"]) <= 3 and all(c["iso_date"].startswith("1947-10") for c in a["citations"])
    a = client.predict(question="Who asked for railway engineers?", k=1, api_name="/ask")
    assert [c["title"] for c in a["citations"]] == ["Cable No. 121973, Meretskov and Shytkov to Cde. Stalin"]


def test_ask_endpoint_refuses_bad_questions_with_the_reason(client):
    with pytest.raises(Exception, match="the question is empty"):
        client.predict("   ", api_name="/ask")
    t0 = time.perf_counter()
    with pytest.raises(Exception, match="the limit is 1,000"):
        client.predict("y" * 10_000, api_name="/ask")
    assert time.perf_counter() - t0 < 5.0  # refused before any work: seconds at most even on a loaded machine


def test_bad_upload_gets_file_line_and_problem_and_the_index_keeps_serving(client, server):
    from gradio_client import handle_file

    before = snapshot(server["index"])
    status, *_ = client.predict(handle_file(str(DATA / "bad_records.txt")), api_name="/upload_records")
    assert status.startswith("4 problems in the records:")
    assert "bad_records.txt, line 2: impossible date 'February 30, 1947'" in status
    assert "Nothing was changed" in status
    assert snapshot(server["index"]) == before
    assert not (server["records"] / "uploads").exists()
    assert client.predict(Q, api_name="/ask")["index"]["records"] == 20


def test_upload_of_an_unknown_format_is_refused(client, server, tmp_path):
    from gradio_client import handle_file

    f = tmp_path / "records.pdf"
    f.write_bytes(b"%PDF-1.4")
    with pytest.raises(Exception, match="Invalid file type"):
        client.predict(handle_file(str(f)), api_name="/upload_records")


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.mark.parametrize("path", ["gradio_api/file=/etc/passwd", "gradio_api/file=../../../../etc/passwd",
                                  "gradio_api/file=%2Fetc%2Fpasswd", "file=/etc/passwd",
                                  "gradio_api/file=app.py", "monitoring", "monitoring/summary"])
def test_no_file_outside_the_app_and_no_monitoring_endpoint(server, path):
    code, body = _get(server["url"] + path)
    assert code in (403, 404), (code, body[:200])
    assert b"root:" not in body


def test_only_the_named_endpoints_are_offered(client):
    named = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert named == {"/ask", "/rebuild", "/upload_records"}
