"""Article export, one room: formats, options, theme and layout, static images, files and manifest, the run.

* :mod:`~fwpulse.dashboard.export.formats`: the formats, declared once;
* :mod:`~fwpulse.dashboard.export.options`: options and file names parsed with one-line errors, preflight checks;
* :mod:`~fwpulse.dashboard.export.theme` and :mod:`~fwpulse.dashboard.export.layout`: the article look and sizes;
* :mod:`~fwpulse.dashboard.export.static`: PNG/SVG/PDF through one kaleido session on Debian's Chromium;
* :mod:`~fwpulse.dashboard.export.alt_text`: one sentence on a chart's finding, from its plotted rows;
* :mod:`~fwpulse.dashboard.export.render`: one chart's files in memory (the CLI and the dashboard's buttons);
* :mod:`~fwpulse.dashboard.export.manifest`: files written atomically and ``manifest.json``;
* :mod:`~fwpulse.dashboard.export.job`: one `fwpulse export` run. Each name has one home; nothing is re-exported here.
"""
