"""Questions typed all in capitals or in title case, recased as the collection writes each word.

A question's names are read from its capitals (qa/query.py), its order and list cues from its words in lower
case (qa/intent.py). "WHEN DID THE POPE LAST VISIT THE US?" or "When Did The Pope Last Visit The US?" says
nothing that way: every word looks like a name. Such a question is recased first, each word as the records that
hold it write it in running text (_written): the same word in their summaries, failing that a word of its stem
there, failing that the same word in their titles; never as the first word of a sentence, which is capitalised
anyway. "Pope" keeps its capital, "Visit" loses it. The records are found through the keyword index, so this
works on any collection and in any store.

A word no record holds is written as an alias list writes it ("Syngman Rhee", "US"), capitalised when the
collection writes a close spelling of it so ("VISHINSKIY" for Vyshinsky; at most an edit in four letters, so
"LEAVE" is no "Levi"), or else in lower case: it may be a name the collection lacks, but it is more often a
common word ("Did", "Last"), and a common word read as a name asks the records to hold it (on the dev
questions typed in capitals, keeping such words capitalised raised false not-found to 11%). An initial ("M."),
a word with dots ("U.S.") and, in a question not all in capitals, a short word in capitals ("US") keep their
capitals, but in a question all in capitals "US" or "ME" right after a verb of a request and before no
content word is the pronoun ("TELL US ABOUT ...", not "VISIT US"); a possessive is recased without its "'s";
accents keep their place ("HOUPHOUËT-BOIGNY" as "Houphouët-Boigny" where the records write
"Houphouet-Boigny").
"""

from __future__ import annotations

import re
from collections import Counter

from .names import edit_distance
from .text import WORD_FORM, fold, tokens

# How many records holding a word are read to see how the collection writes it; for a word most records hold
# (which the keyword index leaves out), the first this many records.
SAMPLE = 32

# How many capitalised common words ("Did", "The") after its first word show a question is in title case.
TITLE_COMMON = 2

# "U.S." whole, an initial's letter, or a word with its apostrophes and hyphens ("O'Neill", "Il-sung")
_WORD = re.compile(rf"(?:[^\W\d_]\.){{2,}}|[^\W\d_](?=\.)|{WORD_FORM}")
_POSSESSIVE = re.compile(r"['’][sS]\Z")
_NEXT = re.compile(r"[ \t]+([^\W\d_])")  # the first letter of the next word
# where a word is capitalised anyway: a text's start, after a sentence's end (not an initial's dot: "Richard M.
# Nixon"), a colon, or an opening quote
_SENTENCE_START = re.compile(r"(?:^|(?<!\b\w)[.!?]\s+|[:;]\s+|[\"“‘]\s*)\Z")


def uncased(text: str) -> bool:
    """Whether a question's capitals say nothing: it is all in capitals, or every word of four letters or more
    after the first is capitalised and so are at least TITLE_COMMON common words ("When Did The Pope Last Visit
    The US?"; not "When was Erlander in the United States?" nor "Where is The Hague?", whose capitals are
    names), or its first two words are capitalised common words, as no name starts ("When Did Nixon Visit
    China?")."""
    words = _WORD.findall(text)
    if len(words) < 2:
        return False
    if not any(ch.islower() for ch in text):
        return sum(len(w) > 1 for w in words) >= 2
    def common(w: str) -> bool:  # a capitalised common word: "Did", "The"
        return len(w) > 1 and w[:1].isupper() and not w.isupper() and not tokens(w)

    later = words[1:]
    opening = common(words[0]) and common(later[0])  # "When Did", "Did The": no name starts so
    return (opening or sum(map(common, later)) >= TITLE_COMMON) and all(w[:1].isupper() for w in later
                                                                         if len(w) >= 4)


_AFTER = re.compile(rf"\W*({WORD_FORM})?")
_BEFORE = re.compile(rf"({WORD_FORM})\W*\Z")
# A personal pronoun that is also an acronym ("US"), and the verbs of a request after which it is the pronoun
# ("TELL US ABOUT", "GIVE ME A LIST"; not "VISIT US", "CHINA AND US")
PRONOUNS = frozenset({"us", "me"})
_ASKING = frozenset("tell give show let send help find get bring remind list".split())


def _pronoun(text: str, m: re.Match[str]) -> bool:
    """Whether a word in capitals that is also a personal pronoun ("US", "ME") is the pronoun: right after a
    verb of a request and before no content word ("TELL US ABOUT", "GIVE US A LIST", "SHOW ME THE ...", but
    "VISIT US", "TELL US TROOPS' STORY")."""
    if m.group(0).lower() not in PRONOUNS:
        return False
    before = _BEFORE.search(text[max(0, m.start() - 40):m.start()])  # a word is shorter than that
    after = _AFTER.match(text, m.end())
    return (before is not None and before.group(1).lower() in _ASKING
            and not (after.group(1) and tokens(after.group(1))))


def _inflected(a: str, b: str) -> bool:
    """Whether two folded words are one word, one of them perhaps in the plural ("Soviet", "Soviets")."""
    return a == b or a in (b + "s", b + "es") or b in (a + "s", a + "es")


