"""Every view through AppTest: bundled snapshot, empty database, and a database with every source filled.

Each view runs in a script that does what app.py does (draw the shared sidebar controls, then the
page), because AppTest cannot switch between st.navigation's function pages.
"""

from __future__ import annotations

import base64
import json
from collections import Counter

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard import card_reader
from tests.dashboard.conftest import BUNDLED_BENCH, bench_rows, bundled_bench

VIEWS = [
    "overview",
    "github",
    "community",
    "search_interest",
    "adoption",
    "research",
    "speed",
    "article_check",
    "data_health",
]

# Charts each view draws: on the bundled snapshot, and with every source filled.
SNAPSHOT_CHARTS = {
    "overview": 3,
    "github": 5,
    "community": 4,
    "search_interest": 0,
    "adoption": 1,
    "research": 2,
    "speed": 2,
    "article_check": 1,
    "data_health": 0,
}  # community: SO per month, share, all questions (site-wide), AI Index per year
FILLED_CHARTS = {
    "overview": 3,
    "github": 12,
    "community": 5,
    "search_interest": 1,
    "adoption": 7,
    "research": 6,
    "speed": 2,
    "article_check": 1,
    "data_health": 0,
}


def _view_script(view: str) -> None:
    import importlib

    from fwpulse.dashboard.views import common

    module = importlib.import_module(f"fwpulse.dashboard.views.{view}")
    common.begin_run()
    common.controls()
    module.render()


