"""A question about a person and a place that no record names together ("When did Ford go to Jerusalem?") is
not answered with the person's other journeys: over a real index of a made-up catalogue, whose travellers and
phrasing appear in no labelled set, framed by a real country (Norway) as the State Department's is by the
United States."""

import pytest
from conftest import made_up_archive

# Norway's own ministers abroad, each to one or two places; foreign leaders' visits to Norway, some naming Oslo;
# other travellers to the same places. 68 records: a traveller's one or two are few (qa/answer.py LACKING_SHARE).
JOURNEYS = [
    ("March 3, 1975", "Travel of Minister Edda Voss to Portugal (Lisbon)", "Met the Portuguese foreign minister."),
    ("June 9, 1978", "Travel of Minister Edda Voss to Kenya (Nairobi)", "Opened a trade fair."),
    ("May 2, 1981", "Travel of Minister Halvar Strand to Spain (Madrid)", "Signed a fisheries agreement."),
    ("April 14, 1983", "Travel of Minister Halvar Strand to Portugal (Lisbon)", "Discussed shipping rules."),
    ("October 6, 1986", "Travel of Minister Sigrun Tveit to Egypt (Cairo)", "Attended a conference on water."),
    ("January 20, 1990", "Travel of Minister Sigrun Tveit to Spain (Madrid)", "Met the Spanish prime minister."),
    ("February 2, 1968", "Travel of Minister Edda Voss to Vietnam (Da Nang)", "Visited a field hospital."),
    ("August 8, 1992", "Travel of Minister Sigrun Tveit to Korea, Republic of (Seoul)", "Met the foreign minister."),
    ("July 1, 1994", "Travel of Minister Halvar Strand to Korea, Democratic People's Republic of (Pyongyang)",
     "Discussed famine relief."),
    ("March 5, 1999", "Travel of Minister Runa Ivo Dahl to Greece (Athens)", "Toured the old city."),
    ("May 9, 2001", "Travel of Minister Runa Ivo Dahl to Trinidad and Tobago (Port of Spain)", "Signed a treaty."),
    ("June 1, 2003", "Travel of Minister Oda Lien to Trinidad and Tobago (Port-of-Spain)", "Opened an embassy."),
    ("April 2, 2005", "Travel of Minister Tor Brennan to Chile (Santiago)", "Met the Chilean foreign minister."),
    ("May 3, 2006", "Travel of Minister Oda Lien to Mexico (Mexico, D.F.)", "Opened a consulate."),
]
VISITORS = ["Arko Brandt", "Lisel Marrow", "Tavo Renn", "Imre Kasko", "Odile Fenwray", "Piet Varda"]
# the visitors' countries, each named by fewer than a tenth of the records (more would make it part of the frame)
COUNTRIES = ["Germany", "Canada", "Austria", "Hungary", "France", "Netherlands", "Belgium", "Poland", "Italy",
             "Denmark", "Ireland", "Iceland"]


def _catalogue() -> list[tuple[str, str, str]]:
    rows = list(JOURNEYS)
    for i in range(54):  # the frame: visits to Norway, a third of them naming Oslo
        who, country = VISITORS[i % 6], COUNTRIES[i % 12]
        where = "Met the prime minister in Oslo." if i % 3 == 0 else "Official working visit."
        rows.append((f"{['May', 'June', 'September'][i % 3]} {i % 27 + 1}, {1950 + i}",
                     f"Visit of Chancellor {who} ({country}) to Norway", where))
    return rows


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory, embedder):
    return made_up_archive(tmp_path_factory.mktemp("journeys"), _catalogue(), embedder)


@pytest.mark.parametrize("question, person, place", [
    ("When did Edda Voss go to Madrid?", "Edda Voss", "Madrid"),       # others went there; she went elsewhere
    ("Did Halvar Strand ever visit Egypt?", "Halvar Strand", "Egypt"),
    ("What did Sigrun Tveit do in Lisbon?", "Sigrun Tveit", "Lisbon"),
    ("When did Runa Dahl go to Madrid?", "Runa Dahl", "Madrid"),
    ("Did a Portuguese delegation meet Edda Voss in Madrid?", "Edda Voss", "Madrid"),  # an adjective is no name
    ("When did Brennan go to Lisbon?", "Brennan", "Lisbon"),  # a surname ending as an adjective does is a name
    ("Did Halvar Strand ever visit Africa?", "Halvar Strand", "Africa"),  # a region: none of its places
    ("Which Africa trips did Halvar Strand make?", "Halvar Strand", "Africa"),  # a region, with no word before
])
def test_a_person_and_a_place_no_record_joins_are_not_answered(catalogue, question, person, place):
    ans = catalogue.ask(question)
    assert not ans.found and not ans.citations, ans.text
    assert f"No record names {person} together with {place}." in ans.text, ans.text
    # the closest records are still shown for reference: the person's own journeys among them
    assert any(person.split()[-1] in h.record.title for h in ans.closest), ans.text


