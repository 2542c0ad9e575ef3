"""The Gradio web chat: cited answers whose citations lead to their records, a record viewer, a collection
browser, the timeline, conversations kept in the browser, and the index panel."""

from __future__ import annotations

import calendar
import hmac
import logging
import re
import secrets
import shutil
import tempfile
import threading
import uuid
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import gradio as gr  # after qa/__init__.py imported qa.settings: no version check, telemetry or hub look-ups

from . import render, settings
from .answer import Answer
from .archive import DEFAULT_K, MAX_K, REBUILD_RUNNING, Archive
from .collection import SORTS, BrowseRequest
from .dates import parse_bound
from .errors import ArchiveError, DateError, QuestionError, RebuildRunning
from .records import FORMATS
from .render import esc
from .timeline import timeline

log = logging.getLogger(__name__)

UPLOAD_LIMIT = "20mb"
DENIED = "Changing the index needs the admin password (set when the app was started); nothing was changed."
BUSY = f"{REBUILD_RUNNING[0].upper()}{REBUILD_RUNNING[1:]}."  # a second rebuild or upload, however close
FRIENDLY_ERROR = "Something went wrong while answering; the error is in the server log. Please try again."
WRITING = "✎ Writing from the cited records; each sentence is shown once its record is checked to support it…"
MAX_SAVED = 10      # conversations kept in the browser; the oldest goes first
MAX_EXPORTS = 50    # export files kept on disk for download; older ones are removed
MAX_TURNS = 20      # answers whose sources are kept per saved conversation; older ones keep their question
BACK_TO_SOURCES = "Back to the answer's sources"
BACK_TO_LIST = "Back to the list"
_PERIOD = re.compile(r"(\d{4})(?:-(\d{2})|(s))?")


def _bound(text: str | None, *, end: bool, which: str) -> date | None:
    if not text or not str(text).strip():
        return None
    try:
        return parse_bound(str(text).strip(), end=end)
    except DateError as e:
        raise QuestionError(f"the {which} date is not usable: {e}") from None


def period_question(period: str) -> str | None:
    """The question a click on the timeline asks: 'What is there from October 1947?' for '1947-10'."""
    m = _PERIOD.fullmatch(period or "")
    if not m:
        return None
    year = int(m.group(1))
    if m.group(2):
        month = int(m.group(2))
        return f"What is there from {calendar.month_name[month]} {year}?" if 1 <= month <= 12 else None
    if m.group(3):
        return f"What is there from {year} to {year + 9}?"
    return f"What is there from {year}?"


def conversation_title(turns: list[dict]) -> str:
    first = turns[0]["question"] if turns else "New conversation"
    return first if len(first) <= 90 else first[:87] + "…"


def checking(removed: int) -> str:
    """The mark after the sentences shown so far, while the writer goes on."""
    return "✎ …" + (f" ({removed} sentence{'s' if removed != 1 else ''} removed so far)" if removed else "")


