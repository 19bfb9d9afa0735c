"""GitHub: stars (with releases), forks, watchers, open issues vs open PRs, issue flow, git activity."""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard.charts_github import ISSUE_TRAP
from fwpulse.dashboard.views.common import options, show_chart


def render() -> None:
    st.title("GitHub")
    opts = options()
    if not opts.frameworks:
        st.warning("Pick at least one framework in the sidebar.")
        return
    show_chart("github-stars-releases")
    st.caption("Where the snapshots have no star history (or stop), the weekly star history fills in: the curve "
               "below is stars still held today, by the week they were given, never the star count on past dates.")
    show_chart("github-stars-retained")
    st.divider()
    show_chart("github-forks")
    st.divider()
    show_chart("github-watchers")
    st.divider()
    st.subheader("Open issues vs open pull requests")
    with st.expander("The issue-count trap", expanded=True):
        st.markdown(
            f"{ISSUE_TRAP}\n\n"
            "The 2020 article compared 'open issues' (Keras over 3,000, PyTorch over 5,000); those figures were most "
            "likely `open_issues_count`, i.e. issues **plus** pull requests. A repository with a busy review queue "
            "then looks buggier than it is. Compare the solid lines (issues only) with the dotted ones (GitHub's count).")
    show_chart("github-open-issues")
    st.divider()
    show_chart("github-issues-flow")
    st.divider()
    st.subheader("Development activity (git history)")
    show_chart("git-commits-monthly")
    show_chart("git-authors-monthly")
