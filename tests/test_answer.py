"""The answer composer is a pure function: tested on hand-made weighed hits, no model."""

import re
from dataclasses import replace
from datetime import date

from qa.answer import MAX_LIST, compose, extreme_first, quote
from qa.dates import parse_date
from qa.records import Record, record_id
from qa.retrieve import Hit
from qa.support import ANSWER, CITE, CITE_LIST, Evidence, answerable

STAMP = {"records": 3, "model": "m", "corpus_sha256": "abc", "built_at": "2026-01-01T00:00:00+00:00"}
EV = Evidence(0.5, 0.0, 1.0, 1.0, 1.0, 1.0)  # what the composer reads is the probability, not the evidence


def rec(date_text: str, title: str, summary: str) -> Record:
    return Record(record_id(date_text, title, summary), parse_date(date_text), title, summary, "f.txt", 1)


A = rec("October 29, 1947", "Telegram No. 418 from Vyshinsky",
        "Vyshinsky outlines the amendment that the US has introduced regarding the Korean question. Moreover, "
        "Vyshinsky asserts the plan to object to the amendment.")
B = rec("April 12, 1948", "Protocol No. 61", "Memorandum postponing the geological prospecting for uranium.")
C = rec("n.d.", "Undated memo", "A memo about railways. It asks for engineers.")
D = rec("October 29, 1947", "Telegram No. 423, Vyshinsky to Cde. Molotov",
        "Vyshinsky outlines the amendment that the US has introduced regarding the Korean question.")
V = rec("May 12, 1947", "Cable No. 121973",
        "A request from V. Molotov to Cde. Stalin for engineers. Gen. Shtykov agrees.")
SHORT = rec("February 7, 1985", "Visit of King Fahd (Saudi Arabia) to the United States", "State Visit.")


def weighed(*pairs, cosine: float = 0.6, spelled: float = 1.0):
    """Hits in the order given, each with its probability of supporting the answer (and spelled: how far each
    holds the question's names in some spelling, all of them names the collection uses)."""
    ev = Evidence(**{**EV.__dict__, "spelled": spelled, "spelled_known": spelled})
    return [Hit(r, cosine, i, support=p, evidence=ev) for i, (r, p) in enumerate(pairs, start=1)]


def test_every_line_is_led_by_its_date_quotes_its_record_and_carries_its_citation():
    ans = compose("Why did Vyshinsky object to the amendment?", weighed((A, 0.9), (B, 0.6)), k=5, index=STAMP,
                  terms=["vyshinsky", "object", "amendment"])
    assert ans.found
    lines = ans.text.splitlines()
    assert lines[0] == "October 29, 1947: Moreover, Vyshinsky asserts the plan to object to the amendment. [1]"
    assert lines[1] == "April 12, 1948: Memorandum postponing the geological prospecting for uranium. [2]"
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", ans.text)}
    assert cited == {c.n for c in ans.citations} == {1, 2}
    for c in ans.citations:  # composed only from the records: what is quoted is in its record
        assert c.quote in c.hit.record.summary


def test_only_records_likely_to_support_the_answer_are_cited_in_the_order_given():
    ans = compose("q", weighed((B, 0.95), (A, CITE), (C, CITE - 0.01)), k=5, index=STAMP)
    assert [c.hit.record for c in ans.citations] == [B, A]
    assert [c.relevance for c in ans.citations] == [0.95, round(CITE, 2)]
    assert len(compose("q", weighed((B, 0.9), (A, 0.8), (C, 0.7)), k=2, index=STAMP).citations) == 2


def test_records_likely_to_answer_beyond_the_number_cited_are_counted_not_dropped_silently():
    ans = compose("When did he come?", weighed((B, 0.9), (A, 0.8), (C, 0.7), (D, 0.1)), k=1, index=STAMP)
    assert len(ans.citations) == 1
    assert ans.text.splitlines()[-1] == ("At least 2 more records likely to answer are not cited here, which "
                                         "cites at most 1: ask for more, or for a list.")
    assert "more record" not in compose("q", weighed((B, 0.9), (D, 0.1)), k=1, index=STAMP).text
    listed = compose("Which records?", weighed((B, 0.9), (A, 0.8), (C, 0.7)), k=1, index=STAMP, chronological=True)
    assert len(listed.citations) == 3 and "more record" not in listed.text  # a list cites every one
    # a question for the first or the next record asks for one
    for asked in ({"order": -1}, {"move": 1}):
        one = compose("When did he first come?", weighed((B, 0.9), (A, 0.8)), k=1, index=STAMP, **asked)
        assert len(one.citations) == 1 and "more record" not in one.text
    many = [rec(f"{1900 + i}", f"T{i}", f"Summary number {i}.") for i in range(MAX_LIST + 2)]
    capped = compose("Which records?", weighed(*[(r, 0.9) for r in many]), k=5, index=STAMP, chronological=True)
    assert capped.text.splitlines()[-1] == (f"At least 2 more records likely to answer are not listed here, which "
                                            f"lists at most {MAX_LIST}: narrow the question, by a period for "
                                            "instance.")


