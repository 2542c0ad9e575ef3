"""Name variants: transliterations and spellings of one name matched to the spelling the records use.

Four general mechanisms, none tuned to one collection:
- an alias list (qa/aliases.txt, extended by an aliases.txt beside the records): groups of names that are one;
- a spelling skeleton: consonants with common transliteration pairs merged ('Vishinsky', 'Vyshinskii' and
  'Vyshinsky' share 'vshnsk'), so an unknown word finds the corpus word with the same skeleton;
- edit distance: an unknown word within one or two edits of a corpus word ('Shtykov'/'Shytkov');
- initials: three capitals ('JFK', 'FDR') stand also for the names the corpus writes with a middle initial
  that they spell ('John F. Kennedy', 'Franklin D. Roosevelt'), found when it is built (initialisms()).

And one relation that is not a spelling: a region holds the places in it (qa/regions.txt, and lines with '='
in an aliases.txt beside the records): a record of a journey to Kenya holds "Africa" (NameMatcher.within()).
"""

from __future__ import annotations

import functools
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from .text import WORD_FORM, fold, singular, tokens

BUILTIN_ALIASES = Path(__file__).with_name("aliases.txt")
BUILTIN_REGIONS = Path(__file__).with_name("regions.txt")
_SKELETON_SUBS = [("ph", "f"), ("ff", "v"), ("w", "v"), ("ck", "k"), ("kh", "h"), ("dzh", "j"), ("zh", "j"),
                  ("tch", "ch"), ("tsch", "ch"), ("q", "k"), ("x", "ks"), ("c", "k")]


def skeleton(word: str) -> str:
    """The word's consonant outline after merging common transliteration variants."""
    w = fold(word)
    for a, b in _SKELETON_SUBS:
        w = w.replace(a, b)
    w = w[:1] + re.sub(r"[aeiouy]", "", w[1:])
    w = re.sub(r"(.)\1+", r"\1", w)
    return re.sub(r"f$", "v", w)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count one), stopping early past limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _lines(paths: list[Path]) -> Iterable[str]:
    for path in paths:
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    yield line


def read_aliases(paths: list[Path]) -> list[list[str]]:
    """Alias groups, one a line: names of one person or thing separated by '|'; '#' starts a comment. A line
    with '=' is a region's (read_regions())."""
    groups = []
    for line in _lines(paths):
        names = [n.strip() for n in line.split("|") if n.strip()]
        if "=" not in line and len(names) > 1:
            groups.append(names)
    return groups


# A place of a region that more than this share of a collection's records could hold is its frame, and holds no
# region (NameMatcher.within): "the United States" in a catalogue of its diplomats' journeys (up to 44% of its
# records; its most named other country, the United Kingdom, up to 6%), "Korea" in the seed (80%).
FRAME_SHARE = 0.1


class Place(frozenset):
    """A place's words, as a region holds it (NameMatcher.within): a text holds it only word for word (not
    "Ghani" for Ghana, "Francis" for France), and not when the text holds a longer place's name around it
    (unless: "Guinea" in "Papua New Guinea")."""

    unless: tuple[frozenset[str], ...]

    def __new__(cls, words, unless=()):
        self = super().__new__(cls, words)
        self.unless = tuple(unless)
        return self

    def held(self, words: set[str]) -> float:
        """The share of its words a text's tokens hold (0 when they hold a longer place around it)."""
        if any(u <= words for u in self.unless):
            return 0.0
        return sum(t in words for t in self) / len(self)


def _region_key(name: str) -> str:
    """A region's name as it is looked up: its folded words, an article before it aside ("the Balkans")."""
    return re.sub(r"^the ", "", _words(name))


def read_regions(paths: list[Path]) -> dict[str, list[str]]:
    """Regions, one a line: the region's names separated by '|', '=', then the places in it separated by ','
    ("Baltic states | Baltics = Estonia, Latvia, Lithuania"); a place may be a region too. By each name's
    folded words ("baltic states")."""
    out: dict[str, list[str]] = {}
    for line in _lines(paths):
        if "=" not in line:
            continue
        left, right = line.split("=", 1)
        places = [p.strip() for p in right.split(",") if p.strip()]
        for name in left.split("|"):
            key = _region_key(name)
            if key:
                out[key] = places
    return out


