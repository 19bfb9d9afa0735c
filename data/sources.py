"""Every source fwpulse collects from, declared once: its name, collector module, service URLs and keys.

The refresh's source list and the settings each source's errors name (collectors/refresh.py), `fwpulse doctor`'s
keys and reachability checks, and the tests' no-network fixture and per-source checks all derive from
:data:`SOURCES`. It lives in data/ (the bottom room) so that everything above can read it; the collector module
is imported only when its source runs. A test checks every name here against data/settings.py and the modules.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceInfo:
    name: str  # `fwpulse refresh --source NAME`
    module: str  # the collectors module exposing SOURCE
    urls: tuple[str, ...]  # environment variables of its service's base URLs, most specific first
    keys: tuple[str, ...] = ()  # environment variables of its keys and tokens (never shown, logged or stored)


SOURCES = (
    SourceInfo(
        "github",
        "fwpulse.collectors.github",
        ("FWPULSE_GITHUB_GRAPHQL_URL", "FWPULSE_GITHUB_API_URL"),
        ("GITHUB_TOKEN",),
    ),
    SourceInfo(
        "stackoverflow", "fwpulse.collectors.stackoverflow", ("FWPULSE_STACKEXCHANGE_API_URL",), ("STACKEXCHANGE_KEY",)
    ),
    SourceInfo("trends", "fwpulse.collectors.trends", ("FWPULSE_TRENDS_URL",)),
    SourceInfo("pypi", "fwpulse.collectors.pypi", ("FWPULSE_PYPISTATS_URL",)),
    SourceInfo("citations", "fwpulse.collectors.citations", ("FWPULSE_OPENALEX_URL",), ("OPENALEX_API_KEY",)),
    SourceInfo("clickpy", "fwpulse.collectors.clickpy", ("FWPULSE_CLICKHOUSE_URL",), ("FWPULSE_CLICKHOUSE_PASSWORD",)),
    SourceInfo(
        "gharchive", "fwpulse.collectors.gharchive", ("FWPULSE_CLICKHOUSE_URL",), ("FWPULSE_CLICKHOUSE_PASSWORD",)
    ),
    SourceInfo("research", "fwpulse.collectors.research", ("FWPULSE_OPENALEX_URL",), ("OPENALEX_API_KEY",)),
    SourceInfo("hfhub", "fwpulse.collectors.hfhub", ("FWPULSE_HF_URL",), ("HF_TOKEN",)),
)


def url_variables() -> tuple[str, ...]:
    """Every service URL variable, once each, in source order."""
    return tuple(dict.fromkeys(u for s in SOURCES for u in s.urls))


def key_variables() -> tuple[str, ...]:
    """Every key and token variable, once each, in source order."""
    return tuple(dict.fromkeys(k for s in SOURCES for k in s.keys))
