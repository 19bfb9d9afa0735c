"""Stack Exchange API 2.3 client: Bearer key, wrapper errors, throttles, ``backoff``, quota and a request cap.

Authentication and throttles (2026): ``STACKEXCHANGE_KEY`` travels only as
``Authorization: Bearer <key>`` (a ``key=`` query parameter is rejected since June 2026); keyless
requests work at 300/day per IP. Throttles arrive as HTTP 400 with ``error_id`` 502
(throttle_violation): waited out through the shared HTTP client's bounded retries, or, when the
wait is longer than the client's ``max_wait``, a RetriableError saying when to retry.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import requests

from fwpulse.collectors.errors import FatalSourceError, RetriableError, SourceError
from fwpulse.collectors.http import HttpClient

SITE = "stackoverflow"
DEFAULT_MAX_REQUESTS = 250
DEFAULT_RESERVE = 10
_AVAILABLE_IN = re.compile(r"available in (\d+) seconds")


class QuotaReserveReached(Exception):
    pass


class StackExchangeClient:
    """Thin wrapper: the key as ``Authorization: Bearer`` (never in a URL), gzip (requests decodes
    it), wrapper errors, throttles (HTTP 400 carrying error_id 502), ``backoff`` per method, quota
    tracking and a request cap."""

    def __init__(
        self,
        http: HttpClient,
        base: str,
        key: str | None,
        *,
        reserve: int = DEFAULT_RESERVE,
        max_requests: int = DEFAULT_MAX_REQUESTS,
        clock=None,
    ):
        self.http, self.base, self.key = http, base.rstrip("/"), key
        self.reserve, self.max_requests = reserve, max_requests
        self.clock = clock or getattr(http, "clock", time.monotonic)
        self.not_before: dict[str, float] = {}  # method -> monotonic time it may be called again
        self.quota_remaining: int | None = None
        self.quota_max: int | None = None
        self.calls = 0
        self.backoffs: list[tuple[str, int]] = []
        self.throttles = 0

    def public_url(self, path: str, params: dict[str, Any]) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{self.base}{path}?{query}"

    def budget_left(self) -> int:
        return self.max_requests - self.calls

    def headers(self) -> dict[str, str]:
        """Since June 2026 a key is accepted only here; ``key=`` in the query string is rejected."""
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def check_quota(self) -> None:
        if self.quota_remaining is not None and self.quota_remaining < self.reserve:
            raise QuotaReserveReached(
                f"Stack Exchange quota_remaining {self.quota_remaining} is below the reserve of "
                f"{self.reserve}; stopped, the next refresh continues"
            )

    def get(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        self.check_quota()
        wait = self.not_before.get(method, 0.0) - self.clock()
        if wait > 0:
            self.http.sleep(wait)
            self.http.waited += wait
        full = {**params, "site": SITE}
        self.calls += 1
        if self.quota_remaining is not None:  # filter=total bodies carry no quota: estimate
            self.quota_remaining -= 1
        # ok_statuses=(400,): a throttle still there after the client's bounded retries comes back
        # here, so its body can name what happened.
        resp = self.http.get(
            f"{self.base}{path}", params=full, headers=self.headers(), wait_hint=self._throttle_wait, ok_statuses=(400,)
        )
        body = _body(resp)
        where = self.public_url(path, full)
        if "backoff" in body:
            seconds = _int_field(body, "backoff", where)
            self.backoffs.append((method, seconds))
            self.not_before[method] = self.clock() + seconds
        if "quota_remaining" in body:
            self.quota_remaining = _int_field(body, "quota_remaining", where)
            self.quota_max = body.get("quota_max", self.quota_max)
        if "error_id" in body or not 200 <= resp.status_code < 300:
            raise self._error(self.public_url(path, full), resp, body)
        return body

    def _throttle_wait(self, resp: requests.Response) -> float | None:
        """A throttle (HTTP 400 with error_id 502, or an HTTP 503/502 from the hard per-IP limit)
        is a wait signal: the seconds it names, else 30 s; a wait longer than the client allows
        stops the source with a RetriableError saying when to retry."""
        body = _body(resp) if resp.status_code == 400 else {}
        if resp.status_code == 400 and body.get("error_id") != 502:
            return None
        if resp.status_code not in (400, 502, 503):
            return None
        self.throttles += 1
        if "backoff" in body:
            return float(_int_field(body, "backoff", resp.url))
        match = _AVAILABLE_IN.search(str(body.get("error_message", "")))
        wait = float(match.group(1)) if match else 30.0
        if wait > self.http.max_wait:
            until = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=wait)
            raise RetriableError(
                f"Stack Exchange throttle_violation (error_id 502): {body.get('error_message', '')!s}; "
                f"retry after {until:%Y-%m-%d %H:%M} UTC"
                + ("" if self.key else " (STACKEXCHANGE_KEY raises the daily quota from 300 to 10,000 requests)"),
                retry_after=until,
            )
        return wait

    def _error(self, url: str, resp: requests.Response, body: dict[str, Any]) -> SourceError:
        error_id = body.get("error_id", resp.status_code)
        what = (
            f"{url}: Stack Exchange API error {error_id} {body.get('error_name', '')}: "
            f"{body.get('error_message', 'no error message')}"
        )
        if _is_auth_error(body):
            if self.key:
                step = (
                    "check STACKEXCHANGE_KEY (an app key from stackapps.com, sent as 'Authorization: Bearer') "
                    "or unset it: without a key the API still answers, 300 requests/day per IP"
                )
            else:
                step = "set STACKEXCHANGE_KEY to an app key from stackapps.com (sent as 'Authorization: Bearer')"
            return FatalSourceError(self.http.redact(f"{what}; authentication rejected: {step}"))
        if error_id in (500, 502, 503):
            return RetriableError(self.http.redact(f"{what}; {_next_step(body)}"))
        return FatalSourceError(self.http.redact(f"{what}; {_next_step(body)}"))


_AUTH_WORDS = re.compile(r"\b(key|access[ _]token|auth\w*|bearer)\b", re.IGNORECASE)


def _is_auth_error(body: dict[str, Any]) -> bool:
    """Rejected for its authentication: the access-token/key error ids, or a bad_parameter (400)
    about the key ("An invalid parameter was passed, this includes even ... key")."""
    error_id = body.get("error_id")
    if error_id in (401, 402, 403, 405, 406):
        return True
    return error_id == 400 and bool(_AUTH_WORDS.search(str(body.get("error_message", ""))))


def _int_field(body: dict[str, Any], key: str, where: str) -> int:
    """A wrapper field that must be an integer (backoff, quota_remaining); anything else is one line."""
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or not 0 <= value < 10**9:
        raise FatalSourceError(
            f"{where}: unexpected response: '{key}' is not a number of the API's wrapper "
            f"(see api.stackexchange.com/docs/wrapper)"
        )
    return int(value)


def _body(resp: requests.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError:
        if 200 <= resp.status_code < 300:
            body = {
                "error_id": resp.status_code,
                "error_name": "not_json",
                "error_message": f"HTTP {resp.status_code}, body is not JSON",
            }
        else:
            body = {}
    return body if isinstance(body, dict) else {}


def _next_step(body: dict[str, Any]) -> str:
    return {
        400: "check the parameters (tags, site) in the frameworks TOML",
        404: "check FWPULSE_STACKEXCHANGE_API_URL (it should end in /2.3)",
        502: "throttled: wait (see the message) before the next refresh",
        503: "the API is temporarily unavailable; try again later",
    }.get(body.get("error_id"), "try again later")
