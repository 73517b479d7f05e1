"""The sidebar: policy controls, the dataset upload, and the dataset's as-of and fingerprint.

Controls hold percentages (what people say in a meeting); build_policy turns them into the
library's Policy (fractions). Presets fill the controls in, so what a preset means is visible
and can be adjusted; the policy records the preset's name only while the YAML export, loaded
by `ree-sourcing solve --policy`, still gives exactly this policy.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, MutableMapping
from typing import Any

import pandas as pd
import streamlit as st

from ..dataset import Dataset
from ..network.measures import CHINA
from ..policy import (
    DEFAULT_PREMIUM,
    OBJECTIVES,
    PRESETS,
    RECYCLING_BLOC,
    ROBUST_OBJECTIVES,
    STAGE_RULES,
    WEIGHTINGS,
    Policy,
    split_key,
)
from . import format as fmt
from . import i18n, state
from .i18n import t

PRESET = "preset"
OBJECTIVE = "objective"
PREMIUM = "premium_pct"
CHINA_CAP = "china_cap_pct"
COUNTRY_CAP = "country_cap_pct"
RECYCLED = "recycled_min_pct"
ELEMENTS = "elements"
WEIGHTS = "weights"
HHI_CAP = "hhi_cap"
NO_WORSE = "no_worse_than_today"
STOCKPILE = "stockpile_days"
# "data": the dataset's stockpile table; "days": STOCKPILE days of every element; "target": the
# table's days, raised to at least STOCKPILE days (Korea's 100-day target)
STOCK_MODE = "stock_mode"
STOCK_MODES = ("data", "days", "target")
STOCK_SIZE = "stock_size"  # "given", or "sized": the optimiser may buy stock (robust objectives)
STOCK_SIZES = ("given", "sized")
SIZED_MAX_DAYS = 365.0  # what "sized" lets the optimiser raise any element's stock to
ALPHA = "alpha"
STAGE_RULE = "stage_rule"  # which stage's risk counts: worst, sum or a stage
YEAR = "year"  # None: operating plants only; a year: also plants producing by then
CAPS = "caps_table"  # other suppliers' caps: supplier, stage (blank: every stage), cap_pct
ELEMENT_CAPS = "element_caps_table"  # per-element overrides: element, supplier, stage, cap_pct
EVERY_STAGE = "every stage"  # the caps tables' stage for a cap that holds at every stage
EDITOR_VERSION = "editor_version"  # bumped to reset the tables' editors
CONTROLS_FOR = "controls_for"  # fingerprint of the dataset the controls were set up for
NO_PRESET = "none"
BUDGET_MODE = "budget_mode"  # what the budget is: see BUDGET_MODES
BUDGET_ABS = "budget_musd"  # the absolute budget, M USD a year
BUDGET_MODES = ("least", "today", "absolute")  # premium over least cost, over today's, absolute
FORM = "policy_form"
APPLY = "apply"


def bloc_key(bloc: str) -> str:
    return f"bloc_min_{bloc}_pct"


def objective_label(objective: str) -> str:
    return t(f"objective.{objective}")


def stage_rule_label(rule: str) -> str:
    return t(f"rule.{rule}")


def weight_label(weights: str) -> str:
    return t(f"weights.{weights}")


def preset_label(preset: str) -> str:
    return t(f"preset.{preset}")


def _has_field(name: str) -> bool:
    return name in {f.name for f in dataclasses.fields(Policy)}


def _empty_caps() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "supplier": pd.Series(dtype=object),
            "stage": pd.Series(dtype=object),
            "cap_pct": pd.Series(dtype=float),
        }
    )


def _empty_element_caps() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "element": pd.Series(dtype=object),
            "supplier": pd.Series(dtype=object),
            "stage": pd.Series(dtype=object),
            "cap_pct": pd.Series(dtype=float),
        }
    )


def stage_rules(dataset: Dataset) -> list[str]:
    """The stage rules that apply to this dataset: worst, sum and its own stages."""
    return [r for r in STAGE_RULES if r in ("worst", "sum") or r in dataset.stages]


def defaults(dataset: Dataset) -> dict[str, Any]:
    """The controls' starting values: the library's default Policy, no caps, every element."""
    out: dict[str, Any] = {
        PRESET: NO_PRESET,
        OBJECTIVE: "hhi",
        PREMIUM: round(DEFAULT_PREMIUM * 100),
        BUDGET_MODE: "least",
        BUDGET_ABS: 250.0,
        WEIGHTS: "value",
        ELEMENTS: list(dataset.demanded_elements),
        HHI_CAP: 1.0,
        STOCKPILE: 55,
        STOCK_MODE: "data",
        STOCK_SIZE: "given",
        STAGE_RULE: "worst",
        YEAR: None,
        **({NO_WORSE: bool(Policy().no_worse_than_today)} if _has_field(NO_WORSE) else {}),
        ALPHA: 0.9,
        **constraint_defaults(dataset),
    }
    return out


def constraint_defaults(dataset: Dataset) -> dict[str, Any]:
    """The caps and minimums a preset sets (reset when a preset is chosen)."""
    out: dict[str, Any] = {
        CHINA_CAP: 100,
        COUNTRY_CAP: 100,
        RECYCLED: 0,
        CAPS: _empty_caps(),
        ELEMENT_CAPS: _empty_element_caps(),
    }
    for b in dataset.blocs:
        out[bloc_key(b)] = 0
    return out


def preset_values(name: str, dataset: Dataset) -> dict[str, Any]:
    """Control values that express a preset (constraints at their defaults otherwise)."""
    out = constraint_defaults(dataset)
    settings = PRESETS[name]
    if settings.get("country_cap") is not None:
        out[COUNTRY_CAP] = round(settings["country_cap"] * 100)
    caps = dict(settings.get("caps", {}))
    if CHINA in caps:
        out[CHINA_CAP] = round(caps.pop(CHINA) * 100)
    out[CAPS] = pd.DataFrame(
        {"supplier": list(caps), "cap_pct": [v * 100 for v in caps.values()]}
    ).astype({"supplier": object, "cap_pct": float})
    rows = [
        {"element": e, "supplier": s, "cap_pct": v * 100}
        for e, caps_e in settings.get("element_caps", {}).items()
        for s, v in caps_e.items()
    ]
    out[ELEMENT_CAPS] = pd.DataFrame(rows, columns=["element", "supplier", "cap_pct"]).astype(
        {"element": object, "supplier": object, "cap_pct": float}
    )
    for b, v in settings.get("bloc_min", {}).items():
        out[bloc_key(b)] = round(v * 100)
    if settings.get("recycled_min"):
        out[RECYCLED] = round(settings["recycled_min"] * 100)
    for k, key in (("objective", OBJECTIVE), ("weights", WEIGHTS)):
        if k in settings:
            out[key] = settings[k]
    if settings.get("budget_premium") is not None:
        out[PREMIUM] = round(settings["budget_premium"] * 100)
    if "alpha" in settings:
        out[ALPHA] = settings["alpha"]
    if settings.get("stockpile_max_days") is not None:
        out[STOCK_SIZE] = "sized"
    if settings.get("stockpile_target_days") is not None:
        out[STOCK_MODE], out[STOCKPILE] = "target", settings["stockpile_target_days"]
    return out


def _rows(table: Any, optional: tuple[str, ...] = ("stage",)) -> list[dict[str, Any]]:
    """The complete rows of an editable table (the optional columns may be blank)."""
    if table is None:
        return []
    frame = pd.DataFrame(table)
    return [
        r
        for r in frame.to_dict("records")
        if not any(_blank(v) for k, v in r.items() if k not in optional)
    ]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def cap_key(row: Mapping[str, Any]) -> str:
    """A caps-table row's policy key: 'CHN' at every stage, 'separation:CHN' at one."""
    stage = row.get("stage")
    who = str(row["supplier"])
    return who if _blank(stage) or stage == EVERY_STAGE else f"{stage}:{who}"


