"""Exports of an answer for historians: Markdown, CSV, BibTeX, RIS, CSL-JSON and the JSON contract.

Every format carries the cited records only (an answer that found nothing exports no bibliography); the
Markdown and JSON exports also keep the closest records an unanswered question was shown, marked as such.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from urllib.parse import quote

from .answer import Answer, Citation, shown_date
from .records import Record

FORMATS = ("markdown", "csv", "bibtex", "ris", "csl-json", "json")
# csl-json gets a double extension so that it never overwrites the JSON export of the same question.
EXTENSIONS = {"markdown": "md", "csv": "csv", "bibtex": "bib", "ris": "ris", "csl-json": "csl.json",
              "json": "json"}
CSV_COLUMNS = ("n", "id", "date", "iso_date", "date_start", "date_end", "title", "summary", "url", "relevance",
               "source", "line", "collection")
KEY_PREFIX = "archiveqa-"
# RIS type: MANSCPT (unpublished manuscript) is what Zotero maps to and from its "manuscript" item type,
# which has the archive field DB fills; GEN would come back into Zotero as a journal article.
RIS_TYPE = "MANSCPT"
CSL_TYPE = "manuscript"  # Zotero's "manuscript" again, so the three bibliographic exports agree
RIS_EOL = "\r\n"  # the RIS specification's line end, and what Zotero itself writes

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_CIRCA = re.compile(r"^\s*(?:circa|ca\.?|c\.)\s*", re.IGNORECASE)  # the prefixes qa.dates reads as circa


def export(answer: Answer, fmt: str, *, collection: str | None = None) -> str:
    """The answer in one of FORMATS; collection names the archive the records come from, when known."""
    return _WRITERS[_format(fmt)](answer, (collection or "").strip() or None)


def filename(answer: Answer, fmt: str) -> str:
    """A safe download name: 'archive-qa-<slug of the question>.<ext>'."""
    return f"archive-qa-{_slug(answer.question)}.{EXTENSIONS[_format(fmt)]}"


def _format(fmt: str) -> str:
    name = fmt.strip().lower() if isinstance(fmt, str) else fmt
    if name not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: choose from {', '.join(FORMATS)}")
    return name


def _slug(text: str, limit: int = 60) -> str:
    """Lowercase words of any script joined by '-', cut at a word boundary; 'answer' when none."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower())
    slug = ""
    for w in words:
        longer = f"{slug}-{w}" if slug else w
        if len(longer) > limit:
            break
        slug = longer
    return slug or (words[0][:limit] if words else "answer")


# -- what every format reads from a record -------------------------------------------------------------


def _meta(record: Record, *names: str) -> str | None:
    """The first non-empty metadata value among names, matching keys case-insensitively."""
    lowered = {str(k).strip().lower(): v for k, v in record.metadata.items()}
    for name in names:
        value = " ".join(str(lowered.get(name) or "").split())
        if value:
            return value
    return None


def _url(record: Record) -> str | None:
    return _meta(record, "url")


def _collection(record: Record, collection: str | None) -> str | None:
    return collection or _meta(record, "collection", "archive")


def _keys(citations: list[Citation]) -> list[str]:
    """A stable citation key per citation, from the record id; a record cited twice gets '-2'."""
    keys, seen = [], {}
    for c in citations:
        key = KEY_PREFIX + (re.sub(r"[^A-Za-z0-9_.:-]", "-", c.hit.record.id) or "record")
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key}-{seen[key]}")
    return keys


def _parts(record: Record) -> list[int]:
    """[year], [year, month] or [year, month, day]: the date at the precision the archive gave it."""
    return [int(p) for p in record.date.iso.split("-")] if record.date.iso else []


def _circa(record: Record) -> bool:
    return not record.undated and bool(_CIRCA.match(record.date.text))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _relevance(value: float | None) -> str:
    """The relevance as the answer shows it: the probability that the record answers the question."""
    return ("in date order: every record of the period, not weighed" if value is None else
            f"{value:.2f} (how likely the record answers the question, 0-1)")


def _note(answer: Answer, c: Citation) -> str:
    r = c.hit.record
    return (f"Date as written: {_one_line(r.date.text) or 'n.d.'}; cited as [{c.n}] by archive-qa, relevance "
            f"{_relevance(c.relevance)}, to the question: {_one_line(answer.question)}")


