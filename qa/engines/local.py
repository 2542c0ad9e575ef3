"""The local engine: the model in this process on every core this process may use (qa/embed.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ..embed import Embedder
from .base import Engine, Progress

BATCH = 256  # texts per call of the model; questions asked meanwhile go first between calls


class LocalEngine(Engine):
    """Embeds in slices that let questions go first (Embedder.encode(background=True)), as builds always
    have."""

    name = "local"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed(self, texts: Sequence[str], rows: np.ndarray, progress: Progress) -> Iterator[
            tuple[np.ndarray, np.ndarray]]:
        try:
            for start in range(0, len(rows), BATCH):
                part = rows[start:start + BATCH]
                progress(start, len(part))
                texts_of = [texts[int(i)] for i in part]
                yield part, self.embedder.encode(texts_of, batch_size=32, background=True)
        finally:
            self.embedder.build_done()