def scope_of(values: Mapping[str, Any], dataset: Dataset) -> tuple[str, ...]:
    """The elements the controls put in scope, as the library resolves them."""
    demanded = dataset.demanded_elements
    chosen = set(values.get(ELEMENTS, demanded))
    return tuple(e for e in demanded if e in chosen)


def today_cost_usd(dataset: Dataset, scope: tuple[str, ...]) -> float:
    """What today's mix of these elements costs a year at the dataset's prices: the same
    number as Solution.baseline_portfolio["cost_usd"] (the library's baseline measures)."""
    from ..network import measures

    return float(measures.baseline_metrics(dataset, tuple(scope), "value")[1]["cost_usd"])


def build_policy(values: Mapping[str, Any], dataset: Dataset) -> Policy:
    """The library Policy for the controls' values (percentages -> fractions). Incomplete table
    rows are ignored; the library's validate() judges everything else.

    The budget is what the user asked for: a premium over least cost (the library's
    budget_premium), a premium over today's cost or an absolute amount (both become budget_usd,
    today's cost taken from the library's baseline measures of the elements in scope)."""
    caps: dict[str, float] = {}
    china = values.get(CHINA_CAP, 100)
    country = values.get(COUNTRY_CAP, 100)
    # China's own cap is set only when it is the tighter one: the country cap holds China
    # anyway (Policy.cap_for takes the smaller), and the policy stays minimal.
    if china < min(100, country) and CHINA in dataset.suppliers.index:
        caps[CHINA] = china / 100
    for r in _rows(values.get(CAPS)):
        caps[cap_key(r)] = float(r["cap_pct"]) / 100
    element_caps: dict[str, dict[str, float]] = {}
    for r in _rows(values.get(ELEMENT_CAPS)):
        element_caps.setdefault(str(r["element"]), {})[cap_key(r)] = float(r["cap_pct"]) / 100
    bloc_min = {
        b: values[bloc_key(b)] / 100 for b in dataset.blocs if values.get(bloc_key(b), 0) > 0
    }
    chosen = set(values.get(ELEMENTS, dataset.demanded_elements))
    demanded = dataset.demanded_elements
    elements = None if chosen >= set(demanded) else tuple(e for e in demanded if e in chosen)
    hhi_cap = values.get(HHI_CAP, 1.0)
    premium = values.get(PREMIUM, round(DEFAULT_PREMIUM * 100)) / 100
    mode = values.get(BUDGET_MODE, "least")
    budget_usd = None
    if mode == "absolute":
        budget_usd = float(values.get(BUDGET_ABS, 0.0)) * 1e6
    elif mode == "today":
        scope = scope_of(values, dataset)
        budget_usd = today_cost_usd(dataset, scope) * (1 + premium) if scope else None
    policy = Policy(
        objective=values.get(OBJECTIVE, "hhi"),
        # with an absolute budget the premium is unused; it stays at the library's default so
        # the policy YAML loads back to an equal Policy (a null there means the default)
        budget_premium=premium if budget_usd is None else DEFAULT_PREMIUM,
        budget_usd=budget_usd,
        country_cap=country / 100 if country < 100 else None,
        caps=caps,
        element_caps=element_caps,
        bloc_min=bloc_min,
        recycled_min=values.get(RECYCLED, 0) / 100,
        risk_caps={"hhi": float(hhi_cap)} if hhi_cap < 1.0 else {},
        elements=elements,
        weights=values.get(WEIGHTS, "value"),
        alpha=float(values.get(ALPHA, 0.9)),
        stockpile_days=(
            float(values.get(STOCKPILE, 55)) if values.get(STOCK_MODE) == "days" else None
        ),
        stockpile_target_days=(
            float(values.get(STOCKPILE, 100)) if values.get(STOCK_MODE) == "target" else None
        ),
        stockpile_max_days=SIZED_MAX_DAYS if values.get(STOCK_SIZE) == "sized" else None,
        stage=values.get(STAGE_RULE, "worst"),
        year=None if values.get(YEAR) is None else int(values[YEAR]),
    )
    if NO_WORSE in values and _has_field(NO_WORSE):
        policy = policy.with_changes(**{NO_WORSE: bool(values[NO_WORSE])})
    name = values.get(PRESET, NO_PRESET)
    if name in PRESETS and preset_reproducible(policy, name):
        policy = policy.with_changes(preset=name)
    return policy


