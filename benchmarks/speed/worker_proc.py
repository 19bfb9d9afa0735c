"""Worker processes for the benchmark harness: their environment, and commands as JSON lines with timeouts."""

from __future__ import annotations

import dataclasses
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from fwpulse.benchmarks.speed.spec import Contender

TIMEOUTS = {"init": 300.0, "setup": 900.0, "repeat": 300.0, "finish": 60.0}


class WorkerFailed(RuntimeError):
    pass


def worker_env(contender: Contender, device: str, threads: int, cache_dir: str) -> dict[str, str]:
    """The environment a worker starts with (set before any framework is imported)."""
    env = dict(os.environ)
    t = str(threads)
    env.update(
        {
            "OMP_NUM_THREADS": t,
            "MKL_NUM_THREADS": t,
            "OPENBLAS_NUM_THREADS": t,
            "TF_NUM_INTRAOP_THREADS": t,
            "TF_NUM_INTEROP_THREADS": "1",
            "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
            "TF_FORCE_GPU_ALLOW_GROWTH": "true",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "JAX_ENABLE_COMPILATION_CACHE": "false",
            "TORCHINDUCTOR_CACHE_DIR": cache_dir,
            "TORCHINDUCTOR_FX_GRAPH_CACHE": "0",
            "TORCHINDUCTOR_AUTOGRAD_CACHE": "0",
            "PYTHONHASHSEED": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
        env["JAX_PLATFORMS"] = "cpu"
    env.update(contender.env)
    return env


class WorkerProc:
    """A worker subprocess spoken to in JSON lines, with a timeout per command."""

    def __init__(self, contender: Contender, device: str, cpus: list[int], threads: int, log_dir: Path) -> None:
        self.contender = contender
        self.cache_dir = tempfile.mkdtemp(prefix="fwpulse-bench-cache-")
        self.env = worker_env(contender, device, threads, self.cache_dir)
        self.log_path = log_dir / f"{contender.id}-{uuid.uuid4().hex[:8]}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fwpulse.benchmarks.speed.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=self.env,
        )
        self._buf = b""
        self.init_msg = {
            "cmd": "init",
            "contender": dataclasses.asdict(contender),
            "device": device,
            "cpus": cpus,
            "threads": threads,
        }

    def stderr_tail(self) -> str:
        try:
            lines = [ln for ln in self.log_path.read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            return ""
        return lines[-1][:240] if lines else ""

    def call(self, msg: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        timeout = timeout or TIMEOUTS.get(msg["cmd"], 300.0)
        try:
            self.proc.stdin.write((json.dumps(msg) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise WorkerFailed(f"worker exited ({self.proc.poll()}): {self.stderr_tail()}") from None
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            while b"\n" not in self._buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise WorkerFailed(f"no answer to {msg['cmd']!r} within {timeout:.0f}s (killed)")
                if not sel.select(left):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    code = self.proc.wait()
                    raise WorkerFailed(f"worker exited with code {code}: {self.stderr_tail()}")
                self._buf += chunk
        finally:
            sel.close()
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b'{"cmd": "exit"}\n')
                self.proc.stdin.flush()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        self._log.close()
        import shutil

        shutil.rmtree(self.cache_dir, ignore_errors=True)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
