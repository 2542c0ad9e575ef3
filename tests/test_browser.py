"""A real headless Chromium, driven by Playwright: the page as a historian uses it, on a desktop and a phone.

Each point of the web chat is checked here: citations that lead to their cards, the record viewer, the
records tab, conversation state (Clear, follow-ups, filter chips, saved conversations), the timeline, examples
that fit the collection, the index panel, the phone layout measured from the DOM, keyboard use, and axe-core's
accessibility rules. The README's screenshots are taken here (into docs/ by `make screenshots`).
"""

import json
import os
import re
import shutil
import statistics
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, running_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DOCS = ROOT / "docs"
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE_DIR = ROOT / "tests" / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
Q = "When did the Soviets postpone uranium prospecting in North Korea?"
TITLE = ("Protocol No. 61 of a Meeting of the Special Committee under the Council of Ministers of the USSR "
         "(Excerpt)")
BOT = '#chat [data-testid="bot"]'
SAVED = "document.querySelectorAll('#saved-conversations input[type=radio]').length"  # conversations kept

pytestmark = pytest.mark.browser


def _missing(what: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing in CI: .ci/run must install it (scripts/ensure-system-packages)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        _missing("Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core from npm, installed into tests/axe/ from its lock file when missing."""
    if not AXE.exists():
        if not shutil.which("npm"):
            _missing("npm (apt-get install npm), which installs axe-core")
        subprocess.run(["npm", "ci", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund"], check=True,
                       capture_output=True, timeout=300)
    return AXE


def _open(browser, url: str, **context):
    ctx = browser.new_context(**({"viewport": {"width": 1400, "height": 1000}} | context))
    pg = ctx.new_page()
    pg.outside, pg.dialogs, pg.errors = [], [], []
    pg.on("request", lambda r: None if r.url.startswith(url) or r.url.startswith("data:")
          else pg.outside.append(r.url))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(url)
    pg.wait_for_selector("#question textarea")
    settle(pg)
    return pg


@pytest.fixture
def page(browser, server):
    pg = _open(browser, server["url"])
    yield pg
    pg.context.close()


@pytest.fixture(scope="module")
def small_collection(tmp_path_factory):
    """An app over 60 records of two collections, without example questions of its own: the seed's must not
    show, and the records tab has three pages."""
    base = tmp_path_factory.mktemp("small")
    records = base / "records"
    records.mkdir()
    rows = ["date,title,summary,collection"]
    for i in range(60):
        year, month = 1950 + i // 12, i % 12 + 1
        coll = "Harbour Board minutes" if i % 2 else "Lighthouse keepers' logs"
        watch = ["tide", "lamp", "storm"][i % 3]
        rows.append(f"{year}-{month:02d}-15,Entry {i:02d} on the {watch} watch,"
                    f"Log entry number {i} about the {watch} at the harbour.,{coll}")
    (records / "logs.csv").write_text("\n".join(rows) + "\n")
    with running_app(base, records) as srv:
        yield srv


def settle(pg) -> None:
    pg.wait_for_function("!document.querySelector('.pending, .generating')", timeout=30000)
    pg.wait_for_timeout(150)


def ask(pg, question: str, n: int) -> str:
    from qa.archive import clean_question  # the question as the server reads it and its panel names it

    pg.locator("#question textarea").fill(question)
    pg.locator("#ask").click()
    pg.wait_for_function(f"document.querySelectorAll('{BOT}').length >= {n}", timeout=30000)
    # the n-th answer's own sources panel, not the one before it: it names this question, and its cards (if
    # any) are of turn n - 1 (its first card is #src-{n-1}-1)
    pg.wait_for_function("""([asked, turn]) => {
        const panel = document.querySelector('#sources');
        const note = panel && panel.querySelector('.asked');
        return !!note && note.textContent === asked
            && [...panel.querySelectorAll('article.source[id]')].every((c) => c.id.split('-')[1] === turn);
    }""", arg=[f"For: “{clean_question(question)}”", str(n - 1)], timeout=30000)
    settle(pg)
    return " ".join(pg.locator(BOT).nth(n - 1).inner_text().split())


def axe(pg, axe_script: Path, what: str) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is; every result is kept in artifacts."""
    pg.add_script_tag(path=str(axe_script))
    found = pg.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' '))}))""")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{what}.json").write_text(json.dumps(found, indent=1))
    return [v for v in found if v["impact"] in ("serious", "critical")]


def shoot(pg, name: str) -> None:
    """A screenshot in tests/artifacts; also the README's copy in docs/ when asked (ARCHIVE_QA_SAVE_FIGURES=1:
    make screenshots), so that an ordinary test run leaves the working tree as it found it."""
    from qa.settings import current

    settle(pg)
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / name))
    if current().save_figures:
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(ARTIFACTS / name, DOCS / name)


