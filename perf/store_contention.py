"""How long a dashboard read waits while a refresh writes, and how long the write lock is held.

    .venv/bin/python -m perf.store_contention [runs]

A writer process (refresh_writer.py) stores `runs` source runs shaped like a daily refresh of the
bundled registry (11 frameworks x 8 GitHub counts), each in its own short transaction as the
orchestrator does; a reader process opens short-lived read-only connections in a loop
(as the dashboard does) and records how long each open+query took.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

READER = r"""
import json, sys, time
from pathlib import Path
from fwpulse.data import db
path, seconds = Path(sys.argv[1]), float(sys.argv[2])
end, waits = time.monotonic() + seconds, []
while time.monotonic() < end:
    time.sleep(0.02)  # a busy dashboard: ~30 reads a second
    t0 = time.perf_counter()
    with db.reading(path, max_wait=60) as con:
        con.execute("SELECT metric, count(*) FROM metric_values GROUP BY metric").fetchall()
    waits.append(time.perf_counter() - t0)
waits.sort()
print(json.dumps({"reads": len(waits), "read_max_s": waits[-1], "read_p50_s": waits[len(waits) // 2],
                  "read_p99_s": waits[int(len(waits) * 0.99)]}))
"""


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    from fwpulse.data.bootstrap import ensure_database

    tmp = Path(tempfile.mkdtemp())
    try:
        path = tmp / "bench.duckdb"
        ensure_database(path)
        reader = subprocess.Popen([sys.executable, "-c", READER, str(path), "8"], stdout=subprocess.PIPE, text=True)
        writer = subprocess.run(
            [sys.executable, "-m", "perf.refresh_writer", str(path), "--runs", str(runs)],
            capture_output=True,
            text=True,
            check=True,
        )
        out, _ = reader.communicate()
        w = json.loads(writer.stdout)
        holds = w["holds_s"]
        written = {
            "runs": w["transactions"],
            "rows_per_run": w["rows_per_transaction"],
            "hold_max_s": holds[-1],
            "hold_median_s": holds[len(holds) // 2],
            "writer_open_wait_max_s": w["open_waits_s"][-1],
        }
        print(json.dumps({**written, **json.loads(out)}, indent=2))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
