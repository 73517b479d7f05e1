"""The current settings in the page's URL (st.query_params), so a link or a reload (F5) reopens
them: language, money, the open tab and every policy control.

A link is read once, on a session's first run (and again only when its text changes, e.g. a
pasted link); after that the controls lead and the URL follows them. A value that does not
parse, or that the dataset does not have (an element, a supplier), is dropped silently: the
control keeps its default, as with a link from an older version.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping
from typing import Any

import pandas as pd

from ..dataset import Dataset
from . import i18n, sidebar

SEEN = "_url_seen"  # the query string last applied, so a link is applied once

# control key -> (parameter, kind)
NUMBERS = {
    sidebar.PREMIUM: "premium",
    sidebar.BUDGET_ABS: "budget",
    sidebar.CHINA_CAP: "china",
    sidebar.COUNTRY_CAP: "country",
    sidebar.RECYCLED: "recycled",
    sidebar.STOCKPILE: "stock",
    sidebar.HHI_CAP: "hhicap",
    sidebar.ALPHA: "alpha",
}
CHOICES = {
    sidebar.OBJECTIVE: "obj",
    sidebar.BUDGET_MODE: "bmode",
    sidebar.WEIGHTS: "weights",
    sidebar.STAGE_RULE: "rule",
    sidebar.PRESET: "preset",
    sidebar.STOCK_MODE: "smode",
    sidebar.STOCK_SIZE: "ssize",
}
LIMITS = {  # the controls' own ranges
    "premium": (0, 100),
    "budget": (0, 1e6),
    "china": (0, 100),
    "country": (0, 100),
    "recycled": (0, 100),
    "stock": (0, 180),
    "hhicap": (0, 1),
    "alpha": (0.5, 0.99),
}


def _choices(key: str, dataset: Dataset) -> set[str]:
    from ..policy import OBJECTIVES, PRESETS, WEIGHTINGS

    return {
        sidebar.OBJECTIVE: set(OBJECTIVES),
        sidebar.BUDGET_MODE: set(sidebar.BUDGET_MODES),
        sidebar.WEIGHTS: set(WEIGHTINGS),
        sidebar.STAGE_RULE: set(sidebar.stage_rules(dataset)),
        sidebar.PRESET: {sidebar.NO_PRESET, *PRESETS},
        sidebar.STOCK_MODE: set(sidebar.STOCK_MODES),
        sidebar.STOCK_SIZE: set(sidebar.STOCK_SIZES),
    }[key]


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def encode_caps(table: Any, with_element: bool) -> str:
    """'VNM:30;separation:MYS:40' (element caps: 'Dy:separation:CHN:70')."""
    rows = sidebar._rows(table)
    parts = []
    for r in rows:
        key = sidebar.cap_key(r)
        prefix = f"{r['element']}:" if with_element else ""
        parts.append(f"{prefix}{key}:{float(r['cap_pct']):g}")
    return ";".join(parts)


def decode_caps(text: str, dataset: Dataset, with_element: bool) -> pd.DataFrame:
    rows = []
    for part in (text or "").split(";"):
        bits = part.split(":")
        if with_element:
            if len(bits) not in (3, 4):
                continue
            element, rest = bits[0], bits[1:]
            if element not in dataset.demanded_elements:
                continue
        else:
            if len(bits) not in (2, 3):
                continue
            element, rest = None, bits
        stage = rest[0] if len(rest) == 3 else None
        who, value = rest[-2], _number(rest[-1])
        if value is None or not 0 <= value <= 100 or who not in dataset.suppliers.index:
            continue
        if stage is not None and stage not in dataset.stages:
            continue
        row = {"supplier": who, "stage": stage, "cap_pct": value}
        rows.append({"element": element, **row} if with_element else row)
    columns = (["element"] if with_element else []) + ["supplier", "stage", "cap_pct"]
    return pd.DataFrame(rows, columns=columns).astype({c: object for c in columns[:-1]})


def params(session: Mapping[str, Any], dataset: Dataset) -> dict[str, str]:
    """The URL parameters that describe the session's settings (defaults left out)."""
    defaults = sidebar.defaults(dataset)
    out: dict[str, str] = {"lang": str(session.get(i18n.LANG, "en"))}
    if session.get(i18n.CURRENCY) == "KRW":
        out["cur"] = "KRW"
        out["fx"] = f"{float(session.get(i18n.RATE, 0)):g}"
    if session.get("tab_id") not in (None, "overview"):
        out["tab"] = str(session["tab_id"])
    for key, name in NUMBERS.items():
        if key in session and session[key] != defaults.get(key):
            out[name] = f"{float(session[key]):g}"
    for key, name in CHOICES.items():
        if key in session and session[key] != defaults.get(key):
            out[name] = str(session[key])
    if session.get(sidebar.YEAR) is not None:
        out["year"] = str(int(session[sidebar.YEAR]))
    elements = session.get(sidebar.ELEMENTS)
    if elements is not None and set(elements) != set(dataset.demanded_elements):
        out["el"] = ",".join(elements)
    for b in dataset.blocs:
        key = sidebar.bloc_key(b)
        if session.get(key):
            out[f"min_{b}"] = f"{float(session[key]):g}"
    if sidebar.NO_WORSE in session and session[sidebar.NO_WORSE] != defaults.get(sidebar.NO_WORSE):
        out["noworse"] = "1" if session[sidebar.NO_WORSE] else "0"
    caps = encode_caps(session.get(sidebar.CAPS), False)
    if caps:
        out["caps"] = caps
    ecaps = encode_caps(session.get(sidebar.ELEMENT_CAPS), True)
    if ecaps:
        out["ecaps"] = ecaps
    return out


