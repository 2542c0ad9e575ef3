"""Reading a question: what it asks for, its date range, its names in the corpus's spellings, its other words."""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from .intent import DATE_ONLY, EXTREME_WORDS, GENERIC, Intent, dated_topic, detect
from .keywords import KeywordIndex
from .names import HONORIFICS, PERSON_TITLES, NameMatcher, not_a_name
from .text import forms, singular, tokens

# A follow-up's context (the names and words of the question before it) counts at this share of the weight of
# its own words in the support model (qa/support.py): they help, but the records need not hold them.
CONTEXT_SHARE = 0.5


@dataclass(frozen=True)
class Name:
    """A name in a question, with every spelling of it that counts: its own, and the collection's variants."""

    text: str
    spellings: tuple[frozenset[str], ...]  # each a set of tokens; the first is the question's own
    known: bool                            # whether the collection uses some spelling of it (or place in it)
    within: tuple[frozenset[str], ...] = ()  # a region's: the places in it (qa/names.py Place), held as it but
                                             # not searched for (NameMatcher.within)

    @property
    def holding(self) -> tuple[frozenset[str], ...]:
        """What a record holds the name by: a spelling of it, or a place in it."""
        return self.spellings + self.within

    def held_by(self, count) -> int:
        """At most how many records hold the name: for each spelling (or place in it), as many as hold its
        rarest word (count: a word's number of records), summed."""
        return sum(min(count(t) for t in s) for s in self.holding)


@dataclass(frozen=True)
class Query:
    """A question made ready for retrieval."""

    text: str                     # the question as asked (cleaned)
    intent: Intent                # fact, list or date-only; follow-up or not
    match_text: str               # what is embedded: the date phrase out, the names a follow-up leans on and
                                  # the corpus's spellings added
    tokens: list[str]             # what BM25 matches, name variants included
    date_from: date | None = None
    date_to: date | None = None
    date_phrase: str = ""
    names: list[Name] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)   # the other content words (dates and generic words out)
    context: list[Name] = field(default_factory=list)  # a follow-up's: the names of the question before it
    context_terms: list[str] = field(default_factory=list)  # and its other content words
    context_share: float = CONTEXT_SHARE  # the context's weight in the support model against its own words
    time_said: bool = False       # whether its dates are of its own making: named, or (a follow-up) a day of the
                                  # month or a move from the earlier question's dates; not merely inherited
    added: list[str] = field(default_factory=list)   # spellings added from aliases and close matches

    @property
    def missing_names(self) -> list[str]:
        """Names the collection never uses in any spelling ('Potsdam' in an archive on Korea)."""
        return [n.text for n in self.names if not n.known]

    @property
    def date_only(self) -> bool:
        """A period and no topic: every record of the period, in date order."""
        return self.intent.kind == DATE_ONLY and (self.date_from is not None or self.date_to is not None)


def narrows(query: Query, keywords: KeywordIndex) -> bool:
    """Whether the question's topic leaves out most of the collection: whether at most half its records would
    hold every word and name of it together, each word held as often as the collection holds it, independently
    (a word it never uses: by none). "Papers on the war from 1942" in an archive on that war names what nearly
    every record is about; "the president's travels in 1959" among records that half say "president" and half
    "travel" does not."""
    def share(t: str) -> float:
        i = keywords.vocab.get(t)
        return int(keywords.df[i]) / keywords.n if i is not None and keywords.n else 0.0

    together = math.prod(share(t) for t in query.terms) * math.prod(
        max(min(share(t) for t in s) for s in n.spellings) for n in query.names)
    return together <= 0.5


