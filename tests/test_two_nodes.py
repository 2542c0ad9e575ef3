"""A Ray cluster of two nodes builds the index (issue 16): the cross-node path on one machine.

The head and a second node run in two network namespaces joined by a veth pair (tests/services.py), each a
`ray start --block` process this test owns; the driver, `archive-qa build --engine ray --ray-address ...`,
runs in the head's namespace. It builds the 20 seed records and 20,000 records derived from the State
Department's, and both nodes must embed some of them. Needs root and iproute2 and the cluster extra: skipped
without them, failed in CI (CI=true), where make test installs them.
"""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest
from conftest import HSG, ROOT, SEEDS
from services import can_make_namespaces, missing, need_cluster, two_nodes

DERIVED = 20_000

pytestmark = pytest.mark.namespaces


@pytest.fixture(scope="module", autouse=True)
def cluster_extra():
    need_cluster()


def derived_records(path, n: int = DERIVED) -> None:
    """n records made from the State Department's: each real record again, its summary's sentences turned
    round and its date moved a month per copy, so every one is new text with real words."""
    rows = [json.loads(line) for line in HSG.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if (r.get("summary") or "").strip() and r.get("date_iso")]
    out, copy, seen = [], 0, set()
    while len(out) < n:
        copy += 1
        for r in rows:
            sents = re.split(r"(?<=[.!?])\s+", r["summary"].strip())
            k = copy % len(sents)
            year, month, day = (int(x) for x in r["date_iso"][:10].split("-"))
            month = (month - 1 + copy) % 12 + 1
            new = {"date": f"{year:04d}-{month:02d}-{min(day, 28):02d}", "title": r["title"],
                   "summary": " ".join(sents[k:] + sents[:k]) + f" (Filed again, copy {copy}.)"}
            if tuple(new.values()) in seen:  # the export's own near-twins: every derived record is distinct
                continue
            seen.add(tuple(new.values()))
            out.append(new)
            if len(out) == n:
                break
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")


def test_a_two_node_ray_cluster_builds_the_seed_and_20000_derived_records(tmp_path, embedder):
    why = can_make_namespaces()
    if why:
        missing("a way to make network namespaces", f"{why} (CI runs as root; .ci/run installs iproute2)")
    import os

    records = tmp_path / "derived.jsonl"
    derived_records(records)
    index = tmp_path / "index"
    keep = ("ARCHIVE_QA_", "PYTHONPATH", "HF_", "TRANSFORMERS")
    env = {k: v for k, v in os.environ.items() if k.startswith(keep)}
    with two_nodes(tmp_path, env) as cluster:
        r = cluster.run(cluster.ns[0], [sys.executable, "-m", "qa", "build", "--records", str(SEEDS),
                                        str(records), "--index", str(index), "--engine", "ray",
                                        "--ray-address", cluster.address],
                        capture_output=True, text=True, timeout=3000, cwd=ROOT)
    print("\n" + r.stdout + "\n".join(line for line in r.stderr.splitlines()[-5:]))
    assert r.returncode == 0, r.stderr[-3000:]
    m = re.search(r"embedded with Ray on 2 nodes \(([\d,]+) and ([\d,]+) records\)", r.stdout)
    assert m, r.stdout
    per_node = [int(x.replace(",", "")) for x in m.groups()]
    assert sum(per_node) == DERIVED + 20 and min(per_node) > 0

    from qa.archive import Archive
    from qa.build import embedding_text

    a = Archive(index, records=[SEEDS, records])
    a.open(auto_build=False)
    store = a.current
    assert store.manifest.count == DERIVED + 20
    rows = sorted(np.random.default_rng(16).choice(store.manifest.count, 300, replace=False).tolist())
    fresh = embedder.encode([embedding_text(rec) for rec in store.records.fetch(rows)])
    cos = np.einsum("ij,ij->i", store.vectors(rows), fresh)
    assert cos.min() >= 0.9999
    assert a.ask("When did the Soviets postpone uranium prospecting in North Korea?").found
