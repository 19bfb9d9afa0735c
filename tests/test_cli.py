"""The CLI through real processes: exit codes, one-line errors, status on a fresh machine."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest


def fwpulse(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fwpulse", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
def test_status_json_on_fresh_machine_builds_db(tmp_path):
    db_path = tmp_path / "fresh" / "fwpulse.duckdb"
    res = fwpulse("status", "--json", env={"FWPULSE_DB": str(db_path)})
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    assert db_path.exists()
    assert info["schema_version"] == info["schema_version_latest"] >= 1
    assert info["rows_by_source"]["EvanLi/Github-Ranking"] == 309 * 3
    assert info["rows_by_framework"]["keras"] > 0 and info["rows_by_metric"]["github.stars"] >= 309
    assert any(r["source"] == "hugovk/top-pypi-packages" and r["framework"] == "jax" for r in info["rows"])
    assert [s["source"] for s in info["sources"]] == ["snapshot"]


@pytest.mark.slow
def test_bad_config_is_one_line_exit_2(tmp_path):
    cfg = tmp_path / "fw.toml"
    cfg.write_text('[frameworks.x]\nname = "X"\nstarz = 1\n')
    res = fwpulse("status", env={"FWPULSE_CONFIG": str(cfg), "FWPULSE_DB": str(tmp_path / "d.duckdb")})
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and str(cfg) in res.stderr and "frameworks.x.starz" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.slow
def test_refresh_unknown_source_exit_2(tmp_path):
    res = fwpulse("refresh", "--source", "myspace", env={"FWPULSE_DB": str(tmp_path / "d.duckdb")})
    assert res.returncode == 2 and "--source: unknown source 'myspace'; valid: github, stackoverflow" in res.stderr
    assert not (tmp_path / "d.duckdb").exists()  # refused before the database is touched


@pytest.mark.slow
def test_refresh_unknown_framework_exit_2(snapshot_db):
    res = fwpulse("refresh", "--framework", "flask", "--source", "github")
    assert res.returncode == 2 and "flask" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.slow
def test_a_mistyped_framework_is_a_command_line_typo_with_a_suggestion_not_a_config_error(snapshot_db):
    res = fwpulse("refresh", "--framework", "pytroch", "--source", "github")
    assert res.returncode == 2 and res.stderr.count("\n") == 1
    assert "config error" not in res.stderr
    assert "--framework: unknown framework 'pytroch' (did you mean 'pytorch'?)" in res.stderr


@pytest.mark.slow
def test_a_mistyped_source_and_chart_get_a_suggestion(snapshot_db, tmp_path):
    res = fwpulse("refresh", "--source", "githb")
    assert res.returncode == 2 and "'githb' (did you mean 'github'?)" in res.stderr
    res = fwpulse("export", "--chart", "github-strs", "--format", "csv", "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "'github-strs' (did you mean 'github-stars'?)" in res.stderr


@pytest.mark.slow
def test_export_takes_frameworks_with_commas_like_charts_and_formats(snapshot_db, tmp_path):
    out = tmp_path / "o"
    res = fwpulse("export", "--chart", "github-stars", "--format", "csv", "-f", "pytorch,jax", "--out", str(out))
    assert res.returncode == 0, res.stderr
    csv = (out / "github-stars.csv").read_text()
    assert "pytorch" in csv and "jax" in csv and "tensorflow" not in csv


@pytest.mark.slow
def test_import_bad_file_exit_2_db_unchanged(snapshot_db, tmp_path):
    before = snapshot_db.read_bytes()
    f = tmp_path / "bad.csv"
    f.write_text("framework,metric,value,as_of,source_url,note\nPyTorch,forks,many,2020-01-01,https://x.org,\n")
    res = fwpulse("import", str(f))
    assert res.returncode == 2 and "line 2: value 'many'" in res.stderr
    assert snapshot_db.read_bytes() == before


@pytest.mark.slow
def test_import_good_file(snapshot_db, tmp_path):
    f = tmp_path / "good.csv"
    f.write_text("framework,metric,value,as_of,source_url,note\nJAX,github_forks,3000,2021-01-01,https://x.org/y,\n")
    res = fwpulse("import", str(f))
    assert res.returncode == 0 and "1 new rows" in res.stdout
    assert "manual.github_forks" in fwpulse("status", "--json").stdout


@pytest.mark.slow
def test_db_compact_forced_and_if_due(snapshot_db):
    res = fwpulse("db", "compact")
    assert res.returncode == 0 and "rows rewritten clustered by series" in res.stdout, res.stderr
    due = fwpulse("db", "compact", "--if-due")
    assert (
        due.returncode == 0 and "0 appended since the last compaction" in due.stdout and "nothing to do" in due.stdout
    )
    info = json.loads(fwpulse("status", "--json").stdout)
    assert info["rows_by_source"]["EvanLi/Github-Ranking"] == 309 * 3  # nothing lost


@pytest.mark.slow
def test_help_shows_flags_as_flags_and_lists_choices():
    """Flags print as flags (typer's rich help printed `--all <bool>`); options with a fixed set of values
    list them, including the dynamic ones (sources, charts) that are computed only for --help."""
    from fwpulse.collectors.refresh import available_sources
    from fwpulse.dashboard.charts.registry import CHARTS

    export = fwpulse("export", "--help").stdout
    assert "<bool>" not in export and re.search(r"^\s+--all\s+Every chart", export, re.MULTILINE), export
    assert "--format [png,svg,pdf,html,csv]" in export and "--theme [article|dark|transparent]" in export
    assert all(cid in export.replace("-\n", "-").replace("\n", " ").replace(" ", "") for cid in CHARTS)
    refresh = fwpulse("refresh", "--help").stdout
    assert f"--source [{'|'.join(available_sources())}]" in refresh and "<bool>" not in refresh
    assert re.search(r"^\s+--backfill\s+Also fetch", refresh, re.MULTILINE)
    bench = fwpulse("bench", "--help").stdout
    assert "--suite [smoke|full]" in bench and "--device [auto|cpu|cuda]" in bench and "<bool>" not in bench
    assert "--format [table|csv|markdown|json]" in fwpulse("sql", "--help").stdout


def test_every_command_module_is_small_and_says_its_job():
    """The CLI is split by verb family (fwpulse/commands/), each module under ~300 lines with a one-line docstring."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "fwpulse"
    for path in [*root.glob("*.py"), *(root / "commands").glob("*.py")]:
        text = path.read_text()
        doc = ast.get_docstring(ast.parse(text))
        assert doc and doc.strip(), f"{path.name} has no docstring"
        assert len(text.splitlines()) <= 300, f"{path.name} has {len(text.splitlines())} lines"


@pytest.mark.slow
def test_schedule_prints_absolute_line_and_installs_idempotently(snapshot_db, tmp_path):
    tab = tmp_path / "crontab"
    tab.write_text("MAILTO=me@example.org\n15 3 * * * /usr/bin/other-job\n")
    line = fwpulse("schedule", "--cron", "30 5 * * *").stdout.strip()
    assert line.startswith("30 5 * * * ") and str(snapshot_db) in line and "refresh" in line
    assert ".config/fwpulse/env" in line and "refresh.log" in line and line.endswith("# fwpulse-refresh")
    assert "installed: " in fwpulse("schedule", "--install", "--crontab-file", str(tab)).stdout
    once = tab.read_text()
    assert "already installed" in fwpulse("schedule", "--install", "--crontab-file", str(tab)).stdout
    assert tab.read_text() == once and once.count("# fwpulse-refresh") == 1 and "other-job" in once
    assert "removed" in fwpulse("schedule", "--remove", "--crontab-file", str(tab)).stdout
    assert tab.read_text() == "MAILTO=me@example.org\n15 3 * * * /usr/bin/other-job\n"


@pytest.mark.slow
def test_schedule_bad_cron_exit_2(snapshot_db):
    res = fwpulse("schedule", "--cron", "every day")
    assert res.returncode == 2 and "five fields" in res.stderr


@pytest.mark.parametrize(
    "expr, field",
    [
        ("61 * * * *", "minute field: '61' is outside 0-59"),
        ("0 24 * * *", "hour field"),
        ("0 6 0 * *", "day of month field"),
        ("0 6 * 13 *", "month field"),
        ("0 6 * * 8", "day of week field"),
        ("*/0 * * * *", "step '0'"),
        ("0 6-2 * * *", "runs backwards"),
        ("0 six * * *", "not a number"),
        ("@sometimes", "unknown nickname"),
    ],
)
def test_schedule_names_the_cron_field_cron_would_reject(expr, field):
    from fwpulse.collectors.schedule import ScheduleError, validate_cron

    with pytest.raises(ScheduleError, match=re.escape(field)):
        validate_cron(expr)


@pytest.mark.parametrize(
    "expr", ["0 6 * * *", "*/15 0-5,22-23 1,15 jan-mar mon-fri", "0 0 * * 7", "@daily", "5 4 * * sun"]
)
def test_schedule_takes_what_cron_takes(expr):
    from fwpulse.collectors.schedule import validate_cron

    assert validate_cron(expr)


@pytest.mark.slow
def test_export_without_charts_is_usage_error(snapshot_db, tmp_path):
    res = fwpulse("export", "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and "--chart" in res.stderr and "--all" in res.stderr
    assert res.stderr.strip().count("\n") == 0 and not (tmp_path / "out").exists()


@pytest.mark.slow
def test_export_csv_only_needs_no_browser(snapshot_db, tmp_path):
    res = fwpulse(
        "export",
        "--chart",
        "github-stars",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "out"),
        env={"BROWSER_PATH": "/nonexistent/chromium"},
    )
    assert res.returncode == 0, res.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert [e["file"] for e in manifest["files"]] == ["github-stars.csv"]


# ------------------------------------------------------------------ progress totals

SO_TOML = """
[frameworks.pytorch]
name = "PyTorch"
stackoverflow_tags = ["pytorch"]

[frameworks.tensorflow]
name = "TensorFlow"
stackoverflow_tags = ["tensorflow", "keras"]

[frameworks.notags]
name = "No tags"

[sources.stackoverflow]
backfill_since = "2025-01"
max_requests = 1000
"""


def _months_since_2025() -> int:
    import datetime as dt

    today = dt.datetime.now(dt.UTC).date()
    return (today.year - 2025) * 12 + today.month - 1  # 2025-01 .. the last complete month


@pytest.mark.slow
def test_progress_total_is_what_the_source_reports(tmp_path):
    """Stack Overflow steps are months, not frameworks: the total is corrected to the months it will fetch,
    starts from the frameworks the source collects (not the whole registry), and every step is counted once."""
    from fakes.stackexchange import FakeStackExchange
    from fwpulse.collectors.refresh import refresh
    from fwpulse.data.registry import parse_registry
    from fwpulse.data.settings import Settings
    from tests.collectors.test_stackoverflow import TAGS, monthly

    seen: dict[str, dict] = {}

    def factory(name, total):
        rec = seen[name] = {"totals": [total], "ticks": 0}

        def tick(message=None, total=None):
            if total is not None:
                rec["totals"].append(total)
            if message is not None:
                rec["ticks"] += 1

        return tick

    with FakeStackExchange(TAGS, monthly) as fake:
        settings = Settings(db_path=tmp_path / "fw.duckdb", stackexchange_api_url=f"{fake.base}/2.3")
        [outcome] = refresh(
            settings, parse_registry(SO_TOML), sources=["stackoverflow"], backfill=True, progress_factory=factory
        )
    assert outcome.status == "ok", outcome.error
    rec = seen["stackoverflow"]
    assert rec["totals"][0] == 2  # pytorch, tensorflow: notags is not collected
    assert rec["ticks"] == rec["totals"][-1] == _months_since_2025()


@pytest.mark.slow
def test_cli_progress_lines_count_up_to_the_total(tmp_path):
    """Through the real CLI (no terminal: plain log lines): the last step of a backfill reads N/N."""
    from fakes.stackexchange import FakeStackExchange
    from tests.collectors.test_stackoverflow import TAGS, monthly

    cfg = tmp_path / "fw.toml"
    cfg.write_text(SO_TOML)
    with FakeStackExchange(TAGS, monthly) as fake:
        res = fwpulse(
            "refresh",
            "--source",
            "stackoverflow",
            "--backfill",
            env={
                "FWPULSE_DB": str(tmp_path / "fw.duckdb"),
                "FWPULSE_CONFIG": str(cfg),
                "FWPULSE_STACKEXCHANGE_API_URL": f"{fake.base}/2.3",
            },
        )
    assert res.returncode == 0, res.stderr
    steps = re.findall(r"stackoverflow: \S+ done \((\d+)/(\d+)\)", res.stderr)
    n = _months_since_2025()
    assert len(steps) == n and steps[-1] == (str(n), str(n)) and {t for _, t in steps} == {str(n)}, res.stderr[-2000:]


# ------------------------------------------------------------------ fwpulse sql


@pytest.mark.slow
def test_sql_formats(snapshot_db):
    q = (
        "SELECT framework, value FROM metric_values WHERE metric = 'github.stars' AND date = DATE '2026-08-01' "
        "ORDER BY framework"
    )
    csv_out = fwpulse("sql", "--format", "csv", q)
    assert csv_out.returncode == 0, csv_out.stderr
    lines = csv_out.stdout.strip().splitlines()
    assert lines[0] == "framework,value" and len(lines) >= 3 and lines[1].split(",")[0] < lines[2].split(",")[0]
    rows = json.loads(fwpulse("sql", "--format", "json", q).stdout)
    assert [r["framework"] for r in rows] == [line.split(",")[0] for line in lines[1:]]
    assert all(isinstance(r["value"], float) for r in rows)
    md = fwpulse("sql", "--format", "markdown", q).stdout.splitlines()
    assert md[0] == "| framework | value |" and md[1] == "|---|---|" and len(md) == len(lines) + 1
    table = fwpulse("sql", q).stdout.splitlines()
    assert table[0].split() == ["framework", "value"] and table[-1] == f"({len(rows)} rows)"
    dates = json.loads(fwpulse("sql", "--format", "json", "SELECT DATE '2020-01-02' AS d, 'nan'::DOUBLE AS x").stdout)
    assert dates == [{"d": "2020-01-02", "x": None}]  # strict JSON


@pytest.mark.slow
def test_sql_is_read_only_and_one_line(snapshot_db, tmp_path):
    before = snapshot_db.read_bytes()
    for q, words in (
        ("DELETE FROM observations", "read-only"),
        ("SELEC 1", "syntax error"),
        ("SELECT * FROM nope", "nope"),
        (f"COPY (SELECT 1) TO '{tmp_path / 'x.csv'}'", "disabled"),
        ("SELECT * FROM read_csv('/etc/passwd')", "disabled"),
        ("SET enable_external_access = true", "locked"),
        ("  ", "no query"),
    ):
        res = fwpulse("sql", q)
        assert res.returncode == 2, (q, res.stderr)
        assert res.stderr.strip().count("\n") == 0 and words in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert not (tmp_path / "x.csv").exists()
    assert snapshot_db.read_bytes() == before
    assert fwpulse("sql", "--format", "yaml", "SELECT 1").returncode == 2


@pytest.mark.slow
def test_sql_waits_for_a_writer_then_reads(snapshot_db):
    """A writer holds the database for a moment: the read-only open is retried, not failed; a writer that
    holds it longer than --wait is exit 75 with one line."""
    import time

    from fwpulse.data import db

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from fwpulse.data import db\n"
                "with db.writing(sys.argv[1]) as con:\n"
                "    print('held', flush=True); time.sleep(float(sys.argv[2]))"
            ),
            str(snapshot_db),
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    t0 = time.monotonic()
    res = fwpulse("sql", "--format", "csv", "SELECT count(*) AS n FROM metric_values")
    holder.wait(timeout=30)
    assert res.returncode == 0, res.stderr
    assert int(res.stdout.splitlines()[1]) > 0 and time.monotonic() - t0 >= 0  # read after the writer let go
    with db.writing(snapshot_db) as _con:  # now this process holds it: --wait 0.5 gives up
        busy = fwpulse("sql", "--wait", "0.5", "SELECT 1")
    assert busy.returncode == 75 and busy.stderr.strip().count("\n") == 0 and "another process" in busy.stderr


@pytest.mark.slow
def test_a_failing_source_is_reported_once(snapshot_db):
    """Its summary was logged by refresh and printed again by the CLI: twice on a terminal and in cron's log."""
    res = fwpulse("refresh", "--source", "pypi")
    assert res.returncode == 1
    both = res.stdout + res.stderr
    assert both.count("pypi: failed") == 1 and both.count("cannot reach") == 1, both


def test_terminal_log_lines_carry_iso_timestamps(monkeypatch):
    """Rich's default time format is the locale's %x (12/04/26 on a US locale); the plain lines are ISO already."""
    import io
    import logging

    from rich.console import Console

    from fwpulse.commands import common

    root = logging.getLogger("fwpulse")
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setattr(common.sys.stderr, "isatty", lambda: True, raising=False)
    common.setup_logging()
    (handler,) = root.handlers
    handler.console = Console(file=io.StringIO(), width=200, force_terminal=False)
    handler.emit(logging.LogRecord("fwpulse", logging.INFO, __file__, 1, "hello", None, None))
    assert re.match(r"\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] INFO", handler.console.file.getvalue())
