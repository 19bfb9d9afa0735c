"""The Overview's cards as one HTML block (views/cards.py): what each card says, and nothing from the store
reaches the page as markup."""

from __future__ import annotations

import datetime as dt

from fwpulse.dashboard.charts.overview import CARD_METRICS, overview_cards
from fwpulse.dashboard.views import cards
from fwpulse.data import db, read, store
from fwpulse.data.store import Observation, RunRecord
from tests.dashboard import card_reader

HOSTILE = '<img src=x onerror="alert(1)"> & "quotes"'


def _frame(tmp_path, rows):
    path = tmp_path / "x.duckdb"
    with db.writing(path) as con:
        db.migrate(con)
        store.record_run(con, RunRecord("s", started_at=dt.datetime(2026, 4, 2)), rows)
    with db.reading(path) as con:
        return overview_cards(read.recent_values(con, ["pytorch"], CARD_METRICS))


class _Page:
    """Stands in for an AppTest run: the card reader reads its one html element."""

    class _Html:
        def __init__(self, body):
            self.proto = type("Proto", (), {"body": body})()

    def __init__(self, body):
        self.body = body

    def get(self, kind):
        return [self._Html(self.body)] if kind == "html" else []


def test_store_text_is_escaped_and_every_figure_keeps_its_source_and_flags(tmp_path):
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=d) for d in range(0, 60, 10)]
    rows = [Observation("pytorch", "github.stars", d, 1000.0 + i, HOSTILE, HOSTILE) for i, d in enumerate(days)]
    rows.append(
        Observation("pytorch", "github.stars", dt.date(2026, 3, 15), 5.0, HOSTILE, HOSTILE, quality="partial_period")
    )
    frame = _frame(tmp_path, rows)
    items = cards.card_items(frame, "pytorch")
    block = cards.cards_html([("PyTorch <b>", items)])

    assert "<img" not in block and "<h3>PyTorch &lt;b&gt;</h3>" in block  # store text never becomes markup
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in block
    (card,) = card_reader.cards(_Page(block))
    assert card.framework == "PyTorch <b>"
    (stars,) = card.figures
    assert stars.value == "1,005" and stars.badge == "+3 in 30 d"  # the newest final value, not the partial one
    assert f"Source: {HOSTILE} ({HOSTILE})." in stars.help
    assert any(f.startswith("Newer value 5 (2026-03-15) is partial period, not final") for f in stars.flags)
    assert "as of 2026-02-20" in stars.notes[0]
    # The four figures not stored say so, each with the command that collects it.
    assert len(card.missing) == 4 and "fwpulse refresh --source stackoverflow" in " ".join(card.missing)


def test_a_framework_with_nothing_stored_gets_a_card_of_commands(tmp_path):
    frame = _frame(tmp_path, [])
    (card,) = card_reader.cards(_Page(cards.cards_html([("JAX", cards.card_items(frame, "jax"))])))
    assert card.framework == "JAX" and not card.figures
    assert [m.split(":")[0] for m in card.missing] == [label for label, _, _ in cards.CARDS]
