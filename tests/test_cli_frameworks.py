"""`fwpulse frameworks add`: the user's registry, validated; then a backfill of the new framework
from the ClickHouse sources (chDB-backed fake on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from fwpulse.data.registry import load_registry
from fwpulse.data.settings import BUNDLED_CONFIG, load_settings


def fwpulse(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fwpulse", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


@pytest.fixture
def user_config(tmp_path, monkeypatch):
    """The user config dir lives in tmp (platformdirs reads XDG_CONFIG_HOME); FWPULSE_CONFIG unset."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("FWPULSE_CONFIG", raising=False)
    return tmp_path / "xdg" / "fwpulse" / "frameworks.toml"


MLX = (
    "frameworks",
    "add",
    "mlx",
    "--name",
    "MLX",
    "--github",
    "ml-explore/mlx",
    "--pypi",
    "mlx",
    "--stackoverflow-tag",
    "mlx",
)


@pytest.mark.slow
def test_add_creates_the_user_registry_from_the_bundled_one(user_config, tmp_path):
    assert load_settings().config_path == BUNDLED_CONFIG
    res = fwpulse(*MLX, env={"FWPULSE_DB": str(tmp_path / "d.duckdb")})
    assert res.returncode == 0, res.stderr
    assert str(user_config) in res.stdout and "fwpulse refresh --framework mlx --backfill" in res.stdout
    assert load_settings().config_path == user_config  # read from now on
    reg = load_registry(user_config)
    bundled = load_registry(BUNDLED_CONFIG)
    assert list(reg.frameworks) == [*bundled.frameworks, "mlx"]
    assert reg.sources == bundled.sources  # [sources.*] kept after the new table
    mlx = reg["mlx"]
    assert (mlx.name, mlx.github, mlx.pypi, mlx.stackoverflow_tags) == ("MLX", "ml-explore/mlx", ("mlx",), ("mlx",))
    assert "# fwpulse framework registry" in user_config.read_text()  # comments kept


@pytest.mark.slow
def test_add_takes_research_terms_and_hub_tags_and_refuses_a_quoted_term(user_config, tmp_path):
    env = {"FWPULSE_DB": str(tmp_path / "d.duckdb")}
    res = fwpulse(*MLX, "--research-term", "mlx", "--hf-tag", "mlx", env=env)
    assert res.returncode == 0, res.stderr
    mlx = load_registry(user_config)["mlx"]
    assert (mlx.research_terms, mlx.hf_tags) == (("mlx",), ("mlx",))
    before = user_config.read_text()
    res = fwpulse("frameworks", "add", "other", "--name", "Other", "--research-term", 'say "hi"', env=env)
    assert res.returncode == 2 and "research_terms" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    res = fwpulse("frameworks", "add", "other", "--name", "Other", "--hf-tag", "Not A Tag", env=env)
    assert res.returncode == 2 and "hf_tags" in res.stderr
    assert user_config.read_text() == before


def test_framework_block_writes_given_keys_in_order_as_toml():
    from fwpulse.cli_frameworks import framework_block

    block = framework_block(
        "mlx",
        'MLX "Apple"',
        github="ml-explore/mlx",
        github_aliases=[],
        pypi=["mlx", "mlx-lm"],
        stackoverflow_tags=["mlx"],
        trends_terms=[],
        color=None,
        group="apple",
    )
    assert block == (
        '[frameworks.mlx]\nname = "MLX \\"Apple\\""\ngroup = "apple"\ngithub = "ml-explore/mlx"\n'
        'stackoverflow_tags = ["mlx"]\npypi = ["mlx", "mlx-lm"]\n'
    )
    import tomllib

    assert tomllib.loads(block)["frameworks"]["mlx"] == {
        "name": 'MLX "Apple"',
        "group": "apple",
        "github": "ml-explore/mlx",
        "stackoverflow_tags": ["mlx"],
        "pypi": ["mlx", "mlx-lm"],
    }


