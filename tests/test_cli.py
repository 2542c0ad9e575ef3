"""The archive-qa command line, in process (sharing the loaded model) and as a real subprocess."""

import json
import os
import subprocess
import sys

import pytest

from conftest import DATA, ROOT, SEEDS, snapshot
from qa.cli import main

Q = "When did the Soviets postpone uranium prospecting in North Korea?"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_a_readable_answer_with_numbered_citations(capsys, seed_index_dir):
    code, out, _ = run(capsys, "ask", Q, "--index", str(seed_index_dir))
    assert code == 0
    assert out.startswith("April 12, 1948: Memorandum of the Special Committee of the CC CPSU postponing")
    assert "[1] April 12, 1948 — Protocol No. 61 of a Meeting of the Special Committee under the Council of " \
           "Ministers of the USSR (Excerpt)  (relevance 0." in out


def test_ask_json_contract(capsys, seed_index_dir):
    code, out, _ = run(capsys, "ask", "--json", Q, "--index", str(seed_index_dir), "-k", "2")
    assert code == 0
    a = json.loads(out)
    assert set(a) >= {"question", "answer", "found", "citations", "index"}
    assert a["question"] == Q and a["found"] is True
    c = a["citations"][0]
    assert set(c) == {"n", "id", "date", "iso_date", "title", "summary", "quote", "score", "cosine", "collection"}
    assert c["quote"] in c["summary"] and -1 <= c["cosine"] <= 1
    assert (c["n"], c["date"], c["iso_date"]) == (1, "April 12, 1948", "1948-04-12")
    assert c["title"].startswith("Protocol No. 61") and 0 < c["score"] <= 1
    assert len(a["citations"]) <= 2
    assert set(a["index"]) >= {"records", "model", "corpus_sha256"} and a["index"]["records"] == 20
    for cit in a["citations"]:
        assert f"[{cit['n']}]" in a["answer"]


def test_ask_with_dates_only_cites_records_in_range(capsys, seed_index_dir):
    code, out, _ = run(capsys, "ask", "--json", "Soviet position on the Korean question", "--index",
                       str(seed_index_dir), "--from", "October 1947", "--to", "1947-10-31", "-k", "10")
    a = json.loads(out)
    assert code == 0 and a["found"] and a["filters"] == {"date_from": "1947-10-01", "date_to": "1947-10-31"}
    assert all(c["iso_date"].startswith("1947-10") for c in a["citations"])


def test_out_of_collection_question_is_not_found(capsys, seed_index_dir):
    code, out, _ = run(capsys, "ask", "--json", "When was the Korean War armistice signed?", "--index",
                       str(seed_index_dir))
    a = json.loads(out)
    assert code == 0 and a["found"] is False and a["citations"] == []
    assert "holds no record" in a["answer"]


def test_batch_mode_reads_stdin_and_writes_one_json_line_each(capsys, monkeypatch, seed_index_dir):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{Q}\n\nWho asked for railway engineers?\n   \n" + "x" * 2000 + "\n"))
    code, out, err = run(capsys, "ask", "--json", "-", "--index", str(seed_index_dir))
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["question"] for x in lines[:2]] == [Q, "Who asked for railway engineers?"]
    assert lines[1]["citations"][0]["title"] == "Cable No. 121973, Meretskov and Shytkov to Cde. Stalin"
    assert "limit is 1,000" in lines[2]["error"] and lines[2]["line"] == 5
    assert code == 1 and "stdin line 5" in err


def test_info_json_and_text(capsys, seed_index_dir):
    code, out, _ = run(capsys, "info", "--index", str(seed_index_dir), "--json")
    info = json.loads(out)
    assert code == 0
    assert (info["records"], info["model"], info["date_from"], info["date_to"]) == (
        20, "all-MiniLM-L6-v2", "1942-02-01", "1948-07-11")
    assert info["built_at"] and info["path"].startswith(str(seed_index_dir.resolve()))
    code, out, _ = run(capsys, "info", "--index", str(seed_index_dir))
    assert "Records:  20" in out and "1942-02-01 to 1948-07-11" in out
    assert "Search:   IndexFlatIP (exact search over 20 records)" in out and info["index_type"] == "IndexFlatIP"
    assert info["index_params"] == {}
    # the seed writes no name with a middle initial ("Harry S. Truman"): no initials, and no line for them
    assert info["initials"] == {} and "Initials:" not in out


def test_build_refuses_bad_records_lists_every_problem_and_keeps_the_index(capsys, index_copy):
    before = snapshot(index_copy)
    code, out, err = run(capsys, "build", "--records", str(DATA / "bad_records.txt"), str(DATA / "bad.jsonl"),
                         "--index", str(index_copy))
    assert code == 1 and out == ""
    # bad_records.txt: lines 2, 6, 9 and 15; bad.jsonl: lines 1, 3, 4 and 7 (the other lines are records)
    assert "8 problems in the records" in err
    assert "bad_records.txt, line 2: impossible date 'February 30, 1947'" in err
    assert "bad.jsonl, line 3: not valid JSON" in err
    assert "Traceback" not in err
    assert snapshot(index_copy) == before
    code, out, _ = run(capsys, "ask", "--json", Q, "--index", str(index_copy))
    assert code == 0 and json.loads(out)["index"]["records"] == 20


