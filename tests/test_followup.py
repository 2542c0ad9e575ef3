"""Follow-ups read against the earlier answer (qa/followup.py): over a real index of a made-up collection whose
names and phrasing appear in no labelled set, so nothing here could have been fitted to them."""

from datetime import date

import pytest
from conftest import made_up_archive

from qa.followup import find_order

# A minister's journeys in order, with other travellers' in between, and a second minister's journeys.
JOURNEYS = [
    ("March 2, 1951", "Journey of Minister Edda Varnholt to Portugal (Lisbon)",
     "Minister Varnholt discussed fishing rights and a harbour loan with the Portuguese cabinet."),
    ("April 10, 1951", "Journey of Minister Edda Varnholt to Spain (Madrid)",
     "Minister Varnholt opened a trade fair and signed a cultural agreement."),
    ("June 5, 1951", "Journey of Minister Edda Varnholt to Italy (Rome)",
     "Minister Varnholt met the Italian foreign minister on refugee resettlement."),
    ("September 20, 1951", "Journey of Minister Edda Varnholt to Greece (Athens)",
     "Minister Varnholt reviewed reconstruction projects financed by the relief fund."),
    ("May 1, 1951", "Journey of Minister Tomas Quirling to Norway (Oslo)",
     "Minister Quirling attended a conference on whaling quotas in the North Atlantic."),
    ("June 1, 1951", "Journey of Minister Tomas Quirling to Denmark (Copenhagen)",
     "Minister Quirling negotiated a ferry treaty and visited a shipyard."),
    ("July 15, 1951", "Journey of Minister Tomas Quirling to Finland (Helsinki)",
     "Minister Quirling inspected a timber port and met trade unionists."),
    ("August 3, 1952", "Journey of Minister Edda Varnholt to Turkey (Ankara)",
     "Minister Varnholt discussed a railway loan with the Turkish government."),
    ("April 12, 1951", "Visit of Governor Alric Sandemo to the capital",
     "Governor Sandemo presented a petition on grain prices to the parliament."),
    ("February 3, 1950", "Report of the Harbour Commission",
     "The commission recommended dredging the northern channel and raising dock fees."),
]


@pytest.fixture(scope="module")
def journeys(tmp_path_factory, embedder):
    return made_up_archive(tmp_path_factory.mktemp("journeys"), JOURNEYS, embedder)


def top(answer) -> str:
    assert answer.found, answer.text
    return answer.citations[0].hit.record.title


@pytest.mark.parametrize("text, way", [("What did he do next?", 1), ("and after that", 1),
                                      ("Where did she go afterwards?", 1), ("What happened subsequently?", 1),
                                      ("And right before that?", -1), ("her previous journey?", -1),
                                      ("What did he do just before going there?", -1),
                                      ("Where had she been earlier?", -1), ("prior to that?", -1),
                                      ("And after Madrid, where did she go?", 1),
                                      ("Whom did he meet on the way home?", 1),
                                      ("Where did he stop on the way to Rome?", -1),
                                      ("Had she been there before?", -1),
                                      ("Did he testify before Congress after that?", 1),
                                      ("Where did she go from there?", 1),
                                      ("Where did he fly on to from there?", 1),
                                      ("Where did he go directly from there?", 1),
                                      ("Did he fly back to Washington from there?", 1),
                                      ("Where did Nixon go from there?", 1),
                                      ("Did he ever come back?", 1), ("Did she visit Rome again?", 1),
                                      ("Where did he go right after the summit?", 1),
                                      ("What did she do soon after that?", 1),
                                      ("Where did he go shortly afterwards?", 1)])
def test_a_move_in_order_is_read_with_its_direction(text, way):
    order = find_order(text)
    assert order is not None and order.way == way
    assert order.phrase.lower() not in order.rest.lower()


@pytest.mark.parametrize("text", ["When was that?", "Who signed the treaty?",
                                  "What did the report say about dock fees?", "Where did the nextgen team meet?",
                                  "Who looked after her delegation?", "Was the ship named after him?",
                                  "After all, who went?", "What did he present before the parliament?",
                                  "Who testified before the commission?", "What was the date again?",
                                  "Who signed it again?", "What did he report from there?",
                                  "Going back to his cable, what did he propose?"])
def test_no_move_in_order_is_read_where_there_is_none(text):
    assert find_order(text) is None


@pytest.mark.parametrize("text, phrase", [("Where did he go right after the summit?", "right after"),
                                          ("What did she do soon after that?", "soon after that"),
                                          ("Where did he go shortly afterwards?", "shortly afterwards"),
                                          ("And just before that?", "just before that"),
                                          ("Where did he fly on to from there?", "from there")])
