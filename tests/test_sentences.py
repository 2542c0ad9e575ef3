"""Sentences of summaries, and the passages answers quote: whole sentences, never a fragment, on real records."""

import re

import pytest
from conftest import HSG, SEEDS

from qa.answer import quote
from qa.records import read_records
from qa.sentences import sentences
from qa.text import tokens

# A fragment, judged independently of qa/sentences.py: a piece that ends on an honorific or a reference word
# archival summaries put before a name or number, or on a lone initial ("V."; a regnal numeral after a name,
# "King George V.", does end a sentence), or that is shorter than three words though its record says more.
_OPEN_ENDS = re.compile(r"(?:^|[\s(])(?:Cde|Amb|Gen|No|Nos|Mr|Mrs|Dr|Lt|Col|Adm|Capt|Gov|Sen|Rep|Prof|Rev|St|Mt|"
                        r"Maj|Sgt|Pres|Sec|Messrs|Mme|Tel|Doc|Vol|Encl)\.$")
_INITIAL = re.compile(r"(?:^|[\s(])(?P<before>\S+\s)?(?P<letter>[A-Z])\.$")


def fragment(piece: str, whole: str) -> str | None:
    """Why a quoted piece is a fragment of its record's text, or None."""
    piece = piece.strip()
    if _OPEN_ENDS.search(piece):
        return "ends on an honorific or reference word"
    m = _INITIAL.search(piece)
    if m and not (m["letter"] in "IVX" and m["before"] and m["before"][:1].isupper()):
        return "ends on an initial"
    if len(piece.split()) < 3 and len(whole.split()) >= 3:
        return "shorter than three words"
    return None


@pytest.mark.parametrize("text, expected", [
    ("Telegram, V. Molotov to Cde. Stalin. He agreed.", ["Telegram, V. Molotov to Cde. Stalin.", "He agreed."]),
    ("The U.S. Amb. Smith met Gen. Hodge on Oct. 3. Talks failed.",
     ["The U.S. Amb. Smith met Gen. Hodge on Oct. 3.", "Talks failed."]),
    ("Telegram Nos. 408-411 from A. Vyshinsky. Sent.", ["Telegram Nos. 408-411 from A. Vyshinsky.", "Sent."]),
    ("Met with King George V. Then left.", ["Met with King George V.", "Then left."]),
    ("Harry S. Truman met them. Official visit.", ["Harry S. Truman met them.", "Official visit."]),
    ("", []),
])
def test_sentences_keep_initials_honorifics_and_references_whole(text, expected):
    assert list(sentences(text)) == expected


def _collections():
    return read_records([SEEDS]).records + read_records([HSG]).records


def test_no_summary_of_the_seed_or_the_state_department_is_cut_into_a_fragment():
    records = _collections()
    assert len(records) > 7500
    bad = []
    for r in records:
        parts = sentences(r.summary)
        assert " ".join(parts) == " ".join(r.summary.split())  # nothing dropped, nothing added
        for s in parts:
            why = fragment(s, s if len(parts) == 1 else r.summary)
            if why and len(parts) > 1 and len(s.split()) >= 3:
                bad.append((r.title, s, why))
    assert not bad, bad[:10]


def test_no_quoted_passage_over_both_collections_is_a_fragment():
    """Whatever the question's words, the passage an answer quotes is whole: checked for every record with no
    words, its title's words, and each of its sentences' words."""
    bad = []
    for r in _collections():
        whole = r.summary or r.title
        for terms in [[], tokens(r.title)] + [tokens(s) for s in sentences(r.summary)]:
            q = quote(terms, r)
            if q.startswith(f"{r.title}: "):  # led by its title: the passage after it is the quote
                q = q[len(r.title) + 2:]
            why = fragment(q, whole)
            if why:
                bad.append((r.title, q, why))
    assert not bad, bad[:10]
