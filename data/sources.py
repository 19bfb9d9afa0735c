"""Every source fwpulse collects from, declared once: collector, environment settings, registry fields, settings.

Each :class:`SourceInfo` names its collector module, its environment settings (service URLs and keys), the
registry fields it reads from ``[frameworks.ID]`` and its ``[sources.<name>]`` settings. Adding a source means
one :class:`SourceInfo` in :data:`SOURCES` (plus its collector, metrics, fake and docs). From this list derive:
the ``Settings`` class, ``ENV_VARS``, ``URL_SETTINGS`` and ``load_settings`` (data/settings.py); the
``Framework`` fields and the keys a registry may hold (data/registry.py); the ``[sources.*]`` schema
(data/source_schema.py); the ``fwpulse frameworks add`` options (fwpulse/cli_frameworks.py); the refresh's source
list and the settings its errors name (collectors/refresh.py); `fwpulse doctor`'s keys and reachability checks;
the tests' no-network fixture. Each derivation is a function taking a source list, with a module-level default
built from :data:`SOURCES`, so a test can add a toy source (tests/data/test_toy_source.py). It lives in data/
(the bottom room) so that everything above can read it; the collector module is imported only when its source
runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class EnvSetting:
    """One environment variable, read into the ``Settings`` attribute ``attr`` by ``load_settings``."""

    attr: str  # the Settings attribute, e.g. "github_api_url"
    env: str  # the environment variable, e.g. "FWPULSE_GITHUB_API_URL" (empty counts as unset)
    meaning: str  # for ENV_VARS, `fwpulse doctor` and docs/configuration.md's table
    default: Any = None  # when unset; a string "{other_attr}/x" is built from another setting's value
    shown_default: str | None = None  # the docs' default when the value alone does not say it ("none: ...")
    url: bool = False  # a service base URL: its trailing "/" is dropped, and errors at it name the variable
    secret: bool = False  # a key or token: masked in repr, redacted at every sink, "set or not" in doctor
    in_repr: bool = True  # False keeps a value that is no secret out of repr too (the ClickHouse user)
    read: Callable[[Mapping[str, str]], Any] | None = None  # reads the environment itself (core paths only)

    @property
    def default_text(self) -> str:
        if self.shown_default is not None:
            return self.shown_default
        return "none" if self.default is None else str(self.default)


@dataclass(frozen=True)
class FrameworkField:
    """One key of ``[frameworks.ID]`` a source reads, and its ``fwpulse frameworks add`` option."""

    name: str  # the registry key and Framework attribute, e.g. "pypi"
    many: bool  # a list of strings (a lone string counts as a list of one) or one string
    option: str | None  # the `frameworks add` option, repeatable when many; None: not offered
    help: str  # the option's help
    metavar: str = "VALUE"  # what to type after the option
    pattern: str | None = None  # a regular expression every value must match whole
    form: str = "valid"  # what a valid value looks like, for errors: "'x' is not {form}"


@dataclass(frozen=True)
class SourceSetting:
    """One key of a ``[sources.NAME]`` table, checked when the registry is read (data/source_schema.py)."""

    kind: str  # "int", "float", "bool", "str", "str_list", "date"
    help: str
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None  # for "str": a regular expression the whole value must match


@dataclass(frozen=True)
class SourceInfo:
    name: str  # `fwpulse refresh --source NAME`
    module: str  # the collectors module exposing SOURCE
    settings: tuple[EnvSetting, ...] = ()  # its service's base URLs (most specific first), then its keys
    fields: tuple[FrameworkField, ...] = ()  # the registry fields it reads
    config: Mapping[str, SourceSetting] = field(default_factory=dict, hash=False)  # its [sources.<name>]
    shared: Mapping[str, Mapping[str, SourceSetting]] = field(default_factory=dict, hash=False)  # other tables

    @property
    def urls(self) -> tuple[str, ...]:
        """Environment variables of its service's base URLs, most specific first."""
        return tuple(s.env for s in self.settings if s.url)

    @property
    def base_url(self) -> EnvSetting | None:
        """Its service's base URL setting (the least specific; `fwpulse doctor` checks it is reachable)."""
        return next((s for s in reversed(self.settings) if s.url), None)

    @property
    def keys(self) -> tuple[str, ...]:
        """Environment variables of its keys and tokens (never shown, logged or stored)."""
        return tuple(s.env for s in self.settings if s.secret)


