"""The web page's HTML fragments, its style and its scripts; all text from records or questions is escaped."""

from __future__ import annotations

import calendar
import html
import re
from datetime import date
from pathlib import Path

from .answer import RELEVANCE
from .collection import BrowsePage
from .records import Record
from .timeline import Timeline

ENGINES = {"onnx": "run by ONNX Runtime", "torch": "run by sentence-transformers"}
ORDER = {"relevance": "best match first", "date": "oldest first", "date-desc": "newest first",
         "title": "title, A to Z"}  # how the page says what order it is in
PRECISION = {"day": "exact day", "month": "month only", "year": "year only", None: "undated"}
FIELDS_SHOWN = ("collection", "url")  # metadata shown in their own rows of the record viewer
_CITES = re.compile(r"^(.*?) ((?:\[\d+\])+)$")


def esc(text: object) -> str:
    """Text shown in the page as text: HTML and script in records or questions are displayed, never run."""
    return html.escape(str(text), quote=True)


def shown(c: dict) -> str:
    """A citation's date as the archive wrote it, or 'Undated'."""
    return c["date"] if c.get("iso_date") and c.get("date") else "Undated"


def _link(url: str) -> str:
    """A link to the original, only for web addresses (never javascript: or data:)."""
    if not url.startswith(("https://", "http://")):
        return ""
    return (f' <a class="ext" href="{esc(url)}" target="_blank" rel="noopener noreferrer">open the original'
            '<span class="sr-only"> (opens in a new tab)</span></a>')


# -- the chat ------------------------------------------------------------------------------------------------

def answer_bubble(answer: dict, turn: int) -> str:
    """The chat message for an answer: its lines, each [n] a link to its source card, then one compact chip
    (date — title) per citation."""
    count = len(answer.get("citations", []))
    lines = []
    for line in answer["answer"].split("\n"):
        m = _CITES.match(line)
        ns = [int(n) for n in re.findall(r"\d+", m.group(2))] if m else []
        if m and all(1 <= n <= count for n in ns):
            links = "".join(f'<a class="cite-link" href="#src-{turn}-{n}">[{n}]</a>' for n in ns)
            lines.append(f'<p class="line">{esc(m.group(1))} {links}</p>')
        else:
            lines.append(f'<p class="line">{esc(line)}</p>')
    chips = "".join(
        f'<a class="chip" href="#src-{turn}-{c["n"]}"><span class="n">[{c["n"]}]</span> '
        f'<span class="chip-text">{esc(shown(c))} — {esc(c["title"])}</span></a>'
        for c in answer.get("citations", []))
    return f'<div class="answer">{"".join(lines)}</div>' + (f'<div class="chips">{chips}</div>' * bool(chips))


def examples_html(questions: list[str]) -> str:
    """The collection's example questions, as buttons that ask them."""
    if not questions:
        return ""
    items = "".join(f'<li><button type="button" class="example" data-example="{esc(q)}">{esc(q)}</button>'
                    "</li>" for q in questions)
    return ('<h2 class="sr-only">Example questions</h2>'
            f'<ul class="examples-list" aria-label="Example questions">{items}</ul>')


def question_bubble(question: str) -> str:
    shown_q = question if len(question) <= 2000 else question[:2000] + " …"
    return esc(shown_q)


# -- the sources panel ---------------------------------------------------------------------------------------

def marked_summary(summary: str, quote: str, title: str) -> str:
    """The summary, escaped, with the passage the answer quotes marked."""
    passage = quote.removeprefix(f"{title}: ") if quote else ""
    at = summary.find(passage) if passage else -1
    if at < 0:
        return esc(summary)
    end = at + len(passage)
    return (f"{esc(summary[:at])}<mark><span class=\"sr-only\">quoted: </span>{esc(summary[at:end])}</mark>"
            f"{esc(summary[end:])}")


