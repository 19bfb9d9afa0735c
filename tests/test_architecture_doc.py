"""docs/ARCHITECTURE.md stays true: every file its "To add ..." lists name exists, and the README links to it."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "ARCHITECTURE.md").read_text()


def _listed_paths() -> list[str]:
    """Backticked repository paths in the "To add" section (``<name>`` placeholders stand for any one file)."""
    section = DOC.split("## To add", 1)[1]
    return sorted({p for p in re.findall(r"`([a-z_]+/[A-Za-z0-9_./<>-]+\.(?:py|md|toml))`", section)})


def test_every_file_the_to_add_lists_name_exists():
    paths = _listed_paths()
    assert len(paths) >= 20
    for path in paths:
        if "<" in path:  # e.g. collectors/<name>.py: at least one file of that shape exists
            pattern = re.sub(r"<[^>]+>", "*", path)
            assert list(REPO.glob(pattern)), f"{path}: no file matches {pattern}"
        else:
            assert (REPO / path).is_file(), f"docs/ARCHITECTURE.md lists {path}, which does not exist"


def test_the_readme_links_to_the_architecture():
    assert "docs/ARCHITECTURE.md" in (REPO / "README.md").read_text()