# -- Markdown ------------------------------------------------------------------------------------------

# Backslash-escaped wherever they appear: every character that can open inline markup (emphasis, code,
# links, autolinks, raw HTML, entities, GFM tables and strikethrough, $$ maths in gradio).
_MD_INLINE = re.compile(r"([\\`*_\[\]<>#|~&$])")
# Escaped at the start of a line only, where they open a block (list, quote, heading underline).
_MD_LINE_START = re.compile(r"^([+\-=])|^(\d+)([.)])")


def _md(text: str) -> str:
    """Record or user text made literal in Markdown: '*bold* [link](javascript:x)' renders as typed."""
    s = _MD_INLINE.sub(r"\\\1", _one_line(text))
    return _MD_LINE_START.sub(lambda m: f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\{m.group(3)}", s)


def _md_url(url: str) -> str:
    """A link only for http(s) addresses an autolink can hold; anything else (javascript:) stays text."""
    if re.fullmatch(r"https?://[^\s<>\"\\`]+", url, flags=re.IGNORECASE):
        return f"<{url}>"
    return _md(url)


def _md_source(label: str, c: Citation, collection: str | None, *, show_collection: bool) -> list[str]:
    r = c.hit.record
    lines = [f"{label} {_md(shown_date(r))} — {_md(r.title)}", _md(r.summary)]
    if _url(r):
        lines.append(_md_url(_url(r)))  # type: ignore[arg-type]
    coll = _collection(r, collection)
    if show_collection and coll:
        lines.append(f"Collection: {_md(coll)}")
    lines.append(f"Relevance: {_relevance(c.relevance)}")
    return [line + "\\" for line in lines[:-1]] + lines[-1:]  # a trailing backslash is a hard line break


def _markdown(answer: Answer, collection: str | None) -> str:
    out = [f"# {_md(answer.question) or 'Question'}", ""]
    for line in answer.text.splitlines():
        if line.strip():
            out += [_md(line), ""]
    if answer.citations:
        out += ["## Sources", ""]
        for c in answer.citations:
            out += _md_source(f"\\[{c.n}\\]", c, collection, show_collection=not collection) + [""]
    elif answer.closest:
        out += ["## Closest records (they do not answer the question)", ""]
        for h in answer.closest:
            out += _md_source("\\-", Citation(0, h), collection, show_collection=not collection) + [""]
    ix = answer.index or {}
    stamp = (f"Index: {ix.get('records', '?')} records · model {ix.get('model', '?')} · "
             f"corpus sha256 {ix.get('corpus_sha256', '?')} · built {ix.get('built_at', '?')}")
    out += ["---", "", _md(stamp) + ("\\" if collection else "")]
    if collection:
        out.append(f"Collection: {_md(collection)}")
    return "\n".join(out) + "\n"


# -- CSV -----------------------------------------------------------------------------------------------

# A cell a spreadsheet would run as a formula: =, +, - or @ first (after any spaces), or a tab or carriage
# return first (OWASP's list). Such a cell gets a leading apostrophe, which spreadsheets show as text.
_FORMULA = re.compile(r"^(?:\s*[=+\-@]|[\t\r])")


def _cell(value: object) -> object:
    """A CSV cell safe from formula injection; numbers stay numbers."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def _csv(answer: Answer, collection: str | None) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)  # RFC 4180: minimal quoting, CRLF row ends; quoted newlines survive
    w.writerow(CSV_COLUMNS)
    for c in answer.citations:
        r, d = c.hit.record, c.hit.record.date
        row = [c.n, r.id, d.text, d.iso or "", d.start.isoformat() if d.start else "",
               d.end.isoformat() if d.end else "", r.title, r.summary, _url(r) or "",
               "" if c.relevance is None else c.relevance, r.source, r.line, _collection(r, collection) or ""]
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()


# -- BibTeX --------------------------------------------------------------------------------------------

_BIB_SPECIAL = {"\\": r"\textbackslash{}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#", "_": r"\_",
                "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
                ">": r"\textgreater{}"}


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _bib(text: str) -> str:
    """Text as a BibTeX field value that LaTeX prints as written.

    BibTeX counts braces even when escaped, so '\\{' only works when the text's own braces balance;
    otherwise they become \\textbraceleft{} and \\textbraceright{}, which always balance.
    """
    s = _one_line(text)
    if _balanced(s):
        braces = {"{": r"\{", "}": r"\}"}
    else:
        braces = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
    return "".join(_BIB_SPECIAL.get(ch) or braces.get(ch) or ch for ch in s)


def _bib_url(url: str) -> str:
    # url is verbatim in biblatex (no LaTeX escapes), so only what breaks the field is percent-encoded.
    return quote(url, safe="".join(chr(i) for i in range(33, 127) if chr(i) not in '{}\\"'))


def _bibtex(answer: Answer, collection: str | None) -> str:
    entries = []
    for c, key in zip(answer.citations, _keys(answer.citations)):
        r = c.hit.record
        fields = [("title", "{{" + _bib(r.title) + "}}")]  # inner braces keep the title's capitals
        parts = _parts(r)
        if parts:  # biblatex reads date (EDTF: '~' marks circa); classic BibTeX reads year and month
            iso = r.date.iso + ("~" if _circa(r) else "")
            fields += [("date", "{" + iso + "}"), ("year", "{" + str(parts[0]) + "}")]
        if len(parts) >= 2:
            fields.append(("month", _MONTHS[parts[1] - 1]))  # a month macro: styles localise it
        coll = _collection(r, collection)
        if coll:
            fields.append(("howpublished", "{" + _bib(coll) + "}"))
        if _url(r):
            fields.append(("url", "{" + _bib_url(_url(r)) + "}"))  # type: ignore[arg-type]
        fields += [("note", "{" + _bib(r.summary) + "}"), ("annote", "{" + _bib(_note(answer, c)) + "}")]
        body = "\n".join(f"  {name} = {value}," for name, value in fields)
        entries.append(f"@misc{{{key},\n{body}\n}}\n")
    return "\n".join(entries)


# -- RIS -----------------------------------------------------------------------------------------------


def _ris_date(record: Record) -> str:
    """'1947/10/29/', '1942/02//', '1945///': year/month/day/other, unknown parts left empty."""
    parts = [f"{p:04d}" if i == 0 else f"{p:02d}" for i, p in enumerate(_parts(record))]
    return "/".join(parts + [""] * (3 - len(parts))) + "/"


def _ris(answer: Answer, collection: str | None) -> str:
    out = []
    for c, key in zip(answer.citations, _keys(answer.citations)):
        r = c.hit.record
        tags = [("TY", RIS_TYPE), ("ID", key), ("TI", r.title)]
        if not r.undated:
            tags += [("DA", _ris_date(r)), ("PY", f"{_parts(r)[0]:04d}")]
        tags.append(("AB", r.summary))
        if _url(r):
            tags.append(("UR", _url(r)))
        coll = _collection(r, collection)
        if coll:
            tags.append(("DB", coll))  # Zotero reads DB into the item's Archive field
        tags.append(("N1", _note(answer, c)))
        # Values are one line each: a newline in a value would start a new (possibly forged) tag.
        out += [f"{tag}  - {_one_line(value)}" for tag, value in tags] + ["ER  - ", ""]
    return RIS_EOL.join(out) + (RIS_EOL if out else "")


# -- CSL-JSON ------------------------------------------------------------------------------------------


def _csl_items(answer: Answer, collection: str | None) -> list[dict]:
    items = []
    for c, key in zip(answer.citations, _keys(answer.citations)):
        r = c.hit.record
        item: dict = {"id": key, "type": CSL_TYPE, "title": r.title}
        if not r.undated:  # undated: no "issued", so styles print their own "n.d."
            item["issued"] = {"date-parts": [_parts(r)]}
            if _circa(r):
                item["issued"]["circa"] = True
        item["abstract"] = r.summary
        if _url(r):
            item["URL"] = _url(r)
        coll = _collection(r, collection)
        if coll:
            item["archive"] = coll
        item["note"] = _note(answer, c)
        items.append(item)
    return items


def _csl_json(answer: Answer, collection: str | None) -> str:
    return json.dumps(_csl_items(answer, collection), ensure_ascii=False, indent=2) + "\n"


# -- JSON ----------------------------------------------------------------------------------------------


def _json(answer: Answer, collection: str | None) -> str:
    return json.dumps(answer.to_json() | {"collection": collection}, ensure_ascii=False, indent=2) + "\n"


_WRITERS = {"markdown": _markdown, "csv": _csv, "bibtex": _bibtex, "ris": _ris, "csl-json": _csl_json,
            "json": _json}
