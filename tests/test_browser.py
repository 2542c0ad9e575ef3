"""A real headless Chromium, driven by Playwright, asks a question in the page."""

import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOT = ROOT / "docs" / "screenshot.png"
Q = "When did the Soviets postpone uranium prospecting in North Korea?"
TITLE = "Protocol No. 61 of a Meeting of the Special Committee under the Council of Ministers of the USSR (Excerpt)"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing in CI: .ci/run must install it (scripts/ensure-chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.outside = []
    pg.dialogs = []
    pg.on("request", lambda r: None if r.url.startswith(server["url"]) or r.url.startswith("data:")
          else pg.outside.append(r.url))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(server["url"])
    pg.wait_for_selector("#question textarea")
    yield pg
    ctx.close()


def ask(pg, question: str, n: int) -> str:
    pg.locator("#question textarea").fill(question)
    pg.locator("#ask").click()
    pg.wait_for_function(f"document.querySelectorAll('#chat [data-testid=\"bot\"]').length >= {n}", timeout=30000)
    return pg.locator('#chat [data-testid="bot"]').nth(n - 1).inner_text()


def test_a_question_in_the_page_gets_dated_titled_citations_and_sources(page, seed_archive):
    reply = ask(page, Q, 1)
    assert f"[1] April 12, 1948 — {TITLE}" in reply
    assert "April 12, 1948: Memorandum of the Special Committee" in reply
    sources = page.locator("#sources").inner_text()
    assert "April 12, 1948" in sources and TITLE in sources
    # the relevance shown is the one the answer carries: the probability that the record answers, 0-1
    shown = float(re.search(r"relevance (\d\.\d\d)", sources).group(1))
    assert shown == seed_archive.ask(Q).citations[0].relevance and 0 < shown <= 1
    assert "Answers from 20 records" in page.locator("#stamp").inner_text()
    page.wait_for_function("!document.querySelector('#sources .pending, #timeline .pending, #chat .pending')")
    page.wait_for_timeout(500)
    SHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOT))
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    shutil.copyfile(SHOT, artifacts / "answer.png")
    assert page.outside == []


def test_script_in_a_question_is_shown_never_run(page):
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script> uranium'
    ask(page, payload, 1)
    user = page.locator('#chat [data-testid="user"]').first.inner_text()
    assert "<script>alert(2)</script>" in user and '<img src=x onerror="alert(1)">' in user
    assert page.locator("#chat img[src='x']").count() == 0
    assert page.dialogs == [] and page.outside == []


def test_example_questions_are_offered_on_first_load(page):
    examples = page.locator("#chat .example")
    assert examples.count() == 4
    examples.first.click()
    page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"bot\"]').length >= 1", timeout=30000)
    assert "April 12, 1948" in page.locator('#chat [data-testid="bot"]').first.inner_text()


def test_export_from_the_page_downloads_citations_zotero_reads(page, server):
    import bibtexparser

    ask(page, Q, 1)
    assert page.locator("#timeline img, #timeline svg, #timeline canvas").count() >= 1
    page.locator("#export-panel").get_by_text("Export the answer").click()
    page.locator("#export").click()
    link = page.locator("#export-file a[href]").first
    link.wait_for(timeout=30000)
    href = link.get_attribute("href")
    body = page.request.get(href if href.startswith("http") else server["url"].rstrip("/") + href).text()
    entries = bibtexparser.parse_string(body).entries
    assert entries[0]["title"].strip("{}") == TITLE and entries[0]["date"] == "1948-04-12"
    assert page.outside == []
