import itertools
import time
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import qdates
from qa.qdates import QuestionDates, find_dates

D = date


@pytest.mark.parametrize("question, date_from, date_to, rest", [
    # a day
    ("What was reported on 20 October 1947?", D(1947, 10, 20), D(1947, 10, 20), "What was reported?"),
    ("What was reported on October 30, 1947?", D(1947, 10, 30), D(1947, 10, 30), "What was reported?"),
    ("Telegrams sent 1947-10-30 to Moscow", D(1947, 10, 30), D(1947, 10, 30), "Telegrams sent to Moscow"),
    ("Vyshinsky report Oct. 30 1947", D(1947, 10, 30), D(1947, 10, 30), "Vyshinsky report"),
    ("What did Molotov say on the 30th of October 1947?", D(1947, 10, 30), D(1947, 10, 30),
     "What did Molotov say?"),
    ("Which draft was sent on October 30th, 1947?", D(1947, 10, 30), D(1947, 10, 30),
     "Which draft was sent?"),
    ("SEPTEMBER 3RD, 1947 cable", D(1947, 9, 3), D(1947, 9, 3), "cable"),
    ("Sept. 3, 1947 meeting", D(1947, 9, 3), D(1947, 9, 3), "meeting"),
    ("20 Oct 1947 telegram", D(1947, 10, 20), D(1947, 10, 20), "telegram"),
    ("Letter of February 29, 1948", D(1948, 2, 29), D(1948, 2, 29), "Letter"),
    # a day written in numbers: day first with dots, month first with slashes unless it cannot be
    ("Cable of 29.10.1947", D(1947, 10, 29), D(1947, 10, 29), "Cable"),
    ("Cable of 10/29/1947", D(1947, 10, 29), D(1947, 10, 29), "Cable"),
    ("Cable of 29/10/1947", D(1947, 10, 29), D(1947, 10, 29), "Cable"),
    ("Cable of 1947/10/29", D(1947, 10, 29), D(1947, 10, 29), "Cable"),
    ("Memo of 03/04/1947", D(1947, 3, 4), D(1947, 4, 3), "Memo"),  # both readings: the span between
    # the first or last weeks, days or months of a month or a year; a part of a year said with "in"
    ("What happened in the last week of October 1947?", D(1947, 10, 25), D(1947, 10, 31), "What happened?"),
    ("Talks in the first days of November 1947", D(1947, 11, 1), D(1947, 11, 10), "Talks"),
    ("Reports from the first two weeks of May 1950", D(1950, 5, 1), D(1950, 5, 14), "Reports"),
    ("Cables in the first three months of 1948", D(1948, 1, 1), D(1948, 3, 31), "Cables"),
    ("What happened in the final month of 1947?", D(1947, 12, 1), D(1947, 12, 31), "What happened?"),  # one
    ("Reports from the first month of 1948", D(1948, 1, 1), D(1948, 1, 31), "Reports"),
    ("Cables of the last day of 1947", D(1947, 12, 31), D(1947, 12, 31), "Cables"),
    ("What was decided late in 1947?", D(1947, 9, 1), D(1947, 12, 31), "What was decided?"),
    ("Who visited early in 1948?", D(1948, 1, 1), D(1948, 4, 30), "Who visited?"),
    ("Visits in the second half of May 1994", D(1994, 5, 16), D(1994, 5, 31), "Visits"),
    ("Cables between 1 and 15 May 1968", D(1968, 5, 1), D(1968, 5, 15), "Cables"),
    ("What was signed before the end of 1947?", None, D(1947, 12, 31), "What was signed?"),
    ("What was signed after the end of 1945?", D(1946, 1, 1), None, "What was signed?"),
    # a month
    ("What did Shtykov ask for in May 1947?", D(1947, 5, 1), D(1947, 5, 31), "What did Shtykov ask for?"),
    ("Reports from May of 1947", D(1947, 5, 1), D(1947, 5, 31), "Reports"),
    ("Meetings in 1947-05 about railways", D(1947, 5, 1), D(1947, 5, 31), "Meetings about railways"),
    ("What happened in May, 1947?", D(1947, 5, 1), D(1947, 5, 31), "What happened?"),
    ("Geologists in Feb 1948", D(1948, 2, 1), D(1948, 2, 29), "Geologists"),
    # a year
    ("What happened in 1947?", D(1947, 1, 1), D(1947, 12, 31), "What happened?"),
    ("Korea 1947", D(1947, 1, 1), D(1947, 12, 31), "Korea"),
    ("Documents from 1946", D(1946, 1, 1), D(1946, 12, 31), "Documents"),
    ("What did the CIA think during 1946?", D(1946, 1, 1), D(1946, 12, 31), "What did the CIA think?"),
    ("The situation of 1946 in the north", D(1946, 1, 1), D(1946, 12, 31), "The situation in the north"),
    ("Who won the 1948 US presidential election?", D(1948, 1, 1), D(1948, 12, 31),
     "Who won the US presidential election?"),
    ("What happened in Korea, in 1947?", D(1947, 1, 1), D(1947, 12, 31), "What happened in Korea?"),
    ("In 1947, what did Stalin approve?", D(1947, 1, 1), D(1947, 12, 31), "what did Stalin approve?"),
    ("Telegram (1947) on elections", D(1947, 1, 1), D(1947, 12, 31), "Telegram on elections"),
    # seasons and parts of a year
    ("Soviet surveys summer 1948", D(1948, 6, 1), D(1948, 8, 31), "Soviet surveys"),
    ("What happened in the summer of 1948?", D(1948, 6, 1), D(1948, 8, 31), "What happened?"),
    ("Plans in spring 1947", D(1947, 3, 1), D(1947, 5, 31), "Plans"),
    ("Plans in autumn 1947", D(1947, 9, 1), D(1947, 11, 30), "Plans"),
    ("Plans in the fall of 1947", D(1947, 9, 1), D(1947, 11, 30), "Plans"),
    ("Plans in winter 1947", D(1947, 12, 1), D(1948, 2, 29), "Plans"),
    ("Plans in early 1947", D(1947, 1, 1), D(1947, 4, 30), "Plans"),
    ("Plans in mid 1947", D(1947, 5, 1), D(1947, 8, 31), "Plans"),
    ("Plans in mid-1947", D(1947, 5, 1), D(1947, 8, 31), "Plans"),
    ("Plans in late 1947", D(1947, 9, 1), D(1947, 12, 31), "Plans"),
    ("Korea at the start of 1947", D(1947, 1, 1), D(1947, 4, 30), "Korea"),
    ("CIA analysis of Soviet aims in Korea at the end of 1947", D(1947, 9, 1), D(1947, 12, 31),
     "CIA analysis of Soviet aims in Korea"),
    ("Plans in the first half of 1947", D(1947, 1, 1), D(1947, 6, 30), "Plans"),
    ("Plans in the second half of 1947", D(1947, 7, 1), D(1947, 12, 31), "Plans"),
    ("Plans in Q3 1947", D(1947, 7, 1), D(1947, 9, 30), "Plans"),
    ("Plans in q1 1947", D(1947, 1, 1), D(1947, 3, 31), "Plans"),
    ("Plans in the third quarter of 1947", D(1947, 7, 1), D(1947, 9, 30), "Plans"),
    ("Plans in the last quarter of 1947", D(1947, 10, 1), D(1947, 12, 31), "Plans"),
    ("Plans in early October 1947", D(1947, 10, 1), D(1947, 10, 10), "Plans"),
    ("Plans in mid-October 1947", D(1947, 10, 11), D(1947, 10, 20), "Plans"),
    ("Plans in late October 1947", D(1947, 10, 21), D(1947, 10, 31), "Plans"),
    ("Plans in late February 1948", D(1948, 2, 21), D(1948, 2, 29), "Plans"),
    # open ranges
    ("Reports before 1945", None, D(1944, 12, 31), "Reports"),
    ("Reports after 1947", D(1948, 1, 1), None, "Reports"),
    ("Reports since 1946", D(1946, 1, 1), None, "Reports"),
    ("Reports until 1946", None, D(1946, 12, 31), "Reports"),
    ("Reports till 1946", None, D(1946, 12, 31), "Reports"),
    ("Reports up to 1946", None, D(1946, 12, 31), "Reports"),
    ("Reports through 1946", None, D(1946, 12, 31), "Reports"),
    ("What was decided by 1946?", None, D(1946, 12, 31), "What was decided?"),
    ("Reports before May 1947", None, D(1947, 4, 30), "Reports"),
    ("Reports after October 29, 1947", D(1947, 10, 30), None, "Reports"),
    ("Reports prior to 1946", None, D(1945, 12, 31), "Reports"),
    ("Reports no later than March 1946", None, D(1946, 3, 31), "Reports"),
    ("Reports no earlier than March 1946", D(1946, 3, 1), None, "Reports"),
    ("What was known as of October 1947?", None, D(1947, 10, 31), "What was known?"),
    ("Reports on or before 5 May 1947", None, D(1947, 5, 5), "Reports"),
    ("Reports on or after 5 May 1947", D(1947, 5, 5), None, "Reports"),
    # spans
    ("What happened between 1946 and 1947?", D(1946, 1, 1), D(1947, 12, 31), "What happened?"),
    ("Reports from 1946 to 1947", D(1946, 1, 1), D(1947, 12, 31), "Reports"),
    ("Reports from 1946 until 1947", D(1946, 1, 1), D(1947, 12, 31), "Reports"),
    ("Reports 1946-1947 on Korea", D(1946, 1, 1), D(1947, 12, 31), "Reports on Korea"),
    ("Reports 1946 - 1947", D(1946, 1, 1), D(1947, 12, 31), "Reports"),
    ("Reports 1946–47", D(1946, 1, 1), D(1947, 12, 31), "Reports"),
    ("Reports 1946-47", D(1946, 1, 1), D(1947, 12, 31), "Reports"),
    ("Reports from March to May 1947", D(1947, 3, 1), D(1947, 5, 31), "Reports"),
    ("Reports between March and May 1947", D(1947, 3, 1), D(1947, 5, 31), "Reports"),
    ("Reports March-May 1947", D(1947, 3, 1), D(1947, 5, 31), "Reports"),
    ("Reports from March 1947 to May 1948", D(1947, 3, 1), D(1948, 5, 31), "Reports"),
    ("Reports from November to February 1948", D(1947, 11, 1), D(1948, 2, 29), "Reports"),
    ("Reports from 20 October to 5 November 1947", D(1947, 10, 20), D(1947, 11, 5), "Reports"),
    ("UN debate October 20-30, 1947", D(1947, 10, 20), D(1947, 10, 30), "UN debate"),
    ("UN debate 20-30 October 1947", D(1947, 10, 20), D(1947, 10, 30), "UN debate"),
    ("UN debate 20–30 Oct. 1947", D(1947, 10, 20), D(1947, 10, 30), "UN debate"),
    ("What was reported on 20 October 1947 and 21 October 1947?", D(1947, 10, 20), D(1947, 10, 21),
     "What was reported?"),
    # decades and centuries
    ("Korea in the 1940s", D(1940, 1, 1), D(1949, 12, 31), "Korea"),
    ("Korea in the 1940's", D(1940, 1, 1), D(1949, 12, 31), "Korea"),
    ("Korea in the 40s", D(1940, 1, 1), D(1949, 12, 31), "Korea"),
    ("Korea in the '40s", D(1940, 1, 1), D(1949, 12, 31), "Korea"),
    ("Korea in the forties", D(1940, 1, 1), D(1949, 12, 31), "Korea"),
    ("Korea in the early 1940s", D(1940, 1, 1), D(1943, 12, 31), "Korea"),
    ("Korea in the mid 1940s", D(1944, 1, 1), D(1946, 12, 31), "Korea"),
    ("Korea in the mid-1940s", D(1944, 1, 1), D(1946, 12, 31), "Korea"),
    ("Korea in the late 1940s", D(1947, 1, 1), D(1949, 12, 31), "Korea"),
    ("Korea between the 1940s and 1950s", D(1940, 1, 1), D(1959, 12, 31), "Korea"),
    ("Korea in the 19th century", D(1800, 1, 1), D(1899, 12, 31), "Korea"),
    ("Korea in the late 19th century", D(1870, 1, 1), D(1899, 12, 31), "Korea"),
    ("Korea in the 1800s", D(1800, 1, 1), D(1899, 12, 31), "Korea"),
    ("Korea in the nineteenth century", D(1800, 1, 1), D(1899, 12, 31), "Korea"),
    ("Korea in the early twentieth century", D(1900, 1, 1), D(1939, 12, 31), "Korea"),
    # halves of a decade or century, and of a year said another way
    ("Visits in the second half of the 1950s", D(1955, 1, 1), D(1959, 12, 31), "Visits"),
    ("Visits in the first half of the 1960s", D(1960, 1, 1), D(1964, 12, 31), "Visits"),
    ("Visits in the latter half of the nineteenth century", D(1850, 1, 1), D(1899, 12, 31), "Visits"),
    ("Visits in the latter half of 1968", D(1968, 7, 1), D(1968, 12, 31), "Visits"),
    ("Visits in the latter part of 1968", D(1968, 9, 1), D(1968, 12, 31), "Visits"),
    ("Visits in the early part of 1950", D(1950, 1, 1), D(1950, 4, 30), "Visits"),
    # a period left open by the words after it
    ("What was there from 1946 onward?", D(1946, 1, 1), None, "What was there?"),
    ("Visits from 1950 onwards, by whom?", D(1950, 1, 1), None, "Visits, by whom?"),
    ("Visits 1950 onwards", D(1950, 1, 1), None, "Visits"),
    ("Visits from 1950 on", D(1950, 1, 1), None, "Visits"),
    ("Visits in 1950 and later", D(1950, 1, 1), None, "Visits"),
    ("Visits from March 1950 onward", D(1950, 3, 1), None, "Visits"),
    ("Visits in March 1950 or earlier?", None, D(1950, 3, 31), "Visits?"),
    ("Visits from 1950 on the way home", D(1950, 1, 1), D(1950, 12, 31), "Visits on the way home"),
    ("Visits in 1950 and after the war", D(1950, 1, 1), D(1950, 12, 31), "Visits and after the war"),
    # two years with a slash; a year of two digits after an apostrophe
    ("Visits in 1999/2000", D(1999, 1, 1), D(2000, 12, 31), "Visits"),
    ("Visits in 1999/00", D(1999, 1, 1), D(2000, 12, 31), "Visits"),
    ("the winter of 1944/45", D(1944, 12, 1), D(1945, 2, 28), ""),
    ("Cables in the winter of 1944-45", D(1944, 12, 1), D(1945, 2, 28), "Cables"),
    ("Cables in the winter of 1999-00", D(1999, 12, 1), D(2000, 2, 29), "Cables"),
    ("Cables in the summer of 1944-45", D(1944, 6, 1), D(1945, 12, 31), "Cables"),  # as "summer 1944 - 1945"
    ("Cables from early 1947 - 1948", D(1947, 1, 1), D(1948, 12, 31), "Cables"),
    ("Cables late 1946 - 1948", D(1946, 9, 1), D(1948, 12, 31), "Cables"),
    # a year with an apostrophe after it is still a year; "forwarded" is no "forward"
    ("What was 1947's biggest crisis?", D(1947, 1, 1), D(1947, 12, 31), "What was 's biggest crisis?"),
    ("He wrote ‘May 1947’ on the cable", D(1947, 5, 1), D(1947, 5, 31), "He wrote ‘ ’ on the cable"),
    ("Which cables of 1947 forwarded to London mention Greece?", D(1947, 1, 1), D(1947, 12, 31),
     "Which cables forwarded to London mention Greece?"),
    ("Visits in the summer of '68", D(1968, 6, 1), D(1968, 8, 31), "Visits"),
    ("What happened in May ’45?", D(1945, 5, 1), D(1945, 5, 31), "What happened?"),
    ("Visits on 4 July '76", D(1976, 7, 4), D(1976, 7, 4), "Visits"),
    # two-digit years as a span's ends, and a winter into the next year written so
    ("Visits from '44 to '46", D(1944, 1, 1), D(1946, 12, 31), "Visits"),
    ("What happened between '44 and '46?", D(1944, 1, 1), D(1946, 12, 31), "What happened?"),
    ("Visits from 1944 to '46", D(1944, 1, 1), D(1946, 12, 31), "Visits"),
    ("Visits from '98 to '02", D(1998, 1, 1), D(2002, 12, 31), "Visits"),
    ("Cables in the winter of '44-'45", D(1944, 12, 1), D(1945, 2, 28), "Cables"),
    ("Visits '44 and '46", D(1944, 1, 1), D(1946, 12, 31), "Visits"),
    ("Visits '44-'46", D(1944, 1, 1), D(1946, 12, 31), "Visits"),
    # the halves and parts of a month say the same as those of a decade
    ("Cables of the latter half of March 1947", D(1947, 3, 16), D(1947, 3, 31), "Cables"),
    ("Cables of the early part of March 1947", D(1947, 3, 1), D(1947, 3, 10), "Cables"),
    # the week of a day: Monday to Sunday, and the six days after it; the week beginning it
    ("Visits in the week of March 3, 1950", D(1950, 2, 27), D(1950, 3, 9), "Visits"),
    ("Visits in the week of 3 March 1950", D(1950, 2, 27), D(1950, 3, 9), "Visits"),
    ("Visits in the week beginning March 3, 1950", D(1950, 3, 3), D(1950, 3, 9), "Visits"),
])
def test_every_form_gives_its_range_and_the_rest(question, date_from, date_to, rest):
    q = find_dates(question)
    assert (q.date_from, q.date_to, q.rest) == (date_from, date_to, rest)
    assert q.found and q.phrase


