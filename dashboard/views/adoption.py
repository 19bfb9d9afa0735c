"""Adoption: PyPI downloads (the long ClickPy series by default, pypistats beside it), dependents, citations."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fwpulse.dashboard.views.common import page, show_chart

DEFINITIONS = (
    "Two kinds of download count, never mixed on one line: **all installers** (ClickPy, PyPI's full logs in "
    "ClickHouse, daily since 2016: mirrors such as bandersnatch and CI machines included), the long series shown "
    "first; and the **PyPI downloads per month** series under it: pypistats' mirror-free counts from each refresh "
    "(pypistats keeps 180 days, so that history grows with each refresh), after the bundled monthly history, "
    "whose counting method changed over time (its note and caption say how). The table compares a month only "
    "where pypistats measured it."
)


OFFLINE_DEFINITIONS = (
    "**PyPI downloads per month** below: the bundled monthly history, whose counting method changed over time "
    "(one line per method; its caveat and note say how), then pypistats' mirror-free counts from each refresh. "
    "The longer all-installer series (ClickPy, daily since 2016) and a table comparing the two definitions "
    "appear once `fwpulse refresh --source clickpy --backfill` has run."
)


def side_by_side(all_inst, pypistats, names: dict[str, str]) -> pd.DataFrame:
    """Per framework, the newest calendar month both definitions have: all installers vs pypistats."""
    cols = ["framework", "month", "all installers (ClickPy)", "pypistats (mirrors excluded)", "ratio"]
    if all_inst is None or pypistats is None or all_inst.data.empty or pypistats.data.empty:
        return pd.DataFrame(columns=cols)
    a = all_inst.data[all_inst.data["metric"] == "pypi.downloads_monthly_all"]
    p = pypistats.data[
        (pypistats.data["metric"] == "pypi.downloads_monthly")
        & pypistats.data["method"].astype(str).str.contains("pypistats", case=False)
    ]
    a = a.assign(month=pd.to_datetime(a["date"]).dt.to_period("M"))[["framework", "month", "raw_value"]]
    p = p.assign(month=pd.to_datetime(p["date"]).dt.to_period("M"))[["framework", "month", "raw_value"]]
    both = a.merge(p, on=["framework", "month"], suffixes=("_all", "_pypistats"))
    if both.empty:
        return pd.DataFrame(columns=cols)
    newest = both.sort_values("month").groupby("framework", sort=False).tail(1)
    order = {f: i for i, f in enumerate(names)}
    newest = newest.sort_values("framework", key=lambda s: s.map(lambda f: order.get(f, 999)))
    return pd.DataFrame(
        {
            "framework": newest["framework"].map(lambda f: names.get(f, f)),
            "month": newest["month"].astype(str),
            "all installers (ClickPy)": newest["raw_value_all"].map(lambda v: f"{v:,.0f}"),
            "pypistats (mirrors excluded)": newest["raw_value_pypistats"].map(lambda v: f"{v:,.0f}"),
            "ratio": (newest["raw_value_all"] / newest["raw_value_pypistats"]).map(lambda r: f"{r:.2f}x"),
        },
        columns=cols,
    )


def render() -> None:
    from fwpulse.dashboard import data

    if page("Adoption: downloads and citations") is None:
        return
    st.subheader("PyPI downloads")
    intro = st.empty()  # what the page says about its download charts follows what it could draw
    all_inst = show_chart("pypi-downloads-monthly-all")
    pypistats = show_chart("pypi-downloads-monthly")
    table = side_by_side(all_inst, pypistats, data.framework_registry().names())
    intro.markdown(DEFINITIONS if all_inst.figure is not None else OFFLINE_DEFINITIONS)
    if not table.empty:
        st.markdown("**The same month under both definitions** (the newest month both hold):")
        st.dataframe(table, hide_index=True)
    show_chart("pypi-downloads-daily-all")
    show_chart("pypi-downloads-daily")
    st.divider()
    st.subheader("Ecosystem breadth: projects that depend on each framework")
    show_chart("pypi-dependents-monthly")
    st.divider()
    st.subheader("Citations of the frameworks' papers")
    show_chart("citations-yearly")
    show_chart("citations-total")
