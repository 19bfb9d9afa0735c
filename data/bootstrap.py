"""Make sure the database exists and is on the current schema.

Every command that reads the database calls :func:`ensure_database`, so every command works
on a fresh machine: a missing file is built from the bundled snapshot (atomically), an older
schema is migrated.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fwpulse.data import db
from fwpulse.data.backup import backup
from fwpulse.data.compact import compact
from fwpulse.data.snapshot import LOADERS, load_new_files, load_snapshot, loaded_files

log = logging.getLogger("fwpulse.data")


def _load_snapshot_clustered(con) -> None:
    load_snapshot(con)
    compact(con, force=True)  # a new database starts clustered by series (data/compact.py)


def ensure_database(path: Path) -> bool:
    """Create ``path`` from the snapshot when missing; migrate when behind. True if it was created."""
    path = Path(path)
    if not path.exists():
        log.info("building %s from the bundled snapshot", path)
        db.build_new(path, _load_snapshot_clustered)
        return True
    with db.reading(path) as con:  # one open answers both questions: every command passes here
        behind = db.schema_version(con) < db.latest_version()
        known = loaded_files(con)
    if behind:
        target = backup(path)
        log.info("backed up %s to %s before migrating", path, target)
        with db.writing(path) as con:
            db.migrate(con)
    if known and set(LOADERS) - known:  # built from an older snapshot (one built empty stays empty)
        with db.writing(path) as con:
            added = load_new_files(con)
        log.info("added %s from the bundled snapshot to %s", ", ".join(added), path)
    return False
