"""Refresh orchestration: run the selected sources, each isolated, and store what each collected.

Each source's rows and its run-ledger row are written in one short write transaction after it
has collected.

A refresh holds an exclusive lock file next to the database so two refreshes never overlap
(the CLI maps :class:`RefreshLocked` to exit code 75).
"""

from __future__ import annotations

import fcntl
import importlib
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from fwpulse.collectors.base import CollectContext, Source, SourceResult
from fwpulse.collectors.errors import SkippableError, SourceError
from fwpulse.collectors.http import HttpClient
from fwpulse.data import db, ledger, store
from fwpulse.data import sources as source_list
from fwpulse.data.bootstrap import ensure_database
from fwpulse.data.redact import redact
from fwpulse.data.registry import Registry
from fwpulse.data.settings import Settings

log = logging.getLogger("fwpulse.refresh")


def source_modules(sources: tuple[source_list.SourceInfo, ...]) -> dict[str, str]:
    """--source NAME -> the module in collectors/ exposing SOURCE (imported lazily)."""
    return {s.name: s.module for s in sources}


def source_url_settings(sources: tuple[source_list.SourceInfo, ...]) -> dict[str, tuple[str, ...]]:
    """--source NAME -> the settings that point it at its server (named when the server cannot be reached)."""
    return {s.name: s.urls for s in sources}


# Both from the one declaration in data/sources.py.
SOURCES: dict[str, str] = source_modules(source_list.SOURCES)
SOURCE_URL_SETTINGS: dict[str, tuple[str, ...]] = source_url_settings(source_list.SOURCES)


class RefreshLocked(RuntimeError):
    pass


@dataclass(frozen=True)
class Outcome:
    source: str
    status: str  # ok | partial | failed | skipped | unavailable
    rows_written: int = 0
    rows_unchanged: int = 0
    requests: int = 0
    seconds: float = 0.0
    error: str | None = None

    def summary(self) -> str:
        text = (
            f"{self.source}: {self.status}, {self.rows_written} new rows, {self.rows_unchanged} unchanged, "
            f"{self.requests} requests, {self.seconds:.1f}s"
        )
        return redact(text + (f" - {self.error}" if self.error else ""))


def available_sources() -> list[str]:
    return list(SOURCES)


def load_source(name: str) -> Source | None:
    """The source's SOURCE object, or None while its module does not exist yet."""
    try:
        module = importlib.import_module(SOURCES[name])
    except ModuleNotFoundError as exc:
        if exc.name == SOURCES[name]:
            return None
        raise
    return module.SOURCE


