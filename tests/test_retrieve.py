from datetime import date

import numpy as np
import pytest

from qa.dates import overlaps
from qa.retrieve import search


def _brute(index, q, allowed=None):
    vecs = index.faiss_index.reconstruct_n(0, index.faiss_index.ntotal)
    scores = vecs @ q
    order = [i for i in np.argsort(-scores, kind="stable") if allowed is None or i in allowed]
    return order, scores


@pytest.mark.parametrize("question", [
    "uranium prospecting", "Vyshinsky at the United Nations", "a constitution for the DPRK",
    "Kim Gu and the Chinese minister", "railway engineers",
])
@pytest.mark.parametrize("k", [1, 3, 10, 20])
def test_faiss_top_k_equals_numpy_brute_force(seed_archive, question, k):
    index = seed_archive.current
    q = seed_archive.embedder.encode([question])[0]
    hits = search(index, q, k)
    order, scores = _brute(index, q)
    assert [index.records.index(h.record) for h in hits] == order[:k]
    assert np.allclose([h.score for h in hits], scores[order[:k]], atol=1e-5)
    assert [h.rank for h in hits] == list(range(1, k + 1))


@pytest.mark.parametrize("lo, hi", [
    (date(1947, 10, 1), date(1947, 10, 31)), (date(1945, 6, 1), date(1945, 12, 31)),
    (None, date(1946, 12, 31)), (date(1948, 1, 1), None), (date(1950, 1, 1), None),
])
def test_date_filtered_search_equals_brute_force_over_the_range(seed_archive, lo, hi):
    index = seed_archive.current
    q = seed_archive.embedder.encode(["Soviet policy in Korea"])[0]
    allowed = {i for i, r in enumerate(index.records) if overlaps(r.date, lo, hi)}
    hits = search(index, q, 5, date_from=lo, date_to=hi)
    order, _ = _brute(index, q, allowed)
    assert [index.records.index(h.record) for h in hits] == order[:5]
    for h in hits:
        assert (lo is None or h.record.date.end >= lo) and (hi is None or h.record.date.start <= hi)


def test_year_only_record_overlaps_any_range_within_its_year(seed_archive):
    rec = next(r for r in seed_archive.current.records if r.date.text == "1945")
    assert overlaps(rec.date, date(1945, 8, 15), date(1945, 8, 15))
    assert not overlaps(rec.date, date(1946, 1, 1), None)
    assert overlaps(rec.date, None, None)


def test_vectorised_date_mask_equals_the_record_rule(seed_archive):
    index = seed_archive.current
    for lo, hi in [(date(1945, 8, 15), date(1945, 8, 15)), (None, date(1946, 12, 31)), (date(1947, 10, 29), None),
                   (date(1950, 1, 1), date(1951, 1, 1)), (date(1942, 2, 28), date(1942, 3, 1))]:
        mask = index.within(lo, hi)
        assert mask.tolist() == [overlaps(r.date, lo, hi) for r in index.records]
    assert index.within(None, None) is None
