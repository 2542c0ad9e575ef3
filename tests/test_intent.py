"""What a question asks for, read from its grammar: fact, list or date-only, and whether it is a follow-up."""

import pytest
from conftest import DATA

from qa.evaluate import intent_accuracy
from qa.intent import DATE_ONLY, FACT, LIST, detect, extreme, is_plural

EVAL = DATA / "eval"
# The goal for a mechanism that must hold on any collection and phrasing, set before measuring: nine in ten
# questions read right. The labelled intent set was written by a helper that never saw the code; its test split
# is never tuned on.
GOALS = {"intent": 0.85, "follow_up": 0.90}


@pytest.mark.parametrize("question, kind", [
    ("Which telegrams did the ambassador send in 1950?", LIST),
    ("Which telegram reported the coup?", FACT),
    ("List the visits of the Shah.", LIST),
    ("Could you list the visits of the Shah?", LIST),
    ("How many times did the Pope visit Poland?", LIST),
    ("All cables from the embassy in Cairo", LIST),
    ("Every meeting of the planning board", LIST),
    ("Everything on the harbour strike of 1921", LIST),
    ("A list of the Shah's visits", LIST),
    ("Tell me every visit by the Pope", LIST),
    ("Tell me the reasons for the strike", FACT),
    ("Letters from the governor to the colonial office", LIST),
    ("Are there any photographs of the harbour?", LIST),
    ("Show me the minutes of the finance committee", LIST),
    ("In which years did the council meet in Geneva?", LIST),
    # a title's plural is a plural, capitalised or not; a clause after a dash or colon can ask for every one
    ("Which Secretaries of State went to Burma?", LIST),
    ("Which Popes visited the harbour?", LIST),
    ("Which Governor signed the charter?", FACT),
    ("The governor's 1921 tour - every town he stopped in", LIST),
    ("The 1921 tour of the governor: all the towns", LIST),
    # "where" with a verb of going asks for every place gone to, unless for one of them; a clause after a dash
    # or a colon is read as a question of its own
    ("Where did the governor travel in 1921?", LIST),
    ("Where did the bishop go on his tour of the islands?", LIST),
    ("The 1921 tour of the governor: where did he go?", LIST),
    ("Where did the governor go next?", FACT),
    ("Where did the governor stop first?", FACT),
    ("Where did the governor go after Cairo?", FACT),
    ("Where did the governor stop on the way to Cairo?", FACT),
    ("Where did the council meet in 1934?", FACT),
    ("Where was the treaty signed?", FACT),
    ("The 1921 tour of the governor: who paid for it?", FACT),
    ("The first stop of the governor's 1921 tour: where did he go?", FACT),
    ("The governor's first tour abroad, 1921: where did he go?", LIST),  # "first" picks the tour
    ("Where did the governor go after 1921?", LIST),  # a period, not a move
    ("Where did the governor go before he took office?", LIST),  # a clause of time, a period too
    ("Where did the governor travel after she resigned?", LIST),
    ("Where did the governor go after she left Cairo?", FACT),  # the clause names where the move starts
    ("Where did the governor stop on his way home from the conference?", LIST),  # a journey: many stops
    ("Where did the governor go after it?", FACT),  # 'it': the record before, a move
    ("Where else did the governor go after Cairo?", LIST),
    ("Cable Nos. 12-14: all were sent from Cairo", FACT),  # "all" and a verb ask for nothing
    ("Oxford – All Souls College, 1950: who lectured?", FACT),  # a name after the dash
    ("The treaty: all in all, was it a success?", FACT),
    ("Kissinger and Le Duc Tho: each received the prize?", FACT),
    ("Which Chairmen met the governor?", LIST),
    # quantifiers and list words inside compounds, names and non-distributive uses switch nothing
    ("What did the all-party committee recommend?", FACT),
    ("When was the All Souls library rebuilt?", FACT),
    ("Did all members approve the budget?", FACT),
    ("Who drew up the list of demands?", FACT),
    ("Which of the two drafts did the minister sign?", FACT),
    ("What did Hughes say at the opening session?", FACT),  # a name ending in s is not a plural
    ("Sending a survey party to the northern mines", FACT),
    ("Tell me about the Bandung Conference", FACT),
    # a singular noun, then its verb in -s: one record is asked for; a compound's plural head still lists
    ("Which record mentions the Security Council?", FACT),
    ("Which document talks about the General Assembly?", FACT),
    ("Which memo describes the morale of the garrison?", FACT),
    ("Which cable warns that the harbour may close?", FACT),
    ("Which peace talks failed?", LIST),
    ("What were all of the governor's trips abroad?", LIST),  # a plural verb, then "all"
    ("Where were all his stops?", LIST),
    ("What was all the fuss about?", FACT),
    ("Why were all the talks broken off?", FACT),
    ("When were all the troops withdrawn?", FACT),
    ("What were all the talks about?", FACT),
    ("What do all these cables have in common?", FACT),
    ("What were the main results of all the talks?", FACT),
    ("Which trade talks in 1947 involved the mission?", LIST),
    ("Which telegram numbers are given?", LIST),
    ("Diary entries from 1916", LIST),                 # a record noun as a compound's first word
    ("Which diary entries describe the siege?", LIST),
    ("Which letter writers complained about the tax?", LIST),
    ("Are there any record books from the parish?", LIST),
    # a period and nothing else
    ("What is there from March 1946?", DATE_ONLY),
    ("Documents of 1947", DATE_ONLY),
    ("Everything between 1 and 15 May 1968", DATE_ONLY),
    ("What do the records contain from the first half of 1948?", DATE_ONLY),  # what records hold, not a topic
    ("Which papers cover 1921?", DATE_ONLY),
    ("What documents from October 1947 mention the harbour?", LIST),
])
def test_the_kind_a_question_asks_for(question, kind):
    assert detect(question).kind == kind, detect(question)


