"""`fwpulse frameworks ...`: the user's framework registry.

`fwpulse frameworks add ID --name N [--github o/r] [--pypi p]...` writes the registry that
fwpulse reads: ``FWPULSE_CONFIG`` when set, else the user's own copy in the user config
directory (created from the bundled registry on first use). The new text is validated in full
before it replaces the file (atomically), so a bad option never leaves a broken registry.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Optional

import typer

from fwpulse.commands.common import EXIT_FAILED, fail

app = typer.Typer(
    help="The framework registry: add a framework to your own copy (FWPULSE_CONFIG or the user "
    "config directory), then fill its history with `fwpulse refresh --framework ID --backfill`.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def registry_target() -> tuple[Path, bool]:
    """The file to write and whether it comes from FWPULSE_CONFIG."""
    from fwpulse.data.settings import user_registry_path

    if os.environ.get("FWPULSE_CONFIG"):
        return Path(os.environ["FWPULSE_CONFIG"]).expanduser(), True
    return user_registry_path(), False


def framework_block(
    fid: str,
    name: str,
    *,
    github: str | None,
    github_aliases: list[str],
    pypi: list[str],
    stackoverflow_tags: list[str],
    trends_terms: list[str],
    color: str | None,
    research_terms: list[str] = (),
    hf_tags: list[str] = (),
    group: str | None,
) -> str:
    # In the registry's key order, each only when given. JSON strings and JSON arrays of strings are valid
    # TOML basic strings and arrays, so json.dumps writes every value.
    optional = {
        "color": color,
        "group": group,
        "github": github,
        "github_aliases": github_aliases,
        "stackoverflow_tags": stackoverflow_tags,
        "trends_terms": trends_terms,
        "pypi": pypi,
        "research_terms": list(research_terms),
        "hf_tags": list(hf_tags),
    }
    lines = [f"[frameworks.{fid}]", f"name = {json.dumps(name)}"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in optional.items() if value]
    return "\n".join(lines) + "\n"


def _insert_block(text: str, block: str) -> str:
    """Place the new table after the last [frameworks.*] table (before [sources.*], if any)."""
    marker = "\n[sources."
    cut = text.find(marker)
    if text.startswith("[sources."):
        cut = 0
    if cut == -1:
        return text.rstrip("\n") + "\n\n" + block
    # keep a comment block that introduces [sources.*] with it
    head, tail = text[: cut + 1], text[cut + 1 :]
    head_lines = head.rstrip("\n").split("\n")
    comments: list[str] = []
    while head_lines and head_lines[-1].lstrip().startswith("#"):
        comments.insert(0, head_lines.pop())
    head = "\n".join(head_lines).rstrip("\n")
    return head + "\n\n" + block + "\n" + ("\n".join(comments) + "\n" if comments else "") + tail


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command("add")
def add(
    fid: str = typer.Argument(..., metavar="ID", help="Lower-case slug, e.g. mlx."),
    name: str = typer.Option(..., "--name", help="Display name, e.g. MLX."),
    github: Optional[str] = typer.Option(None, "--github", help="owner/repo"),
    github_alias: Optional[list[str]] = typer.Option(
        None, "--github-alias", help="A former owner/repo name (repeatable)."
    ),
    pypi: Optional[list[str]] = typer.Option(None, "--pypi", help="PyPI project (repeatable)."),
    stackoverflow_tag: Optional[list[str]] = typer.Option(
        None, "--stackoverflow-tag", help="Stack Overflow tag (repeatable)."
    ),
    trends_term: Optional[list[str]] = typer.Option(None, "--trends-term", help="Google Trends term (repeatable)."),
    research_term: Optional[list[str]] = typer.Option(
        None, "--research-term", help="Word OpenAlex searches AI papers for (repeatable), e.g. mlx."
    ),
    hf_tag: Optional[list[str]] = typer.Option(
        None, "--hf-tag", help="Hugging Face Hub model tag (repeatable), e.g. mlx."
    ),
    color: Optional[str] = typer.Option(None, "--color", help="Hex colour like '#0072B2' (default: from the palette)."),
    group: Optional[str] = typer.Option(None, "--group", help="main or ecosystem (default main)."),
) -> None:
    """Add a framework to your registry (validated before it is written), then fill its history with
    `fwpulse refresh --framework ID --backfill`."""
    from fwpulse.data.registry import ConfigError, parse_registry
    from fwpulse.data.settings import BUNDLED_CONFIG

    path, from_env = registry_target()
    created = not path.exists()
    if created and from_env:
        raise fail(
            f"FWPULSE_CONFIG={path} does not exist; unset FWPULSE_CONFIG to use your user registry, "
            "or point it at an existing TOML file"
        )
    try:
        text = BUNDLED_CONFIG.read_text(encoding="utf-8") if created else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot read the registry {path}: {exc.strerror or exc}") from None
    try:
        current = parse_registry(text, path)
    except ConfigError as exc:
        raise fail(f"config error: {exc}; fix the file first") from None
    if fid in current.frameworks:
        raise fail(f"{path}: frameworks.{fid} already exists; edit that table in the file, or choose another id")
    block = framework_block(
        fid,
        name,
        github=github,
        github_aliases=list(github_alias or []),
        pypi=list(pypi or []),
        stackoverflow_tags=list(stackoverflow_tag or []),
        trends_terms=list(trends_term or []),
        color=color,
        research_terms=list(research_term or []),
        hf_tags=list(hf_tag or []),
        group=group,
    )
    new_text = _insert_block(text, block)
    try:
        registry = parse_registry(new_text, path)
    except ConfigError as exc:
        raise fail(f"not added: {exc.key}: {exc.reason}") from None
    try:
        _write_atomically(path, new_text)
    except OSError as exc:
        raise fail(f"cannot write the registry {path}: {exc.strerror or exc}", EXIT_FAILED) from None
    fw = registry[fid]
    where = f"{path} (created from the bundled registry)" if created else str(path)
    typer.echo(f"added {fw.id} ({fw.name}) to {where}")
    typer.echo(f"fill its history: fwpulse refresh --framework {fw.id} --backfill")
