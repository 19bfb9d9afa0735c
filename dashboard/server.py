"""The dashboard's server process: import the app's modules, then hand the command line to Streamlit.

`fwpulse dashboard` execs ``python -m fwpulse.dashboard.server run dashboard/app.py ...`` instead of
``python -m streamlit ...``: Streamlit imports an app's modules only when the first browser runs the
script, which made the first page after a start pay ~0.5 s of imports (pandas, DuckDB, every view)
before its first query. Imported here, before the server listens, they are in ``sys.modules`` when
the script runs. Nothing else is done before Streamlit starts: no database is opened, no query run.

Once Streamlit's runtime exists, a background thread fills the caches with what the Overview shows at the
default controls (:func:`fwpulse.dashboard.views.overview.warm_up`), so the first visitor after a start
(`fwpulse dashboard --open`) gets the page a cached run draws. A failure there is logged at debug level only:
the page itself then runs the same queries and shows whatever they say.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
import threading
import time

# Importing a module with @st.cache_data outside a running server logs "No runtime found" once per
# function (a check at decoration time; each cache is created on first call, inside the runtime).
_QUIET = ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.caching.cache_resource_api")


def preload() -> None:
    """Import every view (each imports the data and chart layers, pandas, Plotly and DuckDB)."""
    import streamlit.runtime.caching  # noqa: F401 - creates the loggers (at Streamlit's level) before they are quietened

    loggers = [logging.getLogger(name) for name in _QUIET]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.ERROR)
    try:
        from fwpulse.dashboard import views

        for module in pkgutil.iter_modules(views.__path__):
            importlib.import_module(f"{views.__name__}.{module.name}")
    finally:
        for log, level in zip(loggers, levels):
            log.setLevel(level)


RUNTIME_WAIT_S = 60  # how long the warm-up waits for Streamlit's runtime to exist


def warm_up_when_started(wait_s: float = RUNTIME_WAIT_S) -> None:
    """Wait for Streamlit's runtime (the caches live in it), then warm the Overview's caches."""
    from streamlit.runtime import Runtime

    from fwpulse.dashboard.views import overview

    deadline = time.monotonic() + wait_s
    while not Runtime.exists():
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)
    try:
        overview.warm_up()
    except Exception as exc:  # noqa: BLE001 - the first page runs the same queries and reports what fails
        logging.getLogger("fwpulse.dashboard").debug("warm-up skipped: %s", exc)


def main() -> None:
    preload()
    from streamlit.web import cli

    threading.Thread(target=warm_up_when_started, name="fwpulse-warm-up", daemon=True).start()

    sys.argv = ["streamlit", *sys.argv[1:]]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
