"""What a question asks for: a fact, a list of records, or a period's records; and whether it is a follow-up.

Read from the question's grammar, not from its topic words, so it works on any collection:
- a list is asked for by a list verb at the start ("List ...", "Give me every ..."), by "how many", by a
  quantifier that starts the question ("All baptisms ...", "Every report ...", "Everything on ..."), by a
  plural noun after "which"/"what" ("Which telegrams ...", not the verb after a singular record noun: "Which
  record mentions ...") or heading a bare query ("Documents on Yalta"); a
  quantifier inside a compound or a name ("all-Korean", "All Souls", "Every Child Matters") is part of a
  word, not a cue;
- "date-only" is a period and nothing else ("What is there from March 1946?");
- a follow-up (only when there is an earlier question) opens with a link word ("And ...", "What about ..."),
  is a fragment of a few words ("Where?"), or uses a pronoun with nothing in the question it can refer to
  ("Did his secretary of state go along?"; not "What did Stalin say in his telegram?"). A follow-up without
  a cue of its own asks for what the question before it asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import MONTHS
from .names import PERSON_TITLES
from .text import singular, tokens

FACT, LIST, DATE_ONLY = "fact", "list", "date-only"

# Words that ask for records without naming a topic: with a date and nothing else, the question is date-only.
GENERIC = frozenset(tokens("""happen happened happening occur occurred discuss discussed written write wrote
created produced sent date dated dates hold holds held collection paper papers file files filed item items list
show find give anything something everything exist exists there available onward onwards documents records
record archive archives material materials text texts entries entry any all which what come comes came from
onward period time times report reported reports reporting mention mentioned note noted say said tell told
know known see can could have has had is are was were be been me us please year years month months day days
week weeks kept keep look looking get got else other recorded documented listed preserved stored
survive survives survived one ones go goes going went gone contain contains contained include includes
included cover covers covered"""))

# Words read in their grammatical role; matched in lower case.
_WH = {"which", "what", "whose"}
_QUESTION = {"who", "whom", "when", "where", "why", "how", "which", "what", "whose", "whence"}
_AUX = {"did", "do", "does", "was", "were", "is", "are", "has", "have", "had", "can", "could", "will", "would",
        "should", "shall", "may", "might", "must", "am", "be", "been", "being"}
_PLURAL_VERBS = {"were", "are", "have", "do"}
_QUANT = {"all", "every", "each", "any", "everything"}
_LIST_VERBS = {"list", "enumerate", "name", "itemise", "itemize", "catalogue", "catalog", "tally", "count"}
_ASK_VERBS = {"give", "show", "find", "fetch", "get", "bring", "pull", "retrieve", "collect", "gather"}
_SINGLE = {"one", "single", "first", "last", "earliest", "latest", "only", "main", "best"}
# Verbs of going somewhere: "Where did the governor go in 1921?" asks for every place he went, unless it asks for
# one of them ("Where did he go next?", "... first?", "... after Cairo?", "... on the way to Athens?": a move from
# one record, qa/followup.py).
_MOVE_VERBS = {"go", "went", "travel", "travelled", "traveled", "tour", "toured", "journey", "journeyed", "stop",
               "stopped"}
_JOURNEYS = {"trip", "trips", "journey", "journeys", "tour", "tours", "voyage", "voyages", "travels"}
_ONE_OF = _SINGLE | {"next", "then", "after", "afterwards", "before", "previously", "later", "earlier", "way"}
# A one-of word before these opens a clause of time, a period ("before he took office", "after they left"), or
# names a journey ("on his way home": its stops are many), and picks no one place.
_CLAUSE_OPENERS = {"he", "she", "they", "we", "i", "you", "home", "back"}
_PREP = {"of", "on", "about", "from", "in", "by", "with", "for", "to", "between", "during", "before", "after",
         "that", "which", "who", "whose", "where", "when", "concerning", "regarding", "since", "until", "at",
         "into", "than", "mentioning", "involving", "relating", "related", "dealing", "dated", "written", "sent",
         "held", "issued", "signed", "made", "and", "or", "as", ",", ":", ";", "?", "."}
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "his", "her", "their", "its", "my", "our",
                "your", "some", "such", "two", "three", "four", "five", "several", "many", "few", "other",
                "all", "every", "each", "any", "no"}
# Link words that make a question lean on the one before ("And in 1948?", "What about the British?").
_LINKS = re.compile(r"^(and|but|so|also|then|or|plus|what about|how about|what else|what of|same|likewise|"
                    r"only|just|except|earlier|later|before that|after that|the year (before|after)|next|"
                    r"again|too|as well|more|anything else|any others?|others?)\b", re.IGNORECASE)
_PERSONAL = {"he", "she", "him", "her", "his", "hers", "himself", "herself"}
_SINGULAR_THINGS = {"it", "its", "itself"}
_THINGS = {"they", "them", "their", "theirs", "those", "these", "themselves", "ones"}
_POINTING = {"that", "this", "there", "then"}
_DEMONSTRATIVES = {"that", "this", "those", "these"}
# Words that open a time counted from an event ("after that decision", "since those talks").
_TIME_EDGES = {"after", "before", "since", "following", "until", "till"}
# Prepositions before "that"/"those" and a noun that point at a thing said before ("at that conference", "on
# that trip", "during those talks"); "in that year" is a time, the question's own.
_PLACE_EDGES = {"at", "on", "during", "from", "of", "in", "to"}
# Nouns of time: "there that year", "in that month" say when, not what; and the words that may come before them
# ("there the next day", "that same year").
_TIME_NOUNS = {"year", "years", "month", "months", "week", "weeks", "day", "days", "time", "times", "summer",
               "winter", "spring", "autumn", "fall", "morning", "evening", "night", "decade", "period", "season"}
_TIME_BEFORE = {"same", "very", "next", "following", "previous"}
# Words that may end a question after the thing it points back at ("at that meeting too?").
_TRAILING = {"too", "also", "either", "again", "then", "as", "well", "?", ".", ",", "!"}


def _a_time(ws: list[str], j: int) -> bool:
    """Whether the words from ws[j] say a time: "year", "summer", "same year", "next day"."""
    w = ws[j].lower() if j < len(ws) else ""
    return w in _TIME_NOUNS or (w in _TIME_BEFORE and j + 1 < len(ws) and ws[j + 1].lower() in _TIME_NOUNS)
# Nouns whose plural does not end in -s, and -s words that are not plurals.
_IRREGULAR_PLURALS = {"men", "women", "children", "people", "memoranda", "minutes", "data", "media", "criteria",
                      "phenomena", "personnel", "folk", "police", "cattle", "archives"}
_NOT_PLURAL = {"news", "series", "species", "means", "politics", "economics", "physics", "mathematics", "ethics",
               "lens", "bus", "gas", "atlas", "canvas", "chaos", "ethos", "yes", "this", "his", "its", "was",
               "has", "does", "is", "us", "thus", "plus", "across", "always", "perhaps", "whereas",
               "afterwards", "towards", "besides", "whereabouts", "status", "census", "campus", "corpus",
               "thesis", "crisis", "analysis", "basis", "emphasis", "diagnosis", "axis", "process", "congress",
               "address", "progress", "witness", "business", "access", "success", "princess", "mistress",
               "sometimes", "as", "hers", "ours", "yours", "theirs", "whereas", "less", "unless", "else"}

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.]*(?:-[A-Za-z0-9'’]+)*|[?,;:]")


@dataclass(frozen=True)
class Intent:
    """What a question wants ("fact", "list" or "date-only"), whether it leans on the one before, and why."""

    kind: str
    follow_up: bool = False
    cue: str = ""
    order: int = 0  # -1: it asks for the earliest of its records ("When did he first ..."); 1: the latest; 0

    @property
    def listing(self) -> bool:
        """Whether the answer is every matching record, in date order (the latest first when it asks for the
        latest: "Which Popes visited the US most recently?")."""
        return self.kind in (LIST, DATE_ONLY)

    @property
    def answer_order(self) -> int:
        """The order of the weighed records a fact asks for (qa/answer.py extreme_first); 0 for a list, whose
        records are put in date order when the answer is composed."""
        return 0 if self.listing else self.order


def words(text: str) -> list[str]:
    """Words as written, hyphenated compounds whole ("all-Korean"), a final "'s" taken off."""
    out = []
    for w in _WORD.findall(text):
        w = re.sub(r"['’]s$", "", w.rstrip("."))
        if w:
            out.append(w)
    return out


def is_plural(word: str, *, first: bool = False) -> bool:
    """Whether a word reads as a plural noun ("telegrams", "memoranda"), by its ending.

    A capitalised word inside a question is a name ("Hughes"), not a plural, unless it is a title's plural
    ("Secretaries", "Emperors"); the first word may be either."""
    if word[:1].isupper() and not first:
        single = singular(word)
        return single in PERSON_TITLES and single != word.lower()  # "Secretaries", "Chairmen"
    w = word.lower().split("-")[-1]
    if w in _IRREGULAR_PLURALS:
        return True
    if w in _NOT_PLURAL or len(w) < 4 or not w.isalpha():
        return False
    return w.endswith("s") and not w.endswith(("ss", "us", "is", "ous", "ics", "'s"))


# Nouns for a record of some kind: a singular one followed by a word in -s and what opens that verb's object is
# its subject, the word its verb ("Which memo describes the morale ...?", "Which document talks about ...?",
# "Which cable warns that ..."), not a compound's plural head ("Diary entries from 1916", "Which letter writers
# complained ...?", "Which telegram numbers are given?").
DOCUMENT_NOUNS = frozenset("""document record item entry paper file memo memorandum telegram cable letter report
note dispatch despatch message minute protocol draft directive decree resolution statement speech transcript
diary communique communiqué bulletin circular summary""".split())
# Words that open a verb's object or what it says ("mentions the Security Council", "talks about", "warns that").
_OBJECT_OPENERS = {"the", "a", "an", "this", "these", "those", "his", "her", "their", "its", "my", "our", "your",
                   "him", "them", "it", "us", "me", "about", "that", "how", "whether", "what", "who", "why",
                   "when", "where", "any", "no"}


def _head(ws: list[str], start: int) -> tuple[str, int] | None:
    """The head noun of the phrase starting at ws[start]: its last word before a verb, preposition or end."""
    head = None
    for i in range(start, min(len(ws), start + 6)):
        w = ws[i].lower()
        if w in _AUX or w in _PREP or w in _QUESTION:
            break
        if w in _DETERMINERS and head is None:
            continue
        if head is not None and head[0].lower() in DOCUMENT_NOUNS and not ws[i][:1].isupper() \
                and is_plural(ws[i]) and i + 1 < len(ws) and ws[i + 1].lower() in _OBJECT_OPENERS:
            break  # a singular record noun, then its verb: "which record mentions the ...", "... talks about"
        if head is not None and not ws[i][:1].isupper() and not is_plural(ws[i]) and is_plural(head[0], first=
                                                                                           head[1] == 0):
            # "presidents visited ...": the plural noun, then its verb; "arms control treaties": a compound
            nxt = ws[i + 1] if i + 1 < len(ws) else ""
            if not (nxt and is_plural(nxt)):
                break
        head = (ws[i], i)
    return head


# Polite or framing openings that leave the request after them: "Could you list ...", "I'd like to see ...".
_OPENING = re.compile(r"^(?:(?:can|could|would|will) (?:you|i|we) (?:please )?|please |kindly |"
                      r"(?:i|we)(?:'d| would) like(?: to)?(?: see| have| get| find| read)? |(?:i|we) (?:want|need)"
                      r"(?: to)?(?: see| have| get| find| read)? |(?:i am|i'm|we are|we're) looking for |"
                      r"do you have |have you got |is it possible to (?:see |get )?)+", re.IGNORECASE)


# Verbs of coming and going that make the people a list asks for its records' travellers ("Which presidents have
# been to Hanoi?", "Which kings came ..."), not the people met ("Which presidents met the Shah?").
_VISIT_VERBS = _MOVE_VERBS | {"visit", "visits", "visited", "visiting", "come", "came", "been", "gone", "travels",
                              "trip", "trips", "tours", "journeys", "landed", "arrived", "flew"}
# Words before an office that make it another one ("vice presidents", "deputy ministers").
_OFFICE_MODIFIERS = {"vice", "deputy", "assistant", "under", "acting", "former", "lieutenant", "sub"}


def holds_office(title: str, office: str) -> bool:
    """Whether a record's title names someone by an office (roles()): "President" in "Travel of President
    ...", not "Vice President ..." nor "Deputy Prime Minister ..." for "president", "minister"."""
    for m in re.finditer(rf"(?<![\w-]){re.escape(office)}(?:s|es)?(?![\w-])", title, re.IGNORECASE):
        before = title[:m.start()].split()
        if not before or before[-1].lower().strip("-") not in _OFFICE_MODIFIERS:
            return True
    return False


