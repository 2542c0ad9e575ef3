"""Benchmark steps, each run in a fresh process, and the memory figures a step reports of its process.

One side writes a step's arguments to a file, starts the script with `--step NAME ARGS OUT` and reads the result;
the other runs the named step and writes its result. Nothing here changes sys.path or imports qa/: a step may
run against another version's source (build_memory.py's baseline), which only the caller may choose.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def status_mb(field: str, pid: int | str = "self") -> float:
    """A memory figure of a process from /proc/PID/status (given there in kB), in MB: VmRSS, VmHWM, ..."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int | str = "self") -> float:
    return status_mb("VmRSS", pid)


def peak_mb() -> float:
    """Peak RSS of this process so far: VmHWM (ru_maxrss would keep the parent's peak from before exec)."""
    return status_mb("VmHWM")


def run(script: Path, name: str, args: dict, work: Path, tag: str, *, cwd: Path, env: dict | None = None,
        log: Path | None = None) -> dict:
    """Run step `name` of `script` in a fresh process and return its result. Its output goes to `log` when
    given (appended), else to this process's; RuntimeError when it fails or writes no result."""
    a, o = work / f"{tag}.args.json", work / f"{tag}.out.json"
    a.write_text(json.dumps(args))
    o.unlink(missing_ok=True)
    command = [sys.executable, str(script), "--step", name, str(a), str(o)]
    if log is None:
        p = subprocess.run(command, cwd=cwd, env=env, check=False)
    else:
        with open(log, "a") as out:
            p = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if p.returncode or not o.exists():
        raise RuntimeError(f"step {name} failed (exit {p.returncode})" + (f"; see {log}" if log else ""))
    return json.loads(o.read_text())


def serve(steps: dict[str, Callable[[dict], dict]], step: list[str]) -> int:
    """Run one step in this process: step is its name, the file of its arguments and the file for its result."""
    name, args_path, out_path = step
    result = steps[name](json.loads(Path(args_path).read_text()))
    Path(out_path).write_text(json.dumps(result, indent=1, default=float))
    return 0
