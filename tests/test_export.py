"""Exports of an answer, each read back with a real parser for its format: no model needed."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import bibtexparser
import jsonschema
import pytest
import rispy
from markdown_it import MarkdownIt
from pylatexenc import latex2text

from qa.answer import Answer, Citation
from qa.dates import parse_date
from qa.export import CSV_COLUMNS, EXTENSIONS, FORMATS, export, filename
from qa.records import Record, record_id
from qa.retrieve import Hit
from qa.support import Evidence

EV = Evidence(0.5, 0.0, 1.0, 1.0, 1.0, 1.0)

STAMP = {"records": 812, "model": "sentence-transformers/all-MiniLM-L6-v2", "corpus_sha256": "abc123",
         "built_at": "2026-01-01T00:00:00+00:00"}
QUESTION = "What did *Vyshinsky* & 김구 say about the [Korean] question?"


def rec(date_text: str, title: str, summary: str, **metadata: str) -> Record:
    return Record(record_id(date_text, title, summary), parse_date(date_text), title, summary, "f.txt", 7,
                  metadata)


# Titles and summaries chosen to break each format: BibTeX specials and unbalanced braces, Markdown
# links and emphasis, HTML, spreadsheet formulas, quotes, commas and newlines, Korean and Cyrillic.
DAY = rec("October 29, 1947", 'Telegram No. 418 {draft} on the "100% & $5 #1" plan_b, \\ ~^ <i>',
          'Vyshinsky objects, "firmly", to the amendment;\nsecond line <script>alert(1)</script>.',
          url="https://example.org/doc/418?a=1&b={2}", collection="Wilson Center Digital Archive")
YEAR = rec("1945", "김구 and Молотов: *bold* [link](javascript:x)", "- a summary that starts like a list item",
           archive="Presidential Archive")
MONTH = rec("February, 1942", '=HYPERLINK("http://evil.example","click")', "+1 then @SUM(A1) and -2",
            url="javascript:alert(1)")
UNDATED = rec("n.d.", "Unbalanced } brace and a lone { one", "@SUM(A1:A9) in a memo about railways.")
CIRCA = rec("circa 1950", "# Not a heading", "1950. A summary starting with a number and a dot.")
RECORDS = [DAY, YEAR, MONTH, UNDATED, CIRCA]


def make_answer(records=RECORDS, question=QUESTION) -> Answer:
    cites = [Citation(n, Hit(r, 0.6, n, support=0.72 - n / 100, evidence=EV)) for n, r in enumerate(records, start=1)]
    text = "\n".join(f"{r.date.text}: {r.summary.splitlines()[0]} [{c.n}]" for c, r in zip(cites, records))
    return Answer(question, text, True, cites, STAMP)


ANSWER = make_answer()
UNANSWERED = Answer("the 1953 armistice", "The archive holds no record that answers this question. The closest "
                    "records are listed below for reference; they do not answer it.", False, [], STAMP,
                    closest=[Hit(YEAR, 0.2, 1), Hit(UNDATED, 0.1, 2)])


# -- the API ---------------------------------------------------------------------------------------------


def test_every_format_exports_answered_and_unanswered():
    for fmt in FORMATS:
        assert export(ANSWER, fmt).strip()
        assert isinstance(export(UNANSWERED, fmt, collection="X"), str)


def test_unknown_format_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown export format 'pdf': choose from markdown, csv, bibtex, ris, "
                       r"csl-json, json"):
        export(ANSWER, "pdf")
    with pytest.raises(ValueError, match="unknown export format"):
        filename(ANSWER, "docx")
    assert export(ANSWER, " BibTeX ") == export(ANSWER, "bibtex")


def test_filename_is_a_safe_slug_of_the_question_with_the_format_extension():
    names = {fmt: filename(ANSWER, fmt) for fmt in FORMATS}
    assert names["markdown"] == "archive-qa-what-did-vyshinsky-김구-say-about-the-korean-question.md"
    assert {n.split(".", 1)[1] for n in names.values()} == set(EXTENSIONS.values()) == {
        "md", "csv", "bib", "ris", "csl.json", "json"}
    assert len(set(names.values())) == len(FORMATS)  # CSL-JSON never overwrites the JSON export
    hostile = make_answer(question="../../etc/passwd; rm -rf / <script>\x00 Молотов?")
    assert filename(hostile, "csv") == "archive-qa-etc-passwd-rm-rf-script-молотов.csv"
    assert filename(make_answer(question="?!"), "ris") == "archive-qa-answer.ris"
    long = filename(make_answer(question="word " * 100), "json")
    assert len(long) <= len("archive-qa-.json") + 60 and not long.endswith("-.json")
    for name in (*names.values(), filename(hostile, "json")):
        assert re.fullmatch(r"archive-qa-[\w-]+\.[a-z.]+", name)


# -- Markdown --------------------------------------------------------------------------------------------


class _Html(HTMLParser):
    """The text and the tags of rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def render(md: str) -> _Html:
    parser = _Html()
    # CommonMark with raw HTML on, plus GFM tables and strikethrough, as a chat UI would render it.
    parser.feed(MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md))
    return parser


