"""The labelled question sets: the goals of issue 12 asserted on the test splits, which are never tuned on.

Each set has a dev split (weights and thresholds were chosen there) and a test split written before the change
by a helper that never ran the system (tests/data/eval/*README.md). The pass marks below are the issue's
goals, not measured values. A goal not reached yet is marked xfail(strict=True) with its measured figure in
the reason: it shows in every run, and the mark must go once the goal is met (strict turns a pass into a
failure). The comparative tests then hold the pipeline to more than its baseline.
"""

import json

import pytest
from conftest import DATA, HSG, SEEDS

from qa.archive import DENSE, FULL
from qa.evaluate import by_kind, evaluate, read_questions, table

EVAL = DATA / "eval"
SETS = {"seed": [SEEDS], "hsg": [HSG]}


@pytest.fixture(scope="session")
def figures(seed_archive, hsg_archive):
    """Every split's figures, dense only and full pipeline, overall and by kind: computed once."""
    out = {}
    for name, archive in (("seed", seed_archive), ("hsg", hsg_archive)):
        for split in ("dev", "test"):
            questions = read_questions(EVAL / f"{name}-{split}.jsonl")
            kinds = by_kind(archive, questions, FULL)
            out[name, split] = {"full": kinds.pop("all"), "dense": evaluate(archive, questions, DENSE),
                                "kinds": kinds}
            print(f"\n{name} {split}\n" + table({"dense only": out[name, split]["dense"],
                                                 "full": out[name, split]["full"]}
                                                | {f"by kind: {k}": s for k, s in kinds.items()}))
    return out


@pytest.mark.parametrize("name", SETS)
def test_the_sets_are_large_enough_and_name_real_records(name):
    from qa.records import read_records

    records = {(r.date.text, r.title) for r in read_records(SETS[name]).records}
    for split in ("dev", "test"):
        questions = read_questions(EVAL / f"{name}-{split}.jsonl")
        kinds = {q.kind for q in questions}
        assert {"fact", "date", "list", "name", "follow-up", "multi", "unanswerable"} <= kinds, kinds
        assert sum(not q.gold for q in questions) >= 10
        assert all(g in records for q in questions for g in q.gold)
        assert all(q.history for q in questions if q.kind == "follow-up")
    assert len(read_questions(EVAL / f"{name}-test.jsonl")) >= 80
    if name == "hsg":  # at least 150 questions over the State Department records
        assert sum(len(read_questions(EVAL / f"hsg-{s}.jsonl")) for s in ("dev", "test")) >= 150


def test_the_splits_share_no_question():
    for name in SETS:
        dev = {json.loads(line)["question"] for line in (EVAL / f"{name}-dev.jsonl").open()}
        test = {json.loads(line)["question"] for line in (EVAL / f"{name}-test.jsonl").open()}
        assert not dev & test


def _unmet(measured: str):
    return pytest.mark.xfail(strict=True, reason=f"goal not met yet: {measured} (README, Evaluation)")


# (collection, figure, goal, at least? (else at most), which questions); issue 12's goals, on the test split
GOALS = [
    pytest.param("seed", "hit1", 0.95, True, "all", marks=_unmet("seed test hit@1 0.887")),
    pytest.param("seed", "hit3", 0.98, True, "all", marks=_unmet("seed test hit@3 0.952")),
    pytest.param("seed", "date_precision", 1.0, True, "all"),
    pytest.param("seed", "not_found", 0.9, True, "all", marks=_unmet("seed test not-found 0.750")),
    pytest.param("seed", "false_not_found", 0.02, False, "all", marks=_unmet("seed test false not-found 0.029")),
    pytest.param("hsg", "hit1", 0.90, True, "fact"),
    pytest.param("hsg", "hit3", 0.95, True, "fact"),
    pytest.param("hsg", "list_recall", 0.9, True, "all"),
    pytest.param("hsg", "date_precision", 1.0, True, "all", marks=_unmet("hsg test date precision 0.995")),
    pytest.param("hsg", "not_found", 0.8, True, "all", marks=_unmet("hsg test not-found 0.688")),
    pytest.param("hsg", "false_not_found", 0.05, False, "all"),
    pytest.param("seed", "multi_precision", 0.9, True, "all"),
    pytest.param("seed", "multi_recall", 0.9, True, "all", marks=_unmet("seed test multi-record recall 0.638")),
    pytest.param("hsg", "multi_precision", 0.9, True, "all", marks=_unmet("hsg test multi-record precision 0.856")),
    pytest.param("hsg", "multi_recall", 0.9, True, "all"),
]


@pytest.mark.parametrize("name, figure, goal, at_least, questions", GOALS)
def test_goal_on_the_test_split(figures, name, figure, goal, at_least, questions):
    scores = figures[name, "test"]["full" if questions == "all" else "kinds"]
    value = (scores if questions == "all" else scores[questions]).get(figure)
    assert value is not None
    assert value >= goal if at_least else value <= goal, (name, figure, value)


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("split", ["dev", "test"])
def test_the_pipeline_beats_dense_retrieval_alone(figures, name, split):
    full, dense = figures[name, split]["full"], figures[name, split]["dense"]
    for figure in ("hit1", "hit3", "mrr", "support_recall", "list_recall"):
        assert full.get(figure) > dense.get(figure), (figure, full.get(figure), dense.get(figure))
    assert full.false_not_found < dense.false_not_found
    # date precision is not compared: dense retrieval alone refuses most dated questions, so its
    # precision is taken over a handful of citations; the date-precision goal is checked above
