"""Architecture rules: heavy frameworks stay out of the dashboard/collectors; data/ imports no other room."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("torch", "tensorflow", "jax", "keras")


@pytest.mark.slow
def test_dashboard_and_collectors_do_not_import_heavy_frameworks():
    code = (
        "import sys, fwpulse.cli, fwpulse.dashboard.charts.registry, fwpulse.dashboard.views.overview, "
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
    """perf/ (measures fwpulse itself) and fakes/ (the services as documented) stand on their own."""
    import tomllib

    for folder in (REPO / "fakes", REPO / "perf"):
        for path in folder.glob("*.py"):
            text = path.read_text()
            assert "from tests" not in text and "import tests" not in text, path
            assert "sys.path.insert" not in text, path
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    assert "fwpulse.benchmarks.speed" in packages
    assert not [p for p in packages if "perf" in p or "fakes" in p]


# ------------------------------------------------------------------ module shape: a one-line summary; size follows the job

# The shipped rooms (what the wheel installs); tests/, fakes/ and perf/ are development-only.
SHIPPED = ("data", "collectors", "benchmarks/speed", "dashboard", "fwpulse")
# Size is a guide, not a cap: a module may grow with its job, and past this many lines (as stored, formatted) its
# docstring says why ("... over 500 lines because ...").
GUIDE_LINES = 500
REASON = re.compile(r"over 500 lines because", re.IGNORECASE)


def module_shape_problems(path) -> list[str]:
    """What in ``path`` breaks the module rule: it must open with a docstring whose first line is the whole
    summary (then nothing or a blank line, PEP 257), and a module past :data:`GUIDE_LINES` says why in it."""
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
    lines = len(text.splitlines())
    if lines > GUIDE_LINES and not (doc and REASON.search(doc)):
        problems.append(f"{lines} lines and no 'over 500 lines because' in its docstring")
    return problems


def test_every_shipped_module_has_a_one_line_summary_and_says_why_when_long():
    found = []
    for room in SHIPPED:
        for path in sorted((REPO / room).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            found += [f"{rel}: {p}" for p in module_shape_problems(path)]
    assert not found, "\n".join(found)


def test_module_shape_rule_can_fail(tmp_path):
    body = "".join(f"x{i} = {i}\n" for i in range(598))
    cases = {
        "long.py": '"""A summary."""\n\n' + body,
        "long_with_reason.py": '"""A summary.\n\nIt is over 500 lines because it is one table.\n"""\n' + body,
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
        "long.py": ["600 lines and no 'over 500 lines because' in its docstring"],
        "long_with_reason.py": [],
        "bare.py": ["no module docstring"],
        "wrapped.py": ["the docstring's summary runs past its first line"],
        "late.py": ["the docstring does not open with its summary"],
        "good.py": [],
    }


def _private_third_party_imports(path) -> list[str]:
    """Imports in ``path`` of a library's private module (``typer._click``): they change without notice."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
        for name in names:
            parts = name.split(".")
            if parts[0] not in ("fwpulse", "__future__") and any(p.startswith("_") for p in parts[1:]):
                found.append(f"{path.name}:{node.lineno} imports {name}")
    return found


def _without_line(hit: str) -> str:
    """``impl_torch.py:62 imports x`` -> ``impl_torch.py imports x``: the allowance follows the file, not a line."""
    name, _, rest = hit.partition(":")
    return f"{name} {rest.split(' ', 1)[1]}"


# Private modules used on purpose, each with its reason (and a fallback when it moves).
PRIVATE_ALLOWED = {
    "impl_torch.py imports torch._dynamo.utils": "the only place torch counts the graphs torch.compile built; "
    "guarded (0 when it moves)",
}


def test_no_shipped_module_imports_a_librarys_private_module(tmp_path):
    found = [
        hit for room in SHIPPED for path in (REPO / room).rglob("*.py") for hit in _private_third_party_imports(path)
    ]
    assert [hit for hit in found if _without_line(hit) not in PRIVATE_ALLOWED] == []
    bad = tmp_path / "bad.py"
    bad.write_text("from typer._click import exceptions\nimport json\n")
    assert _private_third_party_imports(bad) == ["bad.py:1 imports typer._click"]