# -- 1. citations you can follow ----------------------------------------------------------------------------

def test_a_question_gets_linked_citations_chips_and_marked_quotes(page, seed_archive, axe_script):
    reply = ask(page, Q, 1)
    assert "April 12, 1948: Memorandum of the Special Committee" in reply
    assert f"[1] April 12, 1948 — {TITLE}" in reply  # the compact chip: date — title
    bubble = page.locator(BOT).first
    assert bubble.locator("a.cite-link").count() == len(seed_archive.ask(Q).citations) >= 1
    assert bubble.locator(".summary, .source").count() == 0  # no second full list in the bubble
    sources = page.locator("#sources").inner_text()
    assert "April 12, 1948" in sources and TITLE in sources
    shown = float(re.search(r"relevance (\d\.\d\d)", sources).group(1))
    assert shown == seed_archive.ask(Q).citations[0].relevance and 0 < shown <= 1
    quote = seed_archive.ask(Q).citations[0].quote
    marked = page.locator("#src-0-1 .summary mark").inner_text().replace("quoted:", "")
    assert " ".join(marked.split()) == quote
    assert "Answers from 20 records" in page.locator("#stamp").inner_text()

    page.locator("#sources").evaluate("e => window.scrollTo(0, document.body.scrollHeight)")
    bubble.locator("a.cite-link").first.click()
    page.wait_for_function("document.querySelector('#src-0-1').classList.contains('hl')")
    in_view = """() => { const r = document.querySelector('#src-0-1').getBoundingClientRect();
                         return r.top >= 0 && r.bottom <= innerHeight; }"""
    page.wait_for_function(in_view, timeout=10000)  # the smooth scroll ends with the card in sight
    assert page.evaluate(in_view)
    assert page.evaluate("document.activeElement.id") == "src-0-1"
    assert axe(page, axe_script, "answered") == []
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "screenshot.png")
    assert page.outside == [] and page.errors == []


def test_a_citation_of_an_earlier_answer_brings_back_its_sources(page):
    ask(page, Q, 1)
    ask(page, "Who asked Moscow for railway engineers?", 2)
    assert "Cable No. 121973" in page.locator("#sources").inner_text()
    page.locator(BOT).first.locator("a.chip").first.click()
    page.wait_for_function("document.querySelector('#src-0-1') && "
                           "document.querySelector('#src-0-1').classList.contains('hl')", timeout=30000)
    assert TITLE in page.locator("#sources").inner_text()


