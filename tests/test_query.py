"""Reading questions: dates become a filter, names find their corpus spelling, the unknown is noticed."""

from datetime import date

import pytest

from qa.intent import is_plural
from qa.names import (BUILTIN_ALIASES, BUILTIN_REGIONS, NameMatcher, edit_distance, initialisms, read_aliases,
                      read_regions, skeleton)
from qa.query import analyze, name_phrases, names_in


@pytest.mark.parametrize("a, b", [("Vishinsky", "Vyshinsky"), ("Vyshinskii", "Vyshinsky"), ("Molotoff", "Molotov"),
                                  ("Meretskoff", "Meretskov"), ("Malick", "Malik")])
def test_transliterations_share_a_skeleton(a, b):
    assert skeleton(a) == skeleton(b)


def test_edit_distance_counts_a_transposition_once():
    assert edit_distance("shtykov", "shytkov", 2) == 1
    assert edit_distance("kremlin", "remain", 1) == 2


def test_matcher_finds_corpus_spellings_and_aliases(tmp_path):
    vocab = {"shytkov", "vyshinsky", "gu", "kim", "jiang", "jieshi", "korea", "president"}
    extra = tmp_path / "aliases.txt"
    extra.write_text("# a collection's own list\nKim Gu | Kim Koo | Kim Ku\n")
    m = NameMatcher(vocab, read_aliases([extra]))
    assert m.variant("shtykov") == "shytkov"
    assert m.variant("vishinsky") == "vyshinsky"
    assert m.variant("potsdam") is None and m.variant("korea") is None
    assert m.spellings(["Kim", "Koo"]) == (frozenset({"kim", "koo"}), frozenset({"kim", "gu"}))
    assert m.spellings(["Vishinsky"]) == (frozenset({"vishinsky"}), frozenset({"vyshinsky"}))
    assert m.spellings(["Potsdam"]) == (frozenset({"potsdam"}),)  # nothing close: only its own spelling
    # a name the question writes as one of the group's names does, in other words, counts in the group's words
    # ("Kim Il-sung" read as "kim il ilsung sung" is the records' "Kim Il Sung")
    extra.write_text("Kim Il Sung | Kim Il-sung | Kim Ir Sen\n")
    m = NameMatcher(vocab | {"il", "sung"}, read_aliases([extra]))
    assert frozenset({"kim", "il", "sung"}) in m.spellings(["Kim", "Il-sung"])


def test_initials_stand_for_the_names_written_with_a_middle_initial():
    texts = ["Travel of President John F. Kennedy to Ireland.", "Met John F Kennedy"] * 3 + \
            ["Travel of Secretary John Forbes Kerry to Japan."] * 9 + ["Joseph F. Kelly wrote."] * 2 + \
            ["Jack F. Kemp", "Franklin D. Roosevelt met Harry S. Truman at the U.S. Capitol.", "Harry S. Truman"]
    found = initialisms(texts)
    # a name in full ("John Forbes Kerry") has no initials; a name written at least a quarter as often as the
    # most written is kept after it, one written less is not; with or without the initial's dot, one name
    assert found["JFK"] == ["John F. Kennedy", "Joseph F. Kelly"]
    assert found["FDR"] == ["Franklin D. Roosevelt"] and found["HST"] == ["Harry S. Truman"]
    assert "USC" not in found and all(len(k) == 3 for k in found)
    # a title before an initial is no first name: "President H. Desmond Hoyte" files nothing under "PHD"
    assert initialisms(["President H. Desmond Hoyte", "Minister U. Nu"]) == {}
    m = NameMatcher({"john", "kennedy", "jfk", "memorial"}, [], found)
    assert m.spellings(["JFK"]) == (frozenset({"jfk"}), frozenset({"john", "kennedy"}))  # used as a word too
    assert m.spellings(["Jfk"]) == (frozenset({"jfk"}),)  # initials are written in capitals
    assert m.capitalised["hst"] == "HST"  # so a question all in capitals keeps them (qa/casing.py)