@pytest.mark.parametrize("name", ["empty.txt", "cp1252.txt"])
def test_build_refuses_empty_and_undecodable_files(capsys, index_copy, name):
    before = snapshot(index_copy)
    code, _, err = run(capsys, "build", "--records", str(DATA / name), "--index", str(index_copy))
    assert code == 1 and name in err and snapshot(index_copy) == before


def test_skip_invalid_builds_from_the_rest_and_reports_each(capsys, tmp_path):
    d = tmp_path / "index"
    code, out, err = run(capsys, "build", "--records", str(DATA / "bad_records.txt"), str(DATA / "good.jsonl"),
                         "--index", str(d), "--skip-invalid")
    assert code == 0
    assert err.count("skipped: ") == 4 and "bad_records.txt, line 15: unrecognised month" in err
    assert err.count("duplicate: ") == 1
    assert "4 records" in out and "skipped 4 invalid" in out and "1 duplicates indexed once" in out
    code, out, _ = run(capsys, "info", "--index", str(d), "--json")
    assert json.loads(out)["records"] == 4 and json.loads(out)["undated"] == 1


def test_model_by_environment_variable_must_load(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHIVE_QA_MODEL", str(tmp_path / "no-such-model"))
    code, _, err = run(capsys, "build", "--records", str(DATA / "good.csv"), "--index", str(tmp_path / "i"))
    assert code == 1 and "cannot load the embedding model" in err and "no-such-model" in err
    assert not (tmp_path / "i" / "CURRENT").exists()


def test_subprocess_errors_are_one_sentence_without_traceback(tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    p = subprocess.run([sys.executable, "-m", "qa", "ask", "anything", "--index", str(tmp_path / "x")],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    # no index and no seeds/ here: the automatic build has nothing to read
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.startswith("archive-qa: ") and "seeds: no such file or folder" in p.stderr
    p = subprocess.run([sys.executable, "-m", "qa", "info", "--index", str(tmp_path / "x")],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 1 and p.stderr.strip() == (
        f"archive-qa: no index in {tmp_path / 'x'}: build one with: archive-qa build --index {tmp_path / 'x'}")


def test_console_script_builds_and_answers_from_the_repo_defaults(tmp_path):
    exe = ROOT / ".venv" / "bin" / "archive-qa"
    if not exe.exists():
        pytest.skip("the console script is installed by the README's command into .venv")
    work = tmp_path / "w"
    (work / "seeds").mkdir(parents=True)
    (work / "seeds" / "k.txt").write_text((SEEDS / "korea-1942-1948.txt").read_text())
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    p = subprocess.run([str(exe), "build"], capture_output=True, text=True, cwd=work, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "Built index: 20 records" in p.stdout
    p = subprocess.run([str(exe), "ask", "--json", Q], capture_output=True, text=True, cwd=work, env=env,
                       timeout=300)
    assert p.returncode == 0 and json.loads(p.stdout)["citations"][0]["date"] == "April 12, 1948"


def test_ask_exports_citations_that_a_reference_manager_reads(capsys, seed_index_dir):
    import rispy

    code, out, _ = run(capsys, "ask", Q, "--index", str(seed_index_dir), "--format", "ris")
    entries = rispy.loads(out)
    assert code == 0 and entries[0]["title"].startswith("Protocol No. 61")
    assert entries[0]["name_of_database"] == "Wilson Center Digital Archive: Korea, 1942–1948"
    code, out, _ = run(capsys, "ask", Q, "--index", str(seed_index_dir), "--format", "csl-json")
    assert json.loads(out)[0]["issued"] == {"date-parts": [[1948, 4, 12]]}


def test_related_lists_the_nearest_records_and_names_ambiguous_titles(capsys, seed_index_dir):
    code, out, _ = run(capsys, "related", "Telegram No. 418 from Vyshinsky", "--index", str(seed_index_dir),
                       "-k", "3", "--json")
    r = json.loads(out)
    assert code == 0 and r["record"]["title"] == "Telegram No. 418 from Vyshinsky" and len(r["related"]) == 3
    assert all(c["title"] != "Telegram No. 418 from Vyshinsky" for c in r["related"])
    code, _, err = run(capsys, "related", "Telegram, V. Molotov to Cde. Stalin", "--index", str(seed_index_dir))
    assert code == 1 and "2 records have the title" in err and "October 30, 1947" in err


def test_a_list_question_cites_its_records_in_date_order(capsys, seed_index_dir):
    code, out, _ = run(capsys, "ask", "--json", "List the documents on Soviet geological prospecting in Korea",
                       "--index", str(seed_index_dir))
    a = json.loads(out)
    titles = [c["title"][:15] for c in a["citations"]]
    protocols = [t for t in titles if t.startswith("Protocol")]
    assert protocols == ["Protocol No. 18", "Protocol No. 36", "Protocol No. 61"]
    starts = [c["iso_date"] for c in a["citations"]]
    assert [s[:4] for s in starts] == sorted(s[:4] for s in starts)