@pytest.mark.parametrize("question, date", [
    ("When did Edda Voss go to Lisbon?", "March 3, 1975"),
    ("When did Runa Dahl go to Athens?", "March 5, 1999"),  # a middle name the question leaves out
    # a first name the record does not write ("Tony" for "Antony"): a refusal must be sure, the last name will do
    ("When did Edda Dahl go to Athens?", "March 5, 1999"),
    ("Did Edda Voss ever visit Africa?", "June 9, 1978"),  # a region held by a place in it
    ("When did Oda Lien go to Mexico City?", "May 3, 2006"),  # a word for a kind of place left out
    ("When did Runa Dahl visit Port-of-Spain?", "May 9, 2001"),  # hyphens the record leaves out
    ("Did Halvar Strand travel to Madrid?", "May 2, 1981"),
    ("Which African country did Edda Voss visit?", "June 9, 1978"),  # a region held by a place in it
    ("When did Sigrun Tveit go to Madrid?", "January 20, 1990"),
])
def test_a_person_and_a_place_a_record_joins_are_answered(catalogue, question, date):
    ans = catalogue.ask(question)
    assert ans.found and ans.citations[0].hit.record.date.text == date, ans.text


@pytest.mark.parametrize("question, joined", [
    ("Did Edda Voss ever go to South Vietnam?", True),  # "Vietnam (Da Nang)" names no other Vietnam
    ("Did Sigrun Tveit go to South Korea?", True),
    ("Did Sigrun Tveit go to North Korea?", False),  # "Korea, Republic of" is the South (qa/aliases.txt)
])
def test_a_place_named_with_a_direction_is_held_bare_unless_another_direction_is_named(catalogue, question,
                                                                                        joined):
    ans = catalogue.ask(question)
    assert ans.found is joined, ans.text
    assert ("No record names" in ans.text) is not joined, ans.text


def test_the_period_asked_about_must_hold_the_record_joining_them(catalogue):
    ans = catalogue.ask("Did Edda Voss go to Lisbon in 1990?")
    assert not ans.found, ans.text
    assert "No record of that period names Edda Voss together with Lisbon." in ans.text, ans.text


def test_a_place_inside_the_frame_need_not_be_named(catalogue):
    """Oslo lies inside the catalogue's frame (every record naming it names Norway): a visit to Norway that does
    not say Oslo still answers a question about coming to Oslo."""
    from qa.retrieve import apart, inside_frame

    index = catalogue.current
    assert index.names.frame and "Norway" in index.names.frame
    q = catalogue.retrieve("When did Chancellor Tavo Renn come to Oslo?").query
    oslo = next(n for n in q.names if n.text == "Oslo")
    assert inside_frame(index, oslo)
    madrid = catalogue.retrieve("When did Edda Voss go to Madrid?").query
    assert not inside_frame(index, next(n for n in madrid.names if n.text == "Madrid"))
    assert apart(index, madrid.text, madrid.names, frozenset(n.text for n in madrid.names), None, None) == (
        "Edda Voss", "Madrid")
    # a visitor's records all name the frame too: whether he went elsewhere is left to the answer model
    renn = catalogue.retrieve("When did Tavo Renn go to Madrid?").query
    assert inside_frame(index, next(n for n in renn.names if n.text == "Tavo Renn"))
    assert apart(index, renn.text, renn.names, frozenset(n.text for n in renn.names), None, None) == ()
    ans = catalogue.ask("When did Chancellor Tavo Renn come to Oslo?")
    assert ans.found and "Tavo Renn" in ans.citations[0].hit.record.title, ans.text


@pytest.mark.parametrize("question", [
    "Did Edda Voss meet Halvar Strand in Madrid?",  # three names: a record may join fewer of them
    "Which Portuguese officials did Halvar Strand meet?",  # an adjective before its noun is no place
    "And did Edda Voss go to Madrid?",  # a follow-up (here without its question before) is read with it
    "Who went to Cairo and Madrid?",  # two places joined by "and" or "or": either may answer
    "Who travelled to Lisbon or Madrid?",
    "Who travelled to Madrid or Lisbon?",
    "Did anyone fly from Lisbon to Madrid?",  # two places: neither is the person
    "Who asked Madrid for help in Kenya?",  # a place standing for its government: no record titles it a person
    "When did Edda Voss go to the DPRK?",  # an acronym a record may spell out
    "When did Halvar Strand visit the Kenya Republic?",  # a name cut short by a word read as no name
    "When did Edda Voss go to Madridd?",  # a close spelling only: the collection does not write it so
])
def test_questions_of_another_shape_are_left_to_the_answer_model(catalogue, question):
    r = catalogue.retrieve(question, history=["When did Halvar Strand go to Madrid?"]
                           if question.startswith("And") else None)
    assert r.apart == (), question


def test_a_name_many_records_hold_is_left_to_the_answer_model(catalogue):
    """apart() reads a name only when few records hold it (rare, qa/archive.py): the records of a common one are
    too many to read for one joining it to the other."""
    from qa.retrieve import apart

    q = catalogue.retrieve("When did Edda Voss go to Madrid?").query
    assert apart(catalogue.current, q.text, q.names, frozenset({"Edda Voss", "Madrid"}), None, None)
    assert apart(catalogue.current, q.text, q.names, frozenset({"Edda Voss"}), None, None) == ()