@pytest.mark.slow
def test_duplicate_and_invalid_leave_the_file_alone(user_config, tmp_path):
    env = {"FWPULSE_DB": str(tmp_path / "d.duckdb")}
    bad = fwpulse("frameworks", "add", "mlx", "--name", "MLX", "--github", "not-a-repo", env=env)
    assert bad.returncode == 2 and "frameworks.mlx.github" in bad.stderr and "Traceback" not in bad.stderr
    assert bad.stderr.strip().count("\n") == 0
    assert not user_config.exists()
    assert fwpulse(*MLX, env=env).returncode == 0
    before = user_config.read_text()
    dup = fwpulse(*MLX, env=env)
    assert dup.returncode == 2 and "already exists" in dup.stderr
    assert fwpulse("frameworks", "add", "Bad Id", "--name", "X", env=env).returncode == 2
    assert user_config.read_text() == before


@pytest.mark.slow
def test_fwpulse_config_wins(user_config, tmp_path):
    cfg = tmp_path / "mine.toml"
    cfg.write_text('[frameworks.pytorch]\nname = "PyTorch"\npypi = ["torch"]\n')
    res = fwpulse(
        *MLX, "--github-alias", "old/mlx", env={"FWPULSE_CONFIG": str(cfg), "FWPULSE_DB": str(tmp_path / "d.duckdb")}
    )
    assert res.returncode == 0, res.stderr
    assert not user_config.exists()
    reg = load_registry(cfg)
    assert list(reg.frameworks) == ["pytorch", "mlx"] and reg["mlx"].github_aliases == ("old/mlx",)
    missing = fwpulse(*MLX, env={"FWPULSE_CONFIG": str(tmp_path / "nope.toml")})
    assert missing.returncode == 2 and "FWPULSE_CONFIG" in missing.stderr