def roles(question: str) -> tuple[str, ...]:
    """The offices of the people a list asks for as travellers: the plural office heading "which"/"what" ("Which
    presidents have been to Hanoi?", "Which US presidents or secretaries of state went ...?"), each office's
    word in the singular ("president", "secretary"), when the question has a verb of coming or going; () for
    people it asks about otherwise ("Which presidents met the Shah?", "Which ministers wrote ...?"), for an
    office another word makes another one ("vice presidents"), and for a word in a name ("Governors Island")."""
    ws = words(question)
    low = [w.lower() for w in ws]
    at = next((i for i, w in enumerate(low) if w in _WH), None)
    if at is None or not set(low) & _VISIT_VERBS:
        return ()
    found, start = [], at + 1
    while start < len(ws):
        head = _head(ws, start)
        if head is None:
            break
        word, i = head
        if set(low[start:i]) & _VISIT_VERBS:  # "Which presidents visited Queens?": past its verb, a name
            break
        nxt = ws[i + 1] if i + 1 < len(ws) else ""
        if singular(word) == word.lower() or singular(word) not in PERSON_TITLES or (i and low[i - 1] in
                _OFFICE_MODIFIERS) or (nxt[:1].isupper() and nxt.lower() != "of"):
            break
        found.append(singular(word))
        # "... presidents or secretaries of state": the next office joined to it
        rest = i + 1 + (low[i + 1:i + 3] == ["of", "state"]) * 2
        if rest >= len(ws) or low[rest] not in ("or", "and"):
            break
        start = rest + 1
    return tuple(dict.fromkeys(found))