def test_markdown_renders_record_text_literally_and_cites_every_source():
    md = export(ANSWER, "markdown")
    html = render(md)
    text = "".join(html.text)
    tags = [t for t, _ in html.tags]
    # Only the structure we wrote: headings, paragraphs, line breaks, a rule, and links for http(s) URLs.
    assert set(tags) <= {"h1", "h2", "p", "br", "hr", "a"}
    assert [unquote(a["href"]) for t, a in html.tags if t == "a"] == ["https://example.org/doc/418?a=1&b={2}"]
    assert tags.count("h1") == 1 and tags.count("table") == 0
    assert md.startswith("# What did \\*Vyshinsky\\* \\& 김구 say about the \\[Korean\\] question?\n")
    assert "What did *Vyshinsky* & 김구 say about the [Korean] question?" in text
    for r in RECORDS:  # every title and summary shows exactly as written (whitespace collapsed)
        assert r.title in text and " ".join(r.summary.split()) in text
    assert "<script>alert(1)</script>" in text and "javascript:alert(1)" in text
    assert "## Sources" in md
    for c in ANSWER.citations:
        label = f"[{c.n}] {c.hit.record.date.text if not c.hit.record.undated else 'Undated'} — {c.hit.record.title}"
        assert label in text
        assert f"Relevance: {c.relevance:.2f} (how likely the record answers the question, 0-1)" in text
    assert text.index("[1] October") < text.index("[2] 1945") < text.index("[5] circa 1950")
    assert "Undated — Unbalanced" in text
    for line in ANSWER.text.splitlines():  # the answer's own [n] markers stay literal too
        assert " ".join(line.split()) in text
    footer = md.rstrip().splitlines()[-1]
    assert footer == ("Index: 812 records · model sentence-transformers/all-MiniLM-L6-v2 · corpus sha256 abc123 · "
                      "built 2026-01-01T00:00:00+00:00")


def test_markdown_names_the_collection_and_keeps_unanswered_closest_apart():
    md = export(ANSWER, "markdown", collection="Wilson Center")
    assert md.rstrip().endswith("Collection: Wilson Center")
    md = export(UNANSWERED, "markdown")
    text = "".join(render(md).text)
    assert "## Sources" not in md and "Closest records (they do not answer the question)" in text
    assert "[1]" not in text and YEAR.title in text and "Presidential Archive" in text


# -- CSV -------------------------------------------------------------------------------------------------


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_round_trips_every_field():
    text = export(ANSWER, "csv", collection="Wilson Center, Box 3")
    assert text.startswith(",".join(CSV_COLUMNS) + "\r\n")
    rows = read_csv(text)
    assert [int(r["n"]) for r in rows] == [1, 2, 3, 4, 5]
    first = rows[0]
    assert first == {"n": "1", "id": DAY.id, "date": "October 29, 1947", "iso_date": "1947-10-29",
                     "date_start": "1947-10-29", "date_end": "1947-10-29", "title": DAY.title,
                     "summary": DAY.summary, "url": "https://example.org/doc/418?a=1&b={2}", "relevance": "0.71",
                     "source": "f.txt", "line": "7", "collection": "Wilson Center, Box 3"}
    assert "\n" in first["summary"] and '"firmly"' in first["summary"]  # newline and quotes survive
    assert rows[1]["title"] == YEAR.title and rows[1]["iso_date"] == "1945"
    assert (rows[1]["date_start"], rows[1]["date_end"]) == ("1945-01-01", "1945-12-31")
    assert (rows[2]["iso_date"], rows[2]["date_start"], rows[2]["date_end"]) == ("1942-02", "1942-02-01",
                                                                                 "1942-02-28")
    assert (rows[3]["date"], rows[3]["iso_date"], rows[3]["date_start"], rows[3]["url"]) == ("n.d.", "", "", "")


