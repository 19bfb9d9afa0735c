"""`fwpulse frameworks ...`: the user's framework registry.

`fwpulse frameworks add ID --name N [--github o/r] [--pypi p]...` writes the registry that
fwpulse reads: ``FWPULSE_CONFIG`` when set, else the user's own copy in the user config
directory (created from the bundled registry on first use). The new text is validated in full
before it replaces the file (atomically), so a bad option never leaves a broken registry.
Besides --name, --color and --group, its options are the registry fields the sources declare in
data/sources.py (:func:`add_command` builds one option per field).
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from fwpulse.commands.common import EXIT_FAILED, fail
from fwpulse.data.sources import SOURCES, FrameworkField, SourceInfo, framework_fields

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
    color: str | None = None,
    group: str | None = None,
    fields: tuple[FrameworkField, ...] | None = None,
    **values: Any,
) -> str:
    """The ``[frameworks.ID]`` table: ``values`` are the source fields (by registry key) given on the command
    line. In the registry's key order, each only when given. JSON strings and JSON arrays of strings are valid
    TOML basic strings and arrays, so json.dumps writes every value."""
    fields = framework_fields() if fields is None else fields
    unknown = sorted(set(values) - {f.name for f in fields})
    if unknown:
        raise TypeError(f"framework_block: no registry field {', '.join(unknown)}")
    optional = {"color": color, "group": group}
    optional |= {f.name: list(values.get(f.name) or []) if f.many else values.get(f.name) for f in fields}
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


def add_command(sources: tuple[SourceInfo, ...] = SOURCES) -> Callable[..., None]:
    """The `frameworks add` callback: ID, --name, one option per registry field ``sources`` declare with an
    option (repeatable for a list), then --color and --group."""
    fields = framework_fields(sources)

    def add(fid: str, name: str, color: Optional[str], group: Optional[str], **values: Any) -> None:
        """Add a framework to your registry (validated before it is written), then fill its history with
        `fwpulse refresh --framework ID --backfill`."""
        _add(fid, name, color, group, values, fields, sources)

    def param(name: str, default: Any, annotation: Any) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)

    offered = [f for f in fields if f.option]
    clash = {f.name for f in offered} & {"fid", "name", "color", "group"}
    if clash:
        raise ValueError(f"a registry field may not be called {', '.join(sorted(clash))}")
    add.__signature__ = inspect.Signature(
        [
            param("fid", typer.Argument(..., metavar="ID", help="Lower-case slug, e.g. mlx."), str),
            param("name", typer.Option(..., "--name", help="Display name, e.g. MLX."), str),
            *(
                param(
                    f.name,
                    typer.Option(None, f.option, help=f.help, metavar=f.metavar),
                    Optional[list[str]] if f.many else Optional[str],
                )
                for f in offered
            ),
            param(
                "color",
                typer.Option(None, "--color", help="Hex colour like '#0072B2' (default: from the palette)."),
                Optional[str],
            ),
            param("group", typer.Option(None, "--group", help="main or ecosystem (default main)."), Optional[str]),
        ]
    )
    return add


def _add(
    fid: str,
    name: str,
    color: str | None,
    group: str | None,
    values: dict[str, Any],
    fields: tuple[FrameworkField, ...],
    sources: tuple[SourceInfo, ...],
) -> None:
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
        current = parse_registry(text, path, sources)
    except ConfigError as exc:
        raise fail(f"config error: {exc}; fix the file first") from None
    if fid in current.frameworks:
        raise fail(f"{path}: frameworks.{fid} already exists; edit that table in the file, or choose another id")
    block = framework_block(fid, name, color=color, group=group, fields=fields, **values)
    new_text = _insert_block(text, block)
    try:
        registry = parse_registry(new_text, path, sources)
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


app.command("add")(add_command())
