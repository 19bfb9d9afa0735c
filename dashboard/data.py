"""Cached, short-lived read-only access to the store for the dashboard, and the dashboard's one way to its Settings.

One page run (a script run of ``app.py``) opens at most one read-only connection, at its
first cache miss, and ``app.py`` closes it when the run ends, so a refresh running from cron
waits at most the length of one page run. Opening a DuckDB connection costs 15-20 ms however
small the file; sharing it between a page's queries keeps that cost out of every query.
``st.cache_data`` with a TTL lets new data appear without a restart.

The Settings (database, registry file, Chromium) are read from the environment once per page run, when it
begins (:func:`begin_run`), and every part of the dashboard asks :func:`settings` for them: nothing else in
the dashboard reads the environment. Once per run, not once per process: the server stays up while
``fwpulse frameworks add`` creates a user registry, and each test sets its own ``FWPULSE_DB``.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import duckdb
import pandas as pd
import streamlit as st

from fwpulse.dashboard import health
from fwpulse.dashboard.charts import article, overview, registry, speed
from fwpulse.dashboard.charts.kit import for_dark_page
from fwpulse.dashboard.charts.spec import Chart, ChartInput, ChartOptions
from fwpulse.data import db, ledger, read, store
from fwpulse.data.registry import Registry, load_registry
from fwpulse.data.settings import Settings, load_settings

TTL_SECONDS = 60
_run = threading.local()  # Streamlit runs each session's script in its own thread


@contextmanager
def reading(db_path: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """This page run's read-only connection to ``db_path`` (opened on first use)."""
    con = getattr(_run, "con", None)
    if con is None or _run.path != db_path:
        close_run_connection()
        con = db.connect(db_path, read_only=True, max_wait=30.0)  # outlasts a compaction of ~10M rows
        _run.con, _run.path = con, db_path
    yield con


def close_run_connection() -> None:
    """Close this page run's connection, if it opened one."""
    con = getattr(_run, "con", None)
    _run.con = _run.path = None
    if con is not None:
        con.close()


def begin_run() -> None:
    """Start of a page run (``views.common.begin_run``, called by app.py): read the Settings for the whole run."""
    _run.settings = load_settings()


def end_run() -> None:
    """End of a page run (app.py): close its connection, if it opened one, and forget its Settings."""
    _run.settings = None
    close_run_connection()


def settings() -> Settings:
    """The dashboard's Settings: this page run's, read when it began (:func:`begin_run`), so every query, button
    and message of a run uses the same database and Chromium; outside a page run (a test, a script), read now."""
    current = getattr(_run, "settings", None)
    return current if current is not None else load_settings()


def _db() -> str:
    return str(settings().db_path)


def framework_registry() -> Registry:
    return _registry(str(settings().config_path))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _registry(config_path: str) -> Registry:
    return load_registry(config_path)


def chart_input(chart_id: str, options: "ChartOptions") -> "ChartInput":
    """The chart registry's store query, cached per database, chart and query-relevant options."""
    query_opts = ChartOptions(frameworks=options.frameworks, start=options.start, end=options.end)
    return _chart_input(_db(), chart_id, query_opts)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _chart_input(db_path: str, chart_id: str, options: "ChartOptions") -> "ChartInput":
    with reading(db_path) as con:
        return registry.load(con, chart_id, options)


def rendered(chart_id: str, options: "ChartOptions", names: dict, colors: dict, dark: bool = False) -> "Chart":
    """The chart as drawn, cached like its data: a rerun (a widget click, a page revisit) reuses the figure
    instead of building it again, which was most of a warm page run. Shared, never mutated: callers only
    read it (the export buttons theme a copy). ``dark``: on the template for Streamlit's dark page."""
    return _rendered(_db(), chart_id, options, tuple(names.items()), tuple(colors.items()), dark)


@st.cache_resource(ttl=TTL_SECONDS, show_spinner=False, max_entries=1000)
def _rendered(db_path: str, chart_id: str, options, names: tuple, colors: tuple, dark: bool = False) -> "Chart":
    chart = registry.render(chart_id, chart_input(chart_id, options), options, dict(names), dict(colors))
    if dark and chart.figure is not None:
        for_dark_page(chart.figure)  # this cache entry's own figure, built just now
    return chart


def clear_caches() -> None:
    """Forget every cached query and figure (tests that change a database in place)."""
    st.cache_data.clear()
    st.cache_resource.clear()


def runs() -> pd.DataFrame:
    return _runs(_db())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _runs(db_path: str) -> pd.DataFrame:
    with reading(db_path) as con:
        return ledger.runs(con)


def offline_only():
    """The bundled snapshot's newest date while no refresh has stored data (else None)."""
    return _offline_only(_db())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _offline_only(db_path: str):
    with reading(db_path) as con:
        return ledger.offline_only(con)


# ------------------------------------------- view queries (charts.overview, charts.article, charts.speed, health), cached


def overview_cards(frameworks: tuple[str, ...]) -> pd.DataFrame:
    return _overview_cards(_db(), frameworks)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _overview_cards(db_path: str, frameworks: tuple[str, ...]) -> pd.DataFrame:
    with reading(db_path) as con:
        recent = read.recent_values(con, frameworks, overview.CARD_METRICS)
    return overview.overview_cards(recent)


def article_claims(frameworks: tuple[str, ...]) -> pd.DataFrame:
    return _article_claims(_db(), frameworks)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _article_claims(db_path: str, frameworks: tuple[str, ...]) -> pd.DataFrame:
    with reading(db_path) as con:
        return article.article_claims(con, frameworks or None)


def bench_results(frameworks: tuple[str, ...] = ()) -> pd.DataFrame:
    return _bench_results(_db(), frameworks)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _bench_results(db_path: str, frameworks: tuple[str, ...]) -> pd.DataFrame:
    with reading(db_path) as con:
        return speed.bench_results(con, frameworks or None)


def status_info() -> dict:
    return _status_info(_db())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _status_info(db_path: str) -> dict:
    with reading(db_path) as con:
        return health.source_status(con, store.utcnow())


def flagged_summary() -> pd.DataFrame:
    return _flagged_summary(_db())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _flagged_summary(db_path: str) -> pd.DataFrame:
    with reading(db_path) as con:
        return read.flagged_summary(con)
