"""data/sources.py is the one declaration of the sources, and everything that lists them agrees with it."""

from __future__ import annotations

import importlib
from pathlib import Path

from fwpulse.collectors import refresh
from fwpulse.data import settings, sources

REPO = Path(__file__).resolve().parents[2]


def test_each_declared_module_exposes_the_source_it_is_declared_for():
    for info in sources.SOURCES:
        assert importlib.import_module(info.module).SOURCE.name == info.name


def test_the_refresh_and_its_error_messages_derive_from_the_declaration():
    assert list(refresh.SOURCES) == [s.name for s in sources.SOURCES] == refresh.available_sources()
    assert refresh.SOURCE_URL_SETTINGS == {s.name: s.urls for s in sources.SOURCES}


def test_every_declared_variable_is_a_documented_setting_and_every_url_setting_serves_a_source():
    url_settings = {env for _, env in settings.URL_SETTINGS}
    assert set(sources.url_variables()) == url_settings  # a URL setting no source uses is a leftover
    for var in (*sources.url_variables(), *sources.key_variables()):
        assert var in settings.ENV_VARS, var


def test_the_docs_name_every_source_and_its_variables():
    sources_page = (REPO / "docs" / "sources.md").read_text()
    config_page = (REPO / "docs" / "configuration.md").read_text()
    for info in sources.SOURCES:
        assert f"`{info.name}`" in sources_page, info.name
        for var in (*info.urls, *info.keys):
            assert f"`{var}`" in config_page, var
