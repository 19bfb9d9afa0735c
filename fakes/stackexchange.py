"""A fake Stack Exchange API 2.3 (gzip bodies, Bearer keys, wrapper errors, backoff and quota throttles)."""

from __future__ import annotations

import copy
from typing import Any

from fakes.sources import FakeServer, load_sample


class FakeStackExchange(FakeServer):
    """Stack Exchange API 2.3 on /2.3 with gzip bodies (Content-Encoding: gzip, as the real API),
    built from stackexchange/*.json and CHANGES-2026-11.md items 6 and 8.

    * ``/2.3/tags/{a;b}/info`` -> wrapper with tag items shaped like tags_info.example.json
      (``tags`` maps name -> count; unknown names are simply absent, as on the real API).
    * ``/2.3/questions?filter=total[&tagged=T]&fromdate&todate`` -> ``{"total": N}`` with
      N = ``monthly(tag or None, fromdate, todate)``.
    * Authentication (since June 2026): a ``key=`` (or ``access_token=``) query parameter is
      REJECTED: HTTP 400, wrapper error_id 400 bad_parameter with an explanatory message
      (``QUERY_KEY_REJECTED``; the exact live wording is not recorded). The key travels as
      ``Authorization: Bearer <key>``; with ``key`` set, a Bearer value other than it gets
      400 bad_parameter "key is invalid". A valid key raises ``quota_max`` to 10,000; keyless
      requests get ``quota_max`` 300 (per IP).
    * Every error is HTTP 400 with the error wrapper (error-handling docs). Throttles are
      ``error_id`` 502 throttle_violation in that 400 (never an HTTP 502):
      - ``backoff`` maps method ("tags/info" | "questions") -> seconds: the next response of
        that method carries ``backoff`` once; a request to that method before the wait is over
        gets the recorded "Violation of backoff parameter" body;
      - when ``quota`` is used up: the recorded "too many requests from this IP, more requests
        available in N seconds" body; the quota comes back ``quota_reset_s`` after the first
        such answer (``throttled`` counts them).
    * ``quota_remaining`` starts at ``quota``, drops by one per request, reported on wrapper
      (non-total) responses. A request without site=stackoverflow gets "site is required".
    """

    gzip_responses = True
    QUERY_KEY_REJECTED = (
        "Passing an API key or access token in the query string is no longer supported; "
        "send it in the Authorization header as 'Bearer <key>'"
    )

    def __init__(
        self,
        tags: dict[str, int],
        monthly,
        quota: int = 10000,
        key: str | None = None,
        clock=None,
        quota_reset_s: int = 17524,
    ) -> None:
        super().__init__()
        if clock is not None:
            self.clock = clock
        self.tags, self.monthly, self.quota, self.key = tags, monthly, quota, key
        self.quota_reset_s = quota_reset_s
        self.quota_reset_at: float | None = None
        self.throttled = 0
        self.backoff: dict[str, int] = {}
        self.not_before: dict[str, float] = {}
        self.violations = 0
        self.rejected_query_keys = 0
        sample = load_sample("stackexchange", "tags_info.example.json")["example"]
        self.tag_shape = {k: v for k, v in sample["items"][1].items()}
        self.quota_max_keyed = sample["quota_max"]
        errors = load_sample("stackexchange", "errors.examples.json")
        ids = {e["error_id"]: e["error_name"] for e in errors["error_ids"]}
        assert ids[400] == "bad_parameter" and ids[502] == "throttle_violation"
        bodies = [(e["http_status"], e["body"]) for e in errors["real_bodies"]]
        assert all(status == 400 for status, _ in bodies)  # every error is an HTTP 400
        self.violation_body = next(b for _, b in bodies if "backoff" in b["error_message"])
        self.quota_body_template = next(b for _, b in bodies if "available in 17524 seconds" in b["error_message"])
        self.site_missing_body = next(b for _, b in bodies if b["error_message"] == "site is required")

    def error(self, error_id: int, message: str) -> tuple[int, Any, dict[str, str]]:
        names = {
            400: "bad_parameter",
            401: "access_token_required",
            402: "invalid_access_token",
            403: "access_denied",
            404: "no_method",
            405: "key_required",
            502: "throttle_violation",
        }
        return 400, {"error_id": error_id, "error_message": message, "error_name": names[error_id]}, {}

    def route(self, method, path, query, headers):
        self.quota -= 1
        if "key" in query or "access_token" in query:
            self.rejected_query_keys += 1
            return self.error(400, self.QUERY_KEY_REJECTED)
        auth = headers.get("authorization")
        keyed = False
        if auth is not None:
            scheme, _, value = auth.partition(" ")
            if scheme != "Bearer" or not value or (self.key is not None and value != self.key):
                return self.error(400, "key is invalid")
            keyed = True
        if query.get("site") != "stackoverflow":
            return 400, self.site_missing_body, {}
        if self.quota < 0 and self.quota_reset_at is not None and self.clock() >= self.quota_reset_at:
            self.quota, self.quota_reset_at = self.quota_max_keyed - 1, None  # a new day
        if self.quota < 0:
            if self.quota_reset_at is None:
                self.quota_reset_at = self.clock() + self.quota_reset_s
            self.throttled += 1
            body = dict(self.quota_body_template)
            body["error_message"] = body["error_message"].replace(
                "17524", str(max(1, round(self.quota_reset_at - self.clock())))
            )
            return 400, body, {}
        if path.startswith("/2.3/tags/") and path.endswith("/info"):
            name = "tags/info"
        elif path == "/2.3/questions":
            name = "questions"
        else:
            return self.error(404, "no method found with this name")
        if self.clock() < self.not_before.get(name, 0.0):
            self.violations += 1
            return 400, self.violation_body, {}
        extra = {}
        if name in self.backoff:
            seconds = self.backoff.pop(name)
            extra["backoff"] = seconds
            self.not_before[name] = self.clock() + seconds
        if name == "tags/info":
            items = []
            for tag in path[len("/2.3/tags/") : -len("/info")].split(";"):
                if tag in self.tags:
                    item = copy.deepcopy(self.tag_shape)
                    item.update(name=tag, count=self.tags[tag])
                    items.append(item)
            items.sort(key=lambda i: -i["count"])
            return (
                200,
                {
                    "items": items,
                    "has_more": False,
                    "quota_max": self.quota_max_keyed if keyed else 300,
                    "quota_remaining": self.quota,
                    **extra,
                },
                {},
            )
        if query.get("filter") != "total":
            return self.error(400, "use filter=total")
        total = self.monthly(query.get("tagged"), int(query["fromdate"]), int(query["todate"]))
        return 200, {"total": total, **extra}, {}
