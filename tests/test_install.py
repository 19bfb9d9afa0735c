"""A non-editable install behaves: the wheel builds without warnings, `fwpulse status` writes only to
the user data dir (never under site-packages) and prints no warning, `fwpulse dashboard` serves from it.

Offline and fast: the wheel is built with the dev venv's setuptools (--no-build-isolation), installed
--no-deps into a fresh venv, and that venv then sees the dev venv's site-packages through a .pth file
(added after the install, so pip never sees the dev venv's editable fwpulse).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import once_per_session

REPO = Path(__file__).resolve().parents[1]


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FWPULSE_DB", "FWPULSE_CONFIG", "XDG_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        HOME=str(tmp / "home"), XDG_DATA_HOME=str(tmp / "home" / "data"), XDG_CONFIG_HOME=str(tmp / "home" / "config")
    )
    return env


@pytest.fixture(scope="session")
def installed_once(tmp_path_factory, worker_id) -> tuple[Path, Path]:
    """(venv, its site-packages) with fwpulse installed from a clean copy of the checkout, once per test session:
    the first xdist worker to arrive builds it under a file lock, the others use it (it was once per worker)."""
    with once_per_session(tmp_path_factory, worker_id, "install-once") as shared:
        done = shared / "done.json"
        if not done.exists():
            if shared.exists():  # a worker's build that failed: start again
                shutil.rmtree(shared)
            shared.mkdir()
            try:
                venv, purelib = _build_and_install(shared)
            except pytest.skip.Exception as exc:
                done.write_text(json.dumps({"skip": str(exc)}))
                raise
            done.write_text(json.dumps({"venv": str(venv), "purelib": str(purelib)}))
    state = json.loads(done.read_text())
    if "skip" in state:
        pytest.skip(state["skip"])
    return Path(state["venv"]), Path(state["purelib"])


@pytest.fixture(scope="module")
def installed(installed_once, tmp_path_factory) -> tuple[Path, Path, Path]:
    """(venv, its site-packages, this module's own tmp root: its HOME and working directory)."""
    return *installed_once, tmp_path_factory.mktemp("install")


def _build_and_install(tmp: Path) -> tuple[Path, Path]:
    """Build the wheel from a clean copy of the checkout in ``tmp`` and install it into a fresh venv there."""
    src = tmp / "src"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot make a clean copy to build from")
    for name in filter(None, listed.stdout.decode().split("\0")):  # what `git clone` would give (plus new files)
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    env = _clean_env(tmp)
    wheels = tmp / "wheels"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-v",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(wheels),
            str(src),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    if built.returncode != 0 and "No module named" in built.stderr:
        pytest.skip(f"cannot build a wheel offline here: {built.stderr.strip().splitlines()[-1]}")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    noise = [
        line
        for line in (built.stdout + built.stderr).splitlines()
        if ("warning" in line.lower() and "byte-compiling is disabled" not in line) or "deprecat" in line.lower()
    ]
    assert not noise, "the build warns:\n" + "\n".join(noise[:20])
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=180)
    wheel = next(wheels.glob("fwpulse-*.whl"))
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    inst = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )  # compiles .pyc as any install does
    assert inst.returncode == 0, inst.stderr[-3000:]
    assert not [line for line in inst.stderr.splitlines() if "warn" in line.lower()], inst.stderr
    assert (purelib / "fwpulse" / "data" / "migrations" / "0001_init.sql").is_file()
    assert (purelib / "fwpulse" / "data" / "snapshot" / "github_stats_monthly.csv").is_file()
    dev_site = Path(sysconfig.get_path("purelib"))
    (purelib / "zz_dev_site.pth").write_text(f"{dev_site}\n")  # the dependencies, without their .pth hooks
    return venv, purelib


def _run(venv: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(venv / "bin" / "fwpulse"), *args],
        capture_output=True,
        text=True,
        cwd=tmp,
        env=_clean_env(tmp),
        timeout=180,
        check=False,
    )


@pytest.mark.slow
def test_status_from_wheel_writes_only_user_data_dir(installed):
    venv, site, tmp = installed
    before = _files(site)
    res = _run(venv, tmp, "status", "--json")
    assert res.returncode == 0, res.stderr

    info = json.loads(res.stdout)
    db = tmp / "home" / "data" / "fwpulse" / "fwpulse.duckdb"
    assert Path(info["db_path"]) == db and db.is_file()
    assert not str(db).startswith(str(site))
    assert _files(site) == before, f"status wrote under site-packages: {sorted(_files(site) - before)[:10]}"
    assert not [line for line in res.stderr.splitlines() if "warn" in line.lower()], res.stderr
    # the installed package really is the wheel's copy, not the checkout
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import fwpulse.data.store as s; print(s.__file__)"],
        capture_output=True,
        text=True,
        env=_clean_env(tmp),
        cwd=tmp,
        timeout=60,
        check=False,
    )
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr


