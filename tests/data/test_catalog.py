"""Every metric has a definition; the docs pages document every metric, setting and command."""

from __future__ import annotations

import re

from fwpulse.data import catalog
from fwpulse.data.settings import ENV_VARS
from tests.conftest import REPO

DESIGN_IDS = """github.stars github.forks github.watchers github.open_issues github.open_prs github.closed_issues
github.merged_prs github.issues_opened github.issues_closed github.stars_added github.releases
stackoverflow.questions_total stackoverflow.questions_monthly trends.interest pypi.downloads_daily
pypi.downloads_monthly citations.total citations.yearly git.commits_monthly git.authors_monthly""".split()


def test_design_metric_ids_are_in_the_catalog():
    assert set(DESIGN_IDS) <= set(catalog.METRICS)


def test_every_metric_is_defined():
    for m in catalog.all_metrics():
        assert m.label and m.unit and m.source, m.id
        assert len(m.definition) > 20 and m.definition.endswith("."), m.id
        assert m.kind in ("level", "flow", "ratio")
        assert (m.period is not None) == (m.kind != "level") or m.kind == "ratio", m.id


def test_manual_metrics_generic_and_unknown():
    assert catalog.metric("manual.my_figure").source == "manual"
    assert not catalog.is_known("github.nonsense")


def test_readme_documents_metrics_settings_commands():
    """Each table lives on its docs page (the README links them): metrics in docs/data.md, settings in
    docs/configuration.md, commands in docs/operations.md."""
    data_page = (REPO / "docs" / "data.md").read_text()
    for m in catalog.METRICS:
        assert f"`{m}`" in data_page, f"docs/data.md lacks metric {m}"
    config_page = (REPO / "docs" / "configuration.md").read_text()
    for var in ENV_VARS:
        assert f"`{var}`" in config_page, f"docs/configuration.md lacks setting {var}"
    from fwpulse.cli import app

    commands_page = (REPO / "docs" / "operations.md").read_text()
    for cmd in app.registered_commands:
        name = cmd.name or cmd.callback.__name__
        assert re.search(rf"fwpulse {name}\b", commands_page), f"docs/operations.md lacks command {name}"


def test_readme_documents_every_quality_flag_and_the_provenance_convention():
    from fwpulse.data.store import QUALITY

    data_page = (REPO / "docs" / "data.md").read_text()
    section = data_page.split("\n## Data quality\n")[1].split("\n## ")[0]
    for q in QUALITY:
        assert f"| `{q}` |" in section, f"docs/data.md 'Data quality' lacks {q}"
    assert "\n## Provenance: method and details\n" in data_page and "method_before_0004" in data_page