def test_the_general_alias_list_holds_places_renamed_and_respelled():
    # a place the records name both ways ("Kyiv" since 2019, "Kiev" before) is one name whichever is asked
    # for: two letters apart, too far for a close spelling of a word this short
    m = NameMatcher({"kyiv", "kiev", "swaziland", "ukraine"}, read_aliases([BUILTIN_ALIASES]))
    assert m.spellings(["Kyiv"]) == (frozenset({"kyiv"}), frozenset({"kiev"}))
    assert m.spellings(["Kiev"]) == (frozenset({"kiev"}), frozenset({"kyiv"}))
    assert m.spellings(["Eswatini"]) == (frozenset({"eswatini"}), frozenset({"swaziland"}))
    # a name the list writes in capitals is named only in capitals: "Un" in "Kim Jong Un" is no United Nations
    m = NameMatcher({"kim", "jong", "un", "unit", "nation"}, read_aliases([BUILTIN_ALIASES]))
    assert m.spellings(["Kim", "Jong", "Un"]) == (frozenset({"kim", "jong", "un"}),)
    assert m.spellings(["UN"]) == m.spellings(["U.N."]) == (frozenset({"un"}), frozenset({"unit", "nation"}))
    # dots aside ("U.S.A" at a sentence's end), and what a compound says besides the alias kept ("US-Soviet")
    m = NameMatcher({"us", "usa", "unit", "stat", "america", "soviet"}, read_aliases([BUILTIN_ALIASES]))
    assert frozenset({"unit", "stat"}) in m.spellings(["U.S.A"])
    assert frozenset({"unit", "stat", "soviet"}) in m.spellings(["US-Soviet"])
    groups = read_aliases([BUILTIN_ALIASES])
    names = [n for g in groups for n in g]
    assert len(names) == len(set(names)), "a name in two groups of qa/aliases.txt"


def test_a_region_is_held_by_the_places_in_it_and_only_a_whole_name_is_a_region(tmp_path):
    listed = tmp_path / "aliases.txt"
    listed.write_text("# a collection's own list: groups of names, and regions with '='\n"
                      "Myanmar | Burma\n"
                      "Outer Reach | Outer Reaches = Norland, Myanmar, Inner Reach\n"
                      "Inner Reach = Sudland, Outer Reach\n"  # a region of the list, and a loop back
                      "Far Isles = Nowhere\n")
    assert read_aliases([listed]) == [["Myanmar", "Burma"]]  # a region's line is no group of names
    regions = read_regions([listed])
    assert regions["outer reaches"] == regions["outer reach"] == ["Norland", "Myanmar", "Inner Reach"]
    m = NameMatcher({"norland", "sudland", "burma", "outer", "reach"}, read_aliases([listed]), regions=regions)
    # each place the collection writes, in every form the aliases give it (the records write "Burma"); a region
    # among the places is read for its own, once; a place no record writes is left out
    assert m.within(["Outer", "Reach"]) == m.within(["the", "Outer", "Reaches"]) == \
        (frozenset({"norland"}), frozenset({"burma"}), frozenset({"sudland"}))
    assert m.within(["Far", "Isles"]) == ()
    # only the whole name: "Outer Reach Lodge" is somewhere, not the region
    assert m.within(["Outer", "Reach", "Lodge"]) == ()
    # the region's own spellings are untouched: a search for it is not one for the places in it
    assert m.spellings(["Outer", "Reach"]) == (frozenset({"outer", "reach"}),)


def test_the_general_regions_hold_their_countries_and_a_country_named_like_one_is_no_region():
    regions = read_regions([BUILTIN_REGIONS])
    vocab = {"kenya", "nigeria", "france", "poland", "polish", "burma", "thailand", "siam", "mexico", "brazil",
             "estonia", "latvia", "lithuania", "south", "africa", "st", "lucia"}
    m = NameMatcher(vocab, read_aliases([BUILTIN_ALIASES]), regions=regions)
    assert {frozenset({"kenya"}), frozenset({"nigeria"})} <= set(m.within(["African"]))
    assert set(m.within(["Africans"])) == set(m.within(["African"]))  # a people in the plural
    assert {frozenset({"poland"}), frozenset({"polish"}), frozenset({"france"})} <= set(m.within(["Europe"]))
    assert frozenset({"burma"}) in m.within(["Southeast", "Asia"])  # Myanmar, as the records write it
    assert frozenset({"st", "lucia"}) in m.within(["Caribbean"])  # Saint Lucia, as the records write it
    assert {frozenset({"mexico"}), frozenset({"brazil"})} <= set(m.within(["Latin", "America"]))
    assert set(m.within(["Baltic"])) == {frozenset({"estonia"}), frozenset({"latvia"}), frozenset({"lithuania"})}
    assert m.within(["South", "Africa"]) == () and m.within(["Central", "African", "Republic"]) == ()
    # a group of aliases counts only for a place it names whole: "French Polynesia" holds "French", yet France
    # is no place of Oceania
    assert frozenset({"france"}) not in m.within(["Oceania"])


