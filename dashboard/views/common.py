"""Controls and chart rendering shared by the views."""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard import charts, data


def framework_picker() -> list[str]:
    """Framework multiselect; the choice lives in the URL (?fw=pytorch,keras) so views are shareable."""
    reg = data.registry()
    names = reg.names()
    default = reg.ids("main")
    from_url = [f for f in st.query_params.get("fw", "").split(",") if f in names]
    chosen = st.multiselect("Frameworks", options=reg.ids(), default=from_url or default,
                            format_func=lambda fid: names[fid], key="frameworks",
                            help="The four main frameworks by default; the 2020 article's ecosystem is available too.")
    st.query_params["fw"] = ",".join(chosen)
    return chosen


def show_chart(chart_id: str, frameworks: list[str] | charts.ChartOptions) -> charts.Chart:
    reg = data.registry()
    spec = charts.CHARTS[chart_id]
    options = frameworks if isinstance(frameworks, charts.ChartOptions) else charts.ChartOptions(frameworks=tuple(frameworks))
    chart = charts.render(chart_id, data.chart_input(chart_id, options), options, reg.names(), reg.colors())
    if chart.figure is None:
        st.info(f"**{spec.title}**: {chart.empty_reason} Fill it with `{spec.fill_hint}`.")
        return chart
    st.plotly_chart(chart.figure, key=f"chart-{chart_id}",
                    config={"toImageButtonOptions": {"format": "png", "filename": chart_id, "scale": 2}})
    st.caption(chart.caption)
    for note in chart.notes:
        st.caption(f"Note: {note}")
    st.download_button("Download the plotted data (CSV)", chart.data.to_csv(index=False).encode(),
                       file_name=f"{chart_id}.csv", mime="text/csv", key=f"csv-{chart_id}")
    return chart