def budget_basis(values: Mapping[str, Any]) -> tuple[str, float]:
    """(mode, premium as a fraction) of the controls: how the policy line words the budget."""
    mode = values.get(BUDGET_MODE, "least")
    return (mode if mode in BUDGET_MODES else "least"), values.get(PREMIUM, 15) / 100


def controls_from_policy(policy: Policy, dataset: Dataset) -> tuple[dict[str, Any], list[str]]:
    """The control values that describe `policy` (the inverse of build_policy), and the
    settings of the policy the controls cannot show (named, so a loaded run says so)."""
    out = {**defaults(dataset)}
    unshown: list[str] = []
    out[OBJECTIVE] = policy.objective
    if policy.budget_usd is not None:
        out[BUDGET_MODE] = "absolute"
        out[BUDGET_ABS] = round(policy.budget_usd / 1e6, 6)
    else:
        out[BUDGET_MODE] = "least"
        out[PREMIUM] = round((policy.budget_premium or 0.0) * 100, 6)
    out[COUNTRY_CAP] = round(policy.country_cap * 100, 6) if policy.country_cap is not None else 100
    caps = dict(policy.caps)
    if CHINA in caps:
        out[CHINA_CAP] = round(caps.pop(CHINA) * 100, 6)
    rows = []
    for key, v in caps.items():
        stage, who = split_key(key)
        rows.append({"supplier": who, "stage": stage, "cap_pct": v * 100})
    out[CAPS] = pd.DataFrame(rows, columns=["supplier", "stage", "cap_pct"]).astype(
        {"supplier": object, "stage": object, "cap_pct": float}
    )
    erows = []
    for e, caps_e in policy.element_caps.items():
        for key, v in caps_e.items():
            stage, who = split_key(key)
            erows.append({"element": e, "supplier": who, "stage": stage, "cap_pct": v * 100})
    out[ELEMENT_CAPS] = pd.DataFrame(
        erows, columns=["element", "supplier", "stage", "cap_pct"]
    ).astype({"element": object, "supplier": object, "stage": object, "cap_pct": float})
    for b, v in policy.bloc_min.items():
        if b in dataset.blocs and split_key(b)[0] is None:
            out[bloc_key(b)] = round(v * 100, 6)
        else:
            unshown.append(f"bloc_min {b}")
    out[RECYCLED] = round(policy.recycled_min * 100, 6)
    risk_caps = dict(policy.risk_caps)
    if "hhi" in risk_caps:
        out[HHI_CAP] = float(risk_caps.pop("hhi"))
    unshown += [f"risk_caps {m}" for m in risk_caps]
    if policy.elements is not None:
        out[ELEMENTS] = [e for e in dataset.demanded_elements if e in policy.elements]
    out[WEIGHTS] = policy.weights
    out[ALPHA] = float(policy.alpha)
    if policy.stockpile_days is not None:
        out[STOCK_MODE], out[STOCKPILE] = "days", float(policy.stockpile_days)
        if policy.stockpile_target_days is not None:
            unshown.append("stockpile_target_days")
    elif policy.stockpile_target_days is not None:
        out[STOCK_MODE], out[STOCKPILE] = "target", float(policy.stockpile_target_days)
    else:
        out[STOCK_MODE] = "data"
    out[STOCK_SIZE] = "given" if policy.stockpile_max_days is None else "sized"
    if policy.stockpile_max_days not in (None, SIZED_MAX_DAYS):
        unshown.append("stockpile_max_days")
    out[STAGE_RULE] = policy.stage
    out[YEAR] = policy.year
    if _has_field(NO_WORSE):
        out[NO_WORSE] = bool(policy.no_worse_than_today)
    out[PRESET] = policy.preset or NO_PRESET
    default = Policy()
    for name in ("element_bloc_min", "scenarios", "stockpile_as_supplier", "hhi_tolerance"):
        if getattr(policy, name) != getattr(default, name):
            unshown.append(name)
    return out, unshown