def _written(word: str, store) -> tuple[str, str] | None:
    """How the collection's records write a word in running text, or None when none of those read holds it:
    on its own, and before a capitalised word.

    Looked for as the same word in their summaries, failing that any word of its stem there (only a plural or a
    singular of it counts as a capitalised form: "Accords" says nothing of "according"), failing that the same
    word in their titles. In lower case when they write it so at least as often as capitalised; else the most
    common capitalised form. A capital the word has only before another capitalised word counts for the word on
    its own only when it never stands alone or in lower case: "First" in "First Lady" says nothing of "the first
    visit" (but all of "First Secretary"), and "Pope" in "Pope Paul VI" is all there is of "Pope"."""
    key = tokens(word)
    if not key:
        return None
    rows = list(store.keyword(key, SAMPLE).rows[:SAMPLE])
    if not rows and any(k in store.keywords.vocab for k in key):
        rows = list(range(min(len(store.records), SAMPLE)))  # a word most records hold: the first ones do
    records = store.records.fetch(rows)
    folded = fold(word)
    summaries, titles = [r.summary or "" for r in records], [r.title or "" for r in records]
    for texts, exact in ((summaries, True), (summaries, False), (titles, True)):
        lower, alone, headed = 0, Counter(), Counter()
        for text in texts:
            for m in _WORD.finditer(text):
                w = m.group(0)
                same = fold(w) == folded
                if not (same if exact else same or tokens(w) == key) or _SENTENCE_START.search(text, 0, m.start()):
                    continue
                if w == w.lower():
                    lower += 1
                elif same or _inflected(fold(w), folded):
                    after = _NEXT.match(text, m.end())
                    (headed if after and after.group(1).isupper() else alone)[w] += 1
        if lower or alone or headed:
            return _choose(folded, lower, alone if lower or alone else headed), _choose(folded, lower, alone + headed)
    return None


def capitalised(word: str, store) -> bool:
    """Whether the collection writes a word capitalised on its own in running text, as a name ("Stalin",
    "Blinken"; not "Visits", "Telegrams"): how a question's first word, capitalised anyway, is read
    (qa/query.py name_phrases). A word no record holds is read as the close spelling of it the collection
    uses, if any ("Khrushchov's tour ...": "Khrushchev")."""
    forms = _written(word, store)
    if forms is None:
        key = tokens(word)
        close = store.names.variant(key[0]) if len(key) == 1 else None
        forms = _written(close, store) if close else None
    return forms is not None and forms[0] != forms[0].lower()


def in_capitals(word: str, store) -> bool:
    """Whether the collection writes a word in capitals, as an acronym ("UNSC", "NATO"): how a name a question
    spells out is matched to it (qa/query.py names_in)."""
    forms = _written(word, store)
    return forms is not None and any(f.isupper() for f in forms)


def _choose(low: str, lower: int, capitals: Counter) -> str:
    if lower >= sum(capitals.values()):
        return low
    return max(sorted(capitals), key=lambda f: capitals[f])


def _like(word: str, form: str) -> str:
    """The word in the case of a form of it: letter by letter when the two are the same but for accents
    ("Houphouët-Boigny" as "Houphouet-Boigny" is written), else capitalised."""
    if len(word) == len(form) and fold(word) == fold(form):
        return "".join(a.upper() if b.isupper() else a.lower() for a, b in zip(word, form))
    return word[:1].upper() + word[1:].lower()


def recase(text: str, store) -> str:
    """The question with each word as the collection writes it (see the module's note) when its capitals say
    nothing (uncased()); else the question as it is. Read from the last word back, so that each word knows
    whether the one after it is capitalised."""
    if not uncased(text):
        return text
    all_caps = not any(ch.islower() for ch in text)
    names = store.names
    written: dict[str, tuple[str, str] | None] = {}

    def form_of(word: str) -> tuple[str, str] | None:
        if word not in written:
            written[word] = _written(word, store)
        return written[word]

    def one(m: re.Match[str], before_capital: bool) -> str:
        word = m.group(0)
        tail = _POSSESSIVE.search(word) if len(word) > 3 else None
        base, tail = (word[: tail.start()], tail.group(0).lower()) if tail else (word, "")
        if "." in base or len(base) == 1 and text[m.end():m.end() + 1] == ".":
            return word  # "U.S.", an initial
        if base.isupper() and len(base) <= 4 and not all_caps:
            return base + tail  # an acronym: "US", "NATO's"
        if all_caps and _pronoun(text, m):
            return base.lower() + tail  # "TELL US ABOUT": a common word, however the records write "US"
        forms = form_of(base)
        if forms is None:
            alias = names.capitalised.get(base.lower())
            if alias is not None:
                return alias + tail
            own = tokens(base)
            close = names.variant(own[0]) if len(own) == 1 else None
            if close is not None and edit_distance(own[0], close, 4) > max(1, len(own[0]) // 4):
                close = None  # too far for a word this short: "leave" is no "Levi"
            close_forms = form_of(close) if close else None
            if close_forms is not None and close_forms[before_capital] != close_forms[before_capital].lower():
                return _like(base, close_forms[before_capital]) + tail
            return base.lower() + tail
        form = forms[before_capital]
        if form == form.lower():
            return base.lower() + tail
        if form.replace(".", "").isupper():  # the records write it in capitals ("US", "U.S.", "NATO")
            return base.upper() + tail
        return _like(base, form) + tail  # "Pope", "d'Ivoire", "McCarthy"; "Soviets" where they write "Soviet"

    out, end, capital_next = [], len(text), False
    for m in reversed(list(_WORD.finditer(text))):
        word = one(m, capital_next)
        out.append(text[m.end():end])
        out.append(word)
        end, capital_next = m.start(), word[:1].isupper()
    out.append(text[:end])
    recased = "".join(reversed(out))
    return recased[:1].upper() + recased[1:]
