"""`python -m optimizer.ui.serve [STREAMLIT FLAGS]`: the app's server, warmed before it listens.

`streamlit run app.py` imports the library, pandas, Plotly, PuLP and HiGHS, loads the dataset
and solves the default policy only when the first visitor connects, so that visitor waits
about two seconds longer than everyone after. This launcher runs the page once in-process
first (Streamlit's own headless runner, the same script a visitor gets), which leaves the
imports loaded and the dataset and the solve in the server's caches, then starts the server
in the same process. A warm-up that fails stops the launch with its message, before anyone
is served a broken page. `make run` and the browser test start the app this way.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"


def warm(app: Path = APP) -> float:
    """Run the app once, headless, as a first visitor would; the seconds it took."""
    from streamlit import config, logger
    from streamlit.testing.v1 import AppTest

    started = time.perf_counter()
    # outside a server Streamlit warns that it runs without one: expected while warming
    logger.set_log_level("error")
    try:
        run = AppTest.from_file(str(app), default_timeout=300).run()
    finally:
        logger.set_log_level(config.get_option("logger.level"))
    if run.exception:
        # the page shows a redacted message (client.showErrorDetails); the log has the error
        raise SystemExit("The app failed while warming up; its error is logged above.")
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import bootstrap, cli

    serve = bootstrap.run

    def warm_then_serve(*args, **kwargs) -> None:
        # Streamlit has read its config files and the flags by now: warming here leaves them
        # as they are (warming first would parse them twice and warn about the second time)
        seconds = warm()
        print(f"  The app is warmed up ({seconds:.1f} s); starting the server.", flush=True)
        serve(*args, **kwargs)

    bootstrap.run = warm_then_serve
    cli.main(["run", str(APP), *(sys.argv[1:] if argv is None else argv)], prog_name="streamlit")


if __name__ == "__main__":
    main()
