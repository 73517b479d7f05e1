"""The app in a real browser (Debian's Chromium via playwright): a control changes a KPI (the
China share at the worst stage, named), the chain view draws two Sankey diagrams, the partner
map draws one shape per country with no request leaving the machine, the Scenarios
heatmap and a sensitivity sweep draw, and the Excel export downloads as a valid workbook. The
East Asia view holds Korea, Japan, China and South-East Asia whole at 1200, 1500 and 1920 px,
the flow widths have a legend, two runs compare with a map of their differences, and the
Korean briefing downloads as HTML and as PDF. Screenshots go to test-artifacts/ (gitignored).

Locally the test skips when /usr/bin/chromium is missing (apt-get install chromium); with
CI=true it fails instead, so CI cannot pass without running it.
"""

from __future__ import annotations

import contextlib
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
from optimizer.reports import briefing, messages
from optimizer.ui import format as fmt

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = list(briefing.CHROMIUM_FLAGS)  # the briefing's: headless, no background hosts
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
    """The app as `make run` starts it (`python -m optimizer.ui.serve`: warmed, then served) on
    a free local port; always terminated at the end."""
    _require_browser()
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "streamlit-server.log", "w")  # noqa: SIM115 - closed in finally
    command = [
        *(sys.executable, "-m", "optimizer.ui.serve"),
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


CHINA_CARD = re.compile("^" + re.escape(messages.text("card.china_worst", "en").split("(")[0]))
HANGUL = re.compile("[\uac00-\ud7a3]")
TIMINGS: dict[str, float] = {}


def _china_label(stage: str, lang: str = "en") -> str:
    name = messages.text(f"stage.{stage}", lang).lower()
    return messages.text("card.china_worst", lang, stage=name)


def _apply(page) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role(
        "button", name=messages.text("sidebar.apply", "en"), exact=True
    ).first.click()


def _hover_country(page, lon: float, lat: float) -> str:
    """Move the mouse over a point of the partner map (plotly's own projection gives the
    pixel) and return the hover label's text ('' when none shows)."""
    point = page.evaluate(
        """([lon, lat]) => {
            const gd = [...document.querySelectorAll('.js-plotly-plot')]
                .find(g => g._fullLayout && g._fullLayout.geo);
            const sub = gd._fullLayout.geo._subplot;
            const [x, y] = sub.projection([lon, lat]);
            const box = gd.getBoundingClientRect();
            const size = gd._fullLayout._size;
            return [box.left + x + 0 * size.l, box.top + y + 0 * size.t];
        }""",
        [lon, lat],
    )
    page.mouse.move(point[0] - 40, point[1] - 40)
    page.mouse.move(point[0], point[1], steps=4)
    page.wait_for_timeout(400)
    return page.evaluate(
        "() => [...document.querySelectorAll('.hoverlayer .hovertext')]"
        ".map(e => e.textContent).join(' | ')"
    )


EAST_ASIA = ("KOR", "JPN", "CHN", "VNM", "LAO", "MMR", "THA", "MYS")
_OUTSIDE_FRAME = """(outlines) => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')]
        .find(g => g._fullLayout && g._fullLayout.geo);
    const sub = gd._fullLayout.geo._subplot;
    const r = sub.bgRect.node().getBBox();
    const out = {};
    for (const [code, points] of Object.entries(outlines)) {
        out[code] = points.filter(([lon, lat]) => {
            const [x, y] = sub.projection([lon, lat]);
            return !(x >= r.x - 1 && x <= r.x + r.width + 1 && y >= r.y - 1 && y <= r.y + r.height + 1);
        }).length;
    }
    return out;
}"""


def _outlines(codes, most: int = 200) -> dict[str, list[list[float]]]:
    """Points on each country's outline (its larger parts; islets left out), for checking that
    a map frame holds the whole country."""
    shapes = geo.load_boundaries().set_index("iso3")
    out = {}
    for code in codes:
        geom = shapes.at[code, "geometry"]
        parts = list(getattr(geom, "geoms", [geom]))
        big = max(p.area for p in parts)
        coords = [c for p in parts if p.area > 0.02 * big for c in p.exterior.coords]
        out[code] = [[float(x), float(y)] for x, y in coords[:: max(1, len(coords) // most)]]
    return out


def _hostile_zip() -> bytes:
    import io
    import zipfile

    import pandas as pd

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for path in sorted((REPO / "data").glob("*.csv")):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            if path.stem == "suppliers":
                frame.loc[frame["supplier"] == "VNM", "name"] = '<img src=x onerror="window.hit=1">'
                frame.loc[frame["supplier"] == "LAO", "name"] = "![x](http://evil.example/x.png)"
            if path.stem == "scenarios":
                frame.loc[:, "description"] = "![p](http://evil.example/p.png) <img src=y>"
            if path.stem == "meta":
                frame.loc[frame["key"] == "name", "value"] = "[link](http://evil.example)"
            z.writestr(path.name, frame.to_csv(index=False))
    return buffer.getvalue()


def _open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    page.wait_for_timeout(300)
    _wait_idle(page)


def _wait_idle(page) -> None:
    """Wait until the app has finished its rerun (no 'Running...' status widget)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=UI_TIMEOUT
    )


def _type_name(page, box, name: str) -> None:
    """Type a name into a text box and wait until the app holds it: a rerun still drawing the
    page can redraw the box and drop what was typed, so type again until it stays."""
    for _ in range(3):
        box.fill(name)
        box.press("Enter")
        _wait_idle(page)
        page.wait_for_timeout(300)
        _wait_idle(page)
        if box.input_value() == name:
            return
    assert box.input_value() == name


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
        started = time.perf_counter()
        page.goto(server, wait_until="domcontentloaded")
        china = _metric_value(page, CHINA_CARD)
        expect(china).to_be_visible(timeout=UI_TIMEOUT)
        TIMINGS["first load until the headline figures show"] = time.perf_counter() - started
        _wait_idle(page)
        before = china.inner_text()
        dataset = load_dataset()
        first = optimize(dataset, Policy())
        assert before == fmt.pct(first.worst_stage()[1])
        expect(page.get_by_text(_china_label(first.worst_stage()[0]), exact=True)).to_be_visible()
        # English mode still draws Hangul (the language switch, the 억원 option): the font is in
        assert HANGUL.search(page.locator('[data-testid="stSidebar"]').inner_text())
        page.screenshot(path=ARTIFACTS / "browser-1-overview.png", full_page=True)

        # Lower the China cap with the keyboard, as a user would in a meeting: nothing is
        # solved while the slider moves; Apply solves once.
        slider = (
            page.locator('[data-testid="stSlider"]')
            .filter(has_text="China cap")
            .get_by_role("slider")
        )
        slider.focus()
        for _ in range(40):
            slider.press("ArrowLeft")
        expect(slider).to_have_value("60", timeout=UI_TIMEOUT)
        page.wait_for_timeout(600)
        assert china.inner_text() == before  # not applied yet: no queue of reruns
        started = time.perf_counter()
        _apply(page)
        expect(china).not_to_have_text(before, timeout=UI_TIMEOUT)
        TIMINGS["control change (Apply) until the figure settles"] = time.perf_counter() - started
        _wait_idle(page)
        expected = optimize(dataset, Policy(caps={"CHN": 0.6})).worst_stage()[1]
        expect(china).to_have_text(fmt.pct(expected), timeout=UI_TIMEOUT)
        assert "china=60" in page.url  # the settings are in the URL
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

        # The partner map, East Asia by default: hover reaches Vietnam, Laos and Korea (no
        # marker captures it), at the mine stage where Vietnam and Laos are in play.
        started = time.perf_counter()
        _open_tab(page, "Partner map")
        shapes = page.locator(".js-plotly-plot .choroplethlayer g.trace.choropleth").first
        expect(shapes.locator("path").first).to_be_attached(timeout=UI_TIMEOUT)
        TIMINGS["tab opened (Partner map) until the map draws"] = time.perf_counter() - started
        picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Stage").first
        picker.click()
        page.get_by_role("option", name="Mine", exact=True).click()
        _wait_idle(page)
        page.wait_for_timeout(800)
        points = geo.centroids(["VNM", "LAO", "KOR"], geo.load_boundaries()).set_index("iso3")
        for code, name in (("VNM", "Vietnam"), ("LAO", "Laos"), ("KOR", "Korea")):
            shown = _hover_country(
                page, float(points.at[code, "lon"]), float(points.at[code, "lat"])
            )
            assert f"({code})" in shown or name in shown, (code, shown)
            if code != "KOR":
                assert "t ·" in shown and "Capacity at" in shown, (code, shown)  # data, not a name
        page.screenshot(path=ARTIFACTS / "browser-3-partner-map-east-asia.png", full_page=True)
        # the flow widths have a legend in tonnes
        expect(page.get_by_text(messages.text("map.flow_legend", "en")).first).to_be_attached(
            timeout=UI_TIMEOUT
        )
        # the East Asia view shows every partner of the region whole, from 1200 to 1920 px wide
        outlines = _outlines(EAST_ASIA)
        for width in (1200, 1920, 1500):
            page.set_viewport_size({"width": width, "height": 1000})
            page.wait_for_timeout(1200)
            _wait_idle(page)
            outside = page.evaluate(_OUTSIDE_FRAME, outlines)
            assert not any(outside.values()), (width, outside)
        # the map as a PNG, drawn in the browser by plotly (offline)
        page.locator(".js-plotly-plot").first.hover()
        with page.expect_download(timeout=UI_TIMEOUT) as info:
            page.locator('.modebar-btn[data-title*="png" i]').first.click()
        png = tmp_path / "map.png"
        info.value.save_as(png)
        assert info.value.suggested_filename.endswith(".png")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        # the world view: one SVG path per country of the boundary file
        page.locator("[data-testid=stButtonGroup] button", has_text="World").first.click()
        _wait_idle(page)
        countries = len(geo.load_boundaries())
        paths = shapes.locator("path")
        expect(paths).to_have_count(countries, timeout=UI_TIMEOUT)
        count_drawn = """() => [...document.querySelectorAll(
                '.choroplethlayer g.trace.choropleth path')]
                .filter(p => (p.getAttribute('d') || '').length > 20).length"""
        with contextlib.suppress(Exception):
            page.wait_for_function(f"() => ({count_drawn})() >= {0.9 * countries}", timeout=20_000)
        drawn = page.evaluate(count_drawn)
        assert drawn >= 0.9 * countries, f"only {drawn} of {countries} country shapes drawn"
        expect(page.get_by_text("Made with Natural Earth", exact=False)).to_be_visible()
        page.wait_for_timeout(500)
        page.screenshot(path=ARTIFACTS / "browser-3b-partner-map-world.png", full_page=True)

        for i, tab in enumerate(("Allocation", "Constraints"), start=4):
            _open_tab(page, tab)
            if tab != "Constraints":
                expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(
                    timeout=UI_TIMEOUT
                )
            page.wait_for_timeout(800)
            page.screenshot(path=ARTIFACTS / f"browser-{i}-{tab.lower()}.png", full_page=True)
        # the frontier is solved on demand, with a progress bar
        _open_tab(page, "Frontier")
        page.get_by_role("button", name=re.compile("Draw the frontier")).click()
        expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible(timeout=UI_TIMEOUT)
        _wait_idle(page)
        page.screenshot(path=ARTIFACTS / "browser-6-frontier.png", full_page=True)

        # Scenarios: the stress heatmap (two panels, one per mix) and a scenario's details.
        _open_tab(page, "Scenarios")
        heatmap = page.locator(".js-plotly-plot").first
        expect(heatmap).to_be_visible(timeout=UI_TIMEOUT)
        expect(heatmap.locator("g.hm image, .heatmaplayer image").first).to_be_attached(
            timeout=UI_TIMEOUT
        )
        picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Scenario").last
        picker.click()
        picker.press("ArrowDown")
        page.get_by_role("option").filter(has_text="china-embargo").click()
        expect(
            page.get_by_text("China stops every rare-earth export to Korea", exact=False)
        ).to_be_visible(timeout=UI_TIMEOUT)
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

        # Two named runs side by side: the current one, then EU CRMA.
        _open_tab(page, "Runs")
        name_box = page.get_by_label("Name of the run")
        _type_name(page, name_box, "China 60")
        page.get_by_role("button", name="Save the current run").click()
        expect(page.get_by_text("Saved as", exact=False).first).to_be_visible(timeout=UI_TIMEOUT)
        preset = page.locator('[data-testid="stSelectbox"]').filter(has_text="Preset").first
        preset.click()
        page.get_by_role("option", name=re.compile("EU CRMA")).click()
        _wait_idle(page)
        _type_name(page, name_box, "EU CRMA")
        page.get_by_role("button", name="Save the current run").click()
        _wait_idle(page)
        expect(page.get_by_text("Compare runs", exact=False)).to_be_visible(timeout=UI_TIMEOUT)
        cell = page.locator('td[role="gridcell"]', has_text="Cost of the optimized mix").first
        expect(cell).to_have_count(1, timeout=UI_TIMEOUT)
        row = cell.locator("xpath=..").locator('td[role="gridcell"]').all_text_contents()
        assert len(row) >= 3 and all(v.startswith("USD") for v in row[1:3]), row
        # the map of differences between the two runs, in the one diverging palette
        diff_map = page.locator(".js-plotly-plot").filter(has=page.locator(".choroplethlayer"))
        expect(diff_map.first.locator(".choroplethlayer path").first).to_be_attached(
            timeout=UI_TIMEOUT
        )
        # the legend is the colour bar's title, drawn after the shapes
        expect(page.get_by_text("blue: less in EU CRMA", exact=False).first).to_be_attached(
            timeout=UI_TIMEOUT
        )
        page.wait_for_timeout(500)
        page.screenshot(path=ARTIFACTS / "browser-11-runs-compared.png", full_page=True)

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
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(broken)
        expect(page.get_by_text("broken.zip was not loaded", exact=False).first).to_be_visible(
            timeout=UI_TIMEOUT
        )
        cell = page.locator('td[role="gridcell"]', has_text="broken.zip: elements.csv").first
        expect(cell).to_have_count(1, timeout=UI_TIMEOUT)
        row = cell.locator("xpath=..").locator('td[role="gridcell"]').all_text_contents()
        assert row[:4] == ["broken.zip: elements.csv", "3", "demand_t", "lots"], row
        _wait_idle(page)
        _open_tab(page, "Overview")
        expect(page.get_by_text("sha256", exact=False).first).to_be_visible()
        page.locator('[data-testid="stSidebarContent"]').evaluate(
            "e => e.scrollTop = e.scrollHeight"
        )
        page.wait_for_timeout(500)
        page.screenshot(path=ARTIFACTS / "browser-8-bad-upload.png")
    finally:
        page.close()

    # Korean, from the URL: Hangul drawn with a CJK font, and a Korean briefing downloads.
    page = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(f"{server}/?lang=ko", wait_until="domcontentloaded")
        title = page.get_by_text(messages.text("app.title", "ko"), exact=True)
        expect(title).to_be_visible(timeout=UI_TIMEOUT)
        china_ko = _metric_value(
            page, re.compile("^" + re.escape(messages.text("card.china_worst", "ko").split("(")[0]))
        )
        expect(china_ko).to_have_text(fmt.pct(first.worst_stage()[1]), timeout=UI_TIMEOUT)
        _wait_idle(page)
        # a CJK font draws the title: its width is that of real glyphs, not of empty boxes
        fonts = page.evaluate("() => document.fonts.check('16px \"Noto Sans CJK KR\"')")
        assert fonts is not False
        page.screenshot(path=ARTIFACTS / "browser-12-korean.png", full_page=True)
        page.get_by_role("tab", name=messages.text("tab.export", "ko"), exact=True).click()
        _wait_idle(page)
        button = page.get_by_role("button", name=re.compile(re.escape("회의용 브리핑 (.html)")))
        expect(button).to_be_visible(timeout=UI_TIMEOUT)
        with page.expect_download(timeout=UI_TIMEOUT) as info:
            button.click()
        brief = tmp_path / "briefing.html"
        info.value.save_as(brief)
        text = brief.read_text(encoding="utf-8")
        assert messages.text("brief.title", "ko") in text and "<script" not in text
        viewer = browser.new_page()
        viewer.on("request", lambda r: requests.append(r.url))
        viewer.goto(brief.as_uri())
        expect(viewer.get_by_text(messages.text("brief.policy", "ko"), exact=True)).to_be_visible()
        viewer.screenshot(path=ARTIFACTS / "browser-13-briefing-ko.png", full_page=True)
        viewer.close()
        pdf_button = page.get_by_role("button", name=re.compile(re.escape("브리핑의 PDF")))
        expect(pdf_button).to_be_visible(timeout=UI_TIMEOUT)
        with page.expect_download(timeout=UI_TIMEOUT) as info:
            pdf_button.click()
        pdf = tmp_path / "briefing.pdf"
        info.value.save_as(pdf)
        assert pdf.read_bytes()[:5] == b"%PDF-"
        pypdf = pytest.importorskip("pypdf")
        first = pypdf.PdfReader(pdf).pages[0].extract_text()
        assert messages.text("brief.title", "ko") in first
    finally:
        page.close()

    # A hostile dataset: names and descriptions holding HTML and Markdown that would load
    # something. Nothing is injected and nothing is asked of another host.
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(server, wait_until="domcontentloaded")
        expect(_metric_value(page, CHINA_CARD)).to_be_visible(timeout=UI_TIMEOUT)
        hostile = tmp_path / "hostile.zip"
        hostile.write_bytes(_hostile_zip())
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(hostile)
        expect(page.get_by_text("hostile.zip", exact=False).first).to_be_visible(timeout=UI_TIMEOUT)
        _wait_idle(page)
        for tab in ("Overview", "Partner map", "Scenarios", "Allocation"):
            _open_tab(page, tab)
            page.wait_for_timeout(600)
            assert page.locator('img[src="x"], img[src="y"], img[src*="evil"]').count() == 0, tab
            links = page.locator('a[href*="evil"]')
            assert links.count() == 0, (tab, links.first.evaluate("e => e.parentElement.outerHTML"))
            assert page.evaluate("() => window.hit === undefined"), tab
        page.screenshot(path=ARTIFACTS / "browser-14-hostile.png", full_page=True)
    finally:
        page.close()

    for what, seconds in TIMINGS.items():
        print(f"timing: {what}: {seconds:.2f} s")
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
