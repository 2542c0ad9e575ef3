"""Settings: every environment variable read in qa/settings.py only, checked, and in the README's table."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from qa import settings
from qa.errors import SettingError

WHOLE = "must be a whole number from"
BAD = [
    ("ARCHIVE_QA_CONCURRENCY", "abc", f"ARCHIVE_QA_CONCURRENCY {WHOLE} 1 to 64, not 'abc'"),
    ("ARCHIVE_QA_CONCURRENCY", "0", f"ARCHIVE_QA_CONCURRENCY {WHOLE} 1 to 64, not '0'"),
    ("ARCHIVE_QA_CONCURRENCY", "2.5", f"ARCHIVE_QA_CONCURRENCY {WHOLE} 1 to 64, not '2.5'"),
    ("ARCHIVE_QA_QUEUE_SIZE", "-1", f"ARCHIVE_QA_QUEUE_SIZE {WHOLE} 1 to 10,000, not '-1'"),
    ("ARCHIVE_QA_PORT", "http", f"ARCHIVE_QA_PORT {WHOLE} 1 to 65,535, not 'http'"),
    ("ARCHIVE_QA_PORT", "70000", f"ARCHIVE_QA_PORT {WHOLE} 1 to 65,535, not '70000'"),
    ("ARCHIVE_QA_HOST", "my host", "ARCHIVE_QA_HOST must be a host name or IP address such as 127.0.0.1 or "
                                   "0.0.0.0, not 'my host'"),
    ("ARCHIVE_QA_BACKEND", "cuda", "ARCHIVE_QA_BACKEND must be 'onnx' (the default) or 'torch', not 'cuda'"),
    ("ARCHIVE_QA_SAVE_FIGURES", "yes", "ARCHIVE_QA_SAVE_FIGURES must be 1 (save the figures) or 0 (the "
                                       "default), not 'yes'"),
]


@pytest.mark.parametrize("name, value, says", BAD, ids=[f"{n}={v}" for n, v, _ in BAD])
def test_a_bad_value_is_one_sentence_naming_the_setting_and_the_allowed_values(monkeypatch, name, value,
                                                                                says):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError) as e:
        settings.current()
    assert str(e.value) == says


def test_unset_and_empty_mean_the_defaults(monkeypatch):
    for name in settings.NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    s = settings.current()
    assert (s.host, s.port, s.index, s.model, s.backend, s.concurrency, s.queue_size, s.admin_password,
            s.save_figures) == ("127.0.0.1", 7860, None, None, "onnx", 2, 64, None, False)
    assert str(s.cache) == "/somewhere/archive-qa"
    for name in settings.NAMES:
        monkeypatch.setenv(name, "")
    assert settings.current() == s


def test_good_values_are_read(monkeypatch):
    for name, value in [("ARCHIVE_QA_HOST", "0.0.0.0"), ("ARCHIVE_QA_PORT", " 8080 "),
                        ("ARCHIVE_QA_INDEX", "/x/i"), ("ARCHIVE_QA_MODEL", "/models/m"),
                        ("ARCHIVE_QA_CACHE", "/c"), ("ARCHIVE_QA_BACKEND", "Torch"),
                        ("ARCHIVE_QA_CONCURRENCY", "4"), ("ARCHIVE_QA_QUEUE_SIZE", "128"),
                        ("ARCHIVE_QA_ADMIN_PASSWORD", " s3cret "), ("ARCHIVE_QA_SAVE_FIGURES", "1")]:
        monkeypatch.setenv(name, value)
    s = settings.current()
    assert (s.host, s.port, str(s.index), s.model, str(s.cache), s.backend, s.concurrency, s.queue_size,
            s.admin_password, s.save_figures) == ("0.0.0.0", 8080, "/x/i", "/models/m", "/c", "torch", 4, 128,
                                                  " s3cret ", True)


def _env(**changes: str) -> dict[str, str]:
    return {**os.environ, **changes}


def test_a_bad_value_at_app_start_is_one_sentence_and_exit_code_1():
    p = subprocess.run([sys.executable, str(ROOT / "app.py")], capture_output=True, text=True, timeout=120,
                       env=_env(ARCHIVE_QA_CONCURRENCY="abc"))
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.strip() == f"archive-qa: ARCHIVE_QA_CONCURRENCY {WHOLE} 1 to 64, not 'abc'"


def test_a_bad_value_in_the_cli_is_one_sentence_and_exit_code_1(tmp_path):
    p = subprocess.run([sys.executable, "-m", "qa", "info", "--index", str(tmp_path)], capture_output=True,
                       text=True, timeout=120, env=_env(ARCHIVE_QA_PORT="http"))
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.strip() == f"archive-qa: ARCHIVE_QA_PORT {WHOLE} 1 to 65,535, not 'http'"


def test_importing_the_web_app_reads_no_setting():
    p = subprocess.run([sys.executable, "-c", "import qa.web"], capture_output=True, text=True, timeout=120,
                       env=_env(ARCHIVE_QA_QUEUE_SIZE="many"))
    assert p.returncode == 0, p.stderr


def _sources() -> list:
    return [p for p in [ROOT / "app.py", *(ROOT / "qa").glob("*.py")] if p.name != "settings.py"]


def test_only_the_settings_module_reads_or_sets_the_environment():
    for path in _sources():
        text = path.read_text()
        assert not re.search(r"os\.environ|os\.getenv|getenv\(", text), f"{path.name} reads the environment"
        assert "HF_HUB_OFFLINE" not in text and "GRADIO_ANALYTICS_ENABLED" not in text, path.name


def test_every_setting_the_code_names_is_in_the_settings_module_and_the_readme_table():
    named = set()
    for path in [*_sources(), ROOT / "qa" / "settings.py", *(ROOT / "tests").glob("*.py"),
                 *(ROOT / "benchmarks").glob("*.py")]:
        named |= set(re.findall(r"\bARCHIVE_QA_[A-Z_]+[A-Z]\b", path.read_text()))
    assert named <= set(settings.NAMES), named - set(settings.NAMES)
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(ARCHIVE_QA_[A-Z_]+)` \|", section, re.M)
    assert sorted(rows) == sorted(settings.NAMES)