class WebApp:
    """The handlers behind the page, over one Archive; kept apart from the layout so tests can call them.

    A conversation is its chat messages, the questions asked (a follow-up is read with the one before) and its
    turns: each answer's JSON with the filters it was asked with, from which its sources are shown again.
    """

    def __init__(self, archive: Archive, *, upload_dir: Path, admin_password: str | None = None) -> None:
        self.archive = archive
        self.upload_dir = upload_dir
        self.admin_password = admin_password or None
        self._exports: tempfile.TemporaryDirectory | None = None  # see _export_folder
        self._exports_lock = threading.Lock()
        self._exported = 0

    # -- answering ---------------------------------------------------------------------------------

    def answer(self, question: str, date_from: str = "", date_to: str = "", k: int = DEFAULT_K,
               history: list[str] | None = None) -> Answer:
        k = int(k) if k not in (None, "") else DEFAULT_K
        return self.archive.ask(question, k=k, date_from=_bound(date_from, end=False, which="from"),
                                date_to=_bound(date_to, end=True, which="to"), history=history)

    def api_ask(self, question: str, date_from: str = "", date_to: str = "", k: int = DEFAULT_K) -> dict:
        """The named API endpoint: the CLI's JSON answer for one question."""
        try:
            return self.answer(question, date_from, date_to, k).to_json()
        except ArchiveError as e:
            raise gr.Error(str(e)) from None
        except Exception:
            log.exception("internal error answering %r", question[:200] if isinstance(question, str)
                          else question)
            raise gr.Error(FRIENDLY_ERROR) from None

    def chat(self, question: str, chat: list, asked: list[str], turns: list[dict], date_from: str = "",
             date_to: str = "", k: int = DEFAULT_K, alone: bool = False) -> tuple:
        """One chat turn. Returns (chat, sources, textbox, asked, turns, last answer, turn shown, timeline,
        follow-up note, footer); a follow-up is read with the question before it unless alone."""
        if not isinstance(question, str) or not question.strip():
            return (chat, gr.skip(), "", *[gr.skip()] * 7)  # ignored
        history = [*(chat or []), {"role": "user", "content": render.question_bubble(question)}]
        k = int(k) if k not in (None, "") else DEFAULT_K
        try:
            retrieved, context = self._retrieve(question, asked, date_from, date_to, k, alone)
            return self._turn(history, retrieved.answer(k), retrieved, context, asked, turns, date_from,
                              date_to, k)
        except Exception as e:
            return self._failed(history, question, e, asked, turns, date_from, date_to, k)

    def chat_stream(self, question: str, chat: list, asked: list[str], turns: list[dict], date_from: str = "",
                    date_to: str = "", k: int = DEFAULT_K, alone: bool = False):
        """One chat turn in checked prose (only with --llm: qa/writer.py), yielding what chat() returns: the
        cited records first, then each sentence of the writer's draft once it has passed the check (a mark
        shows while the next one is written and checked), then the final answer, which is the extractive one,
        saying why, when nothing held or the writer failed."""
        from .writer import writes

        if not isinstance(question, str) or not question.strip():
            yield (chat, gr.skip(), "", *[gr.skip()] * 7)
            return
        history = [*(chat or []), {"role": "user", "content": render.question_bubble(question)}]
        k = int(k) if k not in (None, "") else DEFAULT_K
        try:
            retrieved, context = self._retrieve(question, asked, date_from, date_to, k, alone)
            draft = retrieved.answer(k)
            if writes(draft, self.archive.listing(retrieved)):  # else the answer comes at once
                yield ([*history, {"role": "assistant", "content": esc(WRITING)}],
                       render.sources_panel(draft.to_json(), len(turns or [])), "", *[gr.skip()] * 7)
            shown, removed, ans = [], 0, draft
            for step in self.archive.prose(retrieved, draft):
                if step.answer is not None:
                    ans = step.answer
                    break
                if step.verdict.supported:
                    shown.append(step.verdict.sentence)
                else:
                    removed += 1
                writing = {"role": "assistant", "content": esc(" ".join([*shown, checking(removed)]))}
                yield ([*history, writing], gr.skip(), "", *[gr.skip()] * 7)
            yield self._turn(history, ans, retrieved, context, asked, turns, date_from, date_to, k)
        except Exception as e:
            yield self._failed(history, question, e, asked, turns, date_from, date_to, k)

    def _retrieve(self, question: str, asked: list[str], date_from: str, date_to: str, k: int, alone: bool):
        context = [] if alone else list(asked or [])
        return self.archive.retrieve(question, k=k, date_from=_bound(date_from, end=False, which="from"),
                                     date_to=_bound(date_to, end=True, which="to"), history=context), context

    def _turn(self, history: list, ans: Answer, retrieved, context: list[str], asked: list[str],
              turns: list[dict], date_from: str, date_to: str, k: int) -> tuple:
        """The outputs of an answered turn (see chat)."""
        data = ans.to_json()
        follow = bool(context) and retrieved.query.intent.follow_up
        turn = {"question": ans.question, "answer": data, "previous": context[-1] if follow else None,
                "date_from": date_from or "", "date_to": date_to or "", "k": k}
        turns = [*(turns or []), turn]
        t = len(turns) - 1
        history = [*history, {"role": "assistant", "content": render.answer_bubble(data, t)}]
        return (history, render.sources_panel(data, t), "", [*(asked or []), ans.question][-10:], turns, ans, t,
                self.timeline(data, t), self.context(date_from, date_to, k, turn if follow else None),
                render.stamp_html(self.archive.stamp()))

    def _failed(self, history: list, question: str, e: Exception, asked: list[str], turns: list[dict],
                date_from: str, date_to: str, k: int) -> tuple:
        """The outputs of a turn that could not be answered: one sentence in the chat, the traceback to the log."""
        if isinstance(e, ArchiveError):
            reply = esc(f"Sorry: {e}.".replace("..", "."))
        else:
            log.exception("internal error answering %r", question[:200])
            reply = esc(FRIENDLY_ERROR)
        history = [*history, {"role": "assistant", "content": reply}]
        return (history, gr.skip(), "", asked, turns, gr.skip(), gr.skip(), gr.skip(),
                self.context(date_from, date_to, k, None), render.stamp_html(self.archive.stamp()))

    def ask_alone(self, chat: list, asked: list[str], turns: list[dict], date_from: str = "",
                  date_to: str = "", k: int = DEFAULT_K) -> tuple:
        """Ask the last question again on its own, in place of its answer read with the question before it."""
        again = self._again(chat, asked, turns)
        return (gr.skip(),) * 10 if again is None else self.chat(*again, alone=True)

    def ask_alone_stream(self, chat: list, asked: list[str], turns: list[dict], date_from: str = "",
                         date_to: str = "", k: int = DEFAULT_K):
        """ask_alone in checked prose (with --llm)."""
        again = self._again(chat, asked, turns)
        if again is None:
            yield (gr.skip(),) * 10
        else:
            yield from self.chat_stream(*again, alone=True)

    @staticmethod
    def _again(chat: list, asked: list[str], turns: list[dict]) -> tuple | None:
        if not turns or not turns[-1].get("previous"):
            return None
        last = turns[-1]
        return (last["question"], list(chat or [])[:-2], list(asked or [])[:-1], turns[:-1], last["date_from"],
                last["date_to"], last["k"])

    def ask_period(self, period: str, chat: list, asked: list[str], turns: list[dict], date_from: str = "",
                   date_to: str = "", k: int = DEFAULT_K):
        """A click on the timeline: ask for that month's, year's or decade's records (date filters aside)."""
        question = period_question(period)
        if question is None:
            return (gr.skip(),) * 10
        out = list(self.chat(question, chat, asked, turns, "", "", k, alone=True))
        out[8] = self.context(date_from, date_to, k, None)
        return tuple(out)

    def clear(self) -> tuple:
        """Everything back to a new conversation, filters too: (chat, sources, textbox, asked, turns, last
        answer, turn shown, timeline, filters and follow-up note, from, to, k, export file and note,
        conversation)."""
        return ([], render.sources_panel(None), "", [], [], None, -1, self.timeline(None), "", "", "",
                DEFAULT_K, None, "", None)

    def timeline(self, answer: dict | None = None, turn: int = 0) -> str:
        """The collection's records over time, with the cited ones marked: gaps in the archive show."""
        cited = [(date.fromisoformat(c["iso_date"][:10]) if len(c["iso_date"]) >= 10
                  else date.fromisoformat((c["iso_date"] + "-01-01")[:10]), c["n"])
                 for c in (answer or {}).get("citations", []) if c.get("iso_date")]
        return render.timeline_html(timeline(self.archive.date_starts(), cited), turn)

    @staticmethod
    def context(date_from: str, date_to: str, k: int, follow: dict | None = None) -> str:
        """What shapes the next answer, shown above the chat: the filters on, and whether the last question
        was read together with the one before it."""
        k = k if k not in (None, "") else DEFAULT_K
        return render.chips_html(date_from, date_to, k, DEFAULT_K, follow)

    def filters_changed(self, date_from: str, date_to: str, k: int, turns: list[dict]) -> str:
        last = turns[-1] if turns and turns[-1].get("previous") else None
        return self.context(date_from, date_to, k, last)

    @staticmethod
    def remove_filter(which: str, date_from: str, date_to: str, k: int) -> tuple:
        """A chip's ×: that filter off; (from, to, k)."""
        return ("" if which == "from" else date_from, "" if which == "to" else date_to,
                DEFAULT_K if which == "k" else k)

    # -- sources and the record viewer ---------------------------------------------------------------

    def show_turn(self, turn: int, turns: list[dict]) -> tuple:
        """The sources (and timeline) of one answer of the conversation: (sources, turn shown, timeline)."""
        if not turns:
            return render.sources_panel(None), -1, self.timeline(None)
        t = min(max(int(turn), 0), len(turns) - 1)
        data = turns[t].get("answer")
        if data is None:
            return render.sources_not_kept(turns[t].get("question", "")), t, self.timeline(None)
        return render.sources_panel(data, t), t, self.timeline(data, t)

    def record(self, record_id: str, back: str) -> str:
        """The record viewer: the whole record and the five records most like it."""
        try:
            record, hits = self.archive.related(str(record_id or ""), k=5)
        except ArchiveError as e:
            return render.viewer_note(f"{e}.", back)
        except Exception:
            log.exception("internal error opening the record %r", str(record_id)[:40])
            return render.viewer_note("Something went wrong while opening the record; the error is in the "
                                      "server log.", back)
        roots = self.archive.current.manifest.sources
        return render.record_view(record, [(h.record, h.score) for h in hits], back=back, roots=roots)

    def open_record(self, record_id: str, shown: int) -> str:
        return self.record(record_id, BACK_TO_SOURCES if shown is not None and shown >= 0 else "Back")

    def export(self, answer: Answer | None, fmt: str):
        """Write the last answer in a chosen format to a file for download."""
        if answer is None:
            return None, "Ask a question first; its answer and citations are what gets exported."
        from . import export as exports

        folder = self._export_folder()
        path = folder / exports.filename(answer, fmt)
        path.write_text(exports.export(answer, fmt), encoding="utf-8")
        return str(path), f"Exported {len(answer.citations)} citation(s) as {fmt}."

    def _export_folder(self) -> Path:
        """A new folder for one export, inside this app's own temporary folder, which keeps the newest
        MAX_EXPORTS (Gradio has copied each file to its cache by then) and is removed when the app exits."""
        with self._exports_lock:
            if self._exports is None:
                self._exports = tempfile.TemporaryDirectory(prefix="archive-qa-exports-")
            root = Path(self._exports.name)
            kept = sorted(root.iterdir())  # named by a counter: oldest first
            for old in kept[:len(kept) - (MAX_EXPORTS - 1)]:  # room for the new one
                shutil.rmtree(old, ignore_errors=True)
            self._exported += 1
            return Path(tempfile.mkdtemp(prefix=f"{self._exported:010d}-", dir=root))

    # -- conversations kept in the browser -----------------------------------------------------------

    @staticmethod
    def save(conversation: str | None, chat: list, asked: list[str], turns: list[dict], saved: list[dict]):
        """Keep the conversation in the browser's saved list, newest first: (its id, the list, choices)."""
        saved = [c for c in (saved or []) if isinstance(c, dict) and c.get("id")]
        if not turns:
            return conversation, saved, gr.update(choices=WebApp.choices(saved), value=conversation)
        conversation = conversation or uuid.uuid4().hex[:12]
        old = len(turns) - MAX_TURNS  # placeholders keep the turns' numbers, which the chat's links use
        kept = [t if i >= old else {"question": t["question"], "answer": None} for i, t in enumerate(turns)]
        entry = {"id": conversation, "title": conversation_title(turns),
                 "chat": list(chat or [])[-2 * MAX_TURNS:], "asked": list(asked or []), "turns": kept}
        saved = [entry] + [c for c in saved if c["id"] != conversation]
        saved = saved[:MAX_SAVED]
        return conversation, saved, gr.update(choices=WebApp.choices(saved), value=conversation)

    @staticmethod
    def choices(saved: list[dict]) -> list[tuple[str, str]]:
        return [(c.get("title") or "Conversation", c["id"]) for c in (saved or []) if isinstance(c, dict)
                and c.get("id")]

    def reopen(self, conversation: str | None, saved: list[dict], date_from: str = "", date_to: str = "",
               k: int = DEFAULT_K) -> tuple:
        """Open a saved conversation: (chat, sources, asked, turns, last answer, turn shown, timeline,
        follow-up note, conversation id); its last answer is asked again, so that it can be exported."""
        entry = next((c for c in (saved or []) if isinstance(c, dict) and c.get("id") == conversation), None)
        if entry is None:
            return (gr.skip(),) * 9
        turns = [t for t in entry.get("turns") or [] if isinstance(t, dict) and "answer" in t]
        asked = [str(q) for q in entry.get("asked") or []]
        last = None
        if turns:
            t = turns[-1]
            try:
                before = [t["previous"]] if t.get("previous") else []
                last = self.answer(t["question"], t.get("date_from", ""), t.get("date_to", ""),
                                   t.get("k", DEFAULT_K), history=before)
            except ArchiveError:
                last = None
        sources, shown, plot = self.show_turn(len(turns) - 1, turns)
        follow = self.filters_changed(date_from, date_to, k, turns)
        return list(entry.get("chat") or []), sources, asked, turns, last, shown, plot, follow, entry["id"]

    # -- the collection browser ------------------------------------------------------------------------

    def browse(self, text: str, date_from: str, date_to: str, collection: str | None, sort: str | None,
               page: int = 1) -> tuple[str, dict]:
        """A page of the collection: (its table, the request as state for paging and going back)."""
        request = {"text": text or "", "date_from": date_from or "", "date_to": date_to or "",
                   "collection": collection or "", "sort": sort or "", "page": max(1, int(page or 1)),
                   "index": self.archive.stamp()["corpus_sha256"]}
        try:
            result = self.archive.browse(BrowseRequest(
                request["text"], _bound(date_from, end=False, which="from"),
                _bound(date_to, end=True, which="to"),
                "" if request["collection"] == ALL else request["collection"], request["sort"],
                request["page"]))
        except ArchiveError as e:
            return f'<p class="note" role="alert">{esc(e)}.</p>', request
        request["page"], request["pages"] = result.page, result.pages
        return render.records_table(result, request["text"]), request

    def turn_page(self, request: dict, step: int) -> tuple[str, dict]:
        r = request or {}
        return self.browse(r.get("text", ""), r.get("date_from", ""), r.get("date_to", ""),
                           r.get("collection"), r.get("sort"), int(r.get("page", 1)) + step)

    def records_tab_opened(self, request: dict) -> tuple:
        """The records tab as it was left, or its first page again when the index changed since:
        (table, request, previous and next buttons, collection choices)."""
        if (request or {}).get("index") == self.archive.stamp()["corpus_sha256"]:
            return (gr.skip(),) * 5
        return (*_pager(*self.browse("", "", "", ALL, "relevance")),
                gr.update(choices=self.collections(), value=ALL))

    def collections(self) -> list[str]:
        return [ALL] + self.archive.browse(BrowseRequest(per_page=1)).collections

    # -- the index ---------------------------------------------------------------------------------

    def info(self) -> str:
        return render.index_html(self.archive.info())

    def _run_build(self, work):
        """Run an index change in a thread; yield (status, index info, footer) as it goes and when it ends.

        The Archive's gate decides at once whether it runs: refused (another change holds it) or a file with
        problems, the first status says so and nothing changed. Questions keep being answered from the old
        index meanwhile; the new one is swapped in at the end.
        """
        result: dict = {}
        state = {"progress": (0.0, "starting")}
        started = threading.Event()

        def progress(frac: float, msg: str) -> None:
            state["progress"] = (frac, msg)
            started.set()

        def target() -> None:
            try:
                result["report"] = work(progress)
            except ArchiveError as e:
                result["error"] = e
            except Exception:
                log.exception("internal error during a rebuild")
                result["error"] = "the rebuild failed with an internal error; see the server log"

        t = threading.Thread(target=target, name="rebuild", daemon=True)
        t.start()
        while t.is_alive() and not started.wait(0.05):
            pass
        if not started.is_set():  # it never passed the gate
            t.join()
            error = result.get("error")
            yield (BUSY if isinstance(error, RebuildRunning) else str(error)), gr.skip(), gr.skip()
            return
        while True:  # at least once: a rebuild that finishes at once still says it ran
            frac, msg = state["progress"]
            yield (f"Rebuilding… {frac:.0%}: {msg}. Questions are answered from the current index until "
                   "the new one is ready."), gr.skip(), gr.skip()
            t.join(0.25)
            if not t.is_alive():
                break
        if "error" in result:
            text = f"Rebuild failed: {result['error']}"
        else:
            r = result["report"]
            text = (f"Rebuilt: {r.manifest.count:,} records in {r.seconds:.1f}s"
                    + (f"; {len(r.duplicates)} duplicates indexed once" if r.duplicates else "")
                    + (f"; {r.damaged} embedded again in place of damaged cached vectors"
                       if r.damaged else "")
                    + f". Questions now use the new index ({render.search_words(self.archive.info())}).")
        yield text, self.info(), render.stamp_html(self.archive.stamp())

    def allowed(self, password: str | None) -> bool:
        """Whether an index change may go ahead: always without an admin password, else only with it."""
        if self.admin_password is None:
            return True
        return hmac.compare_digest((password or "").encode(), self.admin_password.encode())

    def rebuild(self, password: str = ""):
        """Rebuild from the records folder; a second rebuild while one runs is refused with a message."""
        if not self.allowed(password):
            yield DENIED, gr.skip(), gr.skip()
            return
        yield from self._run_build(lambda p: self.archive.rebuild(progress=p))

    def upload(self, file, password: str = ""):
        """Add an uploaded records file and rebuild; a file with problems is refused and nothing changes."""
        if file is None:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        if not self.allowed(password):
            yield DENIED, gr.skip(), gr.skip()
            return
        path = str(file)
        name = getattr(file, "orig_name", None) or path
        yield from self._run_build(
            lambda p: self.archive.add_records(path, name, self.upload_dir, progress=p))


