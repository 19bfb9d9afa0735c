"""The public read API over ``metric_values``: newest values, week thinning, status blocks, CSV of plotted rows.

Every reader (the dashboard, `fwpulse export`, `fwpulse status`) comes here instead of writing its own
SQL: "one row per (framework, metric, date), the newest collection wins" is the ``metric_values``
view's rule, and nothing below re-implements it. What each value is (``quality``, ``details``)
travels with every row returned, so a caller can never drop the flag by accident.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from typing import Any, Iterable

import duckdb
import pandas as pd

from . import catalog, store
from .store import QUALITY

OK = "ok"
# Qualities whose number is not a final, exact value for its date: never shown as one.
NOT_FINAL = ("partial_period", "lower_bound", "upper_bound", "approximate", "degraded_source", "synthetic")
# A series whose newest date is this much older than the newest of the same metric's other series is stale.
STALE_DAYS = 62

# A chart whose data spans more than this many days shows at most one point per series per week.
THIN_AFTER_DAYS = 3 * 365
THIN_NOTE = (
    "Series with several values per week over this long range are thinned to one point per week: the "
    "week's last value for counts at a date (stars, forks, totals), the week's mean for per-period figures "
    "(downloads per day, shares, interest). Narrow the date range to under three years for every stored point."
)

VALUE_COLUMNS = [
    "framework",
    "metric",
    "date",
    "value",
    "source",
    "method",
    "collected_at",
    "source_url",
    "note",
    "run_id",
    "quality",
    "details",
]


# ------------------------------------------------------------------------------------------ quality


def details_dict(details: Any) -> dict[str, Any]:
    """A row's ``details`` as a dict (stored as JSON text; None, NaN or bad JSON give {})."""
    if isinstance(details, dict):
        return details
    if details is None or (isinstance(details, float) and math.isnan(details)):
        return {}
    try:
        value = json.loads(details)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def quality_of(value: Any) -> str:
    """A row's quality flag; missing (older stores, charts' own rows) means ok."""
    return value if isinstance(value, str) and value else OK


def reason(quality: Any, details: Any = None) -> str:
    """Why a value is flagged, in words: ``details.reason`` when the row says, else the vocabulary's text."""
    q = quality_of(quality)
    if q == OK:
        return ""
    said = details_dict(details).get("reason")
    return str(said) if said else QUALITY.get(q, q)


def is_final(quality: Any) -> bool:
    return quality_of(quality) not in NOT_FINAL


# ------------------------------------------------------------------------------------------ values


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params) -> pd.DataFrame:
    # Through Arrow: tens of thousands of text cells as Python objects were slow.
    df = con.sql(sql, params=params).to_arrow_table().to_pandas(date_as_object=False)
    if "date" in df.columns:
        df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ns]")  # one time unit everywhere
    if "quality" in df.columns:
        df["quality"] = df["quality"].fillna(OK)
    return df


def _cols() -> str:
    return ", ".join(c if c != "details" else "details::VARCHAR AS details" for c in VALUE_COLUMNS)


