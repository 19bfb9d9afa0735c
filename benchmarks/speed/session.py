"""One `fwpulse bench` session: check the choices, plan the work, run the harness, write the results file, store rows."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fwpulse.benchmarks.speed import harness, spec
from fwpulse.benchmarks.speed.fingerprint import cuda_available

DEVICES = ("auto", "cpu", "cuda")
FRAMEWORKS = ("pytorch", "tensorflow", "keras", "jax")
FRAMEWORK_ALIASES = {
    "pytorch": "pytorch",
    "torch": "pytorch",
    "tensorflow": "tensorflow",
    "tf": "tensorflow",
    "keras": "keras",
    "jax": "jax",
}


class BenchUsageError(ValueError):
    """A choice that cannot work (suite, device, framework, --out); the message names it and the fix."""


def check_choices(suite: str, device: str, frameworks: list[str] | None) -> list[str] | None:
    """The canonical framework ids (None: all); raises :class:`BenchUsageError` for a bad suite/device/framework."""
    if suite not in spec.SUITES:
        raise BenchUsageError(f"unknown suite {suite!r}; choose {' or '.join(spec.SUITES)}")
    if device not in DEVICES:
        raise BenchUsageError(f"unknown device {device!r}; choose {', '.join(DEVICES[:-1])} or {DEVICES[-1]}")
    unknown = [f for f in frameworks or [] if f.lower() not in FRAMEWORK_ALIASES]
    if unknown:
        raise BenchUsageError(
            f"unknown framework(s) {', '.join(unknown)} for --framework; choose from {', '.join(FRAMEWORKS)}"
        )
    return sorted({FRAMEWORK_ALIASES[f.lower()] for f in frameworks or []}) or None


def resolve_device(device: str) -> str:
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device == "cuda" and not cuda_available():
        raise BenchUsageError("--device cuda: nvidia-smi lists no GPU on this machine; use --device cpu or auto")
    return device


# The Python module each framework (and each Keras backend) needs; the `bench` extra installs them all.
MODULES = {"pytorch": "torch", "torch": "torch", "tensorflow": "tensorflow", "keras": "keras", "jax": "jax"}
EXTRA_INSTALL = "pip install 'fwpulse[bench]' --extra-index-url https://download.pytorch.org/whl/cpu"


def missing_modules(contender: spec.Contender) -> list[str]:
    """The modules a contender needs that are not installed (found without importing them)."""
    import importlib.util

    needed = {MODULES.get(contender.framework), MODULES.get(contender.backend)} - {None}
    return sorted(m for m in needed if importlib.util.find_spec(m) is None)


def installed_only(groups: list[spec.Group]) -> tuple[list[spec.Group], list[str]]:
    """``groups`` without the contenders whose framework is not installed, and the missing modules (sorted)."""
    from dataclasses import replace

    kept, missing = [], set()
    for g in groups:
        runnable = []
        for c in g.contenders:
            gone = missing_modules(c)
            missing.update(gone)
            if not gone:
                runnable.append(c)
        if runnable:
            kept.append(replace(g, contenders=tuple(runnable)))
    return kept, sorted(missing)


def steps(groups: list[spec.Group]) -> int:
    """The number of progress steps the harness reports for these groups."""
    return sum(
        len(g.contenders) + sum(len(spec.variant_contenders(g, v)) * (1 + v.repeats) for v in g.variants)
        for g in groups
    )


def results_path(out: Path | None, suite: str, device: str) -> Path:
    """The results file (default bench-results/bench-<suite>-<device>-<UTC>.json), checked writable before measuring."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = out or Path("bench-results") / f"bench-{suite}-{device}-{stamp}.json"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        probe = out.parent / f".{out.name}.probe"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise BenchUsageError(f"--out {out}: cannot write there ({exc.strerror or exc}); choose another path") from None
    return out


def load_note() -> tuple[str, bool]:
    """One line on the machine's load, and whether it is busy enough to make timings noisy."""
    load = os.getloadavg()
    return f"load average {load[0]:.2f} on {os.cpu_count()} CPUs", load[0] > 0.5 * (os.cpu_count() or 1)


@dataclass
class Session:
    suite: str
    device: str
    out: Path
    run: Any = None  # harness.BenchRun
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def title(self) -> str:
        fp = self.run.fingerprint
        return (
            f"fwpulse bench {self.suite} on {self.device} ({fp.get('gpu_name') or fp['cpu_model']}), "
            f"wall {self.run.wall_s:.0f}s, 1-min load average {fp['loadavg_start'][0]:.2f} at start, "
            f"{fp['loadavg_end'][0]:.2f} at end, {fp['loadavg_1m_max']:.2f} max"
        )

    @property
    def ok(self) -> bool:
        return bool(self.counts.get("ok")) and not self.counts.get("failed")


def run(
    groups: list[spec.Group],
    *,
    suite: str,
    device: str,
    out: Path,
    threads: int | None,
    progress: Callable[[str], None],
) -> Session:
    """Measure ``groups`` and write the results file (with the environment fingerprint); nothing is stored yet."""
    from fwpulse.data import bench_store

    bench = harness.run_groups(
        groups, suite=suite, device=device, progress=progress, threads=threads, log_dir=out.parent / f"{out.stem}-logs"
    )
    bench_store.dump_results_file(
        out,
        bench_run_id=bench.bench_run_id,
        suite=suite,
        fingerprint=bench.fingerprint,
        rows=bench.rows,
        wall_s=round(bench.wall_s, 1),
        device=device,
    )
    counts = {s: sum(r["status"] == s for r in bench.rows) for s in ("ok", "not_available", "failed")}
    return Session(suite, device, out, bench, counts)


def store(db_path: Path, rows: list[dict[str, Any]]) -> int:
    """Write result rows to the store (raises :class:`fwpulse.data.db.DatabaseBusy` when it stays busy)."""
    from fwpulse.data import bench_store, db

    with db.writing(db_path) as con:
        return bench_store.write_results(con, rows)