def test_time_from_ask_to_answer_and_sources_on_screen(page, capsys):
    """Measured in the page from the click to the moment both the answer and its first source card are in the
    DOM; reported, not asserted."""
    questions = [Q, "Who asked Moscow for railway engineers?",
                 "What did Vyshinsky report from the UN in October 1947?",
                 "What did the CIA conclude about Soviet objectives in Korea?",
                 "Soviet position on the Korean question"]
    times = []
    for n, q in enumerate(questions * 2, start=1):
        page.locator("#question textarea").fill(q)
        ms = page.evaluate("""(n) => new Promise((done) => {
            setTimeout(() => done(NaN), 60000);  // never left waiting: a turn that never shows counts as NaN
            const ready = () => document.querySelectorAll('#chat [data-testid="bot"]').length >= n
                && document.querySelector(`#sources #src-${n - 1}-1, #sources .asked`);
            const t0 = performance.now();
            const watch = new MutationObserver(() => {
                if (ready()) { watch.disconnect(); done(performance.now() - t0); }
            });
            watch.observe(document.body, {childList: true, subtree: true, characterData: true});
            document.querySelector('#ask').click();
        })""", n)
        times.append(ms / 1000)
        settle(page)
    figures = {"questions": len(times), "median_s": round(statistics.median(times), 3),
               "max_s": round(max(times), 3), "min_s": round(min(times), 3)}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser-timing.json").write_text(json.dumps(figures, indent=1))
    with capsys.disabled():
        print(f"\nAsk to answer and sources on screen (seed, Chromium): {figures}")


# -- 2. the record viewer ------------------------------------------------------------------------------------

def test_a_source_opens_the_whole_record_with_more_like_it_and_a_way_back(page, axe_script):
    ask(page, Q, 1)
    page.locator("#src-0-1 button.open-record").click()
    page.wait_for_selector("#sources .viewer")
    settle(page)
    viewer = page.locator("#sources .viewer").inner_text()
    for part in (TITLE, "April 12, 1948", "exact day", "1948-04-12", "Wilson Center Digital Archive",
                 "korea-1942-1948.txt, line", "Id", "More like this", "R1", "R5"):
        assert part in viewer, part
    assert page.locator("#sources .viewer .source").count() == 5
    assert page.locator("#sources [id^='src-']").count() == 0  # R1..R5 are not the answer's [n]
    page.wait_for_function("document.activeElement?.id === 'viewer-title'", timeout=10000)
    assert page.evaluate("document.activeElement.id") == "viewer-title"
    assert axe(page, axe_script, "viewer") == []
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "record-viewer.png")
    related = page.locator("#rel-1 button.open-record").inner_text()
    page.locator("#rel-1 button.open-record").click()
    page.wait_for_function(f"document.querySelector('#viewer-title').innerText === {json.dumps(related)}")
    page.locator("#sources button.back").click()
    page.wait_for_selector("#sources #src-0-1")
    assert "Sources (" in page.locator("#sources").inner_text()


# -- 3. the records tab --------------------------------------------------------------------------------------

def test_the_records_tab_searches_sorts_filters_and_opens_a_record(page, axe_script):
    page.get_by_role("tab", name="Records").click()
    page.wait_for_selector("#records table")
    settle(page)  # the tab's own refresh of the list, on opening it
    assert "20 records · page 1 of 1" in page.locator("#records").inner_text()
    dates = page.locator("#records td.date").all_inner_texts()
    assert dates[0] == "February, 1942" and dates[-1] == "July 11, 1948"
    assert axe(page, axe_script, "records") == []
    page.get_by_label("Search the records").fill("telegram")
    page.get_by_label("Search the records").press("Enter")
    page.wait_for_function("document.querySelector('#records').innerText.includes('best match first')")
    titles = page.locator("#records td.title").all_inner_texts()
    assert titles and all("elegram" in t for t in titles[:3])
    page.locator("#records-sort input").click()
    page.get_by_role("option", name="title, A to Z").click()
    page.wait_for_function("document.querySelector('#records').innerText.includes('title, A to Z')")
    titles = page.locator("#records td.title").all_inner_texts()
    assert titles == sorted(titles, key=str.casefold)
    page.get_by_label("Search the records").fill("")
    page.locator("#records-from input, #records-from textarea").first.fill("October 1947")
    page.locator("#records-to input, #records-to textarea").first.fill("October 1947")
    page.locator("#records-go").click()
    page.wait_for_function("/\\b8 records/.test(document.querySelector('#records').innerText)")
    assert all(d.startswith("October") for d in page.locator("#records td.date").all_inner_texts())
    shoot(page, "collection-browser.png")
    page.locator("#records button.open-record").first.click()
    page.wait_for_selector("#records .viewer")
    assert "More like this" in page.locator("#records").inner_text()
    page.locator("#records button.back").click()
    page.wait_for_selector("#records table")
    assert "8 records" in page.locator("#records").inner_text()