def analyze(text: str, keywords: KeywordIndex, names: NameMatcher, *, history: list[str] | None = None,
            dates: bool = True, variants: bool = True, is_name: Callable[[str], bool] | None = None,
            acronym: Callable[[str], bool] | None = None) -> Query:
    """Read a question: its intent, its date range and its topic, its names brought to the corpus's spelling.

    is_name: whether a word the question starts with, capitalised anyway, is a name ("Blinken's visits ..."):
    qa/casing.py capitalised(), how the collection writes it. Without it such a word is a name only before
    another capitalised word ("Kim Gu said ..."). acronym: names_in().

    A follow-up is read together with the question before it: its words are matched with that question's, and
    the earlier question's dates apply unless the follow-up names its own, moved when it says so ("the next
    day", "a year earlier").
    """
    from .followup import others_there
    from .qdates import QuestionDates, find_dates, within_earlier

    intent = detect(text, history)
    # what a follow-up leans on: the question before it, or before a run of bare periods ("And in 1960?") the
    # last one with a topic; its dates are the latest said
    context = next((h for h in reversed(history or []) if dated_topic(h)[1]), history[-1]) \
        if intent.follow_up and history else ""
    earlier = leaned = None  # the dates said last, and what the question leaned on says besides its dates
    if context and history:
        earlier = find_dates(history[-1])
        leaned = earlier if context == history[-1] else find_dates(context)
    rest, date_from, date_to, phrase = text, None, None, ""
    before: list[Name] = []
    context_terms: list[str] = []
    said = False
    if dates:
        found = find_dates(text)
        said = found.found
        if not found.found and earlier is not None and earlier.found:
            found = within_earlier(text, earlier)
            said = found is not None
            found = found or QuestionDates(earlier.date_from, earlier.date_to, earlier.phrase, text)
        if found.found:
            date_from, date_to, phrase = found.date_from, found.date_to, found.phrase
            rest = found.rest if found.rest.strip() else text
    found_names = names_in(rest, names, keywords.vocabulary, is_name, acronym=acronym) if variants else []
    added = [" ".join(sorted(s)) for n in found_names for s in n.spellings[1:]]
    name_tokens = {t for n in found_names for s in n.spellings for t in s}
    own = tokens(rest)
    terms = [t for t in dict.fromkeys(own) if t not in GENERIC and t not in name_tokens
             and not (intent.order and t in EXTREME_WORDS)]  # "when did she last ...": an order, not a topic
    if context:
        # what a follow-up leans on is the question before it, above all what it named: its names and other
        # words are matched too (BM25 and the support model, at a lower weight), but the records need not hold
        # them
        context_rest = leaned.rest if leaned.found and leaned.rest.strip() else context
        before = [n for n in (names_in(context_rest, names, keywords.vocabulary, is_name, acronym=acronym)
                              if variants else [])
                  if n.text not in {m.text for m in found_names}]
        taken = name_tokens | {t for n in before for s in n.spellings for t in s} | set(terms)
        context_terms = [t for t in dict.fromkeys(tokens(context_rest)) if t not in GENERIC and t not in taken]
        # what is embedded is the follow-up with the question before it (its dates out): "Who signed it?" means
        # nothing alone
        leaned_on = context_rest.strip()
        there = places(context_rest, before) if others_there(text) else []
        if there:  # "Who else went there?": the place the question before named, not the one who went
            before, context_terms, leaned_on = there, [], " ".join(n.text for n in there)
        rest = f"{rest} ({leaned_on})"
    expanded = own + [t for n in found_names + before for t in sorted(set().union(*n.spellings)) if t not in own]
    expanded += [f for t in terms for f in sorted(forms(t)) if f not in expanded]  # "meet": "met" too
    match_text = rest if not added else f"{rest} ({', '.join(dict.fromkeys(added))})"
    return Query(text, intent, match_text, expanded, date_from, date_to, phrase, names=found_names, terms=terms,
                 context=before, context_terms=context_terms, added=added, time_said=said)


# Words a place follows in a question ("in Cuba", "to Havana", "visit Cuba"): what "there" points back at.
_TO_PLACE = r"(?:in|at|to|into|from|near|inside|visit|visits|visited|visiting|tour|toured|touring|reach|reached)"


def words_pattern(words: list[str]) -> str:
    """A name's words as a regular expression, anything but a word between them ("U.S.-Soviet", "Kim Il-sung")."""
    return r"\W+".join(map(re.escape, words))


def places(text: str, names: list[Name]) -> list[Name]:
    """Those of a question's names that it names as a place, after a word a place follows (_TO_PLACE)."""
    def placed(n: Name) -> bool:
        words = words_pattern(n.text.split())
        return re.search(rf"\b{_TO_PLACE}\s+(?:the\s+)?{words}(?!\w)", text, re.IGNORECASE) is not None

    return [n for n in names if placed(n)]


