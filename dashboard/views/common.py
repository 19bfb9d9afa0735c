"""Controls and chart rendering shared by the views.

The sidebar controls (frameworks, date range, scale, mode, alignment, smoothing) are read once per run
by ``app.py`` before the page runs (:func:`chosen_options`) and drawn after it (:func:`draw_controls`); every
view reads the resulting :class:`~fwpulse.dashboard.charts.spec.ChartOptions` with :func:`options`. Their state lives in
``st.query_params`` (``?fw=pytorch,jax&from=2020-01-01&scale=log&mode=index&align=1&smooth=3``), so a
view's URL is a link someone can share; bad values in a link are ignored, never an error.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from fwpulse.dashboard import data
from fwpulse.dashboard.charts import registry
from fwpulse.dashboard.charts.spec import MODE_LABELS, MODES, Chart, ChartOptions
from fwpulse.dashboard.export import formats as export_formats
from fwpulse.dashboard.views import page_text
from fwpulse.dashboard.views.export_buttons import export_buttons
from fwpulse.data import read

SMOOTHING = (1, 2, 3, 4, 6, 8, 12)
SCALES = ("linear", "log")
_STATE = "_fwpulse_options"  # the ChartOptions of the current run
_RUN = "_fwpulse_options_run"  # which run drew the controls (a counter bumped by app.py)


# ------------------------------------------------------------------------------ lenient URL parsing


def _qp(name: str) -> str:
    try:
        value = st.query_params.get(name, "")
    except Exception:  # noqa: BLE001 - a malformed query string must never break a view
        return ""
    return value if isinstance(value, str) else ""


def parse_frameworks(text: str, known: list[str]) -> list[str]:
    chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
    return list(dict.fromkeys(f for f in chosen if f in known))


DATE_MIN, DATE_MAX = dt.date(2005, 1, 1), dt.date(2100, 1, 1)  # the date pickers' range


def parse_date(text: str) -> dt.date | None:
    """A date within the pickers' range; anything else (garbage, year 1 or 2200) means "no bound"."""
    try:
        day = dt.date.fromisoformat(text.strip()[:10]) if text.strip() else None
    except ValueError:
        return None
    return day if day is not None and DATE_MIN <= day <= DATE_MAX else None


def parse_choice(text: str, choices, default):
    text = text.strip().lower()
    return text if text in choices else default


