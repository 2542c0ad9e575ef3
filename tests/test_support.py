"""Weighing a candidate: the evidence measured, the probability it gives, and the collection's own calibration."""

import numpy as np
import pytest
from conftest import HSG, SEEDS

from qa.calibrate import best_cosines, calibrate, name_cosines, offtopic_questions
from qa.dates import parse_date
from qa.records import Record, read_records, record_id
from qa.retrieve import Hit
from qa.support import (ANSWER, ANSWERABLE, WEIGHTS, Evidence, Wording, Words, answerable, by_meaning, evidence, holds,
                        idf, probability, supported)
from qa.text import tokens


def words(text: str) -> Words:
    return Words(tokens(text))


@pytest.mark.parametrize("token, text, held", [
    ("korean", "the Korea question", True), ("korea", "a Korean delegate", True),
    ("japanese", "a visit to Japan", True), ("chinese", "China and Taiwan", True),
    ("british", "Britain's reply", True), ("soviet", "the Soviets", True),
    ("washington", "washing the flags", False), ("rome", "Romania", False), ("korea", "a visit to Japan", False),
])
def test_a_record_holds_a_word_or_its_countrys_adjective(token, text, held):
    assert holds(token, words(text)) is held


@pytest.mark.parametrize("token, text, held", [
    ("meet", "Met with President Vargas.", True), ("met", "a meeting of ministers", True),
    ("go", "He went to Rome.", True), ("went", "Where did he go?", True), ("hold", "Talks were held.", True),
    ("speak", "He spoke to parliament.", True), ("write", "the memo was written", True),
    ("meet", "the met office", True), ("made", "a maker", False),
])
def test_a_record_holds_a_verb_in_its_irregular_past(token, text, held):
    """"Who did he meet?" is held by "Met with ...": the forms stem() cannot join (qa/text.py forms())."""
    assert holds(tokens(token)[0], words(text), verb=True) is held


def test_a_names_word_is_not_held_by_a_verbs_forms():
    """"Begin" (a name) is not held by "began": only the question's own words are verbs."""
    assert not holds("begin", words("The talks began in Geneva."))
    assert holds("begin", words("The talks began in Geneva."), verb=True)
    wording = Wording(terms={"begin": 1.0, "geneva": 1.0}, names=[(frozenset(["begin"]),)], name_weights=[1.0])
    assert wording.coverage(words("The talks began in Geneva.")) == 0.5  # "begin" a name's: not held
    assert wording.held_in_spelling(words("The talks began in Geneva.")) == [0.0]


def test_idf_is_bm25s_and_a_word_no_record_holds_weighs_most():
    n = 100
    assert idf(0, n) > idf(1, n) > idf(50, n) > 0
    assert idf(10, n) == pytest.approx(np.log(1 + (n - 10 + 0.5) / (10 + 0.5)))


class _Keywords:
    """The keyword index's vocabulary and counts, as Wording.of reads them."""

    def __init__(self, df: dict[str, int], n: int) -> None:
        self.vocab = {w: i for i, w in enumerate(df)}
        self.df = np.array(list(df.values()))
        self.n = n


def _query(text: str, names: list[list[str]] = (), unknown: tuple[str, ...] = ()):
    from qa.intent import detect
    from qa.query import Name, Query

    named = [Name(" ".join(n), (frozenset(tokens(" ".join(n))),), " ".join(n) not in unknown) for n in names]
    name_tokens = {t for n in named for t in n.spellings[0]}
    return Query(text, detect(text), text, tokens(text), names=named,
                 terms=[t for t in tokens(text) if t not in name_tokens])


def test_coverage_weighs_rare_words_more_and_counts_words_the_collection_never_uses():
    kw = _Keywords({"uranium": 1, "korea": 90, "prospect": 5}, 100)
    w = Wording.of(_query("uranium prospecting in Korea"), kw)
    assert w.coverage(words("uranium")) > w.coverage(words("Korea")) > 0
    assert w.coverage(words("uranium prospecting in Korea")) == pytest.approx(1.0)
    unknown = Wording.of(_query("uranium ore smelting"), kw)  # 'ore' and 'smelting' no record holds
    assert unknown.coverage(words("uranium")) < w.coverage(words("uranium"))