def preset_reproducible(policy: Policy, name: str) -> bool:
    """Whether writing `preset: name` into the policy's YAML still loads as this policy.

    Loading applies the preset first and the file's settings over it; a setting the file leaves
    empty (None), or a cap the preset has but the policy dropped, would come back from the
    preset. Then the name is left out, so the export reproduces the run exactly."""
    for key, value in PRESETS[name].items():
        mine = getattr(policy, key)
        if mine is None:
            return False
        if isinstance(value, Mapping) and not set(value) <= set(mine):
            return False
    return True


def preset_modified(policy: Policy, name: str) -> bool:
    """Whether the controls differ from what the preset sets."""
    return any(getattr(policy, k) != v for k, v in PRESETS[name].items())


# --- session wiring ------------------------------------------------------------------------


def sync_to_dataset(session: MutableMapping[str, Any], dataset: Dataset) -> None:
    """First run: the defaults. A new dataset: keep what still applies, drop the rest (elements
    or suppliers it does not have), add controls for its blocs."""
    if session.get(CONTROLS_FOR) == dataset.fingerprint:
        return
    first = CONTROLS_FOR not in session
    for key, value in defaults(dataset).items():
        if first or key not in session:
            session[key] = value
    if not first:
        demanded = dataset.demanded_elements
        kept = [e for e in session.get(ELEMENTS, []) if e in demanded]
        session[ELEMENTS] = kept or list(demanded)
        suppliers = set(dataset.suppliers.index)
        caps = _with_stage(session.get(CAPS, _empty_caps()), dataset)
        session[CAPS] = caps[caps["supplier"].isin(suppliers)].reset_index(drop=True)
        ecaps = _with_stage(session.get(ELEMENT_CAPS, _empty_element_caps()), dataset)
        session[ELEMENT_CAPS] = ecaps[
            ecaps["supplier"].isin(suppliers) & ecaps["element"].isin(demanded)
        ].reset_index(drop=True)
        if session.get(STAGE_RULE) not in stage_rules(dataset):
            session[STAGE_RULE] = "worst"
        session[EDITOR_VERSION] = session.get(EDITOR_VERSION, 0) + 1
    session.setdefault(EDITOR_VERSION, 0)
    session[CONTROLS_FOR] = dataset.fingerprint


