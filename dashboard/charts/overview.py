"""Overview view charts: GitHub stars, forks with the 2020 article's figures, PyPI downloads per month."""

from __future__ import annotations

from fwpulse.dashboard.charts import kit
from fwpulse.dashboard.charts.spec import Chart, ChartInput, ChartOptions, ChartSpec, line_chart
from fwpulse.data import read


def github_forks(spec, inputs: ChartInput, options: ChartOptions, names, colors) -> Chart:
    v = inputs.values
    article = read.article_2020_rows(v, "manual.github_forks")
    return line_chart(spec, v, options, names, colors, "github.forks", article, "2020 article figure")


SPECS = [
    kit.line_spec("github-stars", "GitHub stars", "github.stars", "fwpulse refresh --source github", "overview"),
    ChartSpec(
        "github-forks",
        "GitHub forks, with the 2020 article's figures",
        ("github.forks", "manual.github_forks"),
        github_forks,
        "fwpulse refresh --source github",
    ),
    # The counting-method changes (pip-only to all installers, rolling windows to calendar months) are
    # drawn from the stored methods by line_chart, like every chart's.
    kit.line_spec(
        "pypi-downloads-monthly",
        "PyPI downloads per month",
        "pypi.downloads_monthly",
        "fwpulse refresh --source pypi",
        "overview",
    ),
]