def test_names_held_in_any_spelling_and_the_least_held_name():
    kw = _Keywords({"kim": 3, "gu": 1, "liu": 1}, 20)
    q = _query("What did Kim Gu tell Liu Yuwan?", [["Kim", "Gu"], ["Liu", "Yuwan"]])
    w = Wording.of(q, kw)
    share, least = w.names_held(words("Kim Gu met Liu Yuwan"))
    assert share == least == 1.0
    share, least = w.names_held(words("Kim Gu alone"))
    assert least == 0.0 and 0 < share < 1
    # by meaning: a name the record does not spell still counts as far as its cosine says
    share2, least2 = w.names_held(words("Kim Gu alone"), by_meaning=[0.0, 0.9])
    assert least2 == 0.9 and share2 > share


def test_spelled_is_the_own_name_held_least_in_any_spelling_never_by_meaning():
    kw = _Keywords({"carter": 3, "havana": 1}, 20)
    w = Wording.of(_query("Did Carter travel to Havana?", [["Carter"], ["Havana"]]), kw)
    assert w.spelled(words("Carter in Havana")) == 1.0
    assert w.spelled(words("Carter in Caracas")) == 0.0  # near in meaning, but not the name
    assert Wording.of(_query("railway engineers"), kw).spelled(words("anything")) == 1.0  # names none
    # a follow-up's context names (after the own ones) are not required
    ctx = Wording([], [(frozenset({"carter"}),), (frozenset({"havana"}),)], [1.0, 0.5], own=1)
    assert ctx.spelled(words("Carter in Caracas")) == 1.0


def test_names_the_collection_never_uses_are_counted_apart_from_those_it_uses():
    kw = _Keywords({"carter": 3, "havana": 1}, 20)
    w = Wording.of(_query("Did Carter meet Castro in Potsdam?", [["Carter"], ["Castro"], ["Potsdam"]],
                          unknown=("Potsdam",)), kw)
    assert w.unknown == pytest.approx(1 / 3)
    record = words("Carter and Castro in Havana")
    assert w.spelled(record) == 0.0 and w.spelled_known(record) == 1.0  # no record could spell Potsdam
    assert w.spelled_known(words("Carter in Havana")) == 0.0            # Castro it could
    ev = evidence([0.6], [record], w, 0.1)[0]
    assert (ev.spelled, ev.spelled_known, ev.unknown) == (0.0, 1.0, pytest.approx(1 / 3))


def _weighed(*pairs, unknown: float = 0.0) -> list[Hit]:
    """Hits with their support and how far each holds the question's names (all of them names the collection
    uses, unless unknown says what share it never uses: then the rest are held)."""
    ev = Evidence(0.3, 0.0, 0.5, 0.5, 0.5, 1.0)
    return [Hit(_rec(f"R{i}", "x"), 0.5, i, support=p, evidence=Evidence(**{
        **ev.__dict__, "spelled": s, "spelled_known": 1.0 if unknown else s, "unknown": unknown}))
        for i, (p, s) in enumerate(pairs, start=1)]


def test_a_name_the_collection_never_uses_weighs_less_against_an_answer_than_one_it_uses_elsewhere():
    assert ANSWERABLE["spelled_known"] > 0 > ANSWERABLE["unknown"]
    # the best record holds one name; the other is one the collection never uses, or one it uses elsewhere
    never = answerable(_weighed((0.7, 0.0), unknown=0.5))
    elsewhere = answerable(_weighed((0.7, 0.0)))
    assert never > elsewhere
    # and with every name held, names the collection never uses lower it
    assert answerable(_weighed((0.7, 1.0))) > answerable(_weighed((0.7, 0.0), unknown=1.0))


