"""The message catalogue: one set of ids, each with English and Korean text and the same
placeholders in both; every id the app asks for exists; the glossary covers the app's terms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optimizer.reports import messages

UI = Path(__file__).resolve().parent.parent / "optimizer" / "ui"
HANGUL = re.compile("[\uac00-\ud7a3]")


def test_catalogue_is_complete_and_consistent():
    assert messages.problems() == []
    assert len(messages.CATALOGUE) > 300


def test_korean_is_a_translation_not_a_copy():
    same = [k for k, e in messages.CATALOGUE.items() if e["en"] == e["ko"]]
    # only terms spelt alike in both languages (HHI, WGI, FORGE, a formula)
    assert len(same) <= 12, same
    for key in same:  # no English word (lower case, 4+ letters) outside a placeholder
        english = re.sub(r"\{[^}]*\}", "", messages.CATALOGUE[key]["en"])
        assert not re.search(r"\b[a-z]{4,}\b", english), key
    korean = [k for k, e in messages.CATALOGUE.items() if HANGUL.search(e["ko"])]
    assert len(korean) >= len(messages.CATALOGUE) - len(same) - 5


def test_text_fills_placeholders_in_either_language():
    assert messages.text("card.china_at", "en", stage="mine") == "China share at mine"
    assert messages.text("card.china_at", "ko", stage="채굴") == "채굴 단계 중국 비중"
    assert messages.text("app.title", "xx") == messages.text("app.title", "en")  # unknown: English
    with pytest.raises(KeyError):
        messages.text("no.such.message", "en")


def literal_ids() -> set[str]:
    ids = set()
    for path in UI.rglob("*.py"):
        ids |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.\-]+)["']""", path.read_text()))
    return ids


def test_every_id_the_app_asks_for_exists():
    missing = sorted(i for i in literal_ids() if i not in messages.CATALOGUE)
    assert not missing, missing
    assert len(literal_ids()) > 250


@pytest.mark.parametrize(
    ("family", "members"),
    [
        ("objective", ("hhi", "wgi-hhi", "max-share", "top3", "cvar", "worst-case", "cost")),
        ("measure", ("hhi", "wgi-hhi", "max-share", "top3", "cvar", "worst-case", "cost")),
        ("rule", ("worst", "sum", "mine", "separation", "metal", "magnet")),
        ("stage", ("mine", "separation", "metal", "magnet", "korea")),
        ("preset", ("none", "korea-2030", "eu-crma", "forge-first")),
        ("weights", ("value", "volume", "equal")),
        ("budget", ("least", "today", "absolute")),
        ("mix", ("baseline", "optimized", "difference", "baseline_long", "optimized_long")),
        (
            "worse",
            (
                "hhi",
                "wgi_hhi",
                "max_share",
                "top3_share",
                "china_share",
                "forge_share",
                "unmet_t",
                "china_share_worst_stage",
            ),
        ),  # fmt: skip
        (
            "tab",
            (
                "overview",
                "chain",
                "allocation",
                "map",
                "frontier",
                "scenarios",
                "sensitivity",
                "constraints",
                "runs",
                "export",
            ),
        ),  # fmt: skip
    ],
)
def test_families_built_from_codes_are_complete(family, members):
    """Ids the app builds from a code (t(f"objective.{o}")) exist for every code it has."""
    for m in members:
        assert f"{family}.{m}" in messages.CATALOGUE, f"{family}.{m}"


def test_families_match_the_library():
    from optimizer.policy import OBJECTIVES, PRESETS, STAGE_RULES, WEIGHTINGS
    from optimizer.solution import LOWER_IS_BETTER

    for o in OBJECTIVES:
        assert f"objective.{o}" in messages.CATALOGUE and f"measure.{o}" in messages.CATALOGUE
    for p in PRESETS:
        assert f"preset.{p}" in messages.CATALOGUE
    for r in STAGE_RULES:
        assert f"rule.{r}" in messages.CATALOGUE
    for w in WEIGHTINGS:
        assert f"weights.{w}" in messages.CATALOGUE
    for m in LOWER_IS_BETTER:
        assert f"worse.{m}" in messages.CATALOGUE


def test_glossary_defines_every_term_in_both_languages():
    for term in ("hhi", "cvar", "wgi", "reo", "pp", "bloc", "forge", "mine", "separation",
                 "metal", "magnet"):  # fmt: skip
        assert term in messages.GLOSSARY
        for lang in ("en", "ko"):
            assert messages.text(f"glossary.{term}.text", lang).strip()
    assert HANGUL.search(messages.text("glossary.hhi.text", "ko"))


def test_default_exchange_rate_is_labelled_as_a_default():
    assert 1000 < messages.DEFAULT_KRW_PER_USD < 2000
    help_en = messages.text("sidebar.rate_help", "en")
    assert "default" in help_en.lower() and "Bank of Korea" in help_en
    assert "한국은행" in messages.text("sidebar.rate_help", "ko")
