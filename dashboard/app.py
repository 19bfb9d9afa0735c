"""Streamlit entry point: `streamlit run dashboard/app.py` (or `fwpulse dashboard`)."""

import streamlit as st

from fwpulse.dashboard.views import data_health, overview

st.set_page_config(page_title="fwpulse: ML framework pulse", page_icon=":bar_chart:", layout="wide")

page = st.navigation([
    st.Page(overview.render, title="Overview", url_path="overview", default=True),
    st.Page(data_health.render, title="Data health", url_path="data-health"),
])
page.run()
