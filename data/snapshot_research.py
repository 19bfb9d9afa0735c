"""The snapshot's research history: Horace He's conference counts of papers mentioning PyTorch or TensorFlow.

``conference_papers_he.csv`` (added 2026-12, see data/snapshot/SOURCES.md): for each of 35 editions of nine
conferences (2015-06 to 2022-05), the papers whose text mentions PyTorch but not TensorFlow, TensorFlow (or
Keras) but not PyTorch, and all papers of the edition. Stored per conference, so editions held in the same
month stay apart: ``research.conference_mentions.<conference>`` for ``pytorch`` and ``tensorflow``, and
``research.conference_papers.<conference>`` site-wide, dated at the conference month.
"""

from __future__ import annotations

import datetime as dt

from fwpulse.data.catalog import SITE
from fwpulse.data.catalog_research import CONFERENCE_MENTIONS, CONFERENCE_PAPERS, CONFERENCES
from fwpulse.data.store import Observation

HE_SOURCE = "Horace He, pytorch-vs-tensorflow"
HE_METHOD = (
    "lower-cased text of every paper PDF of the edition searched for words; PyTorch = pytorch, allennlp, opennmt-py, "
    "torchvision, fairseq; TensorFlow = tensorflow, opennmt-tf, keras; a paper mentioning both counts for neither"
)
HE_ALL_METHOD = "papers of the edition whose PDF was searched"
HE_DETAILS = {
    "commit": "3ef0c7d (2021-10-22)",
    "dated": "conference month (the CSV's MM/YY), not a publication date",
    "caveat": "mentions, not usage; Google and Facebook papers are not excluded",
}
COLUMNS = {"pytorch": "papers_pytorch_not_tensorflow", "tensorflow": "papers_tensorflow_not_pytorch"}


def conference_id(name: str) -> str:
    """The conference's id in the metric ids ('NeurIPS' -> 'neurips'); unknown names are an error."""
    cid = name.strip().lower()
    if cid not in CONFERENCES:
        raise ValueError(f"conference_papers_he.csv: unknown conference {name!r}; known: {', '.join(CONFERENCES)}")
    return cid


def conference_observations(rows: list[dict[str, str]]) -> list[Observation]:
    out: list[Observation] = []
    for r in rows:
        cid = conference_id(r["conference"])
        month = dt.date.fromisoformat(r["month"] + "-01")
        details = {**HE_DETAILS, "conference": CONFERENCES[cid], "edition": r["month"]}
        for fid, column in COLUMNS.items():
            out.append(
                Observation(
                    fid,
                    CONFERENCE_MENTIONS + cid,
                    month,
                    float(r[column]),
                    HE_SOURCE,
                    HE_METHOD,
                    r["source_url"],
                    None,
                    details=details,
                )
            )
        out.append(
            Observation(
                SITE,
                CONFERENCE_PAPERS + cid,
                month,
                float(r["papers_total"]),
                HE_SOURCE,
                HE_ALL_METHOD,
                r["source_url"],
                None,
                details=details,
            )
        )
    return out
