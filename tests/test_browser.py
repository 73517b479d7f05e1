"""The app in a real browser (Debian's Chromium via playwright): a control changes a KPI (the
China share at the worst stage, named), the chain view draws two Sankey diagrams, the partner
map draws one shape per country with no request leaving the machine, the Scenarios
heatmap and a sensitivity sweep draw, and the Excel export downloads as a valid workbook. Screenshots go to test-artifacts/ (gitignored).

Locally the test skips when /usr/bin/chromium is missing (apt-get install chromium); with
CI=true it fails instead, so CI cannot pass without running it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from optimizer import Policy, geo, load_dataset, optimize
from optimizer.ui import format as fmt
from optimizer.ui import overview

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
START_TIMEOUT = 90.0
UI_TIMEOUT = 60_000  # ms


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (install it with: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package (pip install -e '.[test]')")
    if not missing:
        return
    reason = "browser test needs " + " and ".join(missing)
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"{reason}; CI=true, so this is a failure, not a skip")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """`streamlit run app.py` on a free local port; always terminated at the end."""
    _require_browser()
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "streamlit-server.log", "w")  # noqa: SIM115 - closed in finally
    command = [
        *(sys.executable, "-m", "streamlit", "run", "app.py"),
        *("--server.headless", "true", "--server.address", "127.0.0.1"),
        *("--server.port", str(port), "--browser.gatherUsageStats", "false"),
    ]
    proc = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer /_stcore/health in {START_TIMEOUT:.0f} s")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _metric_value(page, label: str | re.Pattern):
    exact = isinstance(label, str)
    return (
        page.locator('[data-testid="stMetric"]')
        .filter(has=page.get_by_text(label, exact=exact))
        .locator('[data-testid="stMetricValue"]')
    )


CHINA_CARD = re.compile("^" + re.escape(overview.CHINA_WORST.split("(")[0]))


def _open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_timeout(300)
    _wait_idle(page)


def _wait_idle(page) -> None:
    """Wait until the app has finished its rerun (no 'Running...' status widget)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=UI_TIMEOUT
    )


def _broken_zip() -> bytes:
    import io
    import zipfile

    import pandas as pd

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for path in sorted((REPO / "data").glob("*.csv")):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            if path.stem == "elements":
                frame.loc[1, "demand_t"] = "lots"
            z.writestr(path.name, frame.to_csv(index=False))
    return buffer.getvalue()


