"""Fit the support model's weights (qa/support.py) on the dev splits of the labelled sets, never on test.

    .venv/bin/python benchmarks/fit_support.py [--work DIR]

Builds (or reuses) an index of each collection, retrieves the candidates of every dev question with the app's
own pipeline, labels each candidate by whether it is a gold record, and fits an L2-regularised logistic
regression (Newton's method, NumPy) on the evidence (qa/support.py FEATURES). Prints the weights to paste into
qa/support.py and the dev figures at a few thresholds. The features do not depend on the weights: the
candidates' evidence is computed in retrieval order, before the model reorders them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT / "tests" / "data" / "eval"
COLLECTIONS = {  # name: (records, dev questions)
    "seed": ([ROOT / "seeds"], [EVAL / "seed-dev.jsonl"]),
    "hsg": ([ROOT / "tests" / "data" / "hsg-visits-travels.jsonl"], [EVAL / "hsg-dev.jsonl"]),
}
L2 = 1.0


def candidates(archive, questions) -> list[tuple[np.ndarray, np.ndarray, bool, bool]]:
    """Per question: the evidence matrix of its candidates, their gold labels, answerable?, asks for a list?"""
    from qa.support import FEATURES

    out = []
    for q in questions:
        r = archive.retrieve(q.question, k=10, history=q.history or None)
        if r.listing or not r.hits:
            continue
        x = np.array([[getattr(h.evidence, f) for f in FEATURES] for h in r.hits], dtype=np.float64)
        y = np.array([(h.record.date.text, h.record.title) in q.gold for h in r.hits], dtype=np.float64)
        out.append((x, y, bool(q.gold), r.query.intent.listing))
    return out


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2, iterations: int = 30) -> np.ndarray:
    """Logistic regression with an intercept (not regularised) by Newton's method."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    reg = l2 * np.diag(np.r_[0.0, np.ones(xb.shape[1] - 1)])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + reg @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + reg
        w -= np.linalg.solve(hess, grad)
    return w


def figures(data, w: np.ndarray, cite: float) -> dict[str, float]:
    hit1, fnf, nf, cp, sr = [], [], [], [], []
    for x, y, answerable, _ in data:
        p = 1.0 / (1.0 + np.exp(-(w[0] + x @ w[1:])))
        order = np.argsort(-p, kind="stable")
        cited = [i for i in order if p[i] >= cite]
        if answerable:
            hit1.append(y[order[0]])
            fnf.append(not cited)
            if cited:
                cp.append(y[cited].mean())
            sr.append(y[cited].sum() / max(1.0, y.sum()) if cited else 0.0)
        else:
            nf.append(not cited)
    return {"hit@1": np.mean(hit1), "not-found": np.mean(nf), "false not-found": np.mean(fnf),
            "citation precision": np.mean(cp), "support recall": np.mean(sr)}


def main() -> int:
    from qa.archive import Archive
    from qa.evaluate import read_questions
    from qa.support import FEATURES

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", type=Path, default=None, help="folder for the indexes (default: a temporary one)")
    args = p.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="fit-support-"))
    data = {}
    for name, (records, dev) in COLLECTIONS.items():
        archive = Archive(work / name, records=records)
        archive.open()
        questions = [q for f in dev for q in read_questions(f)]
        data[name] = candidates(archive, questions)
        print(f"{name}: {len(questions)} dev questions, {sum(len(d[1]) for d in data[name])} candidates",
              file=sys.stderr)
    x = np.vstack([d[0] for rows in data.values() for d in rows])
    y = np.concatenate([d[1] for rows in data.values() for d in rows])
    w = fit(x, y)
    weights = {"bias": round(float(w[0]), 2)} | {f: round(float(v), 2) for f, v in zip(FEATURES, w[1:])}
    print("WEIGHTS =", json.dumps(weights))
    for cite in (0.3, 0.4, 0.45, 0.5):
        for name, rows in data.items():
            print(f"cite {cite} {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in figures(rows, w, cite).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
