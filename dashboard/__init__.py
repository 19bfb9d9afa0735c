"""The Streamlit dashboard (store -> pictures). ``APP_PATH`` is the script Streamlit runs."""

from pathlib import Path

APP_PATH = Path(__file__).resolve().parent / "app.py"
