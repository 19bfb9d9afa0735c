"""Export files on disk: atomic writes and ``manifest.json``, merged across runs under a folder lock.

The manifest says what each file holds: chart, sources, data as of, alt text, quality flags, sha256.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from fwpulse.dashboard.export.options import alt_name
from fwpulse.dashboard.export.theme import chart_title, footer_text, shown_as
from fwpulse.data.quality import OK, quality_of, reason

MANIFEST = "manifest.json"


def _date_range(chart) -> dict:
    df = chart.data
    if df is None or df.empty or "date" not in df.columns or df["date"].isna().all():
        return {"from": None, "to": None}
    d = pd.to_datetime(df["date"])
    return {"from": str(d.min().date()), "to": str(d.max().date())}


FLAGGED_LISTED = 50  # flagged rows listed per chart in the manifest (the CSV has every row's flag)


def quality_entry(chart) -> dict:
    """The manifest's quality facts: plotted rows per quality flag, and the flagged rows with their reason."""
    df = chart.data
    if df is None or df.empty or not ({"framework", "value"} & set(df.columns)):
        return {"quality": {}, "flagged": []}
    q = [quality_of(v) for v in (df["quality"] if "quality" in df.columns else [None] * len(df))]
    det = df["details"] if "details" in df.columns else [None] * len(df)
    counts = {k: q.count(k) for k in dict.fromkeys(sorted(q))}
    flagged = []
    for i, (quality, details) in enumerate(zip(q, det)):
        if quality != OK and len(flagged) < FLAGGED_LISTED:
            row = df.iloc[i]
            flagged.append(
                {
                    "framework": row.get("framework"),
                    "metric": row.get("metric"),
                    "date": str(pd.Timestamp(row["date"]).date()) if pd.notna(row.get("date")) else None,
                    "value": float(row["value"]) if pd.notna(row.get("value")) else None,
                    "quality": quality,
                    "reason": reason(quality, details),
                }
            )
    return {"quality": counts, "flagged": flagged}


def _frameworks(chart) -> list[str]:
    if chart.data is None or "framework" not in chart.data.columns:
        return []
    return list(dict.fromkeys(chart.data["framework"].dropna()))


def chart_entry(chart, theme: str, options, alt: str) -> dict:
    """What every manifest entry of ``chart`` says, whatever the file's format: title, theme, frameworks, date
    range (plotted and requested), what was done to the values, sources, data as of, footer, alt text, notes,
    quality."""
    return {
        "chart": chart.spec.id,
        "title": chart_title(chart),
        "theme": theme,
        "frameworks": _frameworks(chart),
        "date_range": _date_range(chart),
        "requested_range": {
            "from": str(options.start) if options and options.start else None,
            "to": str(options.end) if options and options.end else None,
        },
        "caveat": chart.caveat,
        "shown_as": shown_as(chart, options),
        "sources": list(chart.sources),
        "data_as_of": str(chart.as_of) if chart.as_of else None,
        "footer": footer_text(chart),
        "alt_text": alt,
        "alt_file": alt_name(chart.spec.id, theme),
        "notes": list(chart.notes),
        **quality_entry(chart),
    }


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary name in the same folder, fsync, then rename over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _locked(directory: Path):
    """Serialise manifest updates of concurrent exports into the same folder (lock on the folder itself)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def read_manifest(out_dir: Path) -> dict:
    path = Path(out_dir) / MANIFEST
    try:
        data = json.loads(path.read_text())
        if isinstance(data, dict) and isinstance(data.get("files"), list):
            return data
    except (OSError, ValueError):
        pass
    return {"files": []}


def write_files(out_dir: Path, items: list, version: str = "") -> dict:
    """Write ``items`` atomically and merge their entries into ``manifest.json``; returns the manifest."""
    out_dir = Path(out_dir)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    with _locked(out_dir):
        for item in items:
            atomic_write(out_dir / item.file, item.data)
        old = read_manifest(out_dir)
        ours = {item.file for item in items}
        kept = [
            e
            for e in old["files"]
            if isinstance(e, dict) and e.get("file") not in ours and (out_dir / str(e.get("file"))).is_file()
        ]
        fresh = [{**item.entry, "exported_at": now} for item in items]
        manifest = {
            "generator": f"fwpulse {version}".strip(),
            "updated_at": now,
            "files": sorted(kept + fresh, key=lambda e: e["file"]),
        }
        atomic_write(out_dir / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return manifest