def _one_place(ws: list[str]) -> bool:
    """Whether a question (its words) asks where someone went next, first, after ... : one place ("And after
    Moscow, where did he go?", "... after she left Rome?"), however many the question before it asked for; not
    when it asks where else, nor for a period ("after 1985", "later in 1999", "before that, in 1971", "before he
    took office")."""
    low = [w.lower() for w in ws]
    if "where" not in low or not any(w in _MOVE_VERBS for w in low) or any(w in ("else", "other", "others")
                                                                          for w in low):
        return False
    said = [w for w in ws if w not in "?,;:."]
    content = [w.lower() for w in said]

    def period(w: str) -> bool:
        return len(w) == 4 and w.isdigit() or w in MONTHS and w != "may"

    # a one-of word that a period follows within three words is that period's edge ("after 1985"); one before a
    # journey picks the journey, whose places are many ("his first trip abroad: where did he go?"), and one before
    # a clause of time is its edge too ("before he took office"), unless the clause names a place ("after she
    # left Rome": a move from there)
    def picks_one(j: int, w: str) -> bool:
        after = content[j + 1:j + 4]
        named = any(v[:1].isupper() for v in said[j + 2:j + 5])
        opens = after and (after[0] in _JOURNEYS or after[0] in _CLAUSE_OPENERS and not named)
        onward = w == "there" and j > 0 and content[j - 1] == "from"  # "where did he go from there?"
        return (w in _ONE_OF or onward) and not any(period(v) for v in after) and not opens

    return any(picks_one(j, w) for j, w in enumerate(content))