def test_no_place_of_one_continent_is_held_by_a_place_of_another():
    # what a record of a journey to a country of one continent holds must be no other continent: neither the same
    # words (an alias of a word inside a name: "French" of "French Polynesia"), nor words around another's
    # ("Guinea" of Africa in "Papua New Guinea"); the states that span two continents are in neither
    regions = read_regions([BUILTIN_REGIONS])
    continents = ["africa", "asia", "europe", "north america", "south america", "oceania"]
    everything = NameMatcher(set(), read_aliases([BUILTIN_ALIASES]), regions=regions)
    words = {c: [ts for p in everything._places(c) for ts in everything._forms(p)] for c in continents}
    vocab = {t for forms in words.values() for ts in forms for t in ts}
    m = NameMatcher(vocab, read_aliases([BUILTIN_ALIASES]), regions=regions)
    for c in continents:
        for place in m.within(c.split()):
            for other in continents:
                if other != c:
                    held = [sorted(ts) for ts in words[other] if place.held(set(ts)) == 1.0]
                    assert not held, f"{sorted(place)} of {c} is held by {held} of {other}"
    assert not {"Russia", "Soviet Union", "Turkey", "Georgia"} & {p for c in continents for p in m._places(c)}
    for name in regions:
        places = m._places(name)
        assert len(places) >= 2 and len(places) == len(set(places)), name


def test_a_place_is_held_word_for_word_and_the_collections_frame_holds_no_region():
    from qa.support import Words, holds_names

    regions = {"west": ["Ghana", "Guinea", "Freedonia"], "elsewhere": ["Papua New Guinea"]}
    shares = {"freedonia": 0.4}
    m = NameMatcher({"ghana", "guinea", "freedonia", "papua", "new"}, [], regions=regions,
                    share=lambda t: shares.get(t, 0.01))
    # the place most of the collection names is its frame: it says nothing of which records are in the region
    assert set(m.within(["West"])) == {frozenset({"ghana"}), frozenset({"guinea"})}
    # in any of its forms: the frame written otherwise is still the frame
    aliased = NameMatcher({"ghana", "freedonia", "fredonia"}, [["Freedonia", "Fredonia"]], regions=regions,
                          share=lambda t: shares.get(t, 0.01))
    assert set(aliased.within(["West"])) == {frozenset({"ghana"})}
    # a collection's own region is as it wrote it, its frame and all
    own = NameMatcher({"ghana", "freedonia"}, [], own_regions={"west": ["Ghana", "Freedonia"]},
                      share=lambda t: shares.get(t, 0.01))
    assert set(own.within(["West"])) == {frozenset({"ghana"}), frozenset({"freedonia"})}
    west = names_in("Who came from the West?", m, m.vocabulary)[0]
    assert west.known and west.within
    assert holds_names(Words(["ghana", "visit"]), [west])
    assert not holds_names(Words(["ghani", "visit"]), [west])  # a name near a place's is not the place
    assert not holds_names(Words(["papua", "new", "guinea"]), [west])  # nor a longer place around it
    assert holds_names(Words(["guinea", "conakry"]), [west])
    # a name that ends a longer one is not the region ("the Horn of Africa", "the Council of Europe")
    assert names_in("Who went to the Horn of West?", m, m.vocabulary)[-1].within == ()
    assert names_in("Who went to the Council of the West?", m, m.vocabulary)[-1].within == ()


def test_a_region_named_in_a_question_is_held_by_a_record_of_a_place_in_it_not_searched_for(hsg_archive):
    from qa.support import Wording, holds_names, record_words

    idx = hsg_archive.current
    q = analyze("Which African countries did Bill Clinton visit in March 1998?", idx.keywords, idx.names)
    african = next(n for n in q.names if n.text == "African")
    assert frozenset({"kenya"}) in african.within
    # held by a record of Kenya, as the support model reads it ...
    record = next(r for r in idx.records.fetch(range(len(idx.records))) if "Kenya" in r.title)
    assert holds_names(record_words(record), [african])
    assert frozenset({"kenya"}) in Wording.of(q, idx.keywords).names[0]
    # ... but not searched for: neither embedded nor matched by keyword
    assert "kenya" not in q.tokens and "kenya" not in q.match_text.lower()
    # the collection's frame is no place of a region: a catalogue of American diplomats' journeys names the United
    # States in nearly half its records
    america = analyze("Which North American leaders came in 1995?", idx.keywords, idx.names).names[0]
    assert america.within and not {frozenset({"us"}), frozenset({"unit", "stat"})} & set(america.within)
    for question in ("Who met Nelson Mandela in South Africa?", "Did Clinton visit the Central African Republic?",
                     "Which secretary of state visited the Horn of Africa in 1977?"):
        assert all(n.within == () for n in analyze(question, idx.keywords, idx.names).names), question
    assert analyze("When was President Clinton in Africa?", idx.keywords, idx.names).names[-1].within


def test_a_list_over_a_region_cites_the_journeys_to_its_countries(hsg_archive):
    answer = hsg_archive.ask("Which Baltic states did President George W. Bush visit?", k=10)
    cited = {(c.hit.record.date.text, c.hit.record.title) for c in answer.citations}
    journeys = {("November 22, 2002", "Travel of President George W. Bush to Lithuania (Vilnius)"),
                ("May 6, 2005", "Travel of President George W. Bush to Latvia (Riga)"),
                ("November 27, 2006", "Travel of President George W. Bush to Estonia (Tallinn)"),
                ("November 28, 2006", "Travel of President George W. Bush to Latvia (Riga)")}
    assert journeys <= cited
    assert all(any(c in title for c in ("Lithuania", "Latvia", "Estonia")) for _, title in cited), cited