@pytest.mark.parametrize("question, phrase", [
    ("What was reported on 20 October 1947?", "on 20 October 1947"),
    ("What happened in the summer of 1948?", "in the summer of 1948"),
    ("Reports from March to May 1947", "from March to May 1947"),
    ("What did the CIA think  in\nMay,  1947?", "in May, 1947"),  # whitespace tidied
    ("Compare May 1947 with October 1947.", "May 1947; October 1947"),
])
def test_the_phrase_is_as_found_in_the_question(question, phrase):
    assert find_dates(question).phrase == phrase


@pytest.mark.parametrize("question", [
    "", "   ", "\x00", "😀🇰🇷", "Recipes for traditional kimchi",
    "Telegram No. 418", "Telegram from Vyshinsky numbered 418", "Protocol No. 61", "Telegram Nos. 408-411",
    "Which ORE 5/1 estimate?", "What did ORE-62 say?", "Cable No. 121973", "The top 10 telegrams",
    "Telegram No. 1947", "Nos. 1946-1947", "p. 1947", "#1947",
    "What may happen next?", "Reports from March to May", "in his 40s", "1947.5 tons", "the year 999",
    "in 2150",
    "What did Korean troops tell the Soviet leader during the war?",
    # impossible dates name no date
    "February 30, 1947", "April 31, 1947", "1947-02-30", "1947-13-01", "1947-13", "30-31 February 1947",
    "from February 30 to March 5 1947", "1947–45",
    # an apostrophe that starts no year: a quotation, a decade's own, a number of more digits
    "He said '45 minutes' was enough", "Cable No. '1947'", "Visits '44 and more",
    # a slash between a year and what is not the next year: a document number, a year and a month
    "Resolution 1947/52", "Directive 1999/05/EC", "1999/01",
])
def test_no_date_is_found_where_there_is_none(question):
    q = find_dates(question)
    assert q == QuestionDates(None, None, "", " ".join(question.split()))
    assert not q.found


