"""A person's time in an office, read from the records (qa/tenure.py): over a real index of a made-up collection
whose names appear in no labelled set."""

from datetime import date

import pytest
from conftest import made_up_archive

from qa.tenure import find_office, gives_title, title_pattern
from qa.text import tokens


@pytest.mark.parametrize("question, title", [
    ("Where did Varnholt travel while she was president?", ("president",)),
    ("Which ports did he visit while he was still prime minister?", ("prime", "minister")),
    ("When did Quirling fly to Oslo as secretary of state?", ("secretary", "of", "state")),
    ("Did Quirling go to Oslo as Secretary of State in 1951?", ("secretary", "of", "state")),
    ("What did Varnholt sign during her presidency?", ("president",)),
    ("Which treaties were signed during Sandemo's governorship?", ("governor",)),
    ("Which journeys did she make during her tenure?", ()),      # any of her titles
    ("Where did Varnholt travel as president between 1953 and 1954?", ("president",)),
    ("Where did she go as president of the republic?", ("president",)),
    ("Which ports did Quirling visit as secretary of state from 1957 to 1959?", ("secretary", "of", "state")),
    ("Which ports did Quirling visit during the Varnholt administration?", ("president",)),
    ("What did the council decide under President Varnholt?", ("president",)),
    ("Which treaties were signed in the Sandemo governorship?", ("governor",)),
])
def test_a_question_bounded_by_a_tenure_names_the_title(question, title):
    office = find_office(question)
    assert office is not None and office.title == title


@pytest.mark.parametrize("question", [
    "When was she president?",                        # asks for the tenure itself
    "Who served as well as the minister?",
    "What did the harbour commission recommend as a matter of urgency?",
    "Which journeys did she make during her first term?",  # a part of a tenure the records do not tell
    "When the treaty was signed, who was there?",
    "Who succeeded Varnholt as president?",          # the office asked about, not a bound
    "Who preceded Quirling as secretary of state?",
    "When did Varnholt serve as president?",
    "Where did Varnholt travel during her presidency and after?",  # beyond it
    "What changed under the treaty of 1951?",
])
def test_no_tenure_is_read_where_there_is_none(question):
    assert find_office(question) is None


VARNHOLT = frozenset({"edda", "varnholt"})


def test_a_record_gives_a_title_to_the_name_right_after_it_not_to_another_office():
    president = title_pattern(("president",))
    assert gives_title("Journey of President Edda M. Varnholt to Spain (Madrid)", president, VARNHOLT,
                       "varnholt")
    assert gives_title("She met president Varnholt.", president, VARNHOLT, "varnholt")
    assert not gives_title("Met former President Edda Varnholt in Lisbon.", president, VARNHOLT, "varnholt")
    assert not gives_title("Journey of Vice President Edda Varnholt to Spain", president, VARNHOLT, "varnholt")
    # the name is the run of capitalised words after the title, not the words after it
    assert not gives_title("Journey of President Tomas Quirling to meet Edda Varnholt", president, VARNHOLT,
                           "varnholt")
    assert not gives_title("Met former Osterland President Edda Varnholt.", president, VARNHOLT, "varnholt")
    assert gives_title("Journey of President Harro E. Varnholt to Rome", president, frozenset({"varnholt"}),
                       "varnholt")  # the question said only the surname
    # a longer name holding the surname is someone else's
    assert not gives_title("Met President Ingrid Varnholt Oskarsen.", president, VARNHOLT, "varnholt")
    # a bracketed other form of the name is part of it
    state = title_pattern(("secretary", "of", "state"))
    quirling = frozenset(tokens("Tomas Quirling"))  # a spelling and its key are words as the index holds them
    assert gives_title("Travel of Secretary of State Tomas A. (Tom Anders) Quirling to Oslo", state, quirling,
                       tokens("Quirling")[0])
    anyone = title_pattern(())
    assert gives_title("Journey of Minister Edda Varnholt to Italy", anyone, VARNHOLT, "varnholt")


# A minister who became president, then left office; another president between.
CAREER = [
    ("March 2, 1951", "Journey of Minister Edda Varnholt to Portugal (Lisbon)",
     "Minister Varnholt discussed fishing rights with the Portuguese cabinet."),
    ("June 5, 1953", "Journey of President Edda Varnholt to Italy (Rome)",
     "President Varnholt met the Italian prime minister on refugee resettlement."),
    ("September 20, 1955", "Journey of President Edda Varnholt to Greece (Athens)",
     "President Varnholt reviewed reconstruction projects financed by the relief fund."),
    ("August 3, 1961", "Journey of Edda Varnholt to Turkey (Ankara)",
     "Former President Varnholt lectured on railway finance at the university."),
    ("May 1, 1958", "Journey of President Tomas Quirling to Norway (Oslo)",
     "President Quirling attended a conference on whaling quotas."),
]