def test_a_word_of_nearness_is_the_move_s_and_no_topic(text, phrase):
    order = find_order(text)
    assert order.phrase == phrase
    assert not {"right", "soon", "shortly", "just"} & set(order.rest.lower().split())


@pytest.mark.parametrize("text", ["Did any president come to Washington from there?", "Did he meet anyone from there?",
                                  "Were there any visits to Washington from there?",
                                  "Which leaders have visited the United States from there?",
                                  "Who came to Washington from there?"])
def test_from_there_is_a_move_only_after_its_own_verb_of_going(text):
    assert find_order(text) is None  # "from there" says where the visitors came from


@pytest.mark.parametrize("naming, left", [("the summit", set()), ("the U.S.-Soviet summit", set()),
                                          ("the peace talks", set()), ("Moscow", {"moscow"})])
def test_a_move_from_an_event_leaves_no_record_out_a_move_from_a_place_leaves_that_place(naming, left):
    from qa.followup import _left

    assert _left(naming) == left


@pytest.mark.parametrize("text, after", [("And after Madrid, where did she go?", "Madrid"),
                                        ("Where did he stop on the way to the whaling conference?",
                                         "the whaling conference"),
                                        ("what became of him after he got back", "he got back"),
                                        ("What's the next trade fair after that?", ""),
                                        ("And after Madrid where did she go", "Madrid where did she go"),
                                        ("Where did she go next?", ""), ("And right before going there?", "")])
def test_a_bare_after_or_before_is_followed_by_what_it_is_after_and_next_by_what_is_asked(text, after):
    assert find_order(text).follows == after


LISTED = ["List Minister Varnholt's journeys."]


def test_a_move_from_a_named_record_of_the_earlier_answer_starts_from_that_record(journeys):
    cited = [c.hit.record.title for c in journeys.ask(LISTED[0]).citations]
    assert {JOURNEYS[i][1] for i in (0, 1, 2, 3, 7)} <= set(cited)
    # the earlier answer cited all her journeys: "after Madrid" starts from the one to Madrid, not its first;
    # the journeys it cited after Madrid can answer, the one to Madrid cannot
    answer = journeys.ask("And after Madrid, where did she go?", history=LISTED)
    assert top(answer) == JOURNEYS[2][1]
    assert JOURNEYS[1][1] not in [c.hit.record.title for c in answer.citations]
    # the place named is where the move starts: the record asked for need not hold it
    assert top(journeys.ask("Where did she go before Rome?", history=LISTED)) == JOURNEYS[1][1]
    assert top(journeys.ask("Where did she stop on the way to Athens?", history=LISTED)) == JOURNEYS[2][1]


# A summit (and another minister's record of it), the journey right after it (whose summary speaks of the
# summit) and later ones.
SUMMIT = [
    ("January 10, 1960", "Journey of Minister Orla Brekkvik to Iceland (Reykjavik)",
     "Attended the Summit Meeting of northern fisheries ministers with Minister Havgrim."),
    ("January 11, 1960", "Journey of Minister Havgrim Sollund to Iceland (Reykjavik)",
     "Attended the Summit Meeting of northern fisheries ministers with Minister Brekkvik."),
    ("January 13, 1960", "Journey of Minister Orla Brekkvik to Faroe Islands (Torshavn)",
     "Briefed the islands' council on the fisheries Summit Meeting."),
    ("March 2, 1960", "Journey of Minister Orla Brekkvik to Shetland (Lerwick)",
     "Inspected a herring cannery and a new breakwater."),
    ("May 9, 1960", "Journey of Minister Orla Brekkvik to Iceland (Akureyri)",
     "Attended a Summit Meeting on whaling quotas."),
]


def test_a_move_from_an_event_named_by_its_noun_may_answer_with_a_record_that_speaks_of_it(tmp_path, embedder):
    # "right after the summit" moves from the summit; the next journey, which reports on it, is where she went
    # (words naming a place, "after Reykjavik", leave the records holding them: the same stop)
    archive = made_up_archive(tmp_path, SUMMIT, embedder)
    before = ["When did Minister Brekkvik attend the fisheries summit?"]
    assert top(archive.ask(before[0])) == SUMMIT[0][1]
    assert top(archive.ask("Where did she go right after the summit?", history=before)) == SUMMIT[2][1]


def test_words_after_a_move_that_name_no_record_cited_start_from_the_first(journeys):
    before = ["Which minister discussed fishing rights with the Portuguese?"]
    assert top(journeys.ask(before[0])) == JOURNEYS[0][1]
    assert top(journeys.ask("And after she got back, where did she go?", history=before)) == JOURNEYS[1][1]


