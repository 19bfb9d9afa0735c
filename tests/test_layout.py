"""Architecture rules: heavy frameworks stay out of the dashboard/collectors; data/ imports no other room."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO

HEAVY = ("torch", "tensorflow", "jax", "keras")


def test_dashboard_and_collectors_do_not_import_heavy_frameworks():
    code = (
        "import sys, fwpulse.cli, fwpulse.dashboard.chart_registry, fwpulse.dashboard.views.overview, "
        "fwpulse.collectors.refresh, fwpulse.collectors.github\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_data_imports_no_other_room():
    for path in (REPO / "data").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("fwpulse.collectors", "fwpulse.dashboard", "fwpulse.benchmarks")), (
                    path
                )
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith(("fwpulse.collectors", "fwpulse.dashboard")) for a in node.names), path


def test_collectors_never_import_dashboard():
    for path in (REPO / "collectors").glob("*.py"):
        assert "fwpulse.dashboard" not in path.read_text(), path


ROOMS = ("data", "collectors", "benchmarks", "dashboard")


def _room_of_module(module: str) -> str | None:
    """fwpulse.<room>.x -> room; fwpulse.x (the CLI front door) -> 'fwpulse'; anything else (third party) -> None."""
    parts = module.split(".")
    if parts[0] != "fwpulse":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in ROOMS else "fwpulse"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_name_uses(path, room: str) -> list[str]:
    """Uses in ``path`` (a module of ``room``) of another room's private names: ``from fwpulse.data.store import
    _where`` or ``store._where`` where ``store`` names a module of another room."""
    found, aliases = [], {}
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            other = _room_of_module(node.module)
            for a in node.names:
                if other and other != room and _is_private(a.name):
                    found.append(f"{path.name}:{node.lineno} imports {node.module}.{a.name}")
                aliases[a.asname or a.name] = _room_of_module(f"{node.module}.{a.name}")
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = _room_of_module(a.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _is_private(node.attr):
            other = aliases.get(node.value.id)
            if other and other != room:
                found.append(f"{path.name}:{node.lineno} calls {node.value.id}.{node.attr} ({other}'s private name)")
    return found


def _room_files():
    for room in ROOMS:
        for path in (REPO / room).rglob("*.py"):
            yield room, path
    for path in (REPO / "fwpulse").rglob("*.py"):
        yield "fwpulse", path


def test_no_room_uses_another_rooms_private_names():
    found = [hit for room, path in _room_files() for hit in private_name_uses(path, room)]
    assert not found, "\n".join(found)


def test_private_name_rule_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from fwpulse.data import status, store\nfrom fwpulse.data.store import _where\n"
        "x = store._where(None, None, None, None)\ny = status._age(None, None)\nz = store.events\n"
    )
    hits = private_name_uses(bad, "dashboard")
    assert len(hits) == 3 and "store._where" in hits[1] and "status._age" in hits[2]
    assert private_name_uses(bad, "data") == []  # inside the room: its own business


def test_fakes_and_perf_scripts_never_import_tests_and_perf_is_not_shipped():
    """benchmarks/perf/ (measures fwpulse itself) and fakes/ (the services as documented) stand on their own."""
    import tomllib

    for folder in (REPO / "fakes", REPO / "benchmarks" / "perf"):
        for path in folder.glob("*.py"):
            text = path.read_text()
            assert "from tests" not in text and "import tests" not in text, path
            assert "sys.path.insert" not in text, path
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    assert "fwpulse.benchmarks.speed" in packages
    assert not [p for p in packages if "perf" in p or "fakes" in p]
