"""The Overview's cards: each framework's latest final figures, their changes and the flags that change a reading.

Per figure: its 30- and 365-day changes, and every flag that changes how it reads (a newer value that is not
final, a figure that is not final, a stale series).

What a card says is worked out once per data and framework choice (:func:`card_items`, plain dataclasses, cached
by the Overview), and all cards are drawn as ONE ``st.html`` block (:func:`cards_html`). Twenty ``st.metric`` and
thirty ``st.caption`` elements cost the browser about 0.15 s of the Overview's first paint at 5.5 M rows, each
element its own React and Markdown work (docs/dashboard.md, "Where the browser time goes"); one block of plain
HTML costs a few milliseconds. Every text from the store is HTML-escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from fwpulse.data import catalog
from fwpulse.data.quality import is_final

# (card label, metrics in order of preference, command that fills it)
CARDS = [
    ("GitHub stars", ("github.stars",), "fwpulse refresh --source github"),
    ("GitHub forks", ("github.forks",), "fwpulse refresh --source github"),
    ("Open issues", ("github.open_issues", "github.open_issues_incl_prs"), "fwpulse refresh --source github"),
    ("Stack Overflow questions", ("stackoverflow.questions_total",), "fwpulse refresh --source stackoverflow"),
    ("PyPI downloads / month", ("pypi.downloads_monthly",), "fwpulse refresh --source pypi"),
]
CARD_PX = 236  # four to a row beside the sidebar at 1440 px; a number never shrinks, cards wrap onto more rows


@dataclass(frozen=True)
class Shown:
    """One figure on a card: label, value, the 30-day badge (None: no badge), the hover help, the line of changes
    under it and the flag lines that must be read with it."""

    label: str
    value: str
    badge: str | None
    help: str
    changes: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Missing:
    """A figure not collected yet, and the command that collects it."""

    label: str
    command: str


def signed(value: float, decimals: int = 0, unit: str = "") -> str:
    """``+1,234`` / ``-5.2%``; a change that rounds to zero says which way it went (``-<0.1%``), never ``-0.0%``."""
    text = f"{value:+,.{decimals}f}"
    if value != 0 and float(text.replace(",", "")) == 0:
        return f"{'+' if value > 0 else '-'}<{10**-decimals:g}{unit}"
    return (f"{0:.{decimals}f}" if value == 0 else text) + unit


def change_text(row, days: int) -> str:
    """``30 d: +1,234 (+5.2%)``; ``n/a`` (naming the counting-method change, if that is why) when there is none."""
    change = row[f"change_{days}d"]
    if change is None or pd.isna(change):
        since = row.get("method_since")
        return f"{days} d: n/a (counting method changed {since:%Y-%m-%d})" if pd.notna(since) else f"{days} d: n/a"
    prev = row[f"value_{days}d"]
    pct = f" ({signed(change / prev * 100, 1, '%')})" if prev else ""
    return f"{days} d: {signed(change)}{pct}"


def flag_lines(row) -> list[str]:
    """What the card must say beside its figure: a newer flagged value it did not use, a stale series."""
    lines = []
    if pd.notna(row.get("newer_date")) and row.get("newer_quality"):
        lines.append(
            f"Newer value {row['newer_value']:,.0f} ({row['newer_date']:%Y-%m-%d}) is "
            f"{str(row['newer_quality']).replace('_', ' ')}, not final: {row['newer_reason']}. "
            "The card shows the newest final value."
        )
    if not is_final(row.get("quality")):
        lines.append(f"This figure is {str(row['quality']).replace('_', ' ')}: no final value stored yet.")
    if bool(row.get("stale")):
        lines.append(
            f"Stale: newest value {row['date']:%Y-%m-%d}, the others run to {row['newest_other']:%Y-%m-%d} "
            f"({row['stale_reason']})."
        )
    return lines


def card_items(cards: pd.DataFrame, fid: str) -> list[Shown | Missing]:
    """One framework's card, in :data:`CARDS` order, from the Overview's card frame (``data.overview_cards``)."""
    out: list[Shown | Missing] = []
    mine = cards[cards["framework"] == fid] if not cards.empty else cards
    for label, metrics, fill in CARDS:
        rows = mine[mine["metric"].isin(metrics)] if not mine.empty else mine
        if rows.empty:
            out.append(Missing(label, fill))
            continue
        metric = [m for m in metrics if m in set(rows["metric"])][0]
        row = rows.set_index("metric").loc[metric]
        stale = bool(row.get("stale"))
        # A stale series' change is over another period than the others' cards: no badge.
        badge = None if pd.isna(row["change_30d"]) or stale else f"{signed(row['change_30d'])} in 30 d"
        out.append(
            Shown(
                label=label if metric != "github.open_issues_incl_prs" else "Open issues incl. PRs",
                value=f"{row['value']:,.0f}",
                badge=badge,
                help=f"{catalog.metric(metric).definition} Source: {row['source']} ({row['method']}).",
                changes=f"{change_text(row, 30)} · {change_text(row, 365)} · as of {row['date']:%Y-%m-%d}",
                flags=tuple(flag_lines(row)),
            )
        )
    return out


# Colours that read on Streamlit's light and dark page alike: text inherits the page's colour, borders and the
# badge are translucent grey, the flag colour is an orange with enough contrast on white and on #0e1117.
STYLE = f"""<style>
.fwp-cards {{ display: flex; flex-wrap: wrap; gap: 0.5rem; }}
.fwp-card {{ width: {CARD_PX}px; box-sizing: border-box; padding: 1rem; border: 1px solid rgba(128, 128, 128, 0.3);
  border-radius: 0.5rem; }}
