"""The build engine seam: the function from texts to vectors that every build calls, on this machine or a
cluster (local.py, ray.py). Both give the model's own vectors: the same records embed alike on either."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence

import numpy as np

Progress = Callable[[int, int], None]  # (how many rows are done, how many the next part holds)


class Engine(ABC):
    """Embeds the texts of given rows and hands back their vectors a part at a time."""

    name: str

    @abstractmethod
    def embed(self, texts: Sequence[str], rows: np.ndarray, progress: Progress) -> Iterator[
            tuple[np.ndarray, np.ndarray]]:
        """(rows, unit float32 vectors) pairs covering each of rows once, in any order. rows come shortest
        text first; texts[i] is read only when row i is embedded."""
