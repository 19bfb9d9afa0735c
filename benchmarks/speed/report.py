"""The results table printed at the end of `fwpulse bench` (rich; plain text when not a terminal)."""

from __future__ import annotations

from typing import Any


def _f(x: Any, fmt: str) -> str:
    return "" if x is None else format(x, fmt)


def table_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    out = []
    for r in rows:
        if r["status"] != "ok":
            out.append(
                [
                    r["workload"],
                    r["variant"],
                    r["tier"],
                    r["contender"],
                    r["status"],
                    "",
                    "",
                    "",
                    "",
                    "",
                    (r.get("reason") or "")[:60],
                    "",
                    "",
                    "",
                    "",
                ]
            )
            continue
        if r.get("ratio") is None or r.get("baseline") == r["contender"]:
            ratio = "baseline" if r.get("baseline") == r["contender"] else ""
        else:
            ratio = f"{r['ratio']:.2f} [{r['ratio_ci_low']:.2f}, {r['ratio_ci_high']:.2f}]"
        compile_ = "" if r.get("compile_s") is None else f"{r['compile_s']:.1f}s/{r.get('n_compiles') or 0}"
        out.append(
            [
                r["workload"],
                r["variant"],
                r["tier"],
                r["contender"],
                r.get("mode") or "",
                _f(r.get("step_ms_p50"), ".2f"),
                _f(r.get("step_ms_p90"), ".2f"),
                _f(r.get("samples_per_s"), ",.0f"),
                _f(None if r.get("cv") is None else 100 * r["cv"], ".1f"),
                ratio,
                r.get("verdict") or "",
                compile_,
                _f(None if r.get("peak_mem_bytes") is None else r["peak_mem_bytes"] / 2**20, ".0f"),
                _f(r.get("pct_of_peak"), ".0f"),
                "" if r.get("loss_ok") is None else ("yes" if r["loss_ok"] else "NO"),
            ]
        )
    return out


HEADERS = [
    "W",
    "variant",
    "tier",
    "contender",
    "mode",
    "p50 ms",
    "p90 ms",
    "samples/s",
    "CV %",
    "ratio [95% CI]",
    "verdict",
    "compile",
    "mem MB",
    "% peak",
    "loss ok",
]


def render(rows: list[dict[str, Any]], *, title: str, console: Any = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=200)
    t = Table(title=title, show_lines=False, header_style="bold")
    for h in HEADERS:
        t.add_column(
            h,
            justify="right" if h in ("p50 ms", "p90 ms", "samples/s", "CV %", "mem MB", "% peak") else "left",
            overflow="fold",
        )
    for line in table_rows(rows):
        t.add_row(*line)
    console.print(t)


def plain(rows: list[dict[str, Any]]) -> str:
    """Pipe-separated plain text (logs, docs)."""
    lines = [" | ".join(HEADERS), " | ".join("---" for _ in HEADERS)]
    lines += [" | ".join(x.replace("|", "/") for x in line) for line in table_rows(rows)]
    return "\n".join(lines)
