"""Sweep the web app's queue concurrency: 20 clients x 10 questions at each setting, from a separate process.

    .venv/bin/python benchmarks/concurrency.py [--settings 1 2 4] [--index index] [--records seeds]

Starts app.py on a free loopback port for each setting (ARCHIVE_QA_CONCURRENCY), runs benchmarks/load.py
against it, and prints p50, p99 and questions per second side by side (also benchmarks/results/concurrency.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(setting: int, index: Path, records: Path, clients: int, questions: int) -> dict:
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="aqa-conc-"))
    shutil.copytree(index, work / "index")
    env = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False",
               ARCHIVE_QA_CONCURRENCY=str(setting))
    log = open(work / "app.log", "w")
    app = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), "--index",
                            str(work / "index"), "--records", str(records)], stdout=log, stderr=subprocess.STDOUT,
                           env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load.py"), "ask", url, "--clients",
                            str(clients), "--questions", str(questions)], capture_output=True, text=True, env=env,
                           timeout=900)
        summary = json.loads(p.stdout.strip().splitlines()[-1])
        return {"concurrency": setting, **{k: summary[k] for k in ("answers", "errors", "p50_ms", "p99_ms",
                                                                    "questions_per_second")}}
    finally:
        app.terminate()
        app.wait(timeout=30)
        log.close()
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--settings", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--index", type=Path, default=ROOT / "index")
    p.add_argument("--records", type=Path, default=ROOT / "seeds")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--questions", type=int, default=10)
    args = p.parse_args()
    rows = [run(s, args.index, args.records, args.clients, args.questions) for s in args.settings]
    print("| concurrency | answers | errors | p50 ms | p99 ms | questions/s |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['concurrency']} | {r['answers']} | {r['errors']} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | "
              f"{r['questions_per_second']:.1f} |")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "concurrency.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