def _card(key: str, label: str, c: dict, note: str, why: str, quote: str = "") -> str:
    """One record's card: its label ([n] or Rn), date, title (a button opening the record), summary with the
    quoted passage marked, and a note with its collection."""
    collection = f' · {esc(c["collection"])}' if c.get("collection") else ""
    key = esc(key)
    return (f'<article class="source" id="{key}" tabindex="-1" aria-labelledby="{key}-t">'
            f'<div class="cite"><span class="n">{esc(label)}</span> <span class="date">{esc(shown(c))}</span>'
            f' — <button type="button" class="open-record" id="{key}-t" data-record="{esc(c["id"])}" '
            f'title="Open the whole record">{esc(c["title"])}</button>{_link(c.get("url", ""))}</div>'
            f'<p class="summary">{marked_summary(c.get("summary", ""), quote, c["title"])}</p>'
            f'<div class="rel" title="{esc(why)}">{esc(note)}{collection}</div></article>')


def _relevance(c: dict) -> tuple[str, str]:
    if c.get("score") is None:
        return "in date order", "every record of the period, in date order; not weighed"
    return f"relevance {c['score']:.2f}", RELEVANCE


def sources_panel(answer: dict | None, turn: int = 0) -> str:
    """The sources of one answer: a card per cited record (date, title, summary with the quoted passage
    marked, relevance, collection), each titled by a button that opens the whole record."""
    if answer is None:
        return ('<p class="note">The records cited by an answer appear here. Click a title to read the '
                "record.</p>")
    q = f'<p class="asked">For: “{esc(answer["question"])}”</p>'
    if answer.get("citations"):
        cards = "".join(_card(f"src-{turn}-{c['n']}", f"[{c['n']}]", c, *_relevance(c),
                              quote=c.get("quote", "")) for c in answer["citations"])
        return f'<h2 class="panel-title">Sources ({len(answer["citations"])})</h2>{q}{cards}'
    if answer.get("closest"):
        cards = "".join(_card(f"near-{turn}-{i}", "", c, *_relevance(c))
                        for i, c in enumerate(answer["closest"], start=1))
        return ('<h2 class="panel-title">Closest records</h2>' + q + '<p class="note">Nothing in the archive '
                "answers this question; these are the nearest records, shown for reference only.</p>" + cards)
    return (f'<h2 class="panel-title">Sources</h2>{q}<p class="note">No record in the archive matches this '
            "question.</p>")


def sources_not_kept(question: str) -> str:
    """In place of the sources of an old answer whose sources the browser did not keep."""
    return (f'<h2 class="panel-title">Sources</h2><p class="asked">For: “{esc(question)}”</p><p class="note">'
            "The sources of this older answer were not kept with the conversation; ask it again to see them."
            "</p>")


# -- the record viewer ---------------------------------------------------------------------------------------

def source_file(record: Record, roots: list[str]) -> str:
    """The record's file, relative to the records folder it was built from (never the server's full path)."""
    path = Path(record.source)
    for root in roots:
        r = Path(root)
        if r.is_dir() and path.is_relative_to(r):
            return str(path.relative_to(r))
    return path.name