def test_a_document_number_beside_a_real_date_is_left_in_the_rest():
    q = find_dates("Telegram Nos. 408-411 of October 1947")
    assert (q.date_from, q.date_to, q.rest) == (D(1947, 10, 1), D(1947, 10, 31), "Telegram Nos. 408-411")


@pytest.mark.parametrize("question, date_from, date_to", [
    ("Compare May 1947 with October 1947", D(1947, 5, 1), D(1947, 10, 31)),  # closed: the span over all
    ("What happened after 1945 and before 1948?", D(1946, 1, 1), D(1947, 12, 31)),  # open bounds narrow it
    ("since 1946 until 1948", D(1946, 1, 1), D(1948, 12, 31)),
    ("in 1947, before May 1947", D(1947, 1, 1), D(1947, 4, 30)),
    ("before 1945 or in 1947", None, D(1947, 12, 31)),  # a clash: the span covering both
    ("before 1945 or after 1948", None, None),
])
def test_several_phrases_combine(question, date_from, date_to):
    q = find_dates(question)
    assert (q.date_from, q.date_to) == (date_from, date_to) and q.found


@pytest.mark.parametrize("question", [
    "between 1948 and 1946", "1948-1946", "from May 1948 to March 1947", "October 30-20, 1947"])
def test_a_span_given_backwards_is_swapped(question):
    q = find_dates(question)
    assert q.date_from is not None and q.date_to is not None and q.date_from < q.date_to


