"""Fault injection over every file of a live index folder, the embedding cache included.

Each file in turn gets a bit flipped (in three places), is cut in half, or is emptied. Then the archive is
used the two ways a person would: opened and asked (the app's start), and rebuilt with one record more (the
issue's case: a damaged cache feeding the next build). Every outcome must be one of:
  - the same answers as the undamaged index gives: the same records cited, in the same order, with the same
    scores (to 1e-4), from an index whose every vector is its record's own (cosine >= 0.9999 to the
    undamaged one) - the damage was noticed and repaired, or touched nothing answers depend on;
  - a refusal: an ArchiveError saying what is wrong and what to do.
An answer that differs is a silent corruption, and any other exception a traceback; there must be neither.

Run with -s to see the table of outcomes.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import SEEDS
from qa.archive import Archive
from qa.errors import ArchiveError

QUESTIONS = [
    "When did the Soviets postpone uranium prospecting in North Korea?",
    "Who asked Moscow for railway engineers?",
    "What did Vyshinsky report from the UN in October 1947?",
    "What did the CIA conclude about Soviet objectives in Korea?",
    "When was the Korean War armistice signed?",  # not answered: the closest records are compared instead
]
EXTRA = {"date": "1949-03-01", "title": "A memo added after the first build",
         "summary": "A later memo about railway engineers and the uranium mines of Korea."}


def answers(archive: Archive) -> list[tuple]:
    """What an answer rests on: found, and each cited (or closest) record's id and score."""
    out = []
    for q in QUESTIONS:
        a = archive.ask(q)
        shown = [(c.hit.record.id, c.hit.score) for c in a.citations] or [(h.record.id, h.score)
                                                                         for h in a.closest]
        out.append((a.found, shown))
    return out


def same(got: list[tuple], want: list[tuple]) -> bool:
    return all(g[0] == w[0] and [i for i, _ in g[1]] == [i for i, _ in w[1]]
               and all(abs(a - b) <= 1e-4 for (_, a), (_, b) in zip(g[1], w[1])) for g, w in zip(got, want))


def stored_vectors_are_the_records_own(archive: Archive, want: dict[str, np.ndarray]) -> bool:
    """Whether every vector the archive searches is its record's vector in the undamaged index."""
    index = archive.current
    stored = index.faiss_index.reconstruct_n(0, index.manifest.count)
    expected = np.stack([want[r.id] for r in index.records])
    return bool(((stored * expected).sum(axis=1) >= 0.9999).all())


