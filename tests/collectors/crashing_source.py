"""A source with a bug: the orchestrator must record it and carry on."""

from fwpulse.collectors.base import Source


def collect(ctx):
    raise RuntimeError("boom in the crashing source")


SOURCE = Source("crashing", collect, "test source that always crashes")