def test_records_tab_pages_and_filters_by_collection(browser, small_collection):
    pg = _open(browser, small_collection["url"])
    pg.get_by_role("tab", name="Records").click()
    pg.wait_for_selector("#records table")
    settle(pg)  # the tab's own refresh of the list, on opening it, before Next
    assert "60 records · page 1 of 3" in pg.locator("#records").inner_text()
    assert pg.locator("#records-prev").is_disabled()
    pg.locator("#records-next").click()
    pg.wait_for_function("document.querySelector('#records').innerText.includes('page 2 of 3')")
    assert pg.locator("#records td.title").first.inner_text() == "Entry 25 on the lamp watch"
    pg.locator("#records-collection input").click()
    pg.get_by_role("option", name="Harbour Board minutes").click()
    pg.wait_for_function("document.querySelector('#records').innerText.includes('30 records · page 1 of 2')")
    assert set(pg.locator("#records td.coll").all_inner_texts()) == {"Harbour Board minutes"}
    pg.context.close()


# -- 4. conversation state -----------------------------------------------------------------------------------

def test_clear_resets_chat_sources_timeline_export_filters_and_context(page):
    from playwright.sync_api import expect

    first = ask(page, "What did Vyshinsky report from the UN about the Korean question?", 1)
    page.locator("#export-panel").get_by_text("Export the answer").click()
    page.locator("#export").click()
    page.locator("#export-file a[href]").first.wait_for(timeout=30000)
    page.locator("#filters").get_by_text("Filters").click()
    page.locator("#date-from textarea, #date-from input").first.fill("1947")
    assert page.locator("#timeline .mark").count() >= 1
    page.locator("#clear").click()
    page.wait_for_function(f"document.querySelectorAll('{BOT}').length === 0")
    settle(page)
    assert "The records cited by an answer appear here" in page.locator("#sources").inner_text()
    assert page.locator("#timeline .mark").count() == 0
    assert page.locator("#export-file a[href]").count() == 0
    assert page.locator("#date-from textarea, #date-from input").first.input_value() == ""
    expect(page.locator("#examples button")).to_have_count(4, timeout=10000)
    # the follow-up context is gone too: the same short question is read on its own, as in a fresh page
    alone = ask(page, "and what did Molotov answer?", 1)
    assert "Read together" not in page.locator("#chips").inner_text()
    fresh = _open(page.context.browser, page.url)
    assert ask(fresh, "and what did Molotov answer?", 1) == alone
    fresh.context.close()
    assert first


def test_a_follow_up_says_so_and_can_be_asked_alone(page):
    ask(page, "What did Vyshinsky report from the UN about the Korean question?", 1)
    ask(page, "and what did Molotov answer?", 2)
    note = page.locator("#chips").inner_text()
    assert "Read together with your previous question" in note and "Vyshinsky" in note
    page.get_by_role("button", name="Ask it alone").click()
    page.wait_for_function("!document.querySelector('#chips').innerText.includes('Read together')")
    settle(page)
    assert page.locator(BOT).count() == 2  # the answer read with the previous question was replaced
    assert page.locator('#chat [data-testid="user"]').nth(1).inner_text() == "and what did Molotov answer?"


