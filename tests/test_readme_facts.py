"""What the README states about the repository and the product holds: the documents it cites exist, the snapshot
size it quotes is the size a fresh database has."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def test_every_markdown_document_the_readme_names_is_in_the_repository():
    named = set(re.findall(r"\b([A-Za-z0-9_./-]*[A-Z][A-Za-z0-9_-]*\.md)\b", README))
    assert named, "expected the README to name some documents"
    for name in named:
        hits = [p for p in REPO.rglob(Path(name).name) if ".venv" not in p.parts and ".git" not in p.parts]
        assert hits, f"README cites {name}, which is not in the repository"


def test_the_quoted_snapshot_size_is_the_size_of_a_fresh_database(snapshot_db_template):
    (quoted,) = re.findall(r"the snapshot database is the same size, about ([\d.]+) MB", README)
    actual = snapshot_db_template.stat().st_size / 1e6
    assert abs(float(quoted) - actual) <= 0.15, f"README says {quoted} MB, a fresh snapshot database is {actual:.2f} MB"