def _own_kind(ws: list[str]) -> tuple[str | None, str]:
    """The kind the question's own words ask for, and the cue; None when they give no cue."""
    opening = _OPENING.match(" ".join(ws))
    if opening:  # "Could you list the visits ...": read what follows the opening
        ws = words(" ".join(ws)[opening.end():])
        if ws and ws[0][:1].islower():
            ws = [ws[0].capitalize()] + ws[1:]
    low = [w.lower() for w in ws]
    if not low:
        return None, ""
    if low[0] in ("in", "to", "from", "for", "at", "on", "during", "by", "with") and len(low) > 1 and low[1] in _WH:
        ws, low = ws[1:], low[1:]  # "In which years did ...", "To what places ..."
    first = low[0]
    # a list verb or "give me / show me" at the start: "List the visits ...", "Give me every telegram ..."
    if first in _LIST_VERBS and len(low) > 1 and low[1] not in _AUX:
        return LIST, f"starts with {ws[0]!r}"
    if low[:2] in (["a", "list"], ["the", "list"]) and low[2:3] == ["of"]:  # "A list of the Shah's visits"
        return LIST, f"starts with {ws[0]!r} {ws[1]!r}"
    if first == "tell" and low[1:2] in (["me"], ["us"]) and low[2:3] and low[2] in _QUANT:
        return LIST, f"{ws[0]!r} followed by {ws[2]!r}"  # "Tell me every visit ..."; not "Tell me the reasons"
    if first in _ASK_VERBS:
        at = 2 if low[1:2] in (["me"], ["us"]) else 1
        if low[at:at + 1] and low[at] in _QUANT:
            return LIST, f"{ws[0]!r} followed by {ws[at]!r}"
        if low[at:at + 2] in (["a", "list"], ["the", "list"]):
            return LIST, f"{ws[0]!r} a list"
        head = _head(ws, at)
        if head is not None and is_plural(head[0]):
            return LIST, f"{ws[0]!r} with the plural {head[0]!r}"
    # "What were all of his trips abroad?", "Where were all his stops?": a plural verb, then "all" or "every";
    # not a reason, a manner or a time of them all ("Why were all the talks broken off?", "When were all the
    # troops withdrawn?"), nor what "all these" have in common or are about
    if first in _QUESTION - {"why", "how", "when"} and low[1:2] and low[1] in _PLURAL_VERBS | {"have"} \
            and low[2:3] and low[2] in _QUANT and low[3:4] != ["these"] and low[3:4] != ["those"] \
            and (low[1] != "have" or low[2:4] != ["all", "been"]) \
            and next((w for w in reversed(low) if w.isalpha()), "") not in ("about", "for", "common"):
        return LIST, f"{ws[0]!r} {ws[1]!r} {ws[2]!r}"
    if low[:2] in (["how", "many"], ["how", "often"]):
        return LIST, f"{ws[0]!r} {ws[1]!r} needs every matching record"
    if low[:2] in (["are", "there"], ["were", "there"], ["is", "there"], ["was", "there"]):
        head = _head(ws, 2)  # "Are there any letters from ...?"
        if head is not None and is_plural(head[0]):
            return LIST, f"{ws[0]!r} {ws[1]!r} with the plural {head[0]!r}"
    # a quantifier that starts the question and is not part of a name ("All records ...", not "All Souls")
    if first in _QUANT and len(ws) > 1 and not ws[1][:1].isupper() and ws[1].lower() not in _AUX:
        return LIST, f"starts with the quantifier {ws[0]!r}"
    if first in _WH:
        nxt = low[1] if len(low) > 1 else ""
        if nxt == "of":  # "Which of the drafts was approved?" asks for one; "... were approved?" for several
            later = next((w for w in low[2:] if w in _AUX), "")
            return (LIST, "'which of' with a plural verb") if later in _PLURAL_VERBS else (FACT, "'which of'")
        if nxt in _AUX or nxt in _QUESTION or not nxt:
            return FACT, f"{ws[0]!r} followed by {nxt!r}"
        head = _head(ws, 1)
        if head is None:
            return FACT, f"{ws[0]!r} without a noun"
        if head[0].lower() in _SINGLE or any(w in _SINGLE for w in low[1:head[1]]):
            return FACT, f"{ws[0]!r} asks for a single one"
        if is_plural(head[0]):
            return LIST, f"{ws[0]!r} with the plural {head[0]!r}"
        return FACT, f"{ws[0]!r} with the singular {head[0]!r}"
    if first == "where" and any(w in _MOVE_VERBS for w in low[1:]) and not _one_place(ws):
        return LIST, f"{ws[0]!r} with a verb of going asks for every place"
    if first in _QUESTION or first in _AUX or first in ("tell", "explain", "describe", "summarise", "summarize"):
        return FACT, f"a question starting with {ws[0]!r}"
    if first.endswith("ing") and len(first) > 5 and not first.endswith("thing"):
        return FACT, "a phrase starting with a verb"
    # a bare query: a plural head lists ("Documents on the Yalta Conference", "Old Bailey forgery trials")
    head = _head(ws, 0)
    if head is not None and is_plural(head[0], first=head[1] == 0):
        return LIST, f"a query headed by the plural {head[0]!r}"
    return None, ""