def test_active_filters_show_as_chips_that_remove_them(page):
    page.locator("#filters").get_by_text("Filters").click()
    page.locator("#date-from textarea, #date-from input").first.fill("October 1947")
    page.locator("#date-from textarea, #date-from input").first.press("Tab")
    page.locator("#filters").get_by_text("Filters").click()  # closed again: the chip still says so
    page.wait_for_function("document.querySelector('#chips').innerText.includes('From October 1947')")
    ask(page, "Soviet position on the Korean question", 1)
    assert "From October 1947" in page.locator("#chips").inner_text()
    page.get_by_role("button", name="Remove the filter From October 1947").click()
    page.wait_for_function("!document.querySelector('#chips').innerText.includes('From October 1947')")
    page.locator("#filters").get_by_text("Filters").click()
    assert page.locator("#date-from textarea, #date-from input").first.input_value() == ""


def test_conversations_are_kept_in_the_browser_and_reopened(page):
    ask(page, Q, 1)
    page.wait_for_function(f"{SAVED} === 1", timeout=30000)  # kept: a step chained after the answer
    page.locator("#clear").click()
    page.wait_for_function(f"document.querySelectorAll('{BOT}').length === 0")
    ask(page, "Who asked Moscow for railway engineers?", 1)
    page.wait_for_function(f"{SAVED} === 2", timeout=30000)  # the second one kept too
    page.reload()
    page.wait_for_selector("#question textarea")
    settle(page)
    page.locator(".sidebar .toggle-button, button[aria-label*='sidebar' i]").first.click()
    saved = page.locator("#saved-conversations label")
    saved.first.wait_for()
    assert saved.all_inner_texts()[:2] == ["Who asked Moscow for railway engineers?", Q]
    saved.nth(1).click()
    page.wait_for_function(f"document.querySelectorAll('{BOT}').length === 1")
    page.wait_for_selector("#sources #src-0-1")
    assert "April 12, 1948" in page.locator(BOT).first.inner_text()
    assert TITLE in page.locator("#sources").inner_text()


# -- 5. the timeline -----------------------------------------------------------------------------------------

def test_the_timeline_reads_at_any_density_and_a_click_asks_for_the_period(page, axe_script):
    ask(page, "List all documents from October 1947", 1)
    marks = page.locator("#timeline .mark")
    counts = [int(x) for x in marks.locator(".count").all_inner_texts()]
    assert sum(counts) == len(page.locator("#sources .source").all()) >= 5 and max(counts) >= 5
    boxes = page.evaluate("""() => [...document.querySelectorAll('#timeline .tick, #timeline .mark .count')]
        .map(e => { const r = e.getBoundingClientRect();
                    return [e.className, r.left, r.right, r.top, r.bottom]; })""")
    for kind in ("tick", "count"):
        same = sorted(b for b in boxes if b[0] == kind)
        assert all(a[2] <= b[1] for a, b in zip(same, same[1:])), same  # no two labels overlap
    page.emulate_media(color_scheme="dark")
    page.reload()
    page.wait_for_selector("#timeline .bin")
    settle(page)
    dark = page.evaluate("""() => { const c = (s, p) => getComputedStyle(document.querySelector(s))[p];
        return [c('body', 'backgroundColor'), c('#timeline .legend', 'color')]; }""")
    assert dark[0] != "rgb(255, 255, 255)" and dark[1] != "rgb(0, 0, 0)", dark
    assert axe(page, axe_script, "dark") == []
    page.emulate_media(color_scheme="light")
    page.locator('#timeline .bin[data-period="1947-10"]').click()
    page.wait_for_function(f"document.querySelectorAll('{BOT}').length >= 1", timeout=30000)
    assert page.locator('#chat [data-testid="user"]').last.inner_text() == "What is there from October 1947?"
    settle(page)
    assert "Records dated between 1947-10-01 and 1947-10-31" in page.locator(BOT).last.inner_text()


# -- 6. examples that fit the collection ---------------------------------------------------------------------

def test_example_questions_come_with_the_collection(page):
    examples = page.locator("#examples button.example")
    assert examples.count() == 4 and examples.first.inner_text() == Q
    examples.first.click()
    page.wait_for_function(f"document.querySelectorAll('{BOT}').length >= 1", timeout=30000)
    assert "April 12, 1948" in page.locator(BOT).first.inner_text()