def test_next_is_the_nearest_later_record_of_the_same_thread(journeys):
    before = ["Where did Minister Varnholt go in April 1951?"]
    assert top(journeys.ask(before[0])) == "Journey of Minister Edda Varnholt to Spain (Madrid)"
    # the nearest later record overall is the governor's visit (two days on) or Quirling's journey: neither is hers
    answer = journeys.ask("Where did she go next?", history=before)
    assert top(answer) == JOURNEYS[2][1]
    # her later journeys, the nearest first however likely each one is, and the answer says so
    starts = [c.hit.record.date.start for c in answer.citations]
    assert len(starts) > 1 and starts == sorted(starts), answer.text
    assert answer.text.splitlines()[0].endswith("nearest first:"), answer.text
    assert top(journeys.ask("And before that?", history=before)) == JOURNEYS[0][1]


def test_a_move_cites_the_nearest_record_of_its_thread_however_unlike_the_question_it_reads(journeys):
    before = ["Which minister discussed fishing rights with the Portuguese?"]
    assert top(journeys.ask(before[0])) == JOURNEYS[0][1]
    # her next journey says nothing of flying on: it is still where she went next, and is cited first
    answer = journeys.ask("Where did she fly on to from there?", history=before)
    assert top(answer) == JOURNEYS[1][1], answer.text
    # and the next move is from the record that answer led with
    chain = before + ["Where did she fly on to from there?"]
    assert top(journeys.ask("And where after that?", history=chain)) == JOURNEYS[2][1]


def test_the_earlier_answer_is_found_again_through_a_chain_of_follow_ups(journeys):
    chain = ["Which minister attended the whaling conference?", "What did he do next?"]
    assert top(journeys.ask(chain[0])) == JOURNEYS[4][1]
    assert top(journeys.ask(chain[1], history=chain[:1])) == JOURNEYS[5][1]
    assert top(journeys.ask("And after that?", history=chain)) == JOURNEYS[6][1]


def test_a_follow_up_with_no_topic_of_its_own_is_about_the_record_cited_before(journeys):
    before = ["Who raised the question of grain prices with parliament?"]
    assert top(journeys.ask(before[0])) == "Visit of Governor Alric Sandemo to the capital"
    answer = journeys.ask("When was that?", history=before)
    assert top(answer) == "Visit of Governor Alric Sandemo to the capital"
    assert answer.citations[0].hit.record.date.start == date(1951, 4, 12)


def test_a_shift_in_time_counts_from_the_record_cited_when_the_question_before_named_no_dates(journeys):
    before = ["When did the minister discuss fishing rights with the Portuguese?"]
    assert top(journeys.ask(before[0])) == JOURNEYS[0][1]
    r = journeys.retrieve("And a year later?", history=before)
    assert (r.date_from, r.date_to) == (date(1952, 1, 1), date(1952, 12, 31))
    assert top(r.answer(5)) == JOURNEYS[7][1]


def test_a_follow_up_with_its_own_dates_keeps_them(journeys):
    before = ["Where did Minister Varnholt go in April 1951?"]
    r = journeys.retrieve("And what did she do next in September 1951?", history=before)
    assert (r.date_from, r.date_to) == (date(1951, 9, 1), date(1951, 9, 30))
    assert top(r.answer(5)) == JOURNEYS[3][1]


def test_a_standalone_question_is_not_moved(journeys):
    r = journeys.retrieve("Which journeys came after the harbour report?")
    assert r.date_from is None and r.date_to is None


def test_rows_are_put_in_order_of_nearness_one_way_from_a_record():
    from types import SimpleNamespace

    import numpy as np

    from qa.followup import by_nearness

    days = np.array(["1951-03-02", "1951-06-05", "1951-04-10", "1952-08-03"], dtype="datetime64[D]")
    anchor = SimpleNamespace(date=SimpleNamespace(start=date(1951, 5, 1), end=date(1951, 5, 1)))
    assert by_nearness(days, days, np.array([3, 1, 2, 0]), anchor, 1).tolist() == [2, 1, 0, 3]
    assert by_nearness(days, days, np.array([0, 2]), anchor, -1).tolist() == [2, 0]


@pytest.fixture(scope="module")
def companions(tmp_path_factory, embedder):
    """The journeys, and a deputy's record of the minister's stop in Madrid, a day after hers."""
    extra = [("April 11, 1951", "Journey of Deputy Minister Lars Ekholt to Spain (Madrid)",
              "Accompanied Minister Edda Varnholt to the trade fair in Madrid.")]
    return made_up_archive(tmp_path_factory.mktemp("companions"), JOURNEYS + extra, embedder)