@pytest.mark.parametrize("question", ["What happened last year?", "Reports from two years ago",
                                      "What did Stalin say this month?", "recent telegrams from yesterday"])
def test_relative_phrases_name_no_date(question):
    # in an archive "last year" means the documents' time, not ours: the question is left as asked
    q = find_dates(question)
    assert (q.date_from, q.date_to, q.phrase, q.rest) == (None, None, "", question)


def test_a_relative_phrase_beside_a_date_leaves_the_date_alone():
    q = find_dates("What happened in 1947, last year?")
    assert (q.date_from, q.date_to, q.phrase) == (D(1947, 1, 1), D(1947, 12, 31), "in 1947")
    assert "last year" in q.rest


DATEISH = st.lists(st.sampled_from([
    "in", "on", "the", "of", "from", "to", "and", "between", "before", "after", "since", "until", "by", "as",
    "no later than", "early", "mid", "mid-", "late", "summer", "winter", "first half", "Q3", "quarter", "May",
    "Oct.", "February", "sept", "30", "30th", "29", "31", "5", "1", "1947", "1948", "2100", "999", "1946-47",
    "1947-10-30", "1947-02-30", "1940s", "'40s", "forties", "19th century", "No.", "Nos.", "#", "-", "–", ",",
    "?", "(", ")", " ", "  ", "\n", "\x00", "😀", "ſept", "K", "İ",
]), max_size=14).map(" ".join)


