"""Metric declarations of the research and model-hub signals: OpenAlex mentions, Hub models, He's conference counts.

Each entry is the arguments of a :class:`fwpulse.data.catalog.Metric` (id, label, unit, definition, source, kind,
period); the catalog merges them into its METRICS, so read them through :func:`fwpulse.data.catalog.metric`.
"""

from __future__ import annotations

# Horace He's conference editions (data/snapshot/conference_papers_he.csv): id -> display name.
CONFERENCES = {
    "cvpr": "CVPR",
    "iccv": "ICCV",
    "eccv": "ECCV",
    "neurips": "NeurIPS",
    "iclr": "ICLR",
    "icml": "ICML",
    "acl": "ACL",
    "naacl": "NAACL",
    "emnlp": "EMNLP",
}
CONFERENCE_MENTIONS = "research.conference_mentions."  # + conference id; per framework
CONFERENCE_PAPERS = "research.conference_papers."  # + conference id; site-wide (all papers of the edition)

_AI = "works whose primary topic is in OpenAlex's Artificial Intelligence subfield (subfields/1702)"
_HUB_NOTE = (
    "Counts models still public today (deleted or private repositories are gone), dated by `createdAt`, "
    "with the tags the Hub gives them today."
)

ENTRIES: list[tuple] = [
    (
        "research.papers_mentioning",
        "Papers mentioning the framework (full text)",
        "papers/year",
        f"OpenAlex {_AI} published in the year whose title, abstract or full text contain one of the "
        "framework's research_terms, unstemmed (`fulltext.search.exact`). Mentions, not usage.",
        "OpenAlex",
        "flow",
        "year",
    ),
    (
        "research.papers_mentioning_abstract",
        "Papers mentioning the framework (title and abstract)",
        "papers/year",
        f"OpenAlex {_AI} published in the year whose title or abstract contain one of the framework's "
        "research_terms, unstemmed (`title_and_abstract.search.exact`). Mentions, not usage.",
        "OpenAlex",
        "flow",
        "year",
    ),
    (
        "research.papers_ai",
        "AI papers per year (all)",
        "papers/year",
        f"All OpenAlex {_AI} published in the year: the denominator of the title-and-abstract share.",
        "OpenAlex",
        "flow",
        "year",
    ),
    (
        "research.papers_ai_fulltext",
        "AI papers per year with full text",
        "papers/year",
        f"OpenAlex {_AI} published in the year that OpenAlex holds full text for (`has_fulltext:true`): "
        "the denominator of the full-text share.",
        "OpenAlex",
        "flow",
        "year",
    ),
    (
        "hfhub.models_created_monthly",
        "Hub models created per month with the framework's tags",
        "models/month",
        "Models created on the Hugging Face Hub in the month that carry one of the framework's hf_tags "
        f"(file formats the Hub detects, not the training framework). {_HUB_NOTE}",
        "Hugging Face Hub",
        "flow",
        "month",
    ),
    (
        "hfhub.models_created_monthly_site",
        "Hub models created per month (all)",
        "models/month",
        f"Every model created on the Hugging Face Hub in the month. {_HUB_NOTE}",
        "Hugging Face Hub",
        "flow",
        "month",
    ),
    (
        "hfhub.models_untagged_monthly",
        "Hub models created per month with no framework tag",
        "models/month",
        "Models created in the month that carry none of the registry's hf_tags (since 2024 most PyTorch "
        f"models ship only `safetensors` and carry no `pytorch` tag). {_HUB_NOTE}",
        "Hugging Face Hub",
        "flow",
        "month",
    ),
    *[
        (
            f"{CONFERENCE_MENTIONS}{cid}",
            f"{name} papers mentioning only this framework",
            "papers",
            f"Papers of the {name} edition (dated at the conference month) whose text mentions PyTorch but "
            "not TensorFlow, or TensorFlow (incl. Keras) but not PyTorch (Horace He's counts). Mentions, not usage.",
            "Horace He",
        )
        for cid, name in CONFERENCES.items()
    ],
    *[
        (
            f"{CONFERENCE_PAPERS}{cid}",
            f"{name} papers (all)",
            "papers",
            f"All papers of the {name} edition dated at the conference month (Horace He's counts).",
            "Horace He",
        )
        for cid, name in CONFERENCES.items()
    ],
]
