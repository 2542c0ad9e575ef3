"""Build engines by name: "local" (this machine, the default) or "ray" (a Ray cluster, the cluster extra)."""

from __future__ import annotations

from ..embed import Embedder
from ..errors import ArchiveError
from .base import Engine

NAMES = ("local", "ray")


def local_engine(embedder: Embedder) -> Engine:
    from .local import LocalEngine

    return LocalEngine(embedder)


def engine(name: str, embedder: Embedder, *, address: str | None = None,
           workers: int | None = None) -> Engine:
    """The engine called name; ArchiveError naming the choices for another name."""
    if name == "local":
        if address or workers:
            raise ArchiveError("--ray-address and --ray-workers go with --engine ray")
        return local_engine(embedder)
    if name == "ray":
        from .ray import RayEngine, import_ray, reachable

        import_ray()  # before any work: the extra is installed, and the cluster answers
        if address:
            reachable(address)
        return RayEngine(embedder.name, address=address, workers=workers)
    raise ArchiveError(f"unknown build engine {name!r}: choose from {', '.join(NAMES)}")
