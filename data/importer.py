"""`fwpulse import FILE.csv`: dated manual figures (framework,metric,value,as_of,source_url,note).

The whole file is validated first; any bad row stops the import with every problem listed by
line number, and nothing is written. A good file is written in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from pathlib import Path

import duckdb

from .catalog import MANUAL_PREFIX
from .registry import Registry
from .store import Observation, RunRecord, WriteResult, record_run, utcnow

COLUMNS = ["framework", "metric", "value", "as_of", "source_url", "note"]
REQUIRED = ["framework", "metric", "value", "as_of", "source_url"]
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class ImportFileError(ValueError):
    """The CSV cannot be imported; the message lists the problems by line."""


def _metric_id(raw: str) -> str:
    name = raw.strip().lower()
    if name.startswith(MANUAL_PREFIX):
        name = name[len(MANUAL_PREFIX):]
    if not NAME_RE.match(name):
        raise ValueError(f"metric {raw!r} must be a name like 'github_forks' (letters, digits, '_'); "
                         "it is stored as manual.<name>")
    return MANUAL_PREFIX + name


def parse_import(path: Path, registry: Registry, today: dt.date | None = None) -> list[Observation]:
    path = Path(path)
    today = today or dt.date.today()
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise ImportFileError(f"{path}: line 1: missing column(s) {', '.join(missing)}; "
                                      f"expected header: {','.join(COLUMNS)}")
            rows = [(i, {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}) for i, row in
                    enumerate(reader, start=2)]
    except FileNotFoundError:
        raise ImportFileError(f"{path}: file not found") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFileError(f"{path}: not a readable UTF-8 CSV ({exc})") from None
    if not rows:
        raise ImportFileError(f"{path}: no data rows after the header")

    frameworks = registry.by_name()
    problems: list[str] = []
    out: list[Observation] = []
    seen: dict[tuple[str, str, dt.date], int] = {}
    for line, row in rows:
        try:
            fw = frameworks.get(row.get("framework", "").lower())
            if fw is None:
                raise ValueError(f"framework {row.get('framework')!r} is not in the registry "
                                 f"(known: {', '.join(registry.ids())})")
            metric = _metric_id(row.get("metric", ""))
            try:
                value = float(row.get("value", "").replace(",", ""))
            except ValueError:
                raise ValueError(f"value {row.get('value')!r} is not a number") from None
            if not math.isfinite(value):
                raise ValueError(f"value {row.get('value')!r} is not a finite number")
            try:
                as_of = dt.date.fromisoformat(row.get("as_of", ""))
            except ValueError:
                raise ValueError(f"as_of {row.get('as_of')!r} is not a date (YYYY-MM-DD)") from None
            if as_of > today:
                raise ValueError(f"as_of {as_of} is in the future")
            url = row.get("source_url", "")
            if not re.match(r"^https?://[^\s/]+", url):
                raise ValueError("source_url must be an http(s) URL naming where the figure comes from")
            key = (fw.id, metric, as_of)
            if key in seen:
                raise ValueError(f"same framework, metric and as_of as line {seen[key]}")
            seen[key] = line
            out.append(Observation(fw.id, metric, as_of, value, f"manual import: {url.split('/')[2]}",
                                   f"figure imported with fwpulse import from {path.name}", url,
                                   row.get("note") or None))
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
    if problems:
        shown = problems[:10] + ([f"... and {len(problems) - 10} more"] if len(problems) > 10 else [])
        raise ImportFileError(f"{path}: {len(problems)} bad row(s), nothing imported; fix and re-run: " + "; ".join(shown))
    return out


def import_csv(con: duckdb.DuckDBPyConnection, path: Path, registry: Registry) -> WriteResult:
    observations = parse_import(path, registry)
    now = utcnow()
    run = RunRecord("import", started_at=now, finished_at=now, details={"file": Path(path).name,
                                                                        "rows": len(observations)})
    return record_run(con, run, observations)
