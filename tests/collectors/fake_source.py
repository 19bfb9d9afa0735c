"""A network-free source for orchestrator tests: emits one stars value per framework."""

from __future__ import annotations

import os

from fwpulse.collectors.base import Source, SourceResult
from fwpulse.data.store import Observation


def collect(ctx) -> SourceResult:
    value = float(os.environ.get("FAKE_SOURCE_VALUE", "100"))
    if os.environ.get("FAKE_SOURCE_CRASH"):
        raise RuntimeError("boom in the fake source")
    obs = [
        Observation(f.id, "github.stars", ctx.today, value + i, "fake", "test fixture source")
        for i, f in enumerate(ctx.frameworks)
    ]
    return SourceResult(observations=obs, state={"last_value": value})


SOURCE = Source("fake", collect, "test source")
