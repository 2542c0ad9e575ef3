"""The archive as a service: an index kept loaded and current, questions answered against one version."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import shutil
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np

from . import settings, store, stores
from .answer import LACKING_SHARE, Answer, compose, extreme_first, members, off_direction, off_role
from .build import BuildReport, build
from .casing import capitalised, in_capitals, recase
from .collection import BrowsePage, BrowseRequest, browse, examples
from .dates import meets
from .embed import Embedder, model_name
from .errors import IndexProblem, QuestionError, RebuildRunning, RecordsError
from .followup import THERE, Earlier, Leaning, lean, leading, nearest_first, threaded
from .intent import LIST, roles
from .query import Query, analyze, narrows
from .records import Record, check_file
from .retrieve import (DENSE_ONLY, KEYWORD_ONLY, Hit, Weights, apart, as_hits, date_order, extremes, hybrid_search,
                       in_date_order, search)
from .support import CITE_LIST, Wording, supported
from .tenure import find_office, office_span, reading
from .store import Progress
from .stores import Store
from .timeline import empty_stretches

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
# What a rebuild or upload asked for while another runs gets, whichever arrived first by however little.
REBUILD_RUNNING = "a rebuild is already running; wait for it to finish and try again"


@dataclass(frozen=True)
class Mode:
    """A retrieval configuration: which retrievers count, and whether question dates and names are read."""

    name: str
    weights: Weights
    dates: bool = True
    names: bool = True
    earlier: bool = True  # whether a follow-up leans on the earlier answer (qa/followup.py), not only its words


@dataclass(frozen=True)
class Retrieved:
    """What retrieval found for a question, before the answer is composed."""

    query: Query
    hits: list[Hit]               # ranked by support (qa/support.py), or in date order for a period's listing
    date_from: date | None
    date_to: date | None
    stamp: dict
    mode: Mode
    gaps: list[tuple[date, date]] = field(default_factory=list)  # months in the range with no records
    listing: bool = False         # every record of the period, in date order, whatever its topic
    named: bool = False           # tied to the collection by names: its own, a follow-up's context names, or
                                  # the earlier answer's records it stands for (qa/answer.py compose)
    read_as: str = ""             # how a period said in words was read ("while he was president")
    move: int = 0                 # a move in order ("Where did he go next?"): +1 after, -1 before
    held: frozenset[int] = frozenset()  # a list's records by whom it names in its period (qa/answer.py members);
                                        # a move's nearest records of its thread (qa/followup.py leading)
    off: frozenset[int] = frozenset()   # records not cited: a list's of no office it asks for (qa/answer.py
                                        # off_role), those coming from where it goes (off_direction)
    rare: frozenset[str] = frozenset()  # its names few records hold (qa/answer.py LACKING_SHARE): an answer
                                        # says which no cited record holds
    apart: tuple[str, ...] = ()         # a person and a place it asks about that no record names together
                                        # (qa/retrieve.py apart()): nothing answers it

    def answer(self, k: int) -> Answer:
        """Compose the cited answer: the supported records, or every record of a period that only lists."""
        return compose(self.query.text, self.hits, k=k, index=self.stamp, date_from=self.date_from,
                       date_to=self.date_to, listing=self.listing, chronological=self.query.intent.listing,
                       gaps=self.gaps, terms=self.query.tokens, missing_names=self.query.missing_names,
                       named=self.named, order=self.query.intent.order, read_as=self.read_as,
                       move=self.move, held=self.held, off=self.off, names=self.query.names, rare=self.rare,
                       apart=self.apart)


DENSE = Mode("dense only", DENSE_ONLY, dates=False, names=False, earlier=False)
BM25 = Mode("BM25 only", KEYWORD_ONLY, dates=False, names=False, earlier=False)
HYBRID = Mode("hybrid", Weights(1.0, 0.6), dates=False, names=False, earlier=False)
FULL = Mode("hybrid + dates + names", Weights(1.0, 0.6))
MODES = {"dense": DENSE, "bm25": BM25, "hybrid": HYBRID, "full": FULL}
DEFAULT_K = 5
MAX_K = 50
# How many fused candidates the support model weighs: a fact question's answer is among the first; a list
# question's records may be many.
FACT_DEPTH = 20
LIST_DEPTH = 100
# A question asking for the first or the last of its records also ranks, at this weight in the fusion against 1.0
# for the dense ranking, the earliest (or latest) records holding all of its names (qa/retrieve.py extremes()).
# Chosen on the dev splits: 0.5 gained nothing, 1 and 2 the same (State Department hit@1 0.865 -> 0.874); 1, as
# the follow-ups' extra rankings.
EXTREME_WEIGHT = 1.0
# How many questions back a follow-up's earlier answer is worked out from (each is one more retrieval).
EARLIER_DEPTH = 3
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")
def clean_question(question: object) -> str:
    """The question as text fit to embed: control characters and terminal escapes removed, spaces folded."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    text = _ANSI.sub(" ", question)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become '?'
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") else ch for ch in text)
    return " ".join(text.split())