def test_answerable_rises_with_the_best_support_and_with_the_names_held_together():
    assert ANSWERABLE["support"] > 0 and ANSWERABLE["spelled"] > 0 and 0.3 <= ANSWER < 1
    assert answerable([]) == 0.0
    assert answerable(_weighed((0.6, 0.0))) < answerable(_weighed((0.8, 0.0))) < answerable(_weighed((0.8, 1.0)))
    # the names held together count from whichever candidate holds them, not only the best one
    assert answerable(_weighed((0.6, 0.0), (0.2, 1.0))) == answerable(_weighed((0.6, 1.0)))
    # a strong match on one of two names, and no record holding both: not answered
    assert answerable(_weighed((0.5, 0.0), (0.4, 0.0))) < ANSWER <= answerable(_weighed((0.5, 1.0)))
    assert 0.0 < answerable(_weighed((1.0, 1.0))) <= 1.0 and answerable(_weighed((0.0, 0.0))) >= 0.0
    # the best support counts wherever an order by time put its record ("Where did he go next?": the nearest first)
    assert answerable(_weighed((0.2, 1.0), (0.8, 1.0))) == answerable(_weighed((0.8, 1.0), (0.2, 1.0)))


def test_by_meaning_reads_cosines_on_the_collections_own_scale():
    separated = {"name_held": 0.45, "name_other": 0.15, "name_spread": 0.1}
    overlapping = {"name_held": 0.36, "name_other": 0.30, "name_spread": 0.12}
    cos = np.array([0.10, 0.30, 0.50])
    p = by_meaning(cos, separated)
    assert p[0] < 0.05 and p[2] > 0.95 and p[1] == pytest.approx(0.5, abs=1e-6)
    q = by_meaning(cos, overlapping)  # where names tell little, the cosine moves the probability little
    assert 0.2 < q[0] < q[2] < 0.8
    assert not by_meaning(cos, {}).any()  # an index without the measure: no credit by meaning


def test_the_probability_rises_with_every_piece_of_evidence():
    base = Evidence(0.3, -0.05, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0, 0.5, 0.5, -0.1)
    p = probability(base)
    for field in ("cosine", "coverage", "names", "least", "fused", "keyword"):
        better = Evidence(**{**base.__dict__, field: getattr(base, field) + 0.2})
        assert probability(better) > p, field
    closer = Evidence(**{**base.__dict__, "gap": 0.0})
    assert probability(closer) > p
    assert all(WEIGHTS[f] > 0 for f in ("cosine", "gap", "coverage", "fused", "keyword", "coverage_gap"))


def _rec(title: str, summary: str) -> Record:
    return Record(record_id("1947", title, summary), parse_date("1947"), title, summary, "f.txt", 1)


def test_supported_ranks_by_probability_and_keeps_the_evidence():
    kw = _Keywords({"uranium": 1, "railway": 1, "soviet": 10}, 20)
    w = Wording.of(_query("Soviet uranium prospecting"), kw)
    a, b = _rec("Protocol", "Soviet uranium prospecting postponed."), _rec("Cable", "Railway engineers.")
    hits = [Hit(b, 0.50, 1, keyword=0.0, fused=0.10), Hit(a, 0.48, 2, keyword=5.0, fused=0.09)]
    out = supported(hits, w, {"floor": 0.1})
    assert [h.record for h in out] == [a, b] and [h.rank for h in out] == [1, 2]
    assert out[0].support > out[1].support and out[0].evidence.coverage == pytest.approx(1.0)
    assert out[1].evidence.gap == 0.0 and out[0].evidence.gap == pytest.approx(-0.02)