def record_view(record: Record, related: list[tuple[Record, float]], *, back: str, roots: list[str]) -> str:
    """The whole record (date as written and its precision, title, summary, collection, file and line, link,
    id and any other fields) and the records most like it, numbered R1, R2, ... apart from the answer's."""
    d = record.date
    precision = PRECISION.get(d.precision, d.precision) + (f", {d.iso}" if d.iso else "")
    written = "Undated" if record.undated else d.text
    rows = [("Date", f'{esc(written)} <span class="precision">({esc(precision)})</span>')]
    if record.metadata.get("collection"):
        rows.append(("Collection", esc(record.metadata["collection"])))
    rows.append(("Source", f"{esc(source_file(record, roots))}, line {record.line}"))
    url = record.metadata.get("url", "")
    if url:
        rows.append(("Link", f'<span class="url">{esc(url)}</span>{_link(url)}'))
    rows.append(("Id", f"<code>{esc(record.id)}</code>"))
    rows += [(esc(k), esc(v)) for k, v in record.metadata.items() if k not in FIELDS_SHOWN]
    fields = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    like = "".join(_card(f"rel-{i}", f"R{i}", {"id": r.id, "date": r.date.text, "iso_date": r.date.iso,
                                                "title": r.title, "summary": r.summary,
                                                "url": r.metadata.get("url", ""),
                                                "collection": r.metadata.get("collection", "")},
                         f"similarity {score:.2f}", "cosine similarity of the two records' meaning")
                   for i, (r, score) in enumerate(related, start=1))
    return (f'<section class="viewer" aria-labelledby="viewer-title">'
            f'<button type="button" class="back" data-back="1">← {esc(back)}</button>'
            f'<h2 id="viewer-title" class="panel-title" tabindex="-1" data-focus="1">{esc(record.title)}</h2>'
            f'<dl class="fields">{fields}</dl><h3 class="sub">Summary</h3>'
            f'<p class="summary whole">{esc(record.summary) or "<em>no summary</em>"}</p>'
            '<h3 class="sub">More like this</h3><p class="note">The nearest records in the collection by '
            f'meaning, numbered R1–R{len(related)} apart from the answer\'s sources.</p>{like}</section>')


def viewer_note(text: str, back: str) -> str:
    """The viewer's place when a record cannot be shown: why, and the way back."""
    return (f'<section class="viewer"><button type="button" class="back" data-back="1">← {esc(back)}</button>'
            f'<p class="note" data-focus="1" tabindex="-1">{esc(text)}</p></section>')


# -- the collection browser ----------------------------------------------------------------------------------

def records_table(page: BrowsePage, searched: str = "") -> str:
    """A page of the collection: date, title (a button opening the record) and collection, with the count."""
    if not page.total:
        what = f" for “{esc(searched)}”" if searched.strip() else ""
        return f'<p class="note" role="status">No record matches{what} with these filters.</p>'
    per = len(page.rows)
    body = "".join(
        f'<tr><td class="date">{esc("Undated" if r.undated else r.date.text)}</td><td class="title">'
        f'<button type="button" '
        f'class="open-record" data-record="{esc(r.id)}">{esc(r.title)}</button></td>'
        f'<td class="coll">{esc(r.metadata.get("collection", ""))}</td></tr>' for _, r in page.rows)
    note = f'<p class="note">{esc(page.note)}</p>' if page.note else ""
    return (f'<p class="count" role="status">{page.total:,} record{"s" if page.total != 1 else ""}'
            f' · page {page.page} of {page.pages} · {per} shown · {esc(ORDER[page.sort])}</p>{note}'
            '<table class="records"><caption class="sr-only">Records of the collection</caption>'
            '<thead><tr><th scope="col">Date</th><th scope="col">Title</th><th scope="col">Collection</th>'
            f"</tr></thead><tbody>{body}</tbody></table>")


# -- filters, follow-ups and the timeline --------------------------------------------------------------------

def chips_html(date_from: str, date_to: str, k: int, default_k: int, follow: dict | None) -> str:
    """What shapes the next answer, in sight: the active filters as removable chips, and whether the last
    question was read together with the one before it."""
    chips = []
    for which, label, value in (("from", "From", date_from), ("to", "To", date_to)):
        if value and str(value).strip():
            chips.append((which, f"{label} {str(value).strip()}"))
    if int(k) != default_k:
        chips.append(("k", f"Cite up to {int(k)}"))
    parts = []
    if chips:
        items = "".join(f'<span class="fchip">{esc(text)}<button type="button" class="x" '
                        f'data-remove="{which}" aria-label="Remove the filter {esc(text)}">×</button></span>'
                        for which, text in chips)
        parts.append('<div class="filters-on" role="group" aria-label="Active filters"><span class="lead">'
                     f"Filters on:</span>{items}</div>")
    if follow:
        parts.append(f'<div class="follow" role="status">Read together with your previous question, '
                     f'“{esc(follow["previous"])}”. <button type="button" class="alone" data-alone="1">'
                     "Ask it alone</button></div>")
    return "".join(parts)


