"""The Ray engine: the model on every worker of a Ray cluster, as Ray actors (the cluster extra).

The driver (this process) reads and checks the records and asks the embedding cache first, as a local build
does; only the texts still missing go to the cluster, shortest first, in blocks of BLOCK, AHEAD blocks in flight
per worker. Each worker is an actor, one a CPU of the cluster, that loads the model once and runs it on one ONNX
Runtime thread (EmbedBatch); the vectors come back to the driver, which writes them to the store.
Plain actors rather than Ray Data's map_batches: on the same 20,000 records they embedded 9-12% more records a
second with one worker and with two (benchmarks/README.md), with no executor, statistics or autoscaling actor
beside the workers. Without an address Ray runs on this machine alone, privately (its own temporary folder,
loopback only, no dashboard, no usage stats).
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import shutil
import socket
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..errors import ServiceError
from .base import Engine, Progress

log = logging.getLogger(__name__)

BLOCK = 250  # rows a worker embeds per call (the model batches them by 32 inside)
AHEAD = 2    # blocks in flight per worker: the next is there when one is done, and the rest wait in the driver
RETRIES = 2  # restarts of a lost worker, and retries of the block it held
OBJECT_STORE = 1 << 30  # bytes of shared memory for a local Ray: the blocks in flight need a fraction of it
QUIET = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_BACKEND_LOG_LEVEL": "fatal"}
WORKER_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1",
              "TOKENIZERS_PARALLELISM": "false"}


# Ray waits a fixed 30 s for a local node's processes to register, and they may take longer (seen in two runs
# of the whole test suite on 2 cores, where Ray's dashboard process died starting; never alone). A local node
# that timed out starting is started once more, afresh.
LOCAL_STARTS = 2
# What Ray says when a local node's processes did not come up in time: its own wait for them to register, and
# its wait for the GCS server to write down its port (seen once in a full run under load, 2026-12-01).
STARTUP_TIMEOUTS = ("timed out during startup", "timed out waiting for file")


def started_late(e: BaseException) -> bool:
    """Whether Ray failed to start a local node only because its processes came up too slowly (STARTUP_TIMEOUTS):
    worth starting anew."""
    said = str(e).lower()
    return any(t in said for t in STARTUP_TIMEOUTS)


# Ray on this machine alone: every server on loopback (Ray would otherwise take the address of the interface
# that routes outside), no login token to write in ~/.ray. Set only while Ray starts: a cluster started later
# by this process (ray start) must not inherit them.
LOCAL_RAY = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled"}


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    before = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if before[k] is None})
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)


class EmbedBatch:
    """A worker's work, a plain callable class (a Ray actor): the model loaded once per worker, one thread."""

    def __init__(self, model: str) -> None:
        from ..embed import Embedder, use_threads

        use_threads(1)  # encode(background=False) then runs one ONNX Runtime thread: one worker, one core
        self.embedder = Embedder(model).load()
        self.pid = os.getpid()
        try:
            import ray

            self.node = ray.get_runtime_context().get_node_id()
        except Exception:  # noqa: BLE001 - called outside Ray (tests): the node is this machine
            self.node = socket.gethostname()

    def __call__(self, rows: np.ndarray, texts: list[str]) -> tuple[np.ndarray, np.ndarray, dict]:
        """A block's rows and texts in; its rows, their vectors and what the worker spent on the block out."""
        t, c = time.perf_counter(), time.process_time()
        vectors = np.asarray(self.embedder.encode(texts, batch_size=32), dtype=np.float32)
        spent = {"node": self.node, "pid": self.pid, "busy_s": time.perf_counter() - t,
                 "cpu_s": time.process_time() - c,
                 "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        return rows, vectors, spent


def import_ray():
    for k, v in QUIET.items():
        os.environ.setdefault(k, v)
    try:
        import ray
    except ImportError as e:
        raise ServiceError(f"--engine ray needs Ray ({e.name} is not installed): install the cluster extra "
                           "with: pip install 'archive-qa[cluster]'") from None
    for name in ("ray", "ray._private", "ray.util"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return ray


def reachable(address: str) -> tuple[str, int]:
    """The host and port of a Ray cluster's head (HOST:PORT), checked to accept connections: ServiceError
    naming the address and the command that starts it otherwise (ray.init would wait for minutes)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ServiceError(f"--ray-address must be the head node's HOST:PORT, such as 10.0.0.5:6379, not "
                           f"{address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
    except OSError as e:
        raise ServiceError(
            f"cannot reach the Ray cluster at {address} ({e.strerror or e}). Start its head node there with: "
            f"ray start --head --port={port}, and each other machine with: ray start --address={address}; "
            "or leave out --ray-address to run Ray on this machine alone. Nothing was changed") from None
    return host, int(port)


class RayEngine(Engine):
    """Embeds on a Ray cluster (address HOST:PORT) or on a private Ray on this machine (address None)."""

    name = "ray"

    def __init__(self, model: str, *, address: str | None = None, workers: int | None = None) -> None:
        self.model, self.address, self.workers = model, address, workers
        self.nodes: Counter[str] = Counter()  # records embedded on each node
        self.stats: dict[str, dict] = {}       # per worker (node/pid): rows, busy and CPU seconds, peak RSS
        self.pool = 0                           # workers in the pool of the last build

    @contextlib.contextmanager
    def _session(self):
        ray = import_ray()
        temp = None
        try:
            if self.address:
                reachable(self.address)
                import qa

                ray.init(address=self.address, logging_level="ERROR", log_to_driver=False,
                         runtime_env={"env_vars": WORKER_ENV, "py_modules": [str(Path(qa.__file__).parent)]})
                cpus = int(ray.cluster_resources().get("CPU", 1))
            else:
                from ..embed import cores
                from ..settings import current

                cpus = self.workers or cores()
                env = dict(WORKER_ENV, ARCHIVE_QA_CACHE=str(current().cache),
                           ARCHIVE_QA_BACKEND=current().backend)
                for attempt in range(LOCAL_STARTS):
                    temp = tempfile.mkdtemp(prefix="aqa-ray-", dir="/tmp")  # Unix socket paths stay short
                    try:
                        with _environment(LOCAL_RAY):  # what Ray's own processes read as they start
                            ray.init(address="local", num_cpus=cpus, include_dashboard=False,
                                     object_store_memory=OBJECT_STORE, _temp_dir=temp, logging_level="ERROR",
                                     log_to_driver=False, runtime_env={"env_vars": env})
                        break
                    except Exception as e:  # noqa: BLE001 - a node that did not come up in time is started anew
                        with contextlib.suppress(Exception):
                            ray.shutdown()
                        shutil.rmtree(temp, ignore_errors=True)
                        temp = None
                        if attempt + 1 == LOCAL_STARTS or not started_late(e):
                            raise
            self.pool = max(1, min(self.workers or cpus, cpus))
            yield ray
        except ServiceError:
            raise
        except Exception as e:  # noqa: BLE001 - Ray's own errors become one sentence saying what to do
            where = f"the Ray cluster at {self.address}" if self.address else "Ray on this machine"
            first = (str(e).strip().splitlines() or [e.__class__.__name__])[-1][:300]
            raise ServiceError(f"the build on {where} failed: {e.__class__.__name__}: {first}. Nothing was "
                               "changed: the index as it was keeps answering") from e
        finally:
            with contextlib.suppress(Exception):
                ray.shutdown()
            if temp:
                shutil.rmtree(temp, ignore_errors=True)

    def embed(self, texts: Sequence[str], rows: np.ndarray, progress: Progress) -> Iterator[
            tuple[np.ndarray, np.ndarray]]:
        self.nodes.clear()
        self.stats.clear()
        parts = [rows[a:a + BLOCK] for a in range(0, len(rows), BLOCK)]
        if not parts:
            return
        with self._session() as ray:
            # one actor a CPU, spread over the nodes; a worker lost mid-way is restarted and its block retried
            worker = ray.remote(num_cpus=1, max_restarts=RETRIES, max_task_retries=RETRIES,
                                scheduling_strategy="SPREAD")(EmbedBatch)
            actors = [worker.remote(self.model) for _ in range(min(self.pool, len(parts)))]
            todo = iter(parts)
            pending: dict = {}  # the block in flight -> its actor

            def send(actor) -> None:
                part = next(todo, None)
                if part is not None:
                    pending[actor.__call__.remote(part, [texts[int(i)] for i in part])] = actor

            for actor in actors:
                for _ in range(AHEAD):
                    send(actor)
            done = 0
            while pending:
                [ref], _ = ray.wait(list(pending), num_returns=1)
                send(pending.pop(ref))  # the next block is on its way before this one is unpacked
                part, vecs, spent = ray.get(ref)
                self._note(spent, len(part))
                progress(done, len(part))
                done += len(part)
                yield part, vecs

    def _note(self, spent: dict, n: int) -> None:
        """Add up what a worker spent on a block of n rows."""
        node = spent["node"]
        self.nodes[node] += n
        s = self.stats.setdefault(f"{node[:12]}/{spent['pid']}", {"node": node, "rows": 0, "busy_s": 0.0,
                                                                   "cpu_s": 0.0, "peak_mb": 0.0})
        s["rows"] += n
        s["busy_s"] += spent["busy_s"]
        s["cpu_s"] += spent["cpu_s"]
        s["peak_mb"] = max(s["peak_mb"], spent["peak_mb"])