def _with_stage(table: Any, dataset: Dataset) -> pd.DataFrame:
    """A caps table whose stages the dataset has (others: every stage)."""
    frame = pd.DataFrame(table)
    if "stage" not in frame:
        frame["stage"] = None
    frame.loc[~frame["stage"].isin(dataset.stages), "stage"] = None
    return frame


def _apply_preset() -> None:
    ss = st.session_state
    name = ss[PRESET]
    if name in PRESETS:
        ss.update(preset_values(name, state.current_dataset(ss)))
        ss[EDITOR_VERSION] = ss.get(EDITOR_VERSION, 0) + 1


SOMETIMES_SHOWN = (ALPHA, STAGE_RULE, STOCKPILE, STOCK_SIZE)  # controls drawn only when they apply


def keep(session: MutableMapping[str, Any], keys: tuple[str, ...]) -> None:
    """Keep the values of widgets that are not drawn in every run (a control shown only for
    one objective, a view's control while its tab is closed): Streamlit drops a widget's value
    at the end of a run that did not draw it, and re-assigning it marks it as the app's own."""
    for key in keys:
        if key in session:
            session[key] = session[key]


def _pct_slider(label: str, key: str, help: str, disabled: bool = False) -> None:
    st.slider(label, 0, 100, step=1, key=key, format="%d%%", help=help, disabled=disabled)


def _names(dataset: Dataset, codes) -> str:
    return ", ".join(str(c) for c in codes) or t("sidebar.none_in_data")


def render_settings(dataset: Dataset) -> None:
    """Language, currency and the exchange rate: how the app speaks, not what it solves (they
    apply at once and never change a result)."""
    ss = st.session_state
    rate, own = i18n.rate_for(dataset)
    marker = f"{dataset.fingerprint}:{rate}:{own}"  # the fingerprint leaves meta.csv out
    if ss.get("_rate_for") != marker:  # a dataset with its own rate brings it
        first = ss.get("_rate_for") is None
        ss["_rate_for"] = marker
        if own and not (first and ss.get(i18n.RATE_FROM_URL)):
            ss[i18n.RATE] = ss["_rate_of_data"] = rate
        elif not own and ss.get(i18n.RATE) == ss.get("_rate_of_data"):
            ss[i18n.RATE] = rate  # the last dataset's rate does not belong to this one
            ss["_rate_of_data"] = None
    with st.sidebar:
        c = st.columns([1.1, 1])
        c[0].selectbox(
            t("sidebar.language"),
            list(i18n.LANGUAGES),
            key=i18n.LANG,
            format_func=i18n.LANGUAGES.get,
        )
        c[1].selectbox(
            t("sidebar.currency"),
            list(i18n.CURRENCIES),
            key=i18n.CURRENCY,
            format_func=lambda c: t(f"currency.{c}"),
            help=t("sidebar.currency_help"),
        )
        if ss[i18n.CURRENCY] == "KRW":
            st.number_input(
                t("sidebar.rate"),
                min_value=100.0,
                max_value=5000.0,
                step=10.0,
                format="%.1f",
                key=i18n.RATE,
                help=t("sidebar.rate_help"),
            )
        source = (
            t("sidebar.rate_from_data", source=fmt.md(i18n.rate_source(dataset) or "meta.csv"))
            if own and abs(ss[i18n.RATE] - rate) < 1e-9
            else t("sidebar.rate_default", rate=i18n.messages.DEFAULT_KRW_PER_USD)
            if abs(ss[i18n.RATE] - i18n.messages.DEFAULT_KRW_PER_USD) < 1e-9
            else t("sidebar.rate_user")
        )
        st.caption(t("sidebar.rate_line", rate=f"{ss[i18n.RATE]:,.2f}", source=source))


