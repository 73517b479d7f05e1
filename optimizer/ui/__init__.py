"""The Streamlit app: the only package that imports streamlit.

app.py calls main(), which draws the page (optimizer.ui.page); `python -m optimizer.ui.serve`
starts the server warmed (what `make run` does). The page is imported only when it is drawn, so
the launcher can set Streamlit's logging up before any view module loads.
"""


def main() -> None:
    from .page import main as draw

    draw()
