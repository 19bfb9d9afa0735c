"""No install command of this project can resolve a CUDA build, and dev.sh reinstalls only when it must.

torch is pinned by its local version ``+cpu`` in every extra and in constraints.txt: PyPI never carries a
local version, so pip can only find it on PyTorch's CPU index (which dev.sh, the README and docs/ add) or in a local
wheel; the CUDA build it used to fall back to (torch plus ~20 ``nvidia-*`` packages, several GB) cannot
satisfy the pin. dev.sh itself is driven here with a stub interpreter that records what it is asked to run.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Packages (or extras) that are, or pull, a GPU build.
CUDA_NAMES = re.compile(r"^(nvidia-.*|triton|tensorflow|tensorflow-gpu|jax-cuda.*|jaxlib-cuda.*|cupy.*)$")


def _requirements() -> dict[str, list[Requirement]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    groups = {"(base)": project["dependencies"], **project["optional-dependencies"]}
    return {name: [Requirement(r) for r in reqs] for name, reqs in groups.items()}


def test_every_torch_requirement_pins_the_cpu_build_and_agrees_with_constraints():
    pins = [str(r.specifier) for reqs in _requirements().values() for r in reqs if r.name == "torch"]
    assert pins, "torch is expected in the bench and dev extras"
    assert all(re.fullmatch(r"==\d+\.\d+\.\d+\+cpu", p) for p in pins), pins
    constraint = [ln for ln in (REPO / "constraints.txt").read_text().splitlines() if ln.startswith("torch")]
    assert constraint == [f"torch{pins[0]}"] and len(set(pins)) == 1


def test_no_extra_names_a_gpu_package_or_gpu_extra():
    for group, reqs in _requirements().items():
        for r in reqs:
            assert not CUDA_NAMES.match(r.name), f"{group}: {r}"
            assert not any("cuda" in e or e == "and-cuda" for e in r.extras), f"{group}: {r}"


def test_every_documented_install_of_a_torch_extra_names_the_cpu_index():
    """The hand-install lines of the README and every docs/ page, and pyproject's comment: a copy-paste must not
    fail or pull CUDA."""
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md")), REPO / "pyproject.toml"]
    texts = {str(p.relative_to(REPO)): p.read_text() for p in pages}
    lines = [
        (name, ln)
        for name, text in texts.items()
        for ln in text.splitlines()
        if "pip install" in ln and re.search(r"\[(?:[a-z,]*,)?(dev|bench)\b", ln)
    ]
    assert lines
    for name, ln in lines:
        assert f"--extra-index-url {CPU_INDEX}" in ln, f"{name}: {ln.strip()}"


# ------------------------------------------------------------------------------------------- dev.sh


def _stub_venv(tmp_path: Path, stamp_extras: str | None, pip_finds_torch: bool) -> tuple[Path, Path]:
    venv, log = tmp_path / "venv", tmp_path / "calls.log"
    (venv / "bin").mkdir(parents=True)
    rc = 0 if pip_finds_torch else 1
    stub = f'#!/bin/sh\necho "$*" >> {log}\ncase "$*" in *--dry-run*) exit {rc};; esac\nexit 0\n'
    for name in ("python", "fwpulse"):
        (venv / "bin" / name).write_text(stub)
        (venv / "bin" / name).chmod(0o755)
    if stamp_extras is not None:
        digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes() + (REPO / "constraints.txt").read_bytes())
        (venv / ".fwpulse-stamp").write_text(f"{digest.hexdigest()[:16]}-{stamp_extras}\n")
    return venv, log


def _dev_sh(venv: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FWPULSE_VENV": str(venv)}
    return subprocess.run([str(REPO / "dev.sh"), *args], env=env, capture_output=True, text=True, timeout=60)


def _installs(log: Path) -> list[str]:
    calls = log.read_text().splitlines() if log.exists() else []
    return [c for c in calls if c.startswith("-m pip install") and "--dry-run" not in c and "--upgrade pip" not in c]


def test_dev_sh_after_test_setup_does_not_reinstall_for_the_dashboard(tmp_path):
    venv, log = _stub_venv(tmp_path, stamp_extras="dev", pip_finds_torch=True)
    res = _dev_sh(venv, "fwpulse", "version")
    assert res.returncode == 0, res.stderr
    assert _installs(log) == [] and "installing" not in res.stderr


@pytest.mark.parametrize("pip_finds_torch", [True, False])
def test_dev_sh_adds_pytorchs_cpu_index_only_when_pip_cannot_find_the_pin(tmp_path, pip_finds_torch):
    venv, log = _stub_venv(tmp_path, stamp_extras=None, pip_finds_torch=pip_finds_torch)
    res = _dev_sh(venv, "test", "--co", "-q", "tests/test_layout.py")
    assert res.returncode == 0, res.stderr
    (install,) = _installs(log)
    assert "-c constraints.txt" in install and "-e .[dev]" in install
    assert (f"--extra-index-url={CPU_INDEX}" in install) is (not pip_finds_torch)
    assert "Editable installation" not in res.stderr