REPO = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}"  # no '..' or '.' segments
IDENT = r"[A-Za-z_][A-Za-z0-9_]{0,99}"  # a plain SQL identifier
BACKFILL_SINCE = SourceSetting("date", "first month of history for --backfill (YYYY-MM or YYYY-MM-DD)")

# Declared once, read by two sources each.
GITHUB = FrameworkField(
    "github", many=False, option="--github", help="owner/repo", metavar="OWNER/REPO", pattern=REPO, form="'owner/repo'"
)
GITHUB_ALIASES = FrameworkField(
    "github_aliases",
    many=True,
    option="--github-alias",
    help="A former owner/repo name (repeatable).",
    metavar="OWNER/REPO",
    pattern=REPO,
    form="an 'owner/repo' name",
)
PYPI = FrameworkField(
    "pypi",
    many=True,
    option="--pypi",
    help="PyPI project (repeatable).",
    metavar="PROJECT",
    pattern=r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?",
    form="a PyPI project name like 'torch'",
)
OPENALEX = (
    EnvSetting("openalex_url", "FWPULSE_OPENALEX_URL", "OpenAlex base", "https://api.openalex.org", url=True),
    EnvSetting(
        "openalex_api_key",
        "OPENALEX_API_KEY",
        "OpenAlex API key (sources citations, research; sent as Authorization: Bearer by research)",
        shown_default="none: the keyless budget",
        secret=True,
    ),
)
CLICKHOUSE = (
    EnvSetting(
        "clickhouse_url",
        "FWPULSE_CLICKHOUSE_URL",
        "ClickHouse HTTP interface base (sources clickpy, gharchive)",
        "https://sql-clickhouse.clickhouse.com",
        url=True,
    ),
    EnvSetting(
        "clickhouse_user",
        "FWPULSE_CLICKHOUSE_USER",
        "ClickHouse user (sent in a header, never logged or stored)",
        "demo",
        in_repr=False,
    ),
    EnvSetting(
        "clickhouse_password",
        "FWPULSE_CLICKHOUSE_PASSWORD",
        "ClickHouse password (never logged, never stored)",
        shown_default="empty",
        secret=True,
    ),
)
CLICKHOUSE_TABLE = {  # [sources.clickhouse]: the server behind clickpy and gharchive (collectors/clickhouse.py)
    "pypi_database": SourceSetting("str", "database with the PyPI tables", pattern=IDENT),
    "downloads_table": SourceSetting("str", "table of downloads per day", pattern=IDENT),
    "metadata_tables": SourceSetting("str_list", "package metadata tables, first that exists wins", pattern=IDENT),
    "github_database": SourceSetting("str", "database with the GitHub events table", pattern=IDENT),
    "events_table": SourceSetting("str", "table of GitHub events", pattern=IDENT),
    "repo_ids_table": SourceSetting("str", "table of repository name -> repository id", pattern=IDENT),
    "max_result_rows": SourceSetting("int", "rows one answer may hold on the server (its max_result_rows)", 1, 10**8),
    "max_result_bytes": SourceSetting(
        "int", "bytes one answer may hold on the server (its max_result_bytes)", 1000, 10**9
    ),
}