def parse_bool(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def parse_smoothing(text: str) -> int:
    try:
        n = int(float(text[:32]))
    except (TypeError, ValueError, OverflowError):  # 'abc', 'nan', 'inf', '1e400'
        return 1
    return min(SMOOTHING, key=lambda s: abs(s - n)) if n >= 1 else 1


def _init_state(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


# ------------------------------------------------------------------------------ the shared controls


def chosen_options() -> ChartOptions:
    """The options the controls hold (their state, first filled from the URL), without drawing them.

    app.py reads these, runs the page and draws the controls (:func:`draw_controls`) after it, so the page's
    charts reach the browser before the controls: each kind of widget is a script the browser fetches, and
    fetched first they held up Plotly's (docs/dashboard.md). A click on a control reruns the script, and
    Streamlit has put the control's new value in its state before this reads it."""
    reg = data.framework_registry()
    known = reg.ids()
    _init_state("frameworks", parse_frameworks(_qp("fw"), known) or reg.ids("main"))
    _init_state("date_from", parse_date(_qp("from")))
    _init_state("date_to", parse_date(_qp("to")))
    _init_state("scale", parse_choice(_qp("scale"), SCALES, "linear"))
    _init_state("mode", parse_choice(_qp("mode"), MODES, "absolute"))
    _init_state("align", parse_bool(_qp("align")))
    _init_state("smoothing", parse_smoothing(_qp("smooth")))
    state = st.session_state
    # A stale or hand-edited state must not crash the widgets.
    state["frameworks"] = [f for f in state["frameworks"] or () if f in known]
    start, end = state["date_from"], state["date_to"]
    if start and end and start > end:
        start, end = end, start  # draw_controls says so
    opts = ChartOptions(
        frameworks=tuple(state["frameworks"]),
        start=start or None,
        end=end or None,
        log=state["scale"] == "log",
        mode=state["mode"],
        align=bool(state["align"]),
        smoothing=int(state["smoothing"]),
    )
    _write_url(opts)
    state[_STATE] = opts
    state[_RUN] = state.get("_fwpulse_run", 0)
    return opts


def draw_controls() -> None:
    """Draw the shared sidebar controls on the state :func:`chosen_options` read.

    Pills and segmented controls rather than a multiselect, radios, a toggle and a slider: each kind of widget
    is its own script in the browser, and the five kinds cost the Overview's first paint about 0.15 s more
    (docs/dashboard.md). The dates keep their pickers: a day must be typeable."""
    reg = data.framework_registry()
    names = reg.names()
    with st.sidebar:
        st.header("Compare")
        st.pills(
            "Frameworks",
            options=reg.ids(),
            format_func=lambda fid: names[fid],
            selection_mode="multi",
            key="frameworks",
            help="The four main frameworks by default; the 2020 article's ecosystem (Theano, Chainer, ...) is available too.",
        )
        c1, c2 = st.columns(2)
        start = c1.date_input(
            "From", key="date_from", min_value=DATE_MIN, max_value=DATE_MAX, help="Empty: from the first stored value."
        )
        end = c2.date_input(
            "To", key="date_to", min_value=DATE_MIN, max_value=DATE_MAX, help="Empty: up to the newest stored value."
        )
        st.segmented_control("Scale", SCALES, key="scale", required=True)
        st.segmented_control(
            "Show",
            MODES,
            key="mode",
            format_func=lambda m: MODE_LABELS[m],
            required=True,
            help="Index: every series starts at 100. Share: each framework's % of the selected total per month.",
        )
        st.segmented_control(
            "x axis",
            (False, True),
            key="align",
            format_func=lambda a: "Years since first point" if a else "Date",
            required=True,
            help="Years since first point: each series' x is the time since its first data point (in the date range).",
        )
        st.segmented_control("Smoothing (rolling mean, points)", SMOOTHING, key="smoothing", required=True)
        st.caption("The URL keeps these settings: copy it to share this view.")
        if start and end and start > end:
            st.warning("'From' is after 'To': the dates were swapped.")


def controls() -> ChartOptions:
    """The options, with the controls drawn at once (a view run on its own, as the tests do)."""
    opts = chosen_options()
    draw_controls()
    return opts


def _write_url(opts: ChartOptions) -> None:
    wanted = {
        "fw": ",".join(opts.frameworks),
        "from": opts.start.isoformat() if opts.start else None,
        "to": opts.end.isoformat() if opts.end else None,
        "scale": "log" if opts.log else None,
        "mode": opts.mode if opts.mode != "absolute" else None,
        "align": "1" if opts.align else None,
        "smooth": str(opts.smoothing) if opts.smoothing > 1 else None,
    }
    for key, value in wanted.items():
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != value:
            st.query_params[key] = value


def options() -> ChartOptions:
    """The options chosen in this run's sidebar (drawing the controls if ``app.py`` did not)."""
    if st.session_state.get(_RUN) != st.session_state.get("_fwpulse_run", 0) or _STATE not in st.session_state:
        return controls()
    return st.session_state[_STATE]


def fatal_message(exc: BaseException) -> str | None:
    """The page-wide message for an error no view can work around (damaged database, broken
    config), the same line the CLI prints; None for anything else."""
    from fwpulse.data.db_errors import DatabaseDamaged, is_damage_error, short_reason
    from fwpulse.data.registry import ConfigError

    if isinstance(exc, DatabaseDamaged):
        return str(exc)
    if is_damage_error(exc):
        return str(DatabaseDamaged(data.settings().db_path, short_reason(exc)))
    if isinstance(exc, ConfigError):
        return f"config error: {exc}"
    return None


def page(title: str, caption: str | None = None) -> ChartOptions | None:
    """A view's title (and caption under it) and the sidebar's options; None, after saying what to do, when no
    framework is picked (the view then shows nothing more)."""
    st.title(title)
    if caption:
        st.caption(caption)
    opts = options()
    if not opts.frameworks:
        st.warning("Pick at least one framework in the sidebar.")
        return None
    # The one place the view says which of its charts have no data yet, and the command that fills each.
    page_text.open_boxes()
    return opts


def begin_run() -> None:
    """Called by app.py at the top of every run, so :func:`options` knows the controls are current and the run
    has its Settings (:func:`fwpulse.dashboard.data.begin_run`)."""
    data.begin_run()
    st.session_state["_fwpulse_run"] = st.session_state.get("_fwpulse_run", 0) + 1
    page_text.reset()  # a page's boxes belong to its run, never to the page shown before


def framework_picker() -> list[str]:
    """The chosen frameworks (kept for callers from before the shared sidebar)."""
    return list(options().frameworks)


# ------------------------------------------------------------------------------ charts


def show_chart(chart_id: str, frameworks: list[str] | ChartOptions | None = None) -> Chart:
    """Render one registry chart, its caption, notes and a CSV of exactly the plotted data.

    Empty data is said once per view: the chart's title joins the box at the top of the page that names
    what is not shown yet and the command that fills it.
    """
    reg = data.framework_registry()
    spec = registry.CHARTS[chart_id]
    if frameworks is None:
        opts = options()
    elif isinstance(frameworks, ChartOptions):
        opts = frameworks
    else:
        opts = ChartOptions(frameworks=tuple(frameworks))
    try:
        dark = st.context.theme.type == "dark"  # None (not known yet, e.g. a session's first run): light
        chart = data.rendered(chart_id, opts, reg.names(), reg.colors(), dark=dark)
    except Exception as exc:  # noqa: BLE001 - one broken chart must not take the view down
        from fwpulse.data.db_errors import is_damage_error

        if is_damage_error(exc):
            raise  # app.py shows the one-line diagnosis instead of the page
        st.error(
            f"**{spec.title}** could not be drawn ({type(exc).__name__}: {exc}). The other charts are unaffected; "
            "please report this with the URL."
        )
        return Chart(spec, None, data_frame_empty(), "", empty_reason=str(exc))
    if chart.figure is None:
        page_text.say_missing(spec, chart.empty_reason)
        return chart
    st.plotly_chart(
        chart.figure,
        theme=None,  # drawn as built (plotly_white, or kit.for_dark_page); Streamlit's restyling cost 0.1-0.2 s a page
        key=f"chart-{chart_id}",
        config={
            "toImageButtonOptions": {"format": "png", "filename": chart_id, "scale": 2},
            "modeBarButtonsToAdd": ["toImage"],
            "displaylogo": False,
        },
    )
    st.caption(chart.caption)
    page_text.say_notes(spec, chart.notes)
    # The CSV, then the article files in one popover: its buttons are drawn in the browser only when it opens (15
    # download buttons were about 0.07 s of the Overview's first paint).
    row = st.container(horizontal=True, gap="small")
    row.download_button(
        "Download the plotted data (CSV)",
        lambda data=chart.data: read.plotted_csv(data),  # built when clicked, not on every page run
        file_name=f"{chart_id}.csv",
        mime="text/csv",
        key=f"csv-{chart_id}",
    )
    kinds = export_formats.buttons()
    box = row.popover(f"Article files ({', '.join(k.upper() for k in kinds)})")
    export_buttons(chart, opts, reg.names(), [box] * len(kinds), data.settings().browser_path)
    return chart


def data_frame_empty():
    import pandas as pd

    return pd.DataFrame()