@contextmanager
def refresh_lock(db_path: Path, wait: float = 0.0) -> Iterator[None]:
    lock_path = Path(db_path).with_name(Path(db_path).name + ".refresh.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(lock_path, "a+")
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    raise RefreshLocked(
                        f"another refresh ({holder}) holds {lock_path}; wait for it or pass --wait SECONDS"
                    ) from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        yield
    finally:
        fh.close()  # closing releases the flock


def run_source(
    name: str,
    source: Source,
    settings: Settings,
    registry: Registry,
    framework_ids: list[str] | None,
    backfill: bool,
    progress: Callable[..., None] = lambda message=None, total=None: None,
    http_factory: Callable[[Settings], HttpClient] | None = None,
    force: bool = False,
) -> Outcome:
    """Collect one source and store its rows. ``progress(message)`` advances one step; the total starts as one
    step per framework the source collects, and a source whose steps are not frameworks (Stack Overflow: one
    per month, Trends: one per framework and batch) corrects it through ``ctx.expect_steps``."""
    frameworks = source_frameworks(source, registry, framework_ids)
    with db.reading(settings.db_path) as con:
        state = ledger.source_state(con, name)
    http = (
        http_factory(settings)
        if http_factory
        else HttpClient(
            settings.secrets(), url_setting=lambda url: settings.url_setting_for(url, SOURCE_URL_SETTINGS.get(name, ()))
        )
    )
    started = store.utcnow()
    t0 = time.monotonic()
    error = None
    try:
        result = source.collect(
            CollectContext(
                frameworks=frameworks,
                registry=registry,
                settings=settings,
                http=http,
                state=state,
                backfill=backfill,
                force=force,
                progress=progress,
                expect_steps=lambda total: progress(total=total),
                log=logging.getLogger(f"fwpulse.collectors.{name}"),
            )
        )
    except SkippableError as exc:
        result = SourceResult(skipped=http.redact(str(exc)), retry_after=exc.retry_after)
    except SourceError as exc:
        result, error = SourceResult(retry_after=exc.retry_after), http.redact(str(exc))
    except Exception as exc:  # a bug in one source must not stop the others
        log.warning(
            "source %s crashed; the other sources go on (traceback follows, secrets redacted)", name, exc_info=True
        )
        result, error = SourceResult(), http.redact(f"unexpected {type(exc).__name__}: {exc}{_where(exc)}")
    status = "failed" if error else result.status
    if error is None and result.failures:
        error = "; ".join(f"{fid}: {msg}" for fid, msg in sorted(result.failures.items()))
    if result.skipped:
        error = result.skipped
    run = store.RunRecord(
        source=name,
        started_at=started,
        finished_at=store.utcnow(),
        status=status,
        requests=http.requests,
        error=error,
        retry_after=result.retry_after,
        details={**result.details, "frameworks": [f.id for f in frameworks], "backfill": backfill},
    )
    with db.writing(settings.db_path) as con:
        written = store.record_run(con, run, result.observations, result.events, result.state)
    return Outcome(
        name, status, written.rows_written, written.rows_unchanged, http.requests, time.monotonic() - t0, error
    )


def source_frameworks(source: Source, registry: Registry, framework_ids: list[str] | None) -> list:
    """The selected frameworks this source collects (those with the registry field it needs)."""
    return [f for f in registry.select(framework_ids) if source.needs(f)]


def _where(exc: BaseException) -> str:
    """' (at file.py:LINE in func)' of the innermost frame, so the ledger keeps the crash's place."""
    tb = exc.__traceback__
    if tb is None:
        return ""
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return f" (at {Path(code.co_filename).name}:{tb.tb_lineno} in {code.co_name})"


def refresh(
    settings: Settings,
    registry: Registry,
    sources: list[str] | None = None,
    framework_ids: list[str] | None = None,
    backfill: bool = False,
    wait: float = 0.0,
    force: bool = False,
    progress_factory: Callable[[str, int], Callable[..., None]] | None = None,
) -> list[Outcome]:
    """Run the sources under the refresh lock. ``progress_factory(source, steps)`` returns the source's
    ``tick(message=None, total=None)``: a message advances one step, ``total=`` corrects the number of steps."""
    names = sources or available_sources()
    registry.select(framework_ids)  # validates ids before any work
    ensure_database(settings.db_path)
    outcomes = []
    with refresh_lock(settings.db_path, wait):
        for name in names:
            source = load_source(name)
            if source is None:
                outcomes.append(Outcome(name, "unavailable", error="this source is not implemented yet"))
                continue
            steps = len(source_frameworks(source, registry, framework_ids))  # only the frameworks it collects
            progress = progress_factory(name, steps) if progress_factory else (lambda message=None, total=None: None)
            outcome = run_source(name, source, settings, registry, framework_ids, backfill, progress, force=force)
            log.debug(outcome.summary())  # the CLI prints every summary once, at the end (-v also shows it here)
            outcomes.append(outcome)
        _compact_if_due(settings)
    return outcomes


def _compact_if_due(settings: Settings) -> None:
    """Re-cluster the history once enough rows were appended (data/compact.py). Still under the
    refresh lock; a failure here is logged and loses nothing (the rewrite is one transaction)."""
    from fwpulse.data.compact import compact

    try:
        with db.writing(settings.db_path) as con:
            result = compact(con)
        if result.compacted:
            log.info(result.summary())
    except Exception as exc:  # the sources' rows are already committed; never fail the refresh for this
        log.warning("could not compact the database (%s); run `fwpulse db compact` later", exc)
