"""What the README and its docs/ pages state about the repository and the product holds: the documents they cite
exist, every link between them resolves, the README stays short enough to read, and the snapshot size the Data
page quotes is the size a fresh database has."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README_PATH = REPO / "README.md"
README = README_PATH.read_text()
DOCS = sorted((REPO / "docs").glob("*.md"))
README_MAX_BYTES = 12_000
# [text](target) with a relative target: no scheme (http:, mailto:), not an anchor-only link.
LINK = re.compile(r"\]\((?![a-z][a-z0-9+.-]*:)([^)#\s]+)(#[^)\s]*)?\)")
ANCHOR_ONLY = re.compile(r"\]\((#[^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)  # a `# comment` in a code block is no heading
    return {_slug(m) for m in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


def _links(page: Path) -> list[tuple[str, Path, str]]:
    """(link as written, file it points at, anchor without '#' or '') for every relative link of ``page``."""
    text = page.read_text()
    out = [(m.group(0), (page.parent / m.group(1)).resolve(), (m.group(2) or "")[1:]) for m in LINK.finditer(text)]
    out += [(m.group(0), page.resolve(), m.group(1)[1:]) for m in ANCHOR_ONLY.finditer(text)]
    return out


def test_every_markdown_document_the_readme_and_docs_name_is_in_the_repository():
    named = {
        (page.relative_to(REPO), name)
        for page in [README_PATH, *DOCS]
        for name in re.findall(r"\b([A-Za-z0-9_./-]*[A-Z][A-Za-z0-9_-]*\.md)\b", page.read_text())
    }
    assert named, "expected the README and its docs pages to name some documents"
    for page, name in named:
        hits = [p for p in REPO.rglob(Path(name).name) if ".venv" not in p.parts and ".git" not in p.parts]
        assert hits, f"{page} cites {name}, which is not in the repository"


def test_the_readme_is_short():
    size = len(README_PATH.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move reference material into docs/"


def test_every_relative_link_in_the_readme_and_between_docs_pages_resolves():
    assert DOCS, "expected docs/*.md pages"
    for page in [README_PATH, *DOCS]:
        for written, target, anchor in _links(page):
            where = f"{page.relative_to(REPO)}: {written}"
            assert target.exists(), f"{where} points at a missing file"
            if anchor and target.suffix == ".md":
                assert anchor in _anchors(target), f"{where}: no heading #{anchor} in {target.relative_to(REPO)}"


def test_every_docs_page_is_linked_from_the_readme_and_links_back():
    linked = {target for _, target, _ in _links(README_PATH)}
    for page in DOCS:
        assert page.resolve() in linked, f"README does not link {page.relative_to(REPO)}"
        lines = page.read_text().splitlines()
        assert lines[0].startswith("# "), f"{page.relative_to(REPO)} does not start with a # title"
        assert "](../README.md)" in page.read_text(), f"{page.relative_to(REPO)} does not link back to the README"


def test_the_quoted_snapshot_size_is_the_size_of_a_fresh_database(snapshot_db_template):
    data_page = (REPO / "docs" / "data.md").read_text()
    (quoted,) = re.findall(r"the snapshot database is the same size, about ([\d.]+) MB", data_page)
    actual = snapshot_db_template.stat().st_size / 1e6
    assert abs(float(quoted) - actual) <= 0.15, (
        f"docs/data.md says {quoted} MB, a fresh snapshot database is {actual:.2f} MB"
    )