@pytest.mark.parametrize("question, history, follow_up", [
    ("And what did the minister answer?", ["What did the ambassador propose?"], True),
    ("Did his deputy go too?", ["Where did the foreign minister travel in 1956?"], True),
    ("Where?", ["When did the treaty come into force?"], True),
    ("What about the French?", ["What did the British demand?"], True),
    ("What did Stalin say in his telegram?", ["Who wrote to Mao?"], False),  # 'his' refers inside
    ("Which treaties did the Colonial Office register?", ["What did the chiefs petition for?"], False),
    ("And what did the minister answer?", None, False),  # nothing before it: it cannot lean on anything
    ("What did the ambassador cable home the next day?", ["When did the ambassador meet the king?"], True),
    ("What did the ambassador cable home on 3 May 1950?", ["When did the ambassador meet the king?"], False),
    ("What did the envoy report the day after the vote was taken?", ["When did the ambassador meet the king?"],
     False),  # the day after something it says itself
])
def test_a_follow_up_leans_on_the_question_before(question, history, follow_up):
    assert detect(question, history).follow_up is follow_up


def test_a_follow_up_without_a_cue_of_its_own_asks_for_what_the_question_before_asked_for():
    assert detect("And to Japan?", ["Which trips did the president make to China?"]).kind == LIST
    assert detect("Which one came first?", ["Which trips did the president make to China?"]).kind == FACT
    assert detect("Same for 1947", ["What is there from spring 1946?"]).kind == DATE_ONLY
    # ... unless it asks where someone went at one point, after a question asking for every place
    assert detect("And after Cairo, where did he go?", ["Where did the governor travel in 1921?"]).kind == FACT
    assert detect("And in 1922?", ["Where did the governor travel in 1921?"]).kind == LIST
    # a period alone after a question with a topic asks that question again for the period; after a period alone,
    # for the period's records
    assert detect("And in 1947?", ["What did the council decide about the harbour in 1946?"]).kind == FACT
    assert detect("And in 1947?", ["What is there from 1946?"]).kind == DATE_ONLY
    assert detect("Documents of 1947").kind == DATE_ONLY
    assert detect("And where else did he go after Cairo?", ["Where did the governor travel in 1921?"]).kind == LIST
    assert detect("And where did he go before that, in 1920?", ["Where did the governor travel in 1921?"]).kind == LIST


@pytest.mark.parametrize("word, plural", [("telegrams", True), ("memoranda", True), ("countries", True),
                                          ("news", False), ("analysis", False), ("congress", False),
                                          ("Hughes", False), ("status", False), ("visits", True),
                                          ("Secretaries", True), ("Emperors", True), ("Jones", False)])
def test_plural_nouns_by_their_endings(word, plural):
    assert is_plural(word) is plural


@pytest.mark.parametrize("split", ["dev", "test"])
def test_the_labelled_intent_set(split):
    got = intent_accuracy(EVAL / f"intent-{split}.jsonl")
    print(f"intent {split}: {got}")
    assert got["questions"] >= 100
    for name, goal in GOALS.items():
        assert got[name] >= goal, (split, name, got)


