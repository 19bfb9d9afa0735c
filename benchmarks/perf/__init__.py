"""Scripts that measure fwpulse itself (requests per refresh, dashboard and ClickHouse at scale, store contention).

Development only: not shipped in the wheel (pyproject lists only ``fwpulse.benchmarks.speed``). Run from
the checkout with the dev install, e.g. ``.venv/bin/python -m fwpulse.benchmarks.perf.github_requests``;
the fake services they talk to are in ``fakes/`` (never ``tests/``).
"""