def test_a_question_asking_for_a_list_cites_from_a_lower_bar():
    assert CITE_LIST < CITE
    between = (CITE + CITE_LIST) / 2
    hits = weighed((B, 0.9), (A, between), (D, CITE_LIST - 0.01))
    listed = compose("Which records mention uranium?", hits, k=5, index=STAMP, chronological=True)
    assert [c.hit.record for c in listed.citations] == [A, B]  # in date order
    fact = compose("What was postponed?", hits, k=5, index=STAMP)
    assert [c.hit.record for c in fact.citations] == [B]


def test_a_likely_answered_question_whose_best_record_falls_short_cites_that_record_alone_if_it_names_any():
    hits = weighed((A, CITE - 0.1), (B, 0.2))
    assert answerable(hits) >= ANSWER
    ans = compose("What did Vyshinsky report?", hits, k=5, index=STAMP, named=True)
    assert ans.found and [c.hit.record for c in ans.citations] == [A]
    # tied to the collection by its wording alone ("Recipes for traditional kimchi"): the citing bar holds
    alone = compose("Recipes for traditional kimchi", hits, k=5, index=STAMP)
    assert not alone.found and [h.record for h in alone.closest] == [A, B]


def test_a_question_whose_names_no_record_holds_together_is_not_answered_even_by_a_likely_record():
    hits = weighed((A, CITE + 0.05), (B, 0.3), spelled=0.0)  # "Did Vyshinsky go to Havana?": Vyshinsky only
    assert answerable(hits) < ANSWER
    assert not compose("q", hits, k=5, index=STAMP).found
    assert compose("q", weighed((A, CITE + 0.05), (B, 0.3)), k=5, index=STAMP).found  # one holds both


def test_nothing_likely_enough_says_so_and_shows_the_closest_for_reference():
    ans = compose("the 1953 armistice", weighed((A, 0.3), (B, 0.2), (C, 0.1), (D, 0.05), spelled=0.0), k=5,
                  index=STAMP)
    assert not ans.found and ans.citations == []
    assert ans.text == ("The archive holds no record that answers this question. The closest records are listed "
                        "below for reference; they do not answer it.")
    j = ans.to_json()
    assert j["found"] is False and j["citations"] == []
    assert [c["id"] for c in j["closest"]] == [A.id, B.id, C.id]
    assert [c["score"] for c in j["closest"]] == [0.3, 0.2, 0.1]  # in the order shown, highest first
    assert compose("x", [], k=5, index=STAMP).text == "The archive holds no record that answers this question."


def test_a_name_the_collection_never_uses_is_said_plainly():
    # no record spells a name the collection never uses
    ans = compose("What did Potsdam decide?", weighed((A, 0.2), spelled=0.0), k=5, index=STAMP,
                  missing_names=["Potsdam"])
    assert not ans.found and "No record mentions Potsdam." in ans.text
    ans = compose("What did Vyshinsky say at Potsdam?", weighed((A, 0.9)), k=5, index=STAMP,
                  missing_names=["Potsdam"])
    assert ans.found and ans.text.splitlines()[-1] == ("No record mentions Potsdam: the records cited match the "
                                                       "rest of the question.")
    listed = compose("What did Potsdam decide in 1947?", weighed((A, 0.9)), k=5, index=STAMP, listing=True,
                     date_from=date(1947, 1, 1), date_to=date(1947, 12, 31), missing_names=["Potsdam"])
    assert listed.text.splitlines()[-1] == "No record mentions Potsdam."  # a period's records: nothing matched