@pytest.fixture(scope="module")
def career(tmp_path_factory, embedder):
    return made_up_archive(tmp_path_factory.mktemp("career"), CAREER, embedder)


def test_the_words_read_as_a_tenure_end_with_its_title():
    assert find_office("Where did she go as president about the treaty?").phrase == "as president"
    assert find_office("Where did she go while she was prime minister of Osterland?").phrase == \
        "while she was prime minister"


def test_a_tenure_bounds_the_answer_by_the_records_that_give_the_title(career):
    r = career.retrieve("Which countries did Varnholt visit while she was president?")
    assert (r.date_from, r.date_to) == (date(1953, 6, 5), date(1955, 9, 20))
    answer = r.answer(10)
    cited = {c.hit.record.title for c in answer.citations}
    assert cited and cited <= {CAREER[1][1], CAREER[2][1]}
    # the answer says how it read the period, and from which records
    assert answer.text.endswith('"while she was president" is read as 1953-06-05 to 1955-09-20: the first and '
                                'the last record that call Varnholt president.')
    # "as minister": her journeys as minister only
    r = career.retrieve("Where did Varnholt travel as minister?")
    assert (r.date_from, r.date_to) == (date(1951, 3, 2), date(1951, 3, 2))


def test_a_tenure_named_with_its_holder_is_the_holders_not_that_of_another_name_in_the_question(career):
    # Quirling was president too (1958), but the administration is Varnholt's
    r = career.retrieve("Did Quirling travel during the Varnholt administration?")
    assert (r.date_from, r.date_to) == (date(1953, 6, 5), date(1955, 9, 20))
    r = career.retrieve("Which journeys were made under President Varnholt?")
    assert (r.date_from, r.date_to) == (date(1953, 6, 5), date(1955, 9, 20))


def test_a_tenure_no_record_gives_leaves_the_question_unbounded(career):
    r = career.retrieve("Where did Varnholt travel while she was chancellor?")
    assert (r.date_from, r.date_to) == (None, None)


def test_a_pronoun_s_tenure_is_that_of_the_person_the_question_before_named(career):
    before = ["Where did Edda Varnholt go in 1951?"]
    r = career.retrieve("And while she was president?", history=before)
    assert (r.date_from, r.date_to) == (date(1953, 6, 5), date(1955, 9, 20))


def test_a_tenure_of_someone_the_question_only_describes_is_not_read_as_the_one_before(career):
    before = ["Where did Edda Varnholt go in 1951?"]
    # "her successor" is someone else: not Varnholt's presidency; the period stays the question's before
    r = career.retrieve("Did her successor travel while he was president?", history=before)
    assert (r.date_from, r.date_to) == (date(1951, 1, 1), date(1951, 12, 31))
    # "while she was" after "her husband" is still Varnholt
    r = career.retrieve("Did her husband travel with her while she was president?", history=before)
    assert (r.date_from, r.date_to) == (date(1953, 6, 5), date(1955, 9, 20))


def test_the_name_said_in_full_finds_the_records_that_give_the_title_to_the_surname(career):
    # the records say "President Varnholt" as well as "President Edda Varnholt"; "Edda Varnholt" finds both
    r = career.retrieve("Where did Edda Varnholt travel while she was president?")
    assert (r.date_from, r.date_to) == (date(1953, 6, 5), date(1955, 9, 20))


def test_a_person_whose_last_titled_record_is_far_from_the_end_keeps_the_span_found(tmp_path, embedder,
                                                                                        monkeypatch):
    import qa.tenure as tenure_module

    rows = list(CAREER) + [(f"March {d}, 1970", f"Lecture {d} by Edda Varnholt", "She lectured on railways.")
                           for d in range(1, 21)]
    archive = made_up_archive(tmp_path, rows, embedder)
    monkeypatch.setattr(tenure_module, "BATCH", 4)  # the lectures fill the reads from the latest end
    monkeypatch.setattr(tenure_module, "BATCHES", 2)
    r = archive.retrieve("Where did Varnholt travel while she was president?")
    assert r.date_from == date(1953, 6, 5) and r.date_to is not None