def _unbound_pronoun(ws: list[str]) -> str | None:
    """A pronoun with nothing earlier in the question it can stand for, or None.

    "it" and a demonstrative that ends a clause ("after that", "on this") stand for something said before
    unless a name comes first; "that"/"this" before "one" or after a verb's object slot ("Who signed that
    request?"), and "that"/"those" with a noun after a preposition ("at that conference", not "in that year"),
    point back too; "there" points back as a place ("been there", "went there that year"), not as "is there".
    """
    seen_name = seen_noun = False
    existential = ""
    for i, w in enumerate(ws):
        low = w.lower()
        prev = ws[i - 1].lower() if i else ""
        nxt = ws[i + 1].lower() if i + 1 < len(ws) else "?"
        if low in _PERSONAL and not seen_name:
            return w
        if low in _SINGULAR_THINGS and not seen_name:
            return w
        if low in _THINGS and not (seen_noun or seen_name):
            return w
        if low in ("that", "this") and (nxt in "?.,;:" or nxt in ("one", "ones")):
            return w
        if low in ("that", "this") and prev in _TIME_EDGES and nxt in _PREP:
            return w  # "What was the memo before that about?": "that" stands alone, its question after it
        if low in ("that", "this") and i > 0 and (prev in _AUX or prev.endswith("ed")) and nxt not in _PREP \
                and nxt not in _AUX and nxt not in _DETERMINERS:
            return w
        if low in ("that", "this") and i == 1 and prev in _AUX and nxt in _DETERMINERS:
            return w  # "Was that the Polish president?", "Is this a draft?": it stands for what was said
        noun = i + 2 if nxt in _TIME_BEFORE else i + 1  # "at that same conference"
        said = ws[noun].lower() if noun < len(ws) else ""
        if low in ("that", "those") and prev in _PLACE_EDGES and said.isalpha() and ws[noun].islower() \
                and said not in _AUX and said not in _PREP and said not in _OBJECT_OPENERS \
                and not (low == "those" and said.endswith(("ed", "ing"))) and not _a_time(ws, i + 1) \
                and all(x.lower() in _TRAILING for x in ws[noun + 1:]):
            return w  # "at that conference?", "during those talks too?": a thing said before; not "in that year"
            # (a time), "those killed in ..." (people), "in that it was ...", "that meeting in Lyon" (says which)
        if low in _DEMONSTRATIVES and prev in _TIME_EDGES and i + 2 == len(ws) and nxt.isalpha() \
                and ws[i + 1].islower() and nxt not in _AUX and nxt not in _PREP:
            return w  # "after that decision?", "before those talks?": counted from something said before
        if low == "there":  # a place ("been there"), not "is there", "there were", "Are there any"
            if i > 0 and not seen_name and nxt in ("that", "this", "the") and _a_time(ws, i + 2):
                return w  # "Who else went there that year?", "Who was there the next day?"
            if i > 0 and prev not in ("is", "are", "was", "were") and prev not in _QUESTION \
                    and nxt not in _AUX and nxt not in _DETERMINERS and nxt not in ("anything", "something"):
                return w
            existential = w
            continue
        if low in _POINTING and not (seen_noun or seen_name) and (
                i == len(ws) - 1 or ws[i + 1] in "?.,;:" or ws[i + 1].lower() in _PREP):
            return w
        if w[:1].isupper() and i > 0 and low not in _QUESTION and low not in _AUX and low != "i":
            seen_name = True
        if low not in _QUESTION and low not in _AUX and low not in _DETERMINERS and low not in _PREP \
                and low not in _QUANT and low not in ("many", "much", "me", "i", "you", "we") and len(low) > 2:
            seen_noun = True
    if existential and not (seen_noun or seen_name):  # "How many were there in all?": of what was asked before
        return existential
    return None


