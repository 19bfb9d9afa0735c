"""Article check: the 2020 Iflexion article's claims, then vs now, each with its source."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fwpulse.dashboard import data, queries
from fwpulse.dashboard.views.common import options, show_chart

BENCH_HINT = "fwpulse bench --suite smoke"


def _fmt(v) -> str:
    return "" if v is None or pd.isna(v) else f"{v:,.0f}"


def speed_claim(frameworks: tuple[str, ...]) -> None:
    st.subheader("Claim: the speed difference is \"trivial\"")
    st.caption("The article called the speed difference between the frameworks \"trivial\". Below: every compared "
               "cell of the newest bench run (contender vs its cell's baseline, which can be the same framework's "
               "eager mode), so read it together with the Speed view.")
    summary = queries.speed_verdicts(data.bench_results(frameworks))
    if summary is None or not summary["cells"]:
        st.info(f"Not measured yet: run `{BENCH_HINT}` (results appear here and in the Speed view).")
        return
    v = summary["verdicts"]
    st.markdown(
        f"Newest measurement ({summary['suite']} suite on {', '.join(summary['devices'])}, "
        f"{summary['measured_at']:%Y-%m-%d %H:%M} UTC): **{summary['cells']}** compared cells: "
        + ", ".join(f"{n} {verdict}" for verdict, n in sorted(v.items(), key=lambda kv: -kv[1])) + ".")
    if summary["spread"]:
        st.markdown(f"Largest slowdown: {summary['spread']['slowest']}; largest speedup: {summary['spread']['fastest']}.")
    same = v.get("same within ±5%", 0)
    st.markdown("**Then vs now:** " + ("mostly within ±5% on this machine: the claim holds here."
                                       if same >= summary["cells"] / 2 else
                                       "most cells differ by more than ±5% on this machine: the claim does not hold "
                                       "here (see the Speed view for each workload)."))


def render() -> None:
    st.title("Article check: \"PyTorch vs Keras\" (Iflexion, 2020)")
    st.markdown(f"The [2020 article]({queries.ARTICLE_URL}) quoted GitHub forks (TensorFlow 82,000, PyTorch 11,000, "
                "Keras 18,600), open and closed issues, Stack Overflow questions (Keras nearly 31,000 vs PyTorch "
                "fewer than 9,000) and called the speed difference trivial. Its figures are stored as dated `manual.*` "
                "rows (the article is undated; as-of inferred from GitHub data); 'now' is the newest stored value.")
    opts = options()
    claims = data.article_claims(opts.frameworks)
    if claims.empty:
        st.info("The article's figures are not in this database (they ship with the bundled snapshot). Import them "
                "with `fwpulse import FILE.csv`, or build a new database from the snapshot with `fwpulse status` on "
                "a new FWPULSE_DB path.")
    else:
        reg = data.registry()
        table = pd.DataFrame({
            "claim": claims["claim"], "framework": claims["framework"].map(lambda f: reg.names().get(f, f)),
            "then (2020 article)": claims["then"].map(_fmt), "how quoted": claims["then_qualifier"],
            "then as of": claims["then_as_of"].astype(str), "then source": claims["then_url"],
            "now": claims["now"].map(_fmt), "now metric": claims["now_metric"].fillna(""),
            "now as of": claims["now_as_of"].astype(str).replace("None", ""),
            "change": claims["change_pct"].map(lambda p: "" if p is None or pd.isna(p) else f"{p:+.0f}%"),
            "now source": claims["now_source"].fillna(""), "comment": claims["comment"]})
        st.dataframe(table, hide_index=True,
                     column_config={"then source": st.column_config.LinkColumn("then source")})
        show_chart("article-then-now")
    st.divider()
    speed_claim(opts.frameworks)