# A person's name written with a middle initial: 'John F. Kennedy', 'Harry S Truman'. English abbreviates a person
# to the initials of such a name ('JFK', 'HST'), not of one written in full ('John Forbes Kerry').
_INITIALLED = re.compile(r"\b([A-Z][a-z]+)\s+([A-Z])\.?\s+([A-Z][\w'’-]*[a-z])")
# The names kept for one set of initials: the most often written, and any written at least this share as often
# (a share, so the same on any collection), up to INITIALS_KEPT.
INITIALS_SHARE = 0.25
INITIALS_KEPT = 3


def initialisms(texts: Iterable[str]) -> dict[str, list[str]]:
    """For each set of three initials, the names written with a middle initial that they spell, as the texts
    write them ("JFK": ["John F. Kennedy"]), most often written first."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for text in texts:
        for m in _INITIALLED.finditer(text):
            if not_a_name(m[1]):  # "President H. Desmond Hoyte", "Minister U. Nu": a title, not a first name
                continue
            counts[m[1][0] + m[2] + m[3][0]][f"{m[1]} {m[2]}. {m[3]}"] += 1  # "John F Kennedy" as "John F. ..."
    out = {}
    for key, names in sorted(counts.items()):
        ranked = sorted(names.items(), key=lambda kv: (-kv[1], kv[0]))
        out[key] = [n for n, c in ranked[:INITIALS_KEPT] if c >= INITIALS_SHARE * ranked[0][1]]
    return out


# Wade-Giles, the older romanisation of Chinese ("Teng Hsiao-p'ing", "Mao Tse-tung", "Chou En-lai"), read as
# pinyin ("Deng Xiaoping", "Mao Zedong", "Zhou Enlai"): a syllable's initial and final each with their pinyin
# readings, the likelier first. Its apostrophes (aspiration: "p'" is pinyin "p", "p" is "b") are often left out,
# so an initial without one may be either; j, q, x stand only before i and u, zh, ch elsewhere: both are tried,
# and the collection's vocabulary decides.
_WG_INITIALS = (("ch'", ("ch", "q")), ("ch", ("zh", "j", "ch", "q")), ("hs", ("x",)), ("ts'", ("c",)),
                ("tz'", ("c",)), ("ts", ("z", "c")), ("tz", ("z", "c")), ("k'", ("k",)), ("k", ("g", "k")),
                ("p'", ("p",)), ("p", ("b", "p")), ("t'", ("t",)), ("t", ("d", "t")), ("j", ("r",)),
                ("sh", ("sh",)), ("ss", ("s",)), ("sz", ("s",)))
_WG_FINALS = {"ih": ("i",), "ieh": ("ie",), "ueh": ("ue",), "ien": ("ian",), "iung": ("iong",),
              "ung": ("ong",), "uei": ("ui",), "o": ("o", "e", "uo"), "erh": ("er",), "eh": ("e",),
              "yeh": ("ye",), "yen": ("yan",), "yung": ("yong",), "yu": ("you", "yu")}
# What only Wade-Giles writes: syllables joined by a hyphen or aspirated with an apostrophe inside a word
# ("Hsiao-p'ing", "Ch'en"), and its "hs", "ts", "tz", "-ih", "-ieh".
_WG_LOOKS = re.compile(r"\w['’]\w|\w-\w|^hs|^ts|^tz|\wih$|ieh$")
_WG_KEPT = 16  # readings of one word tried at most: enough for a three-syllable name


def _wg_syllable(syllable: str) -> list[str]:
    """A Wade-Giles syllable's pinyin readings, the likelier first."""
    for wg, heads in _WG_INITIALS:
        if syllable.startswith(wg):
            initial, final = heads, syllable[len(wg):].replace("'", "")
            break
    else:
        wg, initial, final = "", ("",), syllable.replace("'", "")
    if not final:
        return []
    if final == "u" and wg in ("tz", "tz'", "ss", "sz"):  # "tzu", "tz'u", "ssu": zi, ci, si (but "tsu": zu)
        finals: tuple[str, ...] = ("i",)
    else:
        finals = _WG_FINALS.get(final, (final,))
    return [i + f for i in initial for f in finals]


def wade_giles(word: str) -> list[str]:
    """A name's word in Wade-Giles read as pinyin, its syllables (split at hyphens) joined as pinyin writes a
    given name ("Hsiao-p'ing": "Xiaoping"): its readings, the likelier first, at most _WG_KEPT."""
    syllables = [s for s in re.split(r"[-‐]", fold(word).replace("’", "'")) if s]
    readings = [""]
    for syllable in syllables:
        options = _wg_syllable(syllable)
        if not options:
            return []
        readings = [r + o for r in readings for o in options][:_WG_KEPT]
    return [r.capitalize() for r in readings]


