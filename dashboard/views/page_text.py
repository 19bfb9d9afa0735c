"""The text a view says once: the 'Not on this page yet' box and chart notes said once per page."""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard.charts.spec import ChartSpec

MISSING = "_fwpulse_missing"
NOTES = "_fwpulse_notes"  # note text -> title of the chart it was said under, for this page


def say_notes(spec: ChartSpec, notes: list[str]) -> None:
    """The chart's notes, each said once per page: a note already said under an earlier chart is
    pointed to, not repeated (views without :func:`open_boxes` say every note)."""
    said = st.session_state.get(NOTES)
    earlier: dict[str, int] = {}
    for note in notes:
        if said is not None and note in said:
            earlier[said[note]] = earlier.get(said[note], 0) + 1
            continue
        st.caption(f"Note: {note}")
        if said is not None:
            said[note] = spec.title
    for title, n in earlier.items():
        st.caption(
            f"Note: the {'note' if n == 1 else f'{n} notes'} under “{title}” above {'applies' if n == 1 else 'apply'} here too."
        )


def say_missing(spec: ChartSpec, reason: str | None) -> None:
    """Add an empty chart to the view's one 'not shown yet' box (inline where the view has no box)."""
    box = st.session_state.get(MISSING)
    if not box:
        st.info(f"**{spec.title}**: {reason} {fill_text(spec.fill_hint)}")
        return
    box["items"].setdefault(spec.fill_hint, []).append(spec.title)
    lines = [
        f"- `{hint}`: {', '.join(titles)}"
        if hint.startswith(("fwpulse", "FWPULSE"))
        else f"- {', '.join(titles)}: {hint}"
        for hint, titles in box["items"].items()
    ]
    box["slot"].info(
        "**Not on this page yet** (no data stored for these charts; each command fills them):\n" + "\n".join(lines)
    )


def open_boxes() -> None:
    """Start a page's boxes: the one place it names charts without data, and the notes said so far."""
    st.session_state[MISSING] = {"slot": st.empty(), "items": {}}
    st.session_state[NOTES] = {}


def reset() -> None:
    """A new run: no box until the page opens one (a view without :func:`open_boxes` says things inline)."""
    st.session_state[MISSING] = None
    st.session_state[NOTES] = {}


def fill_text(hint: str) -> str:
    return f"Fill it with `{hint}`." if hint.startswith("fwpulse") or hint.startswith("FWPULSE") else hint
