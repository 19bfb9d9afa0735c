"""The store (DuckDB schema + migrations, read/write API, metric catalog, registry, bundled snapshot)."""

from fwpulse import only_as

only_as(__name__, "fwpulse.data")
