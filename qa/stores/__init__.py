"""Index stores by location: a folder (the default, folder.py) or milvus://HOST:PORT/NAME (milvus.py).

Everything outside this package opens, checks and writes an index through these functions and talks to the
Store and Writer bases (base.py) only; the backends are imported when a location names them, so a folder
index never imports Milvus's client.
"""

from __future__ import annotations

from pathlib import Path

from .base import KeywordHits, Records, Store, Vocabulary, Writer

__all__ = ["KeywordHits", "Records", "Store", "Vocabulary", "Writer", "exists", "is_remote", "location",
           "open_store", "read_manifest", "writer"]

SCHEMES = ("milvus://",)


def location(value: str | Path) -> Path | str:
    """An index location as given on the command line or in $ARCHIVE_QA_INDEX: a URL stays text (a Path would
    fold its '//'), anything else is a folder."""
    text = str(value)
    if text.startswith("milvus:/") and not text.startswith("milvus://"):  # a URL that went through Path
        text = "milvus://" + text[len("milvus:/"):]
    return text if is_remote(text) else Path(value)


def is_remote(where: str | Path) -> bool:
    return isinstance(where, str) and where.startswith(SCHEMES)


def exists(where: str | Path) -> bool:
    """Whether an index is there (a server that cannot be reached is a ServiceError, not a missing index)."""
    if is_remote(where):
        from . import milvus

        return milvus.exists(str(where))
    from ..store import exists as folder_exists

    return folder_exists(Path(where))


def read_manifest(where: str | Path):
    """The live index's manifest; IndexProblem (OldFormat for another version) when there is none to read."""
    if is_remote(where):
        from . import milvus

        return milvus.read_manifest(str(where))[1]
    from ..store import read_manifest as folder_manifest

    return folder_manifest(Path(where))[1]


def open_store(where: str | Path) -> Store:
    """The live index at a location, verified and loaded."""
    if is_remote(where):
        from .milvus import MilvusStore

        return MilvusStore(str(where))
    from ..store import load_index

    return load_index(Path(where))


def writer(where: str | Path) -> Writer:
    """Where a build of this location goes."""
    if is_remote(where):
        from .milvus import MilvusWriter

        return MilvusWriter(str(where))
    from .folder import FolderWriter

    return FolderWriter(Path(where))
