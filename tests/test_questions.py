"""The labelled question set about the seed records: retrieval must find the gold records."""

import json

from conftest import DATA

QUESTIONS = [json.loads(line) for line in (DATA / "questions.jsonl").read_text().splitlines() if line.strip()]
ANSWERABLE = [q for q in QUESTIONS if q["gold"]]
UNANSWERABLE = [q for q in QUESTIONS if not q["gold"]]


def _key(d):
    return (d["date"], d["title"])


def test_the_set_is_large_enough_and_names_real_records(seed_archive):
    assert len(ANSWERABLE) >= 40 and len(UNANSWERABLE) >= 10
    titles = {(r.date.text, r.title) for r in seed_archive.current.records}
    for q in ANSWERABLE:
        for g in q["gold"]:
            assert _key(g) in titles, g


def test_a_gold_record_is_in_the_top_3_for_at_least_90_percent(seed_archive):
    from qa.retrieve import search

    index = seed_archive.current
    misses = []
    for q in ANSWERABLE:
        v = seed_archive.embedder.encode([q["question"]])[0]
        top3 = {(h.record.date.text, h.record.title) for h in search(index, v, 3)}
        if not top3 & {_key(g) for g in q["gold"]}:
            misses.append(q["question"])
    rate = 1 - len(misses) / len(ANSWERABLE)
    print(f"hit@3 = {rate:.3f} on {len(ANSWERABLE)} questions; misses: {misses}")
    assert rate >= 0.90, misses


def test_answers_cite_the_gold_record_and_questions_outside_the_archive_are_not_found(seed_archive):
    cited_gold = sum(
        bool({(c["date"], c["title"]) for c in seed_archive.ask(q["question"]).to_json()["citations"]}
             & {_key(g) for g in q["gold"]})
        for q in ANSWERABLE)
    not_found = sum(not seed_archive.ask(q["question"]).found for q in UNANSWERABLE)
    print(f"answers citing a gold record: {cited_gold}/{len(ANSWERABLE)}; "
          f"not found: {not_found}/{len(UNANSWERABLE)}")
    assert cited_gold / len(ANSWERABLE) >= 0.90
    assert not_found / len(UNANSWERABLE) >= 0.8