def test_a_move_named_by_where_it_starts_does_not_answer_with_another_record_there(companions):
    before = ["Where did Minister Varnholt open a trade fair?"]
    assert top(companions.ask(before[0])) == JOURNEYS[1][1]
    # the deputy's day in Madrid is the nearest later record and names her, but Madrid is where she was
    answer = companions.ask("And after Madrid, where did she go?", history=before)
    assert top(answer) == JOURNEYS[2][1]
    assert "Journey of Deputy Minister Lars Ekholt to Spain (Madrid)" not in [
        c.hit.record.title for c in answer.citations]


@pytest.mark.parametrize("before, text, given", [
    ("Where did Minister Varnholt open a trade fair?", "Which other journeys did she make?", 1),
    ("Where did Minister Varnholt open a trade fair?", "Did she go anywhere other than that?", 1),
    ("Where did Minister Varnholt open a trade fair?", "Anything else from that year?", 1),
    ("Where did Minister Varnholt open a trade fair?", "Any others from 1951?", 1),
    ("Where did Minister Varnholt open a trade fair?", "Where else did she go?", 1),
    ("Which minister negotiated a ferry treaty?", "Who else signed an agreement?", 5)])
def test_a_follow_up_asking_for_others_leaves_the_records_already_given(journeys, before, text, given):
    assert top(journeys.ask(before)) == JOURNEYS[given][1]
    answer = journeys.ask(text, history=[before])
    assert answer.found and JOURNEYS[given][1] not in [c.hit.record.title for c in answer.citations]


@pytest.mark.parametrize("text", ["What else did she do there?", "Did she do anything else there?",
                                  "Did she sign anything else on that journey?"])
def test_what_else_may_be_answered_by_the_same_record(journeys, text):
    before = ["Where did Minister Varnholt open a trade fair?"]
    answer = journeys.ask(text, history=before)
    assert top(answer) == JOURNEYS[1][1]


def test_the_words_naming_where_a_move_starts_end_with_their_last_content_word():
    from qa.followup import without_words, word_runs

    assert [run for run, _ in word_runs("Madrid where did she go")] == ["Madrid where did she go", "Madrid"]
    assert word_runs("her trade fair in Madrid")[0][0] == "her trade fair in Madrid"
    order = find_order("Did Madrid's delegation meet her after Madrid?")
    assert without_words(order.rest, "Madrid", order.at) == "Did Madrid's delegation meet her?"


def test_a_move_named_by_words_all_her_journeys_hold_keeps_her_journeys(journeys):
    before = ["Where did Minister Varnholt open a trade fair?"]
    assert top(journeys.ask("And after her journey, where did she go?", history=before)) == JOURNEYS[2][1]
    assert top(journeys.ask("Where did she go after her trade fair in Madrid?", history=before)) == JOURNEYS[2][1]


def test_a_move_from_a_stop_the_earlier_answer_did_not_cite_starts_from_that_stop_of_the_thread(journeys):
    before = ["Where did Minister Varnholt open a trade fair?"]
    assert [c.hit.record.title for c in journeys.ask(before[0]).citations] == [JOURNEYS[1][1]]
    # Rome was not cited: the record of her thread that names it, nearest the one cited, is where the move starts
    assert top(journeys.ask("And after Rome, where did she go?", history=before)) == JOURNEYS[3][1]
    # from Madrid, "before" would be Lisbon; from Lisbon, her first journey, nothing of hers comes before
    assert not journeys.ask("Where was she before Lisbon?", history=before).found


# A minister who went back to the same city: the return is most like the first visit, but not the next journey.
RETURNS = [
    ("April 10, 1951", "Journey of Minister Edda Varnholt to Spain (Madrid)",
     "Minister Varnholt opened a trade fair in Madrid and signed a cultural agreement with Spain."),
    ("June 5, 1951", "Journey of Minister Edda Varnholt to Italy (Rome)",
     "Minister Varnholt met the Italian foreign minister on refugee resettlement."),
    ("May 3, 1953", "Journey of Minister Edda Varnholt to Spain (Madrid)",
     "Minister Varnholt returned to Madrid for the trade fair and renewed the cultural agreement with Spain."),
    ("July 15, 1951", "Journey of Minister Tomas Quirling to Finland (Helsinki)",
     "Minister Quirling inspected a timber port and met trade unionists."),
    ("May 20, 1951", "Journey of Minister Edda Lindqvist to France (Paris)",  # her titles begin as far as "Edda"
     "Minister Lindqvist signed a fisheries protocol in Paris."),
    ("May 1, 1951", "Journey of Minister Tomas Quirling to Norway (Oslo)",  # his titles share "... to Norway ("
     "Minister Quirling attended a conference on whaling quotas."),
    ("August 3, 1952", "Journey of Minister Tomas Quirling to Norway (Bergen)",
     "Minister Quirling visited the fisheries school."),
]