def test_a_rare_name_no_cited_record_holds_is_said_under_the_answer():
    from qa.query import Name

    def name(text: str, known: bool = True) -> Name:
        return Name(text, (frozenset(t.lower() for t in text.split()),), known)

    rare = frozenset({"Vyshinsky", "Geneva", "Bern", "Cuban", "UN", "Andrei Vyshinsky", "Ivan Vyshinsky",
                      "North Korean", "US"})
    # Vyshinsky's telegram answers for Vyshinsky, not for Geneva, which a few other records of the collection hold
    ans = compose("Did Vyshinsky cable from Geneva?", weighed((A, 0.9)), k=5, index=STAMP,
                  names=[name("Vyshinsky"), name("Geneva")], rare=rare)
    assert ans.found and ans.text.splitlines()[-1] == "None of the records cited mentions Geneva by that name."
    both = compose("Did Vyshinsky cable from Geneva or Bern?", weighed((A, 0.9)), k=5, index=STAMP,
                   names=[name("Vyshinsky"), name("Geneva"), name("Bern")], rare=rare)
    assert both.text.splitlines()[-1] == "None of the records cited mentions Geneva or Bern by that name."
    for question, names in [
            ("Did Vyshinsky cable?", [name("Vyshinsky")]),                             # held
            ("Did Andrei Vyshinsky cable to the US?", [name("Andrei Vyshinsky"), name("US")]),  # by its last word
            ("Did Vyshinsky cable from Yalta?", [name("Vyshinsky"), name("Yalta", known=False)]),  # said otherwise
            ("Did Vyshinsky cable from Washington?", [name("Vyshinsky"), name("Washington")]),  # held by many
            ("Which Cuban officials did Vyshinsky meet?", [name("Cuban"), name("Vyshinsky")]),  # before its noun
            ("Which UN delegates did Vyshinsky meet?", [name("UN"), name("Vyshinsky")]),
            ("Did Molotov cable from Geneva?", [name("Molotov"), name("Geneva")])]:  # nothing it names is held
        assert "None of the records" not in compose(question, weighed((A, 0.9)), k=5, index=STAMP, names=names,
                                                    rare=rare).text, question
    # a name's last word is not it when another name's word comes before it there, nor after a word of direction
    other = rec("October 30, 1947", "Telegram from Cde. Molotov", "Molotov relays what Ivan Vyshinsky said.")
    rare |= {"Molotov"}
    ans = compose("Did Molotov quote Andrei Vyshinsky?", weighed((other, 0.9)), k=5, index=STAMP,
                  names=[name("Molotov"), name("Andrei Vyshinsky")], rare=rare)
    assert ans.text.splitlines()[-1] == "None of the records cited mentions Andrei Vyshinsky by that name."
    ans = compose("Did Vyshinsky discuss North Korean affairs?", weighed((A, 0.9)), k=5, index=STAMP,
                  names=[name("Vyshinsky"), name("North Korean")], rare=rare)
    assert ans.text.splitlines()[-1] == "None of the records cited mentions North Korean by that name."
    # a title or a form of address before the last word leaves the name the same one; another given name does not
    titled = rec("October 31, 1947", "Telegram from Cde. Molotov", "Molotov relays what Mr. Vyshinsky said.")
    for asked, said in [("Andrei Vyshinsky", True), ("Ivan Vyshinsky", True), ("Andrei Molotov", False)]:
        ans = compose(f"Did Molotov quote {asked}?", weighed((titled if said else other, 0.9)), k=5, index=STAMP,
                      names=[name("Molotov"), name(asked)], rare=rare | {asked})
        assert ("None of the records" not in ans.text) is said, (asked, ans.text)


def test_a_person_and_a_place_no_record_joins_are_refused_with_both_named():
    """qa/retrieve.py apart() found no record naming both: nothing is cited, whatever the support, and the
    answer says which two no record joins (the period's when the question gave one)."""
    ans = compose("Did Vyshinsky cable from Geneva?", weighed((A, 0.95)), k=5, index=STAMP,
                  apart=("Vyshinsky", "Geneva"))
    assert not ans.found and not ans.citations and ans.closest, ans.text
    assert "No record names Vyshinsky together with Geneva." in ans.text
    dated = compose("Did Vyshinsky cable from Geneva in 1947?", weighed((A, 0.95)), k=5, index=STAMP,
                    apart=("Vyshinsky", "Geneva"), date_from=date(1947, 1, 1), date_to=date(1947, 12, 31))
    assert "No record of that period names Vyshinsky together with Geneva." in dated.text


