"""The store (DuckDB schema + migrations, read/write API, metric catalog, registry, bundled snapshot)."""

if __name__ != "fwpulse.data":  # one name only: `data.x` and `fwpulse.data.x` would be two copies of every module
    raise ImportError(
        f"import this folder as fwpulse.data, not as {__name__!r} "
        "(install the checkout with `pip install -e .` and use `import fwpulse.data`)"
    )