# The endings of a country's or a people's adjective ("American officials", "Cuban leaders"): such a word before a
# noun of the question qualifies it, and a record need not write it.
_ADJECTIVE_ENDS = ("an", "ans", "ese", "ish", "i")
# Words after a name that are no noun it qualifies ("Taiwan while he was president", "Sudan in 1978").
_NOT_NOUNS = frozenset("""in on at to of for from with by as while during before after when and or but since until
till than that which who is are was were did do does has have had""".split())


def qualifies(text: str, name: Name, *, acronyms: bool = False) -> bool:
    """Whether a question uses a name of one word as an adjective before a word that may be its noun ("American
    officials", "Cuban leaders"; not "Taiwan while ...", "Sudan in 1978"), and with acronyms an acronym too ("US
    officials"; it may as well be a person before a verb: "FDR see")."""
    after = re.search(rf"(?<!\w){re.escape(name.text)}\s+([a-z]\w*)", text, re.IGNORECASE)
    if after is None or " " in name.text or after.group(1).lower() in _NOT_NOUNS:
        return False
    return name.text.lower().endswith(_ADJECTIVE_ENDS) or acronyms and name.text.isupper()


def _of_a_longer_name(text: str, phrase: list[str]) -> bool:
    """Whether a name is the end of a longer one: "the", capitalised words (small words between them), then
    "of", "in", "on" or "for" ("the Horn of Africa", "the Council of Europe", "the Summit of the Americas", "the
    Conference on Security and Cooperation in Europe"): not the region it names; "President Clinton in Africa"
    is no longer name."""
    words = words_pattern(phrase)
    head = r"[A-Z][\w'’-]*(?:\s+(?:(?:of|on|for|and|in)\s+)?[A-Z][\w'’-]*)*"
    return re.search(rf"\b[Tt]he\s+{head}\s+(?:of|in|on|for)\s+(?:the\s+)?{words}(?!\w)", text) is not None


def names_in(text: str, matcher: NameMatcher, vocabulary: set[str],
             is_name: Callable[[str], bool] | None = None, *, punctuation: bool = True,
             acronym: Callable[[str], bool] | None = None) -> list[Name]:
    """The names of a question, each with the spellings the collection uses for it (is_name: analyze();
    punctuation: name_phrases()); acronym: whether the collection writes a word in capitals, an acronym
    ("UNSC"): a name the question spells out whose initials are one the collection writes has it as a spelling
    too (spelled_out())."""
    out = []
    for phrase in name_phrases(text, is_name, punctuation=punctuation):
        spelled = matcher.spellings(phrase)
        if not spelled:
            continue
        within = () if _of_a_longer_name(text, phrase) else \
            tuple(s for s in matcher.within(phrase) if s not in spelled)
        known = any(s <= vocabulary for s in spelled) or bool(within)
        out.append(Name(" ".join(phrase), spelled, known, within))
    if acronym is None:
        return out
    said: dict[str, bool] = {}  # each acronym looked up once
    taken: list[tuple[int, int]] = []  # the words of the runs read as acronyms: no run overlapping them is
    for first, last, words, letters in spelled_out(text):
        key = tokens(letters)
        if len(key) != 1 or key[0] not in vocabulary or any(a < last and first < b for a, b in taken):
            continue
        if letters not in said:
            said[letters] = acronym(letters)
        own = frozenset(tokens(" ".join(words)))
        if not said[letters] or not own:
            continue
        taken.append((first, last))
        # a name found inside the run ("Security" of "the UN Security Council") is the run's: its other
        # spellings ("United States" as "US" in "United States Agency for ...") stand in its place in the run's
        inside = [n for n in out if n.spellings[0] <= own]
        others = [own - n.spellings[0] | alt for n in inside for alt in n.spellings[1:]]
        at = out.index(inside[0]) if inside else len(out)
        out = [n for n in out if n not in inside]
        spellings = tuple(dict.fromkeys([own, frozenset(key), *others]))
        out.insert(at, Name(" ".join(words), spellings, True))
    return out


