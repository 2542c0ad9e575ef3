"""Questions typed all in capitals or in title case are read as the collection writes its words (qa/casing.py),
over a real index of a made-up collection whose names appear in no labelled set."""

import pytest
from conftest import made_up_archive
from test_extremes import VISITS

from qa.casing import recase, uncased

ROWS = VISITS + [
    ("July 7, 1966", "Report of the Harbour Council of Tarnholm",
     "The council asked the U.S. consul, Admiral Haske and Captain Levi about the new pier under the Tarnholm "
     "Accords. The lighthouse was repainted."),
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory, embedder):
    return made_up_archive(tmp_path_factory.mktemp("casing"), ROWS, embedder)


@pytest.mark.parametrize("question, expected", [
    ("WHEN DID THE DUCHESS LAST VISIT?", True),
    ("When Did The Duchess Last Visit Tarnholm?", True),
    ("Lighthouse Openings At The Harbour", True),         # a bare query in title case
    ("What Did Haske Say At The Council?", True),
    # two capitalised common words open it: no name starts so ("When Did", "Did The", "Where Is")
    ("When Did Haske Visit Tarnholm?", True),
    ("Did The Duchess Visit Tarnholm?", True),
    ("Where Is The Hague?", True),
    ("When did the Duchess of Arvel last visit Tarnholm?", False),
    ("Which reports mention the Every Child Matters programme?", False),  # a title inside a sentence
    # capitals that are names: no capitalised common word says otherwise
    ("Visits of Field Marshal Montgomery", False),
    ("When was Erlander in the United States?", False),
    ("Reports on Harry Truman", False),
    ("Visits of Dwight D. Eisenhower", False),
    ("Korea: Joint Commission", False),
    ("When was Haske in the US?", False),
    ("Where is The Hague?", False),                       # one capitalised common word is part of a name
    ("Kim Il Sung And Syngman Rhee", False),
    ("Did Haske Visit Tarnholm?", False),                 # the first word is capitalised anyway: nothing says
    ("US", False),
    ("1947", False),
])
def test_a_question_whose_capitals_say_nothing_is_told_apart(question, expected):
    assert uncased(question) is expected


def test_each_word_is_written_as_the_records_write_it(archive):
    store = archive.current
    # "Duchess", "Tarnholm" are capitalised in the records' running text; "visit" and "lighthouse" are not;
    # "last" is in no record: a common word, lower case; "the" is a word the keyword index leaves out
    assert recase("WHEN DID THE DUCHESS LAST VISIT TARNHOLM?", store) == \
        "When did the Duchess last visit Tarnholm?"
    assert recase("When Did The Duchess Open The Lighthouse At Tarnholm?", store) == \
        "When did the Duchess open the lighthouse at Tarnholm?"
    # "Haske" after an initial's dot or a title still counts as written mid-sentence; a word with dots is an
    # acronym, and an initial keeps its capital; a short word in capitals is an acronym unless the whole
    # question is in capitals, where an alias list ("US") says so
    assert recase("What Did The U.S. Consul Ask Admiral Haske?", store) == \
        "What did the U.S. consul ask Admiral Haske?"
    assert recase("Did The US Consul Meet The Harbour Council?", store) == \
        "Did the US consul meet the harbour council?"
    assert recase("DID THE US CONSUL MEET HASKE?", store) == "Did the US consul meet Haske?"
    assert recase("WHAT DID BISHOP MALTE R. RUSK CONSECRATE?", store) == "What did Bishop Malte R. Rusk consecrate?"
    # a possessive is recased without its "'s"; a close spelling of a name the records write capitalised is a
    # name ("Arvell" for Arvel); a word no record holds is a common word
    assert recase("WHAT DID THE DUCHESS'S COUNCIL DO?", store) == "What did the Duchess's council do?"
    assert recase("WHEN DID THE DUCHESS OF ARVELL GO?", store) == "When did the Duchess of Arvell go?"
    # ... but a short word is no name for being two letters off one ("leave" is no "Levi")
    assert recase("WHEN DID THE DUCHESS LEAVE TARNHOLM?", store) == "When did the Duchess leave Tarnholm?"
    # "US" in capitals is the pronoun right after a verb of a request and before no content word; else the
    # country
    assert recase("TELL US ABOUT THE LIGHTHOUSE AT TARNHOLM", store) == "Tell us about the lighthouse at Tarnholm"
    assert recase("GIVE US THE VISITS TO THE US", store) == "Give us the visits to the US"
    assert recase("WHEN DID THE DUCHESS FIRST VISIT US?", store) == "When did the Duchess first visit US?"
    assert recase("RELATIONS BETWEEN TARNHOLM AND US", store) == "Relations between Tarnholm and US"
    assert recase("SHOW US TROOPS AT TARNHOLM", store) == "Show US troops at Tarnholm"
    # a title the records write only before a name keeps its capital; a word of the same stem says nothing of a
    # word's capital unless it is its plural ("Accords" is no "According")
    assert recase("WHICH CHAPEL DID THE BISHOP CONSECRATE?", store) == "Which chapel did the Bishop consecrate?"
    assert recase("WHAT WAS REPAINTED ACCORDING TO THE COUNCIL?", store) == \
        "What was repainted according to the council?"
    # a question whose capitals mean something is left as it is
    assert recase("When did the duchess visit Tarnholm?", store) == "When did the duchess visit Tarnholm?"
    assert recase("Visits of Admiral Haske", store) == "Visits of Admiral Haske"
    assert recase("Who was Harry Truman?", store) == "Who was Harry Truman?"


