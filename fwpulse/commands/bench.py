"""`fwpulse bench` and `fwpulse bench import`: parse the options and print; the session lives in benchmarks/speed/session.py."""

from __future__ import annotations

from pathlib import Path

import typer

from fwpulse import validate
from fwpulse.commands.common import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    choices,
    context,
    fail,
)
from fwpulse.commands.progress import progress

SUITES, FRAMEWORKS, DEVICES = ("smoke", "full"), ("pytorch", "tensorflow", "keras", "jax"), ("auto", "cpu", "cuda")
SUITE_CHOICES, FRAMEWORK_CHOICES, DEVICE_CHOICES = choices(SUITES), choices(FRAMEWORKS), choices(DEVICES)

app = typer.Typer(
    help="Measure training/inference speed of PyTorch, TensorFlow, Keras 3 (tensorflow/jax/torch backends) and JAX "
    "on this machine: one worker process per contender, phases timed separately, repeats interleaved, "
    "ratios vs a baseline with bootstrap 95% CIs. Results go to the database and a JSON file. "
    "Needs the `bench` extra: pip install 'fwpulse[bench]' --extra-index-url https://download.pytorch.org/whl/cpu "
    "(the index serves PyTorch's CPU build). A framework that is not installed is skipped with one line. "
    "`fwpulse bench import FILE.json` pools results from other machines.",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)


@app.callback()
def bench(
    ctx: typer.Context,
    suite: str = typer.Option(
        "smoke", metavar=SUITE_CHOICES, help="smoke (2-core CPU, < 5 min) or full (one H100, ~10 min)."
    ),
    framework: list[str] | None = typer.Option(
        None, "--framework", "-f", metavar=FRAMEWORK_CHOICES, help="Repeatable; default all."
    ),
    device: str = typer.Option("auto", metavar=DEVICE_CHOICES, help="auto = cuda when nvidia-smi lists a GPU."),
    out: Path | None = typer.Option(
        None, help="JSON results file (default bench-results/bench-<suite>-<device>-<UTC>.json)."
    ),
    threads: int | None = typer.Option(None, help="Threads per worker (default: all CPUs of this process' affinity)."),
    list_only: bool = typer.Option(
        False, "--list", help="Print the suite's workloads, sizes and contenders; run nothing."
    ),
) -> None:
    """Run a benchmark suite (or `bench import FILE.json`)."""
    if ctx.invoked_subcommand is not None:
        return
    from fwpulse.benchmarks.speed import report, session, spec
    from fwpulse.data.db import DatabaseBusy

    try:
        frameworks = session.check_choices(suite, device, framework)
        validate.positive_int(threads, "--threads", 4096)
        if out is not None and (out.is_dir() or not str(out).strip() or str(out) == "."):
            raise validate.UsageProblem(f"--out {out}: is a directory; give a file name such as {out}/bench.json")
    except (session.BenchUsageError, validate.UsageProblem) as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    if list_only:
        for r in spec.size_table(suite):
            typer.echo(
                f"{r['workload']} {r['tier']:<8} {r['variant']:<26} batch {r['batch']:<5} {r['precision']:<4} "
                f"warm-up {r['warmup']}, {r['repeats']} repeats x {r['blocks']} blocks x {r['steps']} steps: "
                f"{r['contenders']}"
            )
        return
    try:
        device = session.resolve_device(device)
        groups, missing = session.installed_only(spec.suite_groups(suite, frameworks))  # before the database
        if not groups:
            raise session.BenchUsageError(
                f"no framework to measure: {', '.join(missing)} not installed; install the bench extra: "
                f"{session.EXTRA_INSTALL} (in a checkout: add -c constraints.txt -e '.[bench]')"
                if missing
                else "no contender left after --framework filtering"
            )
        if missing:
            typer.echo(
                f"fwpulse bench: skipping what needs {', '.join(missing)} (not installed; {session.EXTRA_INSTALL})",
                err=True,
            )
        settings, _ = context()
        total = session.steps(groups)
        load, busy = session.load_note()
        typer.echo(
            f"fwpulse bench: suite {suite} on {device}, {len(groups)} groups, {total} steps of work; {load}", err=True
        )
        if busy:
            typer.echo(
                "fwpulse bench: warning: the machine is busy (load average above half the CPU count); "
                "timings will be noisy and CIs wide",
                err=True,
            )
        out = session.results_path(out, suite, device)  # fail before measuring, not after
    except session.BenchUsageError as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    with progress() as progress_factory:
        done = session.run(
            groups, suite=suite, device=device, out=out, threads=threads, progress=progress_factory("bench", total)
        )
    report.render(done.run.rows, title=done.title)
    try:
        session.store(settings.db_path, done.run.rows)
    except DatabaseBusy as exc:
        raise fail(
            f"{exc}; the results are in {out}: store them later with `fwpulse bench import {out}`", EXIT_BUSY
        ) from None
    c = done.counts
    typer.echo(
        f"{c['ok']} cells ok, {c['not_available']} not available, {c['failed']} failed; "
        f"wall {done.run.wall_s:.0f}s; stored in {settings.db_path} (bench run {done.run.bench_run_id}) and {out}"
    )
    raise typer.Exit(EXIT_OK if done.ok else EXIT_FAILED)


@app.command("import")
def bench_import(
    files: list[Path] = typer.Argument(..., help="JSON files written by `fwpulse bench` (any machine)."),
) -> None:
    """Merge benchmark results from other machines; a bad file imports nothing."""
    from fwpulse.data import bench_store, db

    try:
        for f in files:
            validate.input_file(f, "bench import FILE")
    except validate.UsageProblem as exc:
        raise fail(f"{exc}; nothing was imported", EXIT_USAGE) from None
    parsed = []
    for f in files:  # validate every file (once) before opening the database
        try:
            parsed.append((f, *bench_store.read_results_file(f)))
        except bench_store.BenchFileError as exc:
            raise fail(f"{exc}; nothing was imported", EXIT_USAGE) from None
    settings, _ = context()
    try:
        with db.writing(settings.db_path) as con:
            for f, meta, rows in parsed:
                n = bench_store.write_results(con, rows)
                typer.echo(
                    f"imported {f}: {n} result rows (bench run {meta.get('bench_run_id')}, suite {meta.get('suite')}, "
                    f"device {meta.get('device') or rows[0]['device']})"
                )
    except db.DatabaseBusy as exc:
        raise fail(str(exc), EXIT_BUSY) from None


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="bench")
