"""Hardware -> measurements: the speed module (speed/) and scripts that measure fwpulse itself."""

from fwpulse import only_as

only_as(__name__, "fwpulse.benchmarks")
