"""CLI options and paths: generated bad values are refused with exit 2 and one line, before any work."""

from __future__ import annotations

import random
import string

import pytest

from tests.hostile.conftest import invoke

RNG = random.Random(1601)


def _bad_ports(n: int) -> list[str]:
    fixed = ["0", "-1", "65536", "99999", str(2**31), str(2**64), "-65535"]
    gen = [str(RNG.choice([RNG.randint(-(10**6), 0), RNG.randint(65536, 10**12)])) for _ in range(n)]
    return fixed + gen


def _garbage(n: int, alphabet: str = string.printable + "é→\u200b") -> list[str]:
    out = []
    for _ in range(n):
        s = "".join(RNG.choice(alphabet) for _ in range(RNG.randint(1, 12)))
        out.append(s if any(c in s for c in " /\\\t\n!@$%^&*()=+,;<>?'\"é→\u200b") else s + " x")
    return out


BAD_PORTS = _bad_ports(18)
NOT_INTS = ["abc", "1.5", "", "8501x", "nan", "0x1F90"]
BAD_HOSTS = [
    "not a host",
    "",
    " ",
    "host name",
    "exa mple.org",
    "-leading.dash",
    "a..b",
    "http://127.0.0.1",
    "127.0.0.1:8501",
    "256.256.256.256",
    "no-such-host.invalid",
    "::1::2",
] + _garbage(18)


@pytest.mark.parametrize("port", BAD_PORTS)
def test_dashboard_port_out_of_range(hostile_db, port):
    out = invoke("dashboard", "--port", port)
    assert out.code == 2
    assert "--port" in out.one_line()


def test_dashboard_on_a_busy_port_says_so_once_before_any_banner(hostile_db):
    """It used to print 'fwpulse dashboard on http://...' and then Streamlit's own 'Port ... is not available'."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = invoke("dashboard", "--port", str(port))
    assert out.code == 2
    line = out.one_line()
    assert f"--port {port}: already in use on 127.0.0.1" in line and f"--port {port + 1}" in line
    assert "fwpulse dashboard on" not in out.stdout + out.stderr


@pytest.mark.parametrize("port", NOT_INTS)
def test_dashboard_port_not_a_number(hostile_db, port):
    out = invoke("dashboard", "--port", port)
    assert out.code == 2
    assert "--port" in out.one_line()


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_dashboard_host_that_does_not_resolve(hostile_db, host):
    out = invoke("dashboard", "--host", host)
    assert out.code == 2, out
    assert "--host" in out.one_line()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "0.0.0.0"])
def test_dashboard_good_host_reaches_exec(hostile_db, host):
    assert invoke("dashboard", "--host", host, "--port", "8599").code == 99  # the patched exec: accepted


BAD_WAITS = (
    ["nan", "inf", "-inf", "NaN", "Infinity", "-1", "-0.5", "1e400", "86401", "1e308"]
    + [repr(RNG.uniform(-1e9, -1e-9)) for _ in range(4)]
    + [repr(RNG.uniform(86_401, 1e12)) for _ in range(4)]
)


@pytest.mark.parametrize("wait", BAD_WAITS)
def test_refresh_wait_must_be_finite_seconds(hostile_db, wait):
    out = invoke("refresh", "--source", "github", "--wait", wait)
    assert out.code == 2
    assert "--wait" in out.one_line()


def test_import_paths(hostile_db, tmp_path):
    a_file = tmp_path / "plain.csv"
    a_file.write_text("framework,metric,value,as_of,source_url,note\n")
    cases = {
        "": "no file",
        ".": "no file",
        str(tmp_path): "directory",
        str(tmp_path / "missing.csv"): "no such file",
        str(a_file / "under.csv"): "no such file",
        "/dev/null": "regular file",
    }
    for path, words in cases.items():
        out = invoke("import", path)
        assert out.code == 2, (path, out)
        line = out.one_line()
        assert words in line and "import" in line, (path, line)


def test_bench_import_paths(hostile_db, tmp_path):
    for path in ("", str(tmp_path), str(tmp_path / "nope.json")):
        out = invoke("bench", "import", path)
        assert out.code == 2, (path, out)
        assert "nothing was imported" in out.one_line()


def test_backup_target_paths(hostile_db, tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("keep")
    cases = {
        str(a_file): "existing file",
        str(a_file / "sub"): "is a file",
        str(a_file / "a" / "b"): "is a file",
        str(full): "not empty",
    }
    for path, words in cases.items():
        out = invoke("db", "backup", path)
        assert out.code == 2, (path, out)
        assert words in out.one_line(), (path, out.stderr)
    assert a_file.read_text() == "x" and sorted(p.name for p in full.iterdir()) == ["keep.txt"]


def test_restore_needs_a_backup_folder(hostile_db, tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for path in ("", str(tmp_path / "missing"), str(a_file), str(tmp_path)):
        out = invoke("db", "restore", path)
        assert out.code == 2, (path, out)
        assert "BACKUP_DIR" in out.one_line()


@pytest.mark.parametrize(
    "args",
    [
        ["bench", "--threads", "0"],
        ["bench", "--threads", "-3"],
        ["bench", "--threads", str(2**40)],
        ["bench", "--threads", "many"],
        ["bench", "--suite", "huge"],
        ["bench", "--device", "tpu"],
        ["export", "--chart", "github-stars", "--scale", "nan"],
        ["export", "--chart", "github-stars", "--scale", "inf"],
        ["export", "--chart", "github-stars", "--scale", "-2"],
        ["export", "--chart", "github-stars", "--size", "0x0"],
        ["export", "--chart", "github-stars", "--size", "1e400x2"],
        ["export", "--chart", "github-stars", "--from", "0001-13-01"],
        ["export", "--chart", "nope"],
        ["export", "--chart", "github-stars", "--format", "exe"],
        ["status", "--bogus"],
        ["no-such-verb"],
        ["refresh", "--source", "myspace"],
        ["db", "compact", "--if-due", "extra"],
        ["schedule", "--cron", "not cron"],
    ],
)
def test_other_usage_errors(hostile_db, args):
    out = invoke(*args)
    assert out.code == 2, (args, out)
    out.one_line()


def test_bench_out_is_a_directory(hostile_db, tmp_path):
    out = invoke("bench", "--out", str(tmp_path), "--framework", "pytorch")
    assert out.code == 2 and "--out" in out.one_line()
