"""Wall time of `fwpulse export --all --format png,svg --size 1200x675` on the bundled snapshot.

    .venv/bin/python -m perf.export_speed [runs]

Runs the real command (a fresh process each run, as cron would), on a database built from the
bundled snapshot in a temporary folder, and prints the wall time, the number of images and the
time per image. The whole command is timed: Python start, database read, the single Chromium
start and every render. Target: under 60 s on a 2-core machine. (The CLI is driven as a
subprocess, so this benchmark does not import the dashboard.)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 60.0


def run_once(db: Path, out: Path) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "fwpulse",
            "export",
            "--all",
            "--format",
            "png,svg",
            "--size",
            "1200x675",
            "--scale",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "FWPULSE_DB": str(db)},
    )
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        sys.exit(f"export failed ({res.returncode}): {res.stderr.strip()}")
    files = json.loads((out / "manifest.json").read_text())["files"]
    images = sum(1 for e in files if e["format"] in ("png", "svg"))
    charts = len({e["chart"] for e in files})
    return wall, images, charts


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory(prefix="fwpulse-export-bench-") as tmp:
        db = Path(tmp) / "fwpulse.duckdb"
        subprocess.run(
            [sys.executable, "-m", "fwpulse", "status"],
            capture_output=True,
            check=True,
            env={**os.environ, "FWPULSE_DB": str(db)},
        )  # builds the DB outside the timing
        walls = []
        for i in range(runs):
            wall, images, charts = run_once(db, Path(tmp) / f"out{i}")
            walls.append(wall)
            print(
                f"run {i + 1}: {wall:.1f} s for {images} images of {charts} charts "
                f"({wall / images:.2f} s per image, process start and Chromium start included)"
            )
    best, median = min(walls), statistics.median(walls)
    print(
        f"export --all png+svg 1200x675 (scale 2), {images} images: median {median:.1f} s, best {best:.1f} s, "
        f"{median / images:.2f} s per image; target < {TARGET_S:.0f} s: {'met' if median < TARGET_S else 'MISSED'} "
        f"({os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
