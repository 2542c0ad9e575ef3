"""The web chat's handlers, called in process over a real index (no server)."""

import html
import logging
import re
import threading
import time
from pathlib import Path

import pytest

from conftest import SEEDS
from qa.archive import DEFAULT_K, MAX_QUESTION_CHARS, Archive
from qa.errors import IndexProblem
from qa.render import answer_bubble, sources_panel
from qa.web import BUSY, FRIENDLY_ERROR, WebApp, period_question

Q = "When did the Soviets postpone uranium prospecting in North Korea?"
TITLE = ("Protocol No. 61 of a Meeting of the Special Committee under the Council of Ministers of the USSR "
         "(Excerpt)")
OUT = ("chat", "sources", "box", "asked", "turns", "last", "shown", "timeline", "context", "footer")


@pytest.fixture
def app(index_copy, tmp_path):
    records = tmp_path / "records"
    records.mkdir()
    (records / "korea.txt").write_text((SEEDS / "korea-1942-1948.txt").read_text())
    a = Archive(index_copy, records=[records])
    a.open()
    return WebApp(a, upload_dir=records / "uploads")


def turn(app, question, before=None, date_from="", date_to="", k=5, **kw) -> dict:
    """One chat turn after the turn before (a dict from this function, or None): the outputs by name."""
    b = before or {"chat": [], "asked": [], "turns": []}
    return dict(zip(OUT, app.chat(question, b["chat"], b["asked"], b["turns"], date_from, date_to, k, **kw)))