def render(dataset: Dataset) -> Policy:
    """Draw the controls; return the Policy they describe (not yet validated).

    The policy controls sit in one form: moving a slider with the keyboard or the mouse queues
    nothing, and the policy is solved once, when the user presses Apply."""
    ss = st.session_state
    sync_to_dataset(ss, dataset)
    keep(ss, SOMETIMES_SHOWN)
    sb = st.sidebar
    with sb:
        st.markdown("### " + t("sidebar.policy"))
        st.selectbox(
            t("sidebar.preset"),
            [NO_PRESET, *PRESETS],
            key=PRESET,
            format_func=preset_label,
            on_change=_apply_preset,
            help=t("sidebar.preset_help"),
        )
        form = st.form(FORM, border=False, enter_to_submit=True)
    with form:
        st.form_submit_button(
            t("sidebar.apply"), type="primary", width="stretch", key=APPLY, icon=":material/check:"
        )
        st.caption(t("sidebar.apply_note"))
        st.selectbox(
            t("sidebar.objective"),
            list(OBJECTIVES),
            key=OBJECTIVE,
            format_func=objective_label,
            help=t("sidebar.objective_help"),
        )
        if ss[OBJECTIVE] == "cvar":
            st.slider(
                t("sidebar.alpha"), 0.5, 0.99, step=0.01, key=ALPHA, help=t("sidebar.alpha_help")
            )
        st.radio(
            t("sidebar.budget_mode"),
            list(BUDGET_MODES),
            key=BUDGET_MODE,
            format_func=lambda m: t(f"budget.{m}"),
            help=t("sidebar.budget_mode_help"),
            disabled=ss[OBJECTIVE] == "cost",
        )
        _pct_slider(
            t("sidebar.premium"),
            PREMIUM,
            t("sidebar.premium_help"),
            disabled=ss[OBJECTIVE] == "cost",
        )
        scale, unit = fmt.million_scale()
        st.number_input(
            t("sidebar.budget_abs"),
            min_value=0.0,
            max_value=1e6,
            step=5.0,
            format="%.1f",
            key=BUDGET_ABS,
            help=t("sidebar.budget_abs_help"),
            disabled=ss[OBJECTIVE] == "cost",
        )
        if unit != "M USD":
            st.caption(t("sidebar.budget_abs_in", amount=fmt.usd(float(ss[BUDGET_ABS]) * 1e6)))
        _pct_slider(t("sidebar.china_cap"), CHINA_CAP, t("sidebar.china_cap_help"))
        _pct_slider(t("sidebar.country_cap"), COUNTRY_CAP, t("sidebar.country_cap_help"))
        if ss[COUNTRY_CAP] < ss[CHINA_CAP]:
            st.caption(t("sidebar.china_by_country_cap", cap=ss[COUNTRY_CAP]))
        # Recycling has its own control (the recycled share); the other blocs get minimums.
        blocs = sorted(
            (b for b in dataset.blocs if b != RECYCLING_BLOC), key=lambda b: (b != "FORGE", b)
        )
        visible = [b for b in blocs if b == "FORGE"]
        for b in visible:
            _pct_slider(
                t("sidebar.bloc_min_main", bloc=b),
                bloc_key(b),
                t(
                    "sidebar.bloc_min_help",
                    bloc=b,
                    members=_names(dataset, dataset.bloc_members(b)),
                ),
            )
        recyclers = dataset.bloc_members(RECYCLING_BLOC)
        _pct_slider(
            t("sidebar.recycled"),
            RECYCLED,
            t("sidebar.recycled_help", members=_names(dataset, recyclers)),
            disabled=not recyclers and ss[RECYCLED] == 0,
        )
        st.radio(
            t("sidebar.stockpile"),
            list(STOCK_MODES),
            key=STOCK_MODE,
            format_func=lambda m: t(f"sidebar.stock_{m}"),
            horizontal=True,
            help=t("sidebar.stockpile_help"),
        )
        if ss[STOCK_MODE] in ("days", "target"):
            st.slider(t("sidebar.stock_days_slider"), 0, 180, step=5, key=STOCKPILE, format="%d")
        if ss[OBJECTIVE] in ROBUST_OBJECTIVES:
            st.radio(
                t("sidebar.stock_size"),
                list(STOCK_SIZES),
                key=STOCK_SIZE,
                format_func=lambda m: t(f"sidebar.stock_{m}"),
                horizontal=True,
                help=t("sidebar.stock_size_help", days=f"{SIZED_MAX_DAYS:g}"),
            )
        rules = stage_rules(dataset)
        if len(dataset.stages) > 1:
            st.selectbox(
                t("sidebar.stage_rule"),
                rules,
                key=STAGE_RULE,
                format_func=stage_rule_label,
                help=t("sidebar.stage_rule_help"),
            )
        st.number_input(
            t("sidebar.year"),
            min_value=2000,
            max_value=2100,
            step=1,
            key=YEAR,
            placeholder=t("sidebar.year_placeholder"),
            help=t("sidebar.year_help"),
        )
        names = dataset.elements["name"]
        st.multiselect(
            t("sidebar.elements"),
            dataset.demanded_elements,
            key=ELEMENTS,
            help=t("sidebar.elements_help")
            + " "
            + ", ".join(f"{e} {names.get(e, e)}" for e in dataset.demanded_elements),
        )
        with st.expander(t("sidebar.more")):
            suppliers = [s for s in dataset.suppliers.index if s != CHINA]
            stage_column = st.column_config.SelectboxColumn(
                t("col.stage"), options=list(dataset.stages), help=t("sidebar.stage_blank")
            )
            cap_column = st.column_config.NumberColumn(
                t("sidebar.cap_pct"), min_value=0, max_value=100, step=1, format="%.0f%%"
            )
            st.caption(t("sidebar.caps_caption"))
            caps = st.data_editor(
                ss[CAPS],
                key=f"caps_editor_{ss[EDITOR_VERSION]}",
                num_rows="dynamic",
                hide_index=True,
                width="stretch",
                column_config={
                    "supplier": st.column_config.SelectboxColumn(
                        t("col.supplier"), options=suppliers, required=True
                    ),
                    "stage": stage_column,
                    "cap_pct": cap_column,
                },
            )
            _incomplete(caps, ("stage",))
            st.caption(t("sidebar.element_caps_caption"))
            ecaps = st.data_editor(
                ss[ELEMENT_CAPS],
                key=f"element_caps_editor_{ss[EDITOR_VERSION]}",
                num_rows="dynamic",
                hide_index=True,
                width="stretch",
                column_config={
                    "element": st.column_config.SelectboxColumn(
                        t("col.element"), options=dataset.demanded_elements, required=True
                    ),
                    "supplier": st.column_config.SelectboxColumn(
                        t("col.supplier"), options=list(dataset.suppliers.index), required=True
                    ),
                    "stage": stage_column,
                    "cap_pct": cap_column,
                },
            )
            _incomplete(ecaps, ("stage",))
            for b in blocs:
                if b not in visible:
                    _pct_slider(
                        t("sidebar.bloc_min", bloc=b),
                        bloc_key(b),
                        t(
                            "sidebar.bloc_min_help",
                            bloc=b,
                            members=_names(dataset, dataset.bloc_members(b)),
                        ),
                    )
            st.slider(
                t("sidebar.hhi_cap"),
                0.0,
                1.0,
                step=0.05,
                key=HHI_CAP,
                help=t("sidebar.hhi_cap_help"),
            )
            if NO_WORSE in ss:
                st.toggle(t("sidebar.no_worse"), key=NO_WORSE, help=t("sidebar.no_worse_help"))
            st.selectbox(
                t("sidebar.weights"),
                list(WEIGHTINGS),
                key=WEIGHTS,
                format_func=weight_label,
                help=t("sidebar.weights_help"),
            )
            st.form_submit_button(
                t("sidebar.apply"), type="primary", width="stretch", key="apply_2"
            )
    values = {k: ss[k] for k in defaults(dataset) if k in ss}
    values[CAPS] = caps
    values[ELEMENT_CAPS] = ecaps
    return build_policy(values, dataset)