@pytest.fixture(scope="module")
def returns(tmp_path_factory, embedder):
    return made_up_archive(tmp_path_factory.mktemp("returns"), RETURNS, embedder)


def test_a_move_in_order_answers_with_the_nearest_record_that_answers_first(returns):
    # the series is her journeys, headed "Journey of Minister Edda Varnholt to": where she went, not Madrid again,
    # nor another minister's journey however near
    before = ["When did Minister Varnholt open the trade fair in Madrid in 1951?"]
    assert top(returns.ask(before[0])) == RETURNS[0][1]
    for text in ("Where did she go next?", "Where did she go from there?"):
        answer = returns.ask(text, history=before)
        assert top(answer) == RETURNS[1][1], [c.hit.record.date.text for c in answer.citations]


def test_a_series_is_headed_by_whole_names(returns):
    from qa.followup import series

    index = returns.current
    rows = {r.date.text: i for i, r in enumerate(index.records)}
    every = tuple(rows.values())  # the records most like it: in so small a collection, all of them
    record = index.records[rows["April 10, 1951"]]
    head, kin = series(index, record, date(1951, 4, 10), None, frozenset([rows["April 10, 1951"]]), every)
    assert head == "Journey of Minister Edda Varnholt to"
    assert sorted(index.records[r].date.text for r in kin) == ["June 5, 1951", "May 3, 1953"]
    # Lindqvist's title begins as hers does only inside a name, and "Journey of" names no one: no series
    lindqvist = index.records[rows["May 20, 1951"]]
    assert series(index, lindqvist, date(1951, 5, 20), None, frozenset([rows["May 20, 1951"]]), every) == ("", [])


def test_a_period_alone_after_a_question_with_a_topic_keeps_the_topic(journeys):
    before = ["Where did Minister Varnholt go in April 1951?"]
    answer = journeys.ask("And in June 1951?", history=before)
    assert top(answer) == JOURNEYS[2][1]  # hers, not the other minister's of that month
    assert all("Varnholt" in c.hit.record.title for c in answer.citations)
    # ... and after a run of bare periods, the last question before them with a topic
    chain = [*before, "And in September 1951?"]
    answer = journeys.ask("And in June 1951?", history=chain)
    assert top(answer) == JOURNEYS[2][1]
    assert all("Varnholt" in c.hit.record.title for c in answer.citations)



def test_a_series_head_ends_after_the_name_not_on_the_place(returns):
    from qa.followup import series

    index = returns.current
    rows = {r.date.text: i for i, r in enumerate(index.records)}
    every = tuple(rows.values())
    # Quirling's return to Norway shares more of his title than his journey to Finland: the head ends after his name
    oslo = rows["May 1, 1951"]
    head, kin = series(index, index.records[oslo], date(1951, 5, 1), None, frozenset([oslo]), every)
    assert head == "Journey of Minister Tomas Quirling to"
    assert sorted(index.records[r].date.text for r in kin) == ["August 3, 1952", "July 15, 1951"]
    before = ["When did Minister Quirling attend the whaling conference?"]
    assert top(returns.ask("Where did he go next?", history=before)) == RETURNS[3][1]  # Finland, not Norway again


def test_a_period_asked_for_others_lists_the_period_without_the_records_given(journeys):
    before = ["Where did Minister Varnholt go in April 1951?"]
    given = {c.hit.record.title for c in journeys.ask(before[0]).citations}
    answer = journeys.ask("Any other records from April 1951?", history=before)
    assert answer.found and not given & {c.hit.record.title for c in answer.citations}
    assert "Visit of Governor Alric Sandemo to the capital" in {c.hit.record.title for c in answer.citations}


def test_others_from_that_month_are_of_the_month_of_the_record_the_answer_led_with(journeys):
    before = ["Where did Minister Varnholt open a trade fair?"]  # her Madrid journey, April 10, 1951
    r = journeys.retrieve("Anything else from that month?", history=before)
    assert (r.date_from, r.date_to) == (date(1951, 4, 1), date(1951, 4, 30))
    titles = [c.hit.record.title for c in r.answer(5).citations]
    assert JOURNEYS[1][1] not in titles and "Visit of Governor Alric Sandemo to the capital" in titles


