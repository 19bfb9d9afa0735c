"""GitHub view charts: stars with releases, watchers, the issue-count trap, issue flow, git activity."""

from __future__ import annotations

from fwpulse.dashboard import chartkit as K
from fwpulse.dashboard.charts import ChartSpec, line_chart

GITHUB = "fwpulse refresh --source github"
BACKFILL = "fwpulse refresh --source github --backfill"
# No git collector yet: this history ships with the bundled snapshot only (Keras, JAX).
GIT_HINT = "FWPULSE_DB=new.duckdb fwpulse status  # builds a new database from the bundled snapshot, the only source of git history (Keras, JAX)"

ISSUE_TRAP = (
    "The issue-count trap: GitHub's `open_issues_count` (REST) counts open pull requests as issues, and "
    "so did the 2020 article's figures as far as anyone can tell. fwpulse stores that number as "
    "'open issues incl. PRs' and collects issues without PRs and open PRs separately; only "
    "'open issues (excl. PRs)' is an issue count.")


def stars_releases(spec, inputs, options, names, colors):
    chart = line_chart(spec, inputs.values, options, names, colors, "github.stars")
    if chart.figure is None or options.align:
        return chart
    marks = K.release_markers(chart.figure, chart.data, inputs.events, names, colors)
    if not marks.empty:
        import pandas as pd
        chart.data = pd.concat([chart.data, marks[[c for c in chart.data.columns if c in marks.columns]]],
                               ignore_index=True)
        chart.notes.append("Triangles mark major releases (hover for the version); dates from git tags and "
                           "the PyTorch wiki. TensorFlow's release dates are not in the bundled snapshot.")
        chart.sources = list(dict.fromkeys([*chart.sources, *marks["source"]]))
    return chart


def watchers(spec, inputs, options, names, colors):
    return line_chart(spec, inputs.values, options, names, colors, "github.watchers")


def open_issues(spec, inputs, options, names, colors):
    v = inputs.values
    article = v[(v["metric"] == "manual.github_open_issues") & v["source"].str.contains("Iflexion", na=False)]
    v = v[v["metric"] != "manual.github_open_issues"]
    chart = K.multi_line_chart(spec, v, options, names, colors, [
        ("github.open_issues", "solid", "open issues (excl. PRs)"),
        ("github.open_prs", "dash", "open PRs"),
        ("github.open_issues_incl_prs", "dot", "open issues incl. PRs (GitHub's count)"),
    ], "open items", markers=article, marker_label="2020 article: open issues")
    chart.notes.append(ISSUE_TRAP)
    return chart


def issues_flow(spec, inputs, options, names, colors):
    return K.multi_line_chart(spec, inputs.values, options, names, colors, [
        ("github.issues_opened", "solid", "opened"),
        ("github.issues_closed", "dash", "closed"),
    ], "issues/month")


def commits(spec, inputs, options, names, colors):
    return line_chart(spec, inputs.values, options, names, colors, "git.commits_monthly")


def authors(spec, inputs, options, names, colors):
    return line_chart(spec, inputs.values, options, names, colors, "git.authors_monthly")


SPECS = [
    ChartSpec("github-stars-releases", "GitHub stars, with major releases", ("github.stars",), stars_releases,
              GITHUB, view="github", events=True),
    ChartSpec("github-watchers", "GitHub watchers (subscribers, not stars)", ("github.watchers",), watchers,
              GITHUB, view="github"),
    ChartSpec("github-open-issues", "Open issues vs open pull requests",
              ("github.open_issues", "github.open_prs", "github.open_issues_incl_prs", "manual.github_open_issues"),
              open_issues, GITHUB, view="github"),
    ChartSpec("github-issues-flow", "Issues opened and closed per month",
              ("github.issues_opened", "github.issues_closed"), issues_flow, BACKFILL, view="github"),
    ChartSpec("git-commits-monthly", "Commits per month (default branch)", ("git.commits_monthly",), commits,
              GIT_HINT, view="github"),
    ChartSpec("git-authors-monthly", "Commit authors per month", ("git.authors_monthly",), authors,
              GIT_HINT, view="github"),
]
