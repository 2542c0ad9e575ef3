"""The benchmarks' one percentile: linear interpolation between order statistics, as numpy's default.

Pure Python, so that benchmarks/load.py's client process need not import numpy for it.
"""

from __future__ import annotations


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (0-100) of values, or None when there are none."""
    if not values:
        return None
    s = sorted(values)
    x = (len(s) - 1) * p / 100
    lo = int(x)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (x - lo)
