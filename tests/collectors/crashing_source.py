"""A source with a bug: the orchestrator must record it and carry on.

With ``CRASH_WITH_SECRET`` set it crashes the way a source does when a server echoed a credential
into a field it then parsed: the secret is in the exception text and in a local of the frame.
"""

import os

from fwpulse.collectors.base import Source


def collect(ctx):
    echoed = os.environ.get("CRASH_WITH_SECRET")
    if echoed:
        int(f"count={echoed}")  # ValueError: invalid literal for int() with base 10: 'count=<secret>'
    raise RuntimeError("boom in the crashing source")


SOURCE = Source("crashing", collect, "test source that always crashes")