def test_records_quoting_the_same_passage_on_the_same_day_share_one_line():
    ans = compose("What amendment did the US introduce?", weighed((A, 0.9), (D, 0.85)), k=5, index=STAMP,
                  terms=["amendment", "us", "introduc"])
    assert ans.text == ("October 29, 1947: Vyshinsky outlines the amendment that the US has introduced regarding "
                        "the Korean question. [1][2]")
    assert len(ans.citations) == 2


def test_the_json_contract_shows_one_relevance_the_probability():
    ans = compose("uranium", weighed((B, 0.876)), k=3, index=STAMP, terms=["uranium"]).to_json()
    assert set(ans) == {"question", "answer", "found", "citations", "index"}
    assert ans["citations"] == [{"n": 1, "id": B.id, "date": "April 12, 1948", "iso_date": "1948-04-12",
                                 "title": "Protocol No. 61", "summary": B.summary, "quote": B.summary,
                                 "score": 0.88, "cosine": 0.6}]
    assert ans["index"] == STAMP


def test_a_periods_listing_cites_every_record_given_in_date_order_without_a_relevance():
    hits = [Hit(r, 0.0, i, row=i) for i, r in enumerate([A, B], start=1)]  # never weighed: no evidence
    ans = compose("What documents are from 1947-1948?", hits, k=5, index=STAMP, listing=True,
                  date_from=date(1947, 1, 1), date_to=date(1948, 12, 31))
    assert ans.found and [c.hit.record for c in ans.citations] == [A, B]
    assert ans.text.splitlines()[0] == "Records dated between 1947-01-01 and 1948-12-31, in date order:"
    assert [c.relevance for c in ans.citations] == [None, None]


def test_a_lists_records_of_no_office_it_asks_for_are_not_cited():
    hits = [replace(h, row=i) for i, h in enumerate(weighed((B, 0.9), (C, 0.8), (A, 0.7)))]
    off = frozenset({1})  # C's
    ans = compose("Which presidents?", hits, k=5, index=STAMP, chronological=True, off=off)
    assert [c.hit.record for c in ans.citations] == [A, B]


def test_a_list_question_cites_every_supported_record_in_date_order_up_to_the_cap():
    ans = compose("Which records?", weighed((B, 0.9), (C, 0.8), (A, 0.7), (V, 0.1)), k=1, index=STAMP,
                  chronological=True)
    assert [c.hit.record for c in ans.citations] == [A, B, C]  # dated first, undated last; k does not cap
    assert ans.text.splitlines()[0] == "3 records, in date order:"
    many = [rec(f"{1900 + i}", f"T{i}", f"Summary number {i}.") for i in range(MAX_LIST + 5)]
    assert len(compose("q", weighed(*[(r, 0.9) for r in many]), k=5, index=STAMP,
                       chronological=True).citations) == MAX_LIST


def test_undated_record_is_labelled_undated():
    ans = compose("engineers", weighed((C, 0.9)), k=5, index=STAMP, terms=["engineer"])
    assert ans.text == "Undated: It asks for engineers. [1]"
    assert ans.citations[0].label() == "[1] Undated — Undated memo"


def test_date_range_is_stated_and_returned():
    ans = compose("q", weighed((A, 0.9)), k=5, index=STAMP, date_from=date(1947, 10, 1),
                  date_to=date(1947, 10, 31))
    assert ans.text.splitlines()[0] == "Records dated between 1947-10-01 and 1947-10-31:"
    assert ans.to_json()["filters"] == {"date_from": "1947-10-01", "date_to": "1947-10-31"}
    empty = compose("q", [], k=5, index=STAMP, date_from=date(1950, 1, 1))
    assert empty.text == ("The archive holds no record dated from 1950-01-01 on that answers this question. "
                          "It holds no records at all from that time.")
    gaps = compose("q", weighed((A, 0.9)), k=5, index=STAMP, date_from=date(1947, 1, 1),
                   date_to=date(1947, 12, 31),
                   gaps=[(date(1947, 2, 1), date(1947, 3, 31)), (date(1947, 11, 1), date(1947, 11, 30))])
    assert gaps.text.endswith("The archive holds no records from February–March 1947; November 1947.")


def test_the_quote_is_whole_sentences_never_cut_at_an_initial_or_an_honorific():
    assert quote(["molotov", "engineer"], V) == "A request from V. Molotov to Cde. Stalin for engineers."
    # a short best sentence takes its neighbour, so it says more than two words
    assert quote(["shtykov", "agree"], V) == ("A request from V. Molotov to Cde. Stalin for engineers. "
                                              "Gen. Shtykov agrees.")
    assert quote([], C) == "A memo about railways."  # no word shared: the first sentence


