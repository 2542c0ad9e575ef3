import pytest

from conftest import DATA, SEEDS
from qa.errors import RecordsError
from qa.records import load_records, read_records, record_id


def test_seed_collection_reads_all_twenty_records():
    r = read_records([SEEDS])
    assert len(r.records) == 20 and not r.problems and not r.duplicates
    first = r.records[0]
    assert first.date.text == "February, 1942" and first.date.iso == "1942-02"
    assert first.title == "Letter to Stalin from the Commanders and Soldiers of the Korean Army in China"
    assert first.summary.startswith("Korean commanders express high hopes")
    assert first.source.endswith("korea-1942-1948.txt") and first.line == 3
    assert first.metadata == {"collection": "Wilson Center Digital Archive: Korea, 1942–1948"}
    year_only = r.records[1]
    assert year_only.date.iso == "1945" and year_only.date.precision == "year"


def test_same_title_different_dates_are_two_records():
    r = read_records([SEEDS])
    molotov = [x for x in r.records if x.title == "Telegram, V. Molotov to Cde. Stalin"]
    assert [x.date.text for x in molotov] == ["October 29, 1947", "October 30, 1947"]
    assert molotov[0].id != molotov[1].id


def test_ids_are_stable_and_content_derived():
    a = read_records([SEEDS]).records
    b = read_records([SEEDS]).records
    assert [x.id for x in a] == [x.id for x in b]
    assert len({x.id for x in a}) == 20
    x = a[3]
    assert x.id == record_id(x.date.text, x.title, x.summary)
    assert record_id("1945", "T", "S") != record_id("1946", "T", "S")


def test_bad_text_records_report_every_problem_with_file_and_line():
    r = read_records([DATA / "bad_records.txt"])
    got = [(p.line, p.message) for p in r.problems]
    assert len(got) == 4, got
    assert got[0][0] == 2 and "February 1947 has 28 days" in got[0][1]
    assert got[1][0] == 6 and "has only one line" in got[1][1]
    assert got[2][0] == 9 and "has only one line" in got[2][1]
    assert got[3][0] == 15 and "unrecognised month 'Smarch'" in got[3][1]
    assert all(p.file.endswith("bad_records.txt") for p in r.problems)
    assert [x.title for x in r.records] == ["A good record between the bad ones"]


def test_load_records_raises_one_error_listing_all_problems():
    with pytest.raises(RecordsError) as e:
        load_records([DATA / "bad_records.txt"])
    msg = str(e.value)
    assert msg.startswith("4 problems in the records")
    assert "bad_records.txt, line 2: impossible date 'February 30, 1947'" in msg
    assert "--skip-invalid" in msg and "Nothing was changed" in msg


def test_skip_invalid_keeps_the_good_records_and_reports_the_rest():
    r = load_records([DATA / "bad_records.txt"], skip_invalid=True)
    assert len(r.records) == 1 and len(r.problems) == 4


def test_jsonl_reader_keeps_metadata_undated_and_drops_exact_duplicates():
    r = read_records([DATA / "good.jsonl"])
    assert not r.problems
    assert [x.title for x in r.records] == ["Telegram No. 418 from Vyshinsky", "Undated note on railway engineers",
                                            "Year-only report"]
    assert r.records[0].metadata == {"url": "https://example.org/doc/418", "archive": "Fixture collection"}
    assert r.records[0].line == 1 and r.records[2].line == 3
    assert r.records[1].undated
    assert len(r.duplicates) == 1
    assert r.duplicates[0].line == 5 and "duplicate of the record at" in r.duplicates[0].message
    assert "line 3" in r.duplicates[0].message


def test_bad_jsonl_lines_are_each_reported():
    r = read_records([DATA / "bad.jsonl"])
    msgs = {p.line: p.message for p in r.problems}
    assert set(msgs) == {1, 3, 4, 7}
    assert "has 28 days" in msgs[1]
    assert "not valid JSON" in msgs[3]
    assert "JSON object" in msgs[4]
    assert "neither a title nor a summary" in msgs[7]
    # an empty title is the archival '[Untitled]'; a missing or null date, or a missing summary, is kept
    assert [(x.line, x.title, x.undated) for x in r.records] == [
        (2, "[Untitled]", False), (5, "No date field", True), (6, "Fine", False), (8, "Null date", True),
        (9, "No summary at all", False)]
    assert r.records[4].summary == ""
    assert not r.notes  # some records have a date field, so the file's dates are not misnamed


