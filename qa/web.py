"""The Gradio web chat: questions in, cited answers out, a sources panel, and the index panel."""

from __future__ import annotations

import hmac
import html
import logging
import tempfile
import threading
from datetime import date
from pathlib import Path

import gradio as gr  # after qa/__init__.py imported qa.settings: no version check, telemetry or hub look-ups

from . import settings
from .answer import RELEVANCE, Answer, Citation, shown_date
from .archive import DEFAULT_K, MAX_K, REBUILD_RUNNING, Archive
from .dates import parse_bound
from .errors import ArchiveError, DateError, QuestionError, RebuildRunning
from .records import FORMATS
from .retrieve import Hit
from .timeline import figure

log = logging.getLogger(__name__)

EXAMPLES = [
    "When did the Soviets postpone uranium prospecting in North Korea?",
    "Who asked Moscow for railway engineers?",
    "What did Vyshinsky report from the UN in October 1947?",
    "What did the CIA conclude about Soviet objectives in Korea?",
]
UPLOAD_LIMIT = "20mb"
DENIED = "Changing the index needs the admin password (set when the app was started); nothing was changed."
BUSY = f"{REBUILD_RUNNING[0].upper()}{REBUILD_RUNNING[1:]}."  # a second rebuild or upload, however close
FRIENDLY_ERROR = "Something went wrong while answering; the error is in the server log. Please try again."
WRITING = "✎ Writing from the cited records; each sentence is shown once its record is checked to support it…"


def checking(removed: int) -> str:
    """The mark after the sentences shown so far, while the writer goes on."""
    return "✎ …" + (f" ({removed} sentence{'s' if removed != 1 else ''} removed so far)" if removed else "")

CSS = """
#sources .source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  margin-bottom: 8px; }
#sources .cite { font-weight: 600; }
#sources .summary { margin-top: 4px; white-space: pre-wrap; }
#sources .rel { margin-top: 4px; font-size: 0.85em; color: var(--body-text-color-subdued); }
#sources .note, #index-info .note { font-style: italic; }
#stamp { font-size: 0.8em; color: var(--body-text-color-subdued); }
"""


def esc(text: object) -> str:
    """Text shown in the page as text: HTML and script in records or questions are displayed, never run."""
    return html.escape(str(text), quote=True)


def chat_text(answer: Answer) -> str:
    """The chat message for an answer: the cited sentences, then '[n] date — title' for each citation."""
    parts = [answer.text]
    if answer.citations:
        parts.append("Sources:\n" + "\n".join(c.label() for c in answer.citations))
    return esc("\n\n".join(parts))


def sources_html(answer: Answer | None) -> str:
    """The sources panel: every cited record with date, title, summary and relevance (all escaped)."""
    if answer is None:
        return '<p class="note">The records cited by an answer appear here.</p>'
    if answer.citations:
        items = [(f"[{c.n}]", c.hit, relevance_note(c.hit)) for c in answer.citations]
        head = f"<h3>Sources ({len(items)})</h3>"
    elif answer.closest:
        items = [("", h, relevance_note(h)) for h in answer.closest]
        head = ('<h3>Closest records</h3><p class="note">Nothing in the archive answers this question; these '
                "are the nearest records, shown for reference only.</p>")
    else:
        return '<p class="note">No record in the archive matches this question.</p>'
    return head + record_blocks(items)


def relevance_note(hit: Hit) -> tuple[str, str]:
    """What a source card says of a record's relevance, and the explanation shown on hover."""
    value = Citation(0, hit).relevance
    if value is None:
        return "in date order", "every record of the period, in date order; not weighed"
    return f"relevance {value:.2f}", RELEVANCE


def record_blocks(items: list[tuple[str, Hit, tuple[str, str]]]) -> str:
    """One block per record: label, date, title (and link), summary, a note (relevance) and collection, all
    escaped."""
    blocks = []
    for label, hit, (note, why) in items:
        r = hit.record
        url = r.metadata.get("url", "")
        link = (f' <a href="{esc(url)}" target="_blank" rel="noopener noreferrer">open</a>'
                if url.startswith(("https://", "http://")) else "")
        blocks.append(
            f'<div class="source"><div class="cite">{esc(label)} {esc(shown_date(r))} — {esc(r.title)}{link}</div>'
            f'<div class="summary">{esc(r.summary)}</div>'
            f'<div class="rel" title="{esc(why)}">{esc(note)}'
            + (f' · {esc(r.metadata["collection"])}' if r.metadata.get("collection") else "") + '</div></div>')
    return "".join(blocks)


