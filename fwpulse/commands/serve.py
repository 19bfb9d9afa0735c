"""`fwpulse dashboard`: check the address, make sure the database exists, then become the Streamlit server."""

from __future__ import annotations

import os
import sys

import typer

from fwpulse import validate
from fwpulse.commands.common import EXIT_USAGE, context, fail


def dashboard(
    port: int = typer.Option(8501, help="Port to serve on (1-65535)."),
    host: str = typer.Option("127.0.0.1", help="Address to bind (127.0.0.1 = this machine only)."),
    open_browser: bool = typer.Option(False, "--open/--no-open", help="Open a browser tab."),
    reload: bool = typer.Option(
        False,
        "--reload/--no-reload",
        help="Watch the app's source files and offer a rerun when one changes (for development; "
        "off by default: the watcher's threads cost every page about 0.1 s).",
    ),
) -> None:
    """Build the database from the bundled snapshot if missing, then run the Streamlit dashboard."""
    from fwpulse.dashboard import APP_PATH

    try:  # before the exec: Streamlit would fail later with a traceback
        validate.port(port)
        host = validate.host(host)
        validate.free_port(host, port)  # said once, before the banner: Streamlit would print its own after it
    except validate.UsageProblem as exc:
        raise fail(str(exc), EXIT_USAGE) from None
    settings, _ = context()
    typer.echo(f"fwpulse dashboard on http://{host}:{port}  (database {settings.db_path})", err=True)
    cmd = [
        sys.executable,
        "-m",
        "fwpulse.dashboard.server",  # Streamlit's own CLI, with the app's modules imported first
        "run",
        str(APP_PATH),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "false" if open_browser else "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",  # no "Deploy" button
        "--server.fileWatcherType",
        "auto" if reload else "none",
    ]
    env = {**os.environ, "FWPULSE_DB": str(settings.db_path), "FWPULSE_CONFIG": str(settings.config_path)}
    sys.stdout.flush()
    sys.stderr.flush()
    # Become Streamlit (exec, not a child): a SIGTERM from a service manager or a test reaches the
    # server itself, and no orphaned server is left behind.
    os.execve(sys.executable, cmd, env)


def register(app: typer.Typer) -> None:
    app.command()(dashboard)
