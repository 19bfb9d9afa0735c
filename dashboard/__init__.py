"""The Streamlit dashboard (store -> pictures). ``APP_PATH`` is the script Streamlit runs."""

from pathlib import Path

if __name__ != "fwpulse.dashboard":  # one name only: `dashboard.x` and `fwpulse.dashboard.x` would be two copies
    raise ImportError(
        f"import this folder as fwpulse.dashboard, not as {__name__!r} "
        "(install the checkout with `pip install -e .` and use `import fwpulse.dashboard`)"
    )

APP_PATH = Path(__file__).resolve().parent / "app.py"