@pytest.mark.parametrize("text, kept", [("What did she sign that day?", True), ("What did she sign that same day?", True),
                                        ("What else did she do that day?", False)])
def test_that_day_may_be_answered_by_the_record_the_answer_led_with_unless_asked_for_else(journeys, text, kept):
    """"that day" is the time of the record the answer before led with: that record may answer it ("What did
    she sign that day?"), unless something else is asked for."""
    before = ["Where did Minister Varnholt open a trade fair?"]  # her Madrid journey, April 10, 1951
    r = journeys.retrieve(text, history=before)
    assert (r.date_from, r.date_to) == (date(1951, 4, 10), date(1951, 4, 10))
    titles = [c.hit.record.title for c in r.answer(5).citations]
    assert (JOURNEYS[1][1] in titles) is kept


def test_that_same_week_is_the_answers_week_not_the_period_asked_about(journeys):
    before = ["Where did Minister Varnholt go in April 1951?"]  # the month: her Madrid journey on the 10th
    r = journeys.retrieve("Who presented a petition that same week?", history=before)
    assert (r.date_from, r.date_to) == (date(1951, 4, 7), date(1951, 4, 13))
    assert top(r.answer(10)) == "Visit of Governor Alric Sandemo to the capital"


@pytest.mark.parametrize("text, asked", [
    ("What is the next document in the collection?", 1),
    ("And the record before that one?", 1),
    ("What's the next document after that decision?", 1),   # "that decision" names the record moved from
    ("List the documents before that decision", 5),          # several: up to as many as the caller allows
    ("Show me the three documents after that", 3),
    ("And the 2 records before it?", 2),
    ("Give me the ten documents after it", 5),
    ("What's the next document in the series?", 1),
    ("What was the record right before that meeting?", 1),
    ("What did he do next?", 0),                             # someone's next: their series
    ("Which record of her journeys came next?", 0),          # a topic of its own
    ("Where did she go next?", 0),
    ("What is the next document on this topic?", 0),         # "this topic", "that embassy", "it": a topic
    ("What's the next document from that embassy?", 0),
    ("Are there later documents about it?", 0),
    ("Which documents mentioned it after that?", 0),
])
def test_a_move_to_the_next_record_whatever_it_holds_is_told_by_its_words(text, asked):
    from qa.followup import browses

    assert find_order(text) is not None
    assert browses(text, several=5) == asked


def test_records_of_one_day_are_one_after_the_other_never_both_next():
    import numpy as np

    from qa.followup import adjacent

    starts = np.array(["1951-04-10", "1951-04-10", "1951-04-10", "1951-03-02", "NaT", "1951-05-01"],
                      dtype="datetime64[D]")
    assert adjacent(starts, 1, 1, 5) == [2, 5]           # the same day's later row, then the next day
    assert adjacent(starts, 1, -1, 5) == [0, 3]          # the same day's earlier row, then the day before
    assert adjacent(starts, 1, 1, 5, frozenset({2})) == [5]  # the records of the event moved from left out
    assert adjacent(starts, 4, 1, 5) == []               # an undated record has no neighbours in time


def test_the_next_document_is_the_collections_nearest_record_that_way_whatever_it_is_about(journeys):
    before = ["Where did Minister Varnholt go in April 1951?"]
    assert top(journeys.ask(before[0])) == "Journey of Minister Edda Varnholt to Spain (Madrid)"
    # the next record of the collection is the governor's visit two days on, which is none of hers
    answer = journeys.ask("What is the next document in the collection?", history=before)
    assert [c.hit.record.title for c in answer.citations] == ["Visit of Governor Alric Sandemo to the capital"]
    assert -1.0 <= answer.citations[0].hit.score <= 1.0  # its cosine to the question
    answer = journeys.ask("And the document before that one?", history=before)
    assert [c.hit.record.title for c in answer.citations] == [JOURNEYS[0][1]]
    # several, asked for as a list: the nearest ones that way, shown in date order
    answer = journeys.ask("List the documents after that", history=before)
    assert [c.hit.record.date.start for c in answer.citations] == sorted(
        c.hit.record.date.start for c in answer.citations)
    assert [c.hit.record.title for c in answer.citations][:2] == [
        "Visit of Governor Alric Sandemo to the capital", "Journey of Minister Tomas Quirling to Norway (Oslo)"]
    assert "Journey of Minister Edda Varnholt to Spain (Madrid)" not in [c.hit.record.title for c in answer.citations]
    # a filter given with the question holds: the next records within it, or none
    answer = journeys.ask("List the documents after that", history=before, date_from=date(1951, 6, 1),
                          date_to=date(1951, 6, 30))
    assert [c.hit.record.date.start for c in answer.citations] == [date(1951, 6, 1), date(1951, 6, 5)]


