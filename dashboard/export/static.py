"""Static export images (PNG/SVG/PDF): every image of a call rendered by kaleido through ONE Chromium process.

The browser is Debian's (``BROWSER_PATH``; never a downloaded one), checked by
:func:`fwpulse.dashboard.export.options.check_browser`; a failure is one :class:`ExportError` line.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import sys
import time

from fwpulse.dashboard.export.options import INSTALL_HINT, ChromiumMissing, ExportError, check_browser

RENDER_TIMEOUT_S = 60  # kaleido's own limit per image
# One attempt's limit, start-up included (kaleido's limit covers only its renders): a Chromium that hangs while
# starting (a CI run under load waited past four minutes) is stopped and tried again. A healthy image takes
# about half a second on the 2-core machine, 1-2 s under load.
ATTEMPT_BASE_S, ATTEMPT_PER_IMAGE_S = 60.0, 10.0
CLOSE_TIMEOUT_S = 10.0  # stopping a session that was cut


def _run(coro):
    """Run a coroutine from sync code, also when the caller (e.g. a server thread) has a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _import_kaleido():
    """Import kaleido with a bare ``sys.argv``: its logger (logistro) parses the command line at import
    time and exits on an abbreviation it finds ambiguous, such as our own ``--log``."""
    argv = sys.argv
    sys.argv = argv[:1]
    try:
        import kaleido
        from kaleido.errors import ChromeNotFoundError
    except ImportError:
        raise ExportError("static export needs kaleido >= 1: pip install -c constraints.txt -e '.[export]'") from None
    finally:
        sys.argv = argv
    return kaleido, ChromeNotFoundError


def _quiet_browser_logs() -> None:
    """kaleido/choreographer log to the root logger (stderr by default); keep our errors one line unless -v."""
    if logging.getLogger("fwpulse").isEnabledFor(logging.DEBUG):
        return
    for name in ("choreographer", "kaleido", "logistro", "browser_proc"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _check_starts(browser: str) -> None:
    """``browser --version`` must answer within seconds: a binary that exits at once or hangs is one line now,
    not a render that waits on it (under load that wait outlasted two minutes)."""
    import subprocess

    try:
        res = subprocess.run([browser, "--version"], capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExportError(f"static image export: {browser} --version did not answer ({type(exc).__name__}); "
                          "check that BROWSER_PATH is a working Chromium") from None  # fmt: skip
    if res.returncode != 0 or "chrom" not in (res.stdout + res.stderr).lower():
        raise ExportError(
            f"static image export: {browser} --version exited {res.returncode} without naming Chromium; "
            "check that BROWSER_PATH is a working Chromium"
        )


RACE_ATTEMPTS = 3  # a second try once failed too, in CI with four test workers and Chromium on two cores


def _page_not_ready(exc: BaseException) -> bool:
    """kaleido's own page answered before its scripts loaded ("kaleido_scopes is not defined"): a race seen when
    several Chromiums start at once on a busy 2-core machine, gone on a later try."""
    return "kaleido_scopes is not defined" in str(exc)


def render_static(
    jobs: list[tuple[object, str, int, int, float]], browser_path: str | None, tabs: int = 1
) -> list[bytes]:
    """Images for ``jobs`` = [(figure, format, width, height, scale)], all from ONE Chromium process.

    One tab by default: on the 2-core reference machine a second tab did not help (18 images: 7.8-8.8 s with
    one tab vs 7.9-9.9 s with two when idle; 11.3 s vs 13.3 s under load).
    """
    if not jobs:
        return []
    browser = check_browser(browser_path)
    _check_starts(browser)
    kaleido, ChromeNotFoundError = _import_kaleido()
    os.environ["BROWSER_PATH"] = browser  # choreographer's own lookup agrees with ours
    _quiet_browser_logs()

    async def main(session) -> list[bytes]:
        async with session as k:

            async def one(fig, fmt, w, h, s):
                return await k.calc_fig(fig, opts={"format": fmt, "width": w, "height": h, "scale": s})

            return list(await asyncio.gather(*(one(*job) for job in jobs)))

    limit = ATTEMPT_BASE_S + ATTEMPT_PER_IMAGE_S * len(jobs)

    async def bounded() -> list[bytes]:
        session = kaleido.Kaleido(path=browser, n=max(1, min(tabs, len(jobs))), mathjax=False, timeout=RENDER_TIMEOUT_S)
        try:
            return await asyncio.wait_for(main(session), limit)
        except BaseException:
            # A session cut while starting never reached its own close: stop its Chromium before the next try.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.close(), CLOSE_TIMEOUT_S)
            raise

    try:
        for attempt in range(1, RACE_ATTEMPTS + 1):
            started = time.monotonic()
            try:
                return _run(bounded())
            except Exception as exc:  # noqa: BLE001 - a race or a hang is retried, everything else is reported below
                # Over the limit is a hang whatever the exception says (choreographer turns a cancelled start-up
                # into "the browser seemed to close").
                hung = time.monotonic() - started >= limit
                if not (hung or _page_not_ready(exc)) or attempt == RACE_ATTEMPTS:
                    if hung:
                        raise TimeoutError from exc
                    raise
                time.sleep(0.5 * attempt)  # kaleido's page had not loaded its scripts, or Chromium hung: again
    except TimeoutError:
        raise ExportError(
            f"static image export with {browser}: no answer within {limit:.0f} s, {RACE_ATTEMPTS} times "
            "(check that BROWSER_PATH is a working Chromium and the machine is not overloaded)"
        ) from None
    except ChromeNotFoundError:
        raise ChromiumMissing(f"Chromium not found at {browser} (BROWSER_PATH): {INSTALL_HINT}") from None
    except ExportError:
        raise
    except Exception as exc:  # the browser died, timed out, or refused to start
        first = next((str(a).strip().splitlines()[0] for a in exc.args if str(a).strip()), type(exc).__name__)
        raise ExportError(
            f"static image export with {browser} failed: {first} (check that BROWSER_PATH is a working Chromium)"
        ) from None