def test_evidence_is_relative_to_the_best_candidate():
    w = Wording({"uranium": 1.0}, [], [])
    evs = evidence([0.5, 0.3], [words("uranium"), words("railway")], w, floor=0.1, fused=[0.2, 0.1],
                   keyword=[4.0, 0.0])
    assert [e.gap for e in evs] == [0.0, pytest.approx(-0.2)]
    assert [e.fused for e in evs] == [1.0, 0.5] and [e.keyword for e in evs] == [1.0, 0.0]
    assert [e.coverage_gap for e in evs] == [0.0, -1.0]
    assert [e.cosine for e in evs] == [pytest.approx(0.4), pytest.approx(0.2)]


# -- the collection's own measures, taken at build time (qa/calibrate.py) ---------------------------------


def test_best_cosines_equal_brute_force(embedder):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(70_000, 8)).astype(np.float32)  # more rows than one chunk
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    q = vectors[[3, 69_999]] + 0.01
    assert np.allclose(best_cosines(vectors, q), (vectors @ q.T).max(axis=0), atol=1e-6)


def test_the_noise_floor_and_the_names_measure_differ_by_collection(embedder):
    """The larger, more varied collection has the higher noise floor; its names tell their records apart."""
    from qa.build import embedding_text

    measures = {}
    for name, path in (("seed", SEEDS), ("hsg", HSG)):
        records = read_records([path]).records[:2000] if name == "hsg" else read_records([path]).records
        vectors = embedder.encode([embedding_text(r) for r in records])
        measures[name] = calibrate(vectors, embedder.encode, records)
    seed, hsg = measures["seed"], measures["hsg"]
    assert seed["questions"] == hsg["questions"] == len(offtopic_questions()) >= 100
    assert 0 < seed["floor"] < hsg["floor"] < 0.5 and hsg["floor_p90"] > hsg["floor"]
    assert hsg["name_held"] - hsg["name_other"] > hsg["name_spread"]  # two distributions apart
    assert seed["names"] == 20 and hsg["names"] == 300


def test_the_names_sample_is_chosen_by_id_so_a_small_addition_keeps_it(embedder):
    records = read_records([HSG]).records[:1000]
    seen: list[list[str]] = []

    def encode(texts):
        seen.append(list(texts))
        return embedder.encode(texts)

    vectors = np.zeros((1001, 384), dtype=np.float32)
    name_cosines(vectors[:1000], records, encode)
    name_cosines(vectors, records + [_rec("Visit of a new leader", "Official visit.")], encode)
    first, second = set(seen[0]), set(seen[1])
    assert len(first & second) >= 0.95 * len(first)


@pytest.mark.parametrize("text, expected", [
    ("Where'd he go after it didn't rain?", ["go", "rain"]),  # "where'd" is "where", "didn't" is "did"
    ("Didn't Truman fly? He couldn’t, they'll say, I'm sure we've seen", ["truman", "fly", "sure", "seen"]),
    ("can't and won't", []),
    ("O'Neill and Kai-shek, Kim's", ["neill", "oneill", "kai", "shek", "kaishek", "kim"]),  # names stay whole
    ("Sa'd Zaghlul and Ra'd", ["sa", "sad", "zaghlul", "ra", "rad"]),  # no contraction: "Sa" is no "he"
])
def test_a_question_s_contractions_are_not_words_no_record_holds(text, expected):
    """Left joined ("whered", "doesnt"), a contraction was a word no record holds, weighed as the rarest."""
    assert tokens(text) == expected


def test_a_verbs_rarity_is_that_of_all_its_forms(tmp_path):
    """"make" held by "made": the question's word weighs as rare as its forms together, not as its own rare
    spelling, or every record that says "made" would outweigh the rest of the question."""
    from qa.keywords import KeywordIndex, Tokens

    table = Tokens()
    for words in [["made", "visit"]] * 8 + [["make", "treaty"], ["china", "trip"]]:
        table.add(words)
    kw = KeywordIndex.from_tokens(table)
    wording = Wording.of(_query("make trip china"), kw)
    assert wording.terms["make"] == pytest.approx(idf(9, 10))  # "make" and "made" held by 9 of 10 records
    assert wording.terms["make"] < wording.terms["china"]