def values_from(query: Mapping[str, Any], dataset: Dataset) -> dict[str, Any]:
    """The control values a URL asks for (only those that parse and fit the dataset)."""
    out: dict[str, Any] = {}
    for key, name in NUMBERS.items():
        value = _number(query.get(name))
        low, high = LIMITS[name]
        if value is not None and low <= value <= high:
            out[key] = (
                value
                if key in (sidebar.BUDGET_ABS, sidebar.HHI_CAP, sidebar.ALPHA)
                else (int(value) if value == int(value) else value)
            )
    for key, name in CHOICES.items():
        value = query.get(name)
        if value in _choices(key, dataset):
            out[key] = value
    year = _number(query.get("year"))
    if year is not None and 2000 <= year <= 2100:
        out[sidebar.YEAR] = int(year)
    if query.get("el"):
        chosen = [e for e in str(query["el"]).split(",") if e in dataset.demanded_elements]
        if chosen:
            out[sidebar.ELEMENTS] = chosen
    for b in dataset.blocs:
        value = _number(query.get(f"min_{b}"))
        if value is not None and 0 <= value <= 100:
            out[sidebar.bloc_key(b)] = int(value) if value == int(value) else value
    if query.get("noworse") in ("0", "1"):
        out[sidebar.NO_WORSE] = query["noworse"] == "1"
    if query.get("caps"):
        out[sidebar.CAPS] = decode_caps(query["caps"], dataset, False)
    if query.get("ecaps"):
        out[sidebar.ELEMENT_CAPS] = decode_caps(query["ecaps"], dataset, True)
    return out


def _text(query: Mapping[str, Any]) -> str:
    return "&".join(f"{k}={query[k]}" for k in sorted(query))


def restore(session: MutableMapping[str, Any], query: Mapping[str, Any], dataset: Dataset) -> None:
    """Apply a link's settings to the controls once (first run, or a changed link)."""
    text = _text(query)
    if session.get(SEEN) == text:
        return
    first = SEEN not in session
    session[SEEN] = text
    if not first and text == _text(params(session, dataset)):
        return  # the URL is what this session wrote
    sidebar.sync_to_dataset(session, dataset)
    values = values_from(query, dataset)
    if values:
        session.update(values)
        session[sidebar.EDITOR_VERSION] = session.get(sidebar.EDITOR_VERSION, 0) + 1
    tab = query.get("tab")
    if tab:
        session["tab_id"] = tab
        session.pop("view", None)


def write(
    session: MutableMapping[str, Any], query: MutableMapping[str, Any], dataset: Dataset
) -> None:
    """Make the URL say what the controls say (only when it differs: no needless history)."""
    wanted = params(session, dataset)
    current = {k: query[k] for k in query}
    if current != wanted:
        query.clear()
        query.update(wanted)
    session[SEEN] = _text(wanted)