def test_csv_collection_falls_back_to_the_record_metadata():
    rows = read_csv(export(ANSWER, "csv"))
    assert [r["collection"] for r in rows] == ["Wilson Center Digital Archive", "Presidential Archive", "", "", ""]


def test_csv_cells_that_would_run_as_formulas_get_a_leading_apostrophe():
    # A spreadsheet runs a cell starting with =, +, - or @ (even after spaces) as a formula; the apostrophe
    # makes it text. Numbers we write (n, relevance, line) stay numbers.
    tricky = [rec("1950", t, s) for t, s in [("  =1+1", "ok"), ("\t@cmd", "ok"), ("-2+3", "+x"),
                                             ("safe - title", "a = b")]]
    answer = Answer("q", "", True, [Citation(i, Hit(r, -0.05, i, support=0.05, evidence=EV))
                                    for i, r in enumerate(tricky, 1)], STAMP)
    rows = read_csv(export(answer, "csv"))
    assert [(r["title"], r["summary"]) for r in rows] == [("'  =1+1", "ok"), ("'\t@cmd", "ok"),
                                                           ("'-2+3", "'+x"), ("safe - title", "a = b")]
    assert {r["relevance"] for r in rows} == {"0.05"}
    rows = read_csv(export(ANSWER, "csv"))
    assert rows[2]["title"] == "'" + MONTH.title and rows[2]["summary"] == "'" + MONTH.summary
    assert rows[1]["summary"] == "'" + YEAR.summary and rows[3]["summary"] == "'" + UNDATED.summary


# -- BibTeX ----------------------------------------------------------------------------------------------

# pylatexenc's defaults lack a few standard LaTeX text symbols: teach it them, as LaTeX knows them.
_LATEX = latex2text.get_default_latex_context_db()
_LATEX.add_context_category("archive-qa-test", prepend=True, macros=[
    latex2text.MacroTextSpec(name, text) for name, text in (
        ("textbraceleft", "{"), ("textbraceright", "}"), ("textless", "<"), ("textgreater", ">"),
        ("textasciicircum", "^"))])


def latex(value: str) -> str:
    return latex2text.LatexNodes2Text(latex_context=_LATEX).latex_to_text(value)


def parse_bib(text: str) -> dict[str, dict[str, str]]:
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks, [b.error for b in lib.failed_blocks]
    assert all(e.entry_type == "misc" for e in lib.entries)
    return {e.key: {f.key: f.value for f in e.fields} for e in lib.entries}


def balanced(value: str) -> bool:
    """BibTeX's own rule: braces balance, escaped or not."""
    depth = 0
    for ch in value:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def test_bibtex_parses_and_every_title_survives():
    text = export(ANSWER, "bibtex", collection="Wilson Center & Co. 100%")
    entries = parse_bib(text)
    assert list(entries) == [f"archiveqa-{r.id}" for r in RECORDS]  # stable keys, in citation order
    for r in RECORDS:
        e = entries[f"archiveqa-{r.id}"]
        assert all(balanced(v) for v in e.values())
        assert e["title"].startswith("{") and e["title"].endswith("}")  # inner braces keep capitals
        assert latex(e["title"]) == r.title
        assert latex(e["note"]) == " ".join(r.summary.split())
        assert latex(e["howpublished"]) == "Wilson Center & Co. 100%"
        assert f"[{RECORDS.index(r) + 1}]" in e["annote"]
    assert "\\textbraceleft{}" in entries[f"archiveqa-{UNDATED.id}"]["title"]  # unbalanced: spelled out
    assert "\\{draft\\}" in entries[f"archiveqa-{DAY.id}"]["title"]  # balanced: plain escapes


