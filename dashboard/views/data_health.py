"""Data health: freshness per source, flagged values, rate-limit budgets, the run ledger, errors in plain words."""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard import data, health
from fwpulse.data import store
from fwpulse.data.store import QUALITY


def render() -> None:
    st.title("Data health")
    runs = data.runs()
    if runs.empty:
        st.info("No runs recorded yet: run `fwpulse refresh`.")
        return
    st.subheader("Freshness per source")
    fresh = health.freshness(data.status_info(), store.utcnow())
    st.dataframe(fresh, hide_index=True)
    never = [s for s in health.NEVER_COLLECTED if s not in set(runs["source"])]
    if never:
        st.info("Never collected: " + ", ".join(f"{s} (`{health.NEVER_COLLECTED[s]}`)" for s in never) + ".")

    st.subheader("Flagged values")
    flagged = data.flagged_summary()
    if flagged.empty:
        st.success("Every stored value is a final, exact figure (quality ok).")
    else:
        st.caption(
            "Values stored with a quality flag: charts draw them dotted with their own markers, cards and "
            "alt text never state them as final. "
            + "; ".join(f"**{q}**: {t}" for q, t in QUALITY.items() if q != "ok")
            + "."
        )
        st.dataframe(flagged, hide_index=True)

    st.subheader("Rate-limit budgets (newest run per source)")
    st.dataframe(health.rate_budgets(runs), hide_index=True)

    problems = runs[runs["status"] != "ok"]
    st.subheader("Errors in plain words")
    if problems.empty:
        st.success("Every recorded run succeeded.")
    else:
        for r in problems.head(20).itertuples():
            retry = (
                f" Retry after {r.retry_after:%Y-%m-%d %H:%M} UTC."
                if r.retry_after is not None and str(r.retry_after) != "NaT"
                else ""
            )
            st.warning(
                f"**{r.source}**, run {r.run_id} ({r.status}, {r.started_at:%Y-%m-%d %H:%M} UTC): "
                f"{health.plain_error(r.error, r.status)}{retry}"
            )

    st.subheader("Run ledger")
    st.caption("One row per source per run (newest first). `snapshot` is the bundled offline dataset.")
    st.dataframe(
        runs[
            [
                "run_id",
                "source",
                "status",
                "started_at",
                "finished_at",
                "rows_written",
                "rows_unchanged",
                "requests",
                "error",
                "retry_after",
            ]
        ],
        hide_index=True,
    )