def check_question(question: object) -> str:
    """The cleaned question, or QuestionError when it is empty or longer than the limit."""
    if isinstance(question, str) and len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(f"the question is {len(question):,} characters long; the limit is "
                            f"{MAX_QUESTION_CHARS:,}. Ask it in fewer words")
    text = clean_question(question)
    if not text:
        raise QuestionError("the question is empty: type what you want to find in the archive")
    return text


def upload_name(name: str) -> str:
    """The name an uploaded file is saved under: its own base name, cut to letters, digits, '.', '_', '-'."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name)[:120].lstrip(".")
    return safe or "upload"


class Archive:
    """One index (a folder, or milvus://host:port/name: qa/stores/), loaded and verified, with its embedder;
    rebuilds swap in without a pause."""

    def __init__(self, index_dir: Path | str = "index", *, model: str | None = None,
                 records: list[Path | str] | None = None) -> None:
        self.index_dir = stores.location(index_dir)  # a Path, or a milvus:// URL as text
        self.requested_model = model
        self.records = [Path(p) for p in (records or ["seeds"])]
        self._index: Store | None = None
        self._embedder: Embedder | None = None
        self._build_lock = threading.Lock()
        self.stale_reason: str | None = None
        self.llm = None  # a qa.llm.Endpoint: answers in checked prose (qa/writer.py); None: extractive

    # -- opening -------------------------------------------------------------------------------------

    def _explicit_model(self) -> str | None:
        return self.requested_model or settings.current().model or None

    def _embedder_for(self, name: str) -> Embedder:
        if self._embedder is None or self._embedder.name != name:
            self._embedder = Embedder(name)
        return self._embedder

    def open(self, *, auto_build: bool = True, allow_stale: bool = False, check_model: bool = True,
             progress: Progress | None = None) -> Store:
        """Load the index, building it when missing and rebuilding it when stale (logging why).

        Without auto_build a missing or stale index raises IndexProblem naming the command that fixes it,
        unless allow_stale (for reporting on it).
        """
        if not stores.exists(self.index_dir):
            if not auto_build:
                raise IndexProblem(f"no index in {self.index_dir}: build one with: archive-qa build "
                                   f"--index {self.index_dir}")
            log.warning("no index in %s yet: building it from %s", self.index_dir,
                        ", ".join(map(str, self.records)))
            self.rebuild(self.records, progress=progress)
            return self.current
        try:
            manifest = stores.read_manifest(self.index_dir)
        except store.OldFormat as e:
            if not auto_build:
                raise
            # from the records it was built from, as a stale index is, not whatever records this archive would
            # build a new index from (the seeds, by default)
            sources = [Path(p) for p in e.sources] or self.records
            log.warning("%s: rebuilding it from %s", e, ", ".join(map(str, sources)))
            self.rebuild(sources, model=self._explicit_model() or e.model, progress=progress)
            return self.current
        wanted = self._explicit_model()
        if wanted and wanted != manifest.model:
            reason = f"it was built with the model {manifest.model!r} and {wanted!r} is asked for"
        else:
            reason = store.staleness(manifest)
        self.stale_reason = reason
        if reason and auto_build:
            log.warning("the index in %s is stale (%s): rebuilding it", self.index_dir, reason)
            sources = [Path(p) for p in manifest.sources] if manifest.sources else self.records
            try:
                self.rebuild(sources, model=wanted or manifest.model, progress=progress)
                return self.current
            except RecordsError as e:
                if wanted and wanted != manifest.model:
                    raise
                log.warning("the rebuild failed, so the index built at %s answers instead:\n%s",
                            manifest.built_at, e)
        elif reason and not allow_stale:
            raise IndexProblem(f"the index in {self.index_dir} is stale: {reason}; rebuild it with: "
                               f"archive-qa build --index {self.index_dir}")
        self._swap(stores.open_store(self.index_dir), check_model=check_model)
        return self.current

    def _swap(self, loaded: Store, *, check_model: bool = True) -> None:
        if check_model:
            self.check_model(loaded)
        self._index = loaded  # one reference assignment: readers see the old or the new, never a mix

    def check_model(self, loaded: Store) -> None:
        """Refuse an index whose vectors the model cannot match (a different dimension)."""
        embedder = self._embedder_for(loaded.manifest.model)
        if embedder.dimension != loaded.manifest.dimension:
            raise IndexProblem(
                f"the index in {self.index_dir} has vectors of dimension {loaded.manifest.dimension} but the "
                f"model {embedder.name!r} makes {embedder.dimension}; rebuild it with: archive-qa build "
                f"--index {self.index_dir} --model {embedder.name}")

    @property
    def current(self) -> Store:
        if self._index is None:
            raise IndexProblem("the index is not loaded yet")
        return self._index

    @property
    def embedder(self) -> Embedder:
        return self._embedder_for(self.current.manifest.model)

    # -- building ------------------------------------------------------------------------------------

    @property
    def rebuilding(self) -> bool:
        return self._build_lock.locked()

    @contextlib.contextmanager
    def _turn(self, progress: Progress | None, what: str):
        """The one gate for changing the index: taken at once, or RebuildRunning when another change holds it.

        The first progress call says the gate was taken (the web app waits for it or for the refusal)."""
        if not self._build_lock.acquire(blocking=False):
            raise RebuildRunning(REBUILD_RUNNING)
        try:
            if progress is not None:
                progress(0.0, what)
            yield
        finally:
            self._build_lock.release()

    def rebuild(self, records: list[Path | str] | None = None, *, model: str | None = None,
                skip_invalid: bool = False, progress: Progress | None = None, engine=None) -> BuildReport:
        """Build a new index and swap it in; questions meanwhile are answered from the old one.

        engine embeds the records (qa/engines/; default: this machine). A second rebuild while one runs is
        refused with RebuildRunning.
        """
        with self._turn(progress, "starting the rebuild"):
            return self._rebuild(records, model=model, skip_invalid=skip_invalid, progress=progress,
                                 engine=engine)

    def add_records(self, source: Path | str, name: str, folder: Path, *, progress: Progress | None = None
                    ) -> BuildReport:
        """Add a records file (an upload) to folder as `name` and rebuild; RecordsError when it has problems.

        The file is checked before anything changes. If the rebuild fails, the folder is put back as it was.
        """
        safe = upload_name(name)
        problems = check_file(Path(source), safe)
        if problems:
            raise RecordsError(problems, hint="Nothing was changed; the current index keeps answering.")
        with self._turn(progress, f"adding {safe}"):
            target = folder / safe
            backup = target.read_bytes() if target.exists() else None
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            try:
                return self._rebuild(None, progress=progress)
            except BaseException:
                if backup is None:  # the records folder as it was; the index was not touched
                    target.unlink(missing_ok=True)
                else:
                    target.write_bytes(backup)
                raise

    def _rebuild(self, records: list[Path | str] | None, *, model: str | None = None,
                 skip_invalid: bool = False, progress: Progress | None = None, engine=None) -> BuildReport:
        """rebuild() once the gate is held."""
        name = model or self._explicit_model() or (
            self._index.manifest.model if self._index else None)
        embedder = self._embedder_for(model_name(name))
        paths = [Path(p) for p in (records or self.records)]
        report = build(paths, self.index_dir, embedder, skip_invalid=skip_invalid, progress=progress,
                       engine=engine)
        self._swap(stores.open_store(self.index_dir))
        self.stale_reason = None
        return report

    # -- asking --------------------------------------------------------------------------------------

    def stamp(self, index: Store | None = None) -> dict:
        m = (index or self.current).manifest
        return {"records": m.count, "model": m.model,
                "corpus_sha256": m.corpus_sha256, "built_at": m.built_at}

    def retrieve(self, question: object, *, k: int = DEFAULT_K, date_from: date | None = None,
                 date_to: date | None = None, history: list[str] | None = None, mode: Mode | None = None
                 ) -> Retrieved:
        """The ranked records for a question (at least 10), with the question as read and the range applied.

        Dates stated in the question filter the records unless date_from or date_to is given explicitly.
        """
        text = check_question(question)
        if not 1 <= k <= MAX_K:
            raise QuestionError(f"the number of records to cite must be between 1 and {MAX_K}, not {k}")
        index = self.current  # one version for the whole answer, even if a rebuild swaps meanwhile
        mode = mode or FULL
        # a question all in capitals or in title case is read as the collection writes its words (qa/casing.py)
        said = [recase(t, index) for t in history or []] or None
        is_name = functools.partial(capitalised, store=index)  # "Blinken's ...": a name (qa/query.py)
        acronym = functools.partial(in_capitals, store=index)  # "the UN Security Council": "UNSC"
        q = analyze(recase(text, index), index.keywords, index.names, history=said,
                    dates=mode.dates, variants=mode.names, is_name=is_name, acronym=acronym)
        leaning = Leaning(q.date_from, q.date_to)
        if q.intent.follow_up and history and mode.earlier:
            earlier = self._earlier(index, said, k, mode)  # recased once
            leaning = lean(q, earlier, index, LIST_DEPTH)
            if leaning.same and date_from is None and date_to is None:
                # no topic of its own ("When was that?"): the records of the answer before it
                hits = extreme_first(list(earlier.hits), q.intent.answer_order)
                return Retrieved(replace(q, text=text), hits, leaning.date_from, leaning.date_to,
                                 self.stamp(index), mode, named=True)  # shown as asked
            if leaning.thread:  # a move from the record cited before: that record is the topic
                q = threaded(q, leaning, index.keywords, index.names, dates=mode.dates, variants=mode.names,
                             is_name=is_name, acronym=acronym)
        read_as, held, off, move = "", frozenset(), frozenset(), 0
        if date_from is None and date_to is None:
            date_from, date_to = leaning.date_from, leaning.date_to
            office = find_office(q.text) if mode.dates else None
            span = office_span(index, q, office) if office else None
            if span is not None:  # "while he was president": the span of the records that call him so
                # it stands for the period a follow-up took from the question before; within one of its own
                own = q.time_said or (date_from, date_to) != (q.date_from, q.date_to)
                lo = max(date_from, span.date_from) if own and date_from else span.date_from
                hi = min(date_to, span.date_to) if own and date_to else span.date_to
                if lo <= hi:  # a tenure that misses the question's own period is someone else's: left out
                    date_from, date_to, read_as = lo, hi, reading(office, span)
        if date_from and date_to and date_from > date_to:
            raise QuestionError(f"the date range is empty: {date_from.isoformat()} is after {date_to.isoformat()}")
        embedder = self._embedder_for(index.manifest.model)
        # the question and its names in one call: the names are weighed against the candidates (qa/support.py)
        vecs = embedder.encode([q.match_text] + [n.text for n in q.names + q.context])
        qvec, name_vecs = vecs[0], vecs[1:]
        ranged = date_from is not None or date_to is not None
        # a period and no topic (or one most records share, asking for a list): every record of it, in date order;
        # a follow-up's topic is the question's before it unless it asks for others ("any other records from 1946?")
        topic = q.terms or q.names if q.intent.kind != LIST else narrows(q, index.keywords)
        # ... asking for others, not of a topic, unless it points at a place said before ("who else went there?")
        topic = topic or ((not leaning.exclude or bool(THERE.search(q.text))) and bool(q.context or q.context_terms))
        listing = ranged and (q.date_only or not topic) and not leaning.lists
        if leaning.browse:  # "the next document in the collection": the nearest records that way
            rows = np.sort(np.asarray(leaning.browse[:MAX_K], dtype=np.int64))
            rows = rows[meets(index.starts[rows], index.ends[rows], date_from, date_to)]  # within the filters
            # shown in the collection's order (by first day, then as added), as a listing is
            listing, hits = True, as_hits(index, qvec, [int(r) for r in rows[date_order(index, rows, False)]])
        elif listing:
            kept = [h for h in in_date_order(index, qvec, date_from, date_to, MAX_K + len(leaning.exclude),
                                             latest=q.intent.order > 0) if h.row not in leaning.exclude]
            hits = [replace(h, rank=r) for r, h in enumerate(kept[:MAX_K], start=1)]  # "any other ...": not those
        else:
            depth = LIST_DEPTH if q.intent.listing else FACT_DEPTH
            want = max(k, depth)
            extra = leaning.lists
            if q.intent.answer_order and q.names and not q.context:  # "the first Pope to visit the US": the
                # earliest records of them all, however far down relevance ranks them (a follow-up leaning on
                # the names before it is ordered from the earlier answer, qa/followup.py)
                ends = extremes(index, q.names, date_from, date_to, latest=q.intent.answer_order > 0,
                                limit=FACT_DEPTH)
                extra = (*extra, (ends, EXTREME_WEIGHT))
            hits = hybrid_search(index, qvec, q.tokens, want + len(leaning.exclude), weights=mode.weights,
                                 date_from=date_from, date_to=date_to, extra=extra)
            hits = [h for h in hits if h.row not in leaning.exclude][:want]
            name_cos = index.vectors([h.row for h in hits]) @ name_vecs.T if len(name_vecs) else None
            hits = supported(hits, Wording.of(q, index.keywords), index.manifest.calibration, name_cos,
                             listing=q.intent.kind == LIST)
            # "When did she last visit?": the latest that answers, a record about her before one mentioning her
            hits = extreme_first(hits, q.intent.answer_order, q.names)
            if q.intent.kind == LIST and not read_as:  # "the stops on Knox's 1912 tour": every one of them
                held = members(hits, q.names, date_from, date_to, index.keywords)
            if q.intent.kind == LIST:  # "Which presidents have been to Hanoi?": not a prime minister's visit
                off = off_role(hits, roles(q.text))
            # "a trip to Iceland": not a visit from Iceland; "And in the 1990s?" after it neither
            off = off | off_direction(hits, q.text, q.names, said if q.context else None, q.context)
            if q.intent.kind != LIST and not q.intent.answer_order:  # "Where did he go next?": the nearest after
                hits = nearest_first(hits, leaning, CITE_LIST, index.starts, index.ends)
                move = leaning.way if leaning.origin else 0
                held = leading(hits, leaning, CITE_LIST)  # cited, however like the question
        gaps = empty_stretches(index.starts, index.ends, date_from, date_to) if ranged else []
        few = LACKING_SHARE * index.keywords.n
        rare = frozenset(n.text for n in q.names if n.known and n.held_by(index.keywords.count) <= few)
        # "When did Ford go to Jerusalem?": a person and a place no record of the period names together
        together = () if listing or q.intent.follow_up else apart(index, q.text, q.names, rare, date_from, date_to)
        # read as recased (qa/casing.py), shown as asked
        return Retrieved(replace(q, text=text), hits, date_from, date_to, self.stamp(index), mode, gaps, listing,
                         named=bool(q.names or q.context), read_as=read_as, move=move, held=held, off=off,
                         rare=rare, apart=together)

    def _earlier(self, index: Store, history: list[str], k: int, mode: Mode) -> Earlier:
        """The answer the question before a follow-up was given (read with its own history, up to
        EARLIER_DEPTH questions back): the records it cited."""
        before = history[-EARLIER_DEPTH:]
        r = self.retrieve(before[-1], k=k, history=before[:-1] or None, mode=mode)
        cited = [c.hit for c in r.answer(k).citations]
        # as cited ("his first trip abroad": the record the answer led with, not the likeliest; "where did she
        # go next?": the nearest of her journeys, whatever its likelihood), then the rest as ranked
        rows = {h.row for h in cited}
        hits = cited + [h for h in r.hits if h.row not in rows]
        return Earlier(tuple(hits), len(cited), tuple(r.query.names))

    def ask(self, question: object, *, k: int = DEFAULT_K, date_from: date | None = None,
            date_to: date | None = None, history: list[str] | None = None, mode: Mode | None = None) -> Answer:
        """Answer a question from the records, citing each one used; raise QuestionError for bad questions."""
        r = self.retrieve(question, k=k, date_from=date_from, date_to=date_to, history=history, mode=mode)
        if self.llm is None:
            return r.answer(k)
        from .writer import final

        return final(self.prose(r, r.answer(k)))

    def prose(self, r: Retrieved, answer: Answer, endpoint=None):
        """The prose writer's run over an answer retrieved here (qa/writer.steps): each sentence's verdict as it
        is checked, then the final answer. endpoint: this archive's language model (--llm) unless given."""
        from .writer import steps

        return steps(answer, endpoint or self.llm, self.embedder.encode, self.aliases(), listing=self.listing(r))

    def aliases(self) -> list[list[str]]:
        """The name groups the collection knows (qa/aliases.txt and its own), for the writer's verifier."""
        return [names for names, _ in self.current.names.aliases]

    @staticmethod
    def listing(r: Retrieved) -> bool:
        """Whether an answer lists records in date order (the writer leaves those as they are)."""
        return r.listing or r.query.intent.listing

    def find(self, key: str) -> int:
        """The row of the record with this id, or with exactly this title; IndexProblem naming the choices."""
        records = self.current.records
        rows = records.rows_with_id(key) or records.rows_with_title(key)
        if len(rows) == 1:
            return rows[0]
        if not rows:
            raise IndexProblem(f"no record has the id or title {key!r}; ids are shown by 'archive-qa ask --json'")
        choices = "; ".join(f"{records[i].id} ({records[i].date.text})" for i in rows)
        raise IndexProblem(f"{len(rows)} records have the title {key!r}: give one of their ids: {choices}")

    def related(self, key: str, k: int = 5) -> tuple[Record, list[Hit]]:
        """A record and its k nearest neighbours in the collection ("more like this")."""
        index = self.current
        row = self.find(key)
        vec = index.vectors([row])[0]
        hits = [h for h in search(index, vec, k + 1) if h.record.id != index.records[row].id][:k]
        return index.records[row], [Hit(h.record, h.score, n) for n, h in enumerate(hits, start=1)]

    def browse(self, request: BrowseRequest) -> BrowsePage:
        """One page of the collection's records for the browser (qa/collection.py), from the current index."""
        return browse(self.current, request)

    def examples(self) -> list[str]:
        """Example questions that fit the collection: its own, or made from its records."""
        return examples(self.current)

    def date_starts(self) -> np.ndarray:
        """Each record's first day (datetime64[D], NaT when undated), row for row, for the timeline."""
        return self.current.starts

    def info(self) -> dict:
        idx = self.current
        m = idx.manifest
        return {"records": m.count, "model": m.model, "dimension": m.dimension, "date_from": m.date_from,
                "date_to": m.date_to, "undated": m.undated, "built_at": m.built_at, "index_type": m.index_type,
                "index_params": m.index_params, "engine": m.engine, "calibration": m.calibration,
                "corpus_sha256": m.corpus_sha256, "path": idx.location, "sources": m.sources,
                "skipped": m.skipped, "duplicates": m.duplicates, "versions": m.versions,
                "initials": idx.names.initials, "stale": self.stale_reason}
