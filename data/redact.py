"""Secret redaction at the sinks: one function that knows every configured secret.

Secrets (tokens, keys, passwords) are registered once, when the settings are loaded
(:func:`fwpulse.data.settings.load_settings`) or found at run time (``gh auth token``). Every
sink applies :func:`redact`:

- log records, of every logger and level, tracebacks included: :func:`install` sets a log-record
  factory that redacts the message, its arguments and the formatted exception of each record as
  it is created, so no handler (a terminal, cron mail, pytest's capture) ever sees a secret;
- the database: ``store.record_run`` redacts the run's error and details, every observation's and
  event's text fields and the collector state before writing;
- what the CLI prints, the dashboard's Data health page and export files read from the database
  (already clean) or pass through :func:`redact`.

A secret also shows up URL-encoded or inside JSON escapes when a server echoes it; those forms
are redacted too. Values shorter than 4 characters are not treated as secrets (they would blank
out ordinary text).
"""

from __future__ import annotations

import json
import logging
import threading
import traceback
import urllib.parse
from typing import Any, Iterable

MASK = "***"
_MIN_LEN = 4
_lock = threading.Lock()
_secrets: list[str] = []  # every registered form, longest first (an encoded form may contain the plain one)


def add(secrets: Iterable[str | None]) -> None:
    """Register secret values (empty or very short values are ignored)."""
    global _secrets
    with _lock:
        forms = set(_secrets)
        for s in secrets:
            if s and len(s) >= _MIN_LEN:
                forms |= {s, urllib.parse.quote(s, safe=""), urllib.parse.quote_plus(s), json.dumps(s)[1:-1]}
        _secrets = sorted((f for f in forms if len(f) >= _MIN_LEN), key=len, reverse=True)
    install()


def redact(text: Any) -> Any:
    """``text`` with every registered secret replaced by ``***`` (non-strings are returned unchanged)."""
    if not isinstance(text, str) or not _secrets:
        return text
    for s in _secrets:
        if s in text:
            text = text.replace(s, MASK)
    return text


def redact_obj(value: Any) -> Any:
    """Redact every string inside a JSON-like value (dict keys included)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_obj(k): redact_obj(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_obj(v) for v in value]
    return value


def _redacting_factory(base):
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if not _secrets:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text, record.exc_info = redact(text), None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    factory._fwpulse_redacting = True  # type: ignore[attr-defined]
    return factory


def install() -> None:
    """Redact every log record from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "_fwpulse_redacting", False):
        logging.setLogRecordFactory(_redacting_factory(current))