@pytest.mark.slow
def test_backup_goes_to_user_data_dir(installed):
    venv, site, tmp = installed
    before = _files(site)
    res = _run(venv, tmp, "db", "backup")
    assert res.returncode == 0, res.stderr
    assert str(tmp / "home" / "data" / "fwpulse" / "backups") in res.stdout
    assert _files(site) == before


@pytest.mark.slow
def test_doctor_and_schedule_from_the_wheel_in_an_empty_home(installed):
    """The first hour from a plain install: doctor reports without writing anything, and the cron line does not
    freeze the bundled registry inside site-packages (a framework added later would never be collected)."""
    venv, site, tmp = installed
    before = _files(site)
    res = _run(venv, tmp, "doctor")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "the bundled one" in res.stdout and f"{site}" in res.stdout  # the registry in use, and where it is
    line = _run(venv, tmp, "schedule").stdout
    assert "FWPULSE_CONFIG" not in line and str(site) not in line.split("FWPULSE_DB=")[1].split(" ")[0]
    assert _files(site) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_dashboard_serves_from_wheel(installed):
    venv, _site, tmp = installed
    port = _free_port()
    proc = subprocess.Popen(
        [str(venv / "bin" / "fwpulse"), "dashboard", "--port", str(port)],
        cwd=tmp,
        env=_clean_env(tmp),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline, status, body = time.monotonic() + 90, None, ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    status, body = r.status, r.read().decode("utf-8", "replace")
                break
            except OSError:
                time.sleep(0.5)
        assert proc.poll() is None, proc.stdout.read().decode()[-2000:]
        assert status == 200 and "<html" in body.lower()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as r:
            assert r.read().decode().strip() == "ok"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
def test_rooms_import_only_under_fwpulse():
    """From the checkout root `data`, `collectors`, ... are importable folders; each refuses the bare name
    (two names would make two copies of every class) with an ImportError that says what to do."""
    for room in ("data", "collectors", "benchmarks", "dashboard"):
        res = subprocess.run(
            [sys.executable, "-c", f"import {room}"], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
        )
        assert res.returncode == 1 and "ImportError" in res.stderr, res.stderr
        assert f"import this folder as fwpulse.{room}, not as '{room}'" in res.stderr
        ok = subprocess.run(
            [sys.executable, "-c", f"import fwpulse.{room}"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert ok.returncode == 0, ok.stderr


NOT_SHIPPED: set[str] = set()  # development-only code (perf/, fakes/, tests/) lives outside the rooms


def test_every_package_folder_is_declared():
    """A folder with an __init__.py that pyproject.toml does not list is left out of the wheel (fwpulse/commands
    once was: the installed `fwpulse` then failed at import)."""
    import tomllib

    conf = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    declared = set(conf["packages"]) | NOT_SHIPPED
    dirs = conf["package-dir"]
    for package, folder in dirs.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            name = ".".join([package, *rel.parts]) if rel.parts else package
            if "__pycache__" not in rel.parts:
                assert name in declared, f"{init.parent} is package {name}, missing from [tool.setuptools] packages"


@pytest.mark.slow
def test_new_database_is_in_storage_the_pypi_duckdb_cli_reads(tmp_path):
    """fwpulse writes new files in DuckDB 1.5 storage (the `duckdb-cli` 1.5.x on PyPI cannot open 2.0 files);
    DuckDB 2 keeps that format on later writes. When the CLI package is importable, it really reads the file."""
    import duckdb

    from fwpulse.data import db
    from fwpulse.data.bootstrap import ensure_database
    from fwpulse.data.settings import STORAGE_VERSION

    path = tmp_path / "fwpulse.duckdb"
    ensure_database(path)
    with db.writing(path) as con:
        con.execute("CREATE TABLE later_write AS SELECT 1 AS x")
        con.execute("CHECKPOINT")
    con = duckdb.connect(str(path), read_only=True)
    try:
        tags = con.execute("SELECT tags FROM duckdb_databases() WHERE NOT internal").fetchall()[0][0]
    finally:
        con.close()
    assert tags["storage_version"].startswith(STORAGE_VERSION), tags
    try:
        import duckdb_cli  # noqa: F401 - optional: pip install duckdb-cli==1.5.6
    except ImportError:
        return
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "duckdb_cli",
            "-readonly",
            "-csv",
            str(path),
            "SELECT count(*) > 0 AS ok FROM metric_values",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0 and "true" in res.stdout, res.stderr