def _incomplete(table: Any, optional: tuple[str, ...]) -> None:
    """Say how many rows of an edited caps table are ignored because a cell is empty."""
    if table is None:
        return
    frame = pd.DataFrame(table)
    if frame.empty:
        return
    complete = len(_rows(frame, optional))
    blank = sum(all(_blank(v) for v in r.values()) for r in frame.to_dict("records"))
    ignored = len(frame) - complete - blank
    if ignored:
        st.warning(t("sidebar.rows_ignored", count=ignored))


def current_values(session: Mapping[str, Any], dataset: Dataset) -> dict[str, Any]:
    """The controls' values as the session holds them (tables included)."""
    return {k: session[k] for k in defaults(dataset) if k in session}


def render_data(dataset: Dataset) -> None:
    """The dataset box: upload, template, and what is in use (as-of, fingerprint)."""
    ss = st.session_state
    with st.sidebar:
        st.markdown("### " + t("sidebar.data"))
        upload = st.file_uploader(
            t("sidebar.upload"),
            type=["xlsx", "zip"],
            key="upload",
            help=t("sidebar.upload_help"),
        )
        if upload is not None and upload.file_id != ss.get(state.UPLOAD_SEEN):
            ss[state.UPLOAD_SEEN] = upload.file_id
            with st.spinner(t("sidebar.checking", name=fmt.md(upload.name))):
                state.handle_upload(ss, upload.getvalue(), upload.name)
            st.rerun()
        rejected = ss.get(state.UPLOAD_PROBLEMS)
        if rejected:
            name, problems = rejected
            st.error(t("sidebar.rejected", name=fmt.md(name), count=len(problems)))
        if ss.get(state.UPLOAD_NAME):
            st.button(
                t("sidebar.use_bundled"),
                on_click=state.use_bundled,
                args=(ss,),
                width="stretch",
            )
        state.download(
            st,
            t("sidebar.template"),
            state.template_file,  # written on the first click, not on the first page load
            file_name="ree-sourcing-template.xlsx",
        )
        source = (
            fmt.md(ss.get(state.UPLOAD_NAME)) if ss.get(state.UPLOAD_NAME) else t("sidebar.bundled")
        )
        st.caption(
            f"**{t('sidebar.dataset')}** {source}  \n"
            f"{fmt.md(dataset.meta.get('name', ''))}  \n"
            f"**{t('sidebar.as_of')}** {fmt.md(dataset.as_of)} · **sha256** "
            f"`{fmt.short_hash(dataset.fingerprint)}`  \n"
            + t(
                "sidebar.counts",
                elements=len(dataset.demanded_elements),
                suppliers=len(dataset.suppliers),
            )
            + "  \n"
            f"{plant_counts(dataset)}"
        )


def render_glossary() -> None:
    """Every term the app uses, in the session's language."""
    from ..reports import messages

    with st.sidebar.expander(t("glossary.title")):
        for term in messages.GLOSSARY:
            st.markdown(f"**{t(f'glossary.{term}.term')}**: {t(f'glossary.{term}.text')}")


def plant_counts(dataset: Dataset) -> str:
    """'51 plants: 14 mine · 18 separation · 6 metal · 13 magnet'."""
    from .stages import name

    by = dataset.plants["stage"].value_counts()
    stages = " · ".join(f"{by[s]} {name(s).lower()}" for s in dataset.stages)
    return t("sidebar.plants", count=len(dataset.plants), stages=stages)