# Untitled records (cited as "[Untitled]"): a move from one follows its summary, not the title all of them share.
UNTITLED = [
    ("March 1, 1960", None, "Minister Varnholt inspected the naval dockyards at Kiel and their dry docks."),
    ("March 4, 1960", None, "The harbour board raised the dock fees for grain barges."),
    ("March 9, 1960", None, "The weather office reported floods along the lower river."),
    ("April 2, 1960", None, "Minister Varnholt inspected the naval dockyards at Bremen and their dry docks."),
    ("March 6, 1960", "Report on grain prices", "Grain prices rose for the third month running."),
]


@pytest.fixture(scope="module")
def untitled(tmp_path_factory, embedder):
    return made_up_archive(tmp_path_factory.mktemp("untitled"), UNTITLED, embedder)


def test_a_move_from_an_untitled_record_follows_its_summary_not_the_title_untitled_records_share(untitled):
    before = ["Which naval dockyards did the minister inspect at Kiel?"]
    first = untitled.ask(before[0])
    assert first.citations[0].hit.record.untitled and "Kiel" in first.citations[0].hit.record.summary
    after = untitled.ask("And after that?", history=before)
    assert after.found and "Bremen" in after.citations[0].hit.record.summary, after.text


def test_a_move_starts_from_the_cited_record_whose_title_holds_the_earlier_questions_names():
    """"When did Minister Varnholt open a trade fair?" may cite first a record of someone else that mentions her
    (a governor's visit she attended) before her own journey: a move ("Where did she go next?") starts from hers."""
    from qa.dates import parse_date
    from qa.followup import Earlier
    from qa.query import Name
    from qa.records import Record, record_id
    from qa.retrieve import Hit

    def hit(row, when, title, summary):
        return Hit(Record(record_id(when, title, summary), parse_date(when), title, summary, "f.jsonl", row + 1),
                   0.5, row + 1, row=row)

    governor = hit(0, "April 12, 1951", "Visit of Governor Alric Sandemo to Madrid",
                   "Governor Sandemo opened a trade fair with Minister Varnholt.")
    hers = hit(1, "April 10, 1951", "Journey of Minister Edda Varnholt to Spain (Madrid)",
               "Minister Varnholt opened a trade fair.")
    varnholt = Name("Varnholt", (frozenset({"varnholt"}),), True)
    assert Earlier((governor, hers), 2, (varnholt,)).first is hers
    assert Earlier((governor, hers), 2).first is governor       # the earlier question named no one: as cited
    assert Earlier((governor, hers), 1, (varnholt,)).first is governor  # only what it cited


def test_others_on_the_same_event_are_asked_of_its_record(journeys):
    """"other" of what the earlier answer's record holds ("on that trip") does not leave that record out."""
    before = ["Where did Minister Varnholt open a trade fair?"]
    assert top(journeys.ask(before[0])) == JOURNEYS[1][1]
    answer = journeys.ask("What other agreement did she sign on that trip?", history=before)
    assert top(answer) == JOURNEYS[1][1]


def test_a_moves_verb_of_going_is_not_its_topic(tmp_path, embedder):
    """"Where did she head next?": "head" is the move, not a "head of the delegation" in another record."""
    rows = JOURNEYS + [("May 20, 1951", "Visit of a trade delegation to the capital",
                        "The head of the delegation met the head of the chamber of commerce.")]
    archive = made_up_archive(tmp_path, rows, embedder)
    before = ["Where did Minister Varnholt open a trade fair?"]
    assert top(archive.ask(before[0])) == JOURNEYS[1][1]
    assert top(archive.ask("Where did she head next?", history=before)) == JOURNEYS[2][1]


@pytest.mark.parametrize("text, left", [
    ("Where did he head", "Where did he"), ("Where was she heading", "Where was she"),
    ("what about her visit", "what about her"),                     # the thread's title says it already
    ("Who was the head of the mission", "Who was the head of the mission"),  # a noun: the topic
    ("Who did she meet", "Who did she meet"),                       # what is asked
])
def test_a_moves_verbs_of_going_on_are_taken_out_only_as_verbs(text, left):
    from qa.followup import _going_out

    assert _going_out(text) == left


@pytest.mark.parametrize("text", ["Who else visited the capital that same week?",
                                  "Did anyone else visit the capital two days later?"])
