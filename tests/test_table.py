"""The on-disk record table: one scan finds every line and id; a record is parsed only when asked for."""

import json

import numpy as np
import pytest

from conftest import SEEDS
from qa import table
from qa.dates import parse_date
from qa.records import Record, read_records, record_id


def rec(i: int, summary: str = "s") -> Record:
    dt = f"{1900 + i % 100}-{1 + i % 12:02d}"
    return Record(record_id(dt, f"title {i}", summary), parse_date(dt), f"title {i} — 김구 \u2028 \"quoted\"",
                  summary, "f.jsonl", i + 1, {"url": f"https://example.org/{i}"})


def write(tmp_path, records):
    path = tmp_path / "records.jsonl"
    path.write_bytes(table.record_lines(records))
    return path


def open_table(path):
    s = table.scan(path)
    return s, table.RecordTable(path, s.offsets, s.ids)


@pytest.mark.parametrize("chunk", [4096, table.CHUNK])
def test_a_scan_finds_every_line_and_id_across_chunk_edges(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(table, "CHUNK", chunk)
    # summaries of many lengths, so that lines and ids straddle the 4 KB chunk edges in every way
    records = [rec(i, "x" * (i * 37 % 3000)) for i in range(400)]
    path = write(tmp_path, records)
    s, t = open_table(path)
    assert s.bad_line is None and len(t) == 400
    assert s.offsets[0] == 0 and s.offsets[-1] == path.stat().st_size
    assert [x.decode() for x in s.ids.tolist()] == [r.id for r in records]
    assert list(t) == records and t[-1] == records[-1] and t[10:13] == records[10:13]
    assert t.rows_with_id(records[123].id) == [123] and t.rows_with_id("nope") == []
    assert t.rows_with_id(f" {records[123].id.upper()} ") == [123]
    assert t.rows_with_title("TITLE 7 — 김구 \u2028 \"quoted\"") == [7]
    assert t.rows_with_title("title 7") == [] and t.rows_with_title("") == []
    from qa.store import corpus_sha256, sha256_file

    assert t.corpus_sha256() == corpus_sha256(records) and s.sha256 == sha256_file(path)
    with pytest.raises(IndexError):
        t[400]


def test_seed_records_round_trip_with_their_dates(tmp_path):
    records = read_records([SEEDS]).records
    _, t = open_table(write(tmp_path, records))
    assert list(t) == records
    d = table.date_columns(records)
    assert d.shape == (20, 2) and d.dtype == np.dtype("datetime64[D]")
    assert all(d[i, 0] == np.datetime64(r.date.start) and d[i, 1] == np.datetime64(r.date.end)
               for i, r in enumerate(records))


def test_undated_records_get_no_date_range():
    r = Record(record_id("n.d.", "t", "s"), parse_date("n.d."), "t", "s", "f", 1)
    assert np.isnat(table.date_columns([r])).all()
    assert table.date_columns([]).shape == (0, 2)


def test_an_empty_file_is_an_empty_table(tmp_path):
    s, t = open_table(write(tmp_path, []))
    assert len(t) == 0 and list(t) == [] and s.bad_line is None


@pytest.mark.parametrize("damage, line", [
    (lambda lines: lines[:2] + [lines[2].replace('{"id": "', '{"ID": "')] + lines[3:], 3),
    (lambda lines: lines[:4] + ['{"title": "no id first"}\n'] + lines[4:], 5),
    (lambda lines: lines[:-1] + ['{"id": "short"}'], 10),
])
def test_a_line_that_does_not_start_with_its_id_is_found(tmp_path, damage, line):
    # split on newlines only: the titles hold U+2028, which str.splitlines would also split on
    lines = [x + "\n" for x in table.record_lines([rec(i) for i in range(10)]).decode().split("\n")[:-1]]
    path = tmp_path / "records.jsonl"
    path.write_text("".join(damage(lines)))
    s, _ = open_table(path)
    assert s.bad_line == line


def test_a_record_whose_json_puts_another_key_first_is_refused_at_write():
    class Odd(Record):
        def to_json(self):
            return {"title": self.title, **super().to_json()}

    r = rec(1)
    odd = Odd(r.id, r.date, r.title, r.summary, r.source, r.line)
    with pytest.raises(ValueError, match="its JSON does not start with its id"):
        table.record_lines([odd])
    bad = Record("NOT-HEX-AT-ALL!!", r.date, r.title, r.summary, r.source, r.line)
    with pytest.raises(ValueError, match="ids are 16 lower-case hex digits"):
        table.record_lines([bad])
    assert json.loads(table.record_lines([r]))["id"] == r.id


def test_a_title_lookup_parses_only_the_lines_that_hold_it(tmp_path, monkeypatch):
    records = [rec(i, "same summary") for i in range(300)]
    _, t = open_table(write(tmp_path, records))
    parsed = []
    original = table.Record.from_json
    monkeypatch.setattr(table.Record, "from_json", lambda d: parsed.append(d["title"]) or original(d))
    assert t.rows_with_title(records[250].title) == [250]
    assert parsed == [records[250].title]


@pytest.mark.parametrize("change", ["truncate", "same size"])
def test_a_file_changed_under_a_loaded_table_is_an_error_not_a_crash(tmp_path, change):
    records = [rec(i) for i in range(20)]
    path = write(tmp_path, records)
    _, t = open_table(path)
    data = path.read_bytes()
    if change == "truncate":
        path.write_bytes(data[: len(data) // 2])  # in place, as cp over a build folder would
    else:
        path.write_bytes(data.replace(records[19].id.encode(), records[18].id.encode()))
    assert t[0] == records[0]
    with pytest.raises(table.Changed, match="line 20 is not the record it was.*rebuild the index"):
        t[19]


def test_a_loaded_index_survives_its_files_being_copied_over_in_place(index_copy):
    """A backup restored with cp truncates and rewrites the live build's files: answers go on or fail with a
    message; the process is never killed (nothing it reads is memory-mapped)."""
    import subprocess
    import sys

    from conftest import ROOT

    code = f"""
import os, pathlib, sys
from qa.archive import Archive
a = Archive(pathlib.Path({str(index_copy)!r}))
a.open(auto_build=False)
a.ask("uranium prospecting")
build = a.current.path
for f in [*build.glob("*"), *build.glob("bm25/*")]:
    if f.is_file():
        open(f, "r+b").truncate(0)
try:
    a.ask("uranium prospecting")
    print("answered")
except Exception as e:
    print("refused:", type(e).__name__, e)
"""
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    assert p.stdout.startswith(("answered", "refused: Changed")), p.stdout
