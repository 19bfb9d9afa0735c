"""Shared fixtures: real DuckDB files in tmp dirs (never a mocked DB)."""

from __future__ import annotations

import shutil
import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from filelock import FileLock

from fwpulse.data.bootstrap import ensure_database
from fwpulse.data.sources import SOURCES, hidden_variables, url_variables

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def once_per_session(tmp_path_factory, worker_id: str, name: str) -> Iterator[Path]:
    """A folder ``name`` shared by every xdist worker of this test session, held under a file lock while the body
    runs: the first worker to arrive does the costly work there, the others wait and find it done."""
    root = tmp_path_factory.getbasetemp()
    root = root if worker_id == "master" else root.parent  # the directory every worker's basetemp sits in
    with FileLock(str(root / f"{name}.lock")):
        yield root / name


@pytest.fixture(scope="session")
def snapshot_db_template(tmp_path_factory) -> Path:
    """The bundled snapshot built once per session; tests get their own copy."""
    path = tmp_path_factory.mktemp("template") / "fwpulse.duckdb"
    ensure_database(path)
    return path


@pytest.fixture
def snapshot_db(snapshot_db_template, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "fwpulse.duckdb"
    shutil.copy(snapshot_db_template, path)
    monkeypatch.setenv("FWPULSE_DB", str(path))
    return path


@pytest.fixture
def empty_db(tmp_path, monkeypatch) -> Path:
    """A migrated database with no rows at all."""
    from fwpulse.data import db

    path = tmp_path / "empty.duckdb"
    with db.writing(path) as con:
        db.migrate(con)
    monkeypatch.setenv("FWPULSE_DB", str(path))
    return path


# ------------------------------------------------------------------ no network, enforced


def service_url_vars(sources=SOURCES) -> tuple[str, ...]:
    """Every service base URL fwpulse reads from the environment: each source's, from its one declaration."""
    return url_variables(sources)


def secret_vars(sources=SOURCES) -> tuple[str, ...]:
    """Every key and credential the sources declare, and GH_TOKEN (the `gh` CLI the github source may ask)."""
    return (*hidden_variables(sources), "GH_TOKEN")


SERVICE_URL_VARS = service_url_vars()
SECRET_VARS = secret_vars()


def _closed_loopback_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released; connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CLOSED_URL = f"http://127.0.0.1:{_closed_loopback_port()}"
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = str(address[0])
    return host in ("127.0.0.1", "::1", "localhost") or host.startswith("127.")


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
        raise OSError(f"network access blocked in tests: connect to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
        raise OSError(f"network access blocked in tests: connect to {address!r}")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host not in (None, "127.0.0.1", "::1", "localhost", b"127.0.0.1", b"localhost") and not str(host).startswith(
        "127."
    ):
        raise socket.gaierror(socket.EAI_NONAME, f"network access blocked in tests: DNS lookup of {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def cut_off(monkeypatch, sources=SOURCES) -> None:
    """Every service URL of ``sources`` at a closed loopback port (inherited by CLI subprocesses), their
    secrets from the developer's shell removed, and no non-loopback connect or DNS lookup in this process."""
    for name in service_url_vars(sources):
        monkeypatch.setenv(name, CLOSED_URL)
    for name in secret_vars(sources):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """No test can reach a real service, even by mistake (:func:`cut_off` for every declared source)."""
    cut_off(monkeypatch)