# Small words inside a name spelled out, left out of its initials ("Organization of American States": OAS).
_CONNECTORS = frozenset("of the and for on".split())
# ... of which these make a run a name of its own without an institution's noun ("Bank of England"); not "and"
# ("President Rau and Chancellor Schroeder"), unless the run ends on one ("Food and Agriculture Organization").
_JOINING = _CONNECTORS - {"and"}
# How many letters an acronym has: fewer are too often something else ("PM", "GA").
ACRONYM_LETTERS = (3, 8)
# The nouns that end an institution's name ("... Agency", "... Council", "... Organization"): a run without a
# small word inside must end on one, so that a person's name ("John Forbes Kerry") is no acronym ("JFK").
INSTITUTIONS = frozenset("""organization organisation agency council committee commission assembly conference
treaty union nations fund bank party front army forces force command office bureau department ministry service
institute association federation league alliance pact community court tribunal board authority program programme
administration corporation company movement group cooperation forum initiative republic kingdom emirates states
coalition network center centre foundation society congress parliament agreement accord charter convention guard
police talks summit corps""".split())
_SPELLED_WORD = re.compile(r"[\w'’.-]+")


def _initials(word: str) -> str:
    """A capitalised word's part of an acronym: all its letters when it is one ("UN", "U.S."), else the initial
    of each of its hyphenated parts ("Asia-Pacific": "AP"); a possessive's "'s" aside."""
    word = re.sub(r"['’]s$", "", word).strip(".'’-")
    letters = word.replace(".", "")
    if len(letters) > 1 and letters.isalpha() and letters.isupper():
        return letters
    return "".join(part[0] for part in word.split("-") if part[:1].isupper())


def spelled_out(text: str) -> list[tuple[int, int, list[str], str]]:
    """The runs of two or more capitalised words of a text that may spell out an acronym ("the UN Security
    Council", "Organization of American States"), each as (its first word's place, past its last word's, its
    words, its initials), the longest first: a small word (_CONNECTORS) may stand between two of them, an
    institution's word counts ("Council"); a run with no small word inside ends on an institution's noun
    (INSTITUTIONS), so that a person's name, with a title or not ("John Forbes Kerry", "President Rodrigo
    Chaves"), is none; its initials have ACRONYM_LETTERS letters; each run ends where the name ends ("United
    States Agency for International Development" is no "United States Agency"). A question's or a function word
    ("Did", "The") and punctuation end a name."""
    spans: list[list[tuple[int, str]]] = [[]]
    words = [(m.group(0), m.start(), m.end()) for m in _SPELLED_WORD.finditer(text)]
    for i, (word, start, _) in enumerate(words):
        gap = text[words[spans[-1][-1][0]][2]: start] if spans[-1] else ""
        if _BREAKS.search(gap) or "(" in gap or ")" in gap:  # punctuation ends a name, and here a bracket too
            spans.append([])
        initials = _initials(word)
        if word[:1].isupper() and initials and (tokens(word) or initials == word.replace(".", "")):
            spans[-1].append((i, word))
        elif word.lower() in _CONNECTORS and spans[-1]:
            spans[-1].append((i, word))
        elif spans[-1]:
            spans.append([])
    out = []
    for span in spans:
        while span and span[-1][1].lower() in _CONNECTORS:
            span.pop()
        if not span:
            continue
        last = span[-1][1]
        ended = last.lower() in INSTITUTIONS or singular(last) in INSTITUTIONS
        letters = ""
        for a in range(len(span) - 1, -1, -1):  # each run ends where the name ends: its start moves back
            word = span[a][1]
            if word.lower() in _CONNECTORS:
                continue
            letters = _initials(word) + letters
            if len(letters) > ACRONYM_LETTERS[1]:
                break
            run = [w for _, w in span[a:]]
            joined = any(w.lower() in _JOINING for w in run)  # "and" joins two names as often
            if len(run) > 1 and len(letters) >= ACRONYM_LETTERS[0] and (joined or ended):
                out.append((span[a][0], span[-1][0] + 1, run, letters))
    return sorted(out, key=lambda r: (r[0] - r[1], r[0]))


