"""The charts, one room: what a chart is, how it is drawn, the rules every figure follows, one module per domain.

* :mod:`~fwpulse.dashboard.charts.registry`: every chart (``CHARTS``, from the domain modules in ``MODULES``),
  and ``load`` / ``render`` / ``build``: what the views and `fwpulse export` call;
* :mod:`~fwpulse.dashboard.charts.spec`: what a chart is (``ChartOptions``, ``ChartSpec``, ``ChartInput``, ``Chart``);
* :mod:`~fwpulse.dashboard.charts.kit`: the shared drawing (captions, the options' transforms, ``line_chart``,
  ``multi_line_chart``, ``line_spec``, ``finish``, release markers);
* :mod:`~fwpulse.dashboard.charts.quality`, :mod:`~fwpulse.dashboard.charts.breaks` and
  :mod:`~fwpulse.dashboard.charts.drops`: flagged values, counting-method changes and cliffs, drawn from the rows;
* :mod:`~fwpulse.dashboard.charts.axes` and :mod:`~fwpulse.dashboard.charts.caveats`: the figure rules applied
  once a chart is built, and the one-line caveat it carries inside its image;
* one module per domain, each with its ``SPECS``: ``overview`` (and the Overview cards' query), ``github``,
  ``gharchive``, ``usage`` (Stack Overflow, Google Trends, PyPI, citations), ``research`` (papers, Hub models),
  ``speed`` (and the bench rows it plots), ``article`` (and the Article check's queries).

Each name has one home; nothing is re-exported here.
"""
