"""The environment fingerprint every result row carries (machine side).

Each worker adds its framework versions and resolved policies.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpus() -> list[dict[str, str]]:
    """GPUs as nvidia-smi lists them (name, driver, memory); [] without nvidia-smi or a GPU."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run(
            [exe, "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) >= 3:
            found.append({"name": parts[0], "driver": parts[1], "memory": parts[2]})
    return found


def git_revision() -> str | None:
    try:
        rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "benchmarks"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (rev + ("+dirty(benchmarks)" if dirty else "")) if rev else None


def machine_fingerprint(*, device: str, cpus: list[int], threads: int) -> dict[str, Any]:
    from fwpulse import __version__
    from fwpulse.benchmarks.speed.common import LOGGED_ENV
    from fwpulse.benchmarks.speed.spec import C
    from fwpulse.benchmarks.speed.worker_proc import worker_env

    env = worker_env(C["torch-eager"], device, threads, "<fresh temp dir per worker>")
    g = gpus()
    mem = None
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    return {
        "timestamp": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "fwpulse": __version__,
        "git_revision": git_revision(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "affinity": cpus,
        "threads": threads,
        "memory_bytes": mem,
        "device": device,
        "gpus": g,
        "gpu_name": g[0]["name"] if g else None,
        "driver": g[0]["driver"] if g else None,
        "loadavg_start": list(os.getloadavg()),
        "worker_env": {k: env[k] for k in LOGGED_ENV if k in env},
        "torchinductor_cache": "fresh temp dir per worker (cold compiles)",
    }


def cuda_available() -> bool:
    return bool(gpus())
