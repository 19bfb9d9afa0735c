"""A misbehaving server (a proxy, a broken GitHub Enterprise) that echoes every credential it receives
back in every response field it can: no secret may reach stdout, stderr (debug logging included,
tracebacks too), the database file, the Data health page or an export.

Every source is pointed at one echo server: each answer carries the request's headers and query
string in every JSON field (strings, numbers-as-strings, lists, nested objects), alternating
success and error statuses, so each collector meets the secrets in success bodies, error bodies
and fields it tries to parse as numbers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from fakes.loopback import LoopbackServer

SECRETS = {
    "GITHUB_TOKEN": "ghp_ECHOtoken0123456789abcdefABCDEF01",
    "STACKEXCHANGE_KEY": "seKEY)echo(0123456789",
    "OPENALEX_API_KEY": "oaKEYecho0123456789xyz",
    "FWPULSE_CLICKHOUSE_PASSWORD": "chPASSecho-0123456789",
    "HF_TOKEN": "hf_ECHOtoken0123456789abcdefXYZ",
}
SOURCE_URLS = (
    "FWPULSE_GITHUB_API_URL",
    "FWPULSE_GITHUB_GRAPHQL_URL",
    "FWPULSE_STACKEXCHANGE_API_URL",
    "FWPULSE_TRENDS_URL",
    "FWPULSE_PYPISTATS_URL",
    "FWPULSE_OPENALEX_URL",
    "FWPULSE_CLICKHOUSE_URL",
    "FWPULSE_HF_URL",
)


class EchoServer(LoopbackServer):
    def __init__(self) -> None:
        self.count = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body_in = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                secret_first = sorted(
                    self.headers.items(),
                    key=lambda kv: kv[0].lower() not in ("authorization", "x-clickhouse-key", "x-clickhouse-user"),
                )
                echoed = " ".join(f"{k}: {v}" for k, v in secret_first)
                echoed += " " + " ".join(
                    f"{k}={v}" for k, vs in parse_qs(urlsplit(self.path).query).items() for v in vs
                )
                echoed += " " + body_in[:500]
                fake.count += 1
                status = (200, 401, 500, 400, 403, 200)[fake.count % 6]
                payload = {
                    "message": f"Bad credentials {echoed}",
                    "error": echoed,
                    "error_message": echoed,
                    "error_id": 502 if status == 400 else echoed,
                    "error_name": "throttle_violation",
                    "total_count": echoed,
                    "total": echoed,
                    "count": echoed,
                    "stargazers_count": echoed,
                    "items": [{"name": echoed, "count": echoed}],
                    "history": [{"week": echoed, "total": echoed}],
                    "data": {"r0": {"stargazerCount": echoed}, "rateLimit": {"cost": echoed}},
                    "errors": [{"type": echoed, "message": echoed, "path": [echoed]}],
                    "cited_by_count": echoed,
                    "counts_by_year": [{"year": echoed, "cited_by_count": echoed}],
                    "backoff": echoed,
                    "quota_remaining": echoed,
                }
                data = json.dumps(payload).encode()
                if "default" in self.path or self.command == "POST" and "FORMAT" in body_in:
                    data = (
                        f"Code: 516. DB::Exception: {echoed}: Authentication failed. (AUTHENTICATION_FAILED)".encode()
                    )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Echo", echoed.replace("\n", " ")[:1000])
                self.send_header("Retry-After", "1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args) -> None:
                pass

        self._init_server(Handler)


def _scan(where: str, text: str) -> None:
    for name, secret in SECRETS.items():
        assert secret not in text, f"{name} leaked into {where}"


@pytest.mark.slow
def test_echoed_credentials_reach_no_sink(snapshot_db, tmp_path):
    echo = EchoServer().start()
    try:
        env = {**os.environ, **SECRETS, "FWPULSE_DB": str(snapshot_db)}
        env.update({name: echo.url for name in SOURCE_URLS})
        refresh = subprocess.run(
            [sys.executable, "-m", "fwpulse", "-v", "refresh", "--backfill"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert echo.count > 0
        assert refresh.returncode in (0, 1), refresh.stderr[-2000:]
        _scan("refresh output", refresh.stdout + refresh.stderr)
        assert "***" in refresh.stdout + refresh.stderr  # the echoes were there, and were masked
        crashes = re.findall(
            r"source \w+ crashed|unexpected [A-Z]\w+(?:Error|Exception)\b", refresh.stdout + refresh.stderr
        )
        assert not crashes, crashes  # a hostile body is a one-line failure of its source, not a crash
        status = subprocess.run(
            [sys.executable, "-m", "fwpulse", "status", "--json"], env=env, capture_output=True, text=True, timeout=120
        )
        _scan("status", status.stdout + status.stderr)
        out = tmp_path / "export"
        export = subprocess.run(
            [sys.executable, "-m", "fwpulse", "export", "--all", "--format", "csv", "--out", str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        _scan("export output", export.stdout + export.stderr)
        for f in Path(out).rglob("*"):
            if f.is_file():
                _scan(f"export file {f.name}", f.read_text(errors="replace"))
    finally:
        echo.stop()
    for f in Path(snapshot_db).parent.iterdir():  # the database file, its WAL, backups
        if f.is_file():
            raw = f.read_bytes()
            for name, secret in SECRETS.items():
                assert secret.encode() not in raw, f"{name} leaked into {f.name}"

    from streamlit.testing.v1 import AppTest

    def page() -> None:
        from fwpulse.dashboard.views import common, data_health

        common.begin_run()
        common.controls()
        data_health.render()

    os.environ["FWPULSE_DB"] = str(snapshot_db)
    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception
    shown = " ".join(
        str(e.value) for kind in ("markdown", "caption", "error", "warning", "info", "text") for e in getattr(at, kind)
    )
    shown += " ".join(e.value.to_csv() for e in at.dataframe)
    assert "***" in shown or "unexpected" in shown or "failed" in shown
    _scan("Data health page", shown)
