"""The Article check: the 2020 article's figures beside the newest stored values, the speed verdicts, the chart.

The queries are pure (a read-only connection or DataFrames in, DataFrames out; no Streamlit), so the scale
benchmark (perf/dashboard_scale.py) times exactly what the view runs; the chart puts each figure of the
article next to the newest stored value, as dots on a log axis.
"""

from __future__ import annotations

from typing import Any, Iterable

import duckdb
import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard.charts.kit import caption_for
from fwpulse.dashboard.charts.spec import Chart, ChartSpec
from fwpulse.dashboard.charts.speed import newest_runs
from fwpulse.data import read
from fwpulse.data.quality import OK, quality_of

# ------------------------------------------------------------------------------ the queries

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
    if quality_of(quality) != OK:
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


# ------------------------------------------------------------------------------ the chart

# How the article worded a figure (:func:`_qualifier`) -> the mark its label carries, as in the table.
QUALIFIER_MARK = {"lower bound (more than)": "≥ ", "upper bound (less than)": "≤ ", "approximate": "~ "}


def _query(con, spec, options) -> pd.DataFrame:
    return article_claims(con, options.frameworks or None)


def then_vs_now(spec, inputs, options, names, colors):
    claims = inputs.values
    if claims.empty:
        return Chart(
            spec,
            None,
            pd.DataFrame(),
            "",
            empty_reason="The 2020 article's figures are not in this database (they ship with the bundled snapshot).",
        )
    claims = claims[claims["claim"] != "Users"]
    rows = []
    for r in claims.itertuples():
        label = f"{r.claim} · {names.get(r.framework, r.framework)}"
        rows.append(
            {
                "framework": r.framework,
                "claim": r.claim,
                "label": label,
                "when": "2020 article",
                "value": r.then,
                "date": pd.Timestamp(r.then_as_of),
                "source": r.then_source,
                "method": f"article figure ({r.then_qualifier or 'as quoted'})",
                "metric": "article",
                "qualifier": r.then_qualifier or "",
            }
        )
        if r.now is not None and not pd.isna(r.now):
            rows.append(
                {
                    "framework": r.framework,
                    "claim": r.claim,
                    "label": label,
                    "when": "now (stored)",
                    "value": r.now,
                    "date": pd.Timestamp(r.now_as_of),
                    "source": r.now_source,
                    "method": r.now_method,
                    "metric": r.now_metric,
                    "qualifier": "",
                }
            )
    data = pd.DataFrame(rows)
    fig = go.Figure()
    order = list(dict.fromkeys(data["label"]))
    # A thin line joins a row's two figures; the dots carry their values, each label on its outer side
    # (the smaller value's on the left) so the two never run together.
    for label in order:
        pair = data[data["label"] == label]
        if len(pair) == 2:
            fig.add_trace(
                go.Scatter(
                    x=pair["value"], y=[label, label], mode="lines", line={"color": "#BDBDBD", "width": 2}, orientation="h",
                    showlegend=False, hoverinfo="skip",
                )
            )  # fmt: skip
    for when, color, symbol in (("2020 article", "#757575", "circle-open"), ("now (stored)", "#1565C0", "circle")):
        g = data[data["when"] == when]
        other = {r.label: r.value for r in data[data["when"] != when].itertuples()}
        sides = [
            "middle left" if v <= other.get(lab, float("inf")) else "middle right"
            for lab, v in zip(g["label"], g["value"])
        ]
        if when == "now (stored)":
            sides = [
                "middle right" if v >= other.get(lab, 0) else "middle left" for lab, v in zip(g["label"], g["value"])
            ]
        fig.add_trace(
            go.Scatter(
                x=g["value"],
                y=g["label"],
                mode="markers+text",
                orientation="h",  # one row per claim: the export reserves room for the row labels
                name=when,
                marker={"color": color, "size": 12, "symbol": symbol, "line": {"color": color, "width": 2}},
                text=[f"{QUALIFIER_MARK.get(q, '')}{v:,.0f}" for q, v in zip(g["qualifier"], g["value"])],
                textposition=sides,
                customdata=g[["date", "source"]].astype(str).to_numpy(),
                hovertemplate="%{y}: %{text}<br>as of %{customdata[0]} · %{customdata[1]}<extra>" + when + "</extra>",
            )
        )
    fig.update_layout(
        title=spec.title,
        xaxis_title="count (log scale; dots, not bars: a bar's length means nothing on a log axis)",
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom"},
        height=140 + 46 * len(order),
        margin={"t": 90, "b": 60, "l": 20, "r": 40},
    )
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=order, autorange="reversed", automargin=True)
    text, sources, as_of = caption_for(data)
    chart = Chart(
        spec,
        fig,
        data[["framework", "claim", "when", "metric", "date", "value", "source", "method"]],
        text,
        sources=sources,
        as_of=as_of,
    )
    chart.notes.append(
        "Log scale, always: the figures span two orders of magnitude, so each figure is a dot (hollow: the "
        "article's, with its ≥ / ≤ / ~ as the article worded it; filled: the newest stored). A row without a "
        "filled dot has no live figure collected yet (see the table)."
    )
    return chart


SPECS = [
    ChartSpec(
        "article-then-now",
        "The 2020 article's figures, then vs now",
        ("manual.github_forks",),
        then_vs_now,
        "fwpulse refresh --source github --source stackoverflow",
        view="article-check",
        query=_query,
        time_series=False,
    ),
]
