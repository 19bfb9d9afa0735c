"""data/sources.py is the one declaration of the sources, and everything that lists them agrees with it."""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path

from typer.testing import CliRunner

from fwpulse.collectors import refresh
from fwpulse.data import registry, settings, source_schema, sources

REPO = Path(__file__).resolve().parents[2]


def test_each_declared_module_exposes_the_source_it_is_declared_for():
    for info in sources.SOURCES:
        assert importlib.import_module(info.module).SOURCE.name == info.name


def test_the_refresh_and_its_error_messages_derive_from_the_declaration():
    assert list(refresh.SOURCES) == [s.name for s in sources.SOURCES] == refresh.available_sources()
    assert refresh.SOURCE_URL_SETTINGS == {s.name: s.urls for s in sources.SOURCES}


def test_settings_env_vars_and_url_settings_are_the_core_settings_plus_every_sources():
    declared = settings.CORE_SETTINGS + sources.env_settings()
    assert [f.name for f in dataclasses.fields(settings.Settings)] == [s.attr for s in declared]
    assert list(settings.ENV_VARS) == [s.env for s in declared]
    assert {env for _, env in settings.URL_SETTINGS} == set(sources.url_variables())
    assert settings.Settings(github_token="t", hf_token="h", clickhouse_user="u").secrets() == ["t", "h"]
    assert sources.key_variables() == (
        "GITHUB_TOKEN",
        "STACKEXCHANGE_KEY",
        "OPENALEX_API_KEY",
        "FWPULSE_CLICKHOUSE_PASSWORD",
        "HF_TOKEN",
    )


def test_the_registry_the_schema_and_frameworks_add_derive_from_the_declared_fields():
    fields = sources.framework_fields()
    assert registry.FRAMEWORK_KEYS == {*registry.CORE_KEYS, *(f.name for f in fields)}
    assert [f.name for f in dataclasses.fields(registry.Framework)][5:] == [f.name for f in fields]
    assert source_schema.SCHEMA == sources.config_schema() and "clickhouse" in source_schema.SCHEMA
    from fwpulse.cli import app

    out = CliRunner().invoke(app, ["frameworks", "add", "--help"], terminal_width=200).output
    for f in fields:
        if f.option:
            assert f"{f.option} {f.metavar} " in out and f.help in out, f.name
    assert "--paper" not in out  # papers has no option: DOIs are added by editing the file


def test_the_docs_name_every_source_its_variables_and_its_settings():
    sources_page = (REPO / "docs" / "sources.md").read_text()
    config_page = (REPO / "docs" / "configuration.md").read_text()
    for info in sources.SOURCES:
        assert f"`{info.name}`" in sources_page, info.name
        for var in (*info.urls, *info.keys):
            assert f"`{var}`" in config_page, var
    for table, keys in source_schema.SCHEMA.items():
        for key in keys:
            assert f"`{key}`" in config_page or f"] {key}`" in config_page, f"[sources.{table}] {key}"
    first_cells = [row.split("|")[1] for row in config_page.splitlines() if row.startswith("| `")]
    documented = {var for cell in first_cells for var in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}
    assert documented == set(settings.ENV_VARS)  # no variable undocumented, no row for one that is gone
