"""A real `fwpulse dashboard` (or a bare Streamlit app) on a free loopback port, for the browser checks.

Used by tests/dashboard/test_browser.py and perf/dashboard_scale.py: start the server
on a database, wait for Streamlit's health endpoint, stop it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dashboard(
    db_path: Path, app: Path | None = None, streamlit_args: tuple[str, ...] = (), **popen: Any
) -> tuple[subprocess.Popen, str]:
    """`fwpulse dashboard` on ``db_path`` (or ``streamlit run app [streamlit_args]``) on a free port: (process, url)."""
    port = free_port()
    if app is None:
        cmd = [sys.executable, "-m", "fwpulse", "dashboard", "--port", str(port)]
    else:
        cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)]
        cmd += ["--server.headless", "true", "--browser.gatherUsageStats", "false", *streamlit_args]
    proc = subprocess.Popen(cmd, env={**os.environ, "FWPULSE_DB": str(db_path)}, **popen)
    return proc, f"http://127.0.0.1:{port}"


def wait_healthy(url: str, timeout: float = 60.0) -> bool:
    """Poll ``url``'s /_stcore/health until it answers 200 (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                return True
        except OSError:
            time.sleep(0.2)
    return False


def stop(proc: subprocess.Popen) -> None:
    """Terminate the server; kill it if it has not exited within 10 s."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
