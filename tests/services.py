"""Services the cluster tests start themselves and stop after: a milvus-lite server on a loopback port, and a
two-node Ray cluster in network namespaces joined by a veth pair. Nothing listens beyond loopback or the
namespaces, and everything is stopped by the process ids started here (never `ray stop`, which would stop
every Ray on the machine)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

# milvus-lite's own server, on 127.0.0.1 at a port the kernel picks (its CLI would print port 0 for --port 0)
_SERVE = """
import signal, sys, threading
from milvus_lite.adapter.grpc.server import start_server_in_thread
server, db, port = start_server_in_thread(data_dir=sys.argv[1], host="127.0.0.1", port=0)
print(port, flush=True)
done = threading.Event()
for s in (signal.SIGTERM, signal.SIGINT):
    signal.signal(s, lambda *_: done.set())
done.wait()
server.stop(grace=2).wait()
db.close()
"""
# Ray started by a test: no usage reports, a login token in a file of the test's own, quick to stop
RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "2",
           "RAY_BACKEND_LOG_LEVEL": "fatal"}


def _die_with_parent() -> None:
    """PR_SET_PDEATHSIG: a server a crashed test started does not outlive it."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def missing(what: str, how: str) -> None:
    """Skip a test whose dependency is missing here; fail it in CI (CI=true), where `make test` installs
    everything the tests need and runs as root."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing in CI: {how}")
    pytest.skip(f"{what} is missing: {how}")


CLUSTER = ("ray", "pymilvus", "milvus_lite")


def need_cluster() -> None:
    """The cluster extra (Ray, pymilvus, milvus-lite), or a skip (in CI, a failure) saying how to get it."""
    lacking = [m for m in CLUSTER if not have(m)]
    if lacking:
        missing(f"the cluster extra ({', '.join(lacking)})",
                "install it with: pip install -e '.[test,cluster]' (make test does)")


class Milvus:
    """A milvus-lite gRPC server on 127.0.0.1 over a data folder; stop() and start() again keep the data."""

    def __init__(self, data: Path) -> None:
        self.data, self.proc, self.port = data, None, 0

    def start(self, tries: int = 2) -> "Milvus":
        """Start the server; one that dies before it prints its port is started once more (milvus-lite has
        died so at start, once in many runs, under a loaded CI machine), and the error then says what it
        printed on stderr."""
        errors = []
        for _ in range(tries):
            with tempfile.TemporaryFile(mode="w+") as err:
                self.proc = subprocess.Popen([sys.executable, "-c", _SERVE, str(self.data)],
                                             stdout=subprocess.PIPE, stderr=err, text=True,
                                             preexec_fn=_die_with_parent)
                line = self.proc.stdout.readline()
                if line.strip().isdigit():
                    self.port = int(line)
                    return self
                self.proc.kill()
                self.proc.wait()
                err.seek(0)
                errors.append(f"printed {line!r}, stderr ending {err.read()[-600:]!r}")
        raise RuntimeError("milvus-lite did not start: " + "; then ".join(errors))

    def url(self, name: str) -> str:
        return f"milvus://127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        from qa.stores import milvus

        with contextlib.suppress(Exception):
            milvus.forget(milvus.Address("127.0.0.1", self.port, "x"))


@contextlib.contextmanager
def milvus_lite(data: Path):
    server = Milvus(data).start()
    try:
        yield server
    finally:
        server.stop()


def can_make_namespaces() -> str | None:
    """Why two network namespaces cannot be made here (not root, no `ip`), or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if not shutil.which("ip"):
        return "iproute2's ip is not installed"
    name = f"aqa-probe-{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if r.returncode:
        return f"ip netns add failed: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