def test_a_tour_named_by_its_region_keeps_its_stops_outside_it(hsg_archive):
    # the region's places single no stop out: Knox's tour of Central America also went to Venezuela and St. Thomas
    answer = hsg_archive.ask("List the stops on Knox's 1912 tour of Central America", k=10)
    titles = [c.hit.record.title for c in answer.citations]
    assert any("Venezuela" in t for t in titles) and any("St. Thomas" in t for t in titles)


def test_name_phrases_skip_titles_and_question_words():
    assert name_phrases("What did Terentii Shtikov warn the Secretary of State?") == [["Terentii", "Shtikov"]]
    assert name_phrases("How did the Berlin airlift keep West Berlin supplied?") == [["Berlin"], ["West", "Berlin"]]


def test_a_title_s_plural_is_no_name_and_an_alias_inside_a_name_keeps_the_rest():
    assert name_phrases("Which Secretaries of State went to the United States?") == [["United", "States"]]
    assert name_phrases("Did the Chairmen meet Hughes?") == [["Hughes"]]  # "Hughes" is no plural of a title
    # one list of people's titles serves names and intent alike: a plural of any is a plural noun, not a name
    assert name_phrases("Which Popes and Emperors met Napoleon?") == [["Napoleon"]]
    assert is_plural("Popes") and is_plural("Comrades")
    m = NameMatcher({"beij", "peking", "olympic"}, read_aliases([BUILTIN_ALIASES]))
    # "Peking Olympics", not "Peking" alone, is the other spelling of "Beijing Olympics"
    assert m.spellings(["Beijing", "Olympics"]) == (frozenset({"beij", "olympic"}), frozenset({"peking", "olympic"}))


def test_a_country_s_adjective_that_is_no_ending_on_its_name_is_one_of_its_spellings():
    from qa.support import Words, holds

    m = NameMatcher({"poland", "polish", "franc", "ireland", "korea"}, read_aliases([BUILTIN_ALIASES]))
    assert frozenset({"poland"}) in m.spellings(["Polish"]) and frozenset({"polish"}) in m.spellings(["Poland"])
    assert frozenset({"ireland"}) in m.spellings(["Irish"])
    # an ending taken off or put on needs no alias: holds() joins them
    assert holds("korean", Words(["korea"])) and holds("korea", Words(["korean"]))


def test_a_month_or_a_weekday_alone_is_a_time_not_a_name():
    assert name_phrases("Who came in the weeks after the September 11 attacks?") == []
    assert name_phrases("Did Nixon visit China in February?") == [["Nixon"], ["China"]]
    assert name_phrases("Who met on Monday?") == []
    assert name_phrases("In March, did Nixon visit Canada?") == [["Nixon"], ["Canada"]]  # "In" is no title
    # within a name it stays
    assert name_phrases("Who marched in the May Day parade?") == [["May", "Day"]]
    assert name_phrases("What began the February Revolution?") == [["February", "Revolution"]]
    # and after a title it is a name
    assert ["May"] in name_phrases("What did Prime Minister May discuss with Trump?")
    assert name_phrases("Which secretaries met Mrs. May?") == [["May"]]


def test_a_possessive_ends_its_name():
    # the owner is one name, what is owned another ("JFK's European trip": not "JFK European")
    assert name_phrases("Where did JFK's European trip go?") == [["JFK"], ["European"]]
    assert name_phrases("David Ben-Gurion's American trip") == [["David", "Ben-Gurion"], ["American"]]
    assert name_phrases("What was Kim Il Sung's view?") == [["Kim", "Il", "Sung"]]


def test_punctuation_ends_a_name():
    assert name_phrases("Did Dulles meet Eden, Adenauer and Macmillan?") == [["Dulles"], ["Eden"], ["Adenauer"],
                                                                             ["Macmillan"]]
    assert name_phrases("Did Dulles meet Eden, de Gaulle and Adenauer?") == [["Dulles"], ["Eden"], ["Gaulle"],
                                                                             ["Adenauer"]]


def test_a_particle_in_lower_case_joins_the_words_of_one_name():
    # "de", "van", "bin" between two capitalised words are part of the name, not a break between two names
    assert name_phrases("Who represented the US at the memorial for Charles de Gaulle?") == \
        [["US"], ["Charles", "de", "Gaulle"]]
    assert name_phrases("When did Hoover reach Rio de Janeiro?") == [["Hoover"], ["Rio", "de", "Janeiro"]]
    assert name_phrases("Did Kissinger meet Valery Giscard d'Estaing?") == \
        [["Kissinger"], ["Valery", "Giscard", "d'Estaing"]]
    # ... and only there: after a name with nothing capitalised next, or before no name, it is no part of one
    assert name_phrases("Did Nixon go to Paris de facto?") == [["Nixon"], ["Paris"]]
    assert name_phrases("Paris and de Gaulle") == [["Gaulle"]]