def test_others_in_a_time_given_from_the_answer_before_are_of_that_time(journeys, text):
    """"Who else ... that same week?": the others of the week the answer before gave, not of any time."""
    before = ["Where did Minister Varnholt open a trade fair?"]  # her Madrid journey, April 10, 1951
    assert top(journeys.ask(before[0])) == JOURNEYS[1][1]
    r = journeys.retrieve(text, history=before)
    assert (r.date_from, r.date_to) == ((date(1951, 4, 7), date(1951, 4, 13)) if "same" in text else
                                        (date(1951, 4, 12), date(1951, 4, 12)))
    answer = r.answer(10)
    assert top(answer) == "Visit of Governor Alric Sandemo to the capital"
    assert JOURNEYS[1][1] not in [c.hit.record.title for c in answer.citations]


@pytest.mark.parametrize("text, points", [
    ("Who else went there that year?", True), ("Who else was there that year?", True),
    ("Did anyone else go there?", True),
    ("Is there anything else?", False), ("Was there anyone else?", False),   # "there" saying that something is
    ("Has there been another?", False), ("Were there others?", False),
    ("Where else did he go from there?", False)])                           # the place left, not the place
def test_others_there_points_at_a_place_said_before(text, points):
    from qa.followup import others_there

    assert others_there(text) is points


# Varnholt's Madrid, Rome and Athens journeys of 1951, two journeys of Quirling's to Spain, and his to Oslo.
VISITS = [*JOURNEYS[1:4],
          ("October 2, 1951", "Journey of Minister Tomas Quirling to Spain (Madrid)",
           "Minister Quirling negotiated a fisheries agreement with the Spanish government."),
          ("March 3, 1953", "Journey of Minister Tomas Quirling to Spain (Seville)",
           "Minister Quirling visited the port of Seville."),
          JOURNEYS[4]]


def test_others_there_are_of_the_place_not_of_the_one_who_went(tmp_path, embedder):
    """"Who else went there that year?": others in the place the question before named, that year; not the
    traveller's other journeys of that year."""
    archive = made_up_archive(tmp_path, VISITS, embedder)
    before = ["When did Minister Varnholt go to Spain?"]
    assert top(archive.ask(before[0])) == VISITS[0][1]
    r = archive.retrieve("Who else went there that year?", history=before)
    assert [n.text for n in r.query.context] == ["Spain"]
    assert (r.date_from, r.date_to) == (date(1951, 1, 1), date(1951, 12, 31))
    assert top(r.answer(3)) == VISITS[3][1]


@pytest.mark.parametrize("text, period, expected", [
    ("Where did she go later that year?", (date(1951, 6, 5), date(1951, 12, 31)), 3),   # Athens, not Ankara 1952
    ("Had she been anywhere earlier in that year?", (date(1951, 1, 1), date(1951, 6, 5)), 1),     # Madrid
    ("Was there an earlier journey of hers that year?", (date(1951, 1, 1), date(1951, 6, 5)), 1),
])
def test_a_move_within_that_year_stays_in_it(journeys, text, period, expected):
    """"later that year", "an earlier journey that year": a move from the record the answer led with, within the
    time of that record, nearest first; not that whole year, nor beyond it."""
    before = ["Where did Minister Varnholt go in June 1951?"]
    assert top(journeys.ask(before[0])) == JOURNEYS[2][1]  # Rome, June 5
    r = journeys.retrieve(text, history=before)
    assert (r.date_from, r.date_to) == period
    assert top(r.answer(3)) == JOURNEYS[expected][1]


def test_others_later_that_year_are_of_the_rest_of_that_year(journeys):
    before = ["Where did Minister Varnholt open a trade fair?"]  # Madrid, April 10, 1951
    r = journeys.retrieve("Who else travelled later that year?", history=before)
    assert (r.date_from, r.date_to) == (date(1951, 4, 10), date(1951, 12, 31))


@pytest.mark.parametrize("text, period", [
    ("Where did she go after that year?", (date(1951, 6, 5), None)),      # past it, as "after that": not cut to it
    ("Where had she been before that year?", (None, date(1951, 6, 5))),
    ("Where did she go after Madrid that year?", (date(1951, 4, 10), date(1951, 12, 31))),  # Madrid's year
])
def test_a_move_past_that_year_or_from_a_named_record_is_not_cut_to_the_wrong_time(journeys, text, period):
    before = ["Where did Minister Varnholt go in June 1951?"]  # Rome, June 5
    r = journeys.retrieve(text, history=before)
    assert (r.date_from, r.date_to) == period
