"""Overview: latest figures per framework and the long-run history charts."""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard import data
from fwpulse.dashboard.views.common import framework_picker, show_chart
from fwpulse.data import catalog

CARD_METRICS = ("github.stars", "github.forks", "pypi.downloads_monthly")


def render() -> None:
    st.title("fwpulse: PyTorch vs TensorFlow vs Keras vs JAX")
    st.caption("Every figure carries its source, method and date; hover a chart or download its CSV to see them.")
    frameworks = framework_picker()
    if not frameworks:
        st.warning("Pick at least one framework.")
        return
    reg = data.registry()
    latest = data.latest_per_framework(tuple(frameworks), CARD_METRICS)
    cols = st.columns(len(frameworks))
    for col, fid in zip(cols, frameworks):
        with col:
            st.subheader(reg[fid].name)
            rows = latest[latest["framework"] == fid] if not latest.empty else latest
            if rows.empty:
                st.caption("No data yet for this framework: run `fwpulse refresh`.")
            for r in sorted(rows.itertuples(), key=lambda r: CARD_METRICS.index(r.metric)):
                st.metric(catalog.metric(r.metric).label, f"{r.value:,.0f}",
                          help=f"as of {r.date:%Y-%m-%d} · {r.source} · {r.method}")
                st.caption(f"as of {r.date:%Y-%m-%d}")
    for chart_id in ("github-stars", "github-forks", "pypi-downloads-monthly"):
        st.divider()
        show_chart(chart_id, frameworks)
