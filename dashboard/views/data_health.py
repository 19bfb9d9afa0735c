"""Data health: the run ledger in plain words."""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard import data


def render() -> None:
    st.title("Data health")
    runs = data.runs()
    if runs.empty:
        st.info("No runs recorded yet: run `fwpulse refresh`.")
        return
    st.caption("One row per source per run (newest first). `snapshot` is the bundled offline dataset.")
    st.dataframe(runs[["run_id", "source", "status", "started_at", "finished_at", "rows_written",
                       "rows_unchanged", "requests", "error", "retry_after"]], hide_index=True)
