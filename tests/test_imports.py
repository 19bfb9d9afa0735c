"""Every module of the installed package imports ALONE, in a fresh process, whatever the import order.

A module that only works after another one was imported first (a registry filled at the end of a module
its entries import) fails here. Each module is imported in its own process in which no ``fwpulse``
module was ever loaded: a helper interpreter imports the third-party libraries once (pandas, Plotly,
Streamlit, DuckDB: most of an import's cost), checks that no fwpulse module is loaded, then forks one
child per module, a few at a time. The modules the chart-registry bug broke are also imported with a
plain ``python -c`` each. Entry-point scripts that run when imported are listed in :data:`SCRIPTS`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import REPO

# Scripts: importing them runs them (the CLI's `python -m fwpulse`, the Streamlit page script).
SCRIPTS = {"fwpulse.__main__", "fwpulse.dashboard.app"}


def package_modules() -> list[str]:
    """Every module under ``fwpulse`` and its sub-packages (rooms mapped from top-level folders included)."""
    import fwpulse

    roots = {"fwpulse": list(fwpulse.__path__)}
    # An editable install maps fwpulse.<room> to a top-level folder: find those too.
    for info in pkgutil.iter_modules([str(REPO)]):
        name = f"fwpulse.{info.name}"
        if info.ispkg and importlib.util.find_spec(name) is not None:
            roots[name] = list(importlib.import_module(name).__path__)
    found = set(roots)
    for prefix, path in roots.items():
        found |= {m.name for m in pkgutil.walk_packages(path, prefix + ".")}
    return sorted(found - SCRIPTS)


# Third-party only: a forked child starts with these loaded and no fwpulse module at all.
PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow",
    "duckdb",
    "plotly.graph_objects",
    "plotly.io",
    "streamlit",
    "requests",
    "typer",
    "rich",
    "platformdirs",
)
FORK_IMPORTER = textwrap.dedent("""
    import importlib, os, sys, warnings
    warnings.simplefilter("ignore")
    for lib in PRELOAD:
        try:
            importlib.import_module(lib)
        except ImportError:
            pass
    assert not [m for m in sys.modules if m == "fwpulse" or m.startswith("fwpulse.")], "preload imported fwpulse"
    todo, running, width = sys.argv[1:], {}, WIDTH
    while todo or running:
        while todo and len(running) < width:
            name = todo.pop(0)
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                try:
                    importlib.import_module(name)
                    code, msg = 0, ""
                except BaseException as exc:
                    code, msg = 1, f"{type(exc).__name__}: {exc}"
                os.write(w, msg.replace(chr(10), " ").encode()[:2000])
                os._exit(code)
            os.close(w)
            running[pid] = (name, r)
        pid, status = os.wait()
        name, r = running.pop(pid)
        msg = os.read(r, 4096).decode(errors="replace")
        os.close(r)
        print(f"{name}\t{os.waitstatus_to_exitcode(status)}\t{msg}", flush=True)
""")


def _fork_import_each(names: list[str]) -> dict[str, tuple[int, str]]:
    code = FORK_IMPORTER.replace("PRELOAD", repr(PRELOAD)).replace(
        "WIDTH", str(max(2, min(6, (os.cpu_count() or 2) * 2)))
    )
    p = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    out = {}
    for line in p.stdout.splitlines():
        if line.count("\t") >= 2:
            name, rc, msg = line.split("\t", 2)
            out[name] = (int(rc), msg)
    return out


def _import_alone(name: str) -> tuple[str, int, str]:
    p = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", f"import {name}"], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    return name, p.returncode, (p.stderr.strip().splitlines() or [""])[-1]


def test_the_walk_finds_every_room():
    mods = package_modules()
    for must in (
        "fwpulse.cli",
        "fwpulse.data.store",
        "fwpulse.data.read",
        "fwpulse.collectors.github",
        "fwpulse.dashboard.charts.registry",
        "fwpulse.dashboard.charts.github",
        "fwpulse.dashboard.views.github",
        "fwpulse.benchmarks.speed",
    ):
        assert must in mods, must
    assert len(mods) > 60


@pytest.mark.slow
def test_every_module_imports_alone_in_a_fresh_process():
    mods = package_modules()
    results = _fork_import_each(mods)
    assert set(results) == set(mods)
    failed = [f"{name}: {msg}" for name, (rc, msg) in sorted(results.items()) if rc != 0]
    assert not failed, "\n".join(failed)


# The modules that failed alone when the chart core (then dashboard/charts.py) registered its chart modules at its end.
ONCE_BROKEN = (
    "fwpulse.dashboard.charts.github",
    "fwpulse.dashboard.charts.usage",
    "fwpulse.dashboard.charts.speed",
    "fwpulse.dashboard.views.github",
    "fwpulse.dashboard.charts.kit",
    "fwpulse.dashboard.charts.spec",
)


@pytest.mark.slow
def test_once_broken_modules_import_alone_in_a_new_interpreter():
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(_import_alone, ONCE_BROKEN))
    failed = [f"{name}: {err}" for name, rc, err in results if rc != 0]
    assert not failed, "\n".join(failed)


@pytest.mark.slow
def test_the_check_catches_an_import_order_bug(tmp_path, monkeypatch):
    """The fork importer reports a module that needs another one imported first (so the test can fail)."""
    pkg = tmp_path / "cyc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text("X = 1\nfrom cyc import parts\nREG = parts.SPECS\n")
    (pkg / "parts.py").write_text("from cyc.core import X\nSPECS = [X]\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    got = _fork_import_each(["cyc.core", "cyc.parts"])
    assert got["cyc.core"][0] == 0 and got["cyc.parts"][0] == 1 and "partially initialized" in got["cyc.parts"][1]