def test_the_first_word_alone_is_a_name_only_when_told(seed_archive):
    # capitalised anyway, the first word is a name in capitals, or as an owner the collection writes
    # capitalised (qa/casing.py capitalised()); else only before another capitalised word
    assert name_phrases("Stalin's reply to Malik") == [["Malik"]]
    assert name_phrases("Stalin's reply to Malik", lambda w: w == "Stalin") == [["Stalin"], ["Malik"]]
    assert name_phrases("When did Malik reply?", lambda w: True) == [["Malik"]]  # a question word never is
    # a word the records capitalise in a set phrase ("Heads of State", "Western Hemisphere") may open a question
    # as a common word: not without an owner's "'s"
    everything = lambda w: True  # noqa: E731
    assert name_phrases("Western leaders who met Gorbachev", everything) == [["Gorbachev"]]
    assert name_phrases("Later that year, did Nixon visit Moscow?", everything) == [["Nixon"], ["Moscow"]]
    assert name_phrases("DDE's trip to Korea") == [["DDE"], ["Korea"]]
    assert name_phrases("US troops in Korea") == [["US"], ["Korea"]]
    from qa.casing import capitalised

    idx = seed_archive.current
    assert capitalised("Vyshinsky", idx) and not capitalised("Telegrams", idx)
    q = analyze("Vyshinsky's telegrams from the UN", idx.keywords, idx.names,
                is_name=lambda w: capitalised(w, idx))
    assert [n.text for n in q.names][:1] == ["Vyshinsky"]
    q = analyze("Telegrams from Vyshinsky", idx.keywords, idx.names, is_name=lambda w: capitalised(w, idx))
    assert [n.text for n in q.names] == ["Vyshinsky"]


def test_question_dates_filter_and_leave_the_topic(seed_archive):
    idx = seed_archive.current
    q = analyze("What did Vyshinsky report on 29 October 1947?", idx.keywords, idx.names)
    assert (q.date_from, q.date_to) == (date(1947, 10, 29), date(1947, 10, 29))
    assert q.match_text == "What did Vyshinsky report?" and q.date_phrase == "on 29 October 1947"
    assert not q.date_only and [n.text for n in q.names] == ["Vyshinsky"]
    q = analyze("What documents are from October 1947?", idx.keywords, idx.names)
    assert q.date_only and q.date_from == date(1947, 10, 1)
    q = analyze("What did the Potsdam conference decide?", idx.keywords, idx.names)
    assert q.missing_names == ["Potsdam"]


def test_a_follow_up_is_read_with_the_names_and_dates_of_the_question_before(seed_archive):
    idx = seed_archive.current
    q = analyze("And what did he ask for?", idx.keywords, idx.names,
                history=["What did Shtykov write to Stalin in May 1947?"])
    assert q.intent.follow_up
    assert "Shtykov" in q.match_text and "Stalin" in q.match_text and "shtykov" in q.tokens
    assert q.names == []  # the earlier question's names help find records; a record need not hold them
    assert (q.date_from, q.date_to) == (date(1947, 5, 1), date(1947, 5, 31))
    alone = analyze("What did the Soviets ask for?", idx.keywords, idx.names,
                    history=["What did Shtykov write to Stalin in May 1947?"])
    assert not alone.intent.follow_up and alone.date_from is None and [n.text for n in alone.names] == ["Soviets"]


def test_a_date_question_returns_only_records_in_its_range(seed_archive):
    a = seed_archive.ask("What was reported on 20 October 1947?")
    assert a.found and a.filters == {"date_from": "1947-10-20", "date_to": "1947-10-20"}
    assert [c.hit.record.title for c in a.citations] == ["Ciphered Telegram, Molotov to Cde. Stalin"]
    a = seed_archive.ask("What did the Soviets decide about prospecting in 1947?")
    assert {c.hit.record.date.iso[:4] for c in a.citations} == {"1947"}
    assert a.text.startswith("Records dated between 1947-01-01 and 1947-12-31:")


def test_a_listing_question_cites_every_record_in_date_order(seed_archive):
    a = seed_archive.ask("List all documents from October 1947")
    dates = [c.hit.record.date.start for c in a.citations]
    assert len(dates) == 8 and dates == sorted(dates)


def test_explicit_dates_override_the_question(seed_archive):
    a = seed_archive.ask("What happened in 1945?", date_from=date(1948, 1, 1))
    assert all(c.hit.record.date.start.year == 1948 for c in a.citations)