def values(
    con: duckdb.DuckDBPyConnection,
    frameworks: Iterable[str] | None = None,
    metrics: Iterable[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Rows of ``metric_values`` (every column; ``details`` as JSON text), ordered by metric, framework, date."""
    where, params = store._where(frameworks, metrics, start, end)
    return _frame(con, f"SELECT {_cols()} FROM metric_values{where} ORDER BY metric, framework, date", params)


def read_values(
    con: duckdb.DuckDBPyConnection, frameworks, metrics, start=None, end=None, thin: bool = True
) -> tuple[pd.DataFrame, str | None]:
    """Rows of ``metric_values`` for a chart, and :data:`THIN_NOTE` when long dense series were thinned.

    Up to :data:`THIN_AFTER_DAYS` of data: exactly :func:`values`. Over a longer span, one row per series
    and ISO week, aggregated in DuckDB from the view: the week's last value for levels, the mean for
    the rest; a week holding any flagged value carries that flag (its newest one). Series with at most
    one value per week (monthly snapshots, weekly Trends) come out unchanged.
    """
    span_where, span_params = store._where(frameworks, metrics, start, end, semijoin=True)
    span = con.execute(f"SELECT max(date) - min(date) FROM observations{span_where}", span_params).fetchall()[0][0]
    if not thin or span is None or span <= THIN_AFTER_DAYS:
        return values(con, frameworks, metrics, start, end), None
    metrics = list(metrics or catalog.METRICS)
    levels = [m for m in metrics if catalog.is_known(m) and catalog.metric(m).kind == "level"]
    where, params = store._where(frameworks, metrics, start, end)
    level_sql = f"metric IN ({', '.join('?' * len(levels))})" if levels else "FALSE"
    last = ", ".join(
        f"arg_max({c}, date) AS {c}" for c in ("source", "method", "collected_at", "source_url", "note", "run_id")
    )
    sql = f"""
        SELECT framework, metric, max(date) AS date,
               CASE WHEN {level_sql} THEN arg_max(value, date) ELSE avg(value) END AS value, {last},
               coalesce(arg_max(quality, date) FILTER (WHERE quality <> 'ok'), 'ok') AS quality,
               arg_max(details::VARCHAR, date) AS details, count(*) AS points
        FROM metric_values{where}
        GROUP BY framework, metric, date_trunc('week', date)
        ORDER BY metric, framework, date"""
    df = _frame(con, sql, [*levels, *params])
    note = THIN_NOTE if (df["points"] > 1).any() else None
    return df.drop(columns="points"), note


def latest_values(
    con: duckdb.DuckDBPyConnection, frameworks: Iterable[str] | None, metrics: Iterable[str], final: bool = False
) -> pd.DataFrame:
    """The newest row of each (framework, metric) series; with ``final``, its newest ok (final) row.

    The series' newest dates come from one aggregate over the table (no window); the view is then read
    only at those dates (a filter on its partition key, pushed below its window): 4x faster than a
    window over every row of the series, and the view still decides which collection wins."""
    metrics = list(metrics)
    w, p = store._where(frameworks, metrics, None, None, semijoin=True)
    dates = [
        r[0]
        for r in con.execute(f"SELECT DISTINCT max(date) FROM observations{w} GROUP BY framework, metric", p).fetchall()
    ]
    if not dates:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    where, params = store._where(frameworks, metrics, None, None)
    where += (" AND" if where else " WHERE") + f" date IN ({', '.join('?' * len(dates))})"
    df = _frame(
        con,
        f"""SELECT {_cols()} FROM metric_values{where}
                         QUALIFY row_number() OVER (PARTITION BY framework, metric ORDER BY date DESC) = 1
                         ORDER BY metric, framework""",
        [*params, *dates],
    )
    flagged = df[[not is_final(q) for q in df["quality"]]]
    if not final or flagged.empty:
        return df
    # The few series whose newest value is flagged: their newest final row (or none).
    where, params = store._where(sorted(set(flagged["framework"])), sorted(set(flagged["metric"])), None, None)
    where += f" AND quality NOT IN ({', '.join(repr(q) for q in NOT_FINAL)})"
    older = _frame(
        con,
        f"""SELECT {_cols()} FROM metric_values{where}
                            QUALIFY row_number() OVER (PARTITION BY framework, metric ORDER BY date DESC) = 1""",
        params,
    )
    keys = set(zip(flagged["framework"], flagged["metric"]))
    older = older[[k in keys for k in zip(older["framework"], older["metric"])]]
    keep = df[[is_final(q) for q in df["quality"]]]
    return pd.concat([keep, older], ignore_index=True).sort_values(["metric", "framework"]).reset_index(drop=True)


def recent_values(
    con: duckdb.DuckDBPyConnection, frameworks: Iterable[str], metrics: Iterable[str], days: int = 450
) -> pd.DataFrame:
    """Each (framework, metric) series' rows from ``days`` before its newest date onwards.

    Plain filters on ``metric_values`` (DuckDB pushes them below the view's window, so only the selected
    series are read), then a window over that small result; no join against the view.
    """
    fws, ms = list(frameworks), list(metrics)
    if not fws or not ms:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    params = {"fw": fws, "m": ms}
    # The earliest of the series' newest dates (an aggregate, no window): the date filter then reaches the scan.
    oldest_last = con.execute(
        """SELECT min(last) FROM (SELECT max(date) AS last FROM observations
           WHERE framework IN (SELECT unnest($fw)) AND metric IN (SELECT unnest($m)) GROUP BY framework, metric)""",
        params,
    ).fetchall()[0][0]
    if oldest_last is None:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    return _frame(
        con,
        f"""
        SELECT {", ".join(VALUE_COLUMNS)} FROM (
            SELECT {_cols()}, max(date) OVER (PARTITION BY framework, metric) AS last_date
            FROM metric_values
            WHERE list_contains($fw, framework) AND list_contains($m, metric) AND date >= $cut)
        WHERE date >= last_date - INTERVAL {int(days)} DAY
        ORDER BY framework, metric, date""",
        {**params, "cut": oldest_last - dt.timedelta(days=int(days))},
    )


def staleness(latest: pd.DataFrame, days: int = STALE_DAYS) -> pd.DataFrame:
    """Per (framework, metric) of ``latest`` (one row per series): ``stale`` when its newest date is more than
    ``days`` older than the newest date of the same metric's other series, and why (``details.stale_reason``
    or ``details.reason`` of its last row, else a plain sentence)."""
    cols = ["framework", "metric", "date", "newest_other", "stale", "stale_reason"]
    if latest.empty:
        return pd.DataFrame(columns=cols)
    d = (
        latest[["framework", "metric", "date", "details"]].copy()
        if "details" in latest.columns
        else latest[["framework", "metric", "date"]].assign(details=None)
    )
    d["date"] = pd.to_datetime(d["date"])
    d["newest_other"] = d.groupby("metric")["date"].transform("max")
    d["stale"] = d["date"] < d["newest_other"] - pd.Timedelta(days=days)

    def why(r) -> str:
        if not r.stale:
            return ""
        det = details_dict(r.details)
        said = det.get("stale_reason") or det.get("reason")
        return str(said) if said else "no newer value has been stored for this series"

    d["stale_reason"] = [why(r) for r in d.itertuples()]
    return d[cols].reset_index(drop=True)


def flagged_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source, metric and flag: how many stored values are not plain ok, their date span, and one reason."""
    df = _frame(
        con,
        """
        SELECT source, metric, quality, count(*) AS "values", count(DISTINCT framework) AS frameworks,
               min(date) AS first_date, max(date) AS last_date,
               arg_max(details::VARCHAR, date) AS example_reason
        FROM metric_values WHERE quality IS NOT NULL AND quality <> 'ok'
        GROUP BY ALL ORDER BY source, metric, quality""",
        [],
    )
    df["example_reason"] = [reason(q, d) for q, d in zip(df["quality"], df["example_reason"])]
    return df


# ------------------------------------------------------------------------------------------ status


def age_text(ts: Any, now: dt.datetime) -> str | None:
    """'3d' / '5h' since ``ts`` (None for a missing time)."""
    if ts is None or str(ts) in ("NaT", "None", "nan"):
        return None
    delta = now - ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else now - ts
    return f"{delta.days}d" if delta.days >= 1 else f"{int(delta.total_seconds() // 3600)}h"


def _text(v: Any) -> str | None:
    """A JSON-safe text for a timestamp or message (None for NaT/NaN/None: never NaN in strict JSON)."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or str(v) in ("NaT", "None", "nan"):
        return None
    return str(v)


def source_blocks(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> list[dict[str, Any]]:
    """Per source: newest run's status and time, newest success and its age, runs, error, retry-after.

    From the run ledger alone (no row counts: those take seconds on a large store). Every value is
    a str, int or None, so the block is strict JSON."""
    out = []
    for r in store.last_runs(con).to_dict("records"):
        last_ok = _text(r["last_ok_at"])
        out.append(
            {
                "source": r["source"],
                "last_status": r["last_status"],
                "last_finished_at": _text(r["last_finished_at"]),
                "last_ok_at": last_ok,
                "last_ok_age": age_text(r["last_ok_at"], now) if last_ok else None,
                "runs": int(r["runs"]),
                "last_error": _text(r["last_error"]),
                "retry_after": _text(r["retry_after"]),
            }
        )
    return out


# ------------------------------------------------------------------------------------------ CSV


def plotted_csv(data: pd.DataFrame) -> bytes:
    """The one CSV writer (dashboard download and `fwpulse export`): exactly the plotted rows, in the chart's
    column order, each saying its ``quality`` (ok when the row has none) and why (``quality_reason``, right
    after it); ``details`` as JSON; the ``value`` header carries the unit when the chart has one, e.g.
    ``value (stars)``."""
    df = data.copy()
    if "framework" in df.columns or "value" in df.columns:
        q = df["quality"] if "quality" in df.columns else pd.Series([None] * len(df), index=df.index)
        det = df["details"] if "details" in df.columns else pd.Series([None] * len(df), index=df.index)
        df["quality"] = [quality_of(v) for v in q]
        reasons = [reason(a, b) for a, b in zip(df["quality"], det)]
        df = df.drop(columns=[c for c in ("quality_reason",) if c in df.columns])
        df.insert(df.columns.get_loc("quality") + 1, "quality_reason", reasons)
        if "details" in df.columns:
            df["details"] = [None if not details_dict(v) else json.dumps(details_dict(v), sort_keys=True) for v in det]
    if "unit" in df.columns and "value" in df.columns:
        units = df["unit"].dropna().unique()
        if len(units) == 1:
            df = df.rename(columns={"value": f"value ({units[0]})"})
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n", date_format="%Y-%m-%d")
    return buf.getvalue().encode("utf-8")
