"""The real thing: `fwpulse dashboard` serving, headless Chromium (Playwright) looking at it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dashboard_url(tmp_path):
    port = free_port()
    db_path = tmp_path / "fresh" / "fwpulse.duckdb"  # missing: the command must build it
    proc = subprocess.Popen([sys.executable, "-m", "fwpulse", "dashboard", "--port", str(port)],
                            env={**os.environ, "FWPULSE_DB": str(db_path)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            proc.kill()
            pytest.fail(f"dashboard did not start: {proc.stdout.read()}")
        assert db_path.exists()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_dashboard_renders_real_history_in_chromium(dashboard_url, tmp_path):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium (the README test command does)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(dashboard_url + "/?fw=pytorch,tensorflow,keras,jax")
        page.get_by_text("fwpulse: PyTorch vs TensorFlow vs Keras vs JAX").wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").nth(2).wait_for(timeout=60_000)
        assert page.locator(".js-plotly-plot").count() == 3
        legend = page.locator(".js-plotly-plot .legendtext").evaluate_all("els => els.map(e => e.textContent)")
        assert {"PyTorch", "TensorFlow", "Keras", "JAX"} <= set(legend)
        assert page.get_by_text("2020 article figure").count() >= 1
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
        if os.environ.get("FWPULSE_SCREENSHOT"):
            page.screenshot(path=os.environ["FWPULSE_SCREENSHOT"], full_page=True)
        assert (tmp_path / "overview.png").stat().st_size > 50_000
        assert not [e for e in errors if "plotly" in e.lower() or "streamlit" in e.lower()]
        browser.close()
