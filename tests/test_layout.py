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


# ------------------------------------------------------------------ module shape: a one-line summary, ~300 lines

# The shipped rooms (what the wheel installs); tests/, fakes/ and benchmarks/perf/ are development-only.
SHIPPED = ("data", "collectors", "benchmarks/speed", "dashboard", "fwpulse")
# Lines as stored: `./dev.sh test` runs `ruff format --check` before the suite, so that is the formatted text.
MAX_LINES = 300
# Declaration tables: modules that are pure data (one entry per metric, per variant) whose length is their
# content, not logic; whatever code sits beside the table stays a few small lookups. Up to TABLE_MAX_LINES.
TABLE_MAX_LINES = 500
TABLES = {
    "data/catalog.py": "the metric catalogue: one Metric per metric id, plus three lookups",
    "data/catalog_research.py": "the research and model-hub metric declarations",
}


def module_shape_problems(path, max_lines: int = MAX_LINES) -> list[str]:
    """What in ``path`` breaks the module rule: it must open with a docstring whose first line is the whole
    summary (then nothing or a blank line, PEP 257), and have at most ``max_lines`` lines."""
    text = path.read_text()
    problems = []
    doc = ast.get_docstring(ast.parse(text), clean=False)
    if not doc or not doc.strip():
        problems.append("no module docstring")
    else:
        first, *rest = doc.split("\n")
        if not first.strip():
            problems.append("the docstring does not open with its summary")
        elif rest and rest[0].strip():
            problems.append("the docstring's summary runs past its first line")
    if len(text.splitlines()) > max_lines:
        problems.append(f"{len(text.splitlines())} lines (at most {max_lines})")
    return problems


def test_every_shipped_module_has_a_one_line_summary_and_at_most_300_lines():
    found = []
    for room in SHIPPED:
        for path in sorted((REPO / room).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            cap = TABLE_MAX_LINES if rel in TABLES else MAX_LINES
            found += [f"{rel}: {p}" for p in module_shape_problems(path, cap)]
    assert not found, "\n".join(found)


def test_module_shape_rule_can_fail(tmp_path):
    body = "".join(f"x{i} = {i}\n" for i in range(398))
    cases = {
        "long.py": '"""A summary."""\n\n' + body,
        "bare.py": "x = 1\n",
        "wrapped.py": '"""A summary that\nruns on.\n\nMore."""\n',
        "late.py": '"""\nThe summary on the second line.\n"""\n',
        "good.py": '"""A summary.\n\nMore words.\n"""\n\nx = 1\n',
    }
    got = {}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        got[name] = module_shape_problems(tmp_path / name)
    assert got == {
        "long.py": ["400 lines (at most 300)"],
        "bare.py": ["no module docstring"],
        "wrapped.py": ["the docstring's summary runs past its first line"],
        "late.py": ["the docstring does not open with its summary"],
        "good.py": [],
    }
    assert module_shape_problems(tmp_path / "long.py", TABLE_MAX_LINES) == []
    assert all((REPO / rel).is_file() for rel in TABLES)  # the allowlist names real modules only