SOURCES = (
    SourceInfo(
        "github",
        "fwpulse.collectors.github",
        settings=(
            EnvSetting(
                "github_graphql_url",
                "FWPULSE_GITHUB_GRAPHQL_URL",
                "GitHub GraphQL endpoint",
                "{github_api_url}/graphql",
                shown_default="<REST base>/graphql",
                url=True,
            ),  # an Enterprise REST base brings its GraphQL endpoint
            EnvSetting(
                "github_api_url",
                "FWPULSE_GITHUB_API_URL",
                "GitHub REST base (Enterprise: https://HOST/api/v3)",
                "https://api.github.com",
                url=True,
            ),
            EnvSetting(
                "github_token",
                "GITHUB_TOKEN",
                "GitHub token (never logged, never stored)",
                shown_default="none: REST unauthenticated",
                secret=True,
            ),
        ),
        fields=(GITHUB, GITHUB_ALIASES),
        config={
            "max_rate_limit_wait_seconds": SourceSetting(
                "float", "seconds to wait for a primary rate-limit reset", 0, 86_400
            ),
            "backfill_since": BACKFILL_SINCE,
            "backfill_months": SourceSetting(
                "int", "months of history for --backfill when backfill_since is unset", 1, 600
            ),
            "max_release_pages": SourceSetting("int", "pages of releases to read (100 per page)", 1, 1000),
        },
    ),
    SourceInfo(
        "stackoverflow",
        "fwpulse.collectors.stackoverflow",
        settings=(
            EnvSetting(
                "stackexchange_api_url",
                "FWPULSE_STACKEXCHANGE_API_URL",
                "Stack Exchange API 2.3 base",
                "https://api.stackexchange.com/2.3",
                url=True,
            ),
            EnvSetting(
                "stackexchange_key",
                "STACKEXCHANGE_KEY",
                "Stack Exchange app key (optional, raises the daily quota)",
                secret=True,
            ),
        ),
        fields=(
            FrameworkField(
                "stackoverflow_tags",
                many=True,
                option="--stackoverflow-tag",
                help="Stack Overflow tag (repeatable).",
                metavar="TAG",
                pattern=r"[a-z0-9#+.-]{1,35}",
                form="a Stack Overflow tag like 'pytorch'",
            ),
        ),
        config={
            "quota_reserve": SourceSetting("int", "daily requests to leave unused", 0, 100_000),
            "max_requests": SourceSetting("int", "requests per refresh at most", 1, 100_000),
            "backfill_since": BACKFILL_SINCE,
        },
    ),
    SourceInfo(
        "trends",
        "fwpulse.collectors.trends",
        settings=(
            EnvSetting("trends_url", "FWPULSE_TRENDS_URL", "Google Trends base", "https://trends.google.com", url=True),
        ),
        fields=(
            FrameworkField(
                "trends_terms",
                many=True,
                option="--trends-term",
                help="Google Trends term (repeatable).",
                metavar="TERM",
            ),
        ),
        config={
            "anchor_term": SourceSetting(
                "str", "shared term that links batches of more than five terms", pattern=r"[^\x00-\x1f]{1,100}"
            ),
            "timeframe": SourceSetting(
                "str", "pytrends timeframe, e.g. 'today 5-y' or 'all'", pattern=r"[A-Za-z0-9 :+-]{1,50}"
            ),
            "geo": SourceSetting(
                "str",
                "ISO country (and region) code, e.g. 'US' or 'GB-ENG'; empty = worldwide",
                pattern=r"(?:[A-Z]{2}(?:-[A-Z0-9]{1,3})?)?",
            ),
        },
    ),
    SourceInfo(
        "pypi",
        "fwpulse.collectors.pypi",
        settings=(
            EnvSetting(
                "pypistats_url", "FWPULSE_PYPISTATS_URL", "pypistats API base", "https://pypistats.org/api", url=True
            ),
        ),
        fields=(PYPI,),
    ),
    SourceInfo(
        "citations",
        "fwpulse.collectors.citations",
        settings=OPENALEX,
        fields=(
            FrameworkField(
                "papers",
                many=True,
                option=None,
                help="DOIs of the framework's papers, for citation counts",
                metavar="DOI",
                pattern=r"10\.\d{4,9}/\S+",
                form="a DOI (expected '10.NNNN/...')",
            ),
        ),
    ),
    SourceInfo(
        "clickpy",
        "fwpulse.collectors.clickpy",
        settings=CLICKHOUSE,
        fields=(PYPI,),
        config={
            "since": SourceSetting("date", "first day of download history to read (YYYY-MM or YYYY-MM-DD)"),
            "dependents": SourceSetting("bool", "also count dependent packages per month (true/false)"),
        },
        shared={"clickhouse": CLICKHOUSE_TABLE},
    ),
    SourceInfo(
        "gharchive",
        "fwpulse.collectors.gharchive",
        settings=CLICKHOUSE,
        fields=(GITHUB, GITHUB_ALIASES),
        config={
            "since": SourceSetting("date", "first month of GitHub events to read (YYYY-MM or YYYY-MM-DD)"),
        },
        shared={"clickhouse": CLICKHOUSE_TABLE},
    ),
    SourceInfo(
        "research",
        "fwpulse.collectors.research",
        settings=OPENALEX,
        fields=(
            FrameworkField(
                "research_terms",  # each sent quoted
                many=True,
                option="--research-term",
                help="Word OpenAlex searches AI papers for (repeatable), e.g. mlx.",
                metavar="TERM",
                pattern=r'[^"\x00-\x1f]{1,100}',
                form="a word or phrase without quotes, at most 100 characters",
            ),
        ),
        config={"since_year": SourceSetting("int", "first publication year to count (OpenAlex)", 1990, 2100)},
    ),
    SourceInfo(
        "hfhub",
        "fwpulse.collectors.hfhub",
        settings=(
            EnvSetting(
                "hf_url", "FWPULSE_HF_URL", "Hugging Face Hub base (source hfhub)", "https://huggingface.co", url=True
            ),
            EnvSetting(
                "hf_token",
                "HF_TOKEN",
                "Hugging Face token (optional: doubles the Hub's 5-minute budget; never logged)",
                secret=True,
            ),
        ),
        fields=(
            FrameworkField(
                "hf_tags",  # e.g. "pytorch", "tf-keras": file formats the Hub detects
                many=True,
                option="--hf-tag",
                help="Hugging Face Hub model tag (repeatable), e.g. mlx.",
                metavar="TAG",
                pattern=r"[a-z0-9][a-z0-9._:-]{0,63}",
                form="a Hugging Face tag like 'pytorch' or 'tf-keras'",
            ),
        ),
        config={
            "max_requests": SourceSetting(
                "int", "Hub list pages per refresh at most (a backfill resumes next run)", 1, 100_000
            ),
            "page_size": SourceSetting("int", "models per Hub list page", 1, 1000),
        },
    ),
)


