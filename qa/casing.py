"""Questions typed all in capitals or with every word capitalised, recased as the collection writes each word.

A question's names are read from its capitals (qa/query.py), its order and list cues from its words in lower
case (qa/intent.py). "WHEN DID THE POPE LAST VISIT THE US?" or "When Did The Pope Last Visit The US?" says
nothing that way: every word looks like a name. Such a question is recased first, each word as the records that
hold it write it in running text (their summaries, or failing that their titles; not as the first word of a
sentence, which is capitalised anyway):
"Pope" keeps its capital, "Visit" loses it. The records are found through the keyword index, so this works on
any collection and in any store. A word no record holds is written as an alias list writes it ("Syngman Rhee",
"US"), or else in lower case: it may be a name the collection lacks, but it is more often a common word ("Did",
"Last"), and a common word read as a name asks the records to hold it (on the dev questions typed in capitals,
keeping such words capitalised raised false not-found to 11%). A word with dots ("U.S.") is an acronym, and so
is a short word in capitals ("US") in a question not all in capitals.
"""

from __future__ import annotations

import re

from .text import tokens

# How many records holding a word are read to see how the collection writes it.
SAMPLE = 8
# How many of the first records are read for a word most records hold.
COMMON_SAMPLE = 4 * SAMPLE
# A question is in title case when at least this many of its words of four letters or more, after the first,
# are all capitalised.
TITLE_WORDS = 2

_LETTERS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W\d_]+(?:['’][^\W\d_]+)?")  # "U.S." whole, or a word
# where a word is capitalised anyway: a text's start, after a sentence's end (not an initial's dot: "Richard M.
# Nixon"), a colon, or an opening bracket or quote
_SENTENCE_START = re.compile(r"(?:^|(?<!\b\w)[.!?]\s+|[:;]\s+|[(\"“‘]\s*)\Z")


def uncased(text: str) -> bool:
    """Whether a question's capitals say nothing: all in capitals, or every longer word capitalised."""
    words = _LETTERS.findall(text)
    if len(words) < 2:
        return False
    if not any(ch.islower() for ch in text) and sum(len(w) > 1 for w in words) >= 2:
        return True
    longer = [w for w in words[1:] if len(w) >= 4]
    return len(longer) >= TITLE_WORDS and all(w[:1].isupper() for w in longer)


def _written(word: str, store) -> str | None:
    """How the collection's records write a word in running text (the most common form), or None when no record
    holds it."""
    key = tokens(word)
    if len(key) != 1:
        return None
    rows = list(store.keyword(key, SAMPLE).rows[:SAMPLE])
    if not rows and key[0] in store.keywords.vocab:
        # a word most records hold, which the keyword score leaves out (qa/stores/base.py COMMON_SHARE): the
        # first few records hold it too
        rows = list(range(min(len(store.records), COMMON_SAMPLE)))
    records = store.records.fetch(rows)
    # summaries first: a title is often in title case itself ("Ciphered Telegram, Molotov to Cde. Stalin")
    for texts in ([r.summary for r in records], [r.title for r in records]):
        forms: dict[str, int] = {}
        for text in texts:
            for m in _LETTERS.finditer(text or ""):
                if tokens(m.group(0)) != key or _SENTENCE_START.search(text, 0, m.start()):
                    continue
                form = m.group(0)
                form = form.lower() if form[:1].islower() else form
                forms[form] = forms.get(form, 0) + 1
        if forms:
            return max(sorted(forms), key=lambda f: forms[f])
    return None


def recase(text: str, store, names: dict[str, str] | None = None) -> str:
    """The question with each word as the collection writes it (see the module's note) when its capitals say
    nothing: it is all in capitals, or in title case (uncased()) with a capitalised common word ("Did", "The")
    or one the collection writes in lower case ("Who was Harry Truman?" stays as it is in a collection that
    never names him). Else the question as it is. names: words of names, by their lower case, as an alias list
    writes them ("syngman": "Syngman", "us": "US"): a word no record holds is written so."""
    if not uncased(text):
        return text
    all_caps = not any(ch.islower() for ch in text)
    names = names or {}
    written: dict[str, str | None] = {}

    def one(m: re.Match[str]) -> str:
        word = m.group(0)
        if "." in word or word.isupper() and len(word) <= 4 and not all_caps:
            return word  # an acronym: "U.S.", and "US" unless every word is in capitals
        form = written.setdefault(word, _written(word, store))
        if form is None:
            return names.get(word.lower(), word.lower())
        if form[:1].islower():
            return word.lower()
        # the records' form of this word, with the question's own ending ("Soviets" as "Soviet" is written)
        return form if form.lower() == word.lower() else word[:1].upper() + word[1:].lower()

    out = _WORD.sub(one, text)
    common = any(not tokens(w) and w[:1].isupper() for w in _LETTERS.findall(text)[1:])  # "Did", "The", "Of"
    if not (all_caps or common or any(form is not None and form[:1].islower() for form in written.values())):
        return text  # nothing says the capitals are not names
    return out[:1].upper() + out[1:]
