"""Community: Stack Overflow questions per month, share of all questions, totals."""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard.views.common import options, show_chart


def render() -> None:
    st.title("Community: Stack Overflow")
    st.caption("Questions carrying each framework's tags (data/frameworks.toml `stackoverflow_tags`). The bundled "
               "snapshot has no Stack Overflow figures after mid-2020: the live ones come from the Stack Exchange API.")
    opts = options()
    if not opts.frameworks:
        st.warning("Pick at least one framework in the sidebar.")
        return
    for chart_id in ("stackoverflow-questions-monthly", "stackoverflow-questions-share",
                     "stackoverflow-questions-total", "stackoverflow-questions-yearly-ai-index"):
        show_chart(chart_id)
        st.divider()
