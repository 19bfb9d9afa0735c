"""Hugging Face Hub ``GET /api/models`` a page at a time: the official client's request, its budget, one-line errors.

The request is the one ``HfApi(endpoint=..., token=...).list_models(sort="createdAt",
expand=["createdAt", "tags", "library_name"], limit=N)`` sends (huggingface_hub 2.4,
``hf_api.py`` and ``utils/_pagination.py``): ``sort=createdAt&limit=N&expand=createdAt&expand=tags&
expand=library_name``, no ``direction``, the token only as ``Authorization: Bearer``, and every
further page is the ``Link: <...>; rel="next"`` URL as given. That the Hub then sorts newest first is
assumed (neither the client nor the docs say; a recorded next link carried ``direction=-1``): pages that
are not newest first stop the source with one line (:func:`~fwpulse.collectors.hfhub_counts.take_page`).

The pages are fetched here, through the shared :class:`~fwpulse.collectors.http.HttpClient`, rather
than by ``list_models`` itself, because that client cannot do four things this source needs:

* resume: ``paginate`` keeps the next-page URL inside a generator, so a run cannot save the cursor
  and the next run cannot start from it (``list_models`` always starts at the top);
* stop at a request cap: its ``limit`` is both the page size and the total number of models
  (``islice``), so "1,000 per page, at most 400 pages" cannot be asked for;
* stop on a 429: ``http_backoff`` sleeps out ``RateLimit`` ``t`` (up to 5 minutes) and retries up to
  five times; here a 429 ends the run at once, keeping every page read, with ``retry_after``;
* stay on ``FWPULSE_HF_URL``: ``build_hf_headers`` builds its user agent with ``detect_agent()``,
  which (unless ``HF_HUB_DISABLE_TELEMETRY``) fetches ``{HF_ENDPOINT}/api/agent-harnesses`` from
  huggingface.co once a day, outside the cap and this client, and caches it under ``HF_HOME``.

What is reused from the client: the request's parameters and header (above) and its reading of the
``RateLimit: "api";r=R;t=T`` / ``RateLimit-Policy: "fixed window";"api";q=Q;w=W`` headers
(``huggingface_hub.utils.parse_ratelimit_headers``). Only the query string of the next-page link is
kept (as resume state), so every page goes to ``FWPULSE_HF_URL`` and no state holds a host or a token.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from huggingface_hub.utils import parse_ratelimit_headers

from fwpulse.collectors.errors import FatalSourceError, RetriableError
from fwpulse.collectors.http import HttpClient

LIST_PATH = "/api/models"
SORT = "createdAt"
EXPAND = ("createdAt", "tags", "library_name")
ANONYMOUS_QUOTA, TOKEN_QUOTA = 500, 1000  # API requests per 5-minute window (hub-docs rate-limits.md, Sept 2025)
TOKENS_PAGE = "https://huggingface.co/settings/tokens"


@dataclass(frozen=True)
class Model:
    id: str
    created: dt.datetime  # naive UTC
    created_raw: str  # as the Hub wrote it ("2022-03-02T23:29:04.000Z")
    tags: frozenset[str]


@dataclass(frozen=True)
class Page:
    models: list[Model]
    next_query: str | None  # the query string of the Link rel="next" URL (its cursor included)
    url: str


class HubRateLimited(RetriableError):
    """A 429, or the window's budget used up (``RateLimit`` r=0): stop now, ``retry_after`` says when."""


class CursorRefused(Exception):
    """The Hub refused a stored next-page query (an expired or unknown cursor): restart that scan."""


