"""Hardware -> measurements: the speed module (speed/) and scripts that measure fwpulse itself."""

if __name__ != "fwpulse.benchmarks":  # one name only, else two copies of every module
    raise ImportError(
        f"import this folder as fwpulse.benchmarks, not as {__name__!r} "
        "(install the checkout with `pip install -e .` and use `import fwpulse.benchmarks`)"
    )
