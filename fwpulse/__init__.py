"""fwpulse: ecosystem metrics and measured speed for ML frameworks.

The rooms live in top-level folders and install as sub-packages:
``fwpulse.data`` (data/), ``fwpulse.collectors`` (collectors/),
``fwpulse.benchmarks`` (benchmarks/), ``fwpulse.dashboard`` (dashboard/).
``fwpulse.cli`` is the thin front door.
"""

__version__ = "0.1.0"


def only_as(name: str, expected: str) -> None:
    """Refuse a room imported under a second name: ``data.x`` and ``fwpulse.data.x`` would be two copies of
    every module (two ``Settings`` classes, two caches). Each room's ``__init__`` calls this first."""
    if name != expected:
        raise ImportError(
            f"import this folder as {expected}, not as {name!r} "
            f"(install the checkout with `pip install -e .` and use `import {expected}`)"
        )