def test_another_collection_gets_examples_made_from_its_own_records(browser, small_collection):
    pg = _open(browser, small_collection["url"])
    shown = pg.locator("#examples button.example").all_inner_texts()
    assert shown and not any("Korea" in q or "Vyshinsky" in q for q in shown)
    assert any(q.startswith("What is there from ") for q in shown)
    assert any("Entry" in q and "watch" in q for q in shown)
    pg.context.close()


# -- 7. the index panel --------------------------------------------------------------------------------------

@pytest.fixture
def growing_collection(tmp_path):
    """An app over 60 records whose folder gains 150 records no cache holds, so a rebuild must embed them."""
    records = tmp_path / "records"
    records.mkdir()
    rows = ["date,title,summary"] + [f"1960-01-{i % 28 + 1:02d},Note {i},Note {i} on the harbour lamp."
                                     for i in range(60)]
    (records / "notes.csv").write_text("\n".join(rows) + "\n")
    with running_app(tmp_path, records) as srv:
        added = [f"1961-02-{i % 28 + 1:02d},Ledger {i},Ledger line {i}: {i * 7919 % 1000} barrels of "
                 f"lamp oil landed at pier {i % 13} in fog." for i in range(150)]
        (records / "ledger.csv").write_text("\n".join(["date,title,summary", *added]) + "\n")
        yield srv


def test_the_index_panel_speaks_plainly_and_a_rebuild_shows_progress_then_its_result(browser,
                                                                                      growing_collection):
    pg = _open(browser, growing_collection["url"])
    pg.get_by_role("tab", name="Index").click()
    info = pg.locator("#index-info").inner_text()
    assert "exact search over 60 records" in info and "IndexFlatIP" not in info
    pg.evaluate("""() => { window.statuses = [];  // every status shown, polled faster than the server streams
        const box = document.querySelector('#index-status textarea');
        setInterval(() => {
            const v = box.value;
            if (v && window.statuses.at(-1) !== v) window.statuses.push(v);
        }, 20); }""")
    pg.locator("#rebuild").click()
    pg.wait_for_function("document.querySelector('#index-status textarea').value.startsWith('Rebuilt')",
                         timeout=120000)
    result = pg.locator("#index-status textarea").input_value()
    assert result.startswith("Rebuilt: 210 records in ") and "exact search over 210 records" in result
    statuses = pg.evaluate("window.statuses")
    assert statuses[0].startswith("Rebuilding… ") and statuses[-1] == result, statuses
    pg.context.close()


# -- 8. phone, keyboard and accessibility --------------------------------------------------------------------

