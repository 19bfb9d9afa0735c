"""Network -> observations: one module per source, the shared HTTP client, refresh orchestration."""

if (
    __name__ != "fwpulse.collectors"
):  # one name only: `collectors.x` and `fwpulse.collectors.x` would be two copies of every module
    raise ImportError(
        f"import this folder as fwpulse.collectors, not as {__name__!r} "
        "(install the checkout with `pip install -e .` and use `import fwpulse.collectors`)"
    )