def _once(items, key: Callable[[Any], str], what: str) -> tuple:
    """``items`` with repeats dropped; a name declared twice must be declared alike (one shared constant)."""
    out: dict[str, Any] = {}
    for item in items:
        name = key(item)
        if name in out and out[name] != item:
            raise ValueError(f"{what} {name!r} is declared twice, differently; declare it once and share it")
        out.setdefault(name, item)
    return tuple(out.values())


def env_settings(sources: tuple[SourceInfo, ...] = SOURCES) -> tuple[EnvSetting, ...]:
    """Every source's environment settings, once each, in source order."""
    return _once((s for src in sources for s in src.settings), lambda s: s.env, "setting")


def framework_fields(sources: tuple[SourceInfo, ...] = SOURCES) -> tuple[FrameworkField, ...]:
    """Every registry field a source reads, once each, in source order (the order `frameworks add` writes)."""
    return _once((f for src in sources for f in src.fields), lambda f: f.name, "framework field")


def config_schema(sources: tuple[SourceInfo, ...] = SOURCES) -> dict[str, Mapping[str, SourceSetting]]:
    """``[sources.NAME]`` table -> its settings: each source's own (empty when it has none, so that
    ``[sources.pypi]`` is not taken for a typo), then the tables sources share."""
    tables = [(src.name, src.config) for src in sources]
    tables += [item for src in sources for item in src.shared.items()]
    return dict(_once(tables, lambda t: t[0], "[sources] table"))


def url_variables(sources: tuple[SourceInfo, ...] = SOURCES) -> tuple[str, ...]:
    """Every service URL variable, once each, in source order."""
    return tuple(s.env for s in env_settings(sources) if s.url)


def key_variables(sources: tuple[SourceInfo, ...] = SOURCES) -> tuple[str, ...]:
    """Every key and token variable, once each, in source order."""
    return tuple(s.env for s in env_settings(sources) if s.secret)


def hidden_variables(sources: tuple[SourceInfo, ...] = SOURCES) -> tuple[str, ...]:
    """Every variable whose value never appears in repr: the keys, and credentials that are no secret."""
    return tuple(s.env for s in env_settings(sources) if s.secret or not s.in_repr)


def by_name(name: str, sources: tuple[SourceInfo, ...] = SOURCES) -> SourceInfo:
    return next(s for s in sources if s.name == name)
