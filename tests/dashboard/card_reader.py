"""Reads the Overview's cards back out of the page an AppTest run drew (one ``st.html`` block, views/cards.py):
what a reader sees on each card, as plain data the tests can check."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Figure:
    framework: str
    label: str = ""
    value: str = ""
    badge: str | None = None
    help: str = ""
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


@dataclass
class Card:
    framework: str = ""
    figures: list[Figure] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # the text of each "not collected yet" line


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cards: list[Card] = []
        self.figure: Figure | None = None
        self.field: str | None = None  # the class of the element whose text is being read
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class", "")
        if cls == "fwp-card":
            self.cards.append(Card())
            self.figure = None
        elif cls == "fwp-figure":
            self.figure = Figure(self.cards[-1].framework, help=dict(attrs).get("title", ""))
            self.cards[-1].figures.append(self.figure)
        elif tag == "h3" or cls in ("fwp-label", "fwp-value", "fwp-badge", "fwp-note", "fwp-flag", "fwp-missing"):
            self.field, self.text = (cls or tag), []

    def handle_data(self, data):
        if self.field:
            self.text.append(data)

    def handle_endtag(self, tag):
        if self.field is None or tag not in ("h3", "div", "span", "p"):
            return
        text, field_, self.field = "".join(self.text).strip(), self.field, None
        card = self.cards[-1]
        if field_ == "h3":
            card.framework = text
        elif field_ == "fwp-missing":
            card.missing.append(text)
        elif field_ == "fwp-label":
            self.figure.label = text
        elif field_ == "fwp-value":
            self.figure.value = text
        elif field_ == "fwp-badge":
            self.figure.badge = text
        elif field_ == "fwp-note":
            self.figure.notes.append(text)
        elif field_ == "fwp-flag":
            self.figure.flags.append(text)


def cards(at) -> list[Card]:
    """The cards of an AppTest run of the Overview, in page order."""
    blocks = [h.proto.body for h in at.get("html") if "fwp-cards" in h.proto.body]
    assert len(blocks) == 1, f"expected one cards block, found {len(blocks)}"
    reader = _Reader()
    reader.feed(blocks[0])
    return reader.cards


def figures(at) -> list[Figure]:
    """Every figure on every card."""
    return [f for card in cards(at) for f in card.figures]


def text(at) -> str:
    """Everything the cards say, as one string (labels, values, badges, notes, flags, missing lines)."""
    parts = []
    for card in cards(at):
        parts.append(card.framework)
        for f in card.figures:
            parts += [f.label, f.value, f.badge or "", *f.notes, *f.flags]
        parts += card.missing
    return " ".join(p for p in parts if p)
