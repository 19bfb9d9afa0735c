"""Statistics for benchmark samples: percentiles, CV across repeats, bootstrap CI of a ratio of medians.

Samples are grouped by repeat (a list of per-step or per-block milliseconds per repeat). The CI is
a hierarchical (two-level) percentile bootstrap: resample repeats, then samples within each
resampled repeat, so the interval reflects repeat-to-repeat drift and not only within-repeat
jitter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAME_BAND = (0.95, 1.05)
N_BOOT = 2000


@dataclass(frozen=True)
class Summary:
    p50: float
    p90: float
    p99: float
    mean: float
    cv: float | None  # std/mean of per-repeat medians (None with one repeat)
    n_repeats: int
    n_samples: int
    repeat_medians: list[float]


def _as_matrix(groups: list[list[float]]) -> np.ndarray:
    """Repeats x samples; repeats are truncated to the shortest so the bootstrap can vectorise."""
    k = min(len(g) for g in groups)
    return np.array([g[:k] for g in groups], dtype=float)


def summarize(groups: list[list[float]]) -> Summary:
    groups = [g for g in groups if g]
    if not groups:
        raise ValueError("no samples")
    flat = np.concatenate([np.asarray(g, dtype=float) for g in groups])
    medians = [float(np.median(g)) for g in groups]
    cv = float(np.std(medians, ddof=1) / np.mean(medians)) if len(medians) > 1 else None
    p50, p90, p99 = (float(v) for v in np.percentile(flat, [50, 90, 99]))
    return Summary(p50, p90, p99, float(flat.mean()), cv, len(groups), int(flat.size), medians)


def _boot_medians(groups: list[list[float]], rng: np.random.Generator, n_boot: int) -> np.ndarray:
    m = _as_matrix(groups)
    r, k = m.shape
    reps = rng.integers(0, r, size=(n_boot, r))
    within = rng.integers(0, k, size=(n_boot, r, k))
    vals = m[reps[:, :, None], within]  # n_boot x r x k
    return np.median(vals.reshape(n_boot, r * k), axis=1)


def ratio_ci(
    groups: list[list[float]], base: list[list[float]], *, n_boot: int = N_BOOT, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """Ratio of medians (this / base; >1 = slower) with a bootstrap ``level`` CI."""
    groups, base = [g for g in groups if g], [g for g in base if g]
    ratio = float(np.median(np.concatenate(groups)) / np.median(np.concatenate(base)))
    rng = np.random.default_rng(seed)
    boot = _boot_medians(groups, rng, n_boot) / _boot_medians(base, rng, n_boot)
    lo, hi = np.percentile(boot, [(1 - level) / 2 * 100, (1 + level) / 2 * 100])
    return ratio, float(lo), float(hi)


def verdict(lo: float, hi: float, band: tuple[float, float] = SAME_BAND) -> str:
    """ "same within ±5%" only when the whole CI lies inside the band; otherwise slower/faster when
    the CI excludes 1, else inconclusive."""
    if band[0] <= lo and hi <= band[1]:
        return "same within ±5%"
    if lo > 1.0:
        return "slower"
    if hi < 1.0:
        return "faster"
    return "inconclusive"
