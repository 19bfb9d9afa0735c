"""The Data health view's queries: freshness per source, rate-limit budgets, run errors in plain words.

Pure (a read-only connection or DataFrames in, DataFrames out; no Streamlit), so the scale benchmark
(perf/dashboard_scale.py) times exactly what the view runs.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import duckdb
import pandas as pd

from fwpulse.data import ledger
from fwpulse.data.quality import details_dict


def rate_budgets(runs: pd.DataFrame) -> pd.DataFrame:
    """Per source, the newest run's rate-limit facts from the ledger's ``details`` JSON and retry_after."""
    cols = ["source", "run_id", "finished_at", "budget", "retry_after"]
    if runs.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for source, g in runs.sort_values("run_id", ascending=False).groupby("source", sort=True):
        last = g.iloc[0]
        d = details_dict(last.get("details"))
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
    """The ``sources`` block `fwpulse status` reports (:func:`fwpulse.data.ledger.source_blocks`), from the
    run ledger alone: collect_status also counts every stored row, which takes seconds on a large store."""
    return {"sources": ledger.source_blocks(con, now)}


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
    "clickpy": "fwpulse refresh --source clickpy --backfill",
    "gharchive": "fwpulse refresh --source gharchive --backfill",
    "research": "fwpulse refresh --source research",
    "hfhub": "fwpulse refresh --source hfhub --backfill",
}
