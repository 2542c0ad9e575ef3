"""Sentences of a summary, cut by a maintained segmenter (sentencex) that knows archival abbreviations too.

sentencex already keeps "V. Molotov", "U.S." and "Gen. Hodge" whole. Catalogue summaries also use honorifics
and references it does not know ("Cde. Stalin", "Amb. Smith", "Nos. 408-411"): a cut after one of those, or
after a lone initial, is joined back, since these words always lead into what follows.
"""

from __future__ import annotations

import functools
import re

# Abbreviations that always precede a name or a number, so a sentence never ends on them. Words that may end
# a sentence (Jr., Sr., Inc., Ltd., Co., etc.) are not here: a cut after them stays.
LEADING = frozenset("""Adm Amb Apr Art Aug Brig Capt Cde Cdr Cmdr Col Comdr Cpl Cpt Dec Del Dep Dept Doc Dr Encl
Esq Feb Fig Fr Gen Gov Hon Jan Jul Jun Lt Maj Mar Messrs Mgr Mme Mlle Mr Mrs Ms Msgr Mt No Nos Nov Nr Oct Op
Pp Pres Prof Pvt Rep Rev Sec Secy Sen Sep Sept Sgt St Ste Supt Tel Tg Vol Vols Vs ca cf ibid nos no op pp vs""".split())
# A lone capital before a cut is an initial ("V. Molotov") unless it is a regnal number after a name
# ("King George V.", "Baudouin I."), which does end sentences.
_ROMAN = frozenset("IVX")
_LAST_WORD = re.compile(r"(?:^|[\s(\[\"'“‘-])([A-Za-z]+)\.[\"'”’)]*\s*$")
_WORD_BEFORE = re.compile(r"(\S+)\s+[A-Z]\.\s*$")


def _ends_open(piece: str) -> bool:
    """Whether a piece cut by the segmenter ends on a word that leads into the next one."""
    m = _LAST_WORD.search(piece)
    if not m:
        return False
    word = m.group(1)
    if word in LEADING:
        return True
    if len(word) == 1 and word.isupper():
        if word in _ROMAN:
            before = _WORD_BEFORE.search(piece)
            return not (before and before.group(1)[:1].isupper() and before.group(1)[-1:].isalpha())
        return True
    return False


@functools.lru_cache(maxsize=4096)
def sentences(text: str) -> tuple[str, ...]:
    """The sentences of a text, whitespace folded; an empty text has none."""
    import sentencex

    text = " ".join(text.split())
    if not text:
        return ()
    out: list[str] = []
    carry = ""
    for piece in sentencex.segment("en", text):
        piece = carry + piece
        if _ends_open(piece):
            carry = piece
            continue
        carry = ""
        if piece.strip():
            out.append(piece.strip())
    if carry.strip():
        out.append(carry.strip())
    return tuple(out)
