"""Progress display for long verbs: a bar per task on a terminal, plain timestamped log lines otherwise (cron mail)."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator

log = logging.getLogger("fwpulse")

# factory(task name, total steps) -> tick(message); a tick may carry ``total=`` to correct the total.
ProgressFactory = Callable[[str, int], Callable[..., None]]


@contextlib.contextmanager
def progress() -> Iterator[ProgressFactory]:
    if not sys.stderr.isatty():

        def plain(name: str, total: int):
            state = {"done": 0, "total": total}

            def tick(message: str | None = None, total: int | None = None) -> None:
                if total is not None:
                    state["total"] = total
                if message is not None:
                    state["done"] += 1
                    log.info("%s: %s done (%d/%d)", name, message, state["done"], state["total"])

            return tick

        yield plain
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(),
        transient=False,
    ) as bar:

        def rich_factory(name: str, total: int):
            task = bar.add_task(name, total=total, last="")

            def tick(message: str | None = None, total: int | None = None) -> None:
                if total is not None:
                    bar.update(task, total=total)
                if message is not None:
                    bar.update(task, advance=1, last=message)

            return tick

        yield rich_factory
