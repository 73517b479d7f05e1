"""Streamlit entry point (`streamlit run app.py`; `make run` serves it warmed through
optimizer.ui.serve). The app lives in optimizer.ui."""

from optimizer.ui import main

main()
