"""Research & models: papers that mention each framework (He's conference counts, OpenAlex) and Hub models by tag."""

from __future__ import annotations

import streamlit as st

from fwpulse.dashboard.views.common import page, show_chart

INTRO = (
    "The two charts that settled the public debate, kept live. **Papers**: Horace He's counts of conference papers "
    "mentioning PyTorch or TensorFlow (2015-2022, bundled), then OpenAlex's yearly counts of AI papers mentioning "
    "each framework: a different method, so a separate series, never one line. **Models**: Hugging Face Hub "
    "models created per month by the file-format tags the Hub detects. Both count *mentions and tags*, not usage."
)


def render() -> None:
    opts = page("Research & models", INTRO)
    if opts is None:
        return
    st.subheader("Papers")
    show_chart("research-he-conferences", opts)
    show_chart("research-he-share-of-papers", opts)
    show_chart("research-papers-mentioning", opts)
    show_chart("research-papers-share", opts)
    st.subheader("Models on the Hugging Face Hub")
    show_chart("hfhub-models-monthly", opts)
    show_chart("hfhub-models-share", opts)
