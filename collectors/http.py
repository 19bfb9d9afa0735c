"""One shared HTTP client for every collector.

- identifies itself (User-Agent ``fwpulse/<version>``), always sends a timeout;
- retries transient failures (connection errors, timeouts, 5xx, 429) a bounded number of
  times with exponential backoff, honouring ``Retry-After`` (seconds or HTTP date);
- lets a source add its own wait rule (GitHub's ``x-ratelimit-reset``, Stack Exchange's
  ``backoff``) through ``wait_hint``;
- counts requests for the run ledger;
- redacts secrets (tokens, keys) from every message it produces.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import time
import urllib.parse
from typing import Any, Callable, Iterable

import requests

from fwpulse import __version__
from fwpulse.collectors.errors import FatalSourceError, RetriableError, UnreachableError
from fwpulse.data import redact as redaction

log = logging.getLogger("fwpulse.http")

USER_AGENT = f"fwpulse/{__version__} (ML framework ecosystem metrics; +https://pypi.org/project/fwpulse/)"
DEFAULT_TIMEOUT = (10.0, 30.0)  # connect, read
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

# wait_hint(response) -> seconds to wait before retrying, or None when the response is not a
# "wait" signal. It may raise (e.g. RetriableError when the wait would be too long).
WaitHint = Callable[[requests.Response], float | None]


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class HttpClient:
    def __init__(
        self,
        secrets: Iterable[str] = (),
        *,
        max_attempts: int = 4,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        max_wait: float = 120.0,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        url_setting: Callable[[str], str | None] | None = None,
    ):
        self.url_setting = url_setting  # url -> the setting that configures it (for "cannot reach" messages)
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        redaction.add(secrets)  # every sink redacts them from now on (data/redact.py)
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_wait = max_wait
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock  # monotonic seconds; sources pace against it (tests inject one that `sleep` advances)
        self.requests = 0
        self.waited = 0.0

    def add_secret(self, secret: str) -> None:
        """A secret found while running (e.g. a token from `gh auth token`)."""
        redaction.add([secret])

    def redact(self, text: str) -> str:
        return redaction.redact(text)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
        data: Any = None,
        allow_redirects: bool = True,
        wait_hint: WaitHint | None = None,
        ok_statuses: Iterable[int] = (),
        timeout: tuple[float, float] | None = None,
        resend_after_read_timeout: bool = True,
    ) -> requests.Response:
        """Send a request with bounded retries; returns the final response.

        Responses with a status in RETRY_STATUSES are retried; the last one is returned as is
        if ``ok_statuses`` contains it, else a RetriableError is raised. Other statuses return.
        ``timeout`` (connect, read) replaces the client's; ``resend_after_read_timeout=False`` raises a
        RetriableError at the first read timeout instead of sending again (a server that keeps running
        a request whose client went away would run it twice).
        """
        ok_statuses = frozenset(ok_statuses)
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            self.requests += 1
            try:
                resp = self.session.request(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    json=json_body,
                    data=data,
                    timeout=timeout or self.timeout,
                    allow_redirects=allow_redirects,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                unreachable = unreachable_reason(exc)
                if unreachable:  # no network, a wrong host or nothing listening: retrying only loses time
                    raise UnreachableError(self.redact(self.unreachable_message(url, unreachable))) from None
                if isinstance(exc, requests.ReadTimeout) and not resend_after_read_timeout:
                    read_s = (timeout or self.timeout)[1]
                    raise RetriableError(
                        self.redact(
                            f"{url}: no answer within {read_s:.0f}s; not sent again (the server may still be running it)"
                        )
                    ) from None
                last_problem = f"{type(exc).__name__}"
                wait = self._backoff(attempt)
            else:
                hinted = wait_hint(resp) if wait_hint else None
                if hinted is None and resp.status_code not in RETRY_STATUSES:
                    return resp
                if attempt == self.max_attempts and resp.status_code in ok_statuses:
                    return resp
                last_problem = f"HTTP {resp.status_code}{_request_id(resp)}"
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                wait = (
                    hinted
                    if hinted is not None
                    else (retry_after if retry_after is not None else self._backoff(attempt))
                )
                if wait > self.max_wait:
                    until = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=wait)
                    raise RetriableError(
                        self.redact(
                            f"{url}: {last_problem}; the server asks to wait {wait:.0f}s (more than the {self.max_wait:.0f}s allowed); "
                            f"retry after {until:%Y-%m-%d %H:%M} UTC"
                        ),
                        retry_after=until,
                    )
            if attempt < self.max_attempts:
                log.info(
                    "%s %s: %s, retrying in %.1fs (attempt %d/%d)",
                    method,
                    self.redact(url),
                    last_problem,
                    wait,
                    attempt + 1,
                    self.max_attempts,
                )
                self.sleep(wait)
                self.waited += wait
        raise RetriableError(self.redact(f"{url}: {last_problem} after {self.max_attempts} attempts; try again later"))

    def unreachable_message(self, url: str, why: str) -> str:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or url
        setting = self.url_setting(url) if self.url_setting else None
        where = f"{host}:{parts.port}" if parts.port else host
        fix = (
            f"check the network, or {setting} if {where} is not the right server"
            if setting
            else "check the network and the source's URL setting"
        )
        return f"cannot reach {where} ({why}); {fix}"

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def get_json(self, url: str, **kwargs: Any) -> Any:
        """GET and parse JSON; non-2xx or malformed bodies raise FatalSourceError naming the URL."""
        resp = self.get(url, **kwargs)
        return self.json_of(resp)

    def json_of(self, resp: requests.Response) -> Any:
        url = self.redact(resp.url)
        if not 200 <= resp.status_code < 300:
            raise FatalSourceError(
                f"{url}: HTTP {resp.status_code}{_request_id(resp)}: {self.redact(_short(resp.text))}"
            )
        try:
            return resp.json()
        except (ValueError, json.JSONDecodeError):
            raise FatalSourceError(
                f"{url}: malformed JSON in the response{_request_id(resp)}; "
                f"body starts {self.redact(_short(resp.text))!r}"
            ) from None


def unreachable_reason(exc: Exception) -> str | None:
    """'DNS lookup failed' / 'connection refused' / 'network unreachable' when the host cannot be reached."""
    text = repr(exc)
    chain: BaseException | None = exc
    seen = 0
    while chain is not None and seen < 10:  # requests -> urllib3 MaxRetryError -> NewConnectionError -> OSError
        text += " " + repr(chain) + " " + repr(getattr(chain, "reason", ""))
        chain = chain.__cause__ or chain.__context__
        seen += 1
    if any(
        k in text
        for k in (
            "NameResolutionError",
            "Failed to resolve",
            "Name or service not known",
            "Temporary failure in name resolution",
            "nodename nor servname",
            "gaierror",
        )
    ):
        return "DNS lookup failed"
    if "Connection refused" in text or "ConnectionRefusedError" in text:
        return "connection refused"
    if "Network is unreachable" in text or "No route to host" in text:
        return "network unreachable"
    return None


def _request_id(resp: requests.Response) -> str:
    rid = resp.headers.get("X-GitHub-Request-Id") or resp.headers.get("X-Request-Id")
    return f" (request id {rid})" if rid else ""


def _short(text: str, n: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "..."