def test_bibtex_dates_keep_the_records_precision():
    entries = parse_bib(export(ANSWER, "bibtex"))
    fields = {k: {f: v.get(f) for f in ("date", "year", "month")} for k, v in entries.items()}
    assert fields[f"archiveqa-{DAY.id}"] == {"date": "1947-10-29", "year": "1947", "month": "oct"}
    assert fields[f"archiveqa-{YEAR.id}"] == {"date": "1945", "year": "1945", "month": None}
    assert fields[f"archiveqa-{MONTH.id}"] == {"date": "1942-02", "year": "1942", "month": "feb"}
    assert fields[f"archiveqa-{UNDATED.id}"] == {"date": None, "year": None, "month": None}
    assert fields[f"archiveqa-{CIRCA.id}"] == {"date": "1950~", "year": "1950", "month": None}
    assert "month = oct," in export(ANSWER, "bibtex")  # the unbraced macro classic styles localise
    circa = make_answer([rec("ca. February, 1942", "t", "s"), rec("c.1950", "u", "s")])
    assert [e["date"] for e in parse_bib(export(circa, "bibtex")).values()] == ["1942-02~", "1950~"]
    assert [i["issued"] for i in json.loads(export(circa, "csl-json"))] == [
        {"date-parts": [[1942, 2]], "circa": True}, {"date-parts": [[1950]], "circa": True}]


def test_bibtex_collection_url_and_duplicate_keys():
    entries = parse_bib(export(ANSWER, "bibtex"))
    day, year, month = (entries[f"archiveqa-{r.id}"] for r in (DAY, YEAR, MONTH))
    assert day["howpublished"] == "Wilson Center Digital Archive" and year["howpublished"] == "Presidential Archive"
    assert "howpublished" not in month
    assert day["url"] == "https://example.org/doc/418?a=1&b=%7B2%7D"  # verbatim field: braces percent-encoded
    assert "url" not in year
    twice = make_answer([DAY, DAY])
    assert list(parse_bib(export(twice, "bibtex"))) == [f"archiveqa-{DAY.id}", f"archiveqa-{DAY.id}-2"]
    assert export(UNANSWERED, "bibtex") == "" and parse_bib("") == {}


# -- RIS -------------------------------------------------------------------------------------------------


def test_ris_parses_with_every_field():
    text = export(ANSWER, "ris", collection="Wilson Center")
    assert "\n" not in text.replace("\r\n", "")  # CRLF throughout, as the RIS specification says
    for line in text.split("\r\n"):
        assert line == "" or re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line)
    entries = rispy.loads(text)
    assert len(entries) == 5
    for e, r in zip(entries, RECORDS):
        assert e["type_of_reference"] == "MANSCPT"
        assert e["id"] == f"archiveqa-{r.id}"
        assert e["title"] == r.title
        assert e["abstract"] == " ".join(r.summary.split())
        assert e["name_of_database"] == "Wilson Center"
    by = {e["id"]: e for e in entries}
    assert (by[f"archiveqa-{DAY.id}"]["date"], by[f"archiveqa-{DAY.id}"]["year"]) == ("1947/10/29/", "1947")
    assert (by[f"archiveqa-{YEAR.id}"]["date"], by[f"archiveqa-{YEAR.id}"]["year"]) == ("1945///", "1945")
    assert by[f"archiveqa-{MONTH.id}"]["date"] == "1942/02//"
    assert "date" not in by[f"archiveqa-{UNDATED.id}"] and "year" not in by[f"archiveqa-{UNDATED.id}"]
    assert by[f"archiveqa-{DAY.id}"]["urls"] == ["https://example.org/doc/418?a=1&b={2}"]
    assert "urls" not in by[f"archiveqa-{YEAR.id}"]
    assert "relevance 0.71 (how likely the record answers the question" in by[f"archiveqa-{DAY.id}"]["notes"][0]


def test_ris_collection_falls_back_to_the_record_and_unanswered_is_empty():
    entries = rispy.loads(export(ANSWER, "ris"))
    assert [e.get("name_of_database") for e in entries] == ["Wilson Center Digital Archive", "Presidential Archive",
                                                            None, None, None]
    assert export(UNANSWERED, "ris") == ""