class HubLister:
    """Pages of ``/api/models`` sorted by createdAt; counts its calls and keeps the last rate-limit headers."""

    def __init__(self, http: HttpClient, base: str, token: str | None, page_size: int) -> None:
        self.http, self.base, self.token, self.page_size = http, base.rstrip("/"), token, page_size
        self.calls = 0
        self.remaining: int | None = None  # RateLimit r
        self.reset_s: int | None = None  # RateLimit t
        self.quota: int | None = None  # RateLimit-Policy q
        self.window_s: int | None = None  # RateLimit-Policy w

    # -- the request ------------------------------------------------------------------------------

    def first_query(self) -> str:
        return urlencode([("sort", SORT), ("limit", self.page_size), *(("expand", e) for e in EXPAND)])

    def public_url(self) -> str:
        """The listing these counts come from (no page size, no cursor, never a token)."""
        return f"{self.base}{LIST_PATH}?" + urlencode([("sort", SORT), *(("expand", e) for e in EXPAND)])

    def headers(self) -> dict[str, str]:
        """As ``build_hf_headers(token=...)`` sends it; without HF_TOKEN no Authorization at all (never a cached token)."""
        return {"authorization": f"Bearer {self.token}"} if self.token else {}

    def page(self, query: str | None, now: dt.datetime) -> Page:
        """One page: ``query`` is a stored next-page query string, or None for the first page."""
        url = f"{self.base}{LIST_PATH}?{query or self.first_query()}"
        self.calls += 1
        resp = self.http.get(url, headers=self.headers(), wait_hint=lambda r: self._on_429(r, now))
        self._note_limits(resp)
        if resp.status_code in (401, 403):
            raise FatalSourceError(self.http.redact(self.auth_message(resp)))
        if query and resp.status_code in (400, 410, 422):
            raise CursorRefused(f"HTTP {resp.status_code}")
        body = self.http.json_of(resp)  # other non-2xx and bad JSON: one line naming the URL
        models = parse_models(body, self.http.redact(url))
        link = resp.links.get("next", {}).get("url")
        return Page(models, urlsplit(link).query or None if link else None, url)

    # -- rate limits ------------------------------------------------------------------------------

    def _note_limits(self, resp: requests.Response) -> None:
        info = parse_ratelimit_headers(resp.headers)
        if info is not None:
            self.remaining, self.reset_s = info.remaining, info.reset_in_seconds
            self.quota = info.limit if info.limit is not None else self.quota
            self.window_s = info.window_seconds if info.window_seconds is not None else self.window_s

    def _on_429(self, resp: requests.Response, now: dt.datetime) -> float | None:
        """The shared client's wait hint: a 429 is never slept out here, it ends the run."""
        if resp.status_code != 429:
            return None
        info = parse_ratelimit_headers(resp.headers)  # this answer's own t, else its Retry-After, else a window
        self._note_limits(resp)
        self.remaining = 0
        retry = resp.headers.get("Retry-After", "").strip()
        wait = info.reset_in_seconds if info else int(retry) if retry.isdigit() else self.window_s or 300
        detail = _short(resp.headers.get("X-Error-Message", ""))
        raise self.limited(f"HTTP 429{': ' + detail if detail else ''}", wait, now, refused=True)

    def limited(self, what: str, wait_s: int | None, now: dt.datetime, refused: bool = False) -> HubRateLimited:
        """One line: what happened, the budget, when to retry, and HF_TOKEN (a token doubles the budget);
        ``refused``: the request just sent got no page."""
        wait = int(wait_s if wait_s is not None else self.window_s or 300)
        until = now + dt.timedelta(seconds=wait)
        quota = self.quota or (TOKEN_QUOTA if self.token else ANONYMOUS_QUOTA)
        who = "this token" if self.token else "this IP address (no token)"
        hint = (
            "HF_TOKEN is set: the budget is the account's; lower [sources.hfhub] max_requests if other jobs use it"
            if self.token
            else f"set HF_TOKEN to a read token from {TOKENS_PAGE}: a token doubles the budget "
            f"({TOKEN_QUOTA:,} instead of {ANONYMOUS_QUOTA:,} requests per 5 minutes)"
        )
        return HubRateLimited(
            f"Hugging Face Hub rate limit reached ({what}; {quota:,} API requests per {self.window_s or 300} s "
            f"for {who}, the window resets in {wait} s): stopped after {self.calls - refused} page(s), keeping them; "
            f"the next refresh continues from there (retry after {until:%Y-%m-%d %H:%M} UTC); {hint}",
            retry_after=until,
        )

    # -- errors -----------------------------------------------------------------------------------

    def auth_message(self, resp: requests.Response) -> str:
        detail = _short(resp.headers.get("X-Error-Message", "") or _error_field(resp))
        what = (
            f"Hugging Face Hub refused {self.public_url()} (HTTP {resp.status_code}{': ' + detail if detail else ''})"
        )
        if self.token:
            return (
                f"{what}: HF_TOKEN is wrong or expired; copy a read token again from {TOKENS_PAGE}, or unset "
                f"HF_TOKEN (the model list is public: without a token the budget is {ANONYMOUS_QUOTA} requests "
                "per 5 minutes)"
            )
        return (
            f"{what}: HF_TOKEN is not set and the Hub refused an anonymous request; create a read token at "
            f"{TOKENS_PAGE} and set HF_TOKEN"
        )


# -- parsing (pure) ---------------------------------------------------------------------------------


def parse_created(value: Any) -> dt.datetime | None:
    """``"2022-03-02T23:29:04.000Z"`` -> naive UTC; None when it is not an ISO time."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def parse_models(body: Any, url: str) -> list[Model]:
    """The fields counted, with the documented types; anything else is one line naming the URL."""
    models: list[Model] = []
    ok = isinstance(body, list)
    for item in body if ok else ():
        created = parse_created(item.get("createdAt")) if isinstance(item, dict) else None
        tags = item.get("tags") if isinstance(item, dict) else None
        if (
            created is None
            or not isinstance(item.get("id"), str)
            or not isinstance(tags, list)
            or not all(isinstance(t, str) for t in tags)
        ):
            ok = False
            break
        models.append(Model(item["id"], created, item["createdAt"], frozenset(t.lower() for t in tags)))
    if not ok:
        raise FatalSourceError(
            f"{url}: unexpected response: not a JSON list of models with 'id', 'createdAt' (ISO time) and 'tags' "
            "(list of strings) as huggingface_hub's list_models reads them; check FWPULSE_HF_URL"
        )
    return models


def _error_field(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""


def _short(text: str, n: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n] + "..."