ALL = "All collections"


def browser_secret() -> str:
    """The key the saved conversations are sealed with in the browser, kept in the cache folder so that they
    survive a restart; a fresh one (conversations then start empty after a restart) when it cannot be kept."""
    path = settings.current().cache / "browser-state.key"
    try:
        if path.is_file():
            key = path.read_text().strip()
            if len(key) >= 32:
                return key
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        path.write_text(key)
        path.chmod(0o600)
        return key
    except OSError as e:
        log.warning("cannot keep the key of saved conversations in %s (%s): they will not survive a restart; "
                    "set ARCHIVE_QA_CACHE to a writable folder", path, e)
        return secrets.token_urlsafe(32)


PRIVATE = dict(api_visibility="private")  # the page's own events: not API endpoints


def _ask_tab(app: WebApp, ui: SimpleNamespace) -> None:
    """The Ask tab: the question form, filters and their chips, examples and the chat on the left; the
    sources (or the record viewer), the timeline and the export on the right."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=300):
            with gr.Row(elem_id="ask-form"):
                ui.question = gr.Textbox(elem_id="question", label="Question", show_label=False,
                                         placeholder="Ask a question about the records…", scale=5,
                                         max_lines=4, autofocus=True, min_width=200)
                ui.ask = gr.Button("Ask", elem_id="ask", variant="primary", scale=1, min_width=60)
                ui.clear = gr.Button("Clear", elem_id="clear", scale=1, min_width=60)
            with gr.Accordion("Filters", open=False, elem_id="filters"), gr.Row():
                ui.date_from = gr.Textbox(label="From date", placeholder="e.g. 1947 or October 1947",
                                          elem_id="date-from", min_width=120)
                ui.date_to = gr.Textbox(label="To date", placeholder="e.g. 1948-04-12", elem_id="date-to",
                                        min_width=120)
                ui.k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="Records to cite", elem_id="k",
                                 min_width=160)
            ui.chips = gr.HTML("", elem_id="chips", js_on_load=render.CHIPS_JS)
            ui.examples = gr.HTML(_examples(app), elem_id="examples", js_on_load=render.EXAMPLES_JS)
            ui.chat = gr.Chatbot(elem_id="chat", label="Answers", render_markdown=False, height="auto",
                                 max_height=620, autoscroll=False, buttons=["copy"],
                                 placeholder="Answers appear here, each citing its records.")
        with gr.Column(scale=2, min_width=300):
            ui.sources = gr.HTML(render.sources_panel(None), elem_id="sources", js_on_load=render.SOURCES_JS)
            ui.plot = gr.HTML(app.timeline(), elem_id="timeline", js_on_load=render.TIMELINE_JS)
            with gr.Accordion("Export the answer (Markdown, CSV, BibTeX, RIS, CSL-JSON)", open=False,
                              elem_id="export-panel"):
                with gr.Row():
                    ui.fmt = gr.Dropdown(["markdown", "csv", "bibtex", "ris", "csl-json", "json"],
                                         value="bibtex", label="Export format", elem_id="export-format",
                                         scale=2, min_width=140)
                    ui.export = gr.Button("Export", elem_id="export", scale=1, min_width=80)
                ui.export_file = gr.File(label="Download", elem_id="export-file", interactive=False,
                                         height=90)
                ui.export_note = gr.Markdown("", elem_id="export-note")


def _records_tab(app: WebApp, ui: SimpleNamespace) -> None:
    """The Records tab: search, order, collection and dates over the collection, a page at a time."""
    with gr.Row(elem_id="records-form"):
        ui.search = gr.Textbox(label="Search the records", placeholder="words, or a record's id",
                               elem_id="records-search", scale=3, min_width=200)
        ui.sort = gr.Dropdown([(v, key) for key, v in SORTS.items()], value="relevance", label="Order",
                              elem_id="records-sort", scale=1, min_width=140)
        ui.collection = gr.Dropdown(app.collections(), value=ALL, label="Collection",
                                    elem_id="records-collection", scale=2, min_width=160)
    with gr.Row():
        ui.browse_from = gr.Textbox(label="From date", placeholder="e.g. 1946", elem_id="records-from",
                                    min_width=120)
        ui.browse_to = gr.Textbox(label="To date", placeholder="e.g. March 1948", elem_id="records-to",
                                  min_width=120)
        ui.search_go = gr.Button("Search", elem_id="records-go", variant="primary", min_width=80)
    first, request = app.browse("", "", "", ALL, "relevance")
    ui.listing = gr.State(request)
    ui.records = gr.HTML(first, elem_id="records", js_on_load=render.RECORDS_JS)
    with gr.Row(elem_id="records-pages"):
        ui.prev = gr.Button("← Previous page", elem_id="records-prev", min_width=100, interactive=False)
        ui.next = gr.Button("Next page →", elem_id="records-next", min_width=100,
                            interactive=request.get("pages", 1) > 1)


def _index_tab(app: WebApp, ui: SimpleNamespace) -> None:
    """The Index tab: what the index holds in plain words, rebuild and upload."""
    ui.info = gr.HTML(app.info(), elem_id="index-info")
    with gr.Row():
        ui.rebuild = gr.Button("Rebuild from the records folder", elem_id="rebuild")
        ui.upload = gr.File(label="Add a records file (.txt seed format, .jsonl, .csv)", elem_id="upload",
                            file_types=sorted(FORMATS), type="filepath")
    ui.password = gr.Textbox("", label="Admin password (needed to rebuild or upload)", type="password",
                             elem_id="admin-password", visible=app.admin_password is not None)
    ui.status = gr.Textbox(label="Index status", elem_id="index-status", interactive=False, lines=2,
                           max_lines=30)


def _examples(app: WebApp) -> str:
    return render.examples_html(app.archive.examples())


def _pager(view: str, request: dict) -> tuple:
    """A page of the records tab with its previous and next buttons on or off."""
    page, pages = request.get("page", 1), request.get("pages", 1)
    return view, request, gr.update(interactive=page > 1), gr.update(interactive=page < pages)


def _wire_chat(app: WebApp, ui: SimpleNamespace) -> None:
    """Asking (the box, examples, a timeline bar, asking alone), Clear, filters, sources, conversations."""
    chat_out = [ui.chat, ui.sources, ui.question, ui.asked, ui.turns, ui.last, ui.shown, ui.plot, ui.chips,
                ui.footer]
    filters = [ui.date_from, ui.date_to, ui.k]
    save = dict(fn=app.save, inputs=[ui.conversation, ui.chat, ui.asked, ui.turns, ui.saved],
                outputs=[ui.conversation, ui.saved, ui.conversations], **PRIVATE)
    show_latest = dict(fn=None, js=render.SHOW_LATEST_JS, **PRIVATE)

    def from_example(evt: gr.EventData, *state):
        return app.chat(evt._data.get("question", ""), *state)

    def from_example_in_prose(evt: gr.EventData, *state):
        yield from app.chat_stream(evt._data.get("question", ""), *state)

    def by_period(evt: gr.EventData, *state):
        return app.ask_period(evt._data.get("period", ""), *state)

    # with --llm, a turn streams checked prose; a timeline click lists a period's records, which stay as they are
    prose = app.archive.llm is not None
    turn, example, alone = ((app.chat_stream, from_example_in_prose, app.ask_alone_stream) if prose
                            else (app.chat, from_example, app.ask_alone))
    state = [ui.chat, ui.asked, ui.turns, *filters]
    for event, fn, inputs in ((ui.question.submit, turn, [ui.question, *state]),
                              (ui.ask.click, turn, [ui.question, *state]),
                              (ui.examples.ask_example, example, state),
                              (ui.chips.ask_alone, alone, state),
                              (ui.plot.ask_period, by_period, state)):
        event(fn, inputs, chat_out, **PRIVATE).then(**show_latest).then(**save)
    clear_out = [ui.chat, ui.sources, ui.question, ui.asked, ui.turns, ui.last, ui.shown, ui.plot, ui.chips,
                 *filters, ui.export_file, ui.export_note, ui.conversation]
    for event in (ui.clear.click, ui.new.click, ui.chat.clear):
        event(app.clear, None, clear_out, **PRIVATE).then(
            lambda: (gr.update(value=None), _examples(app)), None, [ui.conversations, ui.examples], **PRIVATE)
    ui.chat.change(lambda h: "" if h else _examples(app), ui.chat, ui.examples, show_progress="hidden",
                   **PRIVATE)
    for box in filters:
        box.change(app.filters_changed, [*filters, ui.turns], ui.chips, **PRIVATE)

    def unfilter(evt: gr.EventData, *values):
        return app.remove_filter(evt._data.get("which", ""), *values)

    def turn_shown(evt: gr.EventData, turns):
        return app.show_turn(evt._data.get("turn", 0), turns)

    def opened(evt: gr.EventData, shown):
        return app.open_record(evt._data.get("record", ""), shown)

    ui.chips.remove_filter(unfilter, filters, filters, **PRIVATE)
    ui.sources.show_turn(turn_shown, ui.turns, [ui.sources, ui.shown, ui.plot], **PRIVATE)
    ui.sources.open_record(opened, ui.shown, ui.sources, **PRIVATE)
    ui.sources.back(app.show_turn, [ui.shown, ui.turns], [ui.sources, ui.shown, ui.plot], **PRIVATE)
    ui.export.click(app.export, [ui.last, ui.fmt], [ui.export_file, ui.export_note], **PRIVATE)
    ui.conversations.input(app.reopen, [ui.conversations, ui.saved, *filters],
                           [ui.chat, ui.sources, ui.asked, ui.turns, ui.last, ui.shown, ui.plot, ui.chips,
                            ui.conversation], **PRIVATE).then(**show_latest)


def _wire_records(app: WebApp, ui: SimpleNamespace) -> None:
    """The records tab's search, order, filters, pages and record viewer."""
    browse_in = [ui.search, ui.browse_from, ui.browse_to, ui.collection, ui.sort]
    browse_out = [ui.records, ui.listing, ui.prev, ui.next]
    for event in (ui.search.submit, ui.search_go.click, ui.sort.input, ui.collection.input,
                  ui.browse_from.submit, ui.browse_to.submit):
        event(lambda *a: _pager(*app.browse(*a)), browse_in, browse_out, **PRIVATE)
    ui.prev.click(lambda r: _pager(*app.turn_page(r, -1)), ui.listing, browse_out, **PRIVATE)
    ui.next.click(lambda r: _pager(*app.turn_page(r, 1)), ui.listing, browse_out, **PRIVATE)

    def opened(evt: gr.EventData):
        return app.record(evt._data.get("record", ""), BACK_TO_LIST)

    ui.records.open_record(opened, None, ui.records, **PRIVATE)
    ui.records.back(lambda r: _pager(*app.turn_page(r, 0)), ui.listing, browse_out, **PRIVATE)
    ui.records_tab.select(app.records_tab_opened, ui.listing, [*browse_out, ui.collection], **PRIVATE)


