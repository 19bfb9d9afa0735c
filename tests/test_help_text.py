"""Every command's --help names values as a user types them: no Python type (``<list[str]>``, ``<float>``,
``<path>``) and no braced argument (``{file}``) anywhere in the tree."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from fwpulse.cli import app

PYTHON_TYPE = re.compile(r"<(?:list\[[^\]]*\]|str|int|float|path|bool|file|dir)>|\{[a-z_]+\}")


def _paths(command, prefix=()) -> list[tuple[str, ...]]:
    out = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        out += _paths(sub, (*prefix, name))
    return out


COMMANDS = _paths(typer.main.get_command(app))


def test_the_walk_finds_the_whole_tree():
    assert ("db", "restore") in COMMANDS and ("frameworks", "add") in COMMANDS and ("bench", "import") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "fwpulse")
def test_help_shows_placeholders_not_python_types(path):
    res = CliRunner().invoke(app, [*path, "--help"])
    assert res.exit_code == 0, res.output
    assert not PYTHON_TYPE.search(res.output), PYTHON_TYPE.search(res.output).group(0)


def test_placeholders_say_what_to_type():
    out = CliRunner().invoke(app, ["refresh", "--help"]).output
    assert "--wait SECONDS" in out and "--framework ID" in out
    out = CliRunner().invoke(app, ["import", "--help"]).output
    assert "Usage: fwpulse import [OPTIONS] FILE" in out


def test_export_formats_are_declared_once_and_everything_derives_from_the_table():
    """--format's choices, the Chromium preflight and the dashboard's buttons all read export_formats.TABLE (when
    asked: tests/export/test_toy_format.py adds a format to the table and finds it in each)."""
    from fwpulse.commands import export as export_cli
    from fwpulse.dashboard.export import formats as export_formats
    from fwpulse.dashboard.export import options as export_options

    names = tuple(f.name for f in export_formats.TABLE)
    assert export_formats.names() == names and export_cli.export_formats is export_formats
    assert export_formats.static() == tuple(f.name for f in export_formats.TABLE if f.static)
    assert export_formats.buttons() == tuple(f.name for f in export_formats.TABLE if f.button)
    assert export_options.parse_formats([",".join(reversed(names))]) == names  # canonical order from the table
    out = CliRunner().invoke(app, ["export", "--help"]).output
    assert f"--format [{','.join(names)}]" in out