def test_a_short_summary_is_led_by_the_title_when_the_title_answers_more():
    assert quote(["fahd", "visit"], SHORT) == "Visit of King Fahd (Saudi Arabia) to the United States: State Visit."
    assert quote(["state"], SHORT) == "State Visit."
    untitled_summary = rec("1950", "A title only", "")
    assert quote(["anything"], untitled_summary) == "A title only"


def test_citation_label_is_date_dash_title():
    ans = compose("amendment", weighed((A, 0.9)), k=5, index=STAMP)
    assert ans.citations[0].label() == "[1] October 29, 1947 — Telegram No. 418 from Vyshinsky"


def test_a_question_for_the_earliest_or_latest_puts_the_records_that_answer_in_that_time_order():
    # 1947-10, 1948-04, 1947-05, undated, 1947-10
    hits = weighed((A, 0.9), (B, 0.7), (V, CITE), (C, 0.6), (D, CITE - 0.01))
    latest = extreme_first(hits, 1)
    assert [h.record for h in latest] == [B, A, V, C, D]  # D falls short of the bar: no nearer the top
    assert [h.rank for h in latest] == [1, 2, 3, 4, 5]
    assert [h.record for h in extreme_first(hits, -1)] == [V, A, B, C, D]
    assert extreme_first(hits, 0) == hits
    lone = weighed((A, 0.9), (B, CITE - 0.01))
    assert extreme_first(lone, 1) == lone  # one record answers: nothing to order


def test_the_records_whose_titles_name_what_is_asked_come_first_then_those_only_mentioning_it():
    from qa.query import Name

    about = rec("February 21, 1972", "Travel of President Quill to Osterland", "State visit; met the premier.")
    later = rec("June 2, 1974", "Travel of President Quill to Osterland", "Second visit.")
    mention = rec("October 24, 1970", "Visit of Premier Harro (Osterland) to the United States",
                  "Met privately with President Quill.")
    names = [Name("Quill", (frozenset({"quill"}),), True), Name("Osterland", (frozenset({"osterland"}),), True)]
    hits = weighed((about, 0.8), (mention, 0.6), (later, 0.7))
    first = extreme_first(hits, -1, names)
    assert [h.record for h in first] == [about, later, mention]  # not the premier's visit that mentions him
    ans = compose("When did Quill first go to Osterland?", first, k=5, index=STAMP, order=-1)
    assert ans.text.splitlines()[0] == "3 records, earliest first of the records about it, then those mentioning it:"
    # without names, or when no title holds them all, the likely records are in date order as before
    assert [h.record for h in extreme_first(hits, -1)] == [mention, about, later]
    assert [h.record for h in extreme_first(hits, -1, names[:1] + [Name("Wend", (frozenset({"wend"}),), True)])] \
        == [mention, about, later]


def test_the_answer_says_which_comes_first():
    ans = compose("When did he last write?", extreme_first(weighed((A, 0.9), (B, 0.7)), 1), k=5, index=STAMP,
                  order=1)
    lines = ans.text.splitlines()
    assert lines[0] == "2 records, latest first:"
    assert lines[1].startswith("April 12, 1948:") and lines[2].startswith("October 29, 1947:")
    assert [c.hit.record for c in ans.citations] == [B, A]
    one = compose("When did he last write?", weighed((A, 0.9)), k=5, index=STAMP, order=1)
    assert one.text.startswith("October 29, 1947:")  # one record: no order to state
    dated = compose("q", weighed((V, 0.9), (A, 0.7)), k=5, index=STAMP, order=-1,
                    date_from=date(1947, 1, 1), date_to=date(1947, 12, 31))
    assert dated.text.splitlines()[0] == "Records dated between 1947-01-01 and 1947-12-31, earliest first:"


def test_a_period_of_one_day_is_said_as_one_date():
    from qa.answer import describe_range

    assert describe_range(date(1947, 10, 29), date(1947, 10, 29)) == "1947-10-29"
    assert describe_range(date(1947, 10, 1), date(1947, 10, 31)) == "between 1947-10-01 and 1947-10-31"