def _check(question: str) -> None:
    q = find_dates(question)
    assert isinstance(q.rest, str) and isinstance(q.phrase, str)
    if q.date_from is not None and q.date_to is not None:
        assert q.date_from <= q.date_to
    assert q.found == bool(q.phrase)
    normalized = " ".join(question.split())
    for part in q.phrase.split("; ") if q.phrase else []:
        assert part in normalized


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_never_raises_on_any_text(question):
    _check(question)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(DATEISH, st.tuples(DATEISH, st.text(max_size=5), DATEISH).map("".join)))
def test_never_raises_on_date_like_text(question):
    _check(question)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(DATEISH, st.tuples(DATEISH, st.text(max_size=5), DATEISH).map("".join)))
def test_reading_only_near_a_core_matches_reading_everywhere(question):
    windowed = qdates._candidates
    qdates._candidates = lambda text: itertools.islice(qdates._SCAN.finditer(text), qdates.MAX_MATCHES)
    try:
        everywhere = find_dates(question)
    finally:
        qdates._candidates = windowed
    assert find_dates(question) == everywhere


MB = 1_000_000


@pytest.mark.parametrize("text", [
    "x" * MB, " " * MB, "1" * MB, "," * MB, "\x00" * MB, "😀" * MB, "-" * MB,
    "the " * (MB // 4), "May 0 " * (MB // 6), "30 " * (MB // 3), "in the early " * (MB // 13),
    "1947 " * (MB // 5), "1946-" * (MB // 5), "No. 1947 " * (MB // 9), "between 1946 and " * (MB // 17),
    "a1947 " * (MB // 6), "1947.5 " * (MB // 7), "the forties " * (MB // 12), "parties " * (MB // 8),
    "What happened in Korea " * (MB // 23) + "in May 1947?",
], ids=lambda t: repr(t[:14]))
def test_a_megabyte_is_read_in_well_under_a_second(text):
    # CPU seconds of this process, not the wall clock, which other work on a shared machine stretches; a
    # backtracking pattern would take minutes here, a linear scan takes a tenth of a second
    start = time.process_time()
    find_dates(text)
    assert time.process_time() - start < 1.0


def test_a_date_at_the_end_of_a_megabyte_is_still_found():
    q = find_dates("What happened in Korea " * (MB // 23) + "in May 1947?")
    assert (q.date_from, q.date_to, q.phrase) == (D(1947, 5, 1), D(1947, 5, 31), "in May 1947")
    assert q.rest.endswith("What happened in Korea?")


# -- times relative to the question before (a follow-up's "the next day") ----------------------------------

ANCHOR = date(1962, 3, 14)


@pytest.mark.parametrize("text, expected", [
    ("What happened the following day?", (date(1962, 3, 15), date(1962, 3, 15))),
    ("and on the previous day", (date(1962, 3, 13), date(1962, 3, 13))),
    ("Who wrote the day before?", (date(1962, 3, 13), date(1962, 3, 13))),
    ("Three weeks afterwards?", (date(1962, 4, 1), date(1962, 4, 7))),  # the days around three weeks on
    ("And the following week?", (date(1962, 3, 18), date(1962, 3, 24))),
    ("the week before", (date(1962, 3, 4), date(1962, 3, 10))),
    ("what about the next month", (date(1962, 4, 1), date(1962, 4, 30))),
    ("Did he go back 2 years later?", (date(1964, 1, 1), date(1964, 12, 31))),
    ("a year earlier?", (date(1961, 1, 1), date(1961, 12, 31))),
    ("And a few days later?", (date(1962, 3, 15), date(1962, 3, 21))),  # a few: up to a week
    ("a couple of days later", (date(1962, 3, 15), date(1962, 3, 17))),
    ("several months before", (date(1961, 5, 1), date(1962, 2, 28))),  # several: up to ten
    ("What else did he send that same day?", (ANCHOR, ANCHOR)),  # the same time: not moved
    ("And the same month?", (date(1962, 3, 1), date(1962, 3, 31))),
    ("anything else from that very same week", (date(1962, 3, 11), date(1962, 3, 17))),  # the days around it
    ("Any other cables from him that day?", (ANCHOR, ANCHOR)),  # "that day": the same time too
    ("Who else went there that year?", (date(1962, 1, 1), date(1962, 12, 31))),
    ("Who was consul in that year?", (date(1962, 1, 1), date(1962, 12, 31))),
    ("Which other countries did he travel to that year?", (date(1962, 1, 1), date(1962, 12, 31))),
    ("On that very day, who else came?", (ANCHOR, ANCHOR)),
])
def test_a_relative_time_moves_the_time_before(text, expected):
    shift = qdates.find_shift(text)
    assert shift is not None and shift.phrase.lower() in text.lower()
    assert qdates.shifted(ANCHOR, ANCHOR, shift) == expected
    assert shift.phrase not in shift.rest


def test_months_and_years_count_from_the_end_forward_and_from_the_start_back():
    shift_fwd, shift_back = qdates.find_shift("the next year"), qdates.find_shift("the year before")
    assert qdates.shifted(date(1950, 1, 1), date(1953, 12, 31), shift_fwd) == (date(1954, 1, 1), date(1954, 12, 31))
    assert qdates.shifted(date(1950, 1, 1), date(1953, 12, 31), shift_back) == (date(1949, 1, 1), date(1949, 12, 31))
    assert qdates.shifted(date(1950, 6, 1), date(1950, 6, 30), qdates.find_shift("the day after")) == (
        date(1950, 6, 2), date(1950, 7, 1))  # days move the range as it is
    assert qdates.shifted(date(9999, 12, 31), date(9999, 12, 31), shift_fwd) == (None, None)
    assert qdates.find_shift("Was it signed on the same day as the armistice?") is None  # the same as something else
    assert qdates.find_shift("What did he report on the same day the council met?") is None
    assert qdates.find_shift("Who else wrote that same day about Korea?") is not None
    assert qdates.find_shift("What did he say that day when he arrived?") is None  # the day a clause says


@pytest.mark.parametrize("text", ["What happened after that day?", "Any visits from that year on?",
                                  "Did she come back earlier that month?", "Who went there later that year?",
                                  "Was it signed before that week?",
                                  "How did that day's talks end?", "until that year",
                                  "Where did he go later on that day?", "Where had he been earlier that same week?",
                                  "Where did he go later in that year?", "For the rest of that year?",
                                  "Until the end of that year?", "Late that year, who came?", "up to that year",
                                  "Did he say that weeks would pass before a reply?"])
def test_that_day_at_the_edge_of_a_period_is_no_time_of_its_own(text):
    """"after that day", "earlier that month": a move or a part of that time, not that very time."""
    shift = qdates.find_shift(text)
    assert shift is None, shift


@pytest.mark.parametrize("text", ["What was the next step?", "Which day did it arrive?", "the year of the treaty",
                                  "a day to remember", "Who followed the previous ambassador?", "next?"])
def test_words_about_time_that_move_nothing(text):
    assert qdates.find_shift(text) is None


@pytest.mark.parametrize("text, lo, hi, want", [
    ("Only the ones dated the 29th?", date(1931, 3, 1), date(1931, 3, 31), date(1931, 3, 29)),
    ("and on the 2nd", date(1931, 2, 1), date(1931, 2, 28), date(1931, 2, 2)),
    ("What about the 30th?", date(1931, 2, 1), date(1931, 2, 28), None),      # no such day in February
    ("And the 5th?", date(1931, 1, 1), date(1931, 12, 31), None),             # a year, not one month
    ("What did the 3rd Army do?", date(1931, 3, 1), date(1931, 3, 31), None),  # an ordinal that is no day
    ("And after that?", date(1931, 3, 1), date(1931, 3, 31), None),
])
def test_a_bare_day_narrows_the_one_month_asked_about_before(text, lo, hi, want):
    got = qdates.day_of(text, lo, hi)
    assert (got.date_from if got else None) == want
    if got:
        assert got.date_to == want and got.phrase not in got.rest


@pytest.mark.parametrize("text, lo, hi, want", [
    ("And by December, how did they read it?", date(1931, 1, 1), date(1931, 1, 31), (date(1931, 12, 1),
                                                                                  date(1931, 12, 31))),
    ("What about in February?", date(1932, 1, 1), date(1932, 12, 31), (date(1932, 2, 1), date(1932, 2, 29))),
    ("And in March?", date(1931, 11, 1), date(1932, 2, 28), None),  # two years: which March is not said
    ("May I see the next one?", date(1931, 1, 1), date(1931, 1, 31), None),  # a verb, not the month
    ("Who came in the March on Rome?", date(1931, 1, 1), date(1931, 1, 31), None),  # an event's name
    ("And on December 12?", date(1931, 1, 1), date(1931, 1, 31), (date(1931, 12, 12), date(1931, 12, 12))),
    ("And on February 30?", date(1931, 1, 1), date(1931, 1, 31), None),  # no such day
])
def test_a_bare_month_is_of_the_one_year_asked_about_before(text, lo, hi, want):
    got = qdates.month_of(text, lo, hi)
    assert ((got.date_from, got.date_to) if got else None) == want
    if got:
        assert got.phrase not in got.rest


@pytest.mark.parametrize("text, want", [
    ("And in March the following year?", (date(1972, 3, 1), date(1972, 3, 31))),  # the shift, then its March
    ("What about in March of the next year?", (date(1972, 3, 1), date(1972, 3, 31))),
    ("And on the 3rd of March?", (date(1971, 3, 3), date(1971, 3, 3))),  # the month, then its day
    ("And by December?", (date(1971, 12, 1), date(1971, 12, 31))),
    ("And a year later?", (date(1972, 1, 1), date(1972, 12, 31))),
    ("Only the ones dated the 29th?", (date(1971, 1, 29), date(1971, 1, 29))),
    ("What was decided that same day?", None),  # the answer's day, not the question's (qa/followup.py)
    ("Who signed it?", None),
    ("In May, who came?", (date(1971, 5, 1), date(1971, 5, 31))),          # opening the question
    ("What had he done by June 30?", (date(1971, 1, 1), date(1971, 6, 30))),  # by a day: up to it
])
def test_a_follow_up_s_time_is_said_against_the_earlier_question_s(text, want):
    got = qdates.within_earlier(text, qdates.find_dates("Who visited the capital in January 1971?"))
    assert ((got.date_from, got.date_to) if got else None) == want
    if got:  # the words that said it are out of the question's rest: they are no topic
        assert not {"march", "following", "next", "december", "year", "3rd", "29th"} & set(got.rest.lower().split())


@pytest.mark.parametrize("yy, year", [(68, 1968), (45, 1945), (5, 2005), (26, 2026), (27, 1927), (0, 2000)])
def test_a_year_of_two_digits_is_the_latest_that_has_come(yy, year):
    assert qdates._short_year(yy, D(2026, 11, 30)) == year
