"""Search interest: Google Trends, with the anchor rescaling shown."""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard import data
from fwpulse.dashboard.charts.usage import trends_rescaling
from fwpulse.dashboard.views.common import page, show_chart


def render() -> None:
    opts = page("Search interest: Google Trends")
    if opts is None:
        return
    chart = show_chart("trends-interest")
    st.subheader("How the values were rescaled")
    st.markdown(
        "Google Trends returns 0-100 relative to the peak **of each request** and takes at most five terms. "
        "With more terms fwpulse sends batches that all contain one anchor term; every batch is multiplied by "
        "*scale = (batch 1's anchor mean) / (this batch's anchor mean)* so the batches share batch 1's scale. "
        "The raw value and the factor are stored in each row's details (term, batch, anchor, scale, raw)."
    )
    values = data.chart_input("trends-interest", opts).values
    table = trends_rescaling(values)
    if table.empty:
        st.info("No Google Trends rows yet, so no rescaling to show. Fill it with `fwpulse refresh --source trends`.")
        return
    reg = data.framework_registry()
    table["framework"] = table["framework"].map(lambda f: reg.names().get(f, f))
    st.dataframe(table, hide_index=True, column_config={"scale": st.column_config.NumberColumn(format="%.4f")})
    if chart.figure is not None:
        st.caption("Rescaled = raw x scale; 'rows' counts the stored weeks per framework and batch.")
