"""The writer's verifier (qa/verify.py): its parts on their own, and its figures on the labelled drafts.

The labelled sentences (tests/data/eval/drafts-*.jsonl) were written before the verifier; its thresholds were
chosen on the dev split only. The pass marks are issue 15's goals, not measured values: at least 0.95 of the
unsupported sentences removed, at most 10% of the supported ones.
"""

from __future__ import annotations

import pytest

from conftest import DATA, HSG, SEEDS
from qa.drafts import KINDS, Collection, read_drafts, score
from qa.records import load_records
from qa.verify import check, citations_of, dates_in, name_phrases, numbers_in

EVAL = DATA / "eval"
RECALL_GOAL = 0.95          # of unsupported sentences removed
SUPPORTED_REMOVED_GOAL = 0.10


@pytest.fixture(scope="module")
def seed_records():
    return {(r.date.text, r.title): r for r in load_records([SEEDS]).records}


URANIUM = "Protocol No. 61 of a Meeting of the Special Committee under the Council of Ministers of the USSR (Excerpt)"
DOSSIER = ("Protocol No. 36 of a Meeting of the Special Committee under the Council of Ministers of the Soviet "
           "Union (Excerpt)")


def test_citation_marks_in_every_common_form():
    assert citations_of("Stalin agreed [1].") == ("Stalin agreed.", (1,))
    assert citations_of("Both wrote [1][2] and [2, 3].") == ("Both wrote and.", (1, 2, 3))
    assert citations_of("A range [1-3].")[1] == (1, 2, 3)
    assert citations_of("No mark, or a placeholder [n].") == ("No mark, or a placeholder.", ())


def test_dates_in_any_form_with_the_records_year_for_a_bare_day():
    found, rest = dates_in("From April 15 to July 12, 1876; on 2 February 1875, in late October 1975, "
                           "1948-04-12, September 25–27, Telegram No. 1947, the 1940s", year=1876)
    assert set(found) == {(1876, 4, 15), (1876, 7, 12), (1875, 2, 2), (1975, 10, None), (1948, 4, 12),
                          (1876, 9, 25), (1876, 9, 27)}
    assert "1947" in rest and "1876" not in rest  # a document number is not a date


def test_numbers_and_number_words():
    assert numbers_in("Telegram Nos. 408-411, over 9,000 miles, the 28th session, a third agreement, G20") == \
        {"408", "411", "9000", "28", "3"}


def test_names_are_runs_of_capitalised_words_without_titles_or_openers():
    assert name_phrases("It recalled that Roosevelt, Stalin and Chiang Kai-shek met at the Cairo Conference.") == \
        ["Roosevelt", "Stalin", "Chiang Kai-shek", "Cairo Conference"]
    assert name_phrases("Afterwards President Sadat met Prime Minister Begin in October.") == ["Sadat", "Begin"]


def test_the_issues_example_is_removed_and_the_records_own_answer_kept(seed_records, embedder):
    records = [seed_records["April 12, 1948", URANIUM], seed_records["April 25, 1947", DOSSIER]]
    drafted = ["The project was postponed until 1953 because the USSR wanted to avoid a nuclear accident [1].",
               "The Special Committee postponed the geological prospecting for uranium in North Korea on "
               "April 12, 1948 [1].",
               "The Special Committee postponed the prospecting for uranium in North Korea on April 25, 1947 [2].",
               "Uranium prospecting in North Korea was postponed in April 1948.",
               "It was postponed on April 12, 1948 [3]."]
    v = check(drafted, records, embedder.encode)
    assert [x.supported for x in v] == [False, True, False, False, False]
    assert "1953" in v[0].reason
    assert v[3].reason == "it cites no record" and "not one of the records given" in v[4].reason


def test_a_sentence_citing_two_records_needs_one_that_holds_it_all(seed_records, embedder):
    telegrams = [seed_records[d, "Telegram, V. Molotov to Cde. Stalin"] for d in ("October 29, 1947",
                                                                                  "October 30, 1947")]
    both = "In both telegrams Molotov insisted that the Korean issue be discussed with the Koreans [1][2]."
    fused = ("On October 29, 1947, Molotov wrote that the Soviet Union would not take part in the work of the "
             "committee the US proposed if the amendments were approved [1][2].")
    assert [x.supported for x in check([both, fused], telegrams, embedder.encode)] == [True, False]


@pytest.fixture(scope="session")
def collections():
    return {"seed": Collection.read([SEEDS]), "hsg": Collection.read([HSG])}


@pytest.mark.parametrize("split", ["dev", "test"])
def test_the_labelled_drafts_cover_every_kind_and_name_real_records(collections, split):
    drafts = read_drafts(EVAL / f"drafts-{split}.jsonl")
    assert {d.label for d in drafts} >= {"supported", *KINDS} - ({"wrong-number"} if split == "test" else set())
    for d in drafts:
        assert all(key in collections[d.collection].records for key in d.records), d.sentence
    assert len(read_drafts(EVAL / "drafts-dev.jsonl")) + len(read_drafts(EVAL / "drafts-test.jsonl")) >= 200
    groups = {s: {d.group for d in read_drafts(EVAL / f"drafts-{s}.jsonl")} for s in ("dev", "test")}
    assert not groups["dev"] & groups["test"]


@pytest.fixture(scope="session")
def figures(collections, embedder):
    out = {}
    for split in ("dev", "test"):
        s = score(read_drafts(EVAL / f"drafts-{split}.jsonl"), collections, embedder.encode)
        out[split] = s
        print(f"\ndrafts {split}: recall {s.recall:.3f}, precision {s.precision:.3f}, supported removed "
              f"{s.supported_removed:.3f}; by kind {s.to_json()['by_kind']}")
    return out


@pytest.mark.parametrize("split", ["dev", "test"])
def test_the_verifier_removes_the_unsupported_sentences(figures, split):
    s = figures[split]
    assert s.recall >= RECALL_GOAL, s.missed


@pytest.mark.parametrize("split", ["dev", "test"])
def test_the_verifier_keeps_the_supported_sentences(figures, split):
    s = figures[split]
    assert s.supported_removed <= SUPPORTED_REMOVED_GOAL, s.lost
