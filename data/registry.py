"""Framework registry: which frameworks fwpulse tracks and where each one is found.

Read from a TOML file (bundled ``data/frameworks.toml`` or ``FWPULSE_CONFIG``). Validation
errors name the file, the key and the reason, so a user can fix the file in one go.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fwpulse.data.source_schema import validate_sources

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
# owner/repo as GitHub allows them: no '..' or '.' path segments, no slashes beyond the one.
REPO_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$")
PYPI_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?$")  # PEP 508 project names
SO_TAG_RE = re.compile(r"^[a-z0-9#+.-]{1,35}$")  # Stack Overflow tag names
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
HF_TAG_RE = re.compile(r"^[a-z0-9][a-z0-9._:-]{0,63}$")  # Hub tags: lower-case, e.g. "pytorch", "tf-keras"

_LIST_FIELDS = ("stackoverflow_tags", "trends_terms", "pypi", "papers", "research_terms", "hf_tags")
FRAMEWORK_KEYS = {"name", "color", "github", "github_aliases", "group", "note", *_LIST_FIELDS}
TOP_LEVEL_KEYS = {"frameworks", "sources"}


class ConfigError(ValueError):
    """A malformed registry file; the message names file, key and reason."""

    def __init__(self, path: Path | str, key: str, reason: str):
        self.path, self.key, self.reason = str(path), key, reason
        super().__init__(f"{path}: {key}: {reason}")


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    color: str
    group: str = "main"
    github: str | None = None
    stackoverflow_tags: tuple[str, ...] = ()
    trends_terms: tuple[str, ...] = ()
    pypi: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    research_terms: tuple[str, ...] = ()  # words OpenAlex searches for, each sent quoted (source research)
    hf_tags: tuple[str, ...] = ()  # Hugging Face Hub model tags, e.g. "pytorch" (source hfhub)
    note: str | None = None
    github_aliases: tuple[str, ...] = ()  # former names of the repository ("google/jax")


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


def _framework(path: Path, fid: str, raw: Any, index: int) -> Framework:
    where = f"frameworks.{fid}"
    if not ID_RE.match(fid):
        raise ConfigError(path, where, "framework ids must be lower-case slugs (a-z, 0-9, '-', '_')")
    if not isinstance(raw, dict):
        raise ConfigError(path, where, "must be a table ([frameworks.ID])")
    unknown = sorted(set(raw) - FRAMEWORK_KEYS)
    if unknown:
        raise ConfigError(
            path, f"{where}.{unknown[0]}", f"unknown key; allowed keys: {', '.join(sorted(FRAMEWORK_KEYS))}"
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(path, f"{where}.name", "required: a non-empty display name")
    color = raw.get("color", PALETTE[index % len(PALETTE)])
    if not isinstance(color, str) or not COLOR_RE.match(color):
        raise ConfigError(path, f"{where}.color", f"must be a hex colour like '#EE4C2C', got {color!r}")
    group = raw.get("group", "main")
    if group not in GROUPS:
        raise ConfigError(path, f"{where}.group", f"must be one of {', '.join(GROUPS)}, got {group!r}")
    github = raw.get("github")
    if github is not None and (not isinstance(github, str) or not REPO_RE.match(github)):
        raise ConfigError(path, f"{where}.github", f"must be 'owner/repo', got {github!r}")
    lists = {k: _str_list(path, f"{where}.{k}", raw[k]) if k in raw else () for k in _LIST_FIELDS}
    aliases = _str_list(path, f"{where}.github_aliases", raw["github_aliases"]) if "github_aliases" in raw else ()
    for alias in aliases:
        if not REPO_RE.match(alias):
            raise ConfigError(path, f"{where}.github_aliases", f"must list 'owner/repo' names, got {alias!r}")
    for key, pattern, form in (
        ("pypi", PYPI_RE, "a PyPI project name like 'torch'"),
        ("stackoverflow_tags", SO_TAG_RE, "a Stack Overflow tag like 'pytorch'"),
    ):
        bad = [v for v in lists[key] if not pattern.match(v)]
        if bad:
            raise ConfigError(path, f"{where}.{key}", f"{bad[0]!r} is not {form}")
    for term in lists["research_terms"]:
        if '"' in term or len(term) > 100 or any(ord(c) < 32 for c in term):
            raise ConfigError(
                path, f"{where}.research_terms", f"{term!r}: a word or phrase without quotes, at most 100 characters"
            )
    for tag in lists["hf_tags"]:
        if not HF_TAG_RE.match(tag):
            raise ConfigError(
                path, f"{where}.hf_tags", f"{tag!r} is not a Hugging Face tag like 'pytorch' or 'tf-keras'"
            )
    for doi in lists["papers"]:
        if not DOI_RE.match(doi):
            raise ConfigError(path, f"{where}.papers", f"{doi!r} is not a DOI (expected '10.NNNN/...')")
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise ConfigError(path, f"{where}.note", "must be a string")
    return Framework(
        id=fid,
        name=name.strip(),
        color=color.upper(),
        group=group,
        github=github,
        note=note,
        github_aliases=aliases,
        **lists,
    )


def parse_registry(text: str, path: Path | str = "<string>") -> Registry:
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
    frameworks = {fid: _framework(path, fid, body, i) for i, (fid, body) in enumerate(fws.items())}
    sources = validate_sources(raw.get("sources", {}), lambda key, reason: ConfigError(path, key, reason))
    return Registry(path=path, frameworks=frameworks, sources=sources)


def load_registry(path: Path | str) -> Registry:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            path, "(file)", "not found; set FWPULSE_CONFIG to an existing TOML file or unset it to use the bundled one"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "(file)", f"cannot be read: {exc}") from None
    return parse_registry(text, path)
