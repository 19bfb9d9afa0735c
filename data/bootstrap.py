"""Make sure the database exists and is on the current schema.

Every command that reads the database calls :func:`ensure_database`, so every command works
on a fresh machine: a missing file is built from the bundled snapshot (atomically), an older
schema is migrated.
"""

from __future__ import annotations

import logging
from pathlib import Path

from . import db
from .backup import backup
from .compact import compact
from .snapshot import load_snapshot

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
    if db.needs_migration(path):
        target = backup(path)
        log.info("backed up %s to %s before migrating", path, target)
        with db.writing(path) as con:
            db.migrate(con)
    return False