def stamp_html(archive: Archive) -> str:
    s = archive.stamp()
    return (f'<div id="stamp-text">Answers from {s["records"]} records · model {esc(s["model"])}'
            + f' · built {esc(s["built_at"])} · corpus sha256 {esc(s["corpus_sha256"][:12])}</div>')


def info_html(archive: Archive) -> str:
    i = archive.info()
    span = f"{i['date_from']} to {i['date_to']}" if i["date_from"] else "no dated records"
    rows = [("Records", f"{i['records']:,} ({i['undated']} undated)"), ("Dates", span),
            ("Model", i["model"]), ("Built at", i["built_at"]),
            ("Index", i["index_type"])]
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _bound(text: str | None, *, end: bool, which: str) -> date | None:
    if not text or not str(text).strip():
        return None
    try:
        return parse_bound(str(text).strip(), end=end)
    except DateError as e:
        raise QuestionError(f"the {which} date is not usable: {e}") from None


class WebApp:
    """The handlers behind the page, over one Archive; kept apart from the layout so tests can call them."""

    def __init__(self, archive: Archive, *, upload_dir: Path, admin_password: str | None = None) -> None:
        self.archive = archive
        self.upload_dir = upload_dir
        self.admin_password = admin_password or None

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
            log.exception("internal error answering %r", question[:200] if isinstance(question, str) else question)
            raise gr.Error(FRIENDLY_ERROR) from None

    def chat(self, question: str, chat_history: list, asked: list[str], date_from: str, date_to: str, k: int):
        """One chat turn: (chat, sources panel, textbox, asked questions, version footer, last answer,
        the "more like this" choices)."""
        if not isinstance(question, str) or not question.strip():
            return chat_history, gr.skip(), "", asked, gr.skip(), gr.skip(), gr.skip(), gr.skip()  # ignored
        history = list(chat_history or [])
        shown_q = question if len(question) <= 2000 else question[:2000] + " …"
        history.append({"role": "user", "content": esc(shown_q)})
        sources, last, choices, plot = gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            ans = self.answer(question, date_from, date_to, k, history=asked)
            reply, sources, last = chat_text(ans), sources_html(ans), ans
            asked = [*asked, ans.question][-10:]
            shown = ans.citations or [Citation(h.rank, h) for h in ans.closest]
            choices = gr.update(choices=[(c.label(), c.hit.record.id) for c in shown], value=None)
            plot = self.timeline(ans)
        except ArchiveError as e:
            reply = esc(f"Sorry: {e}.".replace("..", "."))
        except Exception:
            log.exception("internal error answering %r", question[:200])
            reply = esc(FRIENDLY_ERROR)
        history.append({"role": "assistant", "content": reply})
        return history, sources, "", asked, stamp_html(self.archive), last, choices, plot

    # -- prose answers, streamed (only with --llm: qa/writer.py) -------------------------------------

    def chat_stream(self, question: str, chat_history: list, asked: list[str], date_from: str, date_to: str,
                    k: int):
        """One chat turn in checked prose: the cited records first, then each sentence of the writer's draft
        once it has passed the check (a mark shows while the next one is written and checked), then the final
        answer, which is the extractive one, saying why, when nothing held or the writer failed."""
        from .writer import steps

        if not isinstance(question, str) or not question.strip():
            yield chat_history, gr.skip(), "", asked, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        history = list(chat_history or [])
        shown_q = question if len(question) <= 2000 else question[:2000] + " …"
        history.append({"role": "user", "content": esc(shown_q)})
        asked_before = len(history)
        try:
            k = int(k) if k not in (None, "") else DEFAULT_K
            r = self.archive.retrieve(question, k=k, date_from=_bound(date_from, end=False, which="from"),
                                      date_to=_bound(date_to, end=True, which="to"), history=asked)
            draft, listing = r.answer(k), self.archive.listing(r)
            shown, removed = [], 0
            history.append({"role": "assistant", "content": esc(WRITING)})
            if draft.found and not listing:  # else the writer is not asked: the answer comes at once
                yield history, sources_html(draft), "", asked, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            for step in steps(draft, self.archive.llm, self.archive.embedder.encode, self.archive.aliases(),
                              listing=listing):
                if step.answer is not None:
                    ans = step.answer
                    break
                if step.verdict.supported:
                    shown.append(step.verdict.sentence)
                else:
                    removed += 1
                history[-1] = {"role": "assistant", "content": esc(" ".join([*shown, checking(removed)]))}
                yield history, gr.skip(), "", asked, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            history[-1] = {"role": "assistant", "content": chat_text(ans)}
            cited = ans.citations or [Citation(h.rank, h) for h in ans.closest]
            choices = gr.update(choices=[(c.label(), c.hit.record.id) for c in cited], value=None)
            asked = [*asked, ans.question][-10:]
            yield (history, sources_html(ans), "", asked, stamp_html(self.archive), ans, choices,
                   self.timeline(ans))
        except Exception as e:  # one friendly sentence in place of the draft; the traceback to the log
            if not isinstance(e, ArchiveError):
                log.exception("internal error answering %r", question[:200])
            reply = f"Sorry: {e}.".replace("..", ".") if isinstance(e, ArchiveError) else FRIENDLY_ERROR
            del history[asked_before:]
            history.append({"role": "assistant", "content": esc(reply)})
            yield history, gr.skip(), "", asked, gr.skip(), gr.skip(), gr.skip(), gr.skip()

    def timeline(self, answer: Answer | None = None):
        """The collection's records over time, with the cited ones marked: gaps in the archive show."""
        cited = [(c.hit.record.date.start, f"[{c.n}]") for c in (answer.citations if answer else [])
                 if not c.hit.record.undated]
        return figure(self.archive.date_starts(), cited, title="Records in the collection over time")

    def more_like(self, record_id: str | None):
        """The sources panel for the records most like one cited record."""
        if not record_id:
            return gr.skip()
        try:
            record, hits = self.archive.related(record_id, k=5)
        except ArchiveError as e:
            return f'<p class="note">{esc(e)}</p>'
        head = (f"<h3>More like {esc(shown_date(record))} — {esc(record.title)}</h3>"
                '<p class="note">Nearest records in the collection by meaning.</p>')
        return head + record_blocks([(f"[{h.rank}]", h, (f"similarity {h.score:.2f}", "cosine similarity of the "
                                      "two records' meaning")) for h in hits])

    def export(self, answer: Answer | None, fmt: str):
        """Write the last answer in a chosen format to a file for download."""
        if answer is None:
            return None, "Ask a question first; its answer and citations are what gets exported."
        from . import export as exports

        folder = Path(tempfile.mkdtemp(prefix="archive-qa-export-"))
        path = folder / exports.filename(answer, fmt)
        path.write_text(exports.export(answer, fmt), encoding="utf-8")
        return str(path), f"Exported {len(answer.citations)} citation(s) as {fmt}."

    # -- the index ---------------------------------------------------------------------------------

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
        while t.is_alive():
            frac, msg = state["progress"]
            yield f"Rebuilding… {frac:.0%} {msg}", gr.skip(), gr.skip()
            t.join(0.25)
        if "error" in result:
            text = f"Rebuild failed: {result['error']}"
        else:
            r = result["report"]
            text = (f"Rebuilt: {r.manifest.count:,} records in {r.seconds:.1f}s"
                    + (f"; {len(r.duplicates)} duplicates indexed once" if r.duplicates else "")
                    + (f"; {r.damaged} embedded again in place of damaged cached vectors"
                       if r.damaged else "")
                    + ".")
        yield text, info_html(self.archive), stamp_html(self.archive)

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