# Capitalised words that are titles, roles or question words, not names: never respelled.
NOT_NAMES = frozenset("""Secretary President Minister General Ambassador Chairman Premier Marshal Comrade Cde Mr Mrs
Dr Sir Council Committee Party Government Republic Army Conference Assembly Commission Delegation Delegate Foreign
Affairs Department Ministry Office Bureau Agency State What When Where Who Whom Whose Which Why How Did Do Does Is
Are Was Were Can Could Should Would Will Has Have Had List Show Find Give Tell The A An In On Of For And""".split())


# People's titles, capitalised before a name and often in the plural too: a capitalised plural of one is a
# plural noun, not a name ("Which Secretaries of State ...", "Which Popes ..."); not "States" of "United
# States".
PERSON_TITLES = frozenset("""secretary president minister ambassador chairman premier marshal general admiral
colonel king queen emperor empress pope prince princess chancellor governor senator bishop cardinal consul envoy
delegate commissioner duke duchess shah sultan tsar czar monarch leader official officer comrade""".split())
# Forms of address before a person's name ("Mrs. May", "Dr. Kissinger").
HONORIFICS = frozenset("mr mrs ms miss dr sir dame lady lord madam".split())


def not_a_name(word: str) -> bool:
    """A title, role or question word (NOT_NAMES), or the plural of a person's title ("Secretaries",
    "Chairmen")."""
    single = singular(word)
    return word in NOT_NAMES or single != word.lower() and single in PERSON_TITLES


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def _acronym(name: str) -> bool:
    """A name written in capitals: "UN", "U.S.", "USSR" (not "Kim Il Sung")."""
    letters = [c for c in name if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def _as_words(name: str, flags: int = 0) -> re.Pattern[str]:
    """A name as whole words, its dots aside ("U.S.A." as "USA"): to search a text whose dots are taken out."""
    return re.compile(rf"(?<!\w){re.escape(name.replace('.', ''))}(?!\w)", flags)


def _written_as(name: str, text: str) -> bool:
    """Whether a text holds a name as written, as whole words, its dots aside ("U.S.A" at a sentence's end)."""
    return _as_words(name).search(text.replace(".", "")) is not None


class NameMatcher:
    """Finds, for the words of a question, the spellings the corpus uses."""

    def __init__(self, vocabulary: set[str], aliases: list[list[str]] | None = None,
                 initials: dict[str, list[str]] | None = None, regions: dict[str, list[str]] | None = None,
                 share: Callable[[str], float] | None = None, own_regions: dict[str, list[str]] | None = None
                 ) -> None:
        self.vocabulary = vocabulary
        self.initials = initials or {}  # initialisms() of the collection
        # read_regions(): the general ones, and the collection's own (from beside its records), which win
        self.regions = (regions or {}) | (own_regions or {})
        self.own = frozenset(own_regions or ())
        self.share = share  # the share of the collection's records holding a word (within())
        # each name's words, folded and padded once, so a question is matched by substring search alone
        self.aliases = [(g, [f" {_words(n)} " for n in g]) for g in (aliases or [])]
        self._by_skeleton: dict[str, list[str]] = defaultdict(list)
        self._by_gram: dict[str, set[str]] = defaultdict(set)
        for w in vocabulary:
            if len(w) >= 4 and w.isalpha():
                self._by_skeleton[skeleton(w)].append(w)
                for g in self._grams(w):
                    self._by_gram[g].add(w)

    @functools.cached_property
    def capitalised(self) -> dict[str, str]:
        """The capitalised words of the alias lists' names, by their lower case ("syngman": "Syngman", "us":
        "US"); not single letters nor common words in title case ("All"), and a form in capitals first."""
        out: dict[str, str] = {}
        for names, _ in self.aliases:
            for w in (w for n in names for w in re.findall(WORD_FORM, n)):
                if len(w) < 2 or not w[:1].isupper() or not (tokens(w) or w.isupper()):
                    continue
                if w.lower() not in out or w.isupper() and not out[w.lower()].isupper():
                    out[w.lower()] = w
        for key in self.initials:  # "JFK" in a question all in capitals is still initials
            out.setdefault(key.lower(), key)
        return out

    @staticmethod
    def _grams(word: str) -> set[str]:
        w = f"^{word}$"
        return {w[i:i + 3] for i in range(len(w) - 2)}

    def alias_groups(self, question: str) -> list[tuple[list[str], list[str]]]:
        """For each alias group the question names: the names it used and the group's other names. A name
        in capitals ("UN", "U.S.") is named only in capitals: "Un" in "Kim Jong Un" is no United Nations."""
        q = f" {_words(question)} "
        out = []
        for names, folded in self.aliases:
            used = [n for n, f in zip(names, folded) if f in q and (not _acronym(n) or _written_as(n, question))]
            if used:
                out.append((used, [n for n in names if n not in used]))
        return out

    def variant(self, word: str) -> str | None:
        """The corpus spelling of a word the corpus lacks, when one is close enough; else None."""
        if word in self.vocabulary or len(word) < 5 or not word.isalpha():
            return None
        same = self._by_skeleton.get(skeleton(word), [])
        if same:
            return min(same, key=lambda w: (edit_distance(word, w, 4), w))
        limit = 1 if len(word) < 8 else 2
        counts: dict[str, int] = defaultdict(int)
        for g in self._grams(word):
            for w in self._by_gram.get(g, ()):
                counts[w] += 1
        best = None
        for w, shared in sorted(counts.items(), key=lambda kv: -kv[1])[:50]:
            if shared < 2:
                break
            d = edit_distance(word, w, limit)
            if d <= limit and w[0] == word[0] and (best is None or d < best[0]):
                best = (d, w)
        return best[1] if best else None

    def spellings(self, phrase: list[str]) -> tuple[frozenset[str], ...]:
        """The ways of spelling a name: its own tokens first, then the collection's spellings of it (from the
        alias lists, and close spellings of each word the collection lacks); empty when it has no tokens."""
        own = tokens(" ".join(phrase))
        if not own:
            return ()
        out = [frozenset(own)]
        word = phrase[0] if len(phrase) == 1 else ""
        if len(word) == 3 and word.isupper():  # "JFK": initials, whether or not the records use them too
            for name in self.initials.get(word, ()):
                ts = frozenset(tokens(name))
                if ts and ts <= self.vocabulary and ts not in out:
                    out.append(ts)
        text = " ".join(phrase)
        for used, others in self.alias_groups(text):
            left = text.replace(".", "")  # what the name says besides the alias: "Olympics" of "Beijing
            for u in used:  # Olympics", "Soviet" of "US-Soviet"; dots aside ("U.S.S.R")
                left = _as_words(u, re.IGNORECASE).sub(" ", left)
            rest = frozenset(tokens(left))
            for n in used + others:  # a name used as the group writes it too: "Kim Il-sung" as "Kim Il Sung"
                ts = frozenset(tokens(n))
                if ts and ts <= self.vocabulary and ts | rest not in out:
                    out.append(ts | rest)
        respelled = [self.variant(t) or t for t in own]
        if respelled != own:
            out.append(frozenset(respelled))
        pinyin = self.in_pinyin(phrase)  # "Teng Hsiao-p'ing": also the records' "Deng Xiaoping"
        if pinyin and pinyin not in out:
            out.append(pinyin)
        return tuple(out)

    def within(self, phrase: list[str]) -> tuple[Place, ...]:
        """When the phrase names a region whole ("Europe", "the Middle East", "African", "Africans"; not "South
        Africa"): the places in it as the collection writes them, each in every form of its alias group ("Burma"
        of "Myanmar"; a group only of the place's whole name: "French Polynesia" is no "France"). A record holding
        one holds the region; a search for the region is not one for them. Of a general region (qa/regions.txt,
        not one of own_regions), a place more than FRAME_SHARE of the records could hold in some form is left out:
        it is the collection's frame ("the United States" of a catalogue of its diplomats' journeys, "Korea" of a
        collection on Korea), and says nothing of which records are in the region."""
        key = _region_key(" ".join(phrase))
        if key not in self.regions and key.endswith("s") and key[:-1] in self.regions:
            key = key[:-1]  # a people in the plural: "Africans", "Latin Americans"
        inside = self._places(key)
        if not inside:
            return ()
        spelled = {p: self._place_forms[p] for p in inside}
        around = [ts for p, forms in self._place_forms.items() if p not in spelled for ts in forms]
        out: list[Place] = []
        for forms in spelled.values():
            if key not in self.own and self._framing(forms):
                continue  # the frame, in any of its forms ("US", "United States of America")
            for ts in forms:
                if ts <= self.vocabulary and ts not in out:
                    out.append(Place(ts, [a for a in around if ts < a]))
        return tuple(out)

    def _names_of(self, place: str) -> list[str]:
        """A place's name in each form its alias group gives it, when the group names it whole."""
        return list(dict.fromkeys([place] + [n for used, others in self.alias_groups(place)
                                            if any(_words(u) == _words(place) for u in used) for n in used + others]))

    def _forms(self, place: str) -> list[frozenset[str]]:
        """A place's words in each form its alias group gives it (_names_of())."""
        return list(dict.fromkeys(ts for n in self._names_of(place) if (ts := frozenset(tokens(n)))))

    def _framing(self, forms: list[frozenset[str]]) -> bool:
        """Whether more than FRAME_SHARE of the records could hold a place in one of its forms (its words)."""
        return self.share is not None and any(min(self.share(t) for t in ts) > FRAME_SHARE
                                              for ts in forms if ts <= self.vocabulary)

    @functools.cached_property
    def frame(self) -> tuple[str, ...]:
        """The collection's frame: the places of the regions (qa/regions.txt) more than FRAME_SHARE of its records
        could hold, each in every form of its alias group ("United States", "US", "U.S.A." in a catalogue of its
        diplomats' journeys; "Korea" in the seed); none when the collection has no such place."""
        return tuple(dict.fromkeys(n for p, forms in self._place_forms.items() if self._framing(forms)
                                   for n in self._names_of(p)))

    @functools.cached_property
    def _place_names(self) -> frozenset[str]:
        """Every place and region of the regions, folded, each in every form of its alias group."""
        names = [*self.regions, *(n for p in self._place_forms for n in self._names_of(p))]
        return frozenset(w for n in names if (w := re.sub(r"[^a-z]", "", fold(n))))

    def a_people(self, word: str) -> bool:
        """Whether a word may be a people's or a country's adjective: a place or region of the regions begins with
        it, less an adjective's ending, in four letters or more ("Cuban": Cuba, "Portuguese": Portugal, "American":
        America; not "Reagan", "Truman", "Brian")."""
        w = re.sub(r"[^a-z]", "", fold(word))
        for end in ("ese", "ian", "ans", "ish", "an", "i", "n"):
            base = w[: -len(end)] if w.endswith(end) else ""
            if len(base) >= 3:
                for p in self._place_names:
                    shared = len(os.path.commonprefix([base, p]))
                    if shared >= 4 and shared >= len(base) - 1:
                        return True
        return False

    def names_frame(self, text: str) -> bool:
        """Whether a text names the collection's frame (frame), as whole words: a form in capitals ("US") only
        in capitals."""
        return any(_written_as(n, text) if _acronym(n) else _written_as(n.lower(), text.lower()) for n in self.frame)

    @functools.cached_property
    def _place_forms(self) -> dict[str, list[frozenset[str]]]:
        """Every place of every region, with its forms (_forms()): read once, not for each question."""
        return {p: self._forms(p) for places in self.regions.values() for p in places
                if _region_key(p) not in self.regions}

    def _places(self, region: str, seen: frozenset[str] = frozenset()) -> list[str]:
        """The places in a region (its folded name), a region among them read for its own (once)."""
        out = []
        for place in self.regions.get(region, ()):
            key = _region_key(place)
            if key in self.regions:
                if key not in seen and key != region:
                    out.extend(self._places(key, seen | {region}))
            else:
                out.append(place)
        return out

    def in_pinyin(self, phrase: list[str]) -> frozenset[str] | None:
        """A name that looks like Wade-Giles (_WG_LOOKS: "Teng Hsiao-p'ing", "Chou En-lai") as the collection
        writes it in pinyin, word by word (wade_giles()): each word becomes the first of its readings the
        collection uses (its own when that is the one); None unless every word is so read and one changes."""
        if not any(_WG_LOOKS.search(fold(w)) for w in phrase):
            return None
        words = []
        for word in phrase:
            found = next((c for c in wade_giles(word) if tokens(c) and set(tokens(c)) <= self.vocabulary), None)
            if found is None:
                return None
            words.append(found)
        spelled = frozenset(tokens(" ".join(words)))
        return spelled if spelled != frozenset(tokens(" ".join(phrase))) else None
