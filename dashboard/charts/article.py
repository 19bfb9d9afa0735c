"""Article check chart: the 2020 article's figures next to the newest stored values."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from fwpulse.dashboard.charts.spec import Chart, ChartSpec, caption_for

# How the article worded a figure (claims._qualifier) -> the mark its label carries, as in the table.
QUALIFIER_MARK = {"lower bound (more than)": "≥ ", "upper bound (less than)": "≤ ", "approximate": "~ "}


def _query(con, spec, options) -> pd.DataFrame:
    from fwpulse.dashboard.charts import claims

    return claims.article_claims(con, options.frameworks or None)


def then_vs_now(spec, inputs, options, names, colors):
    claims = inputs.values
    if claims.empty:
        return Chart(
            spec,
            None,
            pd.DataFrame(),
            "",
            empty_reason="The 2020 article's figures are not in this database (they ship with the bundled snapshot).",
        )
    claims = claims[claims["claim"] != "Users"]
    rows = []
    for r in claims.itertuples():
        label = f"{r.claim} · {names.get(r.framework, r.framework)}"
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
                "qualifier": r.then_qualifier or "",
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
                    "qualifier": "",
                }
            )
    data = pd.DataFrame(rows)
    fig = go.Figure()
    order = list(dict.fromkeys(data["label"]))
    # A thin line joins a row's two figures; the dots carry their values, each label on its outer side
    # (the smaller value's on the left) so the two never run together.
    for label in order:
        pair = data[data["label"] == label]
        if len(pair) == 2:
            fig.add_trace(
                go.Scatter(
                    x=pair["value"], y=[label, label], mode="lines", line={"color": "#BDBDBD", "width": 2}, orientation="h",
                    showlegend=False, hoverinfo="skip",
                )
            )  # fmt: skip
    for when, color, symbol in (("2020 article", "#757575", "circle-open"), ("now (stored)", "#1565C0", "circle")):
        g = data[data["when"] == when]
        other = {r.label: r.value for r in data[data["when"] != when].itertuples()}
        sides = [
            "middle left" if v <= other.get(lab, float("inf")) else "middle right"
            for lab, v in zip(g["label"], g["value"])
        ]
        if when == "now (stored)":
            sides = [
                "middle right" if v >= other.get(lab, 0) else "middle left" for lab, v in zip(g["label"], g["value"])
            ]
        fig.add_trace(
            go.Scatter(
                x=g["value"],
                y=g["label"],
                mode="markers+text",
                orientation="h",  # one row per claim: the export reserves room for the row labels
                name=when,
                marker={"color": color, "size": 12, "symbol": symbol, "line": {"color": color, "width": 2}},
                text=[f"{QUALIFIER_MARK.get(q, '')}{v:,.0f}" for q, v in zip(g["qualifier"], g["value"])],
                textposition=sides,
                customdata=g[["date", "source"]].astype(str).to_numpy(),
                hovertemplate="%{y}: %{text}<br>as of %{customdata[0]} · %{customdata[1]}<extra>" + when + "</extra>",
            )
        )
    fig.update_layout(
        title=spec.title,
        template="plotly_white",
        xaxis_title="count (log scale; dots, not bars: a bar's length means nothing on a log axis)",
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom"},
        height=140 + 46 * len(order),
        margin={"t": 90, "b": 60, "l": 20, "r": 40},
    )
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=order, autorange="reversed", automargin=True)
    text, sources, as_of = caption_for(data)
    chart = Chart(
        spec,
        fig,
        data[["framework", "claim", "when", "metric", "date", "value", "source", "method"]],
        text,
        sources=sources,
        as_of=as_of,
    )
    chart.notes.append(
        "Log scale, always: the figures span two orders of magnitude, so each figure is a dot (hollow: the "
        "article's, with its ≥ / ≤ / ~ as the article worded it; filled: the newest stored). A row without a "
        "filled dot has no live figure collected yet (see the table)."
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
