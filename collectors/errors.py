"""The three kinds of collector error (see collectors/base.py)."""

from __future__ import annotations

import datetime as dt


class SourceError(Exception):
    """Base class; messages name the URL/repo/tag and the next step, never a token."""

    def __init__(self, message: str, *, retry_after: dt.datetime | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class FatalSourceError(SourceError):
    pass


class RetriableError(SourceError):
    pass


class UnreachableError(RetriableError):
    """The host could not be reached at all (DNS failure, connection refused, no route): not retried."""


class SkippableError(SourceError):
    pass
