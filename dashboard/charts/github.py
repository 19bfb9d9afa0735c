"""GitHub view charts: stars with releases, watchers, the issue-count trap, issue flow, git activity."""

from __future__ import annotations

from fwpulse.dashboard.charts import kit
from fwpulse.dashboard.charts.spec import ChartSpec
from fwpulse.data import read

GITHUB = "fwpulse refresh --source github"
BACKFILL = "fwpulse refresh --source github --backfill"
# No git collector yet: this history ships with the bundled snapshot only (Keras, JAX).
GIT_HINT = "FWPULSE_DB=new.duckdb fwpulse status  # builds a new database from the bundled snapshot, the only source of git history (Keras, JAX)"

ISSUE_TRAP = (
    "The issue-count trap: GitHub's `open_issues_count` (REST) counts open pull requests as issues, and "
    "so did the 2020 article's figures as far as anyone can tell. fwpulse stores that number as "
    "'open issues incl. PRs' and collects issues without PRs and open PRs separately; only "
    "'open issues (excl. PRs)' is an issue count."
)


def stars_releases(spec, inputs, options, names, colors):
    chart = kit.line_chart(spec, inputs.values, options, names, colors, "github.stars")
    if chart.figure is None or options.align:
        return chart
    marks = kit.release_markers(chart.figure, chart.data, inputs.events, names, colors)
    if not marks.empty:
        import pandas as pd

        chart.data = pd.concat(
            [chart.data, marks[[c for c in chart.data.columns if c in marks.columns]]], ignore_index=True
        )
        marked = [names.get(f, f) for f in dict.fromkeys(marks["framework"])]
        plotted = [names.get(f, f) for f in dict.fromkeys(chart.data["framework"]) if names.get(f, f) not in marked]
        without = f" No release is stored for {', '.join(plotted)}." if plotted else ""
        sources = ", ".join(dict.fromkeys(str(s) for s in marks["source"].dropna()))
        chart.notes.append(
            f"Triangles mark major releases of {', '.join(marked)} (hover for the version); dates from {sources}."
            + without
        )
        chart.sources = list(dict.fromkeys([*chart.sources, *marks["source"]]))
    return chart


RETAINED_LABEL = "stars still held today, by the week they were given"
RETAINED_NOTE = (
    "Built from GitHub's weekly star history (Sept 2026 endpoint): each week counts the stars given that week "
    "that are STILL HELD today, so the curve is the running total of today's stargazers by when they starred. "
    "It is not the star count on past dates (stars given and later withdrawn are missing from every week), and "
    "it can lie below the snapshot star counts. Complete weeks only; the running week is left out."
)


def _retained_query(con, spec, options):
    """Every stored week (cumulating needs the weeks before the chosen start too)."""
    values, _ = read.read_values(con, options.frameworks or None, spec.metrics, None, options.end, thin=False)
    return values


def stars_retained(spec, inputs, options, names, colors):
    import pandas as pd

    v = inputs.values[inputs.values["metric"] == "github.stars_added"].sort_values(["framework", "date"]).copy()
    if v.empty:
        return kit.empty(spec, ("github.stars_added",))
    first = v.groupby("framework")["date"].min()
    v["value"] = v.groupby("framework")["value"].cumsum()
    v["method"] = "running total of: " + v["method"].astype(str)
    if options.start:
        v = v[v["date"] >= pd.Timestamp(options.start)]
    chart = kit.line_chart(spec, v, options, names, colors, "github.stars_added")
    if chart.figure is None:
        return chart
    if options.mode == "absolute":
        chart.figure.update_layout(yaxis_title=RETAINED_LABEL)
        chart.data["unit"] = "stars still held today (running total by week given)"
    chart.notes.append(RETAINED_NOTE)
    starts = "; ".join(f"{names.get(fid, fid)} from the week of {d:%Y-%m-%d}" for fid, d in first.items())
    chart.notes.append(
        f"Each curve starts at its first stored week ({starts}): a backfill reads back to the "
        "repository's creation, so earlier weeks had no stars still held."
    )
    return chart


def open_issues(spec, inputs, options, names, colors):
    v = inputs.values
    article = read.article_2020_rows(v, "manual.github_open_issues")
    v = v[v["metric"] != "manual.github_open_issues"]
    chart = kit.multi_line_chart(
        spec,
        v,
        options,
        names,
        colors,
        [
            ("github.open_issues", "solid", "issues (excl. PRs)"),
            ("github.open_prs", "dash", "open PRs"),
            ("github.open_issues_incl_prs", "dot", "open issues incl. PRs (GitHub)"),
        ],
        "open items",
        markers=article,
        marker_label="2020 article: open issues",
    )
    chart.notes.append(ISSUE_TRAP)
    return chart


def issues_flow(spec, inputs, options, names, colors):
    return kit.multi_line_chart(
        spec,
        inputs.values,
        options,
        names,
        colors,
        [
            ("github.issues_opened", "solid", "opened"),
            ("github.issues_closed", "dash", "closed"),
        ],
        "issues/month",
    )


SPECS = [
    ChartSpec(
        "github-stars-releases",
        "GitHub stars, with major releases",
        ("github.stars",),
        stars_releases,
        GITHUB,
        view="github",
        events=True,
    ),
    ChartSpec(
        "github-stars-retained",
        f"GitHub {RETAINED_LABEL}",
        ("github.stars_added",),
        stars_retained,
        BACKFILL,
        view="github",
        query=_retained_query,
    ),
    kit.line_spec("github-watchers", "GitHub watchers (subscribers, not stars)", "github.watchers", GITHUB, "github"),
    ChartSpec(
        "github-open-issues",
        "Open issues vs open pull requests",
        ("github.open_issues", "github.open_prs", "github.open_issues_incl_prs", "manual.github_open_issues"),
        open_issues,
        GITHUB,
        view="github",
    ),
    ChartSpec(
        "github-issues-flow",
        "Issues opened and closed per month",
        ("github.issues_opened", "github.issues_closed"),
        issues_flow,
        BACKFILL,
        view="github",
    ),
    kit.line_spec(
        "git-commits-monthly", "Commits per month (default branch)", "git.commits_monthly", GIT_HINT, "github"
    ),
    kit.line_spec("git-authors-monthly", "Commit authors per month", "git.authors_monthly", GIT_HINT, "github"),
]