class TwoNodes:
    """A Ray head in one namespace and a worker node in another, joined by a veth pair on 198.18.0.0/24
    (RFC 2544's benchmarking range, which exists only inside the two namespaces): the closest this machine
    comes to two machines. Each node is one `ray start --block` process the test owns."""

    HEAD, WORKER = "198.18.0.1", "198.18.0.2"
    PORT = 6379

    def __init__(self, work: Path, env: dict[str, str], cpus: int = 1) -> None:
        tag = f"{os.getpid() % 100000}"
        self.ns = (f"aqa-h{tag}", f"aqa-w{tag}")
        self.veth = (f"aqa-vh{tag}", f"aqa-vw{tag}")
        self.work, self.cpus = work, cpus
        self.temp = Path(tempfile.mkdtemp(prefix="aqr-", dir="/tmp"))  # short: Unix socket paths
        self.env = dict(os.environ, **RAY_ENV, **env, RAY_AUTH_MODE="token",
                        RAY_AUTH_TOKEN_PATH=str(self.temp / "token"))
        for k in ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "RAY_ADDRESS"):  # one-node settings; another cluster
            self.env.pop(k, None)
        (self.temp / "token").write_text(os.urandom(16).hex())
        self.procs: list[subprocess.Popen] = []

    @property
    def address(self) -> str:
        return f"{self.HEAD}:{self.PORT}"

    def _ip(self, *args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True, text=True)

    def _node(self, ns: str, args: list[str], log: str) -> subprocess.Popen:
        ray = str(Path(sys.executable).with_name("ray"))
        p = subprocess.Popen(["ip", "netns", "exec", ns, ray, "start", "--block", "--disable-usage-stats",
                              f"--num-cpus={self.cpus}", "--object-store-memory=300000000",
                              "--memory=3000000000", *args],
                             stdout=open(self.work / log, "w"), stderr=subprocess.STDOUT, env=self.env,
                             start_new_session=True)
        self.procs.append(p)
        return p

    def run(self, ns: str, argv: list[str], **kw) -> subprocess.CompletedProcess:
        """A command in one of the namespaces, with the cluster's environment."""
        return subprocess.run(["ip", "netns", "exec", ns, *argv], env=self.env, **kw)

    def start(self) -> "TwoNodes":
        h, w = self.ns
        vh, vw = self.veth
        self._ip("netns", "add", h)
        self._ip("netns", "add", w)
        self._ip("link", "add", vh, "type", "veth", "peer", "name", vw)
        self._ip("link", "set", vh, "netns", h)
        self._ip("link", "set", vw, "netns", w)
        self._ip("-n", h, "addr", "add", f"{self.HEAD}/24", "dev", vh)
        self._ip("-n", w, "addr", "add", f"{self.WORKER}/24", "dev", vw)
        for ns, dev in ((h, vh), (w, vw)):
            self._ip("-n", ns, "link", "set", dev, "up")
            self._ip("-n", ns, "link", "set", "lo", "up")
        self._node(h, ["--head", f"--node-ip-address={self.HEAD}", f"--port={self.PORT}",
                       "--include-dashboard=false", f"--temp-dir={self.temp}/h"], "head.log")
        self._wait(lambda: self.run(h, [sys.executable, "-c", f"import socket; socket.create_connection("
                                        f"('{self.HEAD}', {self.PORT}), timeout=1)"],
                                    capture_output=True).returncode == 0, 90, "the head node")
        self._node(w, [f"--address={self.address}", f"--node-ip-address={self.WORKER}",
                       f"--temp-dir={self.temp}/w"], "worker.log")
        count = ("import ray; ray.init(address='%s', logging_level='ERROR'); "
                 "print(sum(n['Alive'] for n in ray.nodes()))" % self.address)
        self._wait(lambda: self.run(h, [sys.executable, "-c", count], capture_output=True, text=True
                                    ).stdout.strip().endswith("2"), 120, "the second node")
        return self

    def _wait(self, ready, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs):
                break
            if ready():
                return
            time.sleep(1)
        logs = "\n".join((self.work / f).read_text()[-2000:] for f in ("head.log", "worker.log")
                         if (self.work / f).exists())
        raise RuntimeError(f"{what} of the two-node Ray cluster did not come up:\n{logs}")

    def stop(self) -> None:
        for p in reversed(self.procs):  # the worker node first, then the head
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    pass
        for ns in self.ns:  # anything left in a namespace is this cluster's: killed by pid
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
        for p in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(10)
        for ns in self.ns:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)  # takes the veth pair with it
        shutil.rmtree(self.temp, ignore_errors=True)


@contextlib.contextmanager
def two_nodes(work: Path, env: dict[str, str]):
    cluster = TwoNodes(work, env)
    try:
        yield cluster.start()
    finally:
        cluster.stop()
