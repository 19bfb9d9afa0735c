"""Quality follows the number: one flagged row per quality kind, followed from the store to the chart's
trace styling and hover, the CSV column, the manifest, the alt text and the Overview card; then the
bundled data's known cases (git 2026-08 and AI Index 2020 partial, JAX after 2024-04, the 2020 article's
bounded figures, JAX forks that stop in 2024)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fwpulse.dashboard.charts import registry
from fwpulse.dashboard.charts.article import article_claims
from fwpulse.dashboard.charts.overview import CARD_METRICS, overview_cards
from fwpulse.dashboard.charts.quality import KIND_LABELS, MAX_MARKERS, SYMBOLS, add_series
from fwpulse.dashboard.charts.spec import ChartOptions
from fwpulse.dashboard.export.alt_text import alt_text
from fwpulse.dashboard.export.manifest import quality_entry
from fwpulse.dashboard.export.render import csv_bytes
from fwpulse.data import db, read, store
from fwpulse.data.registry import load_registry
from fwpulse.data.settings import load_settings
from fwpulse.data.store import Observation, RunRecord
from tests.dashboard import card_reader

KINDS = ("partial_period", "lower_bound", "upper_bound", "approximate", "degraded_source", "synthetic")
MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)]
FLAGGED_VALUE = 123457.0  # distinctive: must never be stated as final
FINAL_VALUE = 90010.0  # PyTorch's newest final value (2025-11)


def _db(tmp_path, quality: str):
    path = tmp_path / f"{quality}.duckdb"
    rows = [
        Observation("tensorflow", "github.stars", d, 50000.0 + i, "ranking", "monthly snapshot")
        for i, d in enumerate(MONTHS)
    ]
    rows += [
        Observation("pytorch", "github.stars", d, 90000.0 + i, "ranking", "monthly snapshot")
        for i, d in enumerate(MONTHS[:-1])
    ]
    rows += [
        Observation(
            "pytorch",
            "github.stars",
            MONTHS[-1],
            FLAGGED_VALUE,
            "ranking",
            "monthly snapshot",
            quality=quality,
            details={"reason": f"because {quality}"},
        )
    ]
    with db.writing(path) as con:
        db.migrate(con)
        store.record_run(con, RunRecord("snapshot", started_at=dt.datetime(2026, 1, 2)), rows)
    return path


@pytest.mark.parametrize("quality", KINDS)
def test_one_flagged_row_from_store_to_trace_csv_alt_text_and_card(tmp_path, quality):
    path = _db(tmp_path, quality)
    reg = load_registry(load_settings().config_path)
    opts = ChartOptions(frameworks=("pytorch", "tensorflow"))
    with db.reading(path) as con:
        chart = registry.build(con, "github-stars", opts, reg)
        cards = overview_cards(read.recent_values(con, ["pytorch", "tensorflow"], CARD_METRICS))

    # trace: the flagged point sits in its own dotted run with the kind's marker and the reason in the hover
    flagged = [t for t in chart.figure.data if t.meta and t.meta.get("quality") == quality]
    assert len(flagged) == 1
    t = flagged[0]
    assert list(t.y) == [FLAGGED_VALUE] and t.line.dash == "dot" and "markers" in t.mode
    assert t.marker.symbol == SYMBOLS[quality]
    assert f"because {quality}" in t.hovertemplate  # one reason for the run: in the template, not per point
    assert t.customdata is None
    ok = [tr for tr in chart.figure.data if tr.name == "PyTorch" and tr.meta.get("quality") == "ok"]
    assert FLAGGED_VALUE not in list(ok[0].y)
    assert any(quality.replace("_", " ") in n for n in chart.notes)  # the note explains the marker
    assert any(tr.name == KIND_LABELS[quality] for tr in chart.figure.data)  # legend key

    # CSV: a quality column and the reason, for that row
    lines = csv_bytes(chart).decode().splitlines()
    header = lines[0].split(",")
    assert "quality" in header and "quality_reason" in header
    row = [ln for ln in lines if ln.startswith("pytorch,") and ",2025-12-01," in ln]
    assert len(row) == 1 and f",{quality},because {quality}," in row[0]
    # manifest
    entry = quality_entry(chart)
    assert entry["quality"][quality] == 1 and entry["flagged"][0]["reason"] == f"because {quality}"

    # alt text: the flagged value only ever with "not final"; the statement uses the newest final value
    alt = alt_text(chart, opts, reg.names())
    assert "123,457" in alt and "not final" in alt
    assert alt.index("123,457") > alt.index("not final") - 80
    assert "PyTorch leads on the newest final figures (up to 2025-12-01) with 90,010 stars" in alt

    # card: the newest final value, the change between final values, the newer flagged one named with its reason
    card = cards[(cards["framework"] == "pytorch") & (cards["metric"] == "github.stars")].iloc[0]
    assert card["value"] == FINAL_VALUE and card["quality"] == "ok"
    assert card["change_30d"] == 1.0  # 2025-11 vs 2025-10, both final
    assert card["newer_quality"] == quality and card["newer_value"] == FLAGGED_VALUE
    assert card["newer_reason"] == f"because {quality}"
    assert not bool(card["stale"])


def test_a_series_with_only_flagged_values_is_never_final(tmp_path):
    path = tmp_path / "x.duckdb"
    with db.writing(path) as con:
        db.migrate(con)
        store.record_run(
            con,
            RunRecord("s", started_at=dt.datetime(2026, 1, 2)),
            [Observation("pytorch", "github.stars", MONTHS[0], 5.0, "s", "m", quality="synthetic")],
        )
    reg = load_registry(load_settings().config_path)
    with db.reading(path) as con:
        chart = registry.build(con, "github-stars", ChartOptions(frameworks=("pytorch",)), reg)
        cards = overview_cards(read.recent_values(con, ["pytorch"], CARD_METRICS))
    assert "no final values" in alt_text(chart, None, reg.names())
    assert cards.iloc[0]["quality"] == "synthetic" and cards.iloc[0]["change_30d"] is None


def _series(qualities: list[str]) -> pd.DataFrame:
    dates = pd.date_range("2020-01-05", periods=len(qualities), freq="7D")
    return pd.DataFrame(
        {
            "date": dates,
            "x": dates,
            "value": range(len(qualities)),
            "quality": qualities,
            "details": [None] * len(qualities),
        }
    )


def test_a_long_flagged_run_shows_its_symbol_on_a_bounded_number_of_points():
    """522 weekly synthetic points drew 522 SVG markers per line (a second of browser time on a three-chart page);
    the symbol now shows on at most MAX_MARKERS of them, while a short flagged run keeps one per point."""
    import plotly.graph_objects as go

    fig = go.Figure()
    add_series(fig, _series(["synthetic"] * 522), "PyTorch", "#000", "%{y}")
    (long_run,) = fig.data
    assert long_run.mode == "lines+markers" and long_run.line.dash == "dot"
    assert long_run.marker.maxdisplayed == MAX_MARKERS < 522
    assert long_run.marker.symbol == SYMBOLS["synthetic"]

    fig = go.Figure()
    add_series(fig, _series(["ok"] * 500 + ["partial_period"] * 3), "PyTorch", "#000", "%{y}")
    short = [t for t in fig.data if t.meta["quality"] == "partial_period"]
    assert short and all(t.marker.maxdisplayed is None for t in short)


# ------------------------------------------------------------------------------ the bundled data's cases


def _bundled(chart_id, frameworks=()):
    settings = load_settings()
    reg = load_registry(settings.config_path)
    with db.reading(str(settings.db_path)) as con:
        return registry.build(con, chart_id, ChartOptions(frameworks=frameworks), reg), reg


def test_bundled_git_2026_08_is_partial_everywhere(snapshot_db):
    chart, reg = _bundled("git-commits-monthly")
    partial = [t for t in chart.figure.data if t.meta and t.meta.get("quality") == "partial_period"]
    assert {t.name for t in partial} == {"JAX", "Keras"} and all(t.line.dash == "dot" for t in partial)
    alt = alt_text(chart, None, reg.names())
    assert "2026-08-01 value (115 " in alt and "partial period, not final" in alt
    assert "115 commits/month, " not in alt and "2026-07-01" in alt  # leads with July, the newest final month
    csv = csv_bytes(chart).decode()
    assert "jax,git.commits_monthly,2026-08-01" in csv and ",partial_period,the month ends at" in csv


def test_bundled_ai_index_2020_is_partial(snapshot_db):
    chart, reg = _bundled("stackoverflow-questions-yearly-ai-index")
    # one hatched 2020 bar per framework (bars per calendar year: yearly_bars)
    hatched = [(t.name, x) for t in chart.figure.data for x, p in zip(t.x, t.marker.pattern.shape) if p == "/"]
    assert len(hatched) == 3 and {x for _, x in hatched} == {2020}
    assert "not final" in alt_text(chart, None, reg.names())


def test_bundled_jax_stars_reach_2026_and_jax_forks_say_they_stop(snapshot_db):
    stars, _ = _bundled("github-stars")
    jax = stars.data[stars.data["framework"] == "jax"]
    assert jax["date"].max() >= dt.datetime(2026, 7, 1)
    assert not any("no data after" in (a.text or "") for a in stars.figure.layout.annotations)
    forks, reg = _bundled("github-forks")
    ends = [a.text for a in forks.figure.layout.annotations if "no data after" in (a.text or "")]
    assert ends == ["JAX: no data after 2024-04-01"]
    assert any(n.startswith("JAX's series ends 2024-04-01") for n in forks.notes)
    assert "JAX's series ends 2024-04-01" in alt_text(forks, None, reg.names())
    settings = load_settings()
    with db.reading(str(settings.db_path)) as con:
        cards = overview_cards(read.recent_values(con, ["pytorch", "jax"], CARD_METRICS))
    card = cards[(cards["framework"] == "jax") & (cards["metric"] == "github.forks")].iloc[0]
    assert bool(card["stale"]) and card["stale_reason"]


def test_bundled_article_bounds_are_labelled_as_bounds(snapshot_db):
    chart, _ = _bundled("github-open-issues")
    marks = [t for t in chart.figure.data if t.name and "2020 article" in t.name]
    texts = [x for t in marks for x in t.text]
    assert "≥ 5,000" in texts and "≥ 3,000" in texts  # '>5000' quoted: a lower bound
    assert any("lower bound" in c for t in marks for c in [*(t.customdata or []), t.hovertemplate])
    settings = load_settings()
    with db.reading(str(settings.db_path)) as con:
        claims = article_claims(con)
    so = claims[(claims["claim"] == "Stack Overflow questions") & (claims["framework"] == "pytorch")].iloc[0]
    assert so["then_qualifier"] == "upper bound (less than)"


def test_method_changes_are_drawn_from_the_data_not_by_hand(snapshot_db):
    chart, _ = _bundled("pypi-downloads-monthly")
    labels = [a.text for a in chart.figure.layout.annotations if a.name == "fwpulse-break"]
    assert labels[0] == "all installers from here" and len(labels) == 2  # 2024-12 and 2025-06, not 2025-06-13
    assert [a.x for a in chart.figure.layout.annotations if a.name == "fwpulse-break"] == [
        pd.Timestamp("2024-12-01"),
        pd.Timestamp("2025-06-01"),
    ]
    assert any(n.startswith("The source or counting method changes") for n in chart.notes)
    stars, _ = _bundled("github-stars")
    assert [a.text for a in stars.figure.layout.annotations if a.name == "fwpulse-break"] == [
        "JAX: best-of-ml-python from here"
    ]


def test_a_method_change_in_any_store_is_marked(tmp_path):
    path = tmp_path / "m.duckdb"
    rows = [
        Observation("pytorch", "github.stars", d, 1.0 + i, "s", "old way, counted A" if i < 6 else "new way, counted A")
        for i, d in enumerate(MONTHS)
    ]
    with db.writing(path) as con:
        db.migrate(con)
        store.record_run(con, RunRecord("s", started_at=dt.datetime(2026, 1, 2)), rows)
    reg = load_registry(load_settings().config_path)
    with db.reading(path) as con:
        chart = registry.build(con, "github-stars", ChartOptions(frameworks=("pytorch",)), reg)
    marks = [a for a in chart.figure.layout.annotations if a.name == "fwpulse-break"]
    assert [(a.x, a.text) for a in marks] == [(pd.Timestamp("2025-07-01"), "new way from here")]
    assert "Source: s (old way, counted A; new way, counted A)" in chart.caption  # each method once


def test_overview_cards_say_stale_and_never_badge_a_stale_change(snapshot_db):
    from tests.dashboard.test_views import run_view

    at = run_view("overview", fw="pytorch,jax")
    assert not at.exception and not at.error
    shown = card_reader.figures(at)
    forks = {f.framework: f for f in shown if f.label == "GitHub forks"}
    assert "Stale: newest value 2024-04-01, the others run to 2026-08-01" in " ".join(forks["JAX"].flags)
    assert forks["JAX"].badge is None and forks["PyTorch"].badge  # JAX's stale change: no badge
    assert "+734 in 30 d" not in [f.badge for f in shown]


def test_overview_card_names_a_newer_flagged_value(tmp_path, monkeypatch):
    from tests.dashboard.test_views import run_view

    monkeypatch.setenv("FWPULSE_DB", str(_db(tmp_path, "partial_period")))
    at = run_view("overview", fw="pytorch,tensorflow")
    assert not at.exception and not at.error
    stars = [f for f in card_reader.figures(at) if f.label == "GitHub stars"]
    assert stars[0].value == "90,010" and stars[0].badge == "+1 in 30 d"  # final values only
    flags = " ".join(stars[0].flags)
    assert "Newer value 123,457 (2025-12-01) is partial period, not final: because partial_period" in flags


def test_a_change_never_spans_a_switch_of_counting_method(tmp_path):
    # monthly downloads: pypinfo (BigQuery) up to 2025-05, ClickHouse from 2025-06, as in the bundled snapshot
    months = [dt.date(2025, m, 1) for m in range(1, 13)] + [dt.date(2026, m, 1) for m in range(1, 4)]
    rows = [
        Observation(
            "pytorch",
            "pypi.downloads_monthly",
            m,
            1000.0 + i,
            "hugovk",
            "pypinfo" if m < dt.date(2025, 6, 1) else "clickhouse",
        )
        for i, m in enumerate(months)
    ]
    path = tmp_path / "x.duckdb"
    with db.writing(path) as con:
        db.migrate(con)
        store.record_run(con, RunRecord("s", started_at=dt.datetime(2026, 4, 2)), rows)
    with db.reading(path) as con:
        card = overview_cards(read.recent_values(con, ["pytorch"], CARD_METRICS)).iloc[0]
    assert card["date"] == pd.Timestamp("2026-03-01")
    assert card["change_30d"] == 1.0  # 2026-03 vs 2026-02: both ClickHouse
    assert pd.isna(card["change_365d"]) and pd.isna(card["value_365d"])  # 2025-03 was counted by pypinfo
    assert card["method_since"] == pd.Timestamp("2025-06-01")

    from fwpulse.dashboard.views.cards import change_text

    assert change_text(card, 365) == "365 d: n/a (counting method changed 2025-06-01)"
    assert change_text(card, 30) == "30 d: +1 (+0.1%)"
