"""A toy source declared in one place (:data:`TOY`) appears everywhere that derives from the declaration.

The toy has a service URL, a secret key, a registry field with a `frameworks add` option and a
``[sources.toy]`` setting; its collector is this module's :data:`SOURCE`. Each test hands the list
``SOURCES + (TOY,)`` to a derivation (``settings_class``, ``env_vars``, ``parse_registry``, ``add_command``,
``source_modules``, ``cut_off``, ...) and checks that the toy shows up there, and nowhere in the defaults.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import typer
from typer.testing import CliRunner

from fwpulse.cli_frameworks import add_command
from fwpulse.collectors import refresh
from fwpulse.collectors.base import Source, SourceResult
from fwpulse.collectors.errors import FatalSourceError
from fwpulse.data import db, redact, settings, sources
from fwpulse.data.registry import ConfigError, framework_keys, parse_registry
from fwpulse.data.sources import SOURCES, EnvSetting, FrameworkField, SourceInfo, SourceSetting
from fwpulse.data.store import Observation
from tests.conftest import CLOSED_URL, cut_off, secret_vars, service_url_vars

KEY = "toy-key-4711-secret"
TOY = SourceInfo(
    "toy",
    "tests.data.test_toy_source",
    settings=(
        EnvSetting("toy_url", "FWPULSE_TOY_URL", "Toy service base", "https://toy.example/api", url=True),
        EnvSetting("toy_key", "TOY_KEY", "Toy key (never logged)", secret=True),
    ),
    fields=(
        FrameworkField(
            "toy_tags",
            many=True,
            option="--toy-tag",
            help="Toy tag (repeatable).",
            metavar="TAG",
            pattern=r"[a-z]+",
            form="a lower-case toy tag",
        ),
    ),
    config={"scale": SourceSetting("int", "multiply each count by this", 1, 10)},
)
ALL = SOURCES + (TOY,)
REGISTRY = """
[frameworks.pytorch]
name = "PyTorch"
toy_tags = ["torchy"]

[frameworks.jax]
name = "JAX"