def timeline_html(t: Timeline, turn: int = 0) -> str:
    """The records per month (or year, or decade) as bars; a click on one asks for its records. The cited
    records are markers with a count, linking to their source cards."""
    if not t.bins:
        return '<p class="note">No dated records to show over time.</p>'
    n = len(t.bins)
    top = max(b.count for b in t.bins) or 1
    first = next((i for i, b in enumerate(t.bins) if b.count), 0)
    bars = []
    for i, b in enumerate(t.bins):
        if b.count:
            what = f"{b.label}: {b.count} record{'s' if b.count != 1 else ''}"
            height = max(4, round(100 * b.count / top))
            bars.append(f'<button type="button" class="bin" data-period="{esc(b.period)}" '
                        f'tabindex="{0 if i == first else -1}" aria-label="{esc(what)}; ask for them" '
                        f'title="{esc(what)}"><span class="bar" style="height:{height}%"></span></button>')
        else:
            bars.append('<span class="bin empty" aria-hidden="true"></span>')
    marks = "".join(
        f'<a class="mark" href="#src-{turn}-{m.cited[0]}" style="left:{100 * m.first / n:.3f}%;'
        f'width:{100 * (m.last - m.first + 1) / n:.3f}%" title="{esc(m.label)}: cited '
        + esc(", ".join(f"[{c}]" for c in m.cited)) + f'"><span class="count">{len(m.cited)}</span>'
        f'<span class="sr-only"> cited from {esc(m.label)}</span></a>' for m in t.marks)
    ticks = "".join(f'<span class="tick" style="left:{100 * i / n:.3f}%">{esc(text)}</span>'
                    for i, text in t.ticks)
    undated = f" · {t.undated:,} undated" if t.undated else ""
    key = ' <span class="key">n</span> cited in the answer.' if t.marks else ""
    legend = f'<p class="legend">Records per {t.unit}; click a bar to list its records.{key}{undated}</p>'
    return (f'<div class="tl" role="group" aria-label="Records in the collection over time">'
            f'<div class="marks">{marks}</div><div class="bars">{"".join(bars)}</div>'
            f'<div class="ticks" aria-hidden="true">{ticks}</div></div>{legend}')


# -- the index panel -----------------------------------------------------------------------------------------

EXACT = ("IndexFlatIP", "Milvus FLAT")  # the index types that compare a question with every record


def search_words(info: dict) -> str:
    """How questions are searched, in plain words: 'exact search over 20 records', 'approximate search,
    1,024 lists (128 searched per question)', or by Milvus. Any index type not known to be exact is approximate."""
    params = info.get("index_params") or {}
    kind = info.get("index_type") or ""
    how = "exact" if kind in EXACT else "approximate"
    if kind.startswith("Milvus"):  # qa/stores/milvus.py: FLAT (exact) up to 250,000 records, else AUTOINDEX
        return f"{how} search over {info['records']:,} records, served by Milvus"
    if "nlist" in params:
        return (f"approximate search, {params['nlist']:,} lists ({params.get('nprobe', 0):,} searched per "
                f"question) over {info['records']:,} records")
    return f"{how} search over {info['records']:,} records"


def _day(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day} {calendar.month_name[d.month]} {d.year}"