def test_a_record_coming_from_where_the_question_goes_is_not_cited():
    from qa.answer import off_direction
    from qa.query import Name

    def name(text: str) -> Name:
        return Name(text, (frozenset(t.lower() for t in text.split()),), True)

    into = rec("June 30, 1983", "Travel of Secretary of State George Shultz to Iceland (Reykjavik)", "Met officials.")
    out_of = rec("August 3, 1982", "Visit of President Vigdis Finbogadottir (Iceland) to the United States",
                 "Private visit.")
    to_molotov = D  # "Telegram No. 423, Vyshinsky to Cde. Molotov"
    from_molotov = rec("October 29, 1947", "Telegram, V. Molotov to Cde. Stalin", "Molotov reports to Stalin.")
    no_to = A  # "Telegram No. 418 from Vyshinsky": a title without "to" says nothing of it
    hits = [Hit(r, 0.6, i, support=0.9, evidence=EV, row=i)
            for i, r in enumerate([into, out_of, to_molotov, from_molotov, no_to], start=1)]
    iceland, us, molotov, vyshinsky, stalin = (name(n) for n in ("Iceland", "United States", "Molotov",
                                                                 "Vyshinsky", "Stalin"))
    # a trip to Iceland is no Icelandic visit to the United States, whatever else the question names
    assert off_direction(hits, "List every trip to Iceland by a US president", [iceland, us]) == {2}
    assert off_direction(hits, "Who visited Iceland with Shultz?", [iceland]) == {2}
    # the telegrams addressed to Molotov are not those he sent
    assert off_direction(hits, "Which telegrams did Vyshinsky address to Molotov?", [vyshinsky, molotov]) == {4}
    # a name joined to the one after "to" goes the same way: "to Stalin or Molotov" keeps Molotov's to Stalin and
    # Vyshinsky's to Molotov; "to Vyshinsky or Molotov" keeps Vyshinsky's to Molotov, not Molotov's to Stalin
    assert off_direction(hits, "Which went to Stalin or Molotov?", [stalin, molotov]) == frozenset()
    assert off_direction(hits, "Which went to Vyshinsky or Molotov?", [vyshinsky, molotov]) == {4}
    assert off_direction(hits, "Which went to Vyshinsky?", [vyshinsky]) == {3}
    # no direction: asked both ways, "to" of no going, or no name where anything goes
    assert off_direction(hits, "Every message sent by or addressed to Molotov", [molotov]) == frozenset()
    assert off_direction(hits, "Which telegrams went to Molotov or came from him?", [molotov]) == frozenset()
    assert off_direction(hits, "Which trips to Iceland or visits from Iceland were there?", [iceland]) == frozenset()
    assert off_direction(hits, "What did Stalin answer, according to Molotov?", [stalin, molotov]) == frozenset()
    assert off_direction(hits, "What did Molotov tell Stalin?", [molotov, stalin]) == frozenset()
    # "in" and "at" say when or who as often as where ("in the Reagan years", "leaders in Iceland")
    assert off_direction(hits, "Which heads of government in Iceland met Shultz?", [iceland]) == frozenset()
    # a destination inside a clause of time is not the question's, nor a name after a clause's comma
    assert off_direction(hits, "Which Icelandic leaders came after Shultz went to Iceland?", [iceland]) == frozenset()
    assert off_direction(hits, "Besides his trip to Stalin, Molotov wrote to whom?", [stalin, molotov]) == frozenset()
    assert off_direction(hits, "What did Stalin say in Molotov's telegram?", [stalin, molotov]) == frozenset()
    # a follow-up with no destination of its own keeps the one the question before gave, among the names it carries
    assert off_direction(hits, "And in the 1980s?", [], ["List every trip to Iceland in the 1970s"], [iceland]) == {2}
    assert off_direction(hits, "And in the 1980s?", [], ["List every visit from Iceland"], [iceland]) == frozenset()
    assert off_direction(hits, "And in the 1980s?", [], ["Who went to Iceland?"], []) == frozenset()
    # a record set aside is not the fallback of a question tied by names, and says nothing of whether the
    # question is answered at all: what answers must be among the rest
    ans = compose("When did Finbogadottir come to Iceland?", [replace(h, support=0.1) for h in hits[:2]], k=5,
                  index=STAMP, named=True, off=frozenset({1}))
    assert [c.hit.record for c in ans.citations] == [out_of]
    ans = compose("When did Finbogadottir go to Iceland?", [replace(hits[1], support=0.95),
                                                            replace(hits[0], support=0.001)],
                  k=5, index=STAMP, named=True, off=frozenset({2}))
    assert not ans.found and not ans.citations
