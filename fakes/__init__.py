"""Fake services on 127.0.0.1 built from the recorded and documented samples in ``fakes/api-samples/``
(a copy of the project's shared API samples, including CHANGES-2026-11.md): GitHub REST + GraphQL,
Stack Exchange, pypistats, OpenAlex, Google Trends, and ClickHouse (executing queries on chDB).

Used by the tests (``tests/``) and by the scripts that measure fwpulse itself (``perf/``);
never shipped in the wheel. A fake serves what the service does, as the samples show, never what
the code expects.
"""
