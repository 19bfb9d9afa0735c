"""Metric catalog: the one place that says what every metric id means.

The dashboard, export captions, the metric table in docs/data.md and tests all read from here.
``kind`` is ``level`` for a count at a moment (stars today) and ``flow`` for a count over a
period (questions asked in a month); ``period`` names that period.
"""

from __future__ import annotations

from dataclasses import dataclass

from fwpulse.data import catalog_research


@dataclass(frozen=True)
class Metric:
    id: str
    label: str
    unit: str
    definition: str
    source: str
    kind: str = "level"  # level | flow | ratio
    period: str | None = None  # day | week | month | year for flows


_M = Metric
METRICS: dict[str, Metric] = {
    m.id: m
    for m in [
        _M(
            "github.stars",
            "GitHub stars",
            "stars",
            "Stargazers of the repository at the date (GitHub `stargazers_count` / GraphQL `stargazerCount`).",
            "GitHub",
        ),
        _M(
            "github.forks",
            "GitHub forks",
            "forks",
            "Forks of the repository at the date (`forks_count`). Can fall when forks are deleted or made private.",
            "GitHub",
        ),
        _M(
            "github.watchers",
            "GitHub watchers",
            "watchers",
            "Accounts watching the repository (`subscribers_count`), not stars: the REST field `watchers_count` is a legacy alias of stars.",
            "GitHub",
        ),
        _M(
            "github.open_issues",
            "Open issues (excl. PRs)",
            "issues",
            "Open issues excluding pull requests. GitHub's `open_issues_count` counts PRs as issues; this metric does not.",
            "GitHub",
        ),
        _M(
            "github.open_issues_incl_prs",
            "Open issues incl. PRs",
            "issues + PRs",
            "GitHub's `open_issues_count` as served: open issues plus open pull requests. Kept apart so it is never read as issues alone.",
            "GitHub",
        ),
        _M("github.open_prs", "Open pull requests", "PRs", "Open pull requests at the date.", "GitHub"),
        _M(
            "github.closed_issues",
            "Closed issues",
            "issues",
            "Closed issues (excluding pull requests), all time, at the date.",
            "GitHub",
        ),
        _M(
            "github.merged_prs", "Merged pull requests", "PRs", "Merged pull requests, all time, at the date.", "GitHub"
        ),
        _M(
            "github.issues_opened",
            "Issues opened per month",
            "issues/month",
            "Issues (excluding PRs) created in the calendar month starting at the date (search API `created:` window).",
            "GitHub",
            "flow",
            "month",
        ),
        _M(
            "github.issues_closed",
            "Issues closed per month",
            "issues/month",
            "Issues (excluding PRs) closed in the calendar month starting at the date (search API `closed:` window).",
            "GitHub",
            "flow",
            "month",
        ),
        _M(
            "github.stars_added",
            "Stars added per week",
            "stars/week",
            "Stars still held today, by the week they were given (star-history endpoint); stars later removed are not counted.",
            "GitHub",
            "flow",
            "week",
        ),
        _M(
            "github.releases",
            "GitHub releases",
            "releases",
            "Published GitHub releases of the repository at the date (drafts excluded).",
            "GitHub",
        ),
        _M(
            "stackoverflow.questions_total",
            "Stack Overflow questions (total)",
            "questions",
            "All questions carrying the framework's tags at the date, summed over its tags (a question with two of its tags counts twice).",
            "Stack Overflow",
        ),
        _M(
            "stackoverflow.questions_monthly",
            "Stack Overflow questions per month",
            "questions/month",
            "New questions carrying the framework's tags asked in the calendar month starting at the date.",
            "Stack Overflow",
            "flow",
            "month",
        ),
        _M(
            "stackoverflow.questions_share",
            "Share of all Stack Overflow questions",
            "% of questions",
            "The framework's new questions in the month as a percentage of all new Stack Overflow questions that month (what Stack Overflow Trends plots).",
            "Stack Overflow",
            "ratio",
            "month",
        ),
        _M(
            "stackoverflow.questions_monthly_site",
            "All Stack Overflow questions per month",
            "questions/month",
            "New questions on the whole site (all tags) asked in the calendar month starting at the date; stored under "
            "the framework id '_all' (the denominator of stackoverflow.questions_share).",
            "Stack Overflow",
            "flow",
            "month",
        ),
        _M(
            "trends.interest",
            "Google Trends interest",
            "index (0-100)",
            "Google Trends search interest, 0-100 relative to the peak of the request; batches of more than five terms are rescaled through a shared anchor term.",
            "Google Trends",
            "ratio",
            "week",
        ),
        _M(
            "pypi.downloads_daily",
            "PyPI downloads per day",
            "downloads/day",
            "Downloads of the framework's PyPI packages on the date, without mirrors (pypistats).",
            "PyPI",
            "flow",
            "day",
        ),
        _M(
            "pypi.downloads_monthly",
            "PyPI downloads per month",
            "downloads/month",
            "Downloads of the framework's PyPI packages over a month-long window (the row's method says which installers are counted, its details give the window and packages).",
            "PyPI",
            "flow",
            "month",
        ),
        _M(
            "pypi.downloads_daily_all",
            "PyPI downloads per day (all installers)",
            "downloads/day",
            "Downloads of the framework's PyPI packages (summed) on the UTC date, counting every installer, mirrors and CI "
            "machines included (ClickPy's pypi_downloads_per_day, from PyPI's BigQuery logs), so higher than pypistats' "
            "mirror-free pypi.downloads_daily; a day is stored once the dataset holds a later day, and days without a row are 0.",
            "ClickHouse (ClickPy)",
            "flow",
            "day",
        ),
        _M(
            "pypi.downloads_monthly_all",
            "PyPI downloads per month (all installers)",
            "downloads/month",
            "Sum of pypi.downloads_daily_all over the calendar month starting at the date (complete months only): every "
            "installer, mirrors and CI included, unlike pypistats.",
            "ClickHouse (ClickPy)",
            "flow",
            "month",
        ),
        _M(
            "pypi.dependents_monthly",
            "PyPI dependents releasing per month",
            "projects/month",
            "Distinct PyPI projects (other than the framework's own packages) that uploaded at least one file in the calendar "
            "month starting at the date whose requires_dist declares one of the framework's packages: requirement names "
            "compared after PEP 503 normalisation (lower case, runs of '-', '_', '.' as '-'); requirements with extras or "
            "environment markers count, including optional extras ('extra == ...'); from the package metadata table.",
            "ClickHouse (ClickPy)",
            "flow",
            "month",
        ),
        _M(
            "gharchive.stars_given",
            "Stars given per month (GH Archive)",
            "stars/month",
            "WatchEvent 'started' events for the repository (and its former names) in the calendar month starting at the "
            "date: stars given, never net of stars removed. From 2025-05 on GitHub's event feed lost most events, so those "
            "months are lower bounds (quality lower_bound).",
            "GH Archive",
            "flow",
            "month",
        ),
        _M(
            "gharchive.forks",
            "Forks per month (GH Archive)",
            "forks/month",
            "ForkEvent events for the repository (and its former names) in the calendar month starting at the date; "
            "lower bounds from 2025-05 on.",
            "GH Archive",
            "flow",
            "month",
        ),
        _M(
            "gharchive.issues_opened",
            "Issues opened per month (GH Archive)",
            "issues/month",
            "IssuesEvent 'opened' events (issues only, no pull requests) for the repository and its former names in the "
            "calendar month starting at the date; lower bounds from 2025-05 on.",
            "GH Archive",
            "flow",
            "month",
        ),
        _M(
            "gharchive.issues_closed",
            "Issues closed per month (GH Archive)",
            "issues/month",
            "IssuesEvent 'closed' events for the repository and its former names in the calendar month starting at the date "
            "(an issue closed, reopened and closed again counts twice); lower bounds from 2025-05 on.",
            "GH Archive",
            "flow",
            "month",
        ),
        _M(
            "gharchive.prs_opened",
            "Pull requests opened per month (GH Archive)",
            "PRs/month",
            "PullRequestEvent 'opened' events for the repository and its former names in the calendar month starting at the "
            "date; lower bounds from 2025-05 on.",
            "GH Archive",
            "flow",
            "month",
        ),
        _M(
            "gharchive.prs_merged",
            "Pull requests merged per month (GH Archive)",
            "PRs/month",
            "PullRequestEvent 'closed' events with merged = 1 for the repository and its former names in the calendar month "
            "starting at the date; lower bounds from 2025-05 on; none from 2025-10 on (GitHub's event payloads carry "
            "no 'merged' field from about 2025-10-07).",
            "GH Archive",
            "flow",
            "month",
        ),
        _M(
            "bestof.stars",
            "GitHub stars (best-of-ml-python)",
            "stars",
            "Stargazers at the date as recorded by the weekly best-of-ml-python list (earliest file of the month): the "
            "higher of GitHub GraphQL stargazers.totalCount and libraries.io, so TensorFlow runs about 2k above "
            "GitHub's own count from 2021 (quality degraded_source).",
            "best-of-ml-python",
        ),
        _M(
            "bestof.forks",
            "GitHub forks (best-of-ml-python)",
            "forks",
            "Forks at the date as recorded by best-of-ml-python (the higher of GitHub and libraries.io); values stay frozen "
            "for weeks and jump between the two sources, so every row is flagged degraded_source: indicative only.",
            "best-of-ml-python",
        ),
        _M(
            "bestof.open_issues",
            "Open issues (best-of-ml-python)",
            "issues",
            "Open issues at the date as recorded by best-of-ml-python (GitHub GraphQL issues(states: OPEN), or libraries.io's "
            "count including PRs when higher); flagged degraded_source: indicative only.",
            "best-of-ml-python",
        ),
        _M(
            "citations.total",
            "Citations (total)",
            "citations",
            "Works citing the framework's papers at the date (OpenAlex `cited_by_count`, summed over its DOIs).",
            "OpenAlex",
        ),
        _M(
            "citations.yearly",
            "Citations per year",
            "citations/year",
            "Works citing the framework's papers published in the year starting at the date (OpenAlex `counts_by_year`; years it omits are zero).",
            "OpenAlex",
            "flow",
            "year",
        ),
        _M(
            "git.commits_monthly",
            "Commits per month",
            "commits/month",
            "Non-merge commits on the default branch by author date (UTC) in the calendar month starting at the date.",
            "git history",
            "flow",
            "month",
        ),
        _M(
            "git.authors_monthly",
            "Commit authors per month",
            "authors/month",
            "Distinct author e-mails (lower-cased) of non-merge default-branch commits in the month starting at the date.",
            "git history",
            "flow",
            "month",
        ),
    ]
}

