"""Overview: one card per framework (latest figures with 30- and 365-day change) and the long-run charts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from fwpulse.dashboard import data
from fwpulse.dashboard.charts.spec import ChartOptions
from fwpulse.dashboard.views.common import page, show_chart
from fwpulse.data import catalog
from fwpulse.data.quality import is_final

# (card label, metrics in order of preference, command that fills it)
CARDS = [
    ("GitHub stars", ("github.stars",), "fwpulse refresh --source github"),
    ("GitHub forks", ("github.forks",), "fwpulse refresh --source github"),
    ("Open issues", ("github.open_issues", "github.open_issues_incl_prs"), "fwpulse refresh --source github"),
    ("Stack Overflow questions", ("stackoverflow.questions_total",), "fwpulse refresh --source stackoverflow"),
    ("PyPI downloads / month", ("pypi.downloads_monthly",), "fwpulse refresh --source pypi"),
]
CHARTS = ("github-stars", "github-forks", "pypi-downloads-monthly")  # under the cards, in this order
CARD_PX = 250  # a card's width: its numbers never shrink to an ellipsis; cards wrap onto more rows instead


def signed(value: float, decimals: int = 0, unit: str = "") -> str:
    """``+1,234`` / ``-5.2%``; a change that rounds to zero says which way it went (``-<0.1%``), never ``-0.0%``."""
    text = f"{value:+,.{decimals}f}"
    if value != 0 and float(text.replace(",", "")) == 0:
        return f"{'+' if value > 0 else '-'}<{10**-decimals:g}{unit}"
    return (f"{0:.{decimals}f}" if value == 0 else text) + unit


def _change(row, days: int) -> str:
    change = row[f"change_{days}d"]
    if change is None or pd.isna(change):
        since = row.get("method_since")
        return f"{days} d: n/a (counting method changed {since:%Y-%m-%d})" if pd.notna(since) else f"{days} d: n/a"
    prev = row[f"value_{days}d"]
    pct = f" ({signed(change / prev * 100, 1, '%')})" if prev else ""
    return f"{days} d: {signed(change)}{pct}"


def _flag_lines(row) -> list[str]:
    """What the card must say beside its figure: a newer flagged value it did not use, a stale series."""
    lines = []
    if pd.notna(row.get("newer_date")) and row.get("newer_quality"):
        lines.append(
            f"Newer value {row['newer_value']:,.0f} ({row['newer_date']:%Y-%m-%d}) is "
            f"{str(row['newer_quality']).replace('_', ' ')}, not final: {row['newer_reason']}. "
            "The card shows the newest final value."
        )
    if not is_final(row.get("quality")):
        lines.append(f"This figure is {str(row['quality']).replace('_', ' ')}: no final value stored yet.")
    if bool(row.get("stale")):
        lines.append(
            f"Stale: newest value {row['date']:%Y-%m-%d}, the others run to {row['newest_other']:%Y-%m-%d} "
            f"({row['stale_reason']})."
        )
    return lines


def _card(cards: pd.DataFrame, fid: str) -> None:
    mine = cards[cards["framework"] == fid] if not cards.empty else cards
    for label, metrics, fill in CARDS:
        rows = mine[mine["metric"].isin(metrics)] if not mine.empty else mine
        if rows.empty:
            st.caption(f"**{label}**: not collected yet (`{fill}`)")
            continue
        metric = [m for m in metrics if m in set(rows["metric"])][0]
        row = rows.set_index("metric").loc[metric]
        shown = label if metric != "github.open_issues_incl_prs" else "Open issues incl. PRs"
        stale = bool(row.get("stale"))
        # A stale series' change is over another period than the others' cards: no badge.
        delta = None if pd.isna(row["change_30d"]) or stale else f"{signed(row['change_30d'])} in 30 d"
        st.metric(
            shown,
            f"{row['value']:,.0f}",
            delta=delta,
            delta_color="off",
            help=f"{catalog.metric(metric).definition} Source: {row['source']} ({row['method']}).",
        )
        st.caption(f"{_change(row, 30)} · {_change(row, 365)} · as of {row['date']:%Y-%m-%d}")
        for line in _flag_lines(row):
            st.caption(f":orange[{line}]")


def render() -> None:
    opts = page(
        "fwpulse: PyTorch vs TensorFlow vs Keras vs JAX",
        "Every figure carries its source, method and date; hover a chart or download its CSV to see them. "
        "Controls in the sidebar apply to every view, and the URL keeps them.",
    )
    if opts is None:
        return
    reg = data.framework_registry()
    snapshot = data.offline_only()
    if snapshot is not None:
        age = (dt.date.today() - snapshot).days
        st.info(
            f"Bundled snapshot of {snapshot:%Y-%m-%d} ({age} days old): no refresh has run yet, so every figure "
            "here is from the offline dataset. `fwpulse refresh` collects current figures (Data health lists "
            "what each source needs)."
        )
    cards = data.overview_cards(opts.frameworks)
    if cards.empty:
        st.info(
            "No figures stored yet for these frameworks: run `fwpulse refresh` (or open the dashboard on the "
            "bundled snapshot with `./dev.sh dashboard`)."
        )
    with st.container(horizontal=True, wrap=True, gap="small"):  # as many per row as the screen holds
        for fid in opts.frameworks:
            with st.container(border=True, width=CARD_PX):
                st.subheader(reg[fid].name)
                _card(cards, fid)
    if not cards.empty and "github.open_issues_incl_prs" in set(cards["metric"]):
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
        data.overview_cards(opts.frameworks)
        for chart_id in CHARTS:
            data.rendered(chart_id, opts, reg.names(), reg.colors())
    finally:
        data.close_run_connection()


__all__ = ["render", "warm_up", "CARDS", "CHARTS"]