def run_view(view: str, **query) -> AppTest:
    at = AppTest.from_function(_view_script, args=(view,), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _decode(obj):
    """Plotly JSON stores numeric arrays as {"dtype", "bdata"} (base64): turn them back into lists."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
            return (
                arr.reshape(obj["shape"]).tolist()
                if "shape" in obj and isinstance(obj["shape"], list)
                else arr.tolist()
            )
        return {k: _decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    return obj


def figures(at: AppTest) -> list[dict]:
    return [_decode(json.loads(c.proto.spec)) for c in at.get("plotly_chart")]


def trace_names(at: AppTest) -> set[str]:
    return {t.get("name") for f in figures(at) for t in f["data"]}


def infos(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


@pytest.mark.parametrize("view", VIEWS)
def test_view_on_bundled_snapshot(snapshot_db, view):
    at = run_view(view)
    assert not at.exception, at.exception
    assert not at.error
    assert len(at.get("plotly_chart")) == SNAPSHOT_CHARTS[view]
    for fig in figures(at):
        assert fig["data"], "a chart without traces"
    # Whatever is not in the snapshot is announced with the command that fills it.
    missing = {
        "github": "fwpulse refresh --source github",
        "community": "fwpulse refresh --source stackoverflow",
        "search_interest": "fwpulse refresh --source trends",
        "adoption": "fwpulse refresh --source citations",
        "research": "fwpulse refresh --source research",
        "data_health": "fwpulse refresh --source stackoverflow",
    }
    if view in missing:
        assert missing[view] in infos(at)
    # The snapshot bundles measured bench results: no view may claim that nothing was measured.
    assert "fwpulse bench" not in infos(at)


@pytest.mark.parametrize("view", VIEWS)
def test_view_on_empty_database(empty_db, view):
    at = run_view(view)
    assert not at.exception, at.exception
    assert not at.error
    assert len(at.get("plotly_chart")) == 0
    assert "fwpulse " in infos(at)


@pytest.mark.parametrize("view", VIEWS)
def test_view_with_every_source_filled(filled_db, view):
    at = run_view(view)
    assert not at.exception, at.exception
    assert not at.error
    assert len(at.get("plotly_chart")) == FILLED_CHARTS[view]
    assert not [i.value for i in at.info if "No " in i.value and "data yet" in i.value]
    for fig in figures(at):
        assert fig["data"]


# ------------------------------------------------------------------------------- controls change the plotted data


def _first_chart(at: AppTest) -> dict:
    return figures(at)[0]


@pytest.mark.slow
def test_log_scale_control_changes_axis_type_and_url(snapshot_db):
    at = run_view("github")
    assert _first_chart(at)["layout"]["yaxis"].get("type") in (None, "linear", "-")
    at.button_group(key="scale").set_value("log").run()
    assert not at.exception
    assert all(f["layout"]["yaxis"]["type"] == "log" for f in figures(at))
    assert at.query_params["scale"] in ("log", ["log"])


@pytest.mark.slow
def test_index_mode_starts_every_line_at_100(snapshot_db):
    at = run_view("overview")
    at.button_group(key="mode").set_value("index").run()
    assert not at.exception
    stars = _first_chart(at)
    # each framework's line of final values (a series broken at a gap may mark a point left alone: lines+markers)
    lines = [t for t in stars["data"] if t.get("meta", {}).get("quality") == "ok"]
    first: dict = {}  # each framework's first line (a series that changes source is one line per source)
    for t in sorted(lines, key=lambda t: min(x for x in t["x"] if x is not None)):
        first.setdefault(t["name"].split(" · ")[0], t)
    assert len(first) == 4
    assert all(t["y"][0] == pytest.approx(100.0) for t in first.values())
    assert "index" in stars["layout"]["yaxis"]["title"]["text"]


def test_share_mode_sums_to_100(filled_db):
    at = run_view("community", mode="share")
    fig = _first_chart(at)
    lines = [t for t in fig["data"] if t.get("mode") == "lines"]
    assert len({t["name"].split(" · ")[0] for t in lines}) == 4  # one line per framework and source
    # A series is drawn in runs of equal quality (flagged months dotted, own traces): sum every trace's
    # points at the first month.
    by_x: dict = {}
    for t in fig["data"]:
        for x, y in zip(t.get("x") or [], t.get("y") or []):
            if y is not None:
                by_x.setdefault(x, []).append(y)
    first_month = sum(by_x[min(by_x)])
    assert first_month == pytest.approx(100.0)


@pytest.mark.slow
def test_framework_control_changes_traces(filled_db):
    at = run_view("community")
    assert {"PyTorch", "JAX"} <= trace_names(at)
    at.button_group(key="frameworks").set_value(["jax", "keras"]).run()
    assert not at.exception
    assert "PyTorch" not in trace_names(at) and {"JAX", "Keras"} <= trace_names(at)
    assert at.query_params["fw"] in ("jax,keras", ["jax,keras"])


@pytest.mark.slow
def test_date_range_alignment_and_smoothing_change_the_data(snapshot_db):
    at = run_view("overview")
    full = [t for t in _first_chart(at)["data"] if t["name"] == "PyTorch"][0]
    at = run_view("overview", **{"from": "2024-01-01", "to": "2024-12-31"})
    cut = [t for t in _first_chart(at)["data"] if t["name"] == "PyTorch"][0]
    assert len(cut["x"]) < len(full["x"]) and min(cut["x"]) >= "2024-01-01" and max(cut["x"]) <= "2024-12-31"
    assert at.query_params["from"] in ("2024-01-01", ["2024-01-01"])
    aligned = [t for t in _first_chart(run_view("overview", align="1"))["data"] if t["name"] == "PyTorch"][0]
    assert aligned["x"][0] == 0 and isinstance(aligned["x"][-1], float)
    smooth = [t for t in _first_chart(run_view("overview", smooth="3"))["data"] if t["name"] == "PyTorch"][0]
    assert smooth["y"] != full["y"] and len(smooth["y"]) == len(full["y"])


def test_bad_query_values_are_ignored_not_fatal(snapshot_db):
    at = run_view(
        "overview",
        fw="nope,,PYTORCH",
        mode="percent",
        scale="huge",
        smooth="abc",
        align="maybe",
        **{"from": "yesterday", "to": "2019-13-45"},
    )
    assert not at.exception and not at.error
    assert at.button_group(key="frameworks").value == ["pytorch"]
    assert at.button_group(key="mode").value == "absolute" and at.button_group(key="scale").value == "linear"
    assert len(at.get("plotly_chart")) == 3


def test_shared_link_restores_every_control(snapshot_db):
    at = run_view(
        "adoption", fw="jax,pytorch", scale="log", mode="index", align="1", smooth="4", **{"from": "2021-01-01"}
    )
    assert at.button_group(key="frameworks").value == ["jax", "pytorch"]
    assert at.button_group(key="scale").value == "log" and at.button_group(key="mode").value == "index"
    assert at.button_group(key="align").value is True and at.button_group(key="smoothing").value == 4
    fig = _first_chart(at)
    assert fig["layout"]["yaxis"]["type"] == "log"
    assert {t["name"].split(" · ")[0] for t in fig["data"]} == {"PyTorch", "JAX"}  # ' · method' per method


# ------------------------------------------------------------------------------- view specifics


def test_overview_cards_show_change_and_as_of(snapshot_db):
    at = run_view("overview")
    notes = [n for f in card_reader.figures(at) for n in f.notes]
    assert any("30 d: +" in c and "365 d: +" in c and "as of 2026-08-01" in c for c in notes)
    assert "fwpulse refresh --source stackoverflow" in " ".join(m for c in card_reader.cards(at) for m in c.missing)
    assert len([f for f in card_reader.figures(at) if f.label == "Open issues incl. PRs"]) == 4


@pytest.mark.parametrize(
    "change, prev, expected",
    [(-3.0, 10_000.0, "30 d: -3 (-<0.1%)"), (0.0, 500.0, "30 d: 0 (0.0%)"), (-0.4, 10.0, "30 d: -<1 (-4.0%)")],
)
def test_a_card_change_that_rounds_to_zero_says_which_way_never_minus_zero(change, prev, expected):
    """-3 stars on 10,000 printed '(-0.0%)', a figure that reads as no change with a stray sign."""
    from fwpulse.dashboard.views.cards import change_text

    assert change_text({"change_30d": change, "value_30d": prev}, 30) == expected


def test_github_view_explains_issue_count_trap_and_marks_releases(snapshot_db):
    at = run_view("github")
    text = " ".join(m.value for m in at.markdown)
    assert "open_issues_count" in text and "pull requests" in text
    names = trace_names(at)
    assert "Keras releases" in names and "JAX releases" in names
    assert any("open issues incl. PRs" in (n or "") for n in names)


@pytest.mark.parametrize("view", ["github", "community", "speed"])
def test_each_note_is_said_once_per_page(filled_db, view):
    """A note shared by several charts is said under the first and pointed to under the others."""
    at = run_view(view)
    notes = [c.value for c in at.caption if c.value.startswith("Note:")]
    assert len(notes) == len(set(n for n in notes if "above appl" not in n)) + sum("above appl" in n for n in notes)
    assert any("above appl" in n for n in notes), "these views share notes between charts"


def test_search_interest_shows_the_anchor_scale(filled_db):
    at = run_view("search_interest")
    table = at.dataframe[0].value
    jax = table[table["framework"] == "JAX"].iloc[0]
    assert jax["anchor"] == "Python" and jax["scale"] == pytest.approx(0.8123)
    assert jax["rescaled (newest)"] == pytest.approx(jax["raw (newest)"] * 0.8123)
    assert any("anchor term 'Python'" in c.value for c in at.caption)


def _plotted(fig: dict) -> list[float]:
    """The values of the speed charts (horizontal: one labelled row per result, the value on x)."""
    assert all(t.get("orientation") == "h" for t in fig["data"])
    return sorted(v for t in fig["data"] for v in t["x"])


def test_speed_view_shows_the_bundled_measured_results(snapshot_db):
    files, rows = bundled_bench()
    ((run_id, file_name),) = files.items()  # one bundled run (CPU); revisit when more are bundled
    at = run_view("speed")
    assert not at.exception and not at.error
    step, ratio = figures(at)
    assert all(f["data"] for f in (step, ratio))
    ok = [r for r in rows if r["status"] == "ok"]
    assert _plotted(step) == pytest.approx(sorted(r["step_ms_p50"] for r in ok if r["step_ms_p50"] is not None))
    assert _plotted(ratio) == pytest.approx(sorted(r["ratio"] for r in ok if r["ratio"] is not None))
    assert {t["name"] for t in step["data"]} == {"PyTorch", "TensorFlow", "Keras", "JAX"}
    # The verdict table is the bundled run, row for row.
    table = at.dataframe[0].value
    assert len(table) == len(rows)
    assert sorted(table["step_ms_p50"]) == pytest.approx(sorted(r["step_ms_p50"] for r in rows))
    verdicts = table["verdict"].dropna()
    assert Counter(verdicts[verdicts != "(baseline of its cell)"]) == Counter(
        r["verdict"] for r in rows if r["verdict"] is not None
    )
    baselines = [r for r in rows if r["status"] == "ok" and r["verdict"] is None and r["contender"] == r["baseline"]]
    assert (verdicts == "(baseline of its cell)").sum() == len(baselines) > 0
    captions = " ".join(c.value for c in at.caption)
    assert captions.count(f"Source: fwpulse bench import {file_name}") == 2  # one per chart
    assert ("Not measured:" in captions) is any(r["status"] != "ok" for r in rows)
    assert "No benchmark results yet" not in infos(at)
    # Where it was measured: one expander for the bundled run, with its fingerprint.
    fp = json.loads((BUNDLED_BENCH / file_name).read_text())["fingerprint"]
    assert len(at.expander) == 1
    label = at.expander[0].label
    assert label.startswith(f"run {run_id[:8]} · smoke · cpu {rows[0]['device_name']} · ")
    assert label.endswith(f"imported from {file_name}")
    shown = at.json[0].value
    shown = json.loads(shown) if isinstance(shown, str) else shown
    assert shown["cpu_model"] == fp["cpu_model"] and shown["git_revision"] == fp["git_revision"]
    assert shown["threads"] == fp["threads"]


def test_speed_view_says_nothing_is_measured_on_an_empty_database(empty_db):
    at = run_view("speed")
    assert not at.exception and not at.error
    assert not at.get("plotly_chart") and not at.expander and not at.dataframe
    assert "No benchmark results yet: run `fwpulse bench --suite smoke`" in infos(at)


def test_speed_view_ratios_cis_w3_and_fingerprint(bench_fixture_db):
    # Only the synthetic fixture run is stored, so it is the newest run and the only one shown.
    at = run_view("speed")
    step, ratio = figures(at)
    assert step["data"][0]["error_x"]["array"]
    pt = [t for t in ratio["data"] if t["name"] == "PyTorch"][0]
    assert "star" in pt["marker"]["symbol"] and pt["error_x"]["array"]
    table = at.dataframe[0].value
    assert set(table["verdict"].dropna()) >= {"faster", "slower", "same within ±5%"}
    assert "yes (W3)" in set(table["dynamic shapes"])
    assert len(at.expander) == 1 and "run fixture- · smoke · cpu Test CPU (fixture)" in at.expander[0].label
    assert "imported from" not in at.expander[0].label  # measured here, not imported
    assert "Test CPU (fixture)" in str(at.json[0].value)
    assert "tf-xla (not_available" in " ".join(c.value for c in at.caption)


def test_speed_view_with_a_local_run_beside_the_bundled_one(filled_db):
    # Different device models: each one's newest run is plotted; the local run is not labelled as imported.
    files, rows = bundled_bench()
    at = run_view("speed")
    assert not at.exception and not at.error
    step, _ = figures(at)
    fixture_ok = [r for r in bench_rows() if r["status"] == "ok"]
    assert len(_plotted(step)) == len([r for r in rows if r["status"] == "ok"]) + len(fixture_ok)
    labels = [e.label for e in at.expander]
    assert len(labels) == 2
    assert labels[0].startswith(f"run {next(iter(files))[:8]} ") and "imported from " in labels[0]  # newest first
    assert labels[1].startswith("run fixture- · smoke · cpu Test CPU (fixture) · 2026-11-24 12:00")
    assert "imported from" not in labels[1] and "nan" not in labels[1]


def test_article_check_then_vs_now(snapshot_db):
    at = run_view("article_check")
    table = at.dataframe[0].value
    tf = table[(table["claim"] == "GitHub forks") & (table["framework"] == "TensorFlow")].iloc[0]
    assert (
        tf["then (2020 article)"] == "82,000" and tf["now"] and tf["then source"].startswith("https://www.iflexion.com")
    )
    so = table[(table["claim"] == "Stack Overflow questions") & (table["framework"] == "Keras")].iloc[0]
    assert so["then (2020 article)"] == "31,000" and "fwpulse refresh --source stackoverflow" in so["comment"]
    assert "Not measured yet" not in infos(at)  # the snapshot bundles bench results (next test)


def _verdict_counts(rows) -> Counter:
    return Counter(r["verdict"] for r in rows if r["status"] == "ok" and r["verdict"] is not None)


def _speed_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_article_check_speed_claim_uses_the_bundled_verdicts(snapshot_db):
    _, rows = bundled_bench()
    counts = _verdict_counts(rows)
    cells = sum(counts.values())
    at = run_view("article_check")
    assert not at.exception and not at.error
    assert "Not measured yet" not in infos(at)
    text = _speed_text(at)
    measured = max(r["measured_at"] for r in rows)[:16].replace("T", " ")
    assert f"Newest measurement (smoke suite on cpu ({rows[0]['device_name']}), {measured} UTC)" in text
    assert f"**{cells}** compared cells: " in text
    for verdict, n in counts.items():
        assert f"{n} {verdict}" in text
    compared = [r for r in rows if r["status"] == "ok" and r["verdict"] is not None]
    worst = max(compared, key=lambda r: r["ratio"])
    best = min(compared, key=lambda r: r["ratio"])
    assert (
        f"Largest slowdown: {worst['contender']} {worst['ratio']:.2f}x {worst['baseline']} on {worst['workload']} "
        f"{worst['variant']}; largest speedup: {best['contender']} {best['ratio']:.2f}x"
    ) in text
    holds = counts.get("same within ±5%", 0) >= cells / 2
    differ = counts.get("slower", 0) + counts.get("faster", 0)  # 'inconclusive' is neither
    assert ("consistent with a trivial difference" in text) is holds
    assert ("the difference is not trivial" in text) is (differ > cells / 2)
    if differ > cells / 2:
        assert f"{differ} of {cells} cells differ by more than ±5% ({counts.get('same within ±5%', 0)} within" in text
    # Only what the evidence supports: where it was measured, and that a CPU smoke run cannot decide GPU training.
    assert "the claim does not hold" not in text and "the claim holds" not in text
    assert f"smoke suite on cpu ({rows[0]['device_name']})" in text
    assert "**What it cannot decide:** anything about GPUs" in text and "full-size workloads" in text
    assert "training at scale" in text and "fwpulse bench --suite full --device cuda" in text


def test_article_check_speed_claim_not_measured_on_an_empty_database(empty_db):
    at = run_view("article_check")
    assert not at.exception and not at.error
    assert "Not measured yet: run `fwpulse bench --suite smoke`" in infos(at)
    assert "compared cells" not in _speed_text(at)


def test_article_check_speed_claim_uses_bench_verdicts(bench_fixture_db):
    at = run_view("article_check")
    text = _speed_text(at)
    assert "on cpu (Test CPU (fixture)), 2026-11-24 12:00 UTC): **4** compared cells: 2 slower, " in text
    assert "1 faster" in text and "1 same within ±5%" in text
    assert "3 of 4 cells differ by more than ±5% (1 within ±5%)" in text and "the difference is not trivial" in text
    assert "**Measured on:** smoke suite on cpu (Test CPU (fixture)), 2 threads." in text
    assert "larger machines: at most 2 CPU threads were used" in text and "anything about GPUs" in text


def test_article_check_speed_claim_counts_each_device_newest_run(filled_db):
    # The bundled run and the fixture run were measured on different device models: both are counted.
    _, rows = bundled_bench()
    counts = _verdict_counts(rows) + _verdict_counts(bench_rows())
    at = run_view("article_check")
    text = _speed_text(at)
    assert f"**{sum(counts.values())}** compared cells: " in text
    assert all(f"{n} {verdict}" in text for verdict, n in counts.items())
    assert "Test CPU (fixture)" in text and rows[0]["device_name"] in text
    table = at.dataframe[0].value
    so = table[(table["claim"] == "Stack Overflow questions") & (table["framework"] == "Keras")].iloc[0]
    assert so["now"] == "27,000"


def test_data_health_plain_words_and_budgets(filled_db):
    at = run_view("data_health")
    fresh, flagged, budgets, ledger = (d.value for d in at.dataframe)
    assert set(fresh["source"]) >= {"snapshot", "github", "trends"}
    assert "partial_period" in set(flagged["quality"]) and flagged["example_reason"].str.len().gt(0).all()
    gh = budgets[budgets["source"] == "github"].iloc[0]
    assert "4987 points left" in gh["budget"]
    assert "251 of 300" in budgets[budgets["source"] == "stackoverflow"].iloc[0]["budget"]
    warn = " ".join(w.value for w in at.warning)
    assert "rate limit ran out" in warn and "Retry after" in warn
    assert ledger["status"].tolist()[0] == "skipped"


# ------------------------------------------------------------------------------- ClickHouse sources (issue 17)


def test_adoption_shows_the_all_installers_series_first_with_its_caveat_and_pypistats_beside(filled_db):
    at = run_view("adoption")
    assert not at.exception and not at.error
    first = _first_chart(at)
    assert "all installers" in first["layout"]["title"]["text"]
    text = " ".join(m.value for m in at.markdown) + " " + " ".join(c.value for c in at.caption)
    assert "mirrors" in text and "CI" in text and "Not comparable with pypistats" in text
    titles = [f["layout"]["title"]["text"] for f in figures(at)]
    assert titles.index(first["layout"]["title"]["text"]) + 1 == titles.index("PyPI downloads per month")
    # Beside it: the same month under both definitions, from the plotted rows.
    table = at.dataframe[0].value
    assert list(table["framework"]) == ["PyTorch", "TensorFlow", "Keras", "JAX"]
    # the newest month pypistats measured (the bundled history's other methods are not compared)
    assert set(table["month"]) == {"2026-09"}
    ratios = [float(r.rstrip("x")) for r in table["ratio"]]
    assert all(r > 1 for r in ratios)  # all installers >= mirror-free downloads
    assert any("requires_dist" in c.value for c in at.caption)  # dependents: the definition is shown


def test_adoption_on_the_snapshot_says_how_to_fill_the_long_series(snapshot_db):
    at = run_view("adoption")
    assert "fwpulse refresh --source clickpy --backfill" in infos(at)


def _gharchive(at: AppTest, title: str) -> dict:
    return [f for f in figures(at) if f["layout"]["title"]["text"] == title][0]


def test_github_view_draws_gharchive_lower_bounds_distinctly(filled_db):
    from tests.dashboard.conftest import gharchive_quality

    at = run_view("github", fw="pytorch")
    assert not at.exception and not at.error
    fig = _gharchive(at, "Stars given per month (GH Archive)")
    drawn = [t for t in fig["data"] if t["x"] and t["x"][0] is not None]
    solid = [t for t in drawn if t["line"]["dash"] == "solid"]
    dotted = [t for t in drawn if t["line"]["dash"] == "dot"]
    assert solid and dotted
    flagged_x = sorted(x[:7] for t in dotted for x in t["x"])
    expected = {f"{m:%Y-%m}": gharchive_quality(m)[0] for m in _months_2016() if gharchive_quality(m)[0] != "ok"}
    assert flagged_x == sorted(expected)
    assert all(x[:7] not in expected for t in solid for x in t["x"])
    # lower bounds: triangles; the running month: a hollow circle; the reason in the hover
    symbol = {"lower_bound": "triangle-up", "partial_period": "circle-open"}
    for t in dotted:
        assert {symbol[expected[x[:7]]] for x in t["x"]} == {t["marker"]["symbol"]}
    hover = " ".join(c for t in dotted for c in [*(t.get("customdata") or []), t["hovertemplate"]] if c)
    assert "lower bound: GitHub's event feed degraded from 2025-05-23" in hover
    assert "partial period: the month was not over when collected" in hover
    assert "lower bound: GH Archive outage (fixture)" in hover
    # one legend entry for the single framework, plus the key to each flag drawn
    legend = [t["name"] for t in fig["data"] if t.get("showlegend", True)]
    assert legend[0] == "PyTorch" and len([n for n in legend if n == "PyTorch"]) == 1
    assert any(n.startswith("lower bound") for n in legend[1:]) and any(n.startswith("partial") for n in legend[1:])
    assert fig["layout"].get("showlegend", True) is not False
    # no gap: a dotted connector joins each run to the next
    assert len(fig["layout"]["shapes"]) == len(drawn) - 1
    text = " ".join(m.value for m in at.markdown)
    assert "lower bounds" in text and "2025-05" in text


def _months_2016():
    import datetime as dt

    out, y, m = [], 2016, 1
    while (y, m) <= (2026, 11):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_gharchive_csv_carries_the_quality_flag(filled_db):
    from fwpulse.dashboard.charts import registry
    from fwpulse.dashboard.charts.spec import ChartOptions
    from fwpulse.data import db
    from fwpulse.data.registry import load_registry
    from fwpulse.data.settings import load_settings

    settings = load_settings()
    with db.reading(str(settings.db_path)) as con:
        chart = registry.build(
            con, "gharchive-prs", ChartOptions(frameworks=("jax",)), load_registry(settings.config_path)
        )
    flags = chart.data.groupby("quality")["date"].nunique().to_dict()
    assert flags == {"ok": 109, "lower_bound": 21, "partial_period": 1}  # lower bounds from 2025-05
    assert any("not final counts" in n for n in chart.notes)


# ------------------------------------------------------------------------------- issue 15: text matches the chart


def test_open_issues_text_names_the_missing_lines_and_the_command(snapshot_db):
    at = run_view("github")
    text = " ".join(m.value for m in at.markdown)
    fig = [f for f in figures(at) if f["layout"]["title"]["text"] == "Open issues vs open pull requests"][0]
    dashes = {t["line"]["dash"] for t in fig["data"] if t.get("mode", "").startswith("lines")}
    assert dashes == {"dot"}  # the snapshot holds GitHub's count only
    assert "Compare the solid lines" not in text
    assert "the solid lines (open issues excluding PRs)" in text and "the dashed lines (open pull requests)" in text
    assert "`fwpulse refresh --source github`" in text


@pytest.mark.slow
def test_open_issues_text_compares_all_three_when_they_are_drawn(filled_db):
    at = run_view("github")
    text = " ".join(m.value for m in at.markdown)
    assert "Compare the solid lines (issues only)" in text and "are missing" not in text


def test_speed_verdicts_come_first_and_stay_on_screen(snapshot_db):
    """At 1440 px the verdict column was off-screen (19th of 22): it is now 5th and pinned with what it rests on."""
    at = run_view("speed")
    df = at.dataframe[0]
    cols = list(df.value.columns)
    assert cols.index("verdict") == 4 and cols[:4] == ["dynamic shapes", "workload", "variant", "contender"]
    config = json.loads(df.proto.columns)
    assert all(config[c].get("pinned") for c in cols[:5])
    # Streamlit widths: small ~75 px, medium ~200 px; the pinned block fits the 1440 px page next to the sidebar.
    px = {"small": 75, "medium": 200, "large": 400}
    assert sum(px[config[c]["width"]] for c in cols[:5]) <= 1440 - 300 - 100


def test_data_health_names_every_source_never_collected_offline(snapshot_db):
    """Offline, every source that has never run is listed with the command that fills it, ClickHouse's included."""
    from fwpulse.collectors.refresh import SOURCES
    from fwpulse.dashboard import health

    assert set(health.NEVER_COLLECTED) == set(SOURCES)
    at = run_view("data_health")
    info = " ".join(i.value for i in at.info)
    for source in SOURCES:
        assert f"{source} (`fwpulse refresh --source {source}" in info


def test_release_note_is_generated_from_the_markers_drawn(snapshot_db):
    from fwpulse.dashboard.charts import registry
    from fwpulse.dashboard.charts.spec import ChartOptions
    from fwpulse.data import db
    from fwpulse.data.registry import load_registry
    from fwpulse.data.settings import load_settings

    settings = load_settings()
    with db.reading(str(settings.db_path)) as con:
        chart = registry.build(con, "github-stars-releases", ChartOptions(), load_registry(settings.config_path))
    note = next(n for n in chart.notes if n.startswith("Triangles mark major releases"))
    marked = chart.data[chart.data["metric"] != "github.stars"]["framework"].unique()
    assert "not in the bundled snapshot" not in note
    for fid in marked:
        assert load_registry(settings.config_path).names()[fid] in note.split("(hover")[0]


def test_overview_says_the_data_is_the_bundled_snapshot_until_a_refresh_has_run(snapshot_db):
    at = run_view("overview")
    info = " ".join(i.value for i in at.info)
    assert "Bundled snapshot of 2026-" in info and "days old" in info and "fwpulse refresh" in info


def test_no_snapshot_banner_once_a_refresh_has_stored_data(filled_db):
    at = run_view("overview")
    assert not any("Bundled snapshot of" in i.value for i in at.info)


def test_a_view_says_once_what_it_cannot_show_offline(snapshot_db):
    """Offline, GitHub showed seven 'No ... data yet' boxes for the ClickHouse sources alone: now one box."""
    at = run_view("github")
    boxes = [i.value for i in at.info if "Not on this page yet" in i.value]
    assert len(boxes) == 1 and not [i.value for i in at.info if "data yet" in i.value]
    box = boxes[0]
    assert "`fwpulse refresh --source gharchive --backfill`: Stars given per month (GH Archive)" in box
    assert box.count("fwpulse refresh --source gharchive") == 1  # grouped by the command that fills them


def test_adoption_offline_promises_nothing_that_is_not_on_the_page(snapshot_db):
    at = run_view("adoption")
    text = " ".join(m.value for m in at.markdown)
    assert "The same month under both definitions" not in text and "the long series shown first" not in text
    assert "appear once `fwpulse refresh --source clickpy --backfill` has run" in text


def test_research_view_draws_he_and_openalex_as_separate_methods(filled_db):
    at = run_view("research")
    assert not at.exception
    he = next(f for f in figures(at) if "He's conference counts" in str(f["layout"]["title"]))
    lines = {t["name"]: t for t in he["data"]}
    assert {"CVPR", "NeurIPS", "ICLR"} <= set(lines)  # one line per conference (He's chart)
    live = lines["OpenAlex, AI papers (full text)"]  # the live series: its own line, never joined to He's
    assert live["line"]["dash"] == "dash" and {str(x)[5:7] for x in live["x"]} == {"07"}  # at mid-year
    assert "partial 2026" in str(he["layout"]["title"])  # the running year is said inside the figure
    captions = " ".join(c.value for c in at.caption)
    assert "Mentions, not usage" in captions and "not the framework a model was trained" in captions