def test_a_jsonl_file_without_any_date_field_is_read_undated_with_a_note(tmp_path):
    f = tmp_path / "created.jsonl"
    f.write_text('{"created": "1947", "title": "A", "summary": "One."}\n'
                 '{"created": "1948", "title": "B", "summary": "Two."}\n')
    r = read_records([f])
    assert not r.problems and [x.undated for x in r.records] == [True, True]
    assert len(r.notes) == 1 and "no record has a 'date' field, so all 2 are undated" in str(r.notes[0])


def test_csv_reader_with_quotes_metadata_and_line_numbers():
    r = read_records([DATA / "good.csv"])
    assert not r.problems
    assert [x.line for x in r.records] == [2, 3, 4]
    assert r.records[0].metadata == {"url": "https://example.org/doc/121973"}
    assert r.records[1].undated and r.records[1].summary == 'A memo, with a comma and a "quote", and no date.'
    assert r.records[2].date.iso == "1948-04-12"


def test_bad_csv_rows_and_missing_columns():
    r = read_records([DATA / "bad.csv"])
    assert [(p.line, "April 1948 has 30 days" in p.message) for p in r.problems] == [(2, True)]
    assert [x.title for x in r.records] == ["[Untitled]", "Good row"]
    r = read_records([DATA / "nocolumns.csv"])
    assert len(r.problems) == 1 and "lacks the columns date, title, summary" in r.problems[0].message


@pytest.mark.parametrize("name, says", [
    ("empty.txt", "the file is empty"),
    ("blank.txt", "the file holds no records"),
    ("cp1252.txt", "line 2: not valid UTF-8 (byte 0xE9)"),
])
def test_unreadable_files_are_problems_not_crashes(name, says):
    r = read_records([DATA / name])
    assert not r.records
    assert len(r.problems) == 1 and says in str(r.problems[0]), r.problems


def test_byte_order_mark_is_ignored():
    r = read_records([DATA / "bom.txt"])
    assert not r.problems and r.records[0].date.iso == "1947-05-12" and r.records[0].title == "BOM memo"


def test_utf16_file_is_read(tmp_path):
    f = tmp_path / "u16.txt"
    f.write_text("1946\nUTF-16 memo\nA file saved as UTF-16 with its byte order mark.\n", encoding="utf-16")
    r = read_records([f])
    assert not r.problems and r.records[0].title == "UTF-16 memo"


def test_exact_duplicates_indexed_once_same_title_other_date_kept():
    r = read_records([DATA / "duplicate.txt"])
    assert len(r.records) == 2 and len(r.duplicates) == 1
    assert r.duplicates[0].line == 5


def test_missing_paths_and_unknown_formats(tmp_path):
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    r = read_records([tmp_path / "nope.txt", tmp_path / "notes.pdf", tmp_path])
    msgs = [str(p) for p in r.problems]
    assert any("nope.txt: no such file or folder" in m for m in msgs)
    assert any("unknown format '.pdf'" in m for m in msgs)
    assert any("holds no record files" in m for m in msgs)


def test_real_state_department_export_is_read_whole():
    """The 7,535 real records of the State Department export (tests/data, a copy of ../shared/data): none lost.

    Its six records without a summary are kept under their titles; exact duplicates are indexed once."""
    r = read_records([DATA / "hsg-visits-travels.jsonl"])
    assert not r.problems and not r.notes
    assert len(r.records) + len(r.duplicates) == 7535
    assert sum(not x.summary for x in r.records) == 6
    assert r.records[0].metadata["id"] == "visit-2138"


def test_example_questions_beside_the_records_are_not_records(tmp_path):
    from qa.records import read_examples, read_records

    (tmp_path / "a.txt").write_text("# collection: Logs\n# example: What did the pilot log?\n#example:  Who  wrote?\n"
                                    "-\n1950\nTitle\nSummary.\n")
    (tmp_path / "examples.txt").write_text("\ufeff# questions for this folder\nWhen was the quay built?\n\n"
                                           "What did the pilot log?\n")
    result = read_records([tmp_path])
    assert [r.title for r in result.records] == ["Title"] and not result.problems
    assert result.files == [tmp_path / "a.txt"]
    assert read_examples([tmp_path]) == ["When was the quay built?", "What did the pilot log?", "Who wrote?"]
    assert read_examples([tmp_path / "a.txt"]) == read_examples([tmp_path])  # beside a file too
    assert read_examples([tmp_path / "elsewhere" / "missing.txt"]) == []
