"""View queries that are not charts: Overview cards, the Article check table, Data health tables.

Pure functions (read-only connection or DataFrames in, DataFrames out; no Streamlit), so the
scale benchmark (benchmarks/perf/dashboard_scale.py) times exactly what the views run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Iterable

import duckdb
import pandas as pd

from fwpulse.data import catalog, read

# ---------------------------------------------------------------------------------------- overview

CARD_METRICS = (
    "github.stars",
    "github.forks",
    "github.open_issues",
    "github.open_issues_incl_prs",
    "stackoverflow.questions_total",
    "pypi.downloads_monthly",
)
CARD_FILL = {
    "github.stars": "fwpulse refresh --source github",
    "github.forks": "fwpulse refresh --source github",
    "github.open_issues": "fwpulse refresh --source github",
    "stackoverflow.questions_total": "fwpulse refresh --source stackoverflow",
    "pypi.downloads_monthly": "fwpulse refresh --source pypi",
}


def _near(g: pd.DataFrame, target: pd.Timestamp, tolerance: pd.Timedelta) -> pd.Series | None:
    """The row closest to ``target`` within ``tolerance`` (None when there is none)."""
    if g.empty:
        return None
    gap = (g["date"] - target).abs()
    i = gap.idxmin()
    return g.loc[i] if gap.loc[i] <= tolerance else None


CARD_COLUMNS = [
    "framework",
    "metric",
    "date",
    "value",
    "source",
    "method",
    "quality",
    "value_30d",
    "date_30d",
    "change_30d",
    "value_365d",
    "date_365d",
    "change_365d",
    "newer_date",
    "newer_value",
    "newer_quality",
    "newer_reason",
    "stale",
    "stale_reason",
    "newest_other",
]


def overview_cards(recent: pd.DataFrame) -> pd.DataFrame:
    """Per framework and card metric: the newest FINAL value, its date, and the change over 30 and 365 days.

    A partial, bounded, approximate or synthetic value is never a card's figure nor either end of a
    change: the card shows the newest ok value and names the newer flagged one (``newer_*``, with
    its reason). A change compares with the final value closest to (as of - N days), within N/5 + 3
    days, so monthly series compare with the month before and a gap gives no change rather than a
    change over a different period. ``stale``: the series' newest value is much older than the same
    metric's newest for the other frameworks (:func:`fwpulse.data.read.staleness`), with the reason.
    """
    rows = []
    if recent.empty:
        return pd.DataFrame(columns=CARD_COLUMNS)
    recent = recent.assign(quality=[read.quality_of(q) for q in recent.get("quality", [None] * len(recent))])
    if "details" not in recent.columns:
        recent = recent.assign(details=None)
    newest = []
    for _, g in recent.sort_values("date").groupby(["framework", "metric"], sort=False):
        final = g[[read.is_final(q) for q in g["quality"]]]
        newest.append(g.iloc[-1])
        last = final.iloc[-1] if not final.empty else g.iloc[-1]
        row = {c: last[c] for c in ["framework", "metric", "date", "value", "source", "method", "quality"]}
        after = g[g["date"] > last["date"]]
        if not after.empty:
            n = after.iloc[-1]
            row.update(
                newer_date=n["date"],
                newer_value=n["value"],
                newer_quality=n["quality"],
                newer_reason=read.reason(n["quality"], n["details"]),
            )
        for days in (30, 365):
            prev = None
            if not final.empty:
                prev = _near(
                    final[final["date"] < last["date"]],
                    last["date"] - pd.Timedelta(days=days),
                    pd.Timedelta(days=days // 5 + 3),
                )
            row[f"value_{days}d"] = prev["value"] if prev is not None else None
            row[f"date_{days}d"] = prev["date"] if prev is not None else None
            row[f"change_{days}d"] = (
                (last["value"] - prev["value"]) if prev is not None and read.is_final(last["quality"]) else None
            )
        rows.append(row)
    stale = read.staleness(pd.DataFrame(newest)).set_index(["framework", "metric"])
    for row in rows:
        s = stale.loc[(row["framework"], row["metric"])]
        row.update(stale=bool(s["stale"]), stale_reason=s["stale_reason"], newest_other=s["newest_other"])
    return pd.DataFrame(rows, columns=CARD_COLUMNS)


# ---------------------------------------------------------------------------------------- article check

ARTICLE_SOURCE = "Iflexion"
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
    then = then[then["source"].str.contains(ARTICLE_SOURCE, na=False)]
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
    from fwpulse.dashboard.charts_speed import newest_runs

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


# ---------------------------------------------------------------------------------------- data health


def rate_budgets(runs: pd.DataFrame) -> pd.DataFrame:
    """Per source, the newest run's rate-limit facts from the ledger's ``details`` JSON and retry_after."""
    cols = ["source", "run_id", "finished_at", "budget", "retry_after"]
    if runs.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for source, g in runs.sort_values("run_id", ascending=False).groupby("source", sort=True):
        last = g.iloc[0]
        details = last.get("details")
        try:
            d = json.loads(details) if isinstance(details, str) else (details or {})
        except ValueError:
            d = {}
        parts = []
        rl = d.get("rate_limit") or {}
        if rl:
            parts.append(
                f"GitHub GraphQL: {rl.get('remaining')} points left (this run cost {rl.get('cost')}), "
                f"resets {rl.get('resetAt')}"
            )
        if d.get("quota_remaining") is not None:
            parts.append(
                f"Stack Exchange quota: {d['quota_remaining']} of {d.get('quota_max', '?')} requests left today"
            )
        if d.get("search_waited_s"):
            parts.append(f"waited {d['search_waited_s']} s for the GitHub search limit (30/min)")
        if d.get("mode"):
            parts.append(f"mode {d['mode']}")
        if d.get("stopped"):
            parts.append(f"stopped early: {d['stopped']}")
        if "api_key" in d:
            parts.append("with API key" if d["api_key"] else "without API key")
        ra = last.get("retry_after")
        rows.append(
            {
                "source": source,
                "run_id": int(last["run_id"]),
                "finished_at": last.get("finished_at"),
                "budget": "; ".join(parts) or "no rate-limit information recorded",
                "retry_after": None if ra is None or pd.isna(ra) else ra,
            }
        )
    return pd.DataFrame(rows, columns=cols)


# (pattern in the stored error, plain explanation with the next step)
_PLAIN = [
    (  # first: a "cannot reach HOST:PORT" line can hold digits that look like a status
        r"cannot reach|connection refused|dns lookup failed",
        "The service could not be reached (network or DNS). Check the connection or the FWPULSE_*_URL setting.",
    ),
    (
        r"rate.?limit|\b403\b|\b429\b|quota",
        "The service's rate limit ran out. fwpulse stopped instead of waiting; the run's "
        "retry-after says when to try again (a GITHUB_TOKEN or STACKEXCHANGE_KEY raises the limit).",
    ),
    (
        r"401|bad credentials|unauthori[sz]ed|api key",
        "The service refused the credentials: check the token or key "
        "in the environment (for cron: ~/.config/fwpulse/env).",
    ),
    (r"timed? ?out|timeout", "The service did not answer in time. Usually temporary: run the refresh again later."),
    (
        r"connection|resolve|name or service|network|unreachable",
        "The service could not be reached (network or DNS). Check the connection or the FWPULSE_*_URL setting.",
    ),
    (
        r"5\d\d|server error|bad gateway|unavailable",
        "The service had an internal error. Usually temporary: run the refresh again later.",
    ),
    (
        r"404|not found",
        "The service does not know a configured name (repository, tag, package or DOI): check "
        "data/frameworks.toml (or FWPULSE_CONFIG).",
    ),
    (r"lock|busy", "Another process held the database. Another refresh was probably running; it retries with backoff."),
]


def plain_error(error: str | None, status: str | None = None) -> str:
    """One sentence a non-engineer can act on, for a stored run error."""
    if not error or (isinstance(error, float) and pd.isna(error)):
        return "" if status in (None, "ok") else f"Run {status} without an error message."
    text = str(error)
    for pattern, plain in _PLAIN:
        if re.search(pattern, text, re.IGNORECASE):
            return plain
    return (
        "Unexpected error: the ledger keeps the full message; run `fwpulse refresh --source <source>` to see it again."
    )


def source_status(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> dict[str, Any]:
    """The ``sources`` block `fwpulse status` reports (:func:`fwpulse.data.read.source_blocks`), from the
    run ledger alone: collect_status also counts every stored row, which takes seconds on a large store."""
    return {"sources": read.source_blocks(con, now)}


def freshness(status_info: dict[str, Any], now: dt.datetime) -> pd.DataFrame:
    """Freshness per source (``sources`` as :func:`source_status` / ``collect_status`` give them), with a plain verdict."""
    cols = ["source", "last status", "last ok", "age", "verdict", "runs", "retry after", "last error"]
    rows = []
    for s in status_info.get("sources", []):
        last_ok = pd.to_datetime(s["last_ok_at"]) if s.get("last_ok_at") else None
        age_days = (now - last_ok.to_pydatetime()).days if last_ok is not None else None
        if s["source"] == "snapshot":
            verdict = "bundled offline dataset (static)"
        elif age_days is None:
            verdict = "never succeeded"
        elif age_days <= 2:
            verdict = "fresh"
        elif age_days <= 14:
            verdict = "getting old: schedule `fwpulse refresh` (see `fwpulse schedule`)"
        else:
            verdict = "stale: run `fwpulse refresh`"
        rows.append(
            {
                "source": s["source"],
                "last status": s["last_status"],
                "last ok": s.get("last_ok_at"),
                "age": s.get("last_ok_age"),
                "verdict": verdict,
                "runs": s.get("runs"),
                "retry after": s.get("retry_after"),
                "last error": plain_error(s.get("last_error"), s["last_status"]),
            }
        )
    return pd.DataFrame(rows, columns=cols)


NEVER_COLLECTED = {
    "github": "fwpulse refresh --source github",
    "stackoverflow": "fwpulse refresh --source stackoverflow",
    "trends": "fwpulse refresh --source trends",
    "pypi": "fwpulse refresh --source pypi",
    "citations": "fwpulse refresh --source citations",
}


def metric_label(metric_id: str) -> str:
    return catalog.metric(metric_id).label
