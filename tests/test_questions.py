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


# The evaluation set (tests/data/eval.jsonl, 144 questions: paraphrases, dates in every form, name variants,
# multi-record and unanswerable questions) and the goals of the retrieval work. They are met with the
# reranking model (build --rerank). Without it, the pipeline is held at what it measures: hit@1 0.892.
GOALS = {"hit1": 0.90, "hit3": 0.97, "date_precision": 1.0, "not_found_accuracy": 0.8}
MAX_FALSE_NOT_FOUND = 0.03
WITHOUT_RERANK = {"hit1": 0.89, "hit3": 0.97, "date_precision": 1.0, "not_found_accuracy": 0.8}


def _eval_set():
    from qa.evaluate import read_questions

    questions = read_questions(DATA / "eval.jsonl")
    kinds = {q.kind for q in questions}
    assert len(questions) >= 80 and {"paraphrase", "date", "name", "unanswerable", "multi"} <= kinds
    assert sum(not q.gold for q in questions) >= 10
    return questions


def test_evaluation_goals_met_with_the_reranking_model(reranked_archive):
    from qa.archive import DENSE, FULL, RERANKED
    from qa.evaluate import evaluate, table

    questions = _eval_set()
    dense, full, reranked = (evaluate(reranked_archive, questions, m) for m in (DENSE, FULL, RERANKED))
    print("\n" + table([dense, full, reranked]))
    for name, goal in GOALS.items():
        assert getattr(reranked, name) >= goal, (name, getattr(reranked, name))
    assert reranked.false_not_found <= MAX_FALSE_NOT_FOUND
    assert reranked.hit1 > full.hit1 > dense.hit1 and reranked.mrr > full.mrr
    assert full.date_precision > dense.date_precision


def test_without_the_reranking_model_the_figures_hold(seed_archive):
    from qa.archive import DENSE, FULL
    from qa.evaluate import evaluate, table

    questions = _eval_set()
    full, dense = evaluate(seed_archive, questions, FULL), evaluate(seed_archive, questions, DENSE)
    print("\n" + table([dense, full]))
    for name, goal in WITHOUT_RERANK.items():
        assert getattr(full, name) >= goal, (name, getattr(full, name))
    assert full.false_not_found <= MAX_FALSE_NOT_FOUND
    assert full.hit1 > dense.hit1 and full.date_precision > dense.date_precision


def test_the_first_set_is_answered_first_with_the_reranking_model(reranked_archive):
    from qa.archive import RERANKED
    from qa.evaluate import evaluate, read_questions

    s = evaluate(reranked_archive, read_questions(DATA / "questions.jsonl"), RERANKED)
    assert s.hit1 >= 0.97 and s.hit3 == 1.0 and s.not_found_accuracy >= 0.9 and s.false_not_found == 0, s
