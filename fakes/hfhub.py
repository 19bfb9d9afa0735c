"""A fake Hugging Face Hub ``/api/models`` on 127.0.0.1: createdAt sort, expand, Link-cursor paging, RateLimit headers.

Built from SIGNALS-2026-12.md B1 and D6-D7 (huggingface_hub 2.4 ``list_models`` / ``_pagination.py``):

* ``GET /api/models`` answers a JSON list of the ``models`` records (dicts with ``_id``, ``id``,
  ``createdAt`` ISO ``"YYYY-MM-DDTHH:MM:SS.000Z"``, ``tags``, ``library_name``). ``sort=createdAt``
  sorts by createdAt then ``_id``: ``direction=1`` oldest first, ``-1`` newest first, none the
  ``default_direction`` (-1: the Hub's default as assumed, since the client sends no direction; 1 plays
  a Hub that lists oldest first). Without ``sort`` the records come in stored order. ``filter``
  (repeatable) keeps models carrying every tag given. ``limit`` is the page size (at most
  ``max_page_size``; default ``default_page_size``). ``expand`` (repeatable) returns only ``_id``,
  ``id`` and the fields named; without it a default set (id, likes, downloads, tags, library_name,
  createdAt, ...). ``expand`` with ``full``/``cardData``/``config`` is a 400, as on the Hub.
* Paging: when more records follow, ``Link: <{base}/api/models?{same query}&cursor=C>; rel="next"``.
  ``C`` is opaque (base64 JSON of the last record's sort key, like the Hub's ``eyIkb3Ii...``): a
  keyset, so models created while a client pages do not shift its pages. An unreadable cursor is a 400.
* Rate limit: every answer carries ``RateLimit: "api";r=<remaining>;t=<seconds to the window's end>``
  and ``RateLimit-Policy: "fixed window";"api";q=<quota>;w=300``. The quota per 300 s window is
  ``quota_anonymous`` (500) or ``quota_token`` (1,000) with a valid token; once used up: 429 with
  ``RateLimit: "api";r=0;t=N``, ``Retry-After: N``, ``X-Error-Code``/``X-Error-Message``. The window
  runs on ``clock`` (pass a VirtualClock, or call ``new_window()``). ``spent_by_others_at = N``: from
  the N-th request on, other clients on the same IP have used up the window (a 429 with no r=0 before).
* ``token``: when set, a request whose ``Authorization: Bearer`` is another value gets a 401
  (``X-Error-Code: InvalidCredentials``); ``anonymous_refused`` refuses requests without a token too.
* ``log`` keeps every request: path, the query as a list of (name, value) pairs, the headers.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import zlib
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fakes.sources import FakeServer

WINDOW_S = 300

# SIGNALS D6: recorded tags of two real models (the createdAt of bert-base-uncased is the 2022-03-02
# migration date the Hub shows for models older than createdAt; SD-2.1's is its creation day).
BERT = {
    "_id": "621ffdc036468d709f174338",
    "id": "google-bert/bert-base-uncased",
    "library_name": "transformers",
    "tags": "transformers pytorch tf jax rust coreml onnx safetensors bert fill-mask exbert en dataset:bookcorpus "
    "dataset:wikipedia arxiv:1810.04805 license:apache-2.0 autotrain_compatible endpoints_compatible region:us".split(),
    "createdAt": "2022-03-02T23:29:04.000Z",
}
SD21 = {
    "_id": "638f7ae36c25af4071044105",
    "id": "stabilityai/stable-diffusion-2-1",
    "library_name": "diffusers",
    "tags": ["diffusers", "safetensors", "stable-diffusion", "text-to-image", "arxiv:2112.10752", "license:openrail++"],
    "createdAt": "2022-12-06T17:24:51.000Z",
}

# Tag sets the generated models cycle through: framework tags alone and together, format-only, none.
TAG_SETS = [
    ["transformers", "pytorch", "safetensors"],
    ["tf", "keras"],
    ["transformers", "pytorch", "tf"],
    ["jax", "flax"],
    ["diffusers", "safetensors"],  # no framework tag (the SD-2.1 pitfall)
    ["keras", "tf-keras"],
    ["gguf"],
    ["transformers", "pytorch", "tf", "jax"],
    ["tf-keras"],
    [],
]
LIBRARIES = {"pytorch": "transformers", "keras": "keras", "tf-keras": "tf-keras", "jax": "flax", "gguf": "gguf"}


def iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def generated_models(first: dt.date, last: dt.date, per_month=lambda i: 2 + i % 3, prefix: str = "org") -> list[dict]:
    """Deterministic records, ``per_month(i)`` in the i-th month from ``first`` through ``last``'s month
    (every record of a month on or before ``last``); every fifth month two share one createdAt second."""
    out, i, month = [], 0, dt.date(first.year, first.month, 1)
    while month <= last:
        for j in range(per_month(i)):
            k = 0 if (i % 5 == 0 and j == 1) else j  # every fifth month: the second model shares the first's second
            day = 1 + (k * 7) % 27
            if (month.year, month.month) == (last.year, last.month):
                day = min(day, last.day)
            when = dt.datetime(month.year, month.month, day, 10, 0, k)
            tags = TAG_SETS[(i * 3 + j) % len(TAG_SETS)] + ["region:us"]
            library = next((LIBRARIES[t] for t in tags if t in LIBRARIES), None)
            n = len(out)
            out.append(
                {
                    "_id": f"{0x650000000000000000000000 + (zlib.crc32(prefix.encode()) << 32) + n:024x}",
                    "id": f"{prefix}/model-{n:05d}",
                    "createdAt": iso(when),
                }
                | {"tags": tags, "library_name": library}
            )
        i += 1
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def _key(record: dict) -> tuple[str, str]:
    return record["createdAt"], record["_id"]


def encode_cursor(record: dict, direction: int) -> str:
    raw = json.dumps({"$or": [{"createdAt": record["createdAt"], "_id": record["_id"], "dir": direction}]})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[tuple[str, str], int] | None:
    try:
        body = json.loads(base64.urlsafe_b64decode(cursor.encode()))["$or"][0]
        return (str(body["createdAt"]), str(body["_id"])), int(body["dir"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


class FakeHub(FakeServer):
    def __init__(
        self,
        models: list[dict],
        *,
        token: str | None = None,
        anonymous_refused: bool = False,
        quota_anonymous: int = 500,
        quota_token: int = 1000,
        max_page_size: int = 1000,
        default_page_size: int = 1000,
        default_direction: int = -1,
        clock=None,
    ) -> None:
        super().__init__()
        self.models = list(models)
        self.token, self.anonymous_refused = token, anonymous_refused
        self.quota_anonymous, self.quota_token = quota_anonymous, quota_token
        self.max_page_size, self.default_page_size = max_page_size, default_page_size
        self.default_direction = default_direction  # -1: newest first (assumed Hub default); 1: oldest first
        if clock is not None:
            self.clock = clock
        self.window_start = self.clock()
        self.used = {False: 0, True: 0}  # requests in this window: anonymous / with the token
        self.served_429 = 0
        self.spent_by_others_at: int | None = None  # from this request number on, other clients spent the window
        self.log: list[dict[str, Any]] = []
        self._raw = threading.local()
        handler = self._server.RequestHandlerClass
        fake = self

        class RawQueryHandler(handler):  # the base keeps only the last value of a repeated parameter
            def do_GET(self) -> None:
                fake._raw.query = parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
                super().do_GET()

        self._server.RequestHandlerClass = RawQueryHandler

    def add(self, records: list[dict]) -> None:
        with self.lock:
            self.models.extend(records)

    def new_window(self) -> None:
        with self.lock:
            self.window_start, self.used = self.clock(), {False: 0, True: 0}

    # -- answers ----------------------------------------------------------------------------------

    def route(self, method, path, query, headers):
        pairs = list(self._raw.query)
        with self.lock:
            self.log.append({"path": path, "query": pairs, "headers": dict(headers)})
            auth = headers.get("authorization", "")
            authed = bool(self.token) and auth == f"Bearer {self.token}"
            now = self.clock()
            if now - self.window_start >= WINDOW_S:
                self.window_start, self.used = now, {False: 0, True: 0}
            quota = self.quota_token if authed else self.quota_anonymous
            reset = max(1, int(self.window_start + WINDOW_S - now))
            if self.spent_by_others_at is not None and len(self.log) >= self.spent_by_others_at:
                self.used[authed] = max(self.used[authed], quota)
            if self.used[authed] >= quota:
                self.served_429 += 1
                return (
                    429,
                    {"error": "Too Many Requests"},
                    self._limits(0, reset, quota)
                    | {
                        "Retry-After": str(reset),
                        "X-Error-Code": "RateLimitExceeded",
                        "X-Error-Message": "You have exceeded our API rate limit; authenticate to raise it",
                    },
                )
            self.used[authed] += 1
            limits = self._limits(quota - self.used[authed], reset, quota)
            records = list(self.models)
        if (auth and self.token and not authed) or (not auth and self.anonymous_refused):
            return (
                401,
                {"error": "Invalid credentials in Authorization header"},
                limits
                | {
                    "X-Error-Code": "InvalidCredentials",
                    "X-Error-Message": "Invalid credentials in Authorization header",
                },
            )
        if path.rstrip("/") != "/api/models":
            return 404, {"error": "Sorry, we can't find the page you are looking for."}, limits
        return self._list(pairs, records, limits)

    @staticmethod
    def _limits(remaining: int, reset: int, quota: int) -> dict[str, str]:
        return {
            "RateLimit": f'"api";r={remaining};t={reset}',
            "RateLimit-Policy": f'"fixed window";"api";q={quota};w={WINDOW_S}',
        }

    def _list(self, pairs: list[tuple[str, str]], records: list[dict], limits: dict[str, str]):
        params: dict[str, list[str]] = {}
        for name, value in pairs:
            params.setdefault(name, []).append(value)
        one = {k: v[-1] for k, v in params.items()}
        expand = params.get("expand", [])
        if expand and any(k in one for k in ("full", "cardData", "config")):
            return 400, {"error": "expand cannot be used if full, cardData or fetch_config are passed."}, limits
        for tag in params.get("filter", []):
            records = [r for r in records if tag in r.get("tags", [])]
        direction = {"1": 1, "asc": 1, "-1": -1, "desc": -1}.get(one.get("direction", ""), self.default_direction)
        if one.get("sort") == "createdAt":
            records = sorted(records, key=_key, reverse=direction == -1)
        elif "sort" in one:
            return 400, {"error": f"Invalid sort: {one['sort']}"}, limits
        if "cursor" in one:
            decoded = decode_cursor(one["cursor"])
            if decoded is None or decoded[1] != direction or one.get("sort") != "createdAt":
                return 400, {"error": "Invalid cursor"}, limits
            after = decoded[0]
            records = [r for r in records if (_key(r) < after if direction == -1 else _key(r) > after)]
        try:
            size = min(int(one.get("limit", self.default_page_size)), self.max_page_size)
        except ValueError:
            return 400, {"error": "limit must be an integer"}, limits
        page, rest = records[:size], records[size:]
        headers = dict(limits)
        if rest and page:
            next_query = [(k, v) for k, v in pairs if k != "cursor"] + [("cursor", encode_cursor(page[-1], direction))]
            headers["Link"] = f'<{self.base}/api/models?{urlencode(next_query)}>; rel="next"'
        return 200, [self._shape(r, expand) for r in page], headers

    @staticmethod
    def _shape(record: dict, expand: list[str]) -> dict:
        if expand:
            return {"_id": record["_id"], "id": record["id"]} | {k: record[k] for k in expand if k in record}
        return {
            "_id": record["_id"],
            "id": record["id"],
            "likes": 0,
            "trendingScore": 0,
            "private": False,
            "downloads": 0,
            "tags": record.get("tags", []),
            "library_name": record.get("library_name"),
            "createdAt": record["createdAt"],
            "modelId": record["id"],
        }
