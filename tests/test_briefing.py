"""The briefing: one self-contained HTML page in Korean or English, with the policy in words,
headline figures, the chain, binding constraints and shortfalls; offline and injection-safe."""

from __future__ import annotations

import re
import unicodedata

import pytest

from optimizer import Policy, load_dataset, optimize
from optimizer.reports import briefing, messages

HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.fixture(scope="module")
def solution():
    return optimize(load_dataset(), Policy(caps={"CHN": 0.6}))


def money(x):
    return "–" if x is None else f"USD {x / 1e6:,.1f} M"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_briefing_is_self_contained_and_in_the_language(solution, lang):
    page = briefing.build(solution, lang, money, "Minimise the HHI; CHN ≤ 60%.")
    assert page.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in page
    assert messages.text("brief.title", lang) in page
    # offline: nothing that loads anything
    for bad in ("<script", "<img", "<link", "<iframe", "src=", "href=", "url(", "@import"):
        assert bad not in page.lower(), bad
    assert not re.search(r"https?://", page)
    assert bool(HANGUL.search(page)) == (lang == "ko")
    # the figures are the solution's
    assert money(solution.total_cost_usd) in page
    assert f"{solution.worst_stage()[1] * 100:.1f}%" in page
    for stage in solution.stage_portfolio().index:
        assert messages.text(f"stage.{stage}", lang) in page
    binding = solution.shadow_prices[solution.shadow_prices["binding"]]
    assert len(binding)
    # the library's explanations in the briefing's language, with the English one's numbers
    for text, english in zip(messages.explain(binding, lang), binding["explanation"], strict=True):
        assert briefing.html.escape(text) in page
        assert (text == english) == (lang == "en")
        for number in re.findall(r"[-+]?\d[\d,]*(?:\.\d+)?%?", english):
            assert number in text, (number, text)
    assert "Minimise the HHI; CHN ≤ 60%." in page


def test_briefing_says_shortfalls_and_what_is_worse(solution):
    short = optimize(load_dataset(), Policy(caps={"CHN": 0.0}))
    page = briefing.build(short, "en", money, "x")
    assert len(short.shortfalls)
    assert briefing.html.escape(short.shortfalls["explanation"].iloc[0]) in page
    assert "unmet demand (more)" in page


def test_text_from_data_is_escaped(solution):
    hostile = '<img src=x onerror="alert(1)">'
    page = briefing.build(solution, "en", money, f"**Policy** {hostile}", source=hostile)
    assert "<img" not in page and "&lt;img src=x" in page
    assert "<b>Policy</b>" in page  # the app's own bold survives, nothing else


def test_markdown_escapes_are_undone():
    assert briefing.plain(r"CHN \≤ 60\% \(sep\.\)") == "CHN \\≤ 60% (sep.)"


def _need_chromium() -> str:
    found = briefing.chromium()
    if found is None:
        import os

        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail("the PDF briefing needs Chromium; CI=true, so this is a failure")
        pytest.skip("the PDF briefing needs Chromium (apt-get install chromium)")
    return found


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_briefing_prints_to_pdf_with_its_text(solution, lang):
    _need_chromium()
    pypdf = pytest.importorskip("pypdf")
    import io

    page = briefing.build(solution, lang, money, "Minimise the HHI; CHN ≤ 60%.")
    data = briefing.to_pdf(page)
    assert data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(data))
    # NFKC: the PDF's text has ligatures (ﬁ) where the page had two letters
    text = unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in reader.pages))
    assert messages.text("brief.title", lang) in text  # Hangul in the Korean one: a CJK font
    assert bool(HANGUL.search(text)) == (lang == "ko")
    assert money(solution.total_cost_usd) in text
    assert messages.text("brief.policy", lang) in text


def test_pdf_without_chromium_is_a_clear_error(tmp_path):
    with pytest.raises(briefing.PdfError, match="Chromium"):
        briefing.to_pdf("<html></html>", browser=str(tmp_path / "no-such-chromium"))
