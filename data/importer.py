"""`fwpulse import FILE.csv`: dated manual figures (framework,metric,value,as_of,source_url,note).

The whole file is validated first; any bad row stops the import with every problem listed by
line number, and nothing is written. A good file is written in one transaction.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import math
import re
from pathlib import Path

import duckdb

from fwpulse.data.catalog import MANUAL_PREFIX
from fwpulse.data.registry import Registry
from fwpulse.data.store import Observation, RunRecord, WriteResult, record_run, utcnow

COLUMNS = ["framework", "metric", "value", "as_of", "source_url", "note"]
REQUIRED = ["framework", "metric", "value", "as_of", "source_url"]
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")

IMPORT_METHOD = "figure imported with fwpulse import"  # the file and line go to details


class ImportFileError(ValueError):
    """The CSV cannot be imported; the message lists the problems by line."""


def _metric_id(raw: str) -> str:
    name = raw.strip().lower()
    if name.startswith(MANUAL_PREFIX):
        name = name[len(MANUAL_PREFIX) :]
    if not NAME_RE.match(name):
        raise ValueError(
            f"metric {raw!r} must be a name like 'github_forks' (letters, digits, '_'); it is stored as manual.<name>"
        )
    return MANUAL_PREFIX + name


def parse_import(path: Path, registry: Registry, today: dt.date | None = None) -> list[Observation]:
    path = Path(path)
    today = today or dt.date.today()
    problems: list[str] = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            header, rows, problems = _read_records(path, fh)
    except FileNotFoundError:
        raise ImportFileError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path}: is a directory, not a CSV file") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise ImportFileError(f"{path}: not a readable UTF-8 CSV ({exc})") from None
    if not rows and not problems:
        raise ImportFileError(f"{path}: no data rows after the header")

    frameworks = registry.by_name()
    out: list[Observation] = []
    seen: dict[tuple[str, str, dt.date], int] = {}
    for line, row in rows:
        errors = _row_problems(row, frameworks, registry, today)
        if isinstance(errors, Observation):
            obs = errors
            key = (obs.framework, obs.metric, obs.date)
            if key in seen:
                errors = [f"same framework, metric and as_of as line {seen[key]}"]
            else:
                seen[key] = line
                out.append(dataclasses.replace(obs, method=IMPORT_METHOD, details={"file": path.name, "line": line}))
                continue
        problems.append(f"line {line}: " + "; ".join(errors))
    if problems:
        problems.sort(key=lambda p: int(re.match(r"lines? (\d+)", p).group(1)))
        raise ImportFileError(
            f"{path}: {len(problems)} bad row(s), nothing imported; fix and re-run: " + " | ".join(problems)
        )
    return out


def _read_records(path: Path, fh) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[str]]:
    """(header, [(line, row)], problems). Each physical line is one record, parsed on its own, so an
    unterminated quote is an error on its line and cannot swallow the lines after it; a line with
    more fields than the header (or missing a required one) is an error too, never a merged row."""
    lines = re.split(r"\r\n|\r|\n", fh.read())
    if lines and lines[-1] == "":
        lines.pop()

    def parse(number: int, line: str) -> list[str]:
        if "\x00" in line:
            raise csv.Error("line contains NUL")
        if len(line) > 100_000:
            raise csv.Error("line longer than 100000 characters")
        return next(csv.reader([line], strict=True), [])

    try:
        header = [h.strip() for h in parse(1, lines[0])] if lines else []
    except csv.Error as exc:
        raise ImportFileError(f"{path}: line 1: not a readable CSV header ({exc})") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(
            f"{path}: line 1: missing column(s) {', '.join(missing)}; expected header: {','.join(COLUMNS)}"
        )
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue  # blank line
        try:
            record = parse(number, line)
        except csv.Error as exc:
            problems.append(
                f"line {number}: malformed CSV ({exc}): an unterminated or stray quote? Each figure must be on one line"
            )
            continue
        if len(record) > len(header) or any(h in REQUIRED for h in header[len(record) :]):
            problems.append(
                f"line {number}: {len(record)} fields, but the header has {len(header)} "
                f"({','.join(header)}); quote fields that contain commas"
            )
            continue
        rows.append((number, {h: v.strip() for h, v in zip(header, record)}))
    return header, rows, problems


def _row_problems(row: dict[str, str], frameworks, registry: Registry, today: dt.date) -> Observation | list[str]:
    """The row as an Observation, or every problem it has."""
    errors: list[str] = []
    fw = frameworks.get(row.get("framework", "").lower())
    if fw is None:
        errors.append(f"framework {row.get('framework')!r} is not in the registry (known: {', '.join(registry.ids())})")
    metric = None
    try:
        metric = _metric_id(row.get("metric", ""))
    except ValueError as exc:
        errors.append(str(exc))
    value = None
    raw_value = row.get("value", "")
    try:
        value = float(raw_value.replace(",", "")) if "_" not in raw_value else None
    except ValueError:
        pass
    if value is None:
        errors.append(f"value {raw_value!r} is not a number")
    elif not math.isfinite(value):
        errors.append(f"value {raw_value!r} is not a finite number")
    elif value < 0:  # every manual figure counts something: forks, issues, questions, downloads, users
        errors.append(f"value {raw_value!r} is negative; a quoted count (forks, issues, questions, ...) is 0 or more")
    as_of = None
    try:
        as_of = dt.date.fromisoformat(row.get("as_of", ""))
    except ValueError:
        errors.append(f"as_of {row.get('as_of')!r} is not a date (YYYY-MM-DD)")
    if as_of is not None and as_of > today:
        errors.append(f"as_of {as_of} is in the future")
    url = row.get("source_url", "")
    if not re.match(r"^https?://[^\s/]+", url):
        errors.append("source_url must be an http(s) URL naming where the figure comes from")
    if errors:
        return errors
    return Observation(
        fw.id, metric, as_of, value, f"manual import: {url.split('/')[2]}", "", url, row.get("note") or None
    )


def import_csv(con: duckdb.DuckDBPyConnection, path: Path, registry: Registry) -> WriteResult:
    observations = parse_import(path, registry)
    now = utcnow()
    run = RunRecord(
        "import", started_at=now, finished_at=now, details={"file": Path(path).name, "rows": len(observations)}
    )
    return record_run(con, run, observations)