def index_html(info: dict) -> str:
    """What the index holds and how it searches, in plain words."""
    span = (f"{_day(info['date_from'])} to {_day(info['date_to'])}" if info["date_from"]
            else "no dated records")
    files = [Path(s).name for s in info.get("sources") or []]
    engine = ENGINES.get(info.get("engine"), "")
    undated = f" ({info['undated']:,} undated)" if info["undated"] else ""
    rows = [("Records", f"{info['records']:,}{undated}"),
            ("Dates", span), ("Search", esc(search_words(info)) + ", by meaning and by keywords"),
            ("Model", f"{esc(info['model'])} {esc(engine)}".strip()), ("Built", esc(info["built_at"])),
            ("Records from", esc(", ".join(files) or "—"))]
    if info.get("stale"):
        rows.append(("Note", esc(f"out of date: {info['stale']}")))
    return ('<table class="index"><caption class="sr-only">What the index holds</caption>'
            + "".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows) + "</table>")


def stamp_html(stamp: dict) -> str:
    """The footer: what the answers come from."""
    return (f'<div id="stamp-text">Answers from {stamp["records"]:,} records · model {esc(stamp["model"])}'
            f' · built {esc(stamp["built_at"])} · corpus sha256 {esc(stamp["corpus_sha256"][:12])}</div>')


# -- scripts: each runs in its component (gr.HTML's js_on_load); `trigger` sends an event to the server

SOURCES_JS = """
const reduce = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;
const highlight = (id) => {
  const card = document.getElementById(id);
  if (!card) return false;
  document.querySelectorAll('.source.hl').forEach((c) => c.classList.remove('hl'));
  card.classList.add('hl');
  card.scrollIntoView({block: 'center', behavior: reduce() ? 'auto' : 'smooth'});
  card.focus({preventScroll: true});
  return true;
};
if (!window.aqaCites) {
  window.aqaCites = true;
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[href^="#src-"]');
    if (!a) return;
    e.preventDefault();
    const id = a.getAttribute('href').slice(1);
    if (!highlight(id)) {
      const m = id.match(/^src-(\\d+)-(\\d+)$/);
      if (m) { window.aqaPending = id; trigger('show_turn', {turn: Number(m[1])}); }
    }
  });
}
watch('value', () => {
  if (window.aqaPending) { if (highlight(window.aqaPending)) window.aqaPending = null; return; }
  const f = element.querySelector('[data-focus]');
  if (!f) return;
  f.focus({preventScroll: true});
  f.scrollIntoView({block: 'start', behavior: reduce() ? 'auto' : 'smooth'});
});
element.addEventListener('click', (e) => {
  const open = e.target.closest('[data-record]');
  if (open) { trigger('open_record', {record: open.dataset.record}); return; }
  if (e.target.closest('[data-back]')) trigger('back');
});
"""

RECORDS_JS = """
watch('value', () => {
  const f = element.querySelector('[data-focus]');
  if (f) { f.focus({preventScroll: true}); f.scrollIntoView({block: 'start'}); }
});
element.addEventListener('click', (e) => {
  const open = e.target.closest('[data-record]');
  if (open) { trigger('open_record', {record: open.dataset.record}); return; }
  if (e.target.closest('[data-back]')) trigger('back');
});
"""

