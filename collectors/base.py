"""What every source module looks like, and the three kinds of error that drive control flow.

A source is a module in ``collectors/`` exposing ``SOURCE = Source(name, collect)`` where
``collect(ctx) -> SourceResult``. ``collect`` does network I/O only through ``ctx.http`` and
returns rows; it never opens the database. The orchestrator (``collectors.refresh``) writes a
source's rows, its new state and its run-ledger row in one short transaction afterwards.

Errors:
- :class:`FatalSourceError`    - this source cannot run (bad config, auth, 404 for everything).
- :class:`RetriableError`      - transient (5xx, timeout, rate limit); the HTTP client retries
                                 these with bounded backoff before giving up.
- :class:`SkippableError`      - "not now": the source is recorded as skipped, never failing a
                                 refresh (e.g. Google Trends 429); ``retry_after`` says when.
Per-framework problems do not raise: they go to ``SourceResult.failures`` so the other
frameworks' rows are still stored (status ``partial``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from fwpulse.collectors.errors import FatalSourceError, RetriableError, SkippableError, SourceError
from fwpulse.collectors.http import HttpClient
from fwpulse.data.registry import Framework, Registry
from fwpulse.data.settings import Settings
from fwpulse.data.store import Event, Observation

__all__ = [
    "CollectContext",
    "SourceResult",
    "Source",
    "SourceError",
    "FatalSourceError",
    "RetriableError",
    "SkippableError",
]


@dataclass
class CollectContext:
    frameworks: list[Framework]  # already filtered by --framework
    registry: Registry
    settings: Settings
    http: HttpClient
    state: dict[str, Any]  # this source's stored state (read before collecting)
    backfill: bool = False
    force: bool = False  # ask again even where a source would reuse today's answer
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("fwpulse.collectors"))
    progress: Callable[[str], None] = lambda message: None  # advance the progress bar one step
    # The number of progress steps when they are not one per framework (call it before the first step).
    expect_steps: Callable[[int], None] = lambda total: None

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def source_settings(self, source: str) -> dict[str, Any]:
        return self.registry.source_settings(source)


@dataclass
class SourceResult:
    observations: list[Observation] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)  # keys to (over)write in source_state
    failures: dict[str, str] = field(default_factory=dict)  # framework id -> one-line reason
    details: dict[str, Any] = field(default_factory=dict)  # quota left, rate-limit budget, ...
    skipped: str | None = None  # reason when nothing could be done now
    retry_after: dt.datetime | None = None

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        if self.failures:
            return "partial" if self.observations or self.events else "failed"
        return "ok"

    def finish(self, ctx: CollectContext, source: str, stopped: str | None = None, **details: Any) -> SourceResult:
        """The end of every ``collect``: add the run's ``details`` (in order); a run that stopped
        early, keeping what it had, says why under ``details["stopped"]`` and in the log."""
        self.details.update(details)
        if stopped:
            self.details["stopped"] = stopped
            ctx.log.info("%s: %s", source, stopped)
        return self


@dataclass(frozen=True)
class Source:
    name: str
    collect: Callable[[CollectContext], SourceResult]
    description: str
    # Which framework field this source needs; frameworks without it are not collected.
    needs: Callable[[Framework], bool] = lambda f: True
