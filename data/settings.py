"""Settings: where the database and config live, and the base URLs of every source.

Everything is read from the environment when :func:`load_settings` is called (never at
import time). Tokens are kept out of ``repr`` so they never reach logs or tracebacks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

DATA_DIR = Path(__file__).resolve().parent
BUNDLED_CONFIG = DATA_DIR / "frameworks.toml"
SNAPSHOT_DIR = DATA_DIR / "snapshot"
MIGRATIONS_DIR = DATA_DIR / "migrations"
APP_NAME = "fwpulse"
# New database files are written in DuckDB's 1.5 storage format (DuckDB 2 reads and writes it, and keeps a
# file's format on later writes), so the DuckDB CLI on PyPI (`duckdb-cli` 1.5.x) can open them read-only;
# a file in 2.0 storage answers "created with a newer version of DuckDB" there. Measured in docs/data.md.
STORAGE_VERSION = "v1.5.0"
NEW_FILE_CONFIG = {"storage_compatibility_version": STORAGE_VERSION}
DB_FILENAME = "fwpulse.duckdb"


def user_data_dir() -> Path:
    """The user's data folder for fwpulse (database and its backups/): ``platformdirs.user_data_dir``,
    on Linux ``$XDG_DATA_HOME/fwpulse`` or ``~/.local/share/fwpulse``. Never inside the installed package."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """Where the database lives when ``FWPULSE_DB`` is not set (``./dev.sh`` sets it to the checkout's
    ``data/fwpulse.duckdb`` for development)."""
    return user_data_dir() / DB_FILENAME


# Every environment variable fwpulse reads, with its meaning and default.
# docs/configuration.md's settings table is checked against this dict by a test.
ENV_VARS: dict[str, tuple[str, str]] = {
    "FWPULSE_DB": (
        "DuckDB file (its backups go to backups/ beside it)",
        "the user data dir: ~/.local/share/fwpulse/fwpulse.duckdb on Linux; ./dev.sh uses data/fwpulse.duckdb",
    ),
    "FWPULSE_CONFIG": (
        "frameworks/sources TOML",
        "the user's registry (written by `fwpulse frameworks add`) if it exists, else the bundled data/frameworks.toml",
    ),
    "GITHUB_TOKEN": ("GitHub token (never logged, never stored)", "none: REST unauthenticated"),
    "FWPULSE_GITHUB_API_URL": ("GitHub REST base (Enterprise: https://HOST/api/v3)", "https://api.github.com"),
    "FWPULSE_GITHUB_GRAPHQL_URL": ("GitHub GraphQL endpoint", "<REST base>/graphql"),
    "FWPULSE_STACKEXCHANGE_API_URL": ("Stack Exchange API 2.3 base", "https://api.stackexchange.com/2.3"),
    "STACKEXCHANGE_KEY": ("Stack Exchange app key (optional, raises the daily quota)", "none"),
    "FWPULSE_TRENDS_URL": ("Google Trends base", "https://trends.google.com"),
    "FWPULSE_PYPISTATS_URL": ("pypistats API base", "https://pypistats.org/api"),
    "FWPULSE_OPENALEX_URL": ("OpenAlex base", "https://api.openalex.org"),
    "OPENALEX_API_KEY": (
        "OpenAlex API key (sources citations, research; sent as Authorization: Bearer by research)",
        "none: the keyless budget",
    ),
    "FWPULSE_HF_URL": ("Hugging Face Hub base (source hfhub)", "https://huggingface.co"),
    "HF_TOKEN": ("Hugging Face token (optional: doubles the Hub's 5-minute budget; never logged)", "none"),
    "FWPULSE_CLICKHOUSE_URL": (
        "ClickHouse HTTP interface base (sources clickpy, gharchive)",
        "https://sql-clickhouse.clickhouse.com",
    ),
    "FWPULSE_CLICKHOUSE_USER": ("ClickHouse user (sent in a header, never logged or stored)", "demo"),
    "FWPULSE_CLICKHOUSE_PASSWORD": ("ClickHouse password (never logged, never stored)", "empty"),
    "BROWSER_PATH": ("Chromium used for static chart export (kaleido)", "/usr/bin/chromium"),
}


# Settings attribute -> the environment variable that sets it (most specific URL first).
URL_SETTINGS: tuple[tuple[str, str], ...] = (
    ("github_graphql_url", "FWPULSE_GITHUB_GRAPHQL_URL"),
    ("github_api_url", "FWPULSE_GITHUB_API_URL"),
    ("stackexchange_api_url", "FWPULSE_STACKEXCHANGE_API_URL"),
    ("trends_url", "FWPULSE_TRENDS_URL"),
    ("pypistats_url", "FWPULSE_PYPISTATS_URL"),
    ("openalex_url", "FWPULSE_OPENALEX_URL"),
    ("clickhouse_url", "FWPULSE_CLICKHOUSE_URL"),
    ("hf_url", "FWPULSE_HF_URL"),
)


def _secret_repr(value: str | None) -> str:
    return "None" if not value else "'***'"


@dataclass(frozen=True)
class Settings:
    db_path: Path = field(default_factory=default_db_path)
    config_path: Path = BUNDLED_CONFIG
    github_api_url: str = "https://api.github.com"
    github_graphql_url: str = "https://api.github.com/graphql"
    stackexchange_api_url: str = "https://api.stackexchange.com/2.3"
    trends_url: str = "https://trends.google.com"
    pypistats_url: str = "https://pypistats.org/api"
    openalex_url: str = "https://api.openalex.org"
    browser_path: str = "/usr/bin/chromium"
    github_token: str | None = field(default=None, repr=False)
    stackexchange_key: str | None = field(default=None, repr=False)
    openalex_api_key: str | None = field(default=None, repr=False)
    clickhouse_url: str = "https://sql-clickhouse.clickhouse.com"
    clickhouse_user: str = field(default="demo", repr=False)
    clickhouse_password: str | None = field(default=None, repr=False)
    hf_url: str = "https://huggingface.co"
    hf_token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # tokens are masked, never printed
        return (
            f"Settings(db_path={str(self.db_path)!r}, config_path={str(self.config_path)!r}, "
            f"github_api_url={self.github_api_url!r}, github_token={_secret_repr(self.github_token)}, "
            f"stackexchange_key={_secret_repr(self.stackexchange_key)}, "
            f"openalex_api_key={_secret_repr(self.openalex_api_key)}, clickhouse_url={self.clickhouse_url!r}, "
            f"clickhouse_password={_secret_repr(self.clickhouse_password)}, hf_url={self.hf_url!r}, "
            f"hf_token={_secret_repr(self.hf_token)})"
        )

    def url_setting_for(self, url: str, prefer: tuple[str, ...] = ()) -> str | None:
        """The environment variable that configures the service ``url`` belongs to (for error messages);
        ``prefer`` (variable names) are tried first, for when several settings share one base URL."""
        pairs = sorted(URL_SETTINGS, key=lambda p: p[1] not in prefer)
        for attr, name in pairs:
            base = getattr(self, attr, None)
            if base and url.startswith(base.rstrip("/")):
                return name
        return None

    def secrets(self) -> list[str]:
        """Every secret value in use, so loggers and error paths can redact them."""
        return [
            s
            for s in (
                self.github_token,
                self.stackexchange_key,
                self.openalex_api_key,
                self.clickhouse_password,
                self.hf_token,
            )
            if s
        ]


def user_registry_path() -> Path:
    """The user's own registry: ``<user config dir>/fwpulse/frameworks.toml`` (``fwpulse frameworks
    add`` creates it from the bundled one; on Linux ``$XDG_CONFIG_HOME/fwpulse`` or ``~/.config/fwpulse``)."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "frameworks.toml"


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """``FWPULSE_CONFIG`` wins; else the user's registry when it exists; else the bundled one."""
    env = os.environ if env is None else env
    if env.get("FWPULSE_CONFIG"):
        return Path(env["FWPULSE_CONFIG"]).expanduser()
    user = user_registry_path()
    return user if user.is_file() else BUNDLED_CONFIG


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    return (env.get(name) or default).rstrip("/")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment; their secrets are registered for redaction at every sink."""
    settings = _load(os.environ if env is None else env)
    from fwpulse.data import redact

    redact.add(settings.secrets())
    return settings


def _load(env: Mapping[str, str]) -> Settings:
    # Each URL from its variable, else the Settings default (declared once, on the class).
    urls = {attr: _url(env, name, getattr(Settings, attr)) for attr, name in URL_SETTINGS}
    # GraphQL lives under the REST base unless set, so an Enterprise REST base brings its GraphQL endpoint.
    urls["github_graphql_url"] = _url(env, "FWPULSE_GITHUB_GRAPHQL_URL", f"{urls['github_api_url']}/graphql")
    return Settings(
        db_path=Path(env.get("FWPULSE_DB") or default_db_path()).expanduser(),
        config_path=default_config_path(env),
        **urls,
        browser_path=env.get("BROWSER_PATH") or "/usr/bin/chromium",
        github_token=env.get("GITHUB_TOKEN") or None,
        stackexchange_key=env.get("STACKEXCHANGE_KEY") or None,
        openalex_api_key=env.get("OPENALEX_API_KEY") or None,
        clickhouse_user=env.get("FWPULSE_CLICKHOUSE_USER") or "demo",
        clickhouse_password=env.get("FWPULSE_CLICKHOUSE_PASSWORD") or None,
        hf_token=env.get("HF_TOKEN") or None,
    )
