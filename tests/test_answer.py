"""The answer composer is a pure function: tested on hand-made hits, no model."""

import re
from datetime import date

from qa.answer import MIN_SCORE, MIN_SCORE_UNKNOWN_NAMES, best_sentence, compose, relevant, select, sentences
from qa.dates import parse_date
from qa.records import Record, record_id
from qa.retrieve import Hit

STAMP = {"records": 3, "model": "m", "corpus_sha256": "abc", "built_at": "2026-01-01T00:00:00+00:00"}


def rec(date_text: str, title: str, summary: str) -> Record:
    return Record(record_id(date_text, title, summary), parse_date(date_text), title, summary, "f.txt", 1)


A = rec("October 29, 1947", "Telegram No. 418 from Vyshinsky",
        "Vyshinsky outlines the amendment that the US has introduced regarding the Korean question. Moreover, "
        "Vyshinsky asserts the plan to object to the amendment.")
B = rec("April 12, 1948", "Protocol No. 61", "Memorandum postponing the geological prospecting for uranium.")
C = rec("n.d.", "Undated memo", "A memo about railways. It asks for engineers.")


def hits(*pairs):
    return [Hit(r, s, i) for i, (r, s) in enumerate(pairs, start=1)]


def test_every_statement_is_led_by_its_date_and_carries_its_citation():
    ans = compose("Why did Vyshinsky object to the amendment?", hits((A, 0.7), (B, 0.65)), k=5, index=STAMP)
    assert ans.found
    lines = ans.text.splitlines()
    assert lines[0] == ("October 29, 1947: Moreover, Vyshinsky asserts the plan to object to the amendment. [1]")
    assert lines[1].startswith("April 12, 1948: ") and lines[1].endswith("[2]")
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", ans.text)}
    assert cited == {c.n for c in ans.citations} == {1, 2}
    for line in lines:  # composed only from the records: each sentence is in its record's summary
        n = int(re.search(r"\[(\d+)\]$", line).group(1))
        sentence = line.split(": ", 1)[1].rsplit(" [", 1)[0]
        assert sentence in ans.citations[n - 1].hit.record.summary


def test_json_contract():
    ans = compose("uranium", hits((B, 0.6)), k=3, index=STAMP).to_json()
    assert set(ans) == {"question", "answer", "found", "citations", "index"}
    assert ans["citations"] == [{"n": 1, "id": B.id, "date": "April 12, 1948", "iso_date": "1948-04-12",
                                 "title": "Protocol No. 61", "summary": B.summary, "score": 0.6}]
    assert ans["index"] == STAMP


def test_nothing_relevant_says_so_and_cites_nothing():
    ans = compose("the 1953 armistice", hits((A, 0.30), (B, 0.29), (C, 0.2), (C, 0.1)), k=5, index=STAMP)
    assert MIN_SCORE > 0.30
    assert not ans.found and ans.citations == []
    assert ans.text.startswith("The archive holds no record that answers this question.")
    assert "[" not in ans.text
    j = ans.to_json()
    assert j["found"] is False and j["citations"] == [] and len(j["closest"]) == 3
    assert compose("x", [], k=5, index=STAMP).text == "The archive holds no record that answers this question."


def test_relevance_threshold_is_higher_when_the_question_names_what_the_archive_lacks():
    assert relevant(hits((A, MIN_SCORE), (B, MIN_SCORE)))
    assert not relevant(hits((A, MIN_SCORE - 0.01), (B, MIN_SCORE - 0.02)))
    assert not relevant(hits((A, MIN_SCORE_UNKNOWN_NAMES - 0.01)), unknown_names=True)
    assert relevant(hits((A, MIN_SCORE_UNKNOWN_NAMES)), unknown_names=True)
    assert not relevant([])
    ans = compose("Potsdam", hits((A, 0.5)), k=5, index=STAMP, unknown_names=["Potsdam"])
    assert not ans.found


def test_a_listing_cites_every_record_given_in_order():
    ans = compose("What documents are from 1947?", hits((A, 0.05), (C, 0.02)), k=50, index=STAMP, listing=True)
    assert ans.found and [c.hit.record for c in ans.citations] == [A, C]


def test_weak_hits_far_below_the_best_are_not_cited_and_k_caps():
    chosen = select(hits((A, 0.70), (B, 0.62), (C, 0.40)), k=5)
    assert [h.record for h in chosen] == [A, B]
    assert len(select(hits((A, 0.7), (B, 0.69), (C, 0.68)), k=2)) == 2


def test_undated_record_is_labelled_undated():
    ans = compose("engineers", hits((C, 0.6)), k=5, index=STAMP)
    assert ans.text == "Undated: It asks for engineers. [1]"
    assert ans.citations[0].label() == "[1] Undated — Undated memo"


def test_date_range_is_stated_and_returned():
    ans = compose("q", hits((A, 0.6)), k=5, index=STAMP, date_from=date(1947, 10, 1), date_to=date(1947, 10, 31))
    assert ans.text.splitlines()[0] == "Records dated between 1947-10-01 and 1947-10-31:"
    assert ans.to_json()["filters"] == {"date_from": "1947-10-01", "date_to": "1947-10-31"}
    empty = compose("q", [], k=5, index=STAMP, date_from=date(1950, 1, 1))
    assert empty.text == ("The archive holds no record dated from 1950-01-01 on that answers this question. "
                          "It holds no records at all from that time.")
    gaps = compose("q", hits((A, 0.6)), k=5, index=STAMP, date_from=date(1947, 1, 1), date_to=date(1947, 12, 31),
                   gaps=[(date(1947, 2, 1), date(1947, 3, 31)), (date(1947, 11, 1), date(1947, 11, 30))])
    assert gaps.text.endswith("The archive holds no records from February–March 1947; November 1947.")


def test_sentence_split_and_choice():
    assert sentences("One. Two! Three? four") == ["One.", "Two!", "Three? four"]
    assert best_sentence("engineers", C.summary) == "It asks for engineers."
    assert best_sentence("nothing shared", C.summary) == "A memo about railways."


def test_citation_label_is_date_dash_title():
    ans = compose("amendment", hits((A, 0.7)), k=5, index=STAMP)
    assert ans.citations[0].label() == "[1] October 29, 1947 — Telegram No. 418 from Vyshinsky"