def test_on_a_phone_the_answer_and_its_first_source_fit_the_first_screen(browser, server, axe_script):
    pg = _open(browser, server["url"], viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
               device_scale_factor=2)
    assert axe(pg, axe_script, "phone") == []
    ask(pg, Q, 1)
    pg.wait_for_function("""() => {  // the chat at the answer's start, the first card on the first screen
        const l = document.querySelector('#chat [data-testid="bot"] .line').getBoundingClientRect();
        const chat = document.querySelector('#chat .bubble-wrap').getBoundingClientRect();
        const card = document.querySelector('#sources .source').getBoundingClientRect();
        return l.top >= chat.top && l.top + 20 <= chat.bottom && card.bottom + scrollY <= 844;
    }""", timeout=10000)
    where = pg.evaluate("""() => {
        const box = (s) => { const r = document.querySelector(s).getBoundingClientRect();
                             return {top: r.top + scrollY, bottom: r.bottom + scrollY,
                                     left: r.left, right: r.right}; };
        const line = document.querySelector('#chat [data-testid="bot"] .line');
        const chat = document.querySelector('#chat .bubble-wrap').getBoundingClientRect();
        const l = line.getBoundingClientRect();
        return {line: box('#chat [data-testid="bot"] .line'), card: box('#sources .source'),
                form: box('#ask-form'), intro: box('#intro'), tabs: box('#tabs [role="tablist"]'),
                sources: box('#sources'),
                chat: box('#chat'), lineInChat: l.top >= chat.top && l.top + 20 <= chat.bottom,
                scrollWidth: document.documentElement.scrollWidth, width: innerWidth};
    }""")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "phone-positions.json").write_text(json.dumps(where, indent=1))
    assert where["line"]["top"] > where["form"]["bottom"] and where["line"]["top"] + 20 <= 844
    assert where["lineInChat"]  # the chat shows the answer's start, not its bottom
    assert where["card"]["bottom"] <= 844, where
    assert where["scrollWidth"] <= where["width"]  # no sideways scroll
    order = [where[k] for k in ("intro", "tabs", "form", "chat", "sources")]
    assert all(a["bottom"] <= b["top"] + 1 for a, b in zip(order, order[1:])), order  # nothing overlaps
    overlaps = pg.evaluate("""() => {  // no two of the page's parts share a pixel
        const parts = [...document.querySelectorAll(`#intro h1, #tabs [role="tab"], #question textarea, #ask,
            #clear, #filters, #chat, #sources .panel-title, #sources .source, #timeline .tl,
            .sidebar .toggle-button`)].map(e => [e.id || e.className || e.tagName, e.getBoundingClientRect()])
            .filter(([, r]) => r.width && r.height);
        const out = [];
        parts.forEach(([a, r], i) => parts.slice(i + 1).forEach(([b, q]) => {
            if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1)
                out.push([a, b]);
        }));
        return out;
    }""")
    assert overlaps == [], overlaps
    assert axe(pg, axe_script, "phone-answered") == []
    shoot(pg, "phone.png")
    pg.context.close()


def test_everything_works_by_keyboard(page, axe_script):
    assert axe(page, axe_script, "main") == []
    page.locator("#export-panel").get_by_text("Export the answer").click()
    page.get_by_label("Export format").first.wait_for(timeout=30000)  # the panel opens after the click
    assert page.get_by_label("Export format").count() == 1  # named for screen readers, not "Dropdown"
    page.locator("#question textarea").focus()
    page.keyboard.type(Q)
    page.keyboard.press("Enter")
    page.wait_for_selector("#sources #src-0-1")
    settle(page)
    page.locator(BOT).first.locator("a.cite-link").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'src-0-1'")
    page.keyboard.press("Tab")  # to the card's title
    assert page.evaluate("document.activeElement.classList.contains('open-record')")
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'viewer-title'")
    page.locator("#timeline .bin[tabindex='0']").focus()
    before = page.evaluate("document.activeElement.dataset.period")
    page.keyboard.press("ArrowRight")
    after = page.evaluate("document.activeElement.dataset.period")
    assert after > before
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('{BOT}').length >= 2", timeout=30000)


# -- safety --------------------------------------------------------------------------------------------------

def test_script_in_a_question_is_shown_never_run(page):
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script> uranium'
    ask(page, payload, 1)
    user = page.locator('#chat [data-testid="user"]').first.inner_text()
    assert "<script>alert(2)</script>" in user and '<img src=x onerror="alert(1)">' in user
    assert page.locator("#chat img[src='x']").count() == 0
    assert page.dialogs == [] and page.outside == []


def test_export_from_the_page_downloads_citations_zotero_reads(page, server):
    import bibtexparser

    ask(page, Q, 1)
    page.locator("#export-panel").get_by_text("Export the answer").click()
    page.locator("#export").click()
    link = page.locator("#export-file a[href]").first
    link.wait_for(timeout=30000)
    href = link.get_attribute("href")
    body = page.request.get(href if href.startswith("http") else server["url"].rstrip("/") + href).text()
    entries = bibtexparser.parse_string(body).entries
    assert entries[0]["title"].strip("{}") == TITLE and entries[0]["date"] == "1948-04-12"
    assert page.outside == []