@pytest.mark.parametrize("question, title", [
    ("What did Shtykov warn about?", "Cable No. 121973, Meretskov and Shytkov to Cde. Stalin"),
    ("Telegrams from Vishinsky about the amendment", "Telegram No. 418 from Vyshinsky"),
    ("What did Kim Koo discuss with the Chinese minister?", "Record of Conversation between Kim Gu and Liu Yuwan"),
    ("Where did Chiang Kai-shek first present Korean independence?",
     "Malik, 'On the Question of a United Government in Korea'"),
])
def test_a_name_in_another_spelling_finds_its_record(seed_archive, question, title):
    r = seed_archive.retrieve(question)
    assert r.hits[0].record.title == title
    assert title in [c.hit.record.title for c in r.answer(5).citations]


@pytest.mark.parametrize("question", ["What did the Potsdam conference decide about Germany?",
                                      "How did the Berlin airlift supply the city?",
                                      "What happened in Korea in 1950?",
                                      "What were the terms of the Japanese surrender aboard the USS Missouri?",
                                      "Recipes for traditional kimchi",  # wording alone, no name
                                      "When did Shtykov visit Tokyo?"])  # one name held, the other not
def test_questions_outside_the_archive_are_honestly_not_found(seed_archive, question):
    a = seed_archive.ask(question)
    assert not a.found and a.citations == [] and "holds no record" in a.text
    assert len(a.closest) <= 3


def test_a_follow_up_that_moves_in_time_moves_the_dates_of_the_question_before(seed_archive):
    idx = seed_archive.current
    before = ["What did Shtykov write to Stalin on 3 May 1947?"]
    q = analyze("And the day after?", idx.keywords, idx.names, history=before)
    assert q.intent.follow_up and (q.date_from, q.date_to) == (date(1947, 5, 4), date(1947, 5, 4))
    q = analyze("What about a month earlier?", idx.keywords, idx.names, history=before)
    assert (q.date_from, q.date_to) == (date(1947, 4, 1), date(1947, 4, 30))
    q = analyze("And the next day?", idx.keywords, idx.names, history=["Who asked for railway engineers?"])
    assert q.date_from is None and q.date_to is None  # nothing to move: no dates rather than invented ones


def test_follow_ups_to_a_question_tied_by_wording_alone_get_no_lone_citation(seed_archive):
    first = "Recipes for traditional kimchi"
    assert not seed_archive.ask(first).found
    for follow in ("Any more recipes?", "Which of them are the oldest?"):
        r = seed_archive.retrieve(follow, k=5, history=[first])
        assert not r.named and not r.answer(5).found, follow


def test_a_follow_up_standing_for_the_earlier_answer_is_tied_by_its_records(seed_archive):
    from dataclasses import replace

    from qa.support import CITE

    history = ["Who asked Moscow for railway engineers?", "Who signed it?"]
    r = seed_archive.retrieve("When was that?", k=5, history=history)
    assert r.named and r.answer(5).found  # however many questions back the names were
    # below the citing bar, the lone citation goes to a question tied by names and to no other
    weak = replace(r, hits=[replace(h, support=min(h.support, CITE - 0.1)) for h in r.hits])
    assert weak.answer(5).found and len(weak.answer(5).citations) == 1
    assert not replace(weak, named=False).answer(5).found


def test_a_topic_most_records_share_does_not_narrow_a_list(seed_archive):
    from qa.query import narrows

    idx = seed_archive.current
    held = lambda t: int(idx.keywords.df[idx.keywords.vocab[t]])  # noqa: E731
    assert 2 * held("korea") > idx.keywords.n and 2 * held("vyshinsky") <= idx.keywords.n
    assert not narrows(analyze("Papers on Korea from October 1947", idx.keywords, idx.names), idx.keywords)
    assert narrows(analyze("Vyshinsky's papers from October 1947", idx.keywords, idx.names), idx.keywords)
    assert narrows(analyze("Papers on Potsdam from 1945", idx.keywords, idx.names), idx.keywords)  # no record
    # asking for a list, it is every record of the period, in date order; asking for a fact, it is weighed
    r = seed_archive.retrieve("List the papers on Korea from October 1947")
    october = [rec for rec in idx.records if rec.date.start and rec.date.start.strftime("%Y-%m") == "1947-10"]
    assert r.listing and len(r.hits) == len(october) > 2
    assert [h.record.date.start for h in r.hits] == sorted(h.record.date.start for h in r.hits)
    assert not seed_archive.retrieve("What did the papers on Korea from October 1947 propose?").listing
    assert not seed_archive.retrieve("List Vyshinsky's papers from October 1947").listing


