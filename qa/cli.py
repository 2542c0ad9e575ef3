"""The archive-qa command line: build, ask, info."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .errors import ArchiveError
from .stores import location

log = logging.getLogger("qa")


def _parser(index: Path | str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="archive-qa", description="Ask questions of archival records; every "
                                "answer cites the records' dates and titles.")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens (to stderr)")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the index from record files")
    b.add_argument("--records", nargs="+", type=Path, default=[Path("seeds")], metavar="PATH",
                   help="record files or folders (.txt seed format, .jsonl, .csv); default: seeds/")
    b.add_argument("--index", type=location, default=index, metavar="DIR|URL",
                   help="a folder, or milvus://HOST:PORT/NAME (default: $ARCHIVE_QA_INDEX, else index/)")
    b.add_argument("--model", help="sentence-transformers model name or folder (default: $ARCHIVE_QA_MODEL, "
                   "else the packaged all-MiniLM-L6-v2)")
    b.add_argument("--skip-invalid", action="store_true", help="build from the valid records, reporting the rest")
    b.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="embed on this machine (default), or with Ray (the cluster extra)")
    b.add_argument("--ray-address", metavar="HOST:PORT",
                   help="the head node of a running Ray cluster (default: Ray on this machine alone)")
    b.add_argument("--ray-workers", type=int, metavar="N",
                   help="embedding workers (default: every CPU Ray has)")

    a = sub.add_parser("ask", help="ask a question ('-' reads one question a line from stdin)")
    a.add_argument("question")
    a.add_argument("--index", type=location, default=index, metavar="DIR|URL")
    a.add_argument("-k", type=int, default=5, metavar="N", help="cite at most N records (default 5)")
    a.add_argument("--from", dest="date_from", metavar="DATE", help="only records dated on or after DATE")
    a.add_argument("--to", dest="date_to", metavar="DATE", help="only records dated on or before DATE")
    a.add_argument("--json", action="store_true", help="print one JSON object per question")
    a.add_argument("--format", choices=["text", "markdown", "csv", "bibtex", "ris", "csl-json", "json"],
                   default="text", help="print the answer as Markdown, the cited records as CSV, or the "
                   "citations as BibTeX, RIS or CSL-JSON (for Zotero)")
    a.add_argument("--collection", help="the collection's name for exports (default: each record's own)")
    a.add_argument("--llm", metavar="URL", help="write the answer in prose with the language model at this "
                   "OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1), showing only sentences the "
                   "cited records support (default: $ARCHIVE_QA_LLM, else extractive answers)")
    a.add_argument("--model", help=argparse.SUPPRESS)

    e = sub.add_parser("eval", help="score the answers on a labelled question set, its dev and test splits")
    e.add_argument("questions", type=Path, help="a labelled set: NAME (for NAME-dev.jsonl and NAME-test.jsonl) "
                   "or one of its files; JSON lines with question, gold [{date, title}], kind, date_from/to")
    e.add_argument("--index", type=location, default=index, metavar="DIR|URL")
    e.add_argument("--modes", nargs="+", choices=["dense", "bm25", "hybrid", "full"],
                   help="configurations to compare (default: dense only and the full pipeline)")
    e.add_argument("--json", action="store_true")
    e.add_argument("--misses", action="store_true", help="list the questions each configuration misses")
    e.add_argument("--llm", metavar="URL", help="also count the prose writer's sentences drafted, kept and "
                   "removed over the questions (default: $ARCHIVE_QA_LLM)")

    r = sub.add_parser("related", help="records most like a given record (by id or exact title)")
    r.add_argument("record", help="a record id (from ask --json) or its exact title")
    r.add_argument("--index", type=location, default=index, metavar="DIR|URL")
    r.add_argument("-k", type=int, default=5, metavar="N")
    r.add_argument("--json", action="store_true")

    i = sub.add_parser("info", help="what the index holds")
    i.add_argument("--index", type=location, default=index, metavar="DIR|URL")
    i.add_argument("--json", action="store_true")
    return p


def cmd_build(args) -> int:
    from .archive import Archive
    from .build import print_progress

    from .embed import Embedder, model_name
    from .engines import engine

    if args.ray_workers is not None and args.ray_workers < 1:
        raise ArchiveError(f"--ray-workers must be 1 or more, not {args.ray_workers}")
    archive = Archive(args.index, model=args.model, records=args.records)
    chosen = engine(args.engine, Embedder(model_name(args.model)), address=args.ray_address,
                    workers=args.ray_workers)
    report = archive.rebuild(args.records, model=args.model, skip_invalid=args.skip_invalid,
                             progress=print_progress, engine=chosen)
    for p in report.skipped:
        print(f"skipped: {p}", file=sys.stderr)
    for d in report.duplicates:
        print(f"duplicate: {d}", file=sys.stderr)
    for n in report.notes:
        print(f"note: {n}", file=sys.stderr)
    m = report.manifest
    print(f"Built {args.index}: {m.count} records ({m.date_from or 'undated'} to {m.date_to or 'undated'}), "
          f"model {m.model}, in {report.seconds:.1f}s"
          + (f"; embedded {report.embedded}, {report.cached} from the cache" if report.cached else "")
          + (f"; {report.damaged} embedded again in place of damaged cached vectors"
             if report.damaged else "")
          + (f"; {m.index_type}" if m.index_type != "IndexFlatIP" else "")
          + (f"; embedded with Ray on {len(report.nodes)} node{'s' if len(report.nodes) != 1 else ''} ("
             + " and ".join(f"{n:,}" for n in sorted(report.nodes.values(), reverse=True)) + " records)"
             if report.engine == "ray" and report.embedded else "")
          + (f"; skipped {len(report.skipped)} invalid" if report.skipped else "")
          + (f"; {len(report.duplicates)} duplicates indexed once" if report.duplicates else "") + ".")
    print(f"Next: archive-qa ask \"your question\" --index {args.index}")
    return 0


def _relevance(value: float | None) -> str:
    return "" if value is None else f"  (relevance {value:.2f})"


def _readable(answer) -> str:
    from .answer import Citation, shown_date

    out = [answer.text]
    if answer.citations:
        out.append("")
        out += [f"{c.label()}{_relevance(c.relevance)}" for c in answer.citations]
    elif answer.closest:
        out.append("")
        out.append("Closest records (not an answer):")
        out += [f"  - {shown_date(h.record)} — {h.record.title}{_relevance(Citation(0, h).relevance)}"
                for h in answer.closest]
    return "\n".join(out)


def cmd_ask(args) -> int:
    from .archive import Archive
    from .dates import parse_bound
    from .errors import QuestionError
    from .llm import Endpoint

    date_from = parse_bound(args.date_from, end=False) if args.date_from else None
    date_to = parse_bound(args.date_to, end=True) if args.date_to else None
    archive = Archive(args.index, model=args.model)
    archive.llm = Endpoint.from_settings(args.llm)
    archive.open()

    def one(q: str) -> dict:
        return archive.ask(q, k=args.k, date_from=date_from, date_to=date_to)

    if args.question != "-":
        answer = one(args.question)
        if args.format not in ("text",):
            from .export import export

            print(export(answer, args.format, collection=args.collection), end="")
            return 0
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else _readable(answer))
        return 0
    failed = 0
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            answer = one(line.rstrip("\n"))
            print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else _readable(answer) + "\n",
                  flush=True)
        except QuestionError as e:
            failed += 1
            if args.json:
                print(json.dumps({"question": line.rstrip("\n"), "error": str(e), "line": n}, ensure_ascii=False))
            print(f"archive-qa: stdin line {n}: {e}", file=sys.stderr)
    return 1 if failed else 0


def cmd_eval(args) -> int:
    from .archive import Archive
    from .evaluate import run, table
    from .llm import Endpoint

    archive = Archive(args.index)
    archive.llm = Endpoint.from_settings(args.llm)
    archive.open()
    results = run(archive, args.questions, args.modes)
    if args.json:
        print(json.dumps({split: {name: s.to_json() for name, s in rows.items()} for split, rows in results.items()},
                         indent=2))
        return 0
    for split, rows in results.items():
        n = next(iter(rows.values())).questions
        print(f"{split}: {n} questions; index of {archive.stamp()['records']} records\n")
        print(table(rows) + "\n")
        if args.misses:
            for name, s in rows.items():
                if s.misses and not name.startswith("by kind"):
                    print(f"{name}: gold not in the top 3 for {len(s.misses)}")
                    print("\n".join(f"  - {q}" for q in s.misses) + "\n")
    if archive.llm is not None:
        print(writer_figures(archive, args.questions))
    return 0


def writer_figures(archive, name: Path) -> str:
    """The prose writer's sentences drafted, kept and removed over each split of a labelled set."""
    from .evaluate import read_questions, split_files
    from .writer import tally, tally_table

    rows = {}
    for split, path in split_files(name).items():
        answers = [archive.ask(q.question, history=list(q.history) or None) for q in read_questions(path)]
        rows[split] = tally(answers)
    return f"The writer at {archive.llm.url}:\n\n" + tally_table(rows)