.fwp-card h3 {{ font-size: 1.5rem; font-weight: 600; margin: 0 0 0.5rem 0; padding: 0; line-height: 1.2; }}
.fwp-figure {{ margin-top: 0.75rem; }}
.fwp-label {{ font-size: 0.875rem; }}
.fwp-value {{ font-size: 2rem; line-height: 1.2; white-space: nowrap; }}
.fwp-badge {{ display: inline-block; font-size: 0.875rem; padding: 0 0.4rem; border-radius: 0.75rem;
  background: rgba(128, 128, 128, 0.15); }}
.fwp-note, .fwp-missing {{ font-size: 0.875rem; opacity: 0.7; margin: 0.25rem 0 0 0; }}
.fwp-flag {{ font-size: 0.875rem; color: #c2410c; margin: 0.25rem 0 0 0; }}
@media (prefers-color-scheme: dark) {{ .fwp-flag {{ color: #fb923c; }} }}
.fwp-card code {{ font-size: 0.8rem; }}
</style>"""


def _item_html(item: Shown | Missing) -> str:
    esc = html.escape
    if isinstance(item, Missing):
        return (
            f'<p class="fwp-missing"><b>{esc(item.label)}</b>: not collected yet (<code>{esc(item.command)}</code>)</p>'
        )
    badge = f'<span class="fwp-badge">{esc(item.badge)}</span>' if item.badge else ""
    flags = "".join(f'<p class="fwp-flag">{esc(line)}</p>' for line in item.flags)
    return (
        f'<div class="fwp-figure" data-label="{esc(item.label)}" title="{esc(item.help)}">'
        f'<div class="fwp-label">{esc(item.label)}</div><div class="fwp-value">{esc(item.value)}</div>{badge}'
        f'<p class="fwp-note">{esc(item.changes)}</p>{flags}</div>'
    )


def cards_html(cards: list[tuple[str, list[Shown | Missing]]]) -> str:
    """All cards as one HTML block: ``cards`` is (framework name, its items) in the order to show."""
    body = "".join(
        f'<div class="fwp-card"><h3>{html.escape(name)}</h3>{"".join(_item_html(i) for i in items)}</div>'
        for name, items in cards
    )
    return f'{STYLE}<div class="fwp-cards">{body}</div>'


__all__ = ["CARDS", "CARD_PX", "Missing", "Shown", "card_items", "cards_html", "change_text", "flag_lines", "signed"]
