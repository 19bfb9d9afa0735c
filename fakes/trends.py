"""A fake Google Trends on 127.0.0.1 serving the three endpoints pytrends 4.9.2 uses for
``interest_over_time``, built from the real recordings in
``fakes/api-samples/google_trends/recorded/`` (see FORMAT.md there):

* ``GET  /trends/explore/``                 - cookie page: 404 text/html + ``Set-Cookie: NID=...``
  (what Google answered in the 2023 recording, 01_*).
* ``POST /trends/api/explore``              - the recorded explore body (05_*) with its ``)]}'\\n``
  prefix; the TIMESERIES widget's ``request.comparisonItem`` and ``token`` are rewritten to
  encode the terms asked (``token = "tok:" + ",".join(terms)``).
* ``GET  /trends/api/widgetdata/multiline`` - ``)]}',\\n`` + ``{"default": {"timelineData": ...}}``
  with points shaped like the recorded weekly ones (04_*), values from ``series`` (per term) or
  ``batch_series`` (per exact term list), and a last ``isPartial`` point.

``no_data`` (a set of terms): those terms come back as Google answers a term it has no data for,
zeros with ``hasData: false`` on every point (CHANGES-2026-11.md item 11); every other term has
``hasData: true`` on every point, zeros included (as in the recordings).

``too_many`` > 0 answers the next N ``/trends/api/*`` requests with 429 (``-1``: always).
Every request is recorded in ``requests``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from fakes.loopback import LoopbackServer, Seen

RECORDED = Path(__file__).resolve().parent / "api-samples" / "google_trends" / "recorded"
WEEK = 7 * 86400


def _split_prefix(text: str) -> tuple[str, Any]:
    i = text.index("{")
    return text[:i], json.loads(text[i:])


class FakeTrends(LoopbackServer):
    def __init__(self, *, start: dt.date = dt.date(2025, 1, 5), weeks: int = 6) -> None:
        self.explore_prefix, self.explore_body = _split_prefix(
            (RECORDED / "05_explore_POST_pizza_bagel_5y.body.txt").read_text(encoding="utf-8")
        )
        self.multiline_prefix, multiline = _split_prefix(
            (RECORDED / "04_multiline_GET_pizza_bagel_5y_partial.body.txt").read_text(encoding="utf-8")
        )
        self.point_template = {k: v for k, v in multiline["default"]["timelineData"][0].items()}
        self.explore_headers = json.loads((RECORDED / "05_explore_POST_pizza_bagel_5y.json").read_text())["response"][
            "headers"
        ]
        self.multiline_headers = json.loads((RECORDED / "04_multiline_GET_pizza_bagel_5y_partial.json").read_text())[
            "response"
        ]["headers"]
        assert self.explore_prefix == ")]}'\n" and self.multiline_prefix == ")]}',\n"
        self.start = start
        self.weeks = weeks  # complete weeks; one partial week follows
        self.series: dict[str, list[int]] = {}  # term -> weekly values (complete weeks)
        self.partial: dict[str, int] = {}  # term -> value of the partial week
        self.batch_series: dict[tuple[str, ...], dict[str, list[int]]] = {}
        self.empty = False  # answer timelineData: []
        self.no_data: set[str] = set()  # terms answered with hasData false
        self.too_many = 0
        self.served_429 = 0
        self._init_server()  # records every request in self.requests

    def start_server(self) -> "FakeTrends":
        return LoopbackServer.start(self)  # `self.start` is the series start date here

    def seen(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def week(self, i: int) -> dt.date:
        return self.start + dt.timedelta(days=7 * i)

    # ---------------------------------------------------------------- bodies
    def explore(self, query: dict[str, list[str]]) -> str:
        req = json.loads(query["req"][0])
        terms = [item["keyword"] for item in req["comparisonItem"]]
        body = copy.deepcopy(self.explore_body)
        for widget in body["widgets"]:
            if widget["id"] == "TIMESERIES":
                widget["request"]["comparisonItem"] = [
                    {"geo": {}, "complexKeywordsRestriction": {"keyword": [{"type": "BROAD", "value": t}]}}
                    for t in terms
                ]
                widget["bullets"] = [{"text": t} for t in terms]
                widget["token"] = "tok:" + ",".join(terms)
        body["keywords"] = [{"keyword": t, "name": t, "type": "Search term"} for t in terms]
        return self.explore_prefix + json.dumps(body, separators=(",", ":"))

    def values_for(self, terms: list[str]) -> list[list[int]]:
        """One list per week (complete weeks, then the partial one), one value per term."""
        override = self.batch_series.get(tuple(terms), {})
        cols = []
        for t in terms:
            full = override.get(t, self.series.get(t, [0] * self.weeks))
            assert len(full) == self.weeks, f"series for {t!r} must have {self.weeks} values"
            cols.append([*full, self.partial.get(t, 99)])
        return [list(row) for row in zip(*cols)]

    def multiline(self, query: dict[str, list[str]]) -> tuple[int, str]:
        token = query["token"][0]
        terms = token[len("tok:") :].split(",")
        req = json.loads(query["req"][0])
        asked = [c["complexKeywordsRestriction"]["keyword"][0]["value"] for c in req["comparisonItem"]]
        if asked != terms:  # pytrends must send back the widget request exactly as explore returned it
            return 400, "token/request mismatch"
        points = []
        if not self.empty:
            for i, values in enumerate(self.values_for(terms)):
                values = [0 if t in self.no_data else v for t, v in zip(terms, values)]
                day = self.week(i)
                epoch = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
                point = dict(
                    self.point_template,
                    time=str(epoch),
                    formattedTime=f"{day:%b %-d, %Y}",
                    formattedAxisTime=f"{day:%b %-d, %Y}",
                    value=values,
                    hasData=[t not in self.no_data for t in terms],
                    formattedValue=[str(v) for v in values],
                )
                if i == self.weeks:
                    point["isPartial"] = True
                points.append(point)
        body = {"default": {"timelineData": points, "averages": []}}
        return 200, self.multiline_prefix + json.dumps(body, separators=(",", ":"))

    # ---------------------------------------------------------------- dispatch
    def respond(self, seen: Seen) -> tuple[int, dict[str, str], str]:
        if seen.path.startswith("/trends/api/"):
            with self._lock:
                if self.too_many:
                    self.too_many -= 1 if self.too_many > 0 else 0
                    self.served_429 += 1
                    return (
                        429,
                        {"Content-Type": "text/html; charset=UTF-8"},
                        "<html><title>Error 429 (Too Many Requests)</title></html>",
                    )
        if seen.method == "GET" and seen.path == "/trends/explore/":
            return (
                404,
                {
                    "Content-Type": "text/html; charset=utf-8",
                    "Set-Cookie": "NID=fake-nid-511; expires=Mon, 25-Sep-2034 08:09:16 GMT; path=/; HttpOnly",
                },
                "<html><title>Error 404 (Not Found)</title></html>",
            )
        if seen.method == "POST" and seen.path == "/trends/api/explore":
            return 200, {"Content-Type": self.explore_headers["Content-Type"]}, self.explore(seen.query)
        if seen.method == "GET" and seen.path == "/trends/api/widgetdata/multiline":
            status, text = self.multiline(seen.query)
            ctype = self.multiline_headers["Content-Type"] if status == 200 else "text/plain"
            return (
                status,
                {"Content-Type": ctype, "Content-Disposition": self.multiline_headers.get("Content-Disposition", "")},
                text,
            )
        return 404, {"Content-Type": "text/html"}, "not found"

    def write_response(self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: str) -> None:
        """The text as UTF-8 with the headers that have a value."""
        payload = body.encode("utf-8")
        handler.send_response(status)
        for k, v in headers.items():
            if v:
                handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
