"""Scripts that measure fwpulse itself (requests per refresh, dashboard and ClickHouse at scale, store contention).

Development only, outside the rooms and not in the wheel (a top-level folder like fakes/ and tests/). Run from
the checkout with the dev install, e.g. ``.venv/bin/python -m perf.github_requests``;
the fake services they talk to are in ``fakes/`` (never ``tests/``).
"""
