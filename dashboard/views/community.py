"""Community: Stack Overflow questions per month, share of all questions, all questions, totals."""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard.views.common import page, show_chart

CAPTION = (
    "Questions carrying each framework's tags (data/frameworks.toml `stackoverflow_tags`). The bundled "
    "snapshot holds monthly questions per tag up to 2019-12 (Kaggle 'stackindex') and site-wide monthly "
    "totals up to 2025-01 (a second, later snapshot, so the shares derived from the two are approximate), "
    "and the Stanford AI Index's yearly counts to mid-2020. Anything newer comes from the Stack Exchange "
    "API: `fwpulse refresh --source stackoverflow --backfill`. Where a line breaks, no data is stored for "
    "those months (a gap between sources): the chart never bridges it. A dotted line marked 'below half its "
    "peak' is found in the data: from there the trailing-year mean stays at half its peak or less."
)


def render() -> None:
    if page("Community: Stack Overflow", CAPTION) is None:
        return
    for chart_id in (
        "stackoverflow-questions-monthly",
        "stackoverflow-questions-share",
        "stackoverflow-questions-site",
        "stackoverflow-questions-total",
        "stackoverflow-questions-yearly-ai-index",
    ):
        show_chart(chart_id)
        st.divider()