@pytest.mark.parametrize("question, follow_up", [
    ("How many pages does it have?", True),              # "it" after a noun still points back
    ("Who stamped that memo?", True),                     # a demonstrative after a verb
    ("which office kept that one", True),
    ("Did the ambassador stay on after this?", True),     # a demonstrative that ends the clause
    ("Had any envoy been there before?", True),           # "there" as a place
    ("Is there a memo from the embassy?", False),         # "there" as "there is"
    ("Was there any reply from the embassy?", False),
    ("Which memo says that the embassy closed?", False),  # "that" opening a clause
    ("What did Ambassador Ruiz say about it?", False),    # a name comes first
    ("What did the council decide after that vote?", True),   # a time counted from something said before
    ("Which memo came before those talks?", True),
    ("What did the council decide after that vote in Lyon?", False),  # the vote is said which
    ("What happened after that?", True),
    ("What was the memo before that about?", True),       # "that" alone, its question stranded after it
    ("Who wrote the report after that on the strike?", True),
    ("What did the council decide before that vote on wages?", False),  # the vote is said which
    ("What is the next document?", True),                # next after what was said before
    ("And what was the previous step?", True),
    ("Which documents mention the following words, uranium and prospecting?", False),  # say what they are
    ("Who else went there that year?", True),            # "there", then when
    ("Who else was there that summer?", True),
    ("Was that the Polish consul?", True),                  # "that" standing for what was said, then "the"
    ("Is this a draft of the same report?", True),
    ("Was the governor at that meeting too?", True),       # "that" and its noun after a preposition
    ("What was decided during those talks?", True),
    ("Who spoke at that very meeting?", True),
    ("Who was consul in that year?", True),                # the time of the answer before
    ("Who was consul later that year?", True),             # a move from it, within that year
    ("What visits were there at the end of that year?", False),  # a part of a year said in the question
    ("What did the council decide at that meeting in Lyon?", False),  # its own qualifier says which
    ("Were pensions paid to those wounded in the strike?", False),    # people, not a thing said before
    ("Was the Treaty of Rapallo unusual in that it was kept secret?", False),
    ("What did the subsequent investigation of the harbour strike find?", False),
    ("Which next steps did the harbour commission of the northern ports recommend?", False),  # plural
])
def test_a_pronoun_pointing_back_makes_a_follow_up_in_a_conversation(question, follow_up):
    assert detect(question, ["What did the consul report about the harbour strike?"]).follow_up is follow_up
    assert not detect(question).follow_up  # with nothing before it, nothing is leaned on


@pytest.mark.parametrize("question, follow_up", [
    ("What was the occasion?", True),                     # "the occasion" of what was asked before
    ("Where was the funeral held?", True),
    ("who chaired the meeting", True),
    ("What was the Marshall Plan?", False),               # a name defines it
    ("Who won the 1970 election?", False),                # a date defines it
    ("What was the treaty about?", True),
    ("The cause of this fire?", False),                   # its own qualifier says which
    ("Where did the consuls of the northern ports meet?", False),  # and so do more than a few words
])
def test_a_short_question_about_the_something_it_does_not_say_is_a_follow_up(question, follow_up):
    assert detect(question, ["When did the consul report the harbour strike?"]).follow_up is follow_up
    assert not detect(question).follow_up


@pytest.mark.parametrize("question, order", [
    ("Who was the first Pope to visit the United States?", -1),
    ("When did she first come to Ottawa?", -1),
    ("First visit of the Shah", -1),
    ("What was the earliest report on the harbour?", -1),
    ("When did the Pope last visit the US?", 1),
    ("What did the last telegram say?", 1),
    ("Which was the latest estimate?", 1),
    ("the most recent visit of the Shah", 1),
    # titles, compounds, idioms and periods ask for no order
    ("First Secretary Gierek's visit", 0),
    ("What did the first lady do?", 0),
    ("At first, what did he propose?", 0),
    ("Peace at last?", 0),
    ("What happened in the first days of the war?", 0),
    ("What happened last year?", 0),
    ("Where did she go on the first of May?", 0),
    ("When did The Last Emperor open?", 0),
    ("A first-hand account of the landing", 0),
    ("What happened in the first week of October 1947?", 0),
    ("Where did she go on the first of May 1950?", 0),
    ("What happened in the last ten days of October 1947?", 0),
    ("How long did the war last?", 0),
    ("First of all, who signed the treaty?", 0),
    ("Was it signed at the last minute?", 0),
    ("Reply by May 1 at the latest", 0),
    ("Peace at long last", 0),
    ("Did they pledge no first use?", 0),
    ("When did he last visit Paris in the 1950s?", 1),
])
def test_a_question_for_the_earliest_or_the_latest_of_its_records(question, order):
    assert extreme(question) == order
    assert detect(question).order == order


@pytest.mark.parametrize("question, order", [("Which proposals were first put forward in 1947?", -1),
                                             ("List the most recent telegrams of the war", 1)])
def test_a_list_keeps_its_order_for_its_date_order_but_not_for_weighing(question, order):
    got = detect(question)
    assert got.listing and got.order == order and got.answer_order == 0