def test_a_topic_narrows_by_its_words_together():
    from types import SimpleNamespace

    import numpy as np

    from qa.query import narrows

    counts = {"travel": 57, "president": 54, "korea": 80, "soviet": 80, "uranium": 5}
    kw = SimpleNamespace(vocab={w: i for i, w in enumerate(counts)}, df=np.array(list(counts.values())), n=100)
    ask = lambda terms, names=(): SimpleNamespace(terms=list(terms), names=[  # noqa: E731
        SimpleNamespace(spellings=(frozenset(n),)) for n in names])
    assert narrows(ask(["travel", "president"]), kw)  # each in over half the records, together in under half
    assert not narrows(ask(["travel"]), kw)
    assert not narrows(ask([], [{"korea"}]), kw) and not narrows(ask(["soviet"], [{"korea"}]), kw)
    assert narrows(ask(["uranium"], [{"korea"}]), kw) and narrows(ask(["potsdam"]), kw)  # no record says it


@pytest.mark.parametrize("text, runs", [
    ("Which record mentions the UN Security Council?", [("UN Security Council", "UNSC")]),
    ("Reports of the Organization of American States", [("Reports of the Organization of American States", "ROAS"),
                                                          ("Organization of American States", "OAS")]),
    ("When did Asia-Pacific Economic Cooperation leaders meet?", [("Asia-Pacific Economic Cooperation", "APEC")]),
    # a question's word ("Did") and punctuation end a run; two initials are too few
    ("Did the Central Intelligence Agency, the State Department agree?", [("Central Intelligence Agency", "CIA")]),
    ("the Korean People's Army", [("Korean People's Army", "KPA")]),
    # a run ends where the name ends: no "United States Agency" (USA) inside USAID
    ("a United States Agency for International Development project",
     [("United States Agency for International Development", "USAID"),
      ("States Agency for International Development", "SAID"), ("Agency for International Development", "AID")]),
    ("the Australia New Zealand United States treaty", [("Australia New Zealand United States", "ANZUS"),
                                                        ("New Zealand United States", "NZUS"),
                                                        ("Zealand United States", "ZUS")]),
    # a person's name, a title and a name, initials, two names joined: no acronym
    ("When did John Forbes Kerry visit Runnymede?", []),
    ("Where did Secretary Blinken meet President Rodrigo Chaves?", []),
    ("When did the U.S. Ambassador accompany the President to Saigon?", []),
    ("Where did the Secretary meet President Rau and Chancellor Schroeder?", []),
    ("When did J. F. K. visit Berlin?", []),
    ("What did the General Assembly decide?", []),
    ("the UN General Assembly", [("UN General Assembly", "UNGA")]),
])
def test_names_spelled_out_are_read_with_their_initials(text, runs):
    from qa.query import spelled_out

    assert [(" ".join(words), letters) for _, _, words, letters in spelled_out(text)] == runs


def test_reading_a_long_run_of_capitals_takes_no_time():
    """A question of hundreds of capitalised words is read in linear time: no run is longer than an acronym."""
    import time

    from qa.query import spelled_out

    started = time.perf_counter()
    spelled_out("What did " + "N A T O " * 130)
    spelled_out(" ".join(["Word"] * 800) + " Council")
    assert time.perf_counter() - started < 1.0


ACRONYMS = [
    ("May 2, 1960", "Cable from the delegation in Geneva",
     "The delegate reports that the BFT will hear the herring quota dispute in June."),
    ("June 9, 1960", "Minutes of the harbour council",
     "The council discussed dredging fees, the tribunal's budget and the northern channel."),
    ("July 1, 1960", "Letter on fishing rights", "The minister complains about trawlers in Baltic waters."),
    ("August 4, 1960", "Note from the ministry kitchen", "The cook asked for a new frying pan and fresh herring."),
]


@pytest.fixture(scope="module")
def acronyms(tmp_path_factory, embedder):
    from conftest import made_up_archive

    return made_up_archive(tmp_path_factory.mktemp("acronyms"), ACRONYMS, embedder)


def test_a_name_spelled_out_finds_the_acronym_the_records_write(acronyms):
    """"the Baltic Fisheries Tribunal" is the records' "BFT": one name, held by the record that writes it, not by
    those holding one of its words ("tribunal", "Baltic")."""
    r = acronyms.retrieve("Which record mentions the Baltic Fisheries Tribunal?")
    assert [sorted(map(sorted, n.spellings)) for n in r.query.names] == [[["baltic", "fishery", "tribunal"], ["bft"]]]
    answer = r.answer(3)
    assert answer.found and [c.hit.record.title for c in answer.citations] == ["Cable from the delegation in Geneva"]


def test_initials_spaced_out_in_a_question_are_read_without_failing(acronyms):
    """"J. F. K." and "the U. N. G. A." are no name spelled out: the question is answered as any other, and so is
    a follow-up to it."""
    for question in ("When did J. F. K. visit Geneva?", "What did the B. F. T. decide?"):
        acronyms.ask(question)
        acronyms.ask("And the herring dispute?", history=[question])


