"""Framework registry: which frameworks fwpulse tracks and where each one is found.

Read from a TOML file (bundled ``data/frameworks.toml`` or ``FWPULSE_CONFIG``). Validation
errors name the file, the key and the reason, so a user can fix the file in one go. A framework's
own keys (name, color, group, note) are here; the keys sources read (``github``, ``pypi``, ...) and
the ``[sources.*]`` tables come from each source's declaration in data/sources.py.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, make_dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from fwpulse.data.source_schema import validate_sources
from fwpulse.data.sources import SOURCES, FrameworkField, SourceInfo, config_schema, framework_fields

# A fixed palette for frameworks without a `color` (colour-blind friendly, Okabe-Ito + extras).
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#999999",
    "#332288",
    "#117733",
    "#882255",
    "#44AA99",
]

GROUPS = ("main", "ecosystem")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
CORE_KEYS = ("name", "color", "group", "note")  # every other key is a source's (data/sources.py)
TOP_LEVEL_KEYS = {"frameworks", "sources"}


def framework_keys(fields: tuple[FrameworkField, ...]) -> set[str]:
    return {*CORE_KEYS, *(f.name for f in fields)}


class ConfigError(ValueError):
    """A malformed registry file; the message names file, key and reason."""

    def __init__(self, path: Path | str, key: str, reason: str):
        self.path, self.key, self.reason = str(path), key, reason
        super().__init__(f"{path}: {key}: {reason}")


@lru_cache(maxsize=8)
def framework_class(fields: tuple[FrameworkField, ...]) -> type:
    """A frozen dataclass: id, name, color, group, note, then one attribute per source field (a tuple of
    strings, empty when absent, or one string, None when absent)."""
    own = [
        ("id", str),
        ("name", str),
        ("color", str),
        ("group", str, field(default="main")),
        ("note", str | None, field(default=None)),
    ]
    declared = [
        (f.name, tuple[str, ...], field(default=())) if f.many else (f.name, str | None, field(default=None))
        for f in fields
    ]
    return make_dataclass("Framework", own + declared, namespace={"__module__": __name__}, frozen=True)


Framework = framework_class(framework_fields())
FRAMEWORK_KEYS = framework_keys(framework_fields())


@dataclass(frozen=True)
class Registry:
    path: Path
    frameworks: dict[str, Framework]
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __iter__(self):
        return iter(self.frameworks.values())

    def __getitem__(self, fid: str) -> Framework:
        return self.frameworks[fid]

    def ids(self, group: str | None = None) -> list[str]:
        return [f.id for f in self if group is None or f.group == group]

    def colors(self) -> dict[str, str]:
        return {f.id: f.color for f in self}

    def names(self) -> dict[str, str]:
        return {f.id: f.name for f in self}

    def by_name(self) -> dict[str, Framework]:
        """Lookup by display name or id, case-insensitive (for CSV imports)."""
        out: dict[str, Framework] = {}
        for f in self:
            out[f.id.lower()] = f
            out[f.name.lower()] = f
        return out

    def select(self, ids: list[str] | None) -> list[Framework]:
        """The frameworks named in ``ids`` (all when empty); unknown ids raise ConfigError."""
        if not ids:
            return list(self)
        unknown = [i for i in ids if i not in self.frameworks]
        if unknown:
            raise ConfigError(
                self.path, "framework", f"unknown id(s) {', '.join(unknown)}; known: {', '.join(self.frameworks)}"
            )
        return [self.frameworks[i] for i in ids]

    def source_settings(self, source: str) -> dict[str, Any]:
        return dict(self.sources.get(source, {}))


def _str_list(path: Path, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(path, key, "must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _matches(fld: FrameworkField, value: str) -> bool:
    return fld.pattern is None or re.fullmatch(fld.pattern, value) is not None


def _field_value(path: Path, key: str, fld: FrameworkField, value: Any) -> str | tuple[str, ...]:
    if not fld.many:
        if not isinstance(value, str) or not value.strip() or not _matches(fld, value):
            raise ConfigError(path, key, f"must be {fld.form}, got {value!r}")
        return value
    values = _str_list(path, key, value)
    bad = [v for v in values if not _matches(fld, v)]
    if bad:
        raise ConfigError(path, key, f"{bad[0]!r} is not {fld.form}")
    return values


def _framework(path: Path, fid: str, raw: Any, index: int, fields: tuple[FrameworkField, ...]) -> Any:
    where = f"frameworks.{fid}"
    if not ID_RE.match(fid):
        raise ConfigError(path, where, "framework ids must be lower-case slugs (a-z, 0-9, '-', '_')")
    if not isinstance(raw, dict):
        raise ConfigError(path, where, "must be a table ([frameworks.ID])")
    allowed = framework_keys(fields)
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(path, f"{where}.{unknown[0]}", f"unknown key; allowed keys: {', '.join(sorted(allowed))}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(path, f"{where}.name", "required: a non-empty display name")
    color = raw.get("color", PALETTE[index % len(PALETTE)])
    if not isinstance(color, str) or not COLOR_RE.match(color):
        raise ConfigError(path, f"{where}.color", f"must be a hex colour like '#EE4C2C', got {color!r}")
    group = raw.get("group", "main")
    if group not in GROUPS:
        raise ConfigError(path, f"{where}.group", f"must be one of {', '.join(GROUPS)}, got {group!r}")
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise ConfigError(path, f"{where}.note", "must be a string")
    values = {f.name: _field_value(path, f"{where}.{f.name}", f, raw[f.name]) for f in fields if f.name in raw}
    return framework_class(fields)(id=fid, name=name.strip(), color=color.upper(), group=group, note=note, **values)


def parse_registry(text: str, path: Path | str = "<string>", sources: tuple[SourceInfo, ...] = SOURCES) -> Registry:
    """The registry in ``text``, checked against the fields and ``[sources.*]`` tables ``sources`` declare."""
    path = Path(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(syntax)", f"not valid TOML: {exc}") from None
    unknown = sorted(set(raw) - TOP_LEVEL_KEYS)
    if unknown:
        raise ConfigError(path, unknown[0], f"unknown top-level key; allowed: {', '.join(sorted(TOP_LEVEL_KEYS))}")
    fws = raw.get("frameworks")
    if not isinstance(fws, dict) or not fws:
        raise ConfigError(path, "frameworks", "at least one [frameworks.ID] table is required")
    fields = framework_fields(sources)
    frameworks = {fid: _framework(path, fid, body, i, fields) for i, (fid, body) in enumerate(fws.items())}
    settings = validate_sources(
        raw.get("sources", {}), lambda key, reason: ConfigError(path, key, reason), config_schema(sources)
    )
    return Registry(path=path, frameworks=frameworks, sources=settings)


def load_registry(path: Path | str, sources: tuple[SourceInfo, ...] = SOURCES) -> Registry:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            path, "(file)", "not found; set FWPULSE_CONFIG to an existing TOML file or unset it to use the bundled one"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "(file)", f"cannot be read: {exc}") from None
    return parse_registry(text, path, sources)
