"""Article check: the 2020 Iflexion article's claims, then vs now, each with its source."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fwpulse.dashboard import data
from fwpulse.dashboard.charts import article
from fwpulse.dashboard.charts.speed import newest_runs
from fwpulse.dashboard.views.common import options, show_chart

BENCH_HINT = "fwpulse bench --suite smoke"


def _fmt(v) -> str:
    return "" if v is None or pd.isna(v) else f"{v:,.0f}"


def _fingerprint(value) -> dict:
    import json

    if isinstance(value, dict):
        return value
    try:
        out = json.loads(value) if isinstance(value, str) and value else {}
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}


def evidence_scope(bench: pd.DataFrame) -> dict:
    """What the newest runs were measured on, and what that evidence cannot decide."""
    runs = newest_runs(bench)
    machines, cannot = [], []
    for (device, name), g in runs.groupby([runs["device"].fillna(""), runs["device_name"].fillna("")], sort=True):
        fp = _fingerprint(g["fingerprint"].dropna().iloc[0]) if g["fingerprint"].notna().any() else {}
        threads = fp.get("threads")
        suites = ", ".join(sorted(set(g["suite"].dropna())))
        machines.append(f"{suites} suite on {device} ({name})" + (f", {threads} threads" if threads else ""))
    devices = set(runs["device"].dropna())
    suites = set(runs["suite"].dropna())
    if "cuda" not in devices and "gpu" not in devices:
        cannot.append(
            "anything about GPUs: no result was measured on one, and the frameworks' GPU paths "
            "(kernels, compilation, TF32, mixed precision) behave differently from their CPU paths"
        )
    if suites <= {"smoke"}:
        cannot.append(
            "full-size workloads: the smoke suite's small models and batches are a sanity signal "
            "(see docs/benchmarks.md), not the models people train"
        )
    small = [int(_fingerprint(f).get("threads") or 0) for f in runs["fingerprint"].dropna()]
    if small and max(small) <= 4:
        cannot.append(f"larger machines: at most {max(small)} CPU threads were used")
    cannot.append(
        "training at scale (multi-GPU, distributed, input pipelines, long runs), which is where the "
        "article's readers would feel a speed difference"
    )
    return {"machines": machines, "cannot": cannot}


def speed_claim(frameworks: tuple[str, ...]) -> None:
    st.subheader('Claim: the speed difference is "trivial"')
    st.caption(
        'The article called the speed difference between the frameworks "trivial". Below: what the stored '
        "measurements show, where they were measured, and what they cannot decide. Each compared cell is a "
        "contender against its cell's baseline (which can be the same framework's eager mode), so read it "
        "together with the Speed view."
    )
    bench = data.bench_results(frameworks)
    summary = article.speed_verdicts(bench)
    if summary is None or not summary["cells"]:
        st.info(f"Not measured yet: run `{BENCH_HINT}` (results appear here and in the Speed view).")
        return
    v = summary["verdicts"]
    scope = evidence_scope(bench)
    st.markdown(
        f"**What the evidence shows.** Newest measurement ({summary['suite']} suite on "
        f"{', '.join(summary['devices'])}, {summary['measured_at']:%Y-%m-%d %H:%M} UTC): **{summary['cells']}** "
        "compared cells: "
        + ", ".join(f"{n} {verdict}" for verdict, n in sorted(v.items(), key=lambda kv: -kv[1]))
        + "."
    )
    if summary["spread"]:
        st.markdown(
            f"Largest slowdown: {summary['spread']['slowest']}; largest speedup: {summary['spread']['fastest']}."
        )
    st.markdown("**Measured on:** " + "; ".join(scope["machines"]) + ".")
    same = v.get("same within ±5%", 0)
    differ = v.get("slower", 0) + v.get("faster", 0)
    rest = summary["cells"] - same - differ  # inconclusive: the CI reaches both sides of ±5%
    others = f" ({same} within ±5%" + (f", {rest} inconclusive)" if rest else ")")
    if differ > summary["cells"] / 2:
        finding = (
            f"{differ} of {summary['cells']} cells differ by more than ±5%{others}: on these workloads and "
            "this hardware the difference is not trivial."
        )
    elif same >= summary["cells"] / 2:
        finding = (
            f"{same} of {summary['cells']} cells are within ±5%: on these workloads and this hardware the "
            "evidence is consistent with a trivial difference."
        )
    else:
        finding = (
            f"{differ} of {summary['cells']} cells differ by more than ±5%, {same} are within it and {rest} "
            "are inconclusive: this evidence does not settle it even for these workloads."
        )
    st.markdown("**Then vs now, as far as this evidence goes:** " + finding)
    st.markdown(
        "**What it cannot decide:** " + "; ".join(scope["cannot"]) + ". The article's claim, made about "
        "real training, stays open until `fwpulse bench --suite full --device cuda` results (measured on a "
        "GPU machine, or imported with `fwpulse bench import`) are stored."
    )


def render() -> None:
    st.title('Article check: "PyTorch vs Keras" (Iflexion, 2020)')
    st.markdown(
        f"The [2020 article]({article.ARTICLE_URL}) quoted GitHub forks (TensorFlow 82,000, PyTorch 11,000, "
        "Keras 18,600), open and closed issues, Stack Overflow questions (Keras nearly 31,000 vs PyTorch "
        "fewer than 9,000) and called the speed difference trivial. Its figures are stored as dated `manual.*` "
        "rows (the article is undated; as-of inferred from GitHub data); 'now' is the newest stored value."
    )
    opts = options()
    claims = data.article_claims(opts.frameworks)
    if claims.empty:
        st.info(
            "The article's figures are not in this database (they ship with the bundled snapshot). Import them "
            "with `fwpulse import FILE.csv`, or build a new database from the snapshot with `fwpulse status` on "
            "a new FWPULSE_DB path."
        )
    else:
        reg = data.framework_registry()
        table = pd.DataFrame(
            {
                "claim": claims["claim"],
                "framework": claims["framework"].map(lambda f: reg.names().get(f, f)),
                "then (2020 article)": claims["then"].map(_fmt),
                "how quoted": claims["then_qualifier"],
                "then as of": claims["then_as_of"].astype(str),
                "then source": claims["then_url"],
                "now": claims["now"].map(_fmt),
                "now metric": claims["now_metric"].fillna(""),
                "now as of": claims["now_as_of"].astype(str).replace("None", ""),
                "change": claims["change_pct"].map(lambda p: "" if p is None or pd.isna(p) else f"{p:+.0f}%"),
                "now source": claims["now_source"].fillna(""),
                "comment": claims["comment"],
            }
        )
        st.dataframe(table, hide_index=True, column_config={"then source": st.column_config.LinkColumn("then source")})
        show_chart("article-then-now")
    st.divider()
    speed_claim(opts.frameworks)