def dated_topic(question: str):
    """A question's dates (qa/qdates.py find_dates) and its topic: its words besides them, generic ones out."""
    from .qdates import find_dates

    found = find_dates(question)
    return found, set(tokens(found.rest if found.found else question)) - GENERIC


def _leans_on_before(text: str, ws: list[str], dated: bool) -> str | None:
    """Why a question leans on the one before it (dated: it states dates of its own), or None when it stands
    alone."""
    m = _LINKS.match(text.strip())
    if m:
        return f"opens with {m.group(0)!r}"
    content = [w for w in ws if w not in "?.,;:"]
    if len(content) <= 3 and not any(w.lower() in _AUX for w in content[1:]):
        return "a fragment of a few words"
    pronoun = _unbound_pronoun(content)
    if pronoun:
        return f"{pronoun!r} refers to something not in the question"
    thing = _definite_thing(content)
    if thing:
        return f"{thing!r} is a thing the question does not say"
    relative = _RELATIVE.search(text)
    if relative and not dated and len(content) <= RELATIVE_WORDS and not is_plural(relative.group("noun")) \
            and not any(w[:1].isupper() for w in content[1:] if w.lower() != "i"):
        return f"{relative.group(0)!r} counts from something said before"
    from .qdates import find_shift

    # "the next day", "that same month", "later that year" ending a clause, in a question with no dates of its
    # own: a time counted from the answer before (not "the day after the amendment was introduced")
    shift = find_shift(text, edges=True)
    if shift is not None and shift.edge not in ("", "later", "earlier"):  # "at the end of that year": a part
        shift = None                                                      # of a time said in the question
    if shift is not None and not dated:
        after = text[text.find(shift.phrase) + len(shift.phrase):].strip()
        if not after or after[0] in "?.!,;:":
            return f"{shift.phrase!r} counts from the answer before"
    return None


