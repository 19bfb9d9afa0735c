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
    chart = line_chart(spec, inputs.values, options, names, colors, "pypi.downloads_monthly",
                       vlines=[("2024-12-01", "all installers from here"),
                               ("2025-06-01", "calendar months from here")])
    chart.notes.append("The counting method changed twice (pip-only to all installers in Dec 2024; rolling "
                       "windows of 22-31 days to calendar months from mid-2025): compare across those lines with care.")
    return chart


SPECS = [
    ChartSpec("github-stars", "GitHub stars", ("github.stars",), github_stars, "fwpulse refresh --source github"),
    ChartSpec("github-forks", "GitHub forks, with the 2020 article's figures", ("github.forks", "manual.github_forks"),
              github_forks, "fwpulse refresh --source github"),
    ChartSpec("pypi-downloads-monthly", "PyPI downloads per month", ("pypi.downloads_monthly",), pypi_monthly,
              "fwpulse refresh --source pypi"),
]
