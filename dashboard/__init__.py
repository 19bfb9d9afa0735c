"""The Streamlit dashboard (store -> pictures). ``APP_PATH`` is the script Streamlit runs."""

from pathlib import Path

from fwpulse import only_as

only_as(__name__, "fwpulse.dashboard")

APP_PATH = Path(__file__).resolve().parent / "app.py"
