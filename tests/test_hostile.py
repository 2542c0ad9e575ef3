"""Hostile questions and hostile records, through the Python API, the CLI, gradio_client and the browser."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, SEEDS, running_app
from qa.archive import MAX_QUESTION_CHARS
from qa.errors import ArchiveError, QuestionError

MARK = "window.__xss=1"
XSS = [
    f"<script>{MARK}</script>", f"<img src=x onerror=\"{MARK}\">", f"<svg onload={MARK}>",
    f"<svg><script>{MARK}</script></svg>", f"<body onload={MARK}>", f"<iframe src=\"javascript:{MARK}\"></iframe>",
    f"<iframe srcdoc=\"<script>parent.{MARK}</script>\"></iframe>", f"<a href=\"javascript:{MARK}\">x</a>",
    f"[click](javascript:{MARK})", f"![img](x\" onerror=\"{MARK})", f"<details open ontoggle={MARK}>",
    f"<video><source onerror=\"{MARK}\"></video>", f"<audio src=x onerror={MARK}>", f"<input autofocus onfocus={MARK}>",
    f"<marquee onstart={MARK}>", f"<object data=\"javascript:{MARK}\"></object>", f"<embed src=\"javascript:{MARK}\">",
    f"<math><mtext><script>{MARK}</script></mtext></math>", f"\"><script>{MARK}</script>", f"'><img src=x onerror={MARK}>",
    f"<scr<script>ipt>{MARK}</scr</script>ipt>", f"<IMG SRC=\"jav&#x09;ascript:{MARK}\">",
    "<img src=\"x\" onerror=\"&#119;indow.__xss=1\">", f"<style>@import 'javascript:{MARK}';</style>",
    f"<link rel=stylesheet href=\"javascript:{MARK}\">", f"<meta http-equiv=\"refresh\" content=\"0;url=javascript:{MARK}\">",
    f"<form action=\"javascript:{MARK}\"><button>go</button></form>", f"<div style=\"background:url(javascript:{MARK})\">",
    f"<textarea></textarea><script>{MARK}</script>", f"`<script>{MARK}</script>`", f"<!--<img src=x onerror={MARK}>-->",
    f"<base href=\"javascript:{MARK}//\">", f"{{{{constructor.constructor('{MARK}')()}}}}",
    "<img src=https://example.org/x.png>",
]
ODD = [
    "", "   ", "\t\n  \r\n", "x" * 10_000, "y" * 1_000_000, "Who\x00 asked for railway engineers?",
    "\x1b[31mred\x1b[0m uranium \x1b]0;title\x07", "lone \ud800 surrogate uranium", "\u202eright-to-left\u202c override",
    "\u2066isolated\u2069 bidi \u200f text", "🇰🇷 uranium 🔥🚀 prospecting", "김구는 누구와 이야기했나?",
    "Что сказал Молотов о Корее?", "**bold** _italic_ # heading > quote", "| a | b |\n|---|---|", "\\" * 500,
    "%s %d {0} {question}", "'; DROP TABLE records; --", "../../../etc/passwd",
]
QUESTIONS = ODD + XSS


def test_there_are_enough_xss_payloads():
    assert len(XSS) >= 30


UNNAMED = r"No record mentions [\w'’., -]+"  # names from the question: capitalised words, nothing else
MENTIONS = UNNAMED + r"\."
NOT_FOUND = re.compile(r"The archive holds no record( dated [^.]+)? that answers this question\."
                       rf"( {MENTIONS})?"
                       r"( It holds no records at all from that time\.)?"
                       r"( The closest records are listed below for reference; they do not answer it\.)?")


def only_record_text(a) -> None:
    """The answer is built from the cited records' own text and fixed phrases, nothing from the question."""
    from qa.answer import shown_date

    if not a.found:
        assert NOT_FOUND.fullmatch(a.text), a.text
        return
    for line in a.text.split("\n"):
        m = re.fullmatch(r"(.+?): (.+) ((?:\[\d+\])+)", line)
        if m is None:
            fixed = (rf"Records dated [^:]+(, in date order)?:|\d+ records, in date order:|"
                     rf"{MENTIONS}|{UNNAMED}: the records cited match the rest of the question\.|"
                     r"At least \d+ more records? likely to answer (is|are) not (cited|listed) here, [^<>]+\.|"
                     r"The archive holds no records from [^<>]+\.")
            assert re.fullmatch(fixed, line), line
            continue
        for n in re.findall(r"\d+", m.group(3)):  # records quoting the same passage share a line
            record = a.citations[int(n) - 1].hit.record
            passage = m.group(2).removeprefix(f"{record.title}: ")
            assert m.group(1) == shown_date(record), line
            assert passage in record.summary or passage == record.title, line


