"""Client-side pacing for services that limit requests per time window.

A :class:`Pacer` enforces several limits at once, each "at most ``count`` requests in any
``seconds``-long window" (pypistats: 5 per second and 30 per minute). It keeps the send
times of the last ``count`` requests per limit (a sliding-window log) and, before a request,
sleeps until every limit has room. Unlike a token bucket with a burst capacity, a log never
lets a window hold more than ``count`` requests, even at the window's edge, so it is safe
against fixed-window and moving-window server limiters alike. ``slack`` (a fraction of each
window, default 5 %) absorbs clock and latency differences between client and server.

Time comes from ``clock`` and waiting goes through ``sleep`` (both injectable: tests pass a
virtual clock that ``sleep`` advances, so no test really waits). A wait that was slept
through counts even if the clock lags behind it.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Limit:
    count: int  # at most this many requests ...
    seconds: float  # ... in any window of this length

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds:g}s"


@dataclass
class Pacer:
    limits: tuple[Limit, ...]
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    slack: float = 0.05
    waited: float = 0.0
    sent: list[float] = field(default_factory=list)  # every send time this pacer allowed or noted
    _logs: dict[Limit, deque] = field(default_factory=dict)
    _floor: float = float("-inf")  # time already slept through

    def __post_init__(self) -> None:
        for limit in self.limits:
            if limit.count < 1 or limit.seconds <= 0:
                raise ValueError(f"bad limit {limit}")
            self._logs[limit] = deque(maxlen=limit.count)

    def now(self) -> float:
        return max(self.clock(), self._floor)

    def delay(self) -> float:
        """Seconds to wait before the next request may go out (0 when it may go now)."""
        now = self.now()
        wait = 0.0
        for limit, log in self._logs.items():
            if len(log) == limit.count:  # full: the oldest of the last `count` must leave the window
                wait = max(wait, log[0] + limit.seconds * (1 + self.slack) - now)
        return max(0.0, wait)

    def take(self) -> float:
        """Wait until every limit has room, then record a request sent now; returns the wait."""
        before = self.now()
        wait = self.delay()
        if wait > 0:
            self.sleep(wait)
            self.waited += wait
            self._floor = max(self._floor, before + wait)
        self.note()
        return wait

    def note(self, n: int = 1) -> None:
        """Record ``n`` requests sent now without waiting (e.g. retries made by the HTTP client)."""
        now = self.now()
        self._floor = now
        for _ in range(n):
            self.sent.append(now)
            for log in self._logs.values():
                log.append(now)
