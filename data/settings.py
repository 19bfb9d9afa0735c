"""Settings: where the database and config live, and the base URLs and keys of every source.

The ``Settings`` class, ``ENV_VARS`` and ``URL_SETTINGS`` derive from the declarations: :data:`CORE_SETTINGS`
here and each source's ``settings`` in data/sources.py. Everything is read from the environment when
:func:`load_settings` is called (never at import time). Keys and tokens are masked in ``repr`` so they never
reach logs or tracebacks, and :meth:`secrets` hands them to the redactor.
"""

from __future__ import annotations

import os
from dataclasses import field, make_dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Mapping

from fwpulse.data.sources import SOURCES, EnvSetting, SourceInfo, env_settings

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


def _db_path(env: Mapping[str, str]) -> Path:
    return Path(env.get("FWPULSE_DB") or default_db_path()).expanduser()


# The settings that belong to no source (each source declares its own in data/sources.py).
CORE_SETTINGS: tuple[EnvSetting, ...] = (
    EnvSetting(
        "db_path",
        "FWPULSE_DB",
        "DuckDB file (its backups go to backups/ beside it)",
        shown_default="the user data dir: ~/.local/share/fwpulse/fwpulse.duckdb on Linux; "
        "./dev.sh uses data/fwpulse.duckdb",
        read=_db_path,
    ),
    EnvSetting(
        "config_path",
        "FWPULSE_CONFIG",
        "frameworks/sources TOML",
        BUNDLED_CONFIG,
        shown_default="the user's registry (written by `fwpulse frameworks add`) if it exists, "
        "else the bundled data/frameworks.toml",
        read=default_config_path,
    ),
    EnvSetting("browser_path", "BROWSER_PATH", "Chromium used for static chart export (kaleido)", "/usr/bin/chromium"),
)


def declared_settings(sources: tuple[SourceInfo, ...] = SOURCES) -> tuple[EnvSetting, ...]:
    """Every environment setting: the core ones, then each source's, once each."""
    return CORE_SETTINGS + env_settings(sources)


def env_vars(sources: tuple[SourceInfo, ...] = SOURCES) -> dict[str, tuple[str, str]]:
    """Every environment variable fwpulse reads -> (meaning, default)."""
    return {s.env: (s.meaning, s.default_text) for s in declared_settings(sources)}


def url_settings(sources: tuple[SourceInfo, ...] = SOURCES) -> tuple[tuple[str, str], ...]:
    """(Settings attribute, environment variable) of every service URL, most specific first within a source."""
    return tuple((s.attr, s.env) for s in declared_settings(sources) if s.url)


def _secret_repr(value: str | None) -> str:
    return "None" if not value else "'***'"


def _builds_on_another(default: Any) -> bool:
    return isinstance(default, str) and "{" in default  # "{github_api_url}/graphql"


def _clean(setting: EnvSetting, value: Any) -> Any:
    return value.rstrip("/") if setting.url and isinstance(value, str) else value


class SettingsBase:
    """What every Settings class does; its fields come from the declarations (:func:`settings_class`)."""

    declared: ClassVar[tuple[EnvSetting, ...]] = ()

    def __repr__(self) -> str:  # keys are masked, never printed
        parts = []
        for s in self.declared:
            value = getattr(self, s.attr)
            if s.secret:
                parts.append(f"{s.attr}={_secret_repr(value)}")
            elif s.in_repr:
                parts.append(f"{s.attr}={str(value) if isinstance(value, Path) else value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def url_setting_for(self, url: str, prefer: tuple[str, ...] = ()) -> str | None:
        """The environment variable that configures the service ``url`` belongs to (for error messages);
        ``prefer`` (variable names) are tried first, for when several settings share one base URL."""
        pairs = sorted(((s.attr, s.env) for s in self.declared if s.url), key=lambda p: p[1] not in prefer)
        for attr, name in pairs:
            base = getattr(self, attr, None)
            if base and url.startswith(base.rstrip("/")):
                return name
        return None

    def secrets(self) -> list[str]:
        """Every secret value in use, so loggers and error paths can redact them."""
        return [value for s in self.declared if s.secret and (value := getattr(self, s.attr))]


def settings_class(sources: tuple[SourceInfo, ...] = SOURCES) -> type:
    """A frozen dataclass with one field per declared setting, defaulting to its declared default."""
    declared = declared_settings(sources)
    plain = {s.attr: s.default for s in declared if not _builds_on_another(s.default)}
    fields = []
    for s in declared:
        if s.read is not None and s.default is None:
            spec = field(default_factory=partial(s.read, {}))
        else:
            spec = field(default=s.default.format_map(plain) if _builds_on_another(s.default) else s.default)
        kind = Path if s.read is not None else (str | None if s.secret or s.default is None else str)
        fields.append((s.attr, kind, spec))
    namespace = {"declared": declared, "__module__": __name__}
    return make_dataclass("Settings", fields, bases=(SettingsBase,), namespace=namespace, frozen=True, repr=False)


Settings = settings_class()
# Every environment variable fwpulse reads, with its meaning and default (docs/configuration.md's table is
# checked against it), and each service URL's Settings attribute and variable.
ENV_VARS: dict[str, tuple[str, str]] = env_vars()
URL_SETTINGS: tuple[tuple[str, str], ...] = url_settings()


def load_settings(env: Mapping[str, str] | None = None, cls: type = Settings) -> Any:
    """Settings from the environment; their secrets are registered for redaction at every sink."""
    settings = _load(os.environ if env is None else env, cls)
    from fwpulse.data import redact

    redact.add(settings.secrets())
    return settings


def _load(env: Mapping[str, str], cls: type) -> Any:
    values: dict[str, Any] = {}
    later = []
    for s in cls.declared:
        raw = env.get(s.env) or None  # empty counts as unset
        if s.read is not None:
            values[s.attr] = s.read(env)
        elif raw is None and _builds_on_another(s.default):
            later.append(s)
        else:
            values[s.attr] = _clean(s, s.default if raw is None else raw)
    for s in later:  # a default built from another setting's value: GraphQL under the REST base
        values[s.attr] = _clean(s, s.default.format_map(values))
    return cls(**values)
