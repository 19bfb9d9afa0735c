"""Operations: no network fails fast with one line per source; a crash logs its (redacted) traceback
at WARNING and the ledger keeps its type and place; secrets never reach a sink."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import duckdb
import pytest

from fwpulse.collectors import refresh as orchestrator
from fwpulse.collectors.errors import UnreachableError
from fwpulse.collectors.http import HttpClient
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import BUNDLED_CONFIG, load_settings
from fwpulse.data.sources import SOURCES
from tests.conftest import CLOSED_URL

HTTP_SOURCES = [s.name for s in SOURCES]  # every declared source talks HTTP to its service
SECRET = "sekret-TOKEN-0123456789abcdef"


def _db_text(path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = []
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            out += [str(r) for r in con.execute(f'SELECT * FROM "{table}"').fetchall()]
        return "\n".join(out)
    finally:
        con.close()


def test_connection_refused_is_not_retried_and_names_host_and_setting():
    settings = load_settings()
    sleeps: list[float] = []
    http = HttpClient(
        sleep=sleeps.append, url_setting=lambda url: settings.url_setting_for(url, ("FWPULSE_PYPISTATS_URL",))
    )
    with pytest.raises(UnreachableError) as info:
        http.get(settings.pypistats_url + "/packages/torch/overall")
    msg = str(info.value)
    port = CLOSED_URL.rsplit(":", 1)[1]
    assert http.requests == 1 and sleeps == []
    assert f"cannot reach 127.0.0.1:{port} (connection refused)" in msg and "FWPULSE_PYPISTATS_URL" in msg
    assert "\n" not in msg


def test_dns_failure_is_not_retried():
    http = HttpClient(sleep=lambda s: pytest.fail("must not wait"))
    with pytest.raises(UnreachableError, match=r"cannot reach pypistats\.example\.invalid \(DNS lookup failed\)"):
        http.get("https://pypistats.example.invalid/api/packages/torch/overall")
    assert http.requests == 1


@pytest.mark.slow
def test_refresh_without_network_fails_every_source_at_once_with_one_line_each(snapshot_db):
    """The no_network fixture points every source at a closed port: one request per source, no waits."""
    settings = load_settings()
    outcomes = orchestrator.refresh(settings, load_registry(BUNDLED_CONFIG), sources=HTTP_SOURCES)
    assert [o.source for o in outcomes] == HTTP_SOURCES
    for o in outcomes:
        assert o.status == "failed", o
        assert "cannot reach 127.0.0.1" in o.error and "connection refused" in o.error, o.error
        assert any(v in o.error for v in orchestrator.SOURCE_URL_SETTINGS[o.source]) and "\n" not in o.error
        # the setting is named once, with the next step: no second, contradicting hint ("try again later")
        assert all(o.error.count(v) <= 1 for v in orchestrator.SOURCE_URL_SETTINGS[o.source]), o.error
        assert "try again later" not in o.error, o.error
        assert o.requests <= 3, o  # no retries (trends counts its 3-step exchange up front)


@pytest.mark.slow
def test_cli_refresh_without_network_prints_one_line_per_source(snapshot_db):
    proc = subprocess.run(
        [sys.executable, "-m", "fwpulse", "refresh"],
        capture_output=True,
        text=True,
        env={**os.environ, "FWPULSE_DB": str(snapshot_db)},
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    summary = [line for line in proc.stdout.splitlines() if "cannot reach" in line and ": failed" in line]
    assert len(summary) == len(orchestrator.available_sources()), proc.stdout + proc.stderr
    for name, settings in orchestrator.SOURCE_URL_SETTINGS.items():
        line = next(s for s in summary if s.startswith(f"{name}: failed"))
        assert any(v in line for v in settings), line


def test_crash_traceback_logged_at_warning_redacted_and_ledger_keeps_type_and_place(snapshot_db, monkeypatch, caplog):
    monkeypatch.setitem(orchestrator.SOURCES, "broken", "tests.collectors.crashing_source")
    monkeypatch.setenv("GITHUB_TOKEN", SECRET)
    monkeypatch.setenv("CRASH_WITH_SECRET", SECRET)
    settings = load_settings()  # registers the token for redaction
    with caplog.at_level(logging.WARNING):
        [out] = orchestrator.refresh(settings, load_registry(BUNDLED_CONFIG), sources=["broken"])
    assert out.status == "failed"
    assert out.error.startswith("unexpected ValueError: invalid literal for int()")
    assert "(at crashing_source.py:" in out.error and "in collect)" in out.error
    crash = [r for r in caplog.records if r.levelno == logging.WARNING and "crashed" in r.getMessage()]
    assert crash and crash[0].exc_text and "Traceback" in crash[0].exc_text
    assert "crashing_source.py" in crash[0].exc_text
    assert SECRET not in caplog.text and SECRET not in out.error and SECRET not in out.summary()
    assert "***" in crash[0].exc_text
    assert SECRET not in _db_text(snapshot_db)