_NAME_WORD = re.compile(r"(?:[dl]['’])?[A-Z][\w'’.-]*\w|[A-Z]")
_SEPARATOR = re.compile(r"([^\w'’.-]+)")
# punctuation between two words that ends a name; not a bracket, which holds another form of the name before it
# ("Spain (Madrid)" in a record's title: where a move starts, qa/followup.py)
_BREAKS = re.compile(r"[,;:!?\"“”/&]")
# Particles written in lower case inside a name, between two of its capitalised words: 'Charles de Gaulle',
# 'Rio de Janeiro', 'Ludwig van Beethoven', 'Osama bin Laden'. Not English words: they join a name only there.
PARTICLES = frozenset("de da di du dos das del della dei der van von la le bin ibn al el ter zu".split())


# A month or a day of the week alone is a time, not a name a record must hold ("after the September 11 attacks",
# "Did Nixon visit China in February?"); in a name it stays ("May Day", "the February Revolution"), and after a
# title ("Prime Minister May", "Mrs. May").
_CALENDAR = frozenset([*(calendar.month_name[i].lower() for i in range(1, 13)),
                       *(calendar.day_name[i].lower() for i in range(7))])


def name_phrases(text: str, is_name: Callable[[str], bool] | None = None, *,
                 punctuation: bool = True) -> list[list[str]]:
    """Runs of capitalised words in a question ('West Berlin', 'Kim Il Sung'), titles and question words left
    out; a particle between two of them is in ('Charles de Gaulle'); punctuation ends a run ('Eden, Adenauer').

    The first word of a question is capitalised anyway: alone, it is a name when it is in capitals ('US troops
    ...', 'DDE's trip') or is an owner the collection writes capitalised ("Blinken's visits ...", is_name), not
    when it only may be one ('Western leaders ...', 'Heads of state ...', 'Later that year ...').

    punctuation=False reads a record's title, whose punctuation is its form ("to Mexico (Mexico, D.F.)"), not a
    list of names: a move from it (qa/followup.py) leaves the place it names whole."""
    parts = _SEPARATOR.split(text)
    words = parts[0::2]
    # whether punctuation stands between a word and the one before it
    broken = [False] + [punctuation and _BREAKS.search(s) is not None for s in parts[1::2]]
    first = next((i for i, word in enumerate(words) if word.strip(".'’-")), -1)
    phrases: list[list[tuple[int, str]]] = []
    run: list[tuple[int, str]] = []
    owner_first = False
    for i, word in enumerate(words):
        if broken[i] and run:
            phrases.append(run)
            run = []
        w = word.strip(".'’-")
        owner = re.search(r"['’]s$", w) is not None
        w = re.sub(r"['’]s$", "", w)
        owner_first = owner_first or (i == first and owner)
        after = words[i + 1].strip(".'’-") if i + 1 < len(words) and not broken[i + 1] else ""
        if run and w in PARTICLES and _NAME_WORD.fullmatch(after) and not not_a_name(after):
            run.append((i, w))  # 'de' in 'Charles de Gaulle'
            continue
        if w and _NAME_WORD.fullmatch(w) and not not_a_name(w) and w != "I":
            run.append((i, w))
            if owner:  # a possessive ends its name: "JFK's European trip", "Ben-Gurion's American trip"
                phrases.append(run)
                run = []
            continue
        if run:
            phrases.append(run)
        run = []
    if run:
        phrases.append(run)

    def alone_first(p: list[tuple[int, str]]) -> bool:  # 'When' or 'Western' starting the question
        w = p[0][1]
        named = len(w) > 1 and w.isupper() or owner_first and is_name is not None and is_name(w)
        return p[0][0] == first and len(p) == 1 and not named

    def a_time(p: list[tuple[int, str]]) -> bool:  # "in February", not "Prime Minister May", "Mrs. May"
        i, w = p[0]
        title = words[i - 1].strip(".").lower() if i > 0 else ""
        return len(p) == 1 and w.lower() in _CALENDAR and title not in PERSON_TITLES and title not in HONORIFICS

    return [[w for _, w in p] for p in phrases if tokens(p[-1][1]) and not alone_first(p) and not a_time(p)]