def test_a_name_inside_the_run_keeps_its_other_spellings():
    """"United States" inside "the United States Baltic Fisheries Tribunal" becomes the run's, its other
    spellings ("US") standing in its place in the run's."""
    from qa.names import read_aliases
    from qa.text import tokens

    vocab = set(tokens("united states us baltic fisheries tribunal usbft"))
    m = NameMatcher(vocab, read_aliases([BUILTIN_ALIASES]))
    names = names_in("When did the United States Baltic Fisheries Tribunal meet?", m, vocab,
                     acronym=lambda letters: letters == "USBFT")
    assert len(names) == 1 and frozenset(["usbft"]) in names[0].spellings
    assert frozenset(tokens("US Baltic Fisheries Tribunal")) in names[0].spellings


def test_initials_the_records_write_in_lower_case_are_no_acronym(acronyms):
    """"pan" is a word of the records, not an acronym they write: "Peter Adams Nelson" stays a name of his own."""
    r = acronyms.retrieve("What did Peter Adams Nelson say about herring?")
    assert all(frozenset(["pan"]) not in n.spellings for n in r.query.names)
    assert [n.text for n in r.query.names] == ["Peter Adams Nelson"]


def test_a_verbs_irregular_forms_are_matched_by_keyword_too():
    """A question's "meet" finds the records that say "met" by their keywords as well (qa/text.py forms())."""
    from qa.keywords import KeywordIndex, Tokens

    table = Tokens()
    for words in (["met", "vargas"], ["summit", "meet"], ["treaty"], ["natal"]):
        table.add(words)
    kw = KeywordIndex.from_tokens(table)
    q = analyze("Whom did he meet in Natal?", kw, NameMatcher(kw.vocabulary))
    assert "meet" in q.tokens and "met" in q.tokens
    assert kw.scores(q.tokens)[0] > 0  # the record that says "met" is found by its keywords


@pytest.mark.parametrize("word, reading", [("Teng", "Deng"), ("Hsiao-p'ing", "Xiaoping"), ("Hsiao-ping", "Xiaoping"),
                                           ("Tse-tung", "Zedong"), ("Chou", "Zhou"), ("En-lai", "Enlai"),
                                           ("Chao", "Zhao"), ("Tzu-yang", "Ziyang"), ("Kuo-feng", "Guofeng"),
                                           ("Shao-ch'i", "Shaoqi"), ("Tsu", "Zu"), ("Ssu", "Si"), ("Chih", "Zhi")])
def test_wade_giles_is_read_as_pinyin(word, reading):
    from qa.names import wade_giles

    assert reading in wade_giles(word)


def test_a_name_in_wade_giles_finds_the_collections_pinyin():
    """"Teng Hsiao-ping" is also the records' "Deng Xiaoping", whether or not the records write it the old way
    too; a name that does not look like Wade-Giles is left alone ("Tito" is no "Dido")."""
    from qa.text import tokens

    vocab = set(tokens("Deng Xiaoping Zhao Ziyang Teng Dido Tito Kennedy"))
    m = NameMatcher(vocab)
    assert frozenset(tokens("Deng Xiaoping")) in m.spellings(["Teng", "Hsiao-ping"])
    assert frozenset(tokens("Zhao Ziyang")) in m.spellings(["Chao", "Tzu-yang"])
    assert m.spellings(["Tito"]) == (frozenset({"tito"}),)
    assert m.spellings(["Chou", "En-lai"]) == (frozenset(tokens("Chou En-lai")),)  # no pinyin the records use


@pytest.mark.parametrize("a, b", [("treaties", "treaty"), ("countries", "country"), ("accompanied", "accompany"),
                                  ("accompanies", "accompany"), ("parties", "party"), ("telegrams", "telegram")])
def test_a_word_and_its_inflections_share_a_stem(a, b):
    from qa.text import tokens

    assert tokens(a) == tokens(b)


def test_a_plural_in_ies_is_no_other_word():
    from qa.text import tokens

    assert tokens("parties") != tokens("part") and tokens("ties") != tokens("ty")


def test_a_trip_to_a_country_cites_no_visit_from_it(hsg_archive):
    # the catalogue's titles say who went where: "Travel of ... to Iceland", "Visit of President ... (Iceland) to
    # the United States"; a trip to Iceland is only the first kind (qa/answer.py off_direction)
    answer = hsg_archive.ask("Which presidents or secretaries of state traveled to Iceland?", k=10)
    titles = [c.hit.record.title for c in answer.citations]
    assert sum(" to Iceland" in t for t in titles) >= 10 and not any("(Iceland) to" in t for t in titles), titles
    # and a follow-up asking for another decade keeps the way the question before went: the 1990s saw only
    # Icelandic visits to the United States, none of them a trip to Iceland
    later = hsg_archive.ask("And in the 1990s?", k=10, history=["List every trip to Iceland in the 1980s"])
    assert not any("(Iceland) to" in c.hit.record.title for c in later.citations), later.text
