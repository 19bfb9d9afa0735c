"""The `fwpulse` command: a thin front door that calls into data/, collectors/, dashboard/.

Exit codes: 0 ok; 1 some sources failed (the rest stored) or a command failed; 2 usage or
configuration error; 75 another refresh holds the lock / the database stayed busy.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Optional

import typer

from fwpulse import __version__
from fwpulse import validate
from fwpulse.guard import GuardedGroup

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 75

app = typer.Typer(
    cls=GuardedGroup,   # one line + exit code for usage errors, a damaged database, anything unexpected
    name="fwpulse", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Live, traceable metrics for ML frameworks: collect (refresh), measure (bench), show (dashboard), "
         "export charts (export). Settings: FWPULSE_DB, FWPULSE_CONFIG and the source variables in the README.")

log = logging.getLogger("fwpulse")


def _setup_logging(verbose: bool = False) -> None:
    level = logging.DEBUG if verbose else logging.INFO
    root = logging.getLogger("fwpulse")
    if root.handlers:
        return
    if sys.stderr.isatty():
        from rich.logging import RichHandler
        handler: logging.Handler = RichHandler(show_path=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:  # cron, pipes: plain timestamped lines
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"))
    root.addHandler(handler)
    root.setLevel(level)


def _fail(message: str, code: int) -> typer.Exit:
    from fwpulse.data.redact import redact

    typer.echo(redact(f"fwpulse: {message}"), err=True)
    return typer.Exit(code)


def _context():
    """Settings + registry + a database that exists and is migrated, or a one-line error."""
    from fwpulse.data.bootstrap import ensure_database
    from fwpulse.data.db import DatabaseBusy, DatabaseError
    from fwpulse.data.registry import ConfigError, load_registry
    from fwpulse.data.settings import load_settings

    settings = load_settings()
    try:
        registry = load_registry(settings.config_path)
    except ConfigError as exc:
        raise _fail(f"config error: {exc}", EXIT_USAGE) from None
    try:
        ensure_database(settings.db_path)
    except DatabaseBusy as exc:
        raise _fail(str(exc), EXIT_BUSY) from None
    except (DatabaseError, OSError) as exc:
        raise _fail(f"database error: {exc}", EXIT_FAILED) from None
    return settings, registry


@app.callback()
def main_callback(verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging.")) -> None:
    _setup_logging(verbose)


@app.command()
def version() -> None:
    """Print the fwpulse version."""
    typer.echo(__version__)


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """DB path, schema version, rows per source/framework/metric, last run per source."""
    from fwpulse.data.status import collect_status, render_status

    settings, _ = _context()
    info = collect_status(settings.db_path)
    typer.echo(json.dumps(info, indent=2, default=str) if as_json else render_status(info))


@app.command()
def dashboard(port: int = typer.Option(8501, help="Port to serve on."),
              host: str = typer.Option("127.0.0.1", help="Address to bind (127.0.0.1 = this machine only)."),
              open_browser: bool = typer.Option(False, "--open/--no-open", help="Open a browser tab.")) -> None:
    """Build the database from the bundled snapshot if missing, then run the Streamlit dashboard."""
    from fwpulse.dashboard import APP_PATH

    try:  # before the exec: Streamlit would fail later with a traceback
        validate.port(port)
        host = validate.host(host)
    except validate.UsageProblem as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    settings, _ = _context()
    typer.echo(f"fwpulse dashboard on http://{host}:{port}  (database {settings.db_path})", err=True)
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP_PATH), "--server.port", str(port),
           "--server.address", host, "--server.headless", "false" if open_browser else "true",
           "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]   # no "Deploy" button
    env = {**os.environ, "FWPULSE_DB": str(settings.db_path), "FWPULSE_CONFIG": str(settings.config_path)}
    sys.stdout.flush()
    sys.stderr.flush()
    # Become Streamlit (exec, not a child): a SIGTERM from a service manager or a test reaches the
    # server itself, and no orphaned server is left behind.
    os.execve(sys.executable, cmd, env)


@app.command("import")
def import_(file: Path = typer.Argument(..., help="CSV with columns framework,metric,value,as_of,source_url,note.")) -> None:
    """Import dated manual figures (stored as manual.<metric>); a bad file imports nothing."""
    from fwpulse.data import db
    from fwpulse.data.compact import compact
    from fwpulse.data.importer import ImportFileError, import_csv

    try:
        validate.input_file(file, "import FILE")
    except validate.UsageProblem as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    from fwpulse.data.importer import parse_import
    from fwpulse.data.registry import ConfigError, load_registry
    from fwpulse.data.settings import load_settings
    try:  # a bad file is reported without opening the database
        parse_import(file, load_registry(load_settings().config_path))
    except ImportFileError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    except ConfigError:
        pass   # _context reports it
    settings, registry = _context()
    try:
        with db.writing(settings.db_path) as con:
            result = import_csv(con, file, registry)
            compact(con)   # re-clusters only once enough rows were appended (data/compact.py)
    except ImportFileError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    except db.DatabaseBusy as exc:
        raise _fail(str(exc), EXIT_BUSY) from None
    typer.echo(f"imported {file}: {result.rows_written} new rows, {result.rows_unchanged} unchanged (run {result.run_id})")


@app.command()
def refresh(source: Optional[list[str]] = typer.Option(None, "--source", "-s", help="Source(s) to collect; default all."),
            framework: Optional[list[str]] = typer.Option(None, "--framework", "-f", help="Framework id(s); default all."),
            backfill: bool = typer.Option(False, help="Also fetch history (weekly stars, monthly issues, ...)."),
            wait: float = typer.Option(0.0, help="Seconds to wait for another refresh's lock instead of exiting 75."),
            force: bool = typer.Option(False, help="Ask again where a source would reuse today's answer "
                                                   "(GitHub GraphQL counts already collected today).")) -> None:
    """Collect from the sources into the database. Exit 0 all ok, 1 some failed, 2 usage, 75 locked."""
    from fwpulse.collectors.refresh import RefreshLocked, available_sources
    from fwpulse.collectors.refresh import refresh as run_refresh
    from fwpulse.data.db import DatabaseBusy
    from fwpulse.data.registry import ConfigError

    unknown = [s for s in source or [] if s not in available_sources()]
    if unknown:
        raise _fail(f"unknown source(s) {', '.join(unknown)}; choose from {', '.join(available_sources())}", EXIT_USAGE)
    try:
        validate.seconds(wait, "--wait")
    except validate.UsageProblem as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    settings, registry = _context()
    t0 = time.monotonic()
    try:
        with _progress() as progress_factory:
            outcomes = run_refresh(settings, registry, sources=source or None, framework_ids=framework or None,
                                   backfill=backfill, wait=wait, force=force, progress_factory=progress_factory)
    except ConfigError as exc:
        raise _fail(f"config error: {exc}", EXIT_USAGE) from None
    except RefreshLocked as exc:
        raise _fail(str(exc), EXIT_BUSY) from None
    except DatabaseBusy as exc:
        raise _fail(str(exc), EXIT_BUSY) from None
    for o in outcomes:
        typer.echo(o.summary())
    typer.echo(f"refresh finished in {time.monotonic() - t0:.1f}s")
    failed = [o for o in outcomes if o.status in ("failed", "partial")]
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


@contextlib.contextmanager
def _progress():
    """A progress bar per source on a terminal; plain timestamped log lines otherwise (cron mail)."""
    if not sys.stderr.isatty():
        def plain(source: str, total: int):
            return lambda message: log.info("%s: %s done", source, message)
        yield plain
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[last]}"),
                  TimeElapsedColumn(), transient=False) as bar:
        def rich_factory(source: str, total: int):
            task = bar.add_task(source, total=total, last="")
            return lambda message: bar.update(task, advance=1, last=message)
        yield rich_factory


def _not_yet(verb: str, issue: str) -> typer.Exit:
    return _fail(f"`fwpulse {verb}` is not available in this version yet ({issue}); "
                 "the dashboard shows the bundled snapshot meanwhile", EXIT_FAILED)


bench_app = typer.Typer(
    help="Measure training/inference speed of PyTorch, TensorFlow, Keras 3 (tensorflow/jax/torch backends) and JAX "
         "on this machine: one worker process per contender, phases timed separately, repeats interleaved, "
         "ratios vs a baseline with bootstrap 95% CIs. Results go to the database and a JSON file. "
         "Needs the `bench` extra (pip install -c constraints.txt -e '.\\[bench]'); a framework that is not "
         "installed is reported as not_available. `fwpulse bench import FILE.json` pools results from other machines.",
    invoke_without_command=True, no_args_is_help=False)
app.add_typer(bench_app, name="bench")

BENCH_FRAMEWORKS = {"pytorch": "pytorch", "torch": "pytorch", "tensorflow": "tensorflow", "tf": "tensorflow",
                    "keras": "keras", "jax": "jax"}


@bench_app.callback()
def bench(ctx: typer.Context,
          suite: str = typer.Option("smoke", help="smoke (2-core CPU, < 5 min) or full (one H100, ~10 min)."),
          framework: Optional[list[str]] = typer.Option(None, "--framework", "-f",
                                                        help="pytorch, tensorflow, keras, jax (repeatable); default all."),
          device: str = typer.Option("auto", help="auto (cuda when nvidia-smi lists a GPU), cpu or cuda."),
          out: Optional[Path] = typer.Option(None, help="JSON results file (default bench-results/bench-<suite>-<device>-<UTC>.json)."),
          threads: Optional[int] = typer.Option(None, help="Threads per worker (default: all CPUs of this process' affinity)."),
          list_only: bool = typer.Option(False, "--list", help="Print the suite's workloads, sizes and contenders; run nothing.")) -> None:
    """Run a benchmark suite (or `bench import FILE.json`)."""
    if ctx.invoked_subcommand is not None:
        return
    from fwpulse.benchmarks.speed import spec

    if suite not in spec.SUITES:
        raise _fail(f"unknown suite {suite!r}; choose smoke or full", EXIT_USAGE)
    if device not in ("auto", "cpu", "cuda"):
        raise _fail(f"unknown device {device!r}; choose auto, cpu or cuda", EXIT_USAGE)
    unknown = [f for f in framework or [] if f.lower() not in BENCH_FRAMEWORKS]
    if unknown:
        raise _fail(f"unknown framework(s) {', '.join(unknown)} for --framework; choose from pytorch, tensorflow, keras, jax",
                    EXIT_USAGE)
    try:
        validate.positive_int(threads, "--threads", 4096)
        if out is not None and (out.is_dir() or not str(out).strip() or str(out) == "."):
            raise validate.UsageProblem(f"--out {out}: is a directory; give a file name such as {out}/bench.json")
    except validate.UsageProblem as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    frameworks = sorted({BENCH_FRAMEWORKS[f.lower()] for f in framework or []}) or None
    if list_only:
        for r in spec.size_table(suite):
            typer.echo(f"{r['workload']} {r['tier']:<8} {r['variant']:<26} batch {r['batch']:<5} {r['precision']:<4} "
                       f"warm-up {r['warmup']}, {r['repeats']} repeats x {r['blocks']} blocks x {r['steps']} steps: {r['contenders']}")
        return
    _run_bench(suite, frameworks, device, out, threads)


def _run_bench(suite: str, frameworks: Optional[list[str]], device: str, out: Optional[Path], threads: Optional[int]) -> None:
    import datetime as dt

    from fwpulse.benchmarks.speed import harness, report, spec
    from fwpulse.benchmarks.speed.fingerprint import cuda_available
    from fwpulse.data import bench_store, db

    if device == "auto":
        device = "cuda" if cuda_available() else "cpu"
    elif device == "cuda" and not cuda_available():
        raise _fail("--device cuda: nvidia-smi lists no GPU on this machine; use --device cpu or auto", EXIT_USAGE)
    settings, _ = _context()
    groups = spec.suite_groups(suite, frameworks)
    if not groups:
        raise _fail("no contender left after --framework filtering", EXIT_USAGE)
    total = sum(len(g.contenders) + sum(len(spec.variant_contenders(g, v)) * (1 + v.repeats) for v in g.variants)
                for g in groups)
    load = os.getloadavg()
    typer.echo(f"fwpulse bench: suite {suite} on {device}, {len(groups)} groups, {total} steps of work; "
               f"load average {load[0]:.2f} on {os.cpu_count()} CPUs", err=True)
    if load[0] > 0.5 * (os.cpu_count() or 1):
        typer.echo("fwpulse bench: warning: the machine is busy (load average above half the CPU count); "
                   "timings will be noisy and CIs wide", err=True)
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = out or Path("bench-results") / f"bench-{suite}-{device}-{stamp}.json"
    try:  # fail before measuring, not after
        out.parent.mkdir(parents=True, exist_ok=True)
        probe = out.parent / f".{out.name}.probe"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise _fail(f"--out {out}: cannot write there ({exc.strerror or exc}); choose another path", EXIT_USAGE) from None
    with _progress() as progress_factory:
        tick = progress_factory("bench", total)
        run = harness.run_groups(groups, suite=suite, device=device, progress=tick, threads=threads,
                                 log_dir=out.parent / f"{out.stem}-logs")
    bench_store.dump_results_file(out, bench_run_id=run.bench_run_id, suite=suite, fingerprint=run.fingerprint,
                                  rows=run.rows, wall_s=round(run.wall_s, 1), device=device)
    title = (f"fwpulse bench {suite} on {device} ({run.fingerprint.get('gpu_name') or run.fingerprint['cpu_model']}), "
             f"wall {run.wall_s:.0f}s, 1-min load average {run.fingerprint['loadavg_start'][0]:.2f} at start, "
             f"{run.fingerprint['loadavg_end'][0]:.2f} at end, {run.fingerprint['loadavg_1m_max']:.2f} max")
    report.render(run.rows, title=title)
    counts = {s: sum(r["status"] == s for r in run.rows) for s in ("ok", "not_available", "failed")}
    try:
        with db.writing(settings.db_path) as con:
            bench_store.write_results(con, run.rows)
    except db.DatabaseBusy as exc:
        raise _fail(f"{exc}; the results are in {out}: store them later with `fwpulse bench import {out}`", EXIT_BUSY) from None
    typer.echo(f"{counts['ok']} cells ok, {counts['not_available']} not available, {counts['failed']} failed; "
               f"wall {run.wall_s:.0f}s; stored in {settings.db_path} (bench run {run.bench_run_id}) and {out}")
    raise typer.Exit(EXIT_FAILED if counts["failed"] or not counts["ok"] else EXIT_OK)


@bench_app.command("import")
def bench_import(files: list[Path] = typer.Argument(..., help="JSON files written by `fwpulse bench` (any machine).")) -> None:
    """Merge benchmark results from other machines; a bad file imports nothing."""
    from fwpulse.data import bench_store, db

    try:
        for f in files:
            validate.input_file(f, "bench import FILE")
    except validate.UsageProblem as exc:
        raise _fail(f"{exc}; nothing was imported", EXIT_USAGE) from None
    parsed = []
    for f in files:  # validate every file (once) before opening the database
        try:
            parsed.append((f, *bench_store.read_results_file(f)))
        except bench_store.BenchFileError as exc:
            raise _fail(f"{exc}; nothing was imported", EXIT_USAGE) from None
    settings, _ = _context()
    try:
        with db.writing(settings.db_path) as con:
            for f, meta, rows in parsed:
                n = bench_store.write_results(con, rows)
                typer.echo(f"imported {f}: {n} result rows (bench run {meta.get('bench_run_id')}, suite {meta.get('suite')}, "
                           f"device {meta.get('device') or rows[0]['device']})")
    except db.DatabaseBusy as exc:
        raise _fail(str(exc), EXIT_BUSY) from None


@app.command()
def export(chart: Optional[list[str]] = typer.Option(None, "--chart", "-c", help="Chart id(s), repeatable or comma-separated."),
           all_charts: bool = typer.Option(False, "--all", help="Every chart in the registry (empty ones are skipped)."),
           formats: list[str] = typer.Option(["png,svg,pdf,html,csv"], "--format", help="Comma-separated: png,svg,pdf,html,csv."),
           theme: str = typer.Option("article", help="article | dark | transparent."),
           size: Optional[str] = typer.Option(None, help="WIDTHxHEIGHT in layout pixels (default 1200x675; charts "
                                                          "with a row per result, like the speed charts, grow taller)."),
           scale: str = typer.Option("2", help="Pixel density of PNGs (PNG pixels = size x scale)."),
           framework: Optional[list[str]] = typer.Option(None, "--framework", "-f", help="Framework id(s); default the main four."),
           from_: Optional[str] = typer.Option(None, "--from", help="First date (YYYY-MM-DD, YYYY-MM or YYYY)."),
           to: Optional[str] = typer.Option(None, "--to", help="Last date (YYYY-MM-DD, YYYY-MM or YYYY)."),
           log_scale: bool = typer.Option(False, "--log", help="Logarithmic y axis."),
           index: bool = typer.Option(False, "--index", help="Index each series to 100 at its first point."),
           share: bool = typer.Option(False, "--share", help="Share of the selected frameworks' total (%)."),
           out: Path = typer.Option(Path("exports"), "--out", "-o", help="Output folder (created if missing).")) -> None:
    """Export charts as article-ready PNG/SVG/PDF/HTML/CSV files plus alt text and manifest.json."""
    from fwpulse.dashboard import chart_registry as registry_charts
    from fwpulse.dashboard import export as ex
    from fwpulse.data.db import DatabaseBusy, reading

    t0 = time.monotonic()
    try:
        fmts = ex.parse_formats(formats)
        theme = ex.parse_theme(theme)
        width_height = ex.parse_size(size) if size else None
        scale_f = ex.parse_scale(scale)
        start, end = ex.parse_date(from_, "--from"), ex.parse_date(to, "--to")
        if start and end and start > end:
            raise ex.ExportUsageError(f"--from {start} is after --to {end}")
        if index and share:
            raise ex.ExportUsageError("--index and --share exclude each other")
        valid = list(registry_charts.CHARTS)
        wanted = [c.strip() for v in chart or [] for c in v.split(",") if c.strip()]
        unknown = [c for c in wanted if c not in registry_charts.CHARTS]
        if unknown:
            raise ex.ExportUsageError(f"unknown chart id(s) {', '.join(unknown)}; valid: {', '.join(valid)}")
        if not wanted and not all_charts:
            raise ex.ExportUsageError(f"name charts with --chart ID (valid: {', '.join(valid)}) or use --all")
        ids = valid if all_charts else list(dict.fromkeys(wanted))
        explicit = set(wanted)
        from fwpulse.data.settings import load_settings
        if any(f in ex.STATIC_FORMATS for f in fmts):
            ex.check_browser(load_settings().browser_path)
    except ex.ExportError as exc:
        raise _fail(str(exc), exc.code) from None

    settings, registry = _context()
    bad_fw = [f for f in framework or [] if f not in registry.names()]
    if bad_fw:
        raise _fail(f"unknown framework(s) {', '.join(bad_fw)}; choose from {', '.join(registry.ids())}", EXIT_USAGE)
    options = registry_charts.ChartOptions(frameworks=tuple(framework or ()), start=start, end=end, log=log_scale,
                                           mode="index" if index else "share" if share else "absolute")
    try:
        with reading(settings.db_path) as con:
            built = [registry_charts.build(con, cid, options, registry) for cid in ids]
    except DatabaseBusy as exc:
        raise _fail(str(exc), EXIT_BUSY) from None
    empty = [c for c in built if c.figure is None]
    asked_empty = [c for c in empty if c.spec.id in explicit]
    if asked_empty:
        raise _fail("; ".join(f"chart {c.spec.id} has no data ({c.empty_reason.rstrip('.')}): fill it with "
                              f"`{c.spec.fill_hint}`" for c in asked_empty), EXIT_FAILED)
    for c in empty:
        typer.echo(f"skipped {c.spec.id}: {c.empty_reason.rstrip('.')}; fill it with `{c.spec.fill_hint}`", err=True)
    ready = [c for c in built if c.figure is not None]
    if not ready:
        raise _fail("no chart has data to export with these options", EXIT_FAILED)
    created = not out.expanduser().exists()
    try:
        out_dir = ex.check_out_dir(out)  # only now: a run that fails earlier leaves no trace
        items = ex.render(ready, fmts, theme, width_height, scale_f, options, registry.names(), settings.browser_path)
        ex.write_files(out_dir, items, __version__)
    except (ex.ExportError, OSError) as exc:
        if created:
            with contextlib.suppress(OSError):
                out.expanduser().rmdir()  # only if still empty
        if isinstance(exc, ex.ExportError):
            raise _fail(str(exc), exc.code) from None
        raise _fail(f"cannot write to output directory {out}: {exc.strerror or exc}", EXIT_FAILED) from None
    for c in ready:
        files = [i.file for i in items if i.entry.get("chart") == c.spec.id]
        typer.echo(f"{c.spec.id}: {' '.join(files)}")
    typer.echo(f"exported {len(ready)} chart(s), {len(items)} files to {out_dir} "
               f"(manifest.json updated) in {time.monotonic() - t0:.1f}s")


@app.command()
def schedule(cron: str = typer.Option("0 6 * * *", help="Cron expression (five fields)."),
             install: bool = typer.Option(False, "--install", help="Add the line to your crontab (idempotent)."),
             remove: bool = typer.Option(False, "--remove", help="Take fwpulse's line out of your crontab."),
             env_file: Path = typer.Option(Path("~/.config/fwpulse/env"), help="Shell file with tokens, sourced by cron."),
             log_file: Path = typer.Option(Path("~/.local/state/fwpulse/refresh.log"), help="Where cron appends output."),
             crontab_file: Optional[Path] = typer.Option(None, hidden=True, help="Edit this file instead of `crontab`.")) -> None:
    """Print (or --install / --remove) the crontab line that runs `fwpulse refresh`."""
    from fwpulse.collectors import schedule as sched
    from fwpulse.data.settings import load_settings

    settings = load_settings()
    try:
        if remove:
            changed = sched.remove(crontab_file)
            typer.echo("removed fwpulse's crontab line" if changed else "no fwpulse line in the crontab; nothing to remove")
            return
        line = sched.cron_line(cron, settings.db_path.resolve(), settings.config_path.resolve(),
                               env_file.expanduser(), log_file.expanduser())
        if install:
            changed = sched.install(line, crontab_file)
            typer.echo(("installed: " if changed else "already installed, unchanged: ") + line)
        else:
            typer.echo(line)
    except sched.ScheduleError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None


db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(__import__("fwpulse.cli_frameworks", fromlist=["app"]).app, name="frameworks")  # fwpulse frameworks add


@db_app.command("backup")
def db_backup(directory: Optional[Path] = typer.Argument(None, help="Target folder (default data/backups/<db>-<UTC time>).")) -> None:
    """Export the database as Parquet files (restore with DuckDB's IMPORT DATABASE)."""
    from fwpulse.data.backup import backup
    from fwpulse.data.db import DatabaseBusy

    if directory is not None:
        try:
            directory = validate.new_folder(directory, "backup folder")
        except validate.UsageProblem as exc:
            raise _fail(str(exc), EXIT_USAGE) from None
    settings, _ = _context()
    try:
        target = backup(settings.db_path, directory)
    except FileExistsError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    except DatabaseBusy as exc:
        raise _fail(str(exc), EXIT_BUSY) from None
    except OSError as exc:
        raise _fail(f"backup folder {directory or 'default'}: cannot write there ({exc.strerror or exc}); "
                    "choose another folder", EXIT_USAGE) from None
    typer.echo(f"backed up {settings.db_path} to {target}")


@db_app.command("restore")
def db_restore(backup_dir: Path = typer.Argument(..., help="A folder written by `fwpulse db backup` "
                                                             "(default ones are under data/backups/).")) -> None:
    """Rebuild the database from a Parquet backup; the current file (damaged or not) is kept, renamed aside."""
    from fwpulse.collectors.refresh import RefreshLocked, refresh_lock
    from fwpulse.data.damage import restore
    from fwpulse.data.settings import load_settings

    try:
        backup_dir = validate.backup_folder(backup_dir)
    except validate.UsageProblem as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    settings = load_settings()
    try:
        with refresh_lock(settings.db_path):
            aside = restore(settings.db_path, backup_dir)
    except RefreshLocked as exc:
        raise _fail(str(exc), EXIT_BUSY) from None
    except Exception as exc:  # noqa: BLE001 - a backup DuckDB cannot import; nothing was changed
        raise _fail(f"cannot restore from {backup_dir} ({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); "
                    f"{settings.db_path} was left as it was", EXIT_FAILED) from None
    kept = f"; the previous file is kept as {aside}" if aside else ""
    typer.echo(f"restored {settings.db_path} from {backup_dir}{kept}")


@db_app.command("compact")
def db_compact(if_due: bool = typer.Option(False, "--if-due",
                                           help="Only when enough rows were appended since the last compaction "
                                                "(what refresh does after each run).")) -> None:
    """Rewrite the history clustered by series, so chart queries read only their own rows.

    refresh and import do this by themselves once 122,880 rows were appended since the last time;
    it takes about 11 s per 5 million rows and holds the database meanwhile (dashboard pages wait).
    """
    from fwpulse.collectors.refresh import RefreshLocked, refresh_lock
    from fwpulse.data import db
    from fwpulse.data.compact import compact

    settings, _ = _context()
    try:
        with refresh_lock(settings.db_path), db.writing(settings.db_path) as con:
            result = compact(con, force=not if_due)
    except (RefreshLocked, db.DatabaseBusy) as exc:
        raise _fail(str(exc), EXIT_BUSY) from None
    typer.echo(result.summary())


def main() -> None:
    app()


if __name__ == "__main__":
    main()