def test_app_in_a_real_browser(server, browser, tmp_path):
    from playwright.sync_api import expect

    requests: list[str] = []
    page = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    try:
        page.goto(server, wait_until="domcontentloaded")
        china = _metric_value(page, CHINA_CARD)
        expect(china).to_be_visible(timeout=UI_TIMEOUT)
        _wait_idle(page)
        before = china.inner_text()
        dataset = load_dataset()
        first = optimize(dataset, Policy())
        assert before == fmt.pct(first.worst_stage()[1])
        label = overview.CHINA_WORST.format(stage=first.worst_stage()[0])
        expect(page.get_by_text(label, exact=True)).to_be_visible()
        page.screenshot(path=ARTIFACTS / "browser-1-overview.png", full_page=True)

        # Lower the China cap with the keyboard, as a user would in a meeting.
        slider = (
            page.locator('[data-testid="stSlider"]')
            .filter(has_text="China cap")
            .get_by_role("slider")
        )
        slider.focus()
        for _ in range(40):
            slider.press("ArrowLeft")
        expect(slider).to_have_value("60", timeout=UI_TIMEOUT)
        expect(china).not_to_have_text(before, timeout=UI_TIMEOUT)
        _wait_idle(page)
        expected = optimize(dataset, Policy(caps={"CHN": 0.6})).worst_stage()[1]
        expect(china).to_have_text(fmt.pct(expected), timeout=UI_TIMEOUT)
        page.screenshot(path=ARTIFACTS / "browser-2-china-cap-60.png", full_page=True)

        # The chain: two Sankey diagrams (today, optimized), each with links drawn.
        _open_tab(page, "Supply chain")
        sankeys = page.locator(".js-plotly-plot g.sankey")
        expect(sankeys).to_have_count(2, timeout=UI_TIMEOUT)
        for i in range(2):
            links = sankeys.nth(i).locator("path.sankey-link")
            expect(links.first).to_be_attached(timeout=UI_TIMEOUT)
            assert links.count() > 3
        expect(page.get_by_text("Korea", exact=True).first).to_be_visible()
        page.wait_for_timeout(500)
        page.screenshot(path=ARTIFACTS / "browser-2b-supply-chain.png", full_page=True)

        # The partner map: one SVG path per country of the boundary file, drawn offline.
        _open_tab(page, "Partner map")
        countries = len(geo.load_boundaries())
        paths = page.locator(".js-plotly-plot .choroplethlayer g.trace.choropleth").first.locator(
            "path"
        )
        expect(paths).to_have_count(countries, timeout=UI_TIMEOUT)
        drawn = page.evaluate(
            """() => [...document.querySelectorAll(
                '.choroplethlayer g.trace.choropleth path')]
                .filter(p => (p.getAttribute('d') || '').length > 20).length"""
        )
        assert drawn >= 0.9 * countries, f"only {drawn} of {countries} country shapes drawn"
        expect(page.get_by_text("Made with Natural Earth", exact=False)).to_be_visible()
        page.wait_for_timeout(500)
        page.screenshot(path=ARTIFACTS / "browser-3-partner-map.png", full_page=True)

        for i, tab in enumerate(("Allocation", "Frontier", "Constraints"), start=4):
            _open_tab(page, tab)
            if tab != "Constraints":  # wait for the charts (the frontier solves 25 budgets)
                expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(
                    timeout=UI_TIMEOUT
                )
            expect(page.get_by_text("Solving", exact=False)).to_have_count(0, timeout=UI_TIMEOUT)
            page.wait_for_timeout(800)
            page.screenshot(path=ARTIFACTS / f"browser-{i}-{tab.lower()}.png", full_page=True)

        # Scenarios: the stress heatmap (two panels, one per mix) and a scenario's details.
        _open_tab(page, "Scenarios")
        heatmap = page.locator(".js-plotly-plot").first
        expect(heatmap).to_be_visible(timeout=UI_TIMEOUT)
        expect(heatmap.locator("g.hm image, .heatmaplayer image").first).to_be_attached(
            timeout=UI_TIMEOUT
        )
        picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Scenario").last
        # a click may land on the label, which only focuses the box: open it from the keyboard
        picker.click()
        picker.press("ArrowDown")
        page.get_by_role("option").filter(has_text="china-embargo").click()
        expect(page.get_by_text("China stops all rare-earth exports", exact=False)).to_be_visible(
            timeout=UI_TIMEOUT
        )
        _wait_idle(page)
        page.wait_for_timeout(800)
        page.screenshot(path=ARTIFACTS / "browser-9-scenarios.png", full_page=True)

        # Sensitivity: the default two-parameter sweep runs with a progress bar and draws.
        _open_tab(page, "Sensitivity")
        page.get_by_role("button", name=re.compile(r"Run sweep")).click()
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=UI_TIMEOUT)
        expect(page.get_by_role("button", name=re.compile(r"Sweep table"))).to_be_visible(
            timeout=UI_TIMEOUT
        )
        _wait_idle(page)
        page.wait_for_timeout(800)
        page.screenshot(path=ARTIFACTS / "browser-10-sensitivity.png", full_page=True)

        # The Excel export downloads and opens as a workbook with the allocation.
        _open_tab(page, "Export")
        button = page.get_by_role("button", name=re.compile(r"Allocation and reports \(\.xlsx\)"))
        expect(button).to_be_visible(timeout=UI_TIMEOUT)
        expect(page.get_by_role("button", name=re.compile(r"Run bundle"))).to_be_visible()
        page.screenshot(path=ARTIFACTS / "browser-7-export.png", full_page=True)
        with page.expect_download(timeout=UI_TIMEOUT) as info:
            button.click()
        target = tmp_path / "allocation.xlsx"
        info.value.save_as(target)
        import openpyxl

        book = openpyxl.load_workbook(target, read_only=True)
        assert "allocation" in book.sheetnames and "policy" in book.sheetnames
        header = next(book["allocation"].iter_rows(max_row=1, values_only=True))
        assert {"element", "stage", "plant", "country", "tonnes"} <= set(header)
        book.close()

        # A broken upload is listed by file, row and column; the results stay.
        broken = tmp_path / "broken.zip"
        broken.write_bytes(_broken_zip())
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(broken)
        expect(page.get_by_text("broken.zip was not loaded", exact=False).first).to_be_visible(
            timeout=UI_TIMEOUT
        )
        # Grid cells are drawn on a canvas; their text lives in an accessible (hidden) table.
        cell = page.locator('td[role="gridcell"]', has_text="broken.zip: elements.csv").first
        expect(cell).to_have_count(1, timeout=UI_TIMEOUT)
        row = cell.locator("xpath=..").locator('td[role="gridcell"]').all_text_contents()
        assert row[:4] == ["broken.zip: elements.csv", "3", "demand_t", "lots"], row
        _wait_idle(page)
        _open_tab(page, "Overview")
        expect(china).to_have_text(fmt.pct(expected), timeout=UI_TIMEOUT)  # results kept
        expect(page.get_by_text("sha256", exact=False).first).to_be_visible()
        page.locator('[data-testid="stSidebarContent"]').evaluate(
            "e => e.scrollTop = e.scrollHeight"
        )
        page.wait_for_timeout(500)
        page.screenshot(path=ARTIFACTS / "browser-8-bad-upload.png")
    finally:
        page.close()

    outside = sorted(
        {
            u
            for u in requests
            if urlparse(u).scheme in ("http", "https", "ws", "wss")
            and urlparse(u).hostname != "127.0.0.1"
        }
    )
    assert requests, "no request was recorded"
    assert not outside, f"the page asked hosts other than 127.0.0.1: {outside}"