# "the next document", "the previous step", in a short question naming nothing and no time: next after what was
# said before; not "the following words: ..." nor "the subsequent negotiations over the tariffs", which say
# what they are. Up to this many words.
_RELATIVE = re.compile(r"\b(?:next|previous|preceding)\s+(?P<noun>[a-z]+)\b", re.IGNORECASE)
RELATIVE_WORDS = 8


# A short question about "the" something, naming nothing and no time ("What was the occasion?", "Where was the
# funeral held?"), is about the something of the question before it. Up to this many words.
DEFINITE_WORDS = 5


def _definite_thing(ws: list[str]) -> str | None:
    """'the X' in a short question with no name, number or qualifier of its own, or None."""
    if len(ws) > DEFINITE_WORDS or any(w[:1].isupper() or any(c.isdigit() for c in w) for w in ws[1:]):
        return None
    low = [w.lower() for w in ws]
    for i, w in enumerate(low[:-1]):
        nxt = low[i + 1]
        qualified = i + 3 < len(low) and low[i + 2] in ("of", "in", "on", "at", "for", "from", "about")
        if w == "the" and nxt not in _PREP and nxt not in _AUX and nxt not in _QUANT and nxt.isalpha() \
                and not qualified:  # "the cause of the fire" says which; "what was the treaty about" does not
            return f"the {ws[i + 1]}"
    return None


# A question asking for the earliest or the latest of the records that answer it ("Who was the first Pope to
# visit?", "When did she last come?", "the most recent visit"). Not the words in a title or compound ("First
# Secretary", "the first lady", "at last"), nor a period said by them ("the first days of the war", "last
# year", which qa/qdates.py reads or leaves alone).
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_EXTREME = re.compile(
    r"(?<![\w-])(?:(?P<early>first|earliest)|(?P<late>last|latest|most\s+recent(?:ly)?))(?![\w-])"
    r"(?!\s+(?:lady|ladies|secretary|minister|deputy|vice|world\s+war|amendment|class|aid|name|names|person|"
    r"hand|place|half|quarter|weeks?|days?|months?|years?|nights?|spring|summer|autumn|fall|winter|resort|"
    r"words?|minute|moment|strike|use|reading|of\s+all|(?:\d+|two|three|four|five|six|seven|eight|nine|ten|"
    rf"few|couple)\b|of\s+(?:the\s+)?(?:month|year|\d|(?:{_MONTH_NAMES})\b)))", re.IGNORECASE)


