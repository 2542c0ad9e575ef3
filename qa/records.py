"""Archive records: the data type, and readers for the seed text format, JSONL and CSV exports."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .dates import RecordDate, parse_date
from .errors import DateError, Problem, RecordsError

FORMATS = {".txt": "text", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv"}
REQUIRED = ("date", "title", "summary")
# The archival convention for a record catalogued without a title: a supplied title in square brackets.
UNTITLED = "[Untitled]"
EXAMPLES_FILE = "examples.txt"  # example questions that fit the collection, one a line, beside its records
NOT_RECORDS = {"readme.txt", "aliases.txt", EXAMPLES_FILE}  # text files a records folder may hold, not records


@dataclass(frozen=True, eq=True)
class Record:
    """One catalogue entry: a date, a title and a one-paragraph summary, with where it was read."""

    id: str
    date: RecordDate
    title: str
    summary: str
    source: str
    line: int
    metadata: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def undated(self) -> bool:
        return self.date.undated

    @property
    def untitled(self) -> bool:
        """Whether the record came without a title (it is cited as UNTITLED)."""
        return self.title == UNTITLED

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "date": self.date.text,
            "iso_date": self.date.iso,
            "date_start": self.date.start.isoformat() if self.date.start else None,
            "date_end": self.date.end.isoformat() if self.date.end else None,
            "precision": self.date.precision,
            "title": self.title,
            "summary": self.summary,
            "source": self.source,
            "line": self.line,
            "metadata": self.metadata,
        }

    @classmethod
    def from_json(cls, d: dict) -> "Record":
        rd = RecordDate(
            text=d["date"],
            iso=d["iso_date"],
            start=date.fromisoformat(d["date_start"]) if d["date_start"] else None,
            end=date.fromisoformat(d["date_end"]) if d["date_end"] else None,
            precision=d["precision"],
        )
        return cls(d["id"], rd, d["title"], d["summary"], d["source"], d["line"], dict(d.get("metadata") or {}))


def record_id(date_text: str, title: str, summary: str) -> str:
    """A stable id from the record's content: the same record gets the same id in every build."""
    norm = "\x1f".join(" ".join(s.split()) for s in (date_text, title, summary))
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


@dataclass
class ReadResult:
    """What reading some record files gave: good records, problems, and duplicates dropped."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # worth a warning, not a refusal


def find_record_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand folders into the record files inside them (sorted); report paths that cannot be read."""
    files: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        if p.is_dir():
            root = p.resolve()
            found, before = [], len(problems)
            for f in sorted(p.rglob("*")):
                if not (f.is_file() and f.suffix.lower() in FORMATS and not f.name.startswith(".")
                        and f.name.lower() not in NOT_RECORDS):
                    continue
                if not f.resolve().is_relative_to(root):
                    # a link inside the records folder must not pull in files from elsewhere on the machine
                    problems.append(Problem(str(f), None, f"is a link to {f.resolve()}, outside the records "
                                            f"folder {p}; copy the file into the folder instead"))
                    continue
                found.append(f)
            if not found and len(problems) == before:
                problems.append(Problem(str(p), None, "the folder holds no record files (.txt, .jsonl, .csv)"))
            files.extend(found)
        elif p.is_file():
            if p.suffix.lower() not in FORMATS:
                problems.append(Problem(str(p), None, f"unknown format {p.suffix or '(no extension)'!r}: "
                                        "records files end in .txt (seed format), .jsonl or .csv"))
            else:
                files.append(p)
        else:
            problems.append(Problem(str(p), None, "no such file or folder"))
    return files, problems


def read_records(paths: list[Path | str]) -> ReadResult:
    """Read every record in the given files and folders, collecting all problems instead of stopping."""
    result = ReadResult()
    result.records = list(iter_records(paths, result))
    return result


def iter_records(paths: list[Path | str], result: ReadResult) -> Iterator[Record]:
    """Every record in the given files and folders, one at a time and each once, with the problems, notes
    and duplicates found noted in result as they come (result.records is left alone).

    A build streams them: only the ids seen so far are held, not the records."""
    files, result.problems = find_record_files([Path(p) for p in paths])
    result.files = files
    seen: dict[str, int] = {}  # id -> where it was first read: the file's index and its line, packed
    for k, f in enumerate(files):
        for rec in _read_file(f, result.problems, result.notes):
            first = seen.get(rec.id)
            if first is not None:
                result.duplicates.append(Problem(
                    rec.source, rec.line, f"exact duplicate of the record at {files[first >> 32]}, line "
                    f"{first & 0xFFFFFFFF}; indexed once"))
                continue
            seen[rec.id] = (k << 32) | rec.line
            yield rec


def check_file(path: Path, name: str) -> list[Problem]:
    """Every problem in one records file (an upload), each named by `name` instead of the file's own path."""
    if Path(name).suffix.lower() not in FORMATS:
        return [Problem(name, None, "unknown format: upload a .txt (seed format), .jsonl or .csv file")]
    return [Problem(name, p.line, p.message) for p in read_records([path]).problems]


