"""No network at all: the CLI and the web app start and answer inside a network namespace with only loopback."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, SEEDS


def _netns_ok() -> bool:
    if not shutil.which("unshare"):
        return False
    p = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return p.returncode == 0


@pytest.fixture(scope="module", autouse=True)
def netns():
    if not _netns_ok():
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs as root and must be able to make a network namespace (unshare -n)")
        pytest.skip("cannot create a network namespace here (needs root and util-linux unshare)")


def _in_netns(script: str, cwd, timeout=300):
    env = dict(os.environ)
    env.pop("HF_HUB_OFFLINE", None)  # the code must set it itself
    env.pop("GRADIO_ANALYTICS_ENABLED", None)
    return subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up 2>/dev/null; " + script],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def test_no_route_out_inside_the_namespace(tmp_path):
    p = _in_netns(f"{sys.executable} -c \"import socket; s=socket.socket(); s.settimeout(3); "
                  f"print(s.connect_ex(('1.1.1.1', 443)))\"", tmp_path)
    assert p.stdout.strip() not in ("0", "")


def test_cli_builds_and_answers_without_network(tmp_path):
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEEDS / "korea-1942-1948.txt", tmp_path / "seeds")
    p = _in_netns(f"{sys.executable} -m qa build && {sys.executable} -m qa ask --json "
                  "'When did the Soviets postpone uranium prospecting in North Korea?'", tmp_path)
    assert p.returncode == 0, p.stderr
    out = p.stdout.strip().splitlines()[-1]
    assert '"date": "April 12, 1948"' in out


def test_web_app_serves_and_answers_without_network(tmp_path):
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEEDS / "korea-1942-1948.txt", tmp_path / "seeds")
    client = textwrap.dedent("""
        import time, urllib.request
        from gradio_client import Client
        for _ in range(600):
            try:
                urllib.request.urlopen("http://127.0.0.1:7931/", timeout=1); break
            except OSError:
                time.sleep(0.3)
        a = Client("http://127.0.0.1:7931/", verbose=False, analytics_enabled=False).predict(
            "Who asked for railway engineers?", api_name="/ask")
        print("ANSWER", a["citations"][0]["title"])
    """)
    (tmp_path / "client.py").write_text(client)
    p = _in_netns(f"{sys.executable} {ROOT / 'app.py'} --port 7931 --index {tmp_path / 'index'} "
                  f"--records {tmp_path / 'seeds'} > app.log 2>&1 & APP=$!; "
                  f"HF_HUB_OFFLINE=1 {sys.executable} client.py; RC=$?; kill $APP; exit $RC", tmp_path)
    log = (tmp_path / "app.log").read_text()
    assert p.returncode == 0, p.stderr + log
    assert "ANSWER Cable No. 121973, Meretskov and Shytkov to Cde. Stalin" in p.stdout
    assert "Traceback" not in log
