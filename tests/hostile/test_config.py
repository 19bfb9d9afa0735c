"""Registry TOML: every [sources.*] setting and framework field, given generated wrong values, stops the
command before any source runs, with exit 2 and one line naming the file and the key."""

from __future__ import annotations

import json
import random

import pytest

from fwpulse.data.registry import ConfigError, parse_registry
from fwpulse.data.source_schema import SCHEMA
from tests.hostile.conftest import invoke

RNG = random.Random(1602)
BASE = '[frameworks.pytorch]\nname = "PyTorch"\ngithub = "pytorch/pytorch"\npypi = ["torch"]\n'

# TOML literals of the wrong type or out of range, per kind.
WRONG = {
    "int": ['"abc"', '"10"', "[1]", "true", "1.5", "-1", "10000000000", "{ a = 1 }", "nan", "inf", "2020-01-01"],
    "float": ['"abc"', "[1]", "false", "nan", "inf", "-inf", "-1", "1e12", "{ a = 1 }", "2020-01-01"],
    "date": [
        "2020",
        '"2020"',
        '"20-01-01"',
        '"2020-13"',
        '"2020-02-30"',
        '"1999-12"',
        '"2200-01-01"',
        '"abc"',
        "[2020]",
        "true",
        '"9999-12-31T23:59:59-14:00"',
        "1999-01-01",
    ],
    "str": ["1", "[]", "true", '""', '"a\\u0000b"', '"x; DROP TABLE"', "{ a = 1 }"],
    "bool": ['"yes"', "1", "0", '"true"', "[true]"],
    "str_list": ["[]", "1", '["a b"]', "[1]", '["ok", "no-dash"]', '[["a"]]'],
}


def _cases() -> list[tuple[str, str, str]]:
    out = []
    for source, settings in SCHEMA.items():
        for key, setting in settings.items():
            values = WRONG[setting.kind]
            if setting.kind == "int" and setting.minimum == 0:
                values = [v for v in values if v != "-1"] + ["-5"]
            for value in values:
                if key == "geo" and value == '""':
                    continue  # an empty geo is allowed (worldwide)
                if key == "anchor_term" and value == '"x; DROP TABLE"':
                    continue  # free text: any search term is allowed
                out.append((source, key, value))
    return out


CASES = _cases()
BAD_FRAMEWORK_FIELDS = [
    ("github", '"../.."'),
    ("github", '"a/b/c"'),
    ("github", '"owner/"'),
    ("github", '"/repo"'),
    ("github", "1"),
    ("github", '"own er/repo"'),
    ("github", '"a/.."'),
    ("github", '"https://github.com/a/b"'),
    ("pypi", '["bad name!"]'),
    ("pypi", '["../x"]'),
    ("pypi", "[1]"),
    ("pypi", '[""]'),
    ("stackoverflow_tags", '["a;b"]'),
    ("stackoverflow_tags", '["a/b"]'),
    ("stackoverflow_tags", '["UPPER"]'),
    ("papers", '["not-a-doi"]'),
    ("color", '"red"'),
    ("group", '"other"'),
    ("note", "1"),
    ("starz", "1"),
]


@pytest.mark.parametrize("source,key,value", CASES)
def test_wrong_source_setting_names_file_and_key(source, key, value):
    with pytest.raises(ConfigError) as info:
        parse_registry(f"{BASE}\n[sources.{source}]\n{key} = {value}\n", "reg.toml")
    assert info.value.key == f"sources.{source}.{key}" and str(info.value).startswith("reg.toml: ")


@pytest.mark.parametrize("field,value", BAD_FRAMEWORK_FIELDS)
def test_wrong_framework_field_names_file_and_key(field, value):
    with pytest.raises(ConfigError) as info:
        parse_registry(f'{BASE}\n[frameworks.x]\nname = "X"\n{field} = {value}\n', "reg.toml")
    assert info.value.key == f"frameworks.x.{field}"


def test_unknown_source_and_setting():
    for text, key in (
        (f"{BASE}[sources.myspace]\nx = 1\n", "sources.myspace"),
        (f"{BASE}[sources.github]\nmax_wait = 1\n", "sources.github.max_wait"),
        (f"sources = 1\n{BASE}", "sources"),
    ):
        with pytest.raises(ConfigError) as info:
            parse_registry(text, "reg.toml")
        assert info.value.key == key


def test_good_settings_are_normalised():
    reg = parse_registry(
        f'{BASE}[sources.github]\nbackfill_since = "2020-03"\nmax_rate_limit_wait_seconds = 60\n'
        "[sources.stackoverflow]\nbackfill_since = 2021-05-04\nmax_requests = 10\n",
        "reg.toml",
    )
    assert reg.source_settings("github") == {"backfill_since": "2020-03-01", "max_rate_limit_wait_seconds": 60.0}
    assert reg.source_settings("stackoverflow") == {"backfill_since": "2021-05-04", "max_requests": 10}


# Through the CLI: the three cases plus a generated sample, on `refresh` (nothing may run).
CLI_CASES = [
    ("github", "max_rate_limit_wait_seconds", '"abc"'),
    ("stackoverflow", "backfill_since", "2020"),
    ("stackoverflow", "max_requests", "[1]"),
] + RNG.sample(CASES, 12)


@pytest.mark.parametrize("source,key,value", CLI_CASES)
def test_refresh_with_wrong_setting_runs_nothing(hostile_db, tmp_path, monkeypatch, source, key, value):
    cfg = tmp_path / "frameworks.toml"
    cfg.write_text(f"{BASE}\n[sources.{source}]\n{key} = {value}\n")
    monkeypatch.setenv("FWPULSE_CONFIG", str(cfg))
    out = invoke("refresh", "--source", "github")
    assert out.code == 2
    line = out.one_line()
    assert str(cfg) in line and f"sources.{source}.{key}" in line


def test_status_with_path_traversal_repo(hostile_db, tmp_path, monkeypatch):
    cfg = tmp_path / "frameworks.toml"
    cfg.write_text('[frameworks.evil]\nname = "Evil"\ngithub = "../.."\n')
    monkeypatch.setenv("FWPULSE_CONFIG", str(cfg))
    out = invoke("status")
    assert out.code == 2 and "frameworks.evil.github" in out.one_line() and json.dumps("owner/repo")[1:-1] in out.stderr
