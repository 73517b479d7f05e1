"""Streamlit entry point: `make run` (streamlit run app.py). The app lives in optimizer.ui."""

from optimizer.ui import main

main()
