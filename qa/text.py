"""Words for matching: tokens with accents folded, light stemming, hyphenated names kept whole too."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
# A word as written, in any script and case, with its apostrophes and hyphens ("O'Neill", "Kai-shek").
WORD_FORM = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
STOP = frozenset("""a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on
once only or other our out over own same she should so some such than that the their them then there these they
this those through to too under until up very was we were what when where which while who whom why will with
would you your document documents record records archive say said tell did does""".split())
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ed", "es", "s")


def fold(text: str) -> str:
    """Lower case with accents removed: 'Vyšinskij' -> 'vysinskij'."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def stem(word: str) -> str:
    """A crude suffix stripper: enough to match 'telegrams' with 'telegram' and 'postponing' with 'postpone'; a
    'y' made 'ie' before an ending is given back ('treaties' and 'treaty', 'accompanied' and 'accompany')."""
    if word.endswith(("ies", "ied")) and len(word) >= 6:
        return word[:-3] + "y"
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def singular(word: str) -> str:
    """A plural noun's singular, in lower case, by its ending ("Secretaries": "secretary", "Chairmen": "chairman");
    any other word in lower case."""
    w = word.lower()
    for plural, single in (("ies", "y"), ("esses", "ess"), ("men", "man"), ("s", "")):
        if w.endswith(plural):
            return w[: -len(plural)] + single
    return w


_ACRONYM = re.compile(r"(?<![a-z0-9])(?:[a-z]\.){2,}")


# English contractions: "where'd" is "where", "doesn't" is "does", "can't" is "can". Only after the words they
# shorten, so a name keeps its apostrophe ("Sa'd", "Ra'd").
_NOT_AFTER = frozenset("""do does did is are was were has have had can could would should must need might may
ai wo ca sha""".split())
_SHORT_AFTER = frozenset("""i you he she we they it who what where when why how that there here""".split())
_CONTRACTION = re.compile(r"^(?P<base>[a-z]+?)(?P<end>n't|'d|'ll|'re|'ve|'m)$")
_NOT = {"ca": "can", "wo": "will", "sha": "shall", "ai": "is"}


def _contracted(word: str) -> str:
    """A word without its contracted ending: "doesn't" -> "does", "where'd" -> "where"; any other word as it is."""
    m = _CONTRACTION.match(word)
    if not m:
        return word
    base = m.group("base")
    if m.group("end") == "n't":
        return _NOT.get(base, base) if base in _NOT_AFTER else word
    return base if base in _SHORT_AFTER else word


def tokens(text: str) -> list[str]:
    """Content tokens of a text, stemmed; 'Kai-shek' gives 'kai', 'shek' and 'kaishek'; 'U.S.S.R.' gives 'ussr'."""
    out: list[str] = []
    folded = _ACRONYM.sub(lambda m: m.group(0).replace(".", ""), fold(text))
    for m in _WORD.finditer(folded):
        word = m.group(0).replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        word = _contracted(word)
        parts = [p for p in re.split(r"['-]", word) if p]
        if len(parts) > 1:
            joined = "".join(parts)
            out.extend(stem(p) for p in parts if p not in STOP and len(p) > 1)
            out.append(joined)
        elif word not in STOP and (len(word) > 1 or word.isdigit()):
            out.append(stem(word))
    return out


def terms(text: str) -> set[str]:
    """The set of content tokens of a text."""
    return set(tokens(text))


# English verbs whose past tense or participle is not the word with an ending (stem() cannot join "met" to "meet"):
# each line one verb's forms. Forms that are as often another word are left out ("left", "found", "rose", "won",
# "felt", "lay", "lead"/"led", "saw", "mean"/"meant", "ground", "wound", "fell", "bore", "bound", "fed", "drew").
_IRREGULAR = """meet meets meeting met | go goes going went gone | see sees seeing seen | come comes coming came
| make makes making made | take takes taking took taken | give gives giving gave given | hold holds holding held
| send sends sending sent | write writes writing wrote written | speak speaks speaking spoke spoken | fly flies
flying flew flown | bring brings bringing brought | think thinks thinking thought | seek seeks seeking sought |
teach teaches teaching taught | fight fights fighting fought | buy buys buying bought | begin begins beginning
began begun | choose chooses choosing chose chosen | lose loses losing lost | keep keeps keeping kept | sell
sells selling sold | pay pays paying paid | build builds building built | spend spends spending spent | hear
hears hearing heard | break breaks breaking broke broken | drive drives driving drove driven | withdraw
withdraws withdrawing withdrew withdrawn | undertake undertakes undertaking undertook undertaken | overthrow
overthrows overthrowing overthrew overthrown | strike strikes striking struck | swear swears swearing swore
sworn | forbid forbids forbidding forbade forbidden | arise arises arising arose arisen | stand stands standing
stood | understand understands understanding understood | know knows knowing knew known | grow grows growing
grew grown | throw throws throwing threw thrown | draw draws drawing drawn | shake shakes shaking shook shaken |
hide hides hiding hid hidden | catch catches catching caught | forget forgets forgetting forgot forgotten | ride
rides riding rode ridden | sink sinks sinking sank sunk | steal steals stealing stole stolen | freeze freezes
freezing froze frozen | sleep sleeps sleeping slept | flee flees fleeing fled | sweep sweeps sweeping swept |
weep weeps weeping wept"""


def _verb_forms() -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for line in _IRREGULAR.split("|"):
        group = frozenset(t for w in line.split() for t in tokens(w))
        for t in group:
            out[t] = out.get(t, frozenset()) | group
    return out


VERB_FORMS = _verb_forms()


def forms(token: str) -> frozenset[str]:
    """A token's other forms as a verb whose past is not made with an ending ("met" for "meet", "went" for
    "go"), as tokens; empty for any other token."""
    return VERB_FORMS.get(token, frozenset()) - {token}
