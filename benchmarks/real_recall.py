"""Recall@10 of the approximate index on real embeddings: 100,000 real-text records (the State Department export
plus records recombined from its sentences), each embedded by the model, searched with the app's IVF settings
against exact search. bench.py's million uses synthetic vectors; this checks the choice on the model's own.

usage: .venv/bin/python benchmarks/real_recall.py [--size 100000] [--work /tmp/bench]
(~5 min to embed 100,000 texts on 2 cores; the vectors are kept in the work folder for the next run)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

import datasets as ds  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench"))
    ap.add_argument("--out", type=Path, default=HERE / "results" / "real_recall.json")
    args = ap.parse_args()

    import faiss

    from qa import store
    from qa.build import embedding_text
    from qa.embed import Embedder
    from qa.records import read_records

    path, _ = ds.real_file(args.size, args.work)
    records = read_records([path]).records
    vec_file = args.work / "data" / f"real_{args.size}.vectors.npy"
    emb = Embedder().load()
    if vec_file.exists() and np.load(vec_file, mmap_mode="r").shape[0] == len(records):
        X = np.load(vec_file)
        embed_seconds = None
    else:
        texts = [embedding_text(r) for r in records]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        t = time.perf_counter()
        X = np.empty((len(texts), 384), dtype=np.float32)
        step = 4096
        for s in range(0, len(order), step):
            part = order[s:s + step]
            X[part] = emb.encode([texts[i] for i in part], background=True)
            ds.log(f"embedded {min(s + step, len(order)):,} of {len(order):,}")
        embed_seconds = time.perf_counter() - t
        np.save(vec_file, X)
    Q = emb.encode(ds.visit_questions())

    exact = faiss.IndexFlatIP(X.shape[1])
    exact.add(X)
    faiss.omp_set_num_threads(2)
    _, G = exact.search(Q, 10)
    top_year = np.array([records[int(g[0])].date.start.year for g in G])
    years = np.array([r.date.start.year if r.date.start else -1 for r in records])

    store.EXACT_LIMIT = 0  # the approximate index the app builds above its threshold, at this size
    ivf_index, factory, params = store.make_faiss_index(X)
    faiss.omp_set_num_threads(1)

    def recall(nprobe: int, year_filter: bool) -> float:
        hits = []
        for qi, q in enumerate(Q):
            sel = None
            if year_filter:
                mask = years == top_year[qi]
                sel = faiss.IDSelectorBitmap(np.packbits(mask, bitorder="little"))
                ex = faiss.SearchParameters(sel=sel)
                _, gt = exact.search(q[None], 10, params=ex)
                gt = gt[0]
            else:
                gt = G[qi]
            p = faiss.SearchParametersIVF(nprobe=nprobe, sel=sel) if sel else faiss.SearchParametersIVF(nprobe=nprobe)
            _, got = ivf_index.search(q[None], 10, params=p)
            want = set(int(i) for i in gt if i >= 0)
            hits.append(len(want & set(int(i) for i in got[0] if i >= 0)) / max(1, len(want)))
        return float(np.mean(hits))

    out = {"records": len(records), "questions": int(len(Q)), "factory": factory, "params": params,
           "embed_seconds": embed_seconds, "recall10": {}}
    for name, nprobe, filt in (("unfiltered, app nprobe", params["nprobe"], False),
                               ("one year (the exact top-1's), app filtered nprobe", params["nprobe_filtered"], True),
                               ("one year, unfiltered nprobe", params["nprobe"], True)):
        out["recall10"][name] = {"nprobe": nprobe, "recall10": recall(nprobe, filt)}
        ds.log(f"{name}: nprobe {nprobe}, recall@10 {out['recall10'][name]['recall10']:.3f}")
    out["year_share_median"] = float(np.median([(years == y).mean() for y in top_year]))
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
