"""Article check chart: the 2020 article's figures next to the newest stored values."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard import chartkit as K
from fwpulse.dashboard.charts import ChartSpec


def _query(con, spec, options) -> pd.DataFrame:
    from fwpulse.dashboard import claims

    return claims.article_claims(con, options.frameworks or None)


def then_vs_now(spec, inputs, options, names, colors):
    claims = inputs.values
    if claims.empty:
        return K.C.Chart(
            spec,
            None,
            pd.DataFrame(),
            "",
            empty_reason="The 2020 article's figures are not in this database (they ship with the bundled snapshot).",
        )
    claims = claims[claims["claim"] != "Users"]
    rows = []
    for r in claims.itertuples():
        label = f"{r.claim}<br>{names.get(r.framework, r.framework)}"
        rows.append(
            {
                "framework": r.framework,
                "claim": r.claim,
                "label": label,
                "when": "2020 article",
                "value": r.then,
                "date": pd.Timestamp(r.then_as_of),
                "source": r.then_source,
                "method": f"article figure ({r.then_qualifier or 'as quoted'})",
                "metric": "article",
            }
        )
        if r.now is not None and not pd.isna(r.now):
            rows.append(
                {
                    "framework": r.framework,
                    "claim": r.claim,
                    "label": label,
                    "when": "now (stored)",
                    "value": r.now,
                    "date": pd.Timestamp(r.now_as_of),
                    "source": r.now_source,
                    "method": r.now_method,
                    "metric": r.now_metric,
                }
            )
    data = pd.DataFrame(rows)
    fig = go.Figure()
    for when, color in (("2020 article", "#9E9E9E"), ("now (stored)", "#1565C0")):
        g = data[data["when"] == when]
        fig.add_trace(
            go.Bar(
                x=g["label"],
                y=g["value"],
                name=when,
                marker_color=color,
                text=[f"{v:,.0f}" for v in g["value"]],
                textposition="outside",
                customdata=g[["date", "source"]].astype(str).to_numpy(),
                hovertemplate="%{x}: %{y:,.0f}<br>as of %{customdata[0]} · %{customdata[1]}<extra>" + when + "</extra>",
            )
        )
    fig.update_layout(
        title=spec.title,
        barmode="group",
        template="plotly_white",
        yaxis_title="count (log scale)",
        legend={"orientation": "h", "y": -0.25},
        margin={"t": 60, "b": 80, "l": 60, "r": 20},
    )
    fig.update_yaxes(type="log")
    text, sources, as_of = K.C.caption_for(data)
    chart = K.C.Chart(
        spec,
        fig,
        data[["framework", "claim", "when", "metric", "date", "value", "source", "method"]],
        text,
        sources=sources,
        as_of=as_of,
    )
    chart.notes.append(
        "Log scale, always: the figures span two orders of magnitude. A missing blue bar means "
        "the live figure has not been collected yet (see the table)."
    )
    return chart


SPECS = [
    ChartSpec(
        "article-then-now",
        "The 2020 article's figures, then vs now",
        ("manual.github_forks",),
        then_vs_now,
        "fwpulse refresh --source github --source stackoverflow",
        view="article-check",
        query=_query,
        time_series=False,
    ),
]