METRICS.update({entry[0]: Metric(*entry) for entry in catalog_research.ENTRIES})

# Dated figures from pages, reports and `fwpulse import` are stored as manual.<name>.
# Stored series that belong to no framework: their framework id (never a registry id: ids are slugs) and name.
SITE = "_all"  # site-wide totals, e.g. all Stack Overflow questions per month
SERIES_NAMES = {SITE: "Site-wide"}


def series_name(framework_id: str, names: dict[str, str]) -> str:
    """What to call a stored series: the registry's name for a framework (``names``), else the name of a
    series that belongs to no framework (:data:`SERIES_NAMES`), else the id itself."""
    return names.get(framework_id) or SERIES_NAMES.get(framework_id, framework_id)


MANUAL_PREFIX = "manual."
MANUAL_METRICS: dict[str, Metric] = {
    m.id: m
    for m in [
        _M(
            "manual.github_forks",
            "GitHub forks (quoted)",
            "forks",
            "A fork count quoted by a dated page or report.",
            "manual",
        ),
        _M(
            "manual.github_open_issues",
            "Open issues (quoted)",
            "issues",
            "An open-issue count quoted by a dated page; whether it included PRs is not known.",
            "manual",
        ),
        _M(
            "manual.github_closed_issues",
            "Closed issues (quoted)",
            "issues",
            "A closed-issue count quoted by a dated page.",
            "manual",
        ),
        _M(
            "manual.github_commits",
            "Commits (quoted)",
            "commits",
            "A commit count quoted by a dated page or book.",
            "manual",
        ),
        _M(
            "manual.github_contributors",
            "Contributors (quoted)",
            "contributors",
            "A contributor count quoted by a dated page or book.",
            "manual",
        ),
        _M(
            "manual.stackoverflow_questions",
            "Stack Overflow questions (quoted)",
            "questions",
            "A total Stack Overflow question count quoted by a dated page.",
            "manual",
        ),
        _M(
            "manual.stackoverflow_questions_asked_in_year",
            "Stack Overflow questions asked in a year",
            "questions/year",
            "Questions asked in the calendar year up to the date (Stanford AI Index 2020 scrape).",
            "manual",
            "flow",
            "year",
        ),
        _M(
            "manual.pypi_downloads_year",
            "PyPI downloads in a year (quoted)",
            "downloads/year",
            "Downloads in the calendar year ending at the date, as quoted.",
            "manual",
            "flow",
            "year",
        ),
        _M("manual.users", "Users (quoted)", "users", "A user count quoted by a dated page.", "manual"),
    ]
}


def metric(metric_id: str) -> Metric:
    """The catalog entry for ``metric_id``; unknown ``manual.*`` ids get a generic entry."""
    if metric_id in METRICS:
        return METRICS[metric_id]
    if metric_id in MANUAL_METRICS:
        return MANUAL_METRICS[metric_id]
    if metric_id.startswith(MANUAL_PREFIX) and len(metric_id) > len(MANUAL_PREFIX):
        name = metric_id[len(MANUAL_PREFIX) :]
        return Metric(
            metric_id,
            name.replace("_", " ").capitalize() + " (imported)",
            "value",
            "A dated figure imported with `fwpulse import`; its source URL and note travel with every row.",
            "manual",
        )
    raise KeyError(f"unknown metric id {metric_id!r}")


def all_metrics() -> list[Metric]:
    return [*METRICS.values(), *MANUAL_METRICS.values()]


def is_known(metric_id: str) -> bool:
    try:
        metric(metric_id)
    except KeyError:
        return False
    return True
