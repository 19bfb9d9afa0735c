"""The no-network guard of tests/conftest.py is real: these fail if it is removed or weakened."""

from __future__ import annotations

import os
import socket

import pytest
import requests

from fwpulse.data.settings import load_settings
from tests.conftest import CLOSED_URL, SERVICE_URL_VARS


def test_every_service_url_points_at_a_closed_loopback_port():
    settings = load_settings()
    for name in SERVICE_URL_VARS:
        assert os.environ[name] == CLOSED_URL
    for url in (
        settings.github_api_url,
        settings.stackexchange_api_url,
        settings.trends_url,
        settings.pypistats_url,
        settings.openalex_url,
    ):
        assert url.startswith(CLOSED_URL)
    with pytest.raises(requests.ConnectionError):
        requests.get(settings.pypistats_url + "/packages/torch/recent", timeout=2)


def test_non_loopback_connections_and_lookups_are_refused():
    with pytest.raises(OSError, match="network access blocked"):
        socket.create_connection(("93.184.215.14", 443), timeout=1)
    with pytest.raises(socket.gaierror, match="network access blocked"):
        socket.getaddrinfo("api.github.com", 443)
    with pytest.raises(requests.ConnectionError):
        requests.get("https://api.github.com/", timeout=2)


def test_secrets_from_the_shell_are_removed():
    for name in ("GITHUB_TOKEN", "STACKEXCHANGE_KEY", "OPENALEX_API_KEY"):
        assert name not in os.environ