def text(fragment: str) -> str:
    """What a page fragment reads as: tags out, entities decoded, spaces folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


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


def test_a_chat_turn_links_each_citation_to_its_card_and_fills_the_sources_panel(app, embedder):
    t = turn(app, Q)
    assert t["box"] == "" and t["asked"] == [Q] and t["shown"] == 0
    assert t["chat"][0] == {"role": "user", "content": Q}
    reply = t["chat"][1]["content"]
    assert "April 12, 1948: Memorandum of the Special Committee" in text(reply)
    assert f"[1] April 12, 1948 — {TITLE}" in text(reply)  # a compact chip: date — title
    assert '<a class="cite-link" href="#src-0-1">[1]</a>' in reply
    assert '<a class="chip" href="#src-0-1">' in reply
    assert "relevance" not in reply and "summary" not in reply  # no second full list in the bubble
    sources = t["sources"]
    assert "Sources (" in sources and 'id="src-0-1"' in sources
    answer = app.archive.ask(Q)
    assert "<mark>" in sources and text(sources).count(answer.citations[0].quote) == 1
    assert f'data-record="{answer.citations[0].hit.record.id}"' in sources  # the title opens the record
    shown = [float(v) for v in re.findall(r">relevance (\d\.\d\d)", sources)]
    assert shown and shown == sorted(shown, reverse=True)  # one relevance, in the order shown
    assert shown == [c.relevance for c in answer.citations]  # the answer's own, 0-1
    assert cosines_are_the_models(answer.to_json(), app.archive.retrieve(Q).query.match_text, embedder) >= 1
    assert "Wilson Center Digital Archive: Korea, 1942–1948" in sources
    assert "Answers from 20 records" in t["footer"]
    assert t["turns"][0]["answer"] == answer.to_json() and t["last"].question == Q


def test_not_found_answer_says_so_and_labels_the_closest_records(app):
    t = turn(app, "When was the Korean War armistice signed?")
    assert text(t["chat"][1]["content"]).startswith("The archive holds no record that answers this question.")
    assert "chip" not in t["chat"][1]["content"]
    assert "Closest records" in t["sources"] and "shown for reference only" in t["sources"]


def test_a_follow_up_is_read_with_the_question_before_it_says_so_and_can_be_asked_alone(app):
    first = turn(app, "What did Vyshinsky report from the UN about the Korean question?")
    follow = turn(app, "and what did Molotov answer?", first)
    assert len(follow["asked"]) == 2 and len(follow["turns"]) == 2
    assert "Read together with your previous question" in follow["context"]
    assert "Vyshinsky" in follow["context"]
    assert 'data-alone="1"' in follow["context"] and follow["turns"][1]["previous"] == first["asked"][0]
    # read with the question before it, the follow-up is about Molotov at the UN in October 1947
    together = app.archive.ask("and what did Molotov answer?", history=first["asked"])
    assert together.found
    assert all("Molotov" in c.hit.record.title and c.hit.record.date.text.startswith("October")
               for c in together.citations)
    assert text(together.citations[0].label()) in text(follow["chat"][-1]["content"])
    alone = dict(zip(OUT, app.ask_alone(follow["chat"], follow["asked"], follow["turns"], "", "", 5)))
    assert len(alone["chat"]) == 4 and len(alone["turns"]) == 2  # in place of the answer read together
    assert "Read together" not in alone["context"] and alone["turns"][1]["previous"] is None
    assert alone["turns"][1]["answer"] == app.archive.ask("and what did Molotov answer?").to_json()
    assert alone["asked"] == [first["asked"][0], "and what did Molotov answer?"]


def test_filters_limit_dates_and_count_and_show_as_removable_chips(app):
    t = turn(app, "Soviet position on the Korean question", date_from="October 1947", date_to="October 1947",
             k=2)
    reply = text(t["chat"][1]["content"])
    assert reply.startswith("Records dated between 1947-10-01 and 1947-10-31:")
    assert len(t["turns"][0]["answer"]["citations"]) == 2 and "[3]" not in reply
    cited = re.findall(r'<span class="date">(.*?)</span>', t["sources"])
    assert cited and all("October" in c and "1947" in c for c in cited), cited
    chips = text(t["context"])
    assert "From October 1947" in chips and "To October 1947" in chips and "Cite up to 2" in chips
    assert 'data-remove="from"' in t["context"]
    assert 'aria-label="Remove the filter From October 1947"' in t["context"]
    assert app.remove_filter("from", "October 1947", "1948", 2) == ("", "1948", 2)
    assert app.remove_filter("k", "", "", 2) == ("", "", DEFAULT_K)
    assert app.filters_changed("", "", DEFAULT_K, t["turns"]) == ""
    t = turn(app, "anything", date_from="Smarch 1947")
    assert "the from date is not usable" in t["chat"][1]["content"]


def test_clear_resets_chat_sources_timeline_export_filters_and_context(app):
    t = turn(app, "What did Vyshinsky report from the UN about the Korean question?", date_from="1947")
    assert 'class="mark"' in t["timeline"]
    (chat, sources, box, asked, turns, last, shown, timeline, context, date_from, date_to, k, export_file,
     export_note, conversation) = app.clear()
    assert chat == asked == turns == [] and last is None and shown == -1 and conversation is None
    assert "appear here" in sources and 'class="mark"' not in timeline and 'class="bin"' in timeline
    assert (date_from, date_to, k, context, export_file, export_note) == ("", "", DEFAULT_K, "", None, "")
    # with the context gone the same follow-up reads alone, exactly as in a fresh conversation
    again = turn(app, "and what did Molotov answer?")
    assert again["turns"][0]["previous"] is None
    assert again["turns"][0]["answer"] == app.archive.ask("and what did Molotov answer?").to_json()


def test_empty_questions_are_ignored_and_long_ones_refused_fast(app):
    import gradio as gr

    t = turn(app, "   \n ")
    skipped = type(gr.skip())
    assert t["chat"] == [] and isinstance(t["sources"], skipped) and isinstance(t["asked"], skipped)
    t0 = time.process_time()  # CPU seconds: a loaded machine does not stretch them
    t = turn(app, "x" * 1_000_000)
    assert time.process_time() - t0 < 1.0
    assert f"the limit is {MAX_QUESTION_CHARS:,}" in t["chat"][1]["content"]
    assert len(t["chat"][0]["content"]) < 2100  # the page is not flooded with the megabyte


def test_html_in_questions_and_records_is_shown_as_text(app):
    t = turn(app, '<img src=x onerror="alert(1)"> <script>alert(2)</script> uranium')
    assert t["chat"][0]["content"] == ("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &lt;script&gt;alert(2)"
                                       "&lt;/script&gt; uranium")
    from qa.answer import Answer, Citation
    from qa.dates import parse_date
    from qa.records import Record, record_id
    from qa.render import record_view
    from qa.retrieve import Hit

    r = Record(record_id("1947", "<b>t</b>", "<script>x()</script> [1]"), parse_date("1947"), "<b>t</b>",
               "<script>x()</script> [1]", "f", 1, {"url": "javascript:alert(1)", "note": "<i>n</i>"})
    ans = Answer("q <b>", "1947: <script>x()</script> [1] [1]", True,
                 [Citation(1, Hit(r, 0.9, 1), "<script>x()</script> [1]")], {})
    for fragment in (answer_bubble(ans.to_json(), 0), sources_panel(ans.to_json(), 0),
                     record_view(r, [(r, 0.5)], back="Back", roots=[])):
        assert "<script>" not in fragment and "<b>" not in fragment and "<i>" not in fragment
        assert "javascript:" not in fragment.replace("javascript:alert(1)</", "")  # as text, never a link
        assert 'href="javascript' not in fragment
    assert answer_bubble(ans.to_json(), 0).count("cite-link") == 1  # only the answer's own [n] is a link


def test_internal_errors_become_a_friendly_sentence_with_the_traceback_in_the_log(app, monkeypatch, caplog):
    def broken(*a, **k):
        raise RuntimeError("faiss exploded")

    monkeypatch.setattr(app.archive, "retrieve", broken)
    with caplog.at_level(logging.ERROR):
        t = turn(app, Q)
    assert t["chat"][1]["content"] == FRIENDLY_ERROR
    assert "faiss exploded" in caplog.text and "Traceback" in caplog.text


def test_the_sources_of_an_earlier_answer_are_shown_again_and_a_source_opens_its_record(app):
    first = turn(app, Q)
    second = turn(app, "Who asked Moscow for railway engineers?", first)
    sources, shown, timeline = app.show_turn(0, second["turns"])
    assert shown == 0 and sources == first["sources"] and 'href="#src-0-1"' in timeline
    record_id = first["turns"][0]["answer"]["citations"][0]["id"]
    viewer = app.open_record(record_id, 0)
    body = text(viewer)
    for part in (TITLE, "April 12, 1948 (exact day, 1948-04-12)", "Wilson Center Digital Archive",
                 "korea-1942-1948.txt, line", record_id, "More like this", "R1", "R5",
                 "Back to the answer's sources"):
        assert part in body, part
    assert viewer.count('class="source"') == 5 and 'id="src-' not in viewer and "/tmp" not in viewer
    assert "Protocol No. 36" in body
    assert "no record has the id" in text(app.open_record("0" * 16, 0))


def test_a_timeline_click_asks_for_its_period(app):
    assert period_question("1947-10") == "What is there from October 1947?"
    assert period_question("1947") == "What is there from 1947?"
    assert period_question("1940s") == "What is there from 1940 to 1949?"
    assert period_question("<script>") is None and period_question("1947-13") is None
    t = dict(zip(OUT, app.ask_period("1947-10", [], [], [], "1945", "", 5)))
    assert t["chat"][0]["content"] == "What is there from October 1947?"
    listed = t["turns"][0]["answer"]
    assert listed["answer"].startswith("Records dated between 1947-10-01 and 1947-10-31")
    assert len(listed["citations"]) == 8  # every record of the month, the From filter aside
    assert "From 1945" in text(t["context"])
    counts = [int(n) for n in re.findall(r'<span class="count">(\d+)</span>', t["timeline"])]
    assert counts == [8]  # eight records in one month: one marker with a count


def test_conversations_are_saved_newest_first_and_reopened(app):
    import gradio as gr

    first = turn(app, Q)
    conversation, saved, choices = app.save(None, first["chat"], first["asked"], first["turns"], [])
    assert conversation and saved[0]["title"] == Q and choices["choices"] == [(Q, conversation)]
    app.clear()
    other = turn(app, "Who asked Moscow for railway engineers?")
    second, saved, choices = app.save(None, other["chat"], other["asked"], other["turns"], saved)
    assert second != conversation and [c[1] for c in choices["choices"]] == [second, conversation]
    chat, sources, asked, turns, last, shown, timeline, context, opened = app.reopen(conversation, saved)
    assert chat == first["chat"] and asked == [Q] and turns == first["turns"] and opened == conversation
    assert sources == first["sources"] and last.to_json() == first["last"].to_json() and shown == 0
    assert all(isinstance(x, type(gr.skip())) for x in app.reopen("gone", saved))
    many = saved
    for i in range(15):
        _, many, _ = app.save(None, first["chat"], first["asked"], first["turns"], many)
    assert len(many) == 10  # the oldest go first
    long = first["turns"] * 25  # a long conversation keeps the sources of its last 20 answers
    _, kept, _ = app.save(None, first["chat"], first["asked"], long, [])
    assert [t["answer"] is None for t in kept[0]["turns"]] == [True] * 5 + [False] * 20
    assert "were not kept" in app.show_turn(0, kept[0]["turns"])[0]


def test_example_questions_fit_the_collection(app, tmp_path):
    from qa.collection import made_examples

    seeds_own = (SEEDS / "examples.txt").read_text().splitlines()[1:]
    assert app.archive.examples() == seeds_own  # the index was built from seeds/, which has examples.txt
    records = tmp_path / "other"
    records.mkdir()
    (records / "korea.txt").write_text((SEEDS / "korea-1942-1948.txt").read_text())
    other = Archive(tmp_path / "other-index", records=[records])
    other.open()
    made = other.examples()
    assert made == made_examples(other.current) and len(made) == 4 and not set(made) & set(seeds_own)
    assert made[0] == "What is there from October 1947?"  # the busiest month
    assert all(q.startswith("What do the records say about “") for q in made[1:])
    (records / "korea.txt").write_text("# example: Who wrote to Stalin in 1942?\n"
                                       + (SEEDS / "korea-1942-1948.txt").read_text())
    assert other.examples() == ["Who wrote to Stalin in 1942?"]
    (records / "examples.txt").write_text("# comment\nWhat did Stalin decide?\n\n")
    assert other.examples() == ["What did Stalin decide?", "Who wrote to Stalin in 1942?"]


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


def test_rebuild_streams_progress_then_the_outcome_in_plain_words(app):
    outs = list(app.rebuild())
    assert outs[-1][0].startswith("Rebuilt: 20 records in ")
    assert outs[-1][0].endswith("Questions now use the new index (exact search over 20 records).")
    assert all(o[0].startswith("Rebuilding… ") for o in outs[:-1])
    info = text(outs[-1][1])
    assert "Records 20" in info and "exact search over 20 records" in info and "IndexFlatIP" not in info


def test_the_index_panel_says_how_approximate_search_works():
    from qa.render import search_words

    info = {"records": 1_000_000, "index_params": {"nlist": 1024, "nprobe": 128}}
    assert search_words(info) == ("approximate search, 1,024 lists (128 searched per question) over "
                                  "1,000,000 records")
    milvus = {"records": 7_553, "index_type": "Milvus FLAT", "index_params": {}}
    assert search_words(milvus) == "exact search over 7,553 records, served by Milvus"
    assert search_words(milvus | {"index_type": "Milvus AUTOINDEX"}).startswith("approximate search over ")
    # the folder's exact index, and an index type this version does not know, which is never called exact
    assert search_words({"records": 20, "index_type": "IndexFlatIP"}) == "exact search over 20 records"
    assert search_words({"records": 20, "index_type": "IndexHNSWFlat"}) == "approximate search over 20 records"


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


def test_export_the_last_answer(app):
    import bibtexparser

    t = turn(app, Q)
    path, note = app.export(t["last"], "bibtex")
    assert path.endswith(".bib") and "Exported" in note
    entries = bibtexparser.parse_string(open(path, encoding="utf-8").read()).entries
    assert entries[0]["title"].strip("{}") == TITLE and entries[0]["date"] == "1948-04-12"
    assert app.export(None, "ris")[0] is None


def test_exports_stay_in_one_folder_that_keeps_only_the_newest(app, monkeypatch):
    import tempfile

    import qa.web as web

    monkeypatch.setattr(web, "MAX_EXPORTS", 3)
    last = turn(app, Q)["last"]
    paths = [Path(app.export(last, fmt)[0]) for fmt in ("bibtex", "ris", "csl-json", "markdown", "bibtex")]
    root = paths[0].parent.parent  # one folder in the temporary folder holds the app's exports
    assert root.parent == Path(tempfile.gettempdir()) and all(p.parent.parent == root for p in paths)
    assert [p.exists() for p in paths] == [False, False, True, True, True]  # the newest three are kept
    assert paths[-1].read_text(encoding="utf-8").startswith("@")
    monkeypatch.setattr(web, "MAX_EXPORTS", 1)
    newest = Path(app.export(last, "ris")[0])
    assert newest.exists() and [p.exists() for p in paths] == [False] * 5  # only the newest, however small


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


def test_the_records_tab_catches_up_with_a_rebuilt_index(app):
    view, request = app.browse("", "", "", "All collections", "relevance")
    assert "20 records" in view and request["index"] == app.archive.stamp()["corpus_sha256"]
    assert all(isinstance(x, type(__import__("gradio").skip())) for x in app.records_tab_opened(request))
    extra = app.archive.records[0] / "extra.csv"
    extra.write_text("date,title,summary\n1949,Later memo,A memo about the uranium mines of Korea in 1949.\n")
    list(app.rebuild())
    view, request, prev, nxt, collections = app.records_tab_opened(request)
    assert "21 records · page 1 of 1" in view and request["index"] == app.archive.stamp()["corpus_sha256"]
    assert prev["interactive"] is False and nxt["interactive"] is False