def damages(size: int) -> list[tuple[str, object]]:
    """(name, what to do to the file's bytes) for a file of this size; none that would leave it unchanged.

    Bit 6 is flipped: in a float32's last byte it is the top exponent bit (the value grows by 2**64 or more),
    in text it changes a letter or a digit. The middle flip lands on such a last byte."""
    out: list[tuple[str, object]] = []
    if size:
        for at in sorted({min(size - 1, 40), min(size - 1, size // 2 | 3), size - 1}):
            out.append((f"bit flipped at byte {at}",
                        lambda b, at=at: b[:at] + bytes([b[at] ^ 0x40]) + b[at + 1:]))
        out.append(("cut in half", lambda b: b[: len(b) // 2]))
        out.append(("emptied", lambda b: b""))
    return out


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, embedder):
    """A records folder, an index built from it twice (so a previous build is kept too), and the answers."""
    base = tmp_path_factory.mktemp("faults")
    recs = base / "records"
    shutil.copytree(SEEDS, recs)
    extra = base / "extra"
    extra.mkdir()
    (extra / "extra.jsonl").write_text(json.dumps(EXTRA) + "\n")
    index = base / "index"
    Archive(index, records=[recs]).rebuild()
    a = Archive(index, records=[recs])
    a.rebuild()
    want_open = answers(a)
    copy = base / "with-extra"
    shutil.copytree(index, copy)
    b = Archive(copy, records=[recs, extra])
    b.rebuild([recs, extra])
    assert b.stamp()["records"] == 21
    want_rebuilt = answers(b)
    stored = b.current.faiss_index.reconstruct_n(0, 21)
    vectors = {r.id: stored[i] for i, r in enumerate(b.current.records)}
    files = sorted(str(p.relative_to(index)) for p in index.rglob("*") if p.is_file())
    assert any(f.startswith("cache/") and f.endswith("keys.txt") for f in files)
    assert any(f.startswith("cache/") and "vectors-" in f for f in files)
    return {"base": base, "recs": recs, "extra": extra, "index": index, "files": files,
            "open": want_open, "rebuilt": want_rebuilt, "vectors": vectors}


def _run(p: dict, work: Path, rel: str, damage, how: str) -> tuple[str, str]:
    """Damage one file of a copy of the index, use it, and say what came of it: (outcome, detail)."""
    index = work / "index"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(p["index"], index)
    f = index / rel
    f.write_bytes(damage(f.read_bytes()))
    try:
        if how == "open and ask":
            a = Archive(index, records=[p["recs"]])
            a.open()
            want = p["open"]
        else:
            a = Archive(index, records=[p["recs"], p["extra"]])
            a.rebuild([p["recs"], p["extra"]])
            want = p["rebuilt"]
        got = answers(a)
        sound = stored_vectors_are_the_records_own(a, p["vectors"])
    except ArchiveError as e:
        return "refused", str(e).replace(str(index), "INDEX").split(";")[0][:100]
    except Exception as e:  # noqa: BLE001 - not our error: a traceback for the user
        return "CRASHED", repr(e)[:100]
    if not sound:
        return "SILENT CORRUPTION", "a stored vector is not its record's own"
    return ("same answers" if same(got, want) else "SILENT CORRUPTION"), ""


def test_no_damage_to_any_file_of_an_index_folder_gives_an_answer_from_a_damaged_vector(pristine, tmp_path,
                                                                                       caplog):
    rows = []
    for rel in pristine["files"]:
        size = (pristine["index"] / rel).stat().st_size
        for name, damage in damages(size):
            for how in ("open and ask", "rebuild with one record more"):
                caplog.clear()
                with caplog.at_level(logging.WARNING, logger="qa"):
                    outcome, detail = _run(pristine, tmp_path, rel, damage, how)
                warned = "damaged" in caplog.text or "stale" in caplog.text or "rebuild" in caplog.text
                rows.append((rel, name, how, outcome, warned, detail))
    live = (pristine["index"] / "CURRENT").read_text().strip()
    print(f"\n{len(rows)} damaged uses of the {len(pristine['files'])} files of an index folder:")
    for rel, name, how, outcome, warned, detail in rows:
        first = rel.split("/")[0]
        shown = rel.replace(first, "live build" if first == live else "previous build") if first.startswith(
            "build-") else rel
        print(f"  {shown[:44]:<44} {name:<24} {how:<28} {outcome}{' (warned)' if warned else ''}"
              + (f": {detail}" if detail else ""))
    outcomes = ("same answers", "refused", "SILENT CORRUPTION", "CRASHED")
    counts = {o: sum(r[3] == o for r in rows) for o in outcomes}
    print("  " + ", ".join(f"{n} {o}" for o, n in counts.items()))
    silent = [r for r in rows if r[3] in ("SILENT CORRUPTION", "CRASHED")]
    assert not silent, "answers from damaged data, or a traceback:\n" + "\n".join(map(str, silent))
    # the cache's damage is caught and repaired with a warning, never refused and never silent
    cache_rows = [r for r in rows if r[0].startswith("cache/")]
    assert cache_rows and all(r[3] == "same answers" for r in cache_rows)
    assert all(r[4] for r in cache_rows if r[2].startswith("rebuild")), [r for r in cache_rows if not r[4]]
    assert len(rows) >= 100
