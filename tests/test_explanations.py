"""The library's own explanations (shortfalls, shadow prices, above today, caps not met) are
messages of the catalogue: each row keeps its message id and values (frame.attrs["why"]), the
English text is that message word for word, and the same message in Korean carries the same
numbers and no English sentence."""

from __future__ import annotations

import re
import string

import pytest
from builders import two_suppliers

from optimizer import Policy, load_dataset, optimize
from optimizer.reports import messages

HANGUL = re.compile("[\uac00-\ud7a3]")
NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?%?")
FRAMES = ("shortfalls", "shadow_prices", "above_today", "caps_not_met")
CASES = {
    "caps and a budget too small": Policy(caps={"CHN": 0.0}, budget_usd=1e6, budget_premium=None),
    "a bloc minimum at one stage": Policy(bloc_min={"separation:FORGE": 0.9}, caps={"CHN": 0.5}),
    "a risk cap no mix keeps": Policy(risk_caps={"hhi": 0.3}),
    "an absolute budget below today's": Policy(budget_usd=3e8, budget_premium=None),
    "governance-weighted HHI": Policy(objective="wgi-hhi", budget_premium=0.02),
    "CVaR": Policy(objective="cvar", caps={"CHN": 0.7}),
}


def english_fragments() -> set[str]:
    """The literal parts of the why.* messages' English (14 characters or more)."""
    out = set()
    for key, entry in messages.CATALOGUE.items():
        if key.startswith("why."):
            for lit, _, _, _ in string.Formatter().parse(entry["en"]):
                if len(lit.strip()) >= 14:
                    out.add(lit.strip())
    return out


def check(solution) -> int:
    fragments = english_fragments()
    rows = 0
    for name in FRAMES:
        frame = getattr(solution, name)
        whys = frame.attrs.get("why", {})
        assert set(whys) == set(frame.index), name  # every row has its message
        korean = messages.explain(frame, "ko")
        for label, english, ko in zip(frame.index, frame["explanation"], korean, strict=True):
            assert messages.render(whys[label], "en") == english  # the text is the message
            assert ko != english and HANGUL.search(ko), (name, ko)
            for number in NUMBER.findall(english):
                assert number in ko, (name, number, ko)  # the same numbers
            left = [f for f in fragments if f in ko]
            assert not left, (name, left, ko)
            rows += 1
    return rows


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.mark.parametrize("case", list(CASES))
def test_explanations_are_catalogue_messages_in_both_languages(dataset, case):
    assert check(optimize(dataset, CASES[case])) > 0


def test_a_capacity_shortfall_in_korean(tmp_path):
    # X: 100 t wanted, 30 t + 30 t offered: 40 t short for lack of capacity
    ds = load_dataset(two_suppliers(tmp_path / "d", cap_a=30.0, cap_b=30.0))
    solution = optimize(ds, Policy())
    row = solution.shortfalls.iloc[0]
    assert row["short_t"] == pytest.approx(40.0)
    assert row["explanation"].startswith("X is short by 40 t (40.0% of demand): 40 t because")
    ko = messages.explain(solution.shortfalls, "ko")[0]
    assert ko.startswith("X: 40 t 부족 (수요의 40.0%). 40 t: ")
    assert check(solution) > 0


def test_words_of_the_library_are_translated_but_stay_codes_in_english():
    w = messages.why("why.at_stage", stage=messages.word("stage", "separation"))
    assert messages.render(w, "en") == " at the separation stage"
    assert messages.render(w, "ko") == " (분리 단계)"
    m = messages.word("measure", "wgi-hhi")
    assert messages.render(m, "en") == "wgi-hhi"
    assert messages.render(m, "ko") == messages.text("measure.wgi-hhi", "ko")
    assert messages.render(messages.word("measure", "unknown"), "ko") == "unknown"


def test_a_frame_without_messages_keeps_its_english():
    import pandas as pd

    frame = pd.DataFrame({"explanation": ["read back from a file"]})
    assert messages.explain(frame, "ko") == ["read back from a file"]
