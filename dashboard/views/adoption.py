"""Adoption: PyPI downloads (monthly, daily) and paper citations."""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard.views.common import options, show_chart


def render() -> None:
    st.title("Adoption: downloads and citations")
    opts = options()
    if not opts.frameworks:
        st.warning("Pick at least one framework in the sidebar.")
        return
    st.subheader("PyPI downloads")
    show_chart("pypi-downloads-monthly")
    show_chart("pypi-downloads-daily")
    st.divider()
    st.subheader("Citations of the frameworks' papers")
    show_chart("citations-yearly")
    show_chart("citations-total")