def test_python_api_answers_or_refuses_every_hostile_question(seed_archive):
    assert not any(c in r.title + r.summary for r in seed_archive.current.records for c in "<>")
    answered = {}
    for q in QUESTIONS:
        t0 = time.process_time()  # CPU seconds: a loaded machine does not stretch them
        try:
            a = seed_archive.ask(q)
            json.dumps(a.to_json())
            only_record_text(a)
            assert "<" not in a.text and ">" not in a.text  # the seed records hold neither
            answered[q] = a
        except QuestionError as e:
            assert str(e)
            if len(q) > MAX_QUESTION_CHARS:
                assert "the limit is" in str(e) and time.process_time() - t0 < 1.0
            else:
                assert not q.strip() or "empty" in str(e)
    # a question that stays answerable once the NUL is dropped finds the one record about railway engineers
    railway = answered["Who\x00 asked for railway engineers?"]
    assert railway.found and railway.citations[0].hit.record.title.startswith("Cable No. 121973")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_is_answered_or_refused_with_our_error(seed_archive, q):
    try:
        seed_archive.ask(q).to_json()
    except QuestionError:
        pass


def test_cli_batch_survives_hostile_questions(seed_index_dir):
    lines = [q.replace("\n", " ").replace("\r", " ") for q in QUESTIONS if "\ud800" not in q]
    stdin = "\n".join(lines) + "\n"
    p = subprocess.run([sys.executable, "-m", "qa", "ask", "--json", "-", "--index", str(seed_index_dir)],
                       input=stdin, capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert p.returncode in (0, 1) and "Traceback" not in p.stderr
    out = [json.loads(x) for x in p.stdout.splitlines()]
    assert all(("answer" in o) or ("error" in o) for o in out)
    assert any("limit is" in o.get("error", "") for o in out)


def test_gradio_client_gets_an_answer_or_a_clear_error(client):
    for q in QUESTIONS:
        if "\ud800" in q:
            continue  # not representable in the JSON the client sends
        t0 = time.perf_counter()
        try:
            a = client.predict(q, api_name="/ask")
            assert isinstance(a, dict) and "answer" in a
        except Exception as e:  # gradio_client raises AppError carrying our message
            msg = str(e)
            assert "the question is" in msg, msg
            assert "Something went wrong" not in msg
        if len(q) > MAX_QUESTION_CHARS:  # refused before any work: seconds at most even on a loaded machine
            assert time.perf_counter() - t0 < 5.0


# -- hostile record files ---------------------------------------------------------------------------------------

def test_hostile_files_are_read_or_refused_with_their_reason(tmp_path):
    from qa.records import read_records

    big = tmp_path / "big.jsonl"
    line = json.dumps({"date": "1947", "title": "T", "summary": "s" * 1000})
    with open(big, "w") as f:
        for i in range(10_500):
            f.write(line.replace('"T"', f'"T{i}"') + "\n")
    assert big.stat().st_size > 10_000_000
    r = read_records([big])
    assert len(r.records) == 10_500 and not r.problems
    recs = tmp_path / "records"
    recs.mkdir()
    (recs / "ok.txt").write_text("1947\nA record\nIts summary.\n")
    outside = tmp_path / "secret.txt"
    outside.write_text("1947\nSecret\nNot in the records folder.\n")
    (recs / "link.txt").symlink_to(outside)
    r = read_records([recs])
    assert [x.title for x in r.records] == ["A record"]
    assert len(r.problems) == 1 and "outside the records folder" in r.problems[0].message
    sneaky = recs / ".." / "secret.txt"
    r = read_records([sneaky])  # an explicit path is the user's own choice, and is read
    assert [x.title for x in r.records] == ["Secret"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([".txt", ".jsonl", ".csv"]))
def test_any_bytes_in_a_records_file_give_records_or_problems(tmp_path_factory, data, suffix):
    from qa.records import read_records

    f = tmp_path_factory.mktemp("fuzz") / f"f{suffix}"
    f.write_bytes(data)
    r = read_records([f])
    for p in r.problems:
        assert p.file == str(f) and p.message
    for rec in r.records:
        assert rec.title and rec.summary


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000))
def test_any_text_in_a_seed_file_gives_records_or_problems(tmp_path_factory, text):
    from qa.records import load_records

    f = tmp_path_factory.mktemp("fuzz") / "f.txt"
    f.write_text(text, encoding="utf-8")
    try:
        r = load_records([f])
        assert r.records
    except ArchiveError as e:  # the project's own error, naming the file
        assert str(f) in str(e)


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    records = base / "records"
    records.mkdir()
    (records / "korea.txt").write_text((SEEDS / "korea-1942-1948.txt").read_text())
    (records / "hostile.jsonl").write_text((DATA / "hostile_records.jsonl").read_text())
    with running_app(base, records) as srv:
        yield srv


