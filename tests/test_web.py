"""The web chat's handlers, called in process over a real index (no server)."""

import logging
import re
import threading
import time

import pytest

from conftest import SEEDS
from qa.archive import MAX_QUESTION_CHARS, Archive
from qa.errors import IndexProblem
from qa.web import BUSY, FRIENDLY_ERROR, WebApp, chat_text, sources_html

Q = "When did the Soviets postpone uranium prospecting in North Korea?"
TITLE = "Protocol No. 61 of a Meeting of the Special Committee under the Council of Ministers of the USSR (Excerpt)"


@pytest.fixture
def app(index_copy, tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    (records / "korea.txt").write_text((SEEDS / "korea-1942-1948.txt").read_text())
    a = Archive(index_copy, records=[records])
    a.open()
    return WebApp(a, upload_dir=records / "uploads")


def turn(app, question, history=None, asked=None, date_from="", date_to="", k=5):
    """One chat turn: (chat, sources, textbox, asked, footer); the answer state and related choices dropped."""
    return app.chat(question, history or [], asked or [], date_from, date_to, k)[:5]


def cosines_are_the_models(answer: dict, match_text: str, embedder) -> int:
    """Check each citation's cosine against the cosine worked out from the model here; count them."""
    from qa.build import embedding_text
    from qa.records import read_records

    records = {r.id: r for r in read_records([SEEDS]).records}
    q = embedder.encode([match_text])[0]
    for c in answer["citations"]:
        cosine = float(q @ embedder.encode([embedding_text(records[c["id"]])])[0])
        assert abs(c["cosine"] - cosine) <= 0.001, (c["title"], c["cosine"], cosine)
    return len(answer["citations"])


def test_a_chat_turn_cites_date_and_title_and_fills_the_sources_panel(app, embedder):
    chat, sources, box, asked, footer = turn(app, Q)
    assert box == "" and asked == [Q]
    assert chat[0] == {"role": "user", "content": Q}
    reply = chat[1]["content"]
    assert f"[1] April 12, 1948 — {TITLE}" in reply
    assert "April 12, 1948: Memorandum of the Special Committee" in reply
    assert "Sources (" in sources and "postponing the geological" in sources
    shown = [float(v) for v in re.findall(r">relevance (\d\.\d\d)", sources)]
    assert shown and shown == sorted(shown, reverse=True)  # one relevance, in the order shown
    answer = app.archive.ask(Q)
    assert shown == [c.relevance for c in answer.citations]  # the answer's own, 0-1
    assert cosines_are_the_models(answer.to_json(), app.archive.retrieve(Q).query.match_text, embedder) >= 1
    assert "Wilson Center Digital Archive: Korea, 1942–1948" in sources
    assert "Answers from 20 records" in footer


def test_not_found_answer_says_so_and_labels_the_closest_records(app):
    chat, sources, *_ = turn(app, "When was the Korean War armistice signed?")
    assert chat[1]["content"].startswith("The archive holds no record that answers this question.")
    assert "Sources:" not in chat[1]["content"]
    assert "Closest records" in sources and "shown for reference only" in sources


def test_follow_up_uses_the_previous_question(app):
    chat, _, _, asked, _ = turn(app, "What did Vyshinsky report from the UN about the Korean question?")
    chat, sources, _, asked, _ = turn(app, "and what did Molotov answer?", chat, asked)
    assert len(asked) == 2
    # read with the question before it, the follow-up is about Molotov at the UN in October 1947; alone, it
    # would be about Molotov at any time
    follow = app.archive.ask("and what did Molotov answer?", history=asked[:1])
    assert follow.found and all("Molotov" in c.hit.record.title and c.hit.record.date.text.startswith("October")
                                for c in follow.citations)
    assert follow.citations[0].label() in chat[-1]["content"]


def test_filters_limit_dates_and_count(app):
    chat, sources, *_ = turn(app, "Soviet position on the Korean question", date_from="October 1947",
                             date_to="October 1947", k=2)
    reply = chat[1]["content"]
    assert reply.startswith("Records dated between 1947-10-01 and 1947-10-31:")
    assert reply.count("[1]") == 2 and "[3]" not in reply

    cited = re.findall(r'<div class="cite">(.*?) — ', sources)
    assert cited and all("October" in c and "1947" in c for c in cited), cited
    chat, *_ = turn(app, "anything", date_from="Smarch 1947")
    assert "the from date is not usable" in chat[1]["content"]


def test_empty_questions_are_ignored_and_long_ones_refused_fast(app):
    import gradio as gr

    chat, sources, box, asked, footer = turn(app, "   \n ")
    assert chat == [] and isinstance(sources, type(gr.skip())) and asked == []
    t0 = time.perf_counter()
    chat, *_ = turn(app, "x" * 1_000_000)
    assert time.perf_counter() - t0 < 1.0
    assert f"the limit is {MAX_QUESTION_CHARS:,}" in chat[1]["content"]
    assert len(chat[0]["content"]) < 2100  # the page is not flooded with the megabyte


def test_html_in_questions_and_records_is_shown_as_text(app):
    chat, *_ = turn(app, '<img src=x onerror="alert(1)"> <script>alert(2)</script> uranium')
    assert chat[0]["content"] == ("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &lt;script&gt;alert(2)"
                                  "&lt;/script&gt; uranium")
    from qa.answer import Answer, Citation
    from qa.records import Record, record_id
    from qa.dates import parse_date
    from qa.retrieve import Hit

    r = Record(record_id("1947", "<b>t</b>", "<script>x()</script>"), parse_date("1947"), "<b>t</b>",
               "<script>x()</script>", "f", 1, {"url": "javascript:alert(1)"})
    ans = Answer("q", "1947: <script>x()</script> [1]", True, [Citation(1, Hit(r, 0.9, 1))], {})
    assert "<script>" not in chat_text(ans) and "&lt;script&gt;" in chat_text(ans)
    panel = sources_html(ans)
    assert "<script>" not in panel and "<b>" not in panel and "javascript:" not in panel


def test_internal_errors_become_a_friendly_sentence_with_the_traceback_in_the_log(app, monkeypatch, caplog):
    def broken(*a, **k):
        raise RuntimeError("faiss exploded")

    monkeypatch.setattr(app.archive, "ask", broken)
    with caplog.at_level(logging.ERROR):
        chat, *_ = turn(app, Q)
    assert chat[1]["content"] == FRIENDLY_ERROR
    assert "faiss exploded" in caplog.text and "Traceback" in caplog.text


def _blocking_rebuild(app):
    """Start a rebuild that waits inside its progress callback until released."""
    started, release = threading.Event(), threading.Event()

    def progress(frac, msg):
        started.set()
        release.wait(30)

    t = threading.Thread(target=app.archive.rebuild, kwargs={"progress": progress})
    t.start()
    assert started.wait(30)
    return t, release


def test_questions_during_a_rebuild_use_the_old_index_and_a_second_rebuild_is_refused(app):
    extra = app.archive.records[0] / "extra.csv"
    extra.write_text("date,title,summary\n1949,Later memo,A memo about the uranium mines of Korea in 1949.\n")
    old = app.archive.stamp()
    t, release = _blocking_rebuild(app)
    try:
        assert app.archive.rebuilding
        during = app.archive.ask(Q)
        assert during.index == old
        statuses = list(app.rebuild())
        assert [s[0] for s in statuses] == [BUSY]
        assert BUSY == "A rebuild is already running; wait for it to finish and try again."
        from conftest import DATA

        assert [s[0] for s in app.upload(str(DATA / "good.csv"))] == [BUSY]
        assert not app.upload_dir.exists()
        with pytest.raises(IndexProblem, match="already running"):
            app.archive.rebuild()
    finally:
        release.set()
        t.join(60)
    after = app.archive.ask(Q)
    assert after.index["records"] == 21 and after.index["corpus_sha256"] != old["corpus_sha256"]


def test_two_rebuild_clicks_at_the_same_instant_run_one_rebuild_and_refuse_the_other(app, monkeypatch):
    import qa.archive

    builds = []
    real = qa.archive.build

    def slow_build(*a, **k):  # long enough that the two clicks overlap whoever wins
        builds.append(threading.current_thread().name)
        time.sleep(1.0)
        return real(*a, **k)

    monkeypatch.setattr(qa.archive, "build", slow_build)
    gate = threading.Barrier(2)
    outs: dict[int, list] = {}

    def click(i: int) -> None:
        gate.wait()
        outs[i] = [o[0] for o in app.rebuild()]

    threads = [threading.Thread(target=click, args=(i,), name=f"click-{i}") for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(builds) == 1, builds
    refused = [o for o in outs.values() if o == [BUSY]]
    ran = [o for o in outs.values() if o != [BUSY]]
    assert len(refused) == 1 and len(ran) == 1, outs
    assert ran[0][-1].startswith("Rebuilt: 20 records") and all("already running" not in x for x in ran[0])


def test_rebuild_streams_progress_then_the_outcome(app):
    outs = list(app.rebuild())
    assert outs[-1][0].startswith("Rebuilt: 20 records in ")
    assert "Records</th><td>20" in outs[-1][1]


def test_a_bad_upload_changes_nothing(app, tmp_path):
    from conftest import DATA, snapshot

    before = snapshot(app.archive.index_dir)
    outs = list(app.upload(str(DATA / "bad.jsonl")))
    status = outs[-1][0]
    # lines 1 (30 February), 3 (not JSON), 4 (not an object), 7 (neither title nor summary); the rest are kept
    assert status.startswith("4 problems in the records:")
    assert [int(n) for n in re.findall(r"bad\.jsonl, line (\d+):", status)] == [1, 3, 4, 7]
    assert "bad.jsonl, line 3: not valid JSON" in status and "/tmp" not in status
    assert "Nothing was changed" in status
    assert snapshot(app.archive.index_dir) == before
    assert not app.upload_dir.exists()


def test_a_good_upload_is_added_and_indexed(app):
    from conftest import DATA

    outs = list(app.upload(str(DATA / "good.csv")))
    assert outs[-1][0].startswith("Rebuilt: 23 records")
    assert (app.upload_dir / "good.csv").exists()
    ans = app.archive.ask("Postponing uranium prospecting", k=5)
    assert any(c.hit.record.title == "Protocol No. 61" for c in ans.citations)


def test_an_upload_whose_rebuild_fails_puts_the_records_folder_back(app, monkeypatch):
    import qa.archive
    from conftest import DATA

    def broken(*a, **k):
        raise OSError("disk full")

    app.upload_dir.mkdir()
    (app.upload_dir / "good.csv").write_text("date,title,summary\n1950,Kept,The file there before.\n")
    before = (app.upload_dir / "good.csv").read_bytes()
    monkeypatch.setattr(qa.archive, "build", broken)
    outs = [o[0] for o in app.upload(str(DATA / "good.csv"))]
    assert outs[-1] == "Rebuild failed: the rebuild failed with an internal error; see the server log"
    assert (app.upload_dir / "good.csv").read_bytes() == before
    outs = [o[0] for o in app.upload(str(DATA / "good.jsonl"))]
    assert outs[-1].startswith("Rebuild failed") and not (app.upload_dir / "good.jsonl").exists()
    assert not app.archive.rebuilding


def test_export_the_last_answer_and_more_like_a_cited_record(app):
    import bibtexparser

    out = app.chat(Q, [], [], "", "", 5)
    answer, choices, plot = out[5], out[6], out[7]
    marks = [t.get_text() for t in plot.axes[0].texts]
    assert marks[:len(answer.citations)] == [f"[{c.n}]" for c in answer.citations]
    path, note = app.export(answer, "bibtex")
    assert path.endswith(".bib") and "Exported" in note
    entries = bibtexparser.parse_string(open(path, encoding="utf-8").read()).entries
    assert entries[0]["title"].strip("{}") == TITLE and entries[0]["date"] == "1948-04-12"
    assert app.export(None, "ris")[0] is None
    first_id = choices["choices"][0][1]
    panel = app.more_like(first_id)
    assert panel.startswith("<h3>More like April 12, 1948") and "Protocol No. 36" in panel
    assert panel.count("<h3>") == 1 and panel.count('<div class="source">') == 5
    assert '<div class="cite">[1] ' in panel and '<div class="cite">[5] ' in panel


def test_an_admin_password_guards_rebuild_and_upload(app, caplog):
    from conftest import DATA
    from qa.web import DENIED, WebApp

    guarded = WebApp(app.archive, upload_dir=app.upload_dir, admin_password="s3cret")
    assert list(guarded.rebuild(""))[0][0] == DENIED
    assert list(guarded.rebuild("wrong"))[0][0] == DENIED
    assert list(guarded.upload(str(DATA / "good.csv"), "nope"))[0][0] == DENIED
    assert not app.upload_dir.exists()
    assert list(guarded.rebuild("s3cret"))[-1][0].startswith("Rebuilt: 20 records")


def test_serving_beyond_loopback_without_a_password_warns(app, caplog, monkeypatch):
    import qa.web as web

    calls = []
    monkeypatch.setattr(web.gr.Blocks, "launch", lambda self, **kw: calls.append(kw))
    with caplog.at_level("WARNING"):
        web.launch(app.archive, host="0.0.0.0", port=1, upload_dir=app.upload_dir, block=False)
    assert "without an admin password" in caplog.text
    kw = calls[0]
    assert kw["share"] is False and kw["enable_monitoring"] is False and kw["max_file_size"] == web.UPLOAD_LIMIT
    caplog.clear()
    with caplog.at_level("WARNING"):
        web.launch(app.archive, host="127.0.0.1", port=1, upload_dir=app.upload_dir, block=False)
    assert "admin password" not in caplog.text
