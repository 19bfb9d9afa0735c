"""The Article check's queries: the 2020 article's figures beside the newest stored values, and the speed verdicts.

Pure (a read-only connection or DataFrames in, DataFrames out; no Streamlit), so the scale benchmark
(perf/dashboard_scale.py) times exactly what the view runs.
"""

from __future__ import annotations

from typing import Any, Iterable

import duckdb
import pandas as pd

from fwpulse.data import read

ARTICLE_URL = "https://www.iflexion.com/blog/pytorch-vs-keras"
# (claim, the article's metric, the live metrics that answer it now (first with data wins), fill command)
CLAIMS = [
    ("GitHub forks", "manual.github_forks", ["github.forks"], "fwpulse refresh --source github"),
    (
        "Open issues",
        "manual.github_open_issues",
        ["github.open_issues", "github.open_issues_incl_prs"],
        "fwpulse refresh --source github",
    ),
    ("Closed issues", "manual.github_closed_issues", ["github.closed_issues"], "fwpulse refresh --source github"),
    (
        "Stack Overflow questions",
        "manual.stackoverflow_questions",
        ["stackoverflow.questions_total"],
        "fwpulse refresh --source stackoverflow",
    ),
    ("Users", "manual.users", [], ""),
]
ARTICLE_CLAIM_COLUMNS = [
    "claim",
    "framework",
    "then",
    "then_qualifier",
    "then_as_of",
    "then_source",
    "then_url",
    "now",
    "now_metric",
    "now_as_of",
    "now_source",
    "now_method",
    "change_pct",
    "comment",
]


QUALIFIERS = {
    "upper_bound": "upper bound (less than)",
    "lower_bound": "lower bound (more than)",
    "approximate": "approximate",
}


def _qualifier(note: str | None, quality: str | None = None) -> str:
    """How the article quoted a figure: from the row's quality flag (the note's words for older stores)."""
    if read.quality_of(quality) != read.OK:
        return QUALIFIERS.get(quality, quality.replace("_", " "))
    n = (note or "").lower()
    for key, word in (
        ("upper bound", "upper bound (less than)"),
        ("lower bound", "lower bound (more than)"),
        ("approx", "approximate"),
    ):
        if key in n:
            return word
    return ""


def article_claims(con: duckdb.DuckDBPyConnection, frameworks: Iterable[str] | None = None) -> pd.DataFrame:
    """The 2020 article's figures (manual.* rows from its page) next to the newest stored values."""
    then = read.latest_values(con, frameworks, [c[1] for c in CLAIMS])
    then = read.article_2020_rows(then)
    now = read.latest_values(con, frameworks, sorted({m for c in CLAIMS for m in c[2]}), final=True)
    rows = []
    for claim, manual_metric, live, fill in CLAIMS:
        for r in then[then["metric"] == manual_metric].itertuples():
            row = {
                "claim": claim,
                "framework": r.framework,
                "then": r.value,
                "then_qualifier": _qualifier(r.note, r.quality),
                "then_as_of": r.date.date(),
                "then_source": r.source,
                "then_url": r.source_url,
                "now": None,
                "now_metric": None,
                "now_as_of": None,
                "now_source": None,
                "now_method": None,
                "change_pct": None,
                "comment": "",
            }
            hit = now[(now["framework"] == r.framework) & now["metric"].isin(live)]
            if not live:
                row["comment"] = "no live metric measures this (users are not countable from public APIs)"
            elif hit.empty:
                row["comment"] = f"not collected yet: run `{fill}`"
            else:
                best = hit.set_index("metric").loc[[m for m in live if m in set(hit["metric"])][0]]
                metric = [m for m in live if m in set(hit["metric"])][0]
                row.update(
                    now=best["value"],
                    now_metric=metric,
                    now_as_of=best["date"].date(),
                    now_source=best["source"],
                    now_method=best["method"],
                    change_pct=(best["value"] / r.value - 1) * 100 if r.value else None,
                )
                if metric == "github.open_issues_incl_prs":
                    row["comment"] = (
                        "now = GitHub's open_issues_count, which includes open PRs (the issue-count "
                        "trap); run `fwpulse refresh --source github` for issues without PRs"
                    )
                elif metric == "github.open_issues":
                    row["comment"] = "now excludes PRs; the article's figure probably included them"
            rows.append(row)
    return pd.DataFrame(rows, columns=ARTICLE_CLAIM_COLUMNS)


def speed_verdicts(bench: pd.DataFrame) -> dict[str, Any] | None:
    """Summary of the newest bench run per device for the article's 'trivial speed difference' claim."""
    from fwpulse.dashboard.charts.speed_rows import newest_runs

    df = newest_runs(bench)
    if df.empty:
        return None
    ok = df[(df["status"] == "ok") & df["verdict"].notna()]
    counts = ok["verdict"].value_counts().to_dict()
    spread = None
    if not ok.empty and ok["ratio"].notna().any():
        worst = ok.loc[ok["ratio"].idxmax()]
        best = ok.loc[ok["ratio"].idxmin()]
        spread = {
            "slowest": f"{worst['contender']} {worst['ratio']:.2f}x {worst['baseline']} on {worst['workload']} "
            f"{worst['variant']}",
            "fastest": f"{best['contender']} {best['ratio']:.2f}x {best['baseline']} on {best['workload']} "
            f"{best['variant']}",
        }
    devices = sorted({f"{d} ({n})" if n else str(d) for d, n in zip(df["device"], df["device_name"].fillna(""))})
    return {
        "verdicts": counts,
        "cells": int(len(ok)),
        "devices": devices,
        "spread": spread,
        "measured_at": pd.to_datetime(df["measured_at"]).max(),
        "suite": ", ".join(sorted(set(df["suite"].dropna()))),
    }
