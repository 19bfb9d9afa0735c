"""The one read API: values of ``metric_values`` (newest, week-thinned, recent), history, events, the ledger, CSV.

Every reader (the dashboard, `fwpulse export`, `fwpulse status`) comes here instead of writing its own
SQL: "one row per (framework, metric, date), the newest collection wins" is the ``metric_values``
view's rule, and nothing below re-implements it. What each value is (``quality``, ``details``)
travels with every row returned, so a caller can never drop the flag by accident. The quality helpers
(:mod:`fwpulse.data.quality`) and the run-ledger reads (:mod:`fwpulse.data.ledger`) live in their own
modules, and callers import them from there: nothing is re-exported here.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any, Iterable

import duckdb
import pandas as pd

from fwpulse.data import catalog
from fwpulse.data.quality import NOT_FINAL, OK, details_dict, is_article_2020, is_final, quality_of, reason

# A chart whose data spans more than this many days shows at most one point per series per week,
THIN_AFTER_DAYS = 3 * 365
# when one of its series has more than this many points per week on average (daily data, not a monthly series).
DENSE = 1.5
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


# ------------------------------------------------------------------------------------------ values


def _where(
    frameworks: Iterable[str] | None,
    metrics: Iterable[str] | None,
    start: dt.date | None,
    end: dt.date | None,
    semijoin: bool = False,
) -> tuple[str, list[Any]]:
    # Literal IN lists: DuckDB pushes them below the metric_values window and into the scan's
    # min/max pruning; an IN (SELECT unnest(?)) semi-join is not pushed through the window, and a
    # GROUP BY over the view then computes the window over every stored row (seconds at 5M rows).
    # ``semijoin`` (IN (SELECT unnest(?))) is the faster form for aggregates straight over the
    # observations table (DuckDB builds a join filter), and must never be used on metric_values.
    clauses, params = [], []
    for column, chosen in (("framework", frameworks), ("metric", metrics)):
        if chosen and semijoin:
            clauses.append(f"{column} IN (SELECT unnest(?))")
            params.append(list(chosen))
        elif chosen:
            chosen = list(chosen)
            clauses.append(f"{column} IN ({', '.join('?' * len(chosen))})")
            params.extend(chosen)
    if start:
        clauses.append("date >= ?")
        params.append(start)
    if end:
        clauses.append("date <= ?")
        params.append(end)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


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
    where, params = _where(frameworks, metrics, start, end)
    return _frame(con, f"SELECT {_cols()} FROM metric_values{where} ORDER BY metric, framework, date", params)


def series_values(
    con: duckdb.DuckDBPyConnection, frameworks: Iterable[str] | None, metrics: Iterable[str]
) -> pd.DataFrame:
    """framework, metric, date, value, quality of whole series: what a scan of the numbers needs (shifts.py),
    without the text columns (a third of the time at 5.5 M rows)."""
    where, params = _where(frameworks, metrics, None, None)
    sql = f"SELECT framework, metric, date, value, quality FROM metric_values{where} ORDER BY metric, framework, date"
    return _frame(con, sql, params)


def read_values(
    con: duckdb.DuckDBPyConnection, frameworks, metrics, start=None, end=None, thin: bool = True
) -> tuple[pd.DataFrame, str | None]:
    """Rows of ``metric_values`` for a chart, and :data:`THIN_NOTE` when long dense series were thinned.

    Up to :data:`THIN_AFTER_DAYS` of data: exactly :func:`values`. Over a longer span, one row per series
    and ISO week, aggregated in DuckDB from the view: the week's last value for levels, the mean for
    the rest; a week holding any flagged value carries that flag (its newest one). Series with at most
    one value per week (monthly snapshots, weekly Trends) come out unchanged.
    """
    span_where, span_params = _where(frameworks, metrics, start, end, semijoin=True)
    span = con.execute(f"SELECT max(date) - min(date) FROM observations{span_where}", span_params).fetchall()[0][0]
    if not thin or span is None or span <= THIN_AFTER_DAYS:
        return values(con, frameworks, metrics, start, end), None
    metrics = list(metrics or catalog.METRICS)
    levels = [m for m in metrics if catalog.is_known(m) and catalog.metric(m).kind == "level"]
    where, params = _where(frameworks, metrics, start, end)
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
    if df.empty or df.groupby(["framework", "metric"])["points"].mean().max() <= DENSE:
        # weekly or sparser series (a snapshot of a month's downloads taken twice in one week is not a daily
        # series): every stored point, no thinning, no note
        return values(con, frameworks, metrics, start, end), None
    return df.drop(columns="points"), THIN_NOTE


def latest_values(
    con: duckdb.DuckDBPyConnection, frameworks: Iterable[str] | None, metrics: Iterable[str], final: bool = False
) -> pd.DataFrame:
    """The newest row of each (framework, metric) series; with ``final``, its newest ok (final) row.

    The series' newest dates come from one aggregate over the table (no window); the view is then read
    only at those dates (a filter on its partition key, pushed below its window): 4x faster than a
    window over every row of the series, and the view still decides which collection wins."""
    metrics = list(metrics)
    w, p = _where(frameworks, metrics, None, None, semijoin=True)
    dates = [
        r[0]
        for r in con.execute(f"SELECT DISTINCT max(date) FROM observations{w} GROUP BY framework, metric", p).fetchall()
    ]
    if not dates:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    where, params = _where(frameworks, metrics, None, None)
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
    where, params = _where(sorted(set(flagged["framework"])), sorted(set(flagged["metric"])), None, None)
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


def history(
    con: duckdb.DuckDBPyConnection, frameworks: Iterable[str] | None = None, metrics: Iterable[str] | None = None
) -> pd.DataFrame:
    where, params = _where(frameworks, metrics, None, None)
    return con.execute(f"SELECT * FROM observations{where} ORDER BY metric, framework, date, collected_at", params).df()


def events(
    con: duckdb.DuckDBPyConnection, frameworks: Iterable[str] | None = None, kind: str = "release"
) -> pd.DataFrame:
    where, params = _where(frameworks, None, None, None)
    where = (where + " AND" if where else " WHERE") + " kind = ?"
    return con.execute(f"SELECT * FROM events{where} ORDER BY date", [*params, kind]).df()


def row_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """SELECT source, framework, metric, count(*) AS rows, min(date) AS first_date, max(date) AS last_date
           FROM metric_values GROUP BY ALL ORDER BY source, framework, metric"""
    ).df()


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


def article_2020_rows(values: pd.DataFrame, metric: str | None = None) -> pd.DataFrame:
    """The rows (of ``metric``, when given) that are the 2020 article's figures (flagged in ``details``, not found
    by name)."""
    rows = values[values["metric"] == metric] if metric is not None and not values.empty else values
    if rows.empty or "details" not in rows.columns:
        return rows.iloc[0:0]
    return rows[[is_article_2020(d) for d in rows["details"]]]