@pytest.mark.slow
def test_add_then_backfill_from_clickhouse(user_config, tmp_path):
    pytest.importorskip("chdb")
    from fakes.clickhouse import FakeClickHouse, Synthetic
    from fakes.github import FakeGitHub, weeks_of

    today = dt.datetime.now(dt.UTC).date()
    days = [today - dt.timedelta(days=n) for n in range(400, 0, -1)]
    downloads = [(d, "mlx", 1000 + d.toordinal() % 50) for d in days]  # SYNTHETIC
    events = [("WatchEvent", "started", "ml-explore/mlx", dt.datetime.combine(d, dt.time(12)), 0) for d in days[::3]]
    db = tmp_path / "d.duckdb"
    gh = FakeGitHub().start()
    first_sunday = dt.date(2023, 11, 26)  # SYNTHETIC star history
    n_weeks = (today - first_sunday).days // 7 + 1
    gh.add_repo(
        "ml-explore/mlx",
        stars=23000,
        forks=1400,
        watchers=280,
        open_issues=150,
        open_prs=60,
        created_at=f"{today.replace(day=1) - dt.timedelta(days=95):%Y-%m-%d}T00:00:00Z",
    )
    gh.star_history["ml-explore/mlx"] = weeks_of(first_sunday, [[w % 7 + d for d in range(7)] for w in range(n_weeks)])
    try:
        with FakeClickHouse(Synthetic(downloads=downloads, events=events)) as fake:
            env = {
                "FWPULSE_DB": str(db),
                "FWPULSE_CLICKHOUSE_URL": fake.url,
                "GITHUB_TOKEN": "ghp_test_mlx_token",
                "FWPULSE_GITHUB_API_URL": gh.url,
                "FWPULSE_GITHUB_GRAPHQL_URL": f"{gh.url}/graphql",
            }
            assert fwpulse(*MLX, env=env).returncode == 0
            t0 = time.monotonic()
            res = fwpulse(
                "refresh",
                "--framework",
                "mlx",
                "--backfill",
                "--source",
                "clickpy",
                "--source",
                "gharchive",
                "--source",
                "github",
                env=env,
                timeout=300,
            )
            seconds = time.monotonic() - t0
            assert res.returncode == 0, res.stdout + res.stderr
            queries = len(fake.received)
    finally:
        gh.stop()
    history_pages = [r for r in gh.requests if r.path.endswith("/stargazers/history")]
    assert len(history_pages) == -(-n_weeks // 30)
    with duckdb.connect(str(db), read_only=True) as con:
        weekly = con.execute(
            "SELECT count(*), sum(value) FROM metric_values WHERE framework = 'mlx' AND metric = 'github.stars_added'"
        ).fetchone()
    complete = [
        w
        for w in gh.star_history["ml-explore/mlx"]
        if dt.datetime.fromtimestamp(w["week"], dt.UTC).date() + dt.timedelta(days=8) <= today
    ]
    assert weekly[0] >= len(complete) and weekly[1] >= sum(w["total"] for w in complete)
    with duckdb.connect(str(db), read_only=True) as con:
        daily = dict(
            con.execute(
                "SELECT date, value FROM metric_values WHERE framework = 'mlx' AND metric = 'pypi.downloads_daily_all'"
            ).fetchall()
        )
        stars = dict(
            con.execute(
                "SELECT date, value FROM metric_values WHERE framework = 'mlx' AND metric = 'gharchive.stars_given'"
            ).fetchall()
        )
    assert daily == {d: float(v) for d, _, v in downloads if d < days[-1]}  # the newest day is not complete
    by_month: dict[dt.date, int] = {}
    for e in events:
        m = e[3].date().replace(day=1)
        by_month[m] = by_month.get(m, 0) + 1
    assert {m: v for m, v in stars.items() if v} == {m: float(v) for m, v in by_month.items()}
    # downloads, metadata table, dependents, events: 4 queries for 10 years of a new framework
    assert queries == 4
    print(
        f"mlx backfill: {queries} ClickHouse queries, {len(gh.requests)} GitHub requests "
        f"({len(history_pages)} star-history pages), {len(daily)} daily + {len(stars)} monthly star rows + "
        f"{weekly[0]} weeks, {seconds:.1f}s"
    )


@pytest.mark.slow
def test_the_cron_line_follows_a_registry_created_later_by_frameworks_add(user_config, tmp_path):
    """In a fresh HOME the line used to freeze FWPULSE_CONFIG at the bundled file inside site-packages, so a
    framework added afterwards was never collected by cron. It now sets no FWPULSE_CONFIG (but carries the
    XDG_CONFIG_HOME cron would not have), and a cron run resolves the registry as any command does."""
    env = {"FWPULSE_DB": str(tmp_path / "d.duckdb")}
    log = tmp_path / "cron.log"
    res = fwpulse("schedule", "--log-file", str(log), env=env)
    assert res.returncode == 0, res.stderr
    line = res.stdout.strip()
    assert "FWPULSE_CONFIG" not in line and f"XDG_CONFIG_HOME={tmp_path / 'xdg'}" in line
    assert "once `fwpulse frameworks add` creates it" in res.stderr
    assert fwpulse(*MLX, env=env).returncode == 0  # after the line was printed (or installed)
    probe = f"{sys.executable} -c 'from fwpulse.data.settings import load_settings; print(load_settings().config_path)'"
    exe = str(Path(sys.executable).with_name("fwpulse"))
    command = line.split(" ", 5)[5].replace(f"{exe} refresh", probe)  # cron runs what follows the five fields
    cron_env = {k: v for k, v in os.environ.items() if k not in ("FWPULSE_CONFIG", "XDG_CONFIG_HOME")}
    subprocess.run(["sh", "-c", command], env=cron_env, check=True, timeout=60)
    assert log.read_text().strip().splitlines()[-1] == str(user_config)


@pytest.mark.slow
def test_an_explicit_fwpulse_config_is_fixed_in_the_cron_line(tmp_path):
    cfg = tmp_path / "mine.toml"
    cfg.write_text(BUNDLED_CONFIG.read_text())
    res = fwpulse("schedule", env={"FWPULSE_DB": str(tmp_path / "d.duckdb"), "FWPULSE_CONFIG": str(cfg)})
    assert res.returncode == 0, res.stderr
    assert f"FWPULSE_CONFIG={cfg}" in res.stdout and "fixed in the line" in res.stderr
