"""Fake OpenAlex answering grouped work counts (``/works?filter=...&group_by=publication_year``) on 127.0.0.1.

Behaviour as SIGNALS-2026-12.md section A describes the 2026 service (proxy ``b50c368``, elastic-api
``5a6505c``), in the order the proxy applies it:

1. a key (``Authorization: Bearer``, ``api_key``/``api-key`` query or header) other than ``required_key``
   -> 401 ``{"error": "Invalid or missing API key", ...}``;
2. the daily budget: each request costs credits (a grouped request 1, whatever it searches); past
   ``budget`` credits -> 429 with the proxy's budget body, ``Retry-After`` and the ``X-RateLimit-*`` headers;
3. the edge's fast 400s (``limit=``, an unquoted comma inside a filter value) with ``error_source`` and
   ``x-openalex-edge-reject``;
4. the origin's 400s ``{"error": "Invalid query parameters error.", "message": ...}``: an unknown
   parameter, a second ``filter``, an unknown filter key, ``page`` > 1 on a group_by;
5. the answer: ``meta`` {count, db_response_time_ms, page, per_page, groups_count, cost_usd} and
   ``group_by`` buckets ``{"key": "2024", "key_display_name": "2024", "count": n}`` in COUNT order (not
   year order), years without works left out, honouring the filter's ``publication_year`` range.
   ``timed_out`` (a number of requests) or ``timed_out_for`` (filter substring -> number) makes the next
   matching answers partial (halved counts) with ``meta.timed_out: true``.

Counts come from tables: ``mentions[(search filter key, value)]`` (e.g. ``("fulltext.search.exact",
'"pytorch" OR "torch"')``), ``papers_ai`` (no search) and ``papers_ai_fulltext`` (``has_fulltext:true``),
all {year: works} inside subfield ``subfield``; a search the table does not hold finds no works. A
filter outside that subfield is a question the fake cannot answer (501). ``log`` keeps every request
(raw target, path, query, headers); ``fail_next`` (from FakeServer) injects any other answer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fakes.sources import FakeServer

FULLTEXT = "fulltext.search.exact"
ABSTRACT = "title_and_abstract.search.exact"
SEARCH_KEYS = (
    FULLTEXT,
    ABSTRACT,
    "fulltext.search",
    "title_and_abstract.search",
    "default.search",
    "title.search",
    "abstract.search",
)
# The filter keys this fake knows (the real list is long; any other key is answered as unknown).
FIELDS = (*SEARCH_KEYS, "primary_topic.subfield.id", "publication_year", "has_fulltext", "type", "is_oa")
# elastic-api core/validate.py valid_params at 5a6505c.
VALID_PARAMS = (
    "apc_sum api-key api_key cited_by_count_sum cursor data_version data-version filter format include_xpac "
    "include-xpac group_by group-by group_bys group-bys mailto page per_page per-page q sample seed search "
    "select sort warm"
).split()
CREDIT_USD = 0.0001
EDGE_MESSAGES = {  # openalex-api-proxy src/f1Validation.ts f1Message
    "limit_param": "The 'limit' parameter is not valid. Did you mean 'per-page'? e.g. /works?search=foo&per-page=5",
    "raw_comma_filter": "A filter value contains an unescaped comma. Commas separate filters, so a literal comma "
    "inside a value must be percent-encoded as %2C (or the whole value wrapped in double quotes). "
    "e.g. filter=title.search:climate%2C+biodiversity",
}


@dataclass
class Logged:
    target: str  # the request target as sent: path and raw query string
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased


def split_filter(value: str) -> list[str]:
    """elastic-api core/utils.py split_filter_string: commas split, except inside double quotes."""
    parts, current, quoted = [], "", False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            if current:
                parts.append(current)
            current = ""
        else:
            current += char
    return parts + ([current] if current else [])


def year_range(value: str) -> tuple[int, int]:
    """``2012-2026``, ``2020``, ``>2019``, ``<2020`` -> inclusive bounds."""
    if value.startswith(">"):
        return int(value[1:]) + 1, 9999
    if value.startswith("<"):
        return 0, int(value[1:]) - 1
    low, dash, high = value.partition("-")
    if not dash:
        return int(low), int(low)
    return int(low or 0), int(high or 9999)


MAX_REQUEST_LINE_BYTES = 8190  # proxy MAX_REQUEST_LINE_BYTES (docs say about 4 KB: keep URLs shorter)


class FakeOpenAlexGroups(FakeServer):
    def __init__(
        self,
        mentions: dict[tuple[str, str], dict[int, int]],
        papers_ai: dict[int, int],
        papers_ai_fulltext: dict[int, int],
        *,
        subfield: str = "1702",
        required_key: str | None = None,
        budget: int | None = None,
        timed_out: int = 0,
        timed_out_for: dict[str, int] | None = None,
        reset_seconds: int = 43200,
    ) -> None:
        super().__init__()
        self.mentions, self.papers_ai, self.papers_ai_fulltext = mentions, papers_ai, papers_ai_fulltext
        self.subfield = subfield
        self.required_key = required_key
        self.budget = budget  # credits per identity (key, else the client's address) for the day; None: no limit
        self.used: dict[str, int] = {}
        self.timed_out = timed_out
        self.timed_out_for = dict(timed_out_for or {})
        self.reset_seconds = reset_seconds
        self.log: list[Logged] = []
        self._target = threading.local()
        fake, handler = self, self._server.RequestHandlerClass

        class Raw(handler):  # keeps the raw target: blank values and repeated parameters count too
            def do_GET(self) -> None:
                fake._target.value = self.path
                super().do_GET()

        self._server.RequestHandlerClass = Raw

    # -- the proxy ------------------------------------------------------------------------------

    def route(self, method, path, query, headers):
        target = getattr(self._target, "value", path)
        raw = parse_qs(urlsplit(target).query, keep_blank_values=True)
        with self.lock:
            self.log.append(Logged(target, path, raw, dict(headers)))
        if len(f"GET {target} HTTP/1.1") > MAX_REQUEST_LINE_BYTES:  # the proxy's limit (SIGNALS A1.3)
            return 400, {"error": "Request URL too long", "message": "The request line exceeds 8190 bytes"}, {}
        key = self._key(raw, headers)
        if key is not None and self.required_key is not None and key != self.required_key:
            return 401, {"error": "Invalid or missing API key", "message": "Provide a valid API key"}, {}
        cost = 1 if ("group_by" in raw or "group-by" in raw) else (10 if self._searches(raw) else 1)
        identity = key or "ip:127.0.0.1"
        limit = self.budget if self.budget is not None else (10000 if key else 1000)
        with self.lock:
            used = self.used.get(identity, 0)
            if self.budget is not None and used + cost > self.budget:
                return self._budget_spent(cost, limit, used)
            self.used[identity] = used + cost
        rate = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - used - cost)),
            "X-RateLimit-Credits-Used": str(cost),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }
        edge = self._edge_reject(raw)
        if edge:
            body = {"error": "Invalid request rejected at the API edge", "error_source": "openalex-api-proxy"}
            return 400, {**body, "message": EDGE_MESSAGES[edge]}, {"x-openalex-edge-reject": f"f1:{edge}"}
        if path.rstrip("/") != "/works":
            return 404, {"error": "Not found", "message": f"{path} is not a path this fake answers"}, {}
        status, body = self._origin(raw, cost)
        return status, body, rate if status == 200 else {}

    @staticmethod
    def _key(raw: dict[str, list[str]], headers: dict[str, str]) -> str | None:
        auth = headers.get("authorization", "").split(" ")
        if len(auth) == 2 and auth[0].lower() == "bearer":
            return auth[1]
        for value in (raw.get("api_key"), raw.get("api-key")):
            if value and value[-1]:
                return value[-1]
        return headers.get("api_key") or headers.get("api-key") or None

    @staticmethod
    def _searches(raw: dict[str, list[str]]) -> bool:
        filters = " ".join(raw.get("filter", []))
        return any(k.startswith("search") for k in raw) or ".search" in filters

    def _budget_spent(self, cost: int, limit: int, used: int) -> tuple[int, Any, dict[str, str]]:
        left = max(0, limit - used)
        body = {
            "error": "Rate limit exceeded",
            "message": f"Insufficient budget. This request costs ${cost * CREDIT_USD:g} but you only have "
            f"${left * CREDIT_USD:g} remaining. Resets at midnight UTC. Need more? Add funds at https://openalex.org/pricing",
            "retryAfter": self.reset_seconds,
            "costUsd": cost * CREDIT_USD,
            "dailyRemainingUsd": left * CREDIT_USD,
            "prepaidRemainingUsd": 0,
            "creditsRequired": cost,
            "creditsRemaining": left,
            "onetimeCreditsRemaining": 0,
        }
        headers = {
            "Retry-After": str(self.reset_seconds),
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(left),
            "X-RateLimit-Limit-USD": f"{limit * CREDIT_USD:g}",
            "X-RateLimit-Remaining-USD": f"{left * CREDIT_USD:g}",
            "X-RateLimit-Credits-Required": str(cost),
            "X-RateLimit-Cost-Required-USD": f"{cost * CREDIT_USD:g}",
            "X-RateLimit-Reset": str(self.reset_seconds),
        }
        return 429, body, headers

    @staticmethod
    def _edge_reject(raw: dict[str, list[str]]) -> str | None:
        if "limit" in raw:
            return "limit_param"
        if raw.get("filter") and any(":" not in part for part in split_filter(raw["filter"][-1])):
            return "raw_comma_filter"
        return None

    # -- the origin (elastic-api) ---------------------------------------------------------------

    def _origin(self, raw: dict[str, list[str]], cost: int) -> tuple[int, Any]:
        def invalid(message: str, error: str = "Invalid query parameters error.") -> tuple[int, Any]:
            return 400, {"error": error, "message": message}

        for arg in raw:
            if arg not in VALID_PARAMS and not arg.startswith("search."):
                return invalid(f"{arg} is not a valid parameter. Valid parameters are: {', '.join(VALID_PARAMS)}.")
        if len(raw.get("filter", [])) > 1:
            return invalid("Only one filter parameter is allowed.")
        group_by = (raw.get("group_by") or raw.get("group-by") or [""])[-1]
        if group_by and "select" in raw:
            return invalid("select does not work with group_by.")
        if group_by and (raw.get("page") or ["1"])[-1] != "1":
            return invalid(
                "Unable to paginate beyond page 1. Group-by is limited to page 1 with up to 200 results at this time.",
                "Pagination error.",
            )
        filters: dict[str, str] = {}
        for part in split_filter((raw.get("filter") or [""])[-1]):
            name, _, value = part.partition(":")
            name = name.replace("-", "_")
            if name not in FIELDS:
                return invalid(
                    f"{name} is not a valid field. Valid fields are underscore or hyphenated versions of: "
                    f"{', '.join(sorted(FIELDS))}"
                )
            filters[name] = value
        if group_by.split(":")[0] != "publication_year" or "search" in raw or any(k.startswith("search.") for k in raw):
            return 501, {"error": "Not implemented", "message": "this fake answers group_by=publication_year only"}
        subfield = filters.get("primary_topic.subfield.id", "").rsplit("/", 1)[-1]
        if subfield != self.subfield:
            return 501, {
                "error": "Not implemented",
                "message": f"this fake knows works of subfield {self.subfield} only",
            }
        years = self._counts(filters)
        try:
            low, high = year_range(filters.get("publication_year", "0-9999"))
        except ValueError:
            return invalid(f"{filters['publication_year']} is not a valid value for publication_year.")
        years = {y: n for y, n in years.items() if low <= y <= high and n > 0}
        timed_out = self._times_out((raw.get("filter") or [""])[-1])
        if timed_out:  # partial: the 5 s search timeout fired before every shard answered
            years = {y: n // 2 for y, n in years.items() if n // 2 > 0}
        buckets = sorted(years.items(), key=lambda item: (-item[1], str(item[0])))  # count order, as ES answers
        meta: dict[str, Any] = {
            "count": sum(years.values()),
            "db_response_time_ms": 5000 if timed_out else 17,
            "page": 1,
            "per_page": 200,
            "groups_count": len(buckets),
            "cost_usd": cost * CREDIT_USD,
        }
        if timed_out:
            meta["timed_out"] = True
        groups = [{"key": str(y), "key_display_name": str(y), "count": n} for y, n in buckets]
        return 200, {"meta": meta, "results": [], "group_by": groups}

    def _counts(self, filters: dict[str, str]) -> dict[int, int]:
        searches = [(k, v) for k, v in filters.items() if k in SEARCH_KEYS]
        fulltext = filters.get("has_fulltext")
        if searches:
            return {} if fulltext is not None or len(searches) > 1 else dict(self.mentions.get(searches[0], {}))
        if fulltext == "true":
            return dict(self.papers_ai_fulltext)
        if fulltext == "false":
            return {y: n - self.papers_ai_fulltext.get(y, 0) for y, n in self.papers_ai.items()}
        return dict(self.papers_ai)

    def _times_out(self, filter_value: str) -> bool:
        with self.lock:
            for needle, left in self.timed_out_for.items():
                if left > 0 and needle in filter_value:
                    self.timed_out_for[needle] = left - 1
                    return True
            if self.timed_out > 0:
                self.timed_out -= 1
                return True
        return False
