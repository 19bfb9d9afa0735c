"""Overview: one card per framework (latest figures with 30- and 365-day change) and the long-run charts."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from fwpulse.dashboard import data
from fwpulse.dashboard.charts.spec import ChartOptions
from fwpulse.dashboard.views import cards
from fwpulse.dashboard.views.common import page, show_chart

CHARTS = ("github-stars", "github-forks", "pypi-downloads-monthly")  # under the cards, in this order


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False)
def _cards_shown(db_path: str, frameworks: tuple[str, ...], names: tuple) -> tuple[bool, bool, str]:
    """(no card data at all, an 'incl. PRs' figure is shown, the cards' HTML): worked out once per data and
    choice (about 75 ms for four frameworks), not on every rerun. ``db_path`` keys the cache to the database."""
    frame = data.overview_cards(frameworks)
    incl_prs = not frame.empty and "github.open_issues_incl_prs" in set(frame["metric"])
    named = dict(names)
    block = cards.cards_html([(named[fid], cards.card_items(frame, fid)) for fid in frameworks])
    return frame.empty, incl_prs, block


def _shown(frameworks: tuple[str, ...]) -> tuple[bool, bool, str]:
    names = data.framework_registry().names()
    return _cards_shown(str(data.settings().db_path), frameworks, tuple((f, names[f]) for f in frameworks))


def render() -> None:
    opts = page(
        "fwpulse: PyTorch vs TensorFlow vs Keras vs JAX",
        "Every figure carries its source, method and date; hover a chart or download its CSV to see them. "
        "Controls in the sidebar apply to every view, and the URL keeps them.",
    )
    if opts is None:
        return
    snapshot = data.offline_only()
    if snapshot is not None:
        age = (dt.date.today() - snapshot).days
        st.info(
            f"Bundled snapshot of {snapshot:%Y-%m-%d} ({age} days old): no refresh has run yet, so every figure "
            "here is from the offline dataset. `fwpulse refresh` collects current figures (Data health lists "
            "what each source needs)."
        )
    empty, incl_prs, block = _shown(opts.frameworks)
    if empty:
        st.info(
            "No figures stored yet for these frameworks: run `fwpulse refresh` (or open the dashboard on the "
            "bundled snapshot with `./dev.sh dashboard`)."
        )
    st.html(block)  # every card in one element (views/cards.py says why)
    if incl_prs:
        st.caption(
            "'Open issues incl. PRs' is GitHub's open_issues_count, which counts pull requests as issues "
            "(see the GitHub view)."
        )
    for chart_id in CHARTS:
        st.divider()
        show_chart(chart_id)


def warm_up() -> None:
    """Compute what the Overview shows at the default controls into the dashboard's caches: `fwpulse dashboard`'s
    server does it once it has started (dashboard/server.py), so the first page after a start does not build the
    cards and figures itself (0.7 s cold against 0.07 s cached at 5.5 M rows). Same calls as :func:`render`, so
    the same cache keys; the caches' TTL still applies."""
    try:
        reg = data.framework_registry()
        opts = ChartOptions(frameworks=tuple(reg.ids("main")))  # what the controls give with no URL and no state
        data.offline_only()
        _shown(opts.frameworks)
        for chart_id in CHARTS:
            data.rendered(chart_id, opts, reg.names(), reg.colors())
    finally:
        data.close_run_connection()


__all__ = ["render", "warm_up", "CHARTS"]