def test_records_holding_html_and_script_are_shown_as_text_in_the_page(hostile_server):
    from test_browser import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing in CI")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    url = hostile_server["url"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = b.new_page()
        outside, dialogs = [], []
        pg.on("request", lambda r: None if r.url.startswith(url) or r.url.startswith("data:") else outside.append(r.url))
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.goto(url)
        pg.wait_for_selector("#question textarea")
        n = 0
        # a period's listing cites every record of 1947, both hostile ones among them
        for q in ["What is there from 1947?", "zebra telegram and zebra crossings"] + XSS:
            n += 1
            pg.locator("#question textarea").fill(q)
            pg.locator("#ask").click()
            pg.wait_for_function(f"document.querySelectorAll('#chat [data-testid=\"bot\"]').length >= {n}",
                                 timeout=30000)
            if n == 1:
                sources = pg.locator("#sources").inner_text()
                assert "<script>window.__xss=1</script>Telegram on the zebra amendment" in sources
                assert 'Memo <iframe src="https://example.org/"></iframe> on zebra crossings' in sources
                assert '<img src=x onerror="window.__xss=1">' in sources
                assert "[a link](javascript:window.__xss=1)" in sources
                assert pg.locator("#sources a[href^='javascript']").count() == 0
        # the record viewer and the records tab show them as text too
        pg.locator("#sources button.open-record").first.click()
        pg.wait_for_selector("#sources .viewer")
        pg.get_by_role("tab", name="Records").click()
        pg.get_by_label("Search the records").fill("zebra")
        pg.get_by_label("Search the records").press("Enter")
        pg.wait_for_function("document.querySelector('#records').innerText.includes('2 records')")
        titles = pg.locator("#records td.title").all_inner_texts()
        assert "<script>window.__xss=1</script>Telegram on the zebra amendment" in titles
        pg.locator("#records button.open-record").first.click()
        pg.wait_for_selector("#records .viewer")
        viewer = pg.locator("#records .viewer").inner_text()
        assert "<" in viewer and pg.locator("#records .viewer a[href^='javascript']").count() == 0
        time.sleep(1)
        assert pg.evaluate("window.__xss") is None
        assert pg.locator("#records iframe, #records svg[onload], #records img[src='x']").count() == 0
        assert dialogs == [] and outside == []
        assert pg.locator("#chat iframe, #sources iframe, #chat svg[onload], #sources svg[onload]").count() == 0
        b.close()
