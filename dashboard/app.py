"""Streamlit entry point: `streamlit run dashboard/app.py` (or `fwpulse dashboard`).

The shared controls are drawn here, once per run, so they keep their state across views: their options are
read before the page runs (every view reads them through ``views.common.options()``) and the controls are
drawn after it, so the page's charts reach the browser first (``views.common.chosen_options``).
"""

import time

import streamlit as st

from fwpulse.dashboard import data
from fwpulse.dashboard.views import (
    adoption,
    article_check,
    common,
    community,
    data_health,
    github,
    overview,
    research,
    search_interest,
    speed,
)

st.set_page_config(page_title="fwpulse: ML framework pulse", page_icon="📊", layout="wide")

PAGES = [
    st.Page(overview.render, title="Overview", url_path="overview", default=True),
    st.Page(github.render, title="GitHub", url_path="github"),
    st.Page(community.render, title="Community", url_path="community"),
    st.Page(search_interest.render, title="Search interest", url_path="search-interest"),
    st.Page(adoption.render, title="Adoption", url_path="adoption"),
    st.Page(research.render, title="Research & models", url_path="research"),
    st.Page(speed.render, title="Speed", url_path="speed"),
    st.Page(article_check.render, title="Article check", url_path="article-check"),
    st.Page(data_health.render, title="Data health", url_path="data-health"),
]
started = time.perf_counter()
page = st.navigation(PAGES)
try:
    common.begin_run()
    common.chosen_options()
    try:
        page.run()
    finally:
        common.draw_controls()  # after the page, so its charts reach the browser first; even when it failed
except Exception as exc:  # noqa: BLE001 - a damaged database or config: the one-line diagnosis, not a traceback
    message = common.fatal_message(exc)
    if message is None:
        raise
    st.error(message)
finally:
    data.end_run()  # one read-only connection (and one Settings) per page run, never held between runs
    st.session_state["_fwpulse_run_s"] = time.perf_counter() - started  # the page run's own time (benchmarks)