def _refresh(app: WebApp, saved: list[dict]) -> tuple:
    """What a page shows of the index as it is now (a rebuild may have changed it since the page was built):
    saved conversations, examples, timeline, index panel and footer; the records tab catches up when
    opened."""
    return (gr.update(choices=WebApp.choices(saved), value=None), _examples(app), app.timeline(), app.info(),
            render.stamp_html(app.archive.stamp()))


def build_ui(app: WebApp) -> gr.Blocks:
    """The page: the Ask tab (question, chat, sources, timeline, export), the Records tab (the collection
    browser) and the Index tab; saved conversations in the sidebar."""
    ui = SimpleNamespace()
    with gr.Blocks(title="archive-qa") as demo:
        ui.saved = gr.BrowserState([], storage_key="archive-qa-conversations", secret=browser_secret())
        ui.conversation, ui.asked, ui.turns = gr.State(None), gr.State([]), gr.State([])
        ui.last, ui.shown = gr.State(None), gr.State(-1)
        with gr.Sidebar(open=False, label="Conversations", elem_id="conversations"):
            ui.new = gr.Button("New conversation", elem_id="new-conversation")
            ui.conversations = gr.Radio([], label="Saved in this browser", elem_id="saved-conversations",
                                        interactive=True)
        gr.HTML("<h1>archive-qa</h1><p>Ask the archive. Every answer is built only from the records and "
                "cites each one by date and title: click a citation to see its source.</p>", elem_id="intro")
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Ask", id="ask-tab", elem_id="ask-tab"):
                _ask_tab(app, ui)
            with gr.Tab("Records", id="records-tab", elem_id="records-tab") as ui.records_tab:
                _records_tab(app, ui)
            with gr.Tab("Index", id="index-tab", elem_id="index-tab"):
                _index_tab(app, ui)
        ui.footer = gr.HTML(render.stamp_html(app.archive.stamp()), elem_id="stamp")
        _wire_chat(app, ui)
        _wire_records(app, ui)
        ui.rebuild.click(app.rebuild, ui.password, [ui.status, ui.info, ui.footer], api_name="rebuild",
                         concurrency_limit=2, concurrency_id="index")
        ui.upload.upload(app.upload, [ui.upload, ui.password], [ui.status, ui.info, ui.footer],
                         api_name="upload_records", concurrency_limit=2, concurrency_id="index")
        demo.load(lambda s: _refresh(app, s), ui.saved,
                  [ui.conversations, ui.examples, ui.plot, ui.info, ui.footer], show_progress="hidden",
                  **PRIVATE)
        gr.api(app.api_ask, api_name="ask")
    return demo


