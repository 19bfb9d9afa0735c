"""Network -> observations: one module per source, the shared HTTP client, refresh orchestration."""

from fwpulse import only_as

only_as(__name__, "fwpulse.collectors")