# The words that ask for the order: not the topic, so a record need not hold them.
EXTREME_WORDS = frozenset(tokens("first earliest last latest most recent recently"))


def extreme(text: str) -> int:
    """-1 when a question asks for the earliest of its records, 1 for the latest, 0 for neither (the first
    such word decides)."""
    for m in _EXTREME.finditer(text):
        word = m.group(0)
        if word[:1].isupper() and m.start() > 0:  # "First Secretary Gierek", "The Last Emperor"
            continue
        if re.search(r"\bat\s+(?:the\s+|long\s+)?\Z", text[:m.start()], re.IGNORECASE):
            continue  # "at first", "at last", "at long last", "at the latest"
        if m.group("late") and re.match(r"\s*how\s+long\b", text, re.IGNORECASE):
            continue  # "How long did the war last?": the verb
        return -1 if m.group("early") else 1
    return 0


# A clause after a dash or a colon that starts with a quantifier and a noun in lower case: "Elihu Root's 1906
# trip - every country he visited", "Kissinger in China: all the meetings"; not "Oxford – All Souls College".
_QUANT_CLAUSE = re.compile(r"(?:\s[-–—]+\s*|:\s*)((?i:every|all|each))\s+(?:of\s+)?(?:the\s+|his\s+|her\s+|"
                           r"their\s+)?([a-z][a-z'’-]*)")


# A question after a dash or a colon: "Hull's journey to Moscow in October 1943: where did he go?"
_CLAUSE = re.compile(r"(?:\s[-–—]+\s*|:\s*)((?i:who|whom|when|where|why|how|which|what)\b.*)\Z")


def detect(question: str, history: list[str] | None = None) -> Intent:
    """The intent of a question, reading the earlier questions (oldest first) for a follow-up."""
    found, topic = dated_topic(question)
    ws = words(question)
    why_follow = _leans_on_before(question, ws, found.found) if history else None
    if found.found and not topic:
        if why_follow is None:
            return Intent(DATE_ONLY, False, "a period and no topic")
        # "And in 1947?": the question before, for that period (a period's listing if it asked for one)
        kind = detect(history[-1], history[:-1]).kind  # type: ignore[index]
        return Intent(kind, True, f"a period and no topic; {why_follow}; asks for what the question before "
                                  "asked for")
    linked = why_follow is not None and _LINKS.match(question.strip()) is not None
    kind, cue = (None, "") if linked else _own_kind(ws)
    low = [w.lower() for w in ws]
    tail = None if linked or kind == LIST else _CLAUSE.search(question)
    if tail and not _one_place(ws) and _own_kind(words(tail.group(1)))[0] == LIST:
        # "Hull's 1943 journey: where did he go?"; not "The first stop of his trip: where did he go?"
        kind, cue = LIST, f"the clause {tail.group(1)!r} asks for a list"
    clause = None if linked or kind == LIST else _QUANT_CLAUSE.search(question)
    noun = clause.group(2) if clause else ""  # a noun: not a verb ("each received"), nor "all in all"
    if clause and noun not in _AUX and noun not in _PREP and not noun.endswith("ed"):
        kind, cue = LIST, f"a clause starting with the quantifier {clause.group(1)!r}"
    if why_follow is not None and kind is None and _one_place(ws):
        kind, cue = FACT, f"{why_follow}; asks where he went at one point"
    elif why_follow is not None and kind is None:
        kind = detect(history[-1], history[:-1]).kind  # type: ignore[index]
        cue = f"{why_follow}; asks for what the question before asked for"
    else:
        kind, cue = kind or FACT, "; ".join(c for c in (cue or "no list cue", why_follow) if c)
    # the earliest or the latest of the records that answer (a list's: latest first, or in date order)
    return Intent(kind, why_follow is not None, cue, extreme(question))