def cmd_related(args) -> int:
    from .answer import Citation, shown_date
    from .archive import Archive

    archive = Archive(args.index)
    archive.open()
    record, hits = archive.related(args.record, k=args.k)
    if args.json:
        print(json.dumps({"record": record.to_json(), "related": [Citation(h.rank, h).to_json() for h in hits]},
                         ensure_ascii=False))
        return 0
    print(f"Records most like {shown_date(record)} — {record.title}:")
    for h in hits:
        print(f"  {Citation(h.rank, h).label()}  (similarity {h.score:.2f})")
    return 0


def _calibration_line(c: dict) -> str:
    if not c:
        return "\nCalibrated: no (an index from an older archive-qa; rebuild it)"
    line = (f"\nCalibrated: noise floor {c['floor']:.3f} (median best cosine of {c['questions']} off-topic "
            "questions)")
    if "name_held" in c:
        line += (f"; a name's cosine to a record holding it {c['name_held']:.3f}, to another "
                 f"{c['name_other']:.3f} (spread {c['name_spread']:.3f}, {c['names']} names)")
    return line


def cmd_info(args) -> int:
    from . import render
    from .archive import Archive

    archive = Archive(args.index)
    archive.open(auto_build=False, allow_stale=True, check_model=False)
    info = archive.info()
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    print(f"Index:    {info['path']}\nRecords:  {info['records']}"
          f" ({info['undated']} undated, {info['skipped']} skipped at build, {info['duplicates']} duplicates)\n"
          f"Dates:    {info['date_from']} to {info['date_to']}\nModel:    {info['model']} "
          f"(dimension {info['dimension']}{', embedded on ' + info['engine'] if info['engine'] else ''})\nBuilt at: {info['built_at']}\nFrom:     {', '.join(info['sources'])}\n"
          f"Corpus:   sha256 {info['corpus_sha256']}\nSearch:   {info['index_type']}"
          + f" ({render.search_words(info)})"
          + _calibration_line(info["calibration"]))
    if info["initials"]:  # "JFK" read as "John F. Kennedy" (qa/names.py)
        shown = "; ".join(f"{k} → {v[0]}" for k, v in list(info["initials"].items())[:3])
        print(f"Initials: {len(info['initials'])} read as names, e.g. {shown}")
    if info["stale"]:
        print(f"Stale:    {info['stale']}; rebuild with: archive-qa build --index {args.index}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from .settings import current

    try:
        config = current()
    except ArchiveError as e:  # a bad setting: one sentence naming it and what it may be
        print(f"archive-qa: {e}", file=sys.stderr)
        return 1
    args = _parser(config.index or Path("index")).parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="archive-qa: %(message)s")
    try:
        return {"build": cmd_build, "ask": cmd_ask, "info": cmd_info, "eval": cmd_eval,
                "related": cmd_related}[args.command](args)
    except ArchiveError as e:
        print(f"archive-qa: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("archive-qa: interrupted; the index is as it was before", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