def load_records(paths: list[Path | str], *, skip_invalid: bool = False) -> ReadResult:
    """Read records; raise RecordsError listing every problem unless skip_invalid, which keeps the good ones."""
    result = read_records(paths)
    check_result(result, len(result.records), paths, skip_invalid=skip_invalid)
    return result


def check_result(result: ReadResult, count: int, paths: list[Path | str], *, skip_invalid: bool) -> None:
    """RecordsError listing every problem unless skip_invalid; RecordsError when no valid record is left."""
    if result.problems and not skip_invalid:
        raise RecordsError(result.problems, hint="Fix these, or pass --skip-invalid to build from the valid "
                           "records only. Nothing was changed.")
    if not count:
        raise RecordsError(result.problems or [Problem(", ".join(map(str, paths)), None, "no records found")],
                           hint="There is nothing valid to index. Nothing was changed.")


def _decode(path: Path, problems: list[Problem]) -> str | None:
    try:
        data = path.read_bytes()
    except OSError as e:
        problems.append(Problem(str(path), None, f"cannot be read: {e.strerror or e}"))
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            problems.append(Problem(str(path), None, "starts with a UTF-16 mark but is not valid UTF-16"))
            return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problems.append(Problem(str(path), line, f"not valid UTF-8 (byte 0x{data[e.start]:02X}); "
                                "save the file as UTF-8 and build again"))
        return None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        problems.append(Problem(str(path), line, "holds a NUL byte: this is not a text file"))
        return None
    if not text.strip():
        problems.append(Problem(str(path), None, "the file is empty: it holds no records"))
        return None
    return text


def _read_file(path: Path, problems: list[Problem], notes: list[Problem]) -> Iterator[Record]:
    kind = FORMATS[path.suffix.lower()]
    lines = _stream_lines(path) if kind == "jsonl" else None
    text = None if lines is not None else _decode(path, problems)
    if lines is None and text is None:
        return
    before, count = len(problems), 0
    if kind == "text":
        recs = _read_text(text, str(path), problems)
    elif kind == "jsonl":
        recs = _read_jsonl(lines if lines is not None else text.splitlines(), str(path), problems, notes)
    else:
        recs = _read_csv(text, str(path), problems, "\t" if kind == "tsv" else ",")
    for rec in recs:
        count += 1
        yield rec
    if not count and len(problems) == before:
        problems.append(Problem(str(path), None, "the file holds no records"))


# A JSONL file at least this large is read a line at a time instead of whole (a million records are ~0.5 GB of
# text, and again as much as lines). It is checked first, in one pass over its bytes; a file that is not plain
# UTF-8 text with some content is read whole after all, so that its problem is reported as for any file.
STREAM_BYTES = 32 << 20
_BLOCK = 1 << 22


def _stream_lines(path: Path) -> Iterator[str] | None:
    """The lines of a large, valid UTF-8 file (as str.splitlines() gives them), read as they are needed; None
    for a small file or one _decode must report on."""
    try:
        if path.stat().st_size < STREAM_BYTES:
            return None
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        content = False
        with open(path, "rb") as f:
            head = f.read(3)
            if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                return None
            block = head[3:] if head == b"\xef\xbb\xbf" else head
            while block:
                if b"\x00" in block:
                    return None
                text = decoder.decode(block)
                content = content or bool(text.strip())
                block = f.read(_BLOCK)
            decoder.decode(b"", final=True)
    except (OSError, UnicodeDecodeError):
        return None
    return None if not content else _lines(path)