# The default theme with text and buttons dark enough on their backgrounds (WCAG AA, checked by axe-core in
# the browser tests), in light and dark mode.
THEME = gr.themes.Default(primary_hue="blue").set(
    body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_300",
    button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
    button_primary_background_fill_dark="*primary_600",
    button_primary_background_fill_hover_dark="*primary_700",
    button_primary_text_color="white", button_primary_text_color_dark="white",
    link_text_color="*primary_700", link_text_color_dark="*primary_300",
    color_accent="*primary_700",
    color_accent_soft="*primary_50", color_accent_soft_dark="*neutral_700")

LOOPBACK = ("127.", "localhost", "::1")


def launch(archive: Archive, *, host: str, port: int, upload_dir: Path, admin_password: str | None = None,
           block: bool = True):
    """Start the app on host:port with safe defaults (no share link, no monitoring endpoint)."""
    if not host.startswith(LOOPBACK) and not admin_password:
        log.warning("serving on %s, which other machines can reach, without an admin password: anyone who "
                    "reaches it can rebuild the index and add records. Set ARCHIVE_QA_ADMIN_PASSWORD.", host)
    app = WebApp(archive, upload_dir=upload_dir, admin_password=admin_password)
    demo = build_ui(app)
    config = settings.current()  # questions answered at once and how many may wait: see the README
    demo.queue(default_concurrency_limit=config.concurrency, max_size=config.queue_size)
    demo.launch(server_name=host, server_port=port, share=False, enable_monitoring=False,
                max_file_size=UPLOAD_LIMIT, footer_links=[], show_error=False, quiet=True,
                prevent_thread_lock=not block, css=render.CSS, head=render.HEAD,
                theme=THEME)
    return demo