@pytest.mark.parametrize("typed", [
    "WHEN DID THE DUCHESS OF ARVEL LAST VISIT TARNHOLM?",
    "When Did The Duchess Of Arvel Last Visit Tarnholm?",
    "When Did the Duchess of Arvel Last Visit Tarnholm?",  # one capitalised common word, but it opens it
])
def test_the_same_question_in_capitals_gets_the_same_answer(archive, typed):
    plain = archive.retrieve("When did the Duchess of Arvel last visit Tarnholm?", k=5)
    r = archive.retrieve(typed, k=5)
    assert [n.text for n in r.query.names] == [n.text for n in plain.query.names] == ["Duchess", "Arvel",
                                                                                       "Tarnholm"]
    assert r.query.intent.order == plain.query.intent.order == 1  # "Last" is the order, not a name
    ans, expected = r.answer(5), plain.answer(5)
    assert ans.found and [c.hit.record.id for c in ans.citations] == [c.hit.record.id for c in expected.citations]
    assert ans.citations[0].hit.record.date.text == "August 2, 1974", ans.text
    assert ans.question == typed  # shown as asked


def test_a_follow_up_in_capitals_reads_the_question_before_it_the_same_way(archive):
    history = ["WHEN DID THE DUCHESS OF ARVEL FIRST VISIT TARNHOLM?"]
    r = archive.retrieve("AND KELDBY?", k=5, history=history)
    assert r.query.intent.follow_up
    assert "Arvel" in [n.text for n in r.query.context]
    assert r.answer(5).citations[0].hit.record.title == "Visit of the Duchess of Arvel to Keldby"


@pytest.mark.parametrize("collection", ["seed", "hsg"])
def test_dev_questions_typed_in_capitals_are_answered_better_recased_than_as_typed(collection, seed_archive,
                                                                                  hsg_archive, monkeypatch):
    """Each collection's dev questions (and their histories) typed all in capitals: recased, more of them are
    answered right and fewer refused than read as typed, in the same run."""
    from dataclasses import replace

    from conftest import DATA

    from qa.archive import FULL
    from qa.evaluate import evaluate, read_questions

    archive = seed_archive if collection == "seed" else hsg_archive
    questions = [replace(q, question=q.question.upper(), history=tuple(h.upper() for h in q.history))
                 for q in read_questions(DATA / "eval" / f"{collection}-dev.jsonl")]
    recased = evaluate(archive, questions, FULL)
    monkeypatch.setattr("qa.archive.recase", lambda text, store: text)
    typed = evaluate(archive, questions, FULL)
    print(f"{collection} dev in capitals: hit@1 {recased.hit1:.3f} recased, {typed.hit1:.3f} as typed; false "
          f"not-found {recased.false_not_found:.3f}, {typed.false_not_found:.3f}; support recall "
          f"{recased.support_recall:.3f}, {typed.support_recall:.3f}")
    assert recased.hit1 > typed.hit1
    assert recased.false_not_found < typed.false_not_found
    assert recased.support_recall > typed.support_recall


def test_a_move_typed_in_capitals_is_read_as_recased(archive):
    """A follow-up that moves from the earlier answer ("after that") is read recased all through: the words left
    once the move is taken out are read as the records write them, not as capitals that all look like names."""
    before = ["When did the Duchess of Arvel first visit Tarnholm?"]
    plain = archive.retrieve("And after that, where did she go?", k=5, history=before)
    typed = archive.retrieve("AND AFTER THAT, WHERE DID SHE GO?", k=5, history=[t.upper() for t in before])
    assert [n.text for n in typed.query.names] == [n.text for n in plain.query.names]
    ans, expected = typed.answer(5), plain.answer(5)
    assert ans.found == expected.found
    assert [c.hit.record.id for c in ans.citations] == [c.hit.record.id for c in expected.citations]
    assert ans.question == "AND AFTER THAT, WHERE DID SHE GO?"


def test_an_owner_opening_a_question_is_a_name_in_a_close_spelling_too(archive):
    """"Haskke's pier": a possessive opening the question in a spelling no record uses is a name when the close
    spelling the collection uses is one it writes capitalised ("Haske"); a common word's is not ("Lighthouses'")."""
    from qa.casing import capitalised

    store = archive.current
    assert capitalised("Haskke", store) and capitalised("Haske", store)
    assert not capitalised("Lighthouse", store)
    r = archive.retrieve("Haskke's questions about the pier?", k=3)
    assert [n.text for n in r.query.names][:1] == ["Haskke"]
