from __future__ import annotations

import pytest

from fwpulse.data.registry import ConfigError, load_registry, parse_registry
from fwpulse.data.settings import BUNDLED_CONFIG

MAIN = ["pytorch", "tensorflow", "keras", "jax"]


def test_bundled_registry_main_and_ecosystem():
    reg = load_registry(BUNDLED_CONFIG)
    assert reg.ids("main") == MAIN
    assert set(reg.ids("ecosystem")) == {
        "theano",
        "chainer",
        "caffe2",
        "plaidml",
        "autokeras",
        "pytorch-ignite",
        "torchserve",
    }
    assert "flask" not in reg.ids()
    for fid in MAIN:
        f = reg[fid]
        assert f.github and f.stackoverflow_tags and f.trends_terms and f.pypi and f.color
        assert f.papers or f.note  # no DOI exists for Keras/JAX: the note says so
    assert "tf.keras" in reg["keras"].stackoverflow_tags
    assert "PyTorch" in reg["caffe2"].note
    assert len(set(reg.colors().values())) == len(reg.ids())


def test_minimal_entry_gets_palette_colour():
    reg = parse_registry('[frameworks.mxnet]\nname = "MXNet"\n')
    assert reg["mxnet"].color.startswith("#") and reg["mxnet"].github is None


@pytest.mark.parametrize(
    "body, key, reason",
    [
        ('[frameworks.x]\nname = "X"\nstars = 3\n', "frameworks.x.stars", "unknown key"),
        ('[frameworks.x]\ncolor = "#000000"\n', "frameworks.x.name", "required"),
        ('[frameworks.x]\nname = "X"\ncolor = "red"\n', "frameworks.x.color", "hex colour"),
        ('[frameworks.x]\nname = "X"\ngithub = "not a repo"\n', "frameworks.x.github", "owner/repo"),
        ('[frameworks.X]\nname = "X"\n', "frameworks.X", "lower-case"),
        ('[frameworks.x]\nname = "X"\npapers = ["arXiv:1234"]\n', "frameworks.x.papers", "not a DOI"),
        ('[frameworks.x]\nname = "X"\npypi = [1]\n', "frameworks.x.pypi", "list of non-empty strings"),
        ('[frameworks.x]\nname = "X"\ngroup = "misc"\n', "frameworks.x.group", "must be one of"),
        ('[framework.x]\nname = "X"\n', "framework", "unknown top-level key"),
        ('[frameworks.x\nname = "X"\n', "(syntax)", "not valid TOML"),
    ],
)
def test_errors_name_file_key_and_reason(tmp_path, body, key, reason):
    path = tmp_path / "fw.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_registry(path)
    assert info.value.key == key
    assert str(path) in str(info.value) and reason in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found; set FWPULSE_CONFIG"):
        load_registry(tmp_path / "nope.toml")


def test_select_unknown_framework():
    reg = load_registry(BUNDLED_CONFIG)
    with pytest.raises(ConfigError, match="unknown id"):
        reg.select(["pytorch", "flask"])