TIMELINE_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('[data-period]');
  if (b) trigger('ask_period', {period: b.dataset.period});
});
element.addEventListener('keydown', (e) => {
  const b = e.target.closest('[data-period]');
  if (!b || !['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
  const all = [...element.querySelectorAll('[data-period]')];
  const i = all.indexOf(b);
  const j = e.key === 'Home' ? 0 : e.key === 'End' ? all.length - 1
          : Math.max(0, Math.min(all.length - 1, i + (e.key === 'ArrowLeft' ? -1 : 1)));
  all.forEach((x, k) => x.tabIndex = k === j ? 0 : -1);
  all[j].focus();
  e.preventDefault();
});
"""

EXAMPLES_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('[data-example]');
  if (b) trigger('ask_example', {question: b.dataset.example});
});
"""

CHIPS_JS = """
element.addEventListener('click', (e) => {
  const x = e.target.closest('[data-remove]');
  if (x) { trigger('remove_filter', {which: x.dataset.remove}); return; }
  if (e.target.closest('[data-alone]')) trigger('ask_alone');
});
"""

# After an answer the chat shows its latest question at the top (below the chat's label), not its bottom, so
# the answer's first line is in sight.
SHOW_LATEST_JS = """
() => {
  const chat = document.querySelector('#chat');
  if (!chat) return;
  const users = chat.querySelectorAll('[data-testid="user"]');
  const last = users[users.length - 1];
  if (!last) return;
  let box = last.parentElement;
  while (box && box !== chat && !(box.scrollHeight > box.clientHeight + 2 &&
         ['auto', 'scroll'].includes(getComputedStyle(box).overflowY))) box = box.parentElement;
  if (box && box !== chat) {
    box.scrollTop += last.getBoundingClientRect().top - box.getBoundingClientRect().top - 40;
  }
}
"""

CSS = """
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
#intro h1 { margin: 0; font-size: 1.5rem; }
#intro p { margin: 2px 0 0; color: var(--body-text-color-subdued); }
.panel-title { font-size: 1.05rem; margin: 4px 0 6px; }
.note { font-style: italic; color: var(--body-text-color-subdued); }
.asked { margin: 0 0 6px; font-size: 0.9em; color: var(--body-text-color-subdued); }
.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  margin-bottom: 8px; scroll-margin: 80px; }
.source.hl, .source:focus { outline: 3px solid var(--color-accent); outline-offset: 1px;
  background: var(--color-accent-soft); }
.source .cite { font-weight: 600; }
.source .n { font-variant-numeric: tabular-nums; }
button.open-record { all: unset; cursor: pointer; color: var(--link-text-color); text-decoration: underline;
  text-underline-offset: 2px; font-weight: 600; overflow-wrap: anywhere; }
button.open-record:focus-visible, .back:focus-visible, .alone:focus-visible, .x:focus-visible,
.bin:focus-visible, .chip:focus-visible, .cite-link:focus-visible, .mark:focus-visible {
  outline: 3px solid var(--color-accent); outline-offset: 2px; }
.source .summary { margin: 4px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; }
mark { background: #fde68a; color: #1f2937; padding: 0 1px; border-radius: 2px; }
.source .rel { margin-top: 4px; font-size: 0.85em; color: var(--body-text-color-subdued); }
a.ext { font-weight: 400; font-size: 0.9em; margin-left: 4px; }
#chat .answer .line { margin: 0 0 6px; }
#chat a.cite-link { position: relative; font-weight: 600; text-decoration: none; padding: 0 1px; }
#chat .chips { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }
#chat a.chip { display: inline-flex; max-width: 100%; gap: 4px; border: 1px solid var(--border-color-primary);
  border-radius: 999px; padding: 1px 8px; font-size: 0.85em; text-decoration: none; color: inherit; }
#chat a.chip .n { flex: none; }
#chat a.chip .chip-text { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#chips .filters-on, #chips .follow { display: flex; flex-wrap: wrap; align-items: center; gap: 6px;
  font-size: 0.9em; margin: 2px 0; }
#chips .fchip { display: inline-flex; align-items: center; gap: 2px; border-radius: 999px;
  padding: 0 2px 0 10px; background: var(--color-accent-soft); border: 1px solid var(--color-accent); }
#chips button.x { all: unset; cursor: pointer; padding: 0 8px; font-size: 1.1em; }
#chips button.alone, .viewer button.back { cursor: pointer; border: 1px solid var(--border-color-primary);
  border-radius: 6px; padding: 2px 10px; background: var(--button-secondary-background-fill);
  color: var(--button-secondary-text-color); font: inherit; }
.viewer dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; }
.viewer dt { font-weight: 600; }
.viewer dd { margin: 0; overflow-wrap: anywhere; }
.viewer .precision { color: var(--body-text-color-subdued); }
.viewer .sub { font-size: 0.95rem; margin: 10px 0 4px; }
.tl { position: relative; padding-top: 22px; }
.tl .bars { display: flex; align-items: flex-end; height: 80px; gap: 0;
  border-bottom: 1px solid var(--border-color-primary); }
.tl .bin { flex: 1 1 0; min-width: 0; height: 100%; display: flex; align-items: flex-end; padding: 0 1px;
  background: none; border: 0; cursor: pointer; }
.tl .bin .bar { display: block; width: 100%; background: var(--neutral-400); border-radius: 2px 2px 0 0; }
.tl .bin:hover .bar, .tl .bin:focus .bar { background: var(--color-accent); }
.tl .marks { position: absolute; top: 0; left: 0; right: 0; height: 20px; }
.tl .mark { position: absolute; top: 0; display: flex; justify-content: center; text-decoration: none; }
.tl .mark .count { min-width: 16px; height: 16px; line-height: 16px; border-radius: 8px; font-size: 11px;
  text-align: center; background: #b45309; color: #fff; font-weight: 700; }
.tl .ticks { position: relative; height: 16px; font-size: 11px; color: var(--body-text-color-subdued); }
.tl .tick { position: absolute; top: 1px; white-space: nowrap; }
.legend { font-size: 0.85em; color: var(--body-text-color-subdued); margin: 2px 0 0; }
.legend .key { display: inline-block; min-width: 14px; border-radius: 7px; background: #b45309; color: #fff;
  text-align: center; font-size: 10px; font-weight: 700; }
#examples ul { list-style: none; display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
  gap: 8px; margin: 0; padding: 0; }
#examples button.example { width: 100%; height: 100%; text-align: left; cursor: pointer; padding: 8px 12px;
  border: 1px solid var(--border-color-primary); border-radius: 8px; background: var(--block-background-fill);
  color: var(--body-text-color); font: inherit; }
#examples button.example:hover { border-color: var(--color-accent); }
#examples button.example:focus-visible { outline: 3px solid var(--color-accent); outline-offset: 2px; }
#examples:not(:has(button)) { display: none; }
table.records button.open-record { font-weight: 400; }
table.records { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.records th, table.records td { text-align: left; padding: 4px 6px; vertical-align: top;
  border-bottom: 1px solid var(--border-color-primary); overflow-wrap: anywhere; }
table.records td.date, table.records th:first-child { width: 24%; }
table.records td.coll, table.records th:last-child { width: 26%; }
table.index th { text-align: left; padding-right: 12px; vertical-align: top; }
#stamp { font-size: 0.8em; color: var(--body-text-color-subdued); }
#chips:not(:has(.filters-on)):not(:has(.follow)) { display: none; }
#ask-form { flex-wrap: nowrap; align-items: stretch; }
#chat .bubble-wrap { padding-top: 40px; }
@media (max-width: 640px) {
  .column { gap: 10px !important; }
  #intro { padding-left: 30px; }
  #intro h1 { font-size: 1.25rem; }
  #intro p, #sources .asked { display: none; }
  #ask-form { gap: 6px; }
  #ask-form > * { min-width: 0 !important; }
  #ask-form #question { flex: 1 1 auto; }
  #ask-form button { flex: 0 0 auto !important; width: auto !important; min-width: 56px !important;
    padding: 0 10px; }
  #chat .bubble-wrap { max-height: 34vh !important; }
  table.records thead { display: none; }
  table.records tr { display: block; border-bottom: 1px solid var(--border-color-primary); padding: 4px 0; }
  table.records td { display: block; width: auto !important; border: 0; padding: 1px 4px; }
}
@media (prefers-reduced-motion: reduce) { * { scroll-behavior: auto !important; } }
"""

# Rules for the page around Gradio's container, which the css above cannot reach (Gradio scopes it inside).
HEAD = """<style>
@media (max-width: 640px) { .gradio-container .main.app { padding: 6px 10px !important; } }
</style>"""
