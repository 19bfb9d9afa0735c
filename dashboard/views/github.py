"""GitHub view: stars, forks, watchers, issues and pull requests, GH Archive and git activity.

Stars come with releases; open issues vs open PRs; issue flow; GH Archive monthly activity (lower
bounds from 2025-05 drawn as such; merged PRs end with 2025-09).
"""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard.charts.gharchive import BACKFILL as GHARCHIVE_BACKFILL
from fwpulse.dashboard.charts.gharchive import CAVEAT as GHARCHIVE_CAVEAT
from fwpulse.dashboard.charts.github import GITHUB, ISSUE_TRAP
from fwpulse.dashboard.views.common import page, show_chart

# The open-issues chart's lines: metric -> (how it is drawn, what it is).
ISSUE_LINES = {
    "github.open_issues": ("solid", "open issues excluding PRs"),
    "github.open_prs": ("dashed", "open pull requests"),
    "github.open_issues_incl_prs": ("dotted", "GitHub's open_issues_count, issues plus PRs"),
}


def open_issues_text(chart, names: dict[str, str]) -> str:
    """What to compare in the open-issues chart, from the lines it actually drew; names the missing ones
    and the command that fills them (the bundled snapshot holds only GitHub's count incl. PRs)."""
    data = chart.data if chart is not None else None
    if data is None or data.empty or "metric" not in data.columns:
        return ""
    drawn = {m: set(data.loc[data["metric"] == m, "framework"]) for m in ISSUE_LINES}
    shown = set(data["framework"]) & set(names)
    missing = [m for m in ("github.open_issues", "github.open_prs") if shown - drawn[m]]
    if not missing:
        return (
            "Compare the solid lines (issues only) and the dashed ones (open PRs) with the dotted ones "
            "(GitHub's count, issues plus PRs): the gap between solid and dotted is the review queue."
        )
    parts = []
    for m in missing:
        how, what = ISSUE_LINES[m]
        lacking = [names.get(f, f) for f in names if f in shown - drawn[m]]
        parts.append(f"the {how} lines ({what}) for {', '.join(lacking)}")
    have = [ISSUE_LINES[m][0] for m in ISSUE_LINES if drawn[m]]
    return (
        f"Only the {' and '.join(have) or 'no'} lines are stored here: {'; '.join(parts)} are missing, so the "
        f"chart cannot yet separate issues from PRs. `{GITHUB}` collects them (issues without PRs and open PRs, "
        "from the search API); until then, read the dotted lines as issues **plus** PRs."
    )


def render() -> None:
    from fwpulse.dashboard import data

    opts = page("GitHub")
    if opts is None:
        return
    names = data.framework_registry().names()
    show_chart("github-stars-releases")
    st.caption(
        "Where the snapshots have no star history (or stop), the weekly star history fills in: the curve "
        "below is stars still held today, by the week they were given, never the star count on past dates."
    )
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
            "then looks buggier than it is."
        )
        compare = st.empty()
    chart = show_chart("github-open-issues")
    text = open_issues_text(chart, {f: names.get(f, f) for f in opts.frameworks})
    if text:
        compare.markdown(text)
    st.divider()
    show_chart("github-issues-flow")
    st.divider()
    st.subheader("Monthly activity from GH Archive (2011 on)")
    st.markdown(GHARCHIVE_CAVEAT)
    st.caption(
        f"Filled by `{GHARCHIVE_BACKFILL}` (one ClickHouse query for all repositories). Hover a hollow "
        "marker for why that month is not a final count."
    )
    show_chart("gharchive-stars-given")
    show_chart("gharchive-forks")
    show_chart("gharchive-issues")
    show_chart("gharchive-prs")
    st.divider()
    st.subheader("Development activity (git history)")
    show_chart("git-commits-monthly")
    show_chart("git-authors-monthly")