def _lines(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        for physical in f:
            yield from physical.splitlines()


def _make(source: str, line: int, date_text: str, title: str, summary: str,
          metadata: dict[str, str], problems: list[Problem]) -> Record | None:
    """A record from its fields, or None with the problem noted.

    A missing or empty date makes an undated record; a record with a summary but no title is kept under the
    supplied title '[Untitled]', and one with a title but no summary is kept too. Only a record with neither
    title nor summary, or with a date that is not a date, is a problem.
    """
    title, summary = " ".join(title.split()), " ".join(summary.split())
    bad = []
    if not title and not summary:
        bad.append("the record has neither a title nor a summary")
    try:
        rd = parse_date(date_text)
    except DateError as e:
        bad.append(str(e))
        rd = None
    if bad or rd is None:
        problems.append(Problem(source, line, "; ".join(bad)))
        return None
    title = title or UNTITLED
    return Record(record_id(rd.text, title, summary), rd, title, summary, source, line, metadata)


_HEADER = re.compile(r"^#\s*(collection|source)\s*:\s*(.+?)\s*$", re.IGNORECASE)
_EXAMPLE = re.compile(r"^#\s*example\s*:\s*(.+?)\s*$", re.IGNORECASE)
MAX_EXAMPLE_CHARS = 300


def _header_examples(path: Path) -> list[str]:
    """The '# example: QUESTION' lines in the header of a seed-format file (the '#' lines before its first
    record)."""
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for raw in f:
                line = raw.lstrip("\ufeff").rstrip("\r\n")
                if line.strip() and not line.startswith("#"):
                    break
                m = _EXAMPLE.match(line)
                if m:
                    out.append(m.group(1))
    except OSError:
        return []
    return out


def read_examples(paths: list[Path]) -> list[str]:
    """Example questions a collection comes with: the lines of an examples.txt beside its records ('#' lines
    are comments) and '# example:' lines in the headers of its seed-format files, each once, in that order."""
    found: list[str] = []
    for p in paths:
        beside = (p if p.is_dir() else p.parent) / EXAMPLES_FILE
        if beside.is_file():
            try:
                text = beside.read_text(encoding="utf-8", errors="replace").lstrip("\ufeff")
            except OSError:
                text = ""
            found += [s.strip() for s in text.splitlines() if s.strip() and not s.lstrip().startswith("#")]
        files = find_record_files([p])[0] if p.exists() else []
        for f in files:
            if FORMATS[f.suffix.lower()] == "text":
                found += _header_examples(f)
    cleaned = (" ".join(q.split())[:MAX_EXAMPLE_CHARS] for q in found)
    return [q for q in dict.fromkeys(cleaned) if q]


def _read_text(text: str, source: str, problems: list[Problem]):
    """Seed format: records separated by a line holding a single '-'; date, title, then the summary.

    Lines starting with '#' before the first record are comments; '# collection: NAME' and '# source: NAME'
    name the collection every record of the file belongs to.
    """
    block: list[tuple[int, str]] = []
    header: dict[str, str] = {}
    lines = text.splitlines()
    start_at = 0
    while start_at < len(lines) and (lines[start_at].startswith("#") or not lines[start_at].strip()):
        m = _HEADER.match(lines[start_at])
        if m:
            header[m.group(1).lower()] = m.group(2)
        start_at += 1
    for n, raw in enumerate(lines + ["-"], start=1):
        if n <= start_at:
            continue
        if raw.strip() == "-":
            rows = [(i, s.strip()) for i, s in block if s.strip()]
            block = []
            if not rows:
                continue
            start = rows[0][0]
            if len(rows) == 1:
                problems.append(Problem(source, start, f"the record has only one line ({rows[0][1][:60]!r}): "
                                        "expected a date, a title and a summary"))
                continue
            rec = _make(source, start, rows[0][1], rows[1][1], " ".join(s for _, s in rows[2:]), dict(header),
                        problems)
            if rec:
                yield rec
        else:
            block.append((n, raw))


def _field(obj: dict, name: str) -> object:
    for k, v in obj.items():
        if isinstance(k, str) and k.strip().lower() == name:
            return v
    return None


def _as_text(v: object) -> str:
    if v is None:
        return ""
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _metadata(obj: dict) -> dict[str, str]:
    return {str(k): _as_text(v) for k, v in obj.items()
            if str(k).strip().lower() not in REQUIRED and v not in (None, "")}


def _read_jsonl(lines: Iterable[str], source: str, problems: list[Problem], notes: list[Problem]):
    dated_field = total = 0
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(Problem(source, n, f"not valid JSON ({e.msg} at column {e.colno})"))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(source, n, "each line must be a JSON object with date, title and summary"))
            continue
        total += 1
        dated_field += _field(obj, "date") is not None
        rec = _make(source, n, _as_text(_field(obj, "date")), _as_text(_field(obj, "title")),
                    _as_text(_field(obj, "summary")), _metadata(obj), problems)
        if rec:
            yield rec
    if total and not dated_field:
        # every record undated is more likely a date field under another name than an undated collection
        notes.append(Problem(source, None, f"no record has a 'date' field, so all {total} are undated; if the "
                             "export names its dates otherwise, rename that field to 'date'"))


def _read_csv(text: str, source: str, problems: list[Problem], delimiter: str):
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [k for k in REQUIRED if k not in header]
    if missing:
        problems.append(Problem(source, 1, f"the header lacks the column{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(missing)} (found: {', '.join(header) or 'nothing'})"))
        return
    line = reader.line_num + 1
    try:
        for row in reader:
            start, line = line, reader.line_num + 1
            if None in row:
                problems.append(Problem(source, start, f"the row has more fields than the header ({len(header)})"))
                continue
            if all(not (v or "").strip() for v in row.values()):
                continue
            rec = _make(source, start, _field(row, "date") or "", _field(row, "title") or "",
                        _field(row, "summary") or "", _metadata(row), problems)
            if rec:
                yield rec
    except csv.Error as e:
        problems.append(Problem(source, reader.line_num, f"not valid CSV: {e}"))
