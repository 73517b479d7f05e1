"""The warmed launcher (`python -m optimizer.ui.serve`, what `make run` starts)."""

from __future__ import annotations

import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from optimizer.reports import messages
from optimizer.ui import serve

FROM_CACHE = messages.text("app.from_cache", "en").strip()


def _first_visit() -> str:
    """The status line a first visitor's page shows."""
    at = AppTest.from_file(str(serve.APP), default_timeout=120).run()
    assert not at.exception
    return " ".join(c.value for c in at.caption)


def test_the_first_visitor_after_a_warm_start_is_answered_from_the_cache():
    st.cache_resource.clear()
    st.cache_data.clear()
    cold = _first_visit()
    assert re.search(r"solved in [0-9.]+ s", cold) and FROM_CACHE not in cold
    st.cache_resource.clear()
    st.cache_data.clear()
    assert serve.warm() > 0
    assert FROM_CACHE in _first_visit()  # the solve was done before the visitor came


def test_a_page_that_fails_while_warming_stops_the_launch_and_logs_why(tmp_path, caplog):
    broken = tmp_path / "app.py"
    broken.write_text("raise ValueError('the bundled data is missing')\n")
    with pytest.raises(SystemExit, match="failed while warming up"):
        serve.warm(broken)
    assert "ValueError: the bundled data is missing" in caplog.text
