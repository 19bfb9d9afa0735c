"""`fwpulse doctor`: what works on this machine and what is missing, one line each, offline in seconds.

It reads and probes, never writes: the database is opened read-only (and not built when missing), services get
a bare TCP connection (no request, no key sent), the crontab is only read. Keys are reported as set or not,
never shown. Exit 1 only for what stops every command (a damaged database, a broken registry).
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import os
import socket
import time
import urllib.parse
from pathlib import Path

import typer

from fwpulse.commands.common import EXIT_FAILED, EXIT_OK

OK, NOTE, FAIL = "ok", "--", "FAIL"


def _database(settings) -> tuple[str, str]:
    from fwpulse.data import db
    from fwpulse.data.db_errors import DatabaseDamaged

    path = settings.db_path
    if not path.exists():
        return NOTE, f"database {path}: not built yet; any command (e.g. `fwpulse status`) builds it from the snapshot"
    try:
        with db.reading(path, max_wait=2) as con:
            version, latest = db.schema_version(con), db.latest_version()
            values = con.execute("SELECT count(*) FROM observations").fetchone()[0]
            collected = con.execute(
                "SELECT max(finished_at) FROM runs WHERE source <> 'snapshot' AND status IN ('ok', 'partial')"
            ).fetchone()[0]
    except DatabaseDamaged as exc:
        return FAIL, str(exc)
    except db.DatabaseBusy:
        return NOTE, f"database {path}: busy (a refresh is writing); run doctor again in a moment"
    except db.DatabaseError as exc:
        return FAIL, str(exc)
    schema = f"schema v{version}" + ("" if version == latest else f", v{latest} on the next command")
    fresh = f"last collected {collected:%Y-%m-%d %H:%M}" if collected else "bundled snapshot only (no refresh yet)"
    return OK, f"database {path}: readable, {path.stat().st_size / 1e6:.1f} MB, {schema}, {values:,} values, {fresh}"


def _registry(settings) -> tuple[str, str]:
    from fwpulse.data.registry import ConfigError, load_registry
    from fwpulse.data.settings import user_registry_path

    path = settings.config_path
    if os.environ.get("FWPULSE_CONFIG"):
        origin = "set by FWPULSE_CONFIG"
    elif path == user_registry_path():
        origin = "your registry (`fwpulse frameworks add` writes it)"
    else:
        origin = f"the bundled one; `fwpulse frameworks add` would create yours at {user_registry_path()}"
    try:
        ids = load_registry(path).ids()
    except ConfigError as exc:
        return FAIL, f"registry {path} ({origin}): {exc}"
    return OK, f"registry {path}, {origin}: {len(ids)} frameworks ({', '.join(ids)})"


def _keys() -> list[tuple[str, str]]:
    from fwpulse.data import sources

    keys = [s for s in sources.env_settings(sources.SOURCES) if s.secret]
    return [(OK, f"{s.env} set") if os.environ.get(s.env) else (NOTE, f"{s.env} not set: {s.meaning}") for s in keys]


def _reach(url: str, timeout: float) -> str | None:
    """None when a TCP connection to the URL's host and port opens within ``timeout``; else why not."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return None
    except socket.gaierror:
        return "DNS lookup failed"
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def _services(settings, timeout: float) -> list[tuple[str, str]]:
    from fwpulse.data import sources

    urls = {s.name: getattr(settings, s.base_url.attr) for s in sources.SOURCES if s.base_url}
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(urls)) as pool:  # all at once: one timeout in all
        why = dict(zip(urls, pool.map(lambda u: _reach(u, timeout), urls.values())))
    out = []
    for src, url in urls.items():
        where = urllib.parse.urlsplit(url).netloc
        if why[src] is None:
            out.append((OK, f"source {src}: {where} reachable"))
        else:
            out.append((NOTE, f"source {src}: cannot reach {where} ({why[src]}); refresh will report it failed"))
    return out


def _extras(settings) -> list[tuple[str, str]]:
    from fwpulse.benchmarks.speed import session, spec

    out = []
    if importlib.util.find_spec("kaleido") is None:
        out.append(
            (NOTE, "export: PNG/SVG/PDF need the export extra (pip install 'fwpulse[export]'); CSV and HTML work")
        )
    elif not Path(settings.browser_path).exists():
        out.append((NOTE, f"export: no Chromium at {settings.browser_path} (BROWSER_PATH); CSV and HTML work"))
    else:
        out.append((OK, f"export: PNG/SVG/PDF/HTML/CSV (kaleido, Chromium at {settings.browser_path})"))
    groups, missing = session.installed_only(spec.suite_groups("smoke"))
    runnable = sorted({c.framework for g in groups for c in g.contenders})
    if runnable and not missing:
        out.append((OK, f"bench: can measure {', '.join(runnable)}"))
    else:
        can = f"can measure {', '.join(runnable)}; " if runnable else "nothing to measure; "
        out.append((NOTE, f"bench: {can}not installed: {', '.join(missing)} ({session.EXTRA_INSTALL})"))
    return out


def _cron(settings, crontab_file: Path | None) -> tuple[str, str]:
    from fwpulse.collectors import schedule

    try:
        line = schedule.installed_line(crontab_file)
    except schedule.ScheduleError:
        return NOTE, "cron: no `crontab` command here (a systemd timer does the same; see Scheduling)"
    if line is None:
        return NOTE, "cron: no fwpulse line installed (`fwpulse schedule --install`)"
    env = schedule.line_settings(line)
    problems = []
    if Path(env.get("FWPULSE_DB", "")).resolve() != settings.db_path.resolve():
        problems.append(f"it writes to {env.get('FWPULSE_DB')}, this shell reads {settings.db_path}")
    if "FWPULSE_CONFIG" in env and Path(env["FWPULSE_CONFIG"]).resolve() != settings.config_path.resolve():
        problems.append(f"it reads the registry {env['FWPULSE_CONFIG']}, this shell {settings.config_path}")
    registry = f"registry {env['FWPULSE_CONFIG']}" if "FWPULSE_CONFIG" in env else "registry looked up at each run"
    if problems:
        return NOTE, f"cron: fwpulse line installed, but {'; '.join(problems)} (`fwpulse schedule --install` again)"
    return OK, f"cron: fwpulse line installed ({line.split(' mkdir')[0]}), same database, {registry}"


def doctor(
    timeout: float = typer.Option(2.0, "--timeout", metavar="SECONDS", help="Wait this long for each service."),
    crontab_file: Path | None = typer.Option(None, hidden=True, help="Read this file instead of `crontab -l`."),
) -> None:
    """What works and what is missing: database, registry, keys (set or not, never shown), each source's
    service (a TCP connection), the export and bench extras, the cron line. Reads only; exit 1 when the database
    or the registry cannot be used."""
    from fwpulse.data.settings import load_settings

    t0 = time.monotonic()
    settings = load_settings()
    lines = [_database(settings), _registry(settings), *_keys(), *_services(settings, min(max(timeout, 0.1), 30))]
    lines += [*_extras(settings), _cron(settings, crontab_file)]
    for status, text in lines:
        typer.echo(f"{status:<4} {text}")
    typer.echo(f"doctor finished in {time.monotonic() - t0:.1f}s")
    raise typer.Exit(EXIT_FAILED if any(status == FAIL for status, _ in lines) else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command()(doctor)