[sources.toy]
scale = 3
"""


def collect(ctx) -> SourceResult:
    """One count per framework from ``{toy_url}/count?tag=...``, the key sent as a Bearer token."""
    scale = ctx.source_settings("toy").get("scale", 1)
    headers = {"Authorization": f"Bearer {ctx.settings.toy_key}"}
    obs = []
    for f in ctx.frameworks:
        resp = ctx.http.get(f"{ctx.settings.toy_url}/count", params={"tag": f.toy_tags[0]}, headers=headers)
        if resp.status_code == 403:  # a careless message: the declared secret must still never get out
            raise FatalSourceError(f"the toy service refused key {ctx.settings.toy_key}")
        obs.append(Observation(f.id, "github.stars", ctx.today, resp.json()["count"] * scale, "toy", "toy count"))
        ctx.progress(f.id)
    return SourceResult(observations=obs)


SOURCE = Source("toy", collect, "a toy source for the declaration tests", needs=lambda f: bool(f.toy_tags))


class _Toy(BaseHTTPRequestHandler):
    def do_GET(self):
        parts = urlsplit(self.path)
        ok = parts.path == "/api/count" and self.headers.get("Authorization") == f"Bearer {KEY}"
        body = json.dumps({"count": len(parse_qs(parts.query)["tag"][0])}).encode()
        self.send_response(200 if ok else 403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def toy_service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Toy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def test_settings_have_the_field_load_it_from_the_environment_and_mask_the_key():
    cls = settings.settings_class(ALL)
    assert cls().toy_url == "https://toy.example/api" and cls().toy_key is None
    assert not hasattr(settings.Settings(), "toy_url")  # the default class derives from SOURCES alone
    s = settings.load_settings({"FWPULSE_TOY_URL": "http://127.0.0.1:9/api/", "TOY_KEY": KEY}, cls)
    assert (s.toy_url, s.toy_key) == ("http://127.0.0.1:9/api", KEY)
    assert s.github_api_url == "https://api.github.com"  # the real sources' settings are still there
    assert KEY not in repr(s) and "toy_key='***'" in repr(s) and "toy_url='http://127.0.0.1:9/api'" in repr(s)
    assert KEY in s.secrets() and redact.redact(f"sent {KEY}") == "sent ***"  # load_settings registered it
    assert s.url_setting_for("http://127.0.0.1:9/api/count?tag=x") == "FWPULSE_TOY_URL"


def test_env_vars_and_url_settings_list_its_variables():
    env = settings.env_vars(ALL)
    assert env["FWPULSE_TOY_URL"] == ("Toy service base", "https://toy.example/api")
    assert env["TOY_KEY"] == ("Toy key (never logged)", "none")
    assert ("toy_url", "FWPULSE_TOY_URL") in settings.url_settings(ALL)
    assert "FWPULSE_TOY_URL" not in settings.ENV_VARS and ("toy_url", "FWPULSE_TOY_URL") not in settings.URL_SETTINGS
    assert sources.url_variables(ALL)[-1] == "FWPULSE_TOY_URL" and sources.key_variables(ALL)[-1] == "TOY_KEY"


def test_the_registry_reads_its_field_and_its_source_settings():
    reg = parse_registry(REGISTRY, "toy.toml", ALL)
    assert reg["pytorch"].toy_tags == ("torchy",) and reg["jax"].toy_tags == ()
    assert reg.source_settings("toy") == {"scale": 3}
    assert "toy_tags" in framework_keys(sources.framework_fields(ALL))
    with pytest.raises(ConfigError) as bad:
        parse_registry(REGISTRY.replace('"torchy"', '"Torchy!"'), "toy.toml", ALL)
    assert bad.value.key == "frameworks.pytorch.toy_tags" and "'Torchy!' is not a lower-case toy tag" in str(bad.value)
    with pytest.raises(ConfigError) as bad:
        parse_registry(REGISTRY.replace("scale = 3", "scale = 30"), "toy.toml", ALL)
    assert bad.value.key == "sources.toy.scale"
    with pytest.raises(ConfigError) as unknown:  # without the toy in the list, its field is an unknown key
        parse_registry(REGISTRY, "toy.toml")
    assert unknown.value.key == "frameworks.pytorch.toy_tags"


def test_frameworks_add_offers_its_option_and_writes_its_field(tmp_path, monkeypatch):
    cli = typer.Typer(rich_markup_mode=None)
    cli.command("add")(add_command(ALL))
    cli.command("other")(lambda: None)  # two commands: `add` stays a subcommand
    help_text = CliRunner().invoke(cli, ["add", "--help"], terminal_width=120).output
    assert "--toy-tag TAG" in help_text and "Toy tag (repeatable)." in help_text
    assert "--github OWNER/REPO" in help_text and "--pypi PROJECT" in help_text  # the real ones stay
    cfg = tmp_path / "frameworks.toml"
    cfg.write_text('[frameworks.pytorch]\nname = "PyTorch"\n')
    monkeypatch.setenv("FWPULSE_CONFIG", str(cfg))
    res = CliRunner().invoke(cli, ["add", "mlx", "--name", "MLX", "--toy-tag", "apple", "--toy-tag", "pear"])
    assert res.exit_code == 0, res.output
    assert 'toy_tags = ["apple", "pear"]' in cfg.read_text()
    assert parse_registry(cfg.read_text(), cfg, ALL)["mlx"].toy_tags == ("apple", "pear")
    refused = CliRunner().invoke(cli, ["add", "bad", "--name", "Bad", "--toy-tag", "NO"])
    assert refused.exit_code == 2 and "frameworks.bad.toy_tags" in refused.output


def test_refresh_lists_and_runs_it_and_its_errors_name_its_setting_never_its_key(empty_db, toy_service, monkeypatch):
    monkeypatch.setattr(refresh, "SOURCES", refresh.source_modules(ALL))
    monkeypatch.setattr(refresh, "SOURCE_URL_SETTINGS", refresh.source_url_settings(ALL))
    assert refresh.available_sources()[-1] == "toy" and refresh.load_source("toy") is SOURCE
    cls = settings.settings_class(ALL)
    registry = parse_registry(REGISTRY, "toy.toml", ALL)
    ran = refresh.refresh(cls(db_path=empty_db, toy_url=toy_service, toy_key=KEY), registry, sources=["toy"])
    assert [(o.source, o.status, o.rows_written, o.requests) for o in ran] == [("toy", "ok", 1, 1)]
    with db.reading(empty_db) as con:  # pytorch only (jax has no toy_tags): len("torchy") times [sources.toy] scale
        stored = con.execute("SELECT framework, value FROM metric_values WHERE source = 'toy'").fetchall()
    assert stored == [("pytorch", 18.0)]
    # As in the no-network fixture, every source's URL is the same closed port: the error names the toy's setting.
    closed = settings.load_settings({**os.environ, "FWPULSE_DB": str(empty_db), "FWPULSE_TOY_URL": CLOSED_URL}, cls)
    assert closed.github_api_url == closed.toy_url == CLOSED_URL
    [down] = refresh.refresh(closed, registry, sources=["toy"])
    assert down.status == "failed" and "FWPULSE_TOY_URL" in down.error and "GITHUB" not in down.error
    wrong = "toy-wrong-key-0815"
    [refused] = refresh.refresh(cls(db_path=empty_db, toy_url=toy_service, toy_key=wrong), registry, sources=["toy"])
    assert refused.status == "failed" and "refused key ***" in refused.error and wrong not in refused.summary()


def test_doctor_lists_its_key_and_checks_its_service(monkeypatch):
    from fwpulse.commands import doctor

    monkeypatch.setattr(sources, "SOURCES", ALL)  # doctor reads the declaration when it runs
    monkeypatch.delenv("TOY_KEY", raising=False)
    assert ("--", "TOY_KEY not set: Toy key (never logged)") in doctor._keys()
    monkeypatch.setenv("TOY_KEY", KEY)
    assert ("ok", "TOY_KEY set") in doctor._keys() and not any(KEY in text for _, text in doctor._keys())
    toy_settings = settings.settings_class(ALL)(toy_url=f"{CLOSED_URL}/api")
    lines = [text for _, text in doctor._services(toy_settings, 0.5)]
    assert f"source toy: cannot reach {CLOSED_URL.removeprefix('http://')}" in "\n".join(lines)


def test_the_no_network_fixture_covers_its_url_and_key(monkeypatch):
    assert "FWPULSE_TOY_URL" in service_url_vars(ALL) and "TOY_KEY" in secret_vars(ALL)
    monkeypatch.setenv("FWPULSE_TOY_URL", "https://toy.example/api")
    monkeypatch.setenv("TOY_KEY", KEY)
    cut_off(monkeypatch, ALL)
    assert os.environ["FWPULSE_TOY_URL"] == CLOSED_URL and "TOY_KEY" not in os.environ


def test_a_name_shared_by_two_sources_must_be_declared_alike():
    twin = SourceInfo(
        "twin", "tests.data.test_toy_source", fields=(FrameworkField("pypi", many=False, option=None, help="x"),)
    )
    with pytest.raises(ValueError, match="framework field 'pypi' is declared twice, differently"):
        sources.framework_fields(SOURCES + (twin,))
    same = SourceInfo("same", "tests.data.test_toy_source", settings=sources.OPENALEX, fields=(sources.PYPI,))
    assert sources.framework_fields(SOURCES + (same,)) == sources.framework_fields()
    assert sources.env_settings(SOURCES + (same,)) == sources.env_settings()