# -- CSL-JSON --------------------------------------------------------------------------------------------

# The parts of the CSL 1.0.2 input schema (schemas/input/csl-data.json) covering every field we write,
# with its "no other properties" rule, so a misspelt or invented field fails here as it would in Zotero.
_DATE = {"anyOf": [{"type": "string"}, {
    "type": "object", "additionalProperties": False,
    "properties": {"date-parts": {"type": "array", "minItems": 1, "maxItems": 2,
                                  "items": {"type": "array", "minItems": 1, "maxItems": 3,
                                            "items": {"type": ["string", "number"]}}},
                   "season": {"type": ["string", "number"]}, "circa": {"type": ["string", "number", "boolean"]},
                   "literal": {"type": "string"}, "raw": {"type": "string"}, "edtf": {"type": "string"}}}]}
CSL_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["type", "id"],
        "additionalProperties": False,
        "properties": {
            "type": {"enum": ["document", "manuscript"]},  # the two the CSL list offers archival records
            "id": {"type": ["string", "number"]},
            "title": {"type": "string"}, "abstract": {"type": "string"}, "URL": {"type": "string"},
            "archive": {"type": "string"}, "note": {"type": "string"}, "issued": _DATE,
        },
    },
}


def render_csl(items: list[dict]) -> list[str]:
    """The bibliography citeproc-py renders from the items with the style it ships."""
    import citeproc
    from citeproc import Citation as CslCitation
    from citeproc import CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    style = CitationStylesStyle(str(Path(citeproc.__file__).parent / "data/styles/harvard-cite-them-right.csl"),
                                validate=False)
    bib = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bib.register(CslCitation([CitationItem(item["id"])]))
    return [str(entry) for entry in bib.bibliography()]


def test_csl_json_is_valid_csl_at_the_records_precision():
    items = json.loads(export(ANSWER, "csl-json", collection="Wilson Center"))
    jsonschema.validate(items, CSL_SCHEMA)
    assert [i["id"] for i in items] == [f"archiveqa-{r.id}" for r in RECORDS]
    assert {i["type"] for i in items} == {"manuscript"}
    assert [i["title"] for i in items] == [r.title for r in RECORDS]
    assert [i["abstract"] for i in items] == [r.summary for r in RECORDS]
    assert [i.get("issued") for i in items] == [
        {"date-parts": [[1947, 10, 29]]}, {"date-parts": [[1945]]}, {"date-parts": [[1942, 2]]}, None,
        {"date-parts": [[1950]], "circa": True}]
    assert [i.get("URL") for i in items] == ["https://example.org/doc/418?a=1&b={2}", None, "javascript:alert(1)",
                                             None, None]
    assert {i["archive"] for i in items} == {"Wilson Center"}
    assert items[0]["note"].startswith("Date as written: October 29, 1947; cited as [1] by archive-qa, "
                                       "relevance 0.71 (how likely the record answers the question")
    archives = [i.get("archive") for i in json.loads(export(ANSWER, "csl-json"))]
    assert archives == ["Wilson Center Digital Archive", "Presidential Archive", None, None, None]
    assert json.loads(export(UNANSWERED, "csl-json")) == []


def test_csl_json_renders_with_citeproc():
    items = json.loads(export(ANSWER, "csl-json"))
    rendered = render_csl(items)
    assert len(rendered) == len(RECORDS)
    joined = "\n".join(rendered)
    for r in RECORDS:
        assert r.title in joined
    for year in ("1947", "1945", "1942", "1950"):
        assert f"({year})" in joined
    assert "(no date)" in joined  # the undated record: the style's own n.d.


# -- JSON ------------------------------------------------------------------------------------------------


def test_json_is_the_answer_contract_plus_the_collection():
    assert json.loads(export(ANSWER, "json", collection="Wilson Center")) == {**ANSWER.to_json(),
                                                                               "collection": "Wilson Center"}
    assert json.loads(export(ANSWER, "json"))["collection"] is None
    out = json.loads(export(UNANSWERED, "json", collection="  "))
    assert out["collection"] is None and [c["title"] for c in out["closest"]] == [YEAR.title, UNDATED.title]
    assert "김구" in export(ANSWER, "json")  # UTF-8 text, not \\u escapes
