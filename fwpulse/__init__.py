"""fwpulse: ecosystem metrics and measured speed for ML frameworks.

The rooms live in top-level folders and install as sub-packages:
``fwpulse.data`` (data/), ``fwpulse.collectors`` (collectors/),
``fwpulse.benchmarks`` (benchmarks/), ``fwpulse.dashboard`` (dashboard/).
``fwpulse.cli`` is the thin front door.
"""

__version__ = "0.1.0"