def build_ui(app: WebApp) -> gr.Blocks:
    """The page: chat and filters on the left, sources on the right, the index panel below."""
    with gr.Blocks(title="archive-qa") as demo:
        gr.HTML("<h1>archive-qa</h1><p>Ask the archive. Every answer is built only from the records and cites "
                "each one by date and title.</p>")
        asked = gr.State([])
        last = gr.State(None)
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(elem_id="chat", render_markdown=False, height=480, label="Answers",
                                     examples=[{"text": q} for q in EXAMPLES], buttons=["copy"])
                with gr.Row():
                    question = gr.Textbox(elem_id="question", placeholder="Ask a question about the records…",
                                          show_label=False, scale=5, max_lines=4, autofocus=True)
                    ask_btn = gr.Button("Ask", elem_id="ask", variant="primary", scale=1)
                with gr.Accordion("Filters", open=False, elem_id="filters"):
                    with gr.Row():
                        date_from = gr.Textbox(label="From date", placeholder="e.g. 1947 or October 1947",
                                               elem_id="date-from")
                        date_to = gr.Textbox(label="To date", placeholder="e.g. 1948-04-12", elem_id="date-to")
                        k = gr.Slider(1, MAX_K, value=DEFAULT_K, step=1, label="Records to cite", elem_id="k")
            with gr.Column(scale=2):
                timeline = gr.Plot(app.timeline(), elem_id="timeline", show_label=False)
                sources = gr.HTML(sources_html(None), elem_id="sources")
                related = gr.Dropdown(label="More like this record", choices=[], value=None, elem_id="related",
                                      interactive=True)
                with gr.Accordion("Export the answer (Markdown, CSV, BibTeX, RIS, CSL-JSON)", open=False,
                                  elem_id="export-panel"):
                    with gr.Row():
                        fmt = gr.Dropdown(["markdown", "csv", "bibtex", "ris", "csl-json", "json"], value="bibtex",
                                          show_label=False, elem_id="export-format", scale=2)
                        export_btn = gr.Button("Export", elem_id="export", scale=1)
                    export_file = gr.File(label="Download", elem_id="export-file", interactive=False, height=90)
                    export_note = gr.Markdown("", elem_id="export-note")
        with gr.Accordion("Index", open=False, elem_id="index-panel"):
            info = gr.HTML(info_html(app.archive), elem_id="index-info")
            with gr.Row():
                rebuild_btn = gr.Button("Rebuild from the records folder", elem_id="rebuild")
                upload = gr.File(label="Add a records file (.txt seed format, .jsonl, .csv)", elem_id="upload",
                                 file_types=sorted(FORMATS), type="filepath")
            password = gr.Textbox("", label="Admin password (needed to rebuild or upload)", type="password",
                                  elem_id="admin-password", visible=app.admin_password is not None)
            status = gr.Textbox(label="Index status", elem_id="index-status", interactive=False, lines=2,
                                max_lines=30)
        footer = gr.HTML(stamp_html(app.archive), elem_id="stamp")

        chat_out = [chatbot, sources, question, asked, footer, last, related, timeline]
        chat_io = dict(inputs=[question, chatbot, asked, date_from, date_to, k], outputs=chat_out,
                       api_visibility="private")
        turn = app.chat if app.archive.llm is None else app.chat_stream  # prose, streamed, with --llm
        question.submit(turn, **chat_io)
        ask_btn.click(turn, **chat_io)
        def from_example(evt: gr.SelectData, h, a, f, t, n):
            return app.chat(evt.value["text"], h, a, f, t, n)

        def from_example_in_prose(evt: gr.SelectData, h, a, f, t, n):
            yield from app.chat_stream(evt.value["text"], h, a, f, t, n)

        if app.archive.llm is not None:
            from_example = from_example_in_prose  # noqa: F811

        chatbot.example_select(from_example, [chatbot, asked, date_from, date_to, k], chat_out,
                               api_visibility="private")
        related.input(app.more_like, related, sources, api_visibility="private")  # only when a person picks
        export_btn.click(app.export, [last, fmt], [export_file, export_note], api_visibility="private")
        rebuild_btn.click(app.rebuild, password, [status, info, footer], api_name="rebuild",
                          concurrency_limit=2, concurrency_id="index")
        upload.upload(app.upload, [upload, password], [status, info, footer], api_name="upload_records",
                      concurrency_limit=2, concurrency_id="index")
        gr.api(app.api_ask, api_name="ask")
    return demo


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
                prevent_thread_lock=not block, css=CSS)
    return demo
