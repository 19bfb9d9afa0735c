"""Overview view charts: GitHub stars, forks with the 2020 article's figures, PyPI downloads per month."""

from __future__ import annotations

from fwpulse.dashboard.charts import Chart, ChartInput, ChartOptions, ChartSpec, line_chart


def github_stars(spec, inputs: ChartInput, options: ChartOptions, names, colors) -> Chart:
    return line_chart(spec, inputs.values, options, names, colors, "github.stars")


def github_forks(spec, inputs: ChartInput, options: ChartOptions, names, colors) -> Chart:
    v = inputs.values
    article = v[(v["metric"] == "manual.github_forks") & v["source"].str.contains("Iflexion", na=False)]
    return line_chart(spec, v, options, names, colors, "github.forks", article, "2020 article figure")


def pypi_monthly(spec, inputs: ChartInput, options: ChartOptions, names, colors) -> Chart:
    # The counting-method changes (pip-only to all installers, rolling windows to calendar months) are
    # drawn from the stored methods by line_chart, like every chart's.
    return line_chart(spec, inputs.values, options, names, colors, "pypi.downloads_monthly")


SPECS = [
    ChartSpec("github-stars", "GitHub stars", ("github.stars",), github_stars, "fwpulse refresh --source github"),
    ChartSpec(
        "github-forks",
        "GitHub forks, with the 2020 article's figures",
        ("github.forks", "manual.github_forks"),
        github_forks,
        "fwpulse refresh --source github",
    ),
    ChartSpec(
        "pypi-downloads-monthly",
        "PyPI downloads per month",
        ("pypi.downloads_monthly",),
        pypi_monthly,
        "fwpulse refresh --source pypi",
    ),
]
