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
    STAGE_RULES,
    WEIGHTINGS,
    Policy,
)
from . import format as fmt
from . import state

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
ALPHA = "alpha"
STAGE_RULE = "stage_rule"  # which stage's risk counts: worst, sum or a stage
YEAR = "year"  # None: operating plants only; a year: also plants producing by then
CAPS = "caps_table"  # other suppliers' caps: supplier, stage (blank: every stage), cap_pct
ELEMENT_CAPS = "element_caps_table"  # per-element overrides: element, supplier, stage, cap_pct
EVERY_STAGE = "every stage"  # the caps tables' stage for a cap that holds at every stage
EDITOR_VERSION = "editor_version"  # bumped to reset the tables' editors
CONTROLS_FOR = "controls_for"  # fingerprint of the dataset the controls were set up for
NO_PRESET = "none"


def bloc_key(bloc: str) -> str:
    return f"bloc_min_{bloc}_pct"


OBJECTIVE_LABELS = {
    "hhi": "Concentration (HHI)",
    "wgi-hhi": "Governance-weighted HHI",
    "max-share": "Largest supplier's share",
    "top3": "Top-3 suppliers' share",
    "cvar": "Disruption loss, CVaR (USD)",
    "worst-case": "Disruption loss, worst case (USD)",
    "cost": "Least cost (within caps)",
}
OBJECTIVE_HELP = (
    "What the optimizer minimises. HHI: sum of squared supplier shares per element (1 = one "
    "supplier). Governance-weighted HHI: each share squared times the supplier's governance "
    "risk (0-10, World Bank WGI). Largest / top-3 share: the biggest one or three suppliers' "
    "share. Disruption loss: the USD value of demand lost across the dataset's disruption "
    "scenarios after the stockpile is drawn, as CVaR (mean of the worst tail) or worst case. "
    "Least cost: the cheapest mix that respects the caps and minimums. Concentration measures "
    "are combined across elements with the element weights (default: value of demand)."
)
STAGE_RULE_LABELS = {
    "worst": "Worst stage of each element",
    "sum": "Sum over the stages",
    "mine": "Mine stage only",
    "separation": "Separation stage only",
    "metal": "Metal stage only",
    "magnet": "Magnet stage only",
}
STAGE_RULE_HELP = (
    "Which stage's risk the objective counts for each element: its worst stage (a chain is as "
    "exposed as its most concentrated step; the EU and Korean targets hold at any stage), the "
    "sum over its stages, or one stage. Caps hold at every stage whatever this says."
)
YEAR_HELP = (
    "Also use plants under construction or planned whose first year of output is this year or "
    "earlier. Blank: operating plants only."
)
WEIGHT_LABELS = {
    "value": "Value of demand (t x price)",
    "volume": "Tonnes of demand",
    "equal": "Every element equally",
}
PRESET_LABELS = {
    NO_PRESET: "None: set the controls yourself",
    "korea-2030": "Korea 2030 strategy: no country above 50%, recycling 20%",
    "eu-crma": "EU CRMA style: no country above 65%",
    "forge-first": "FORGE first: 25% from FORGE, China below 60%",
}


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
        WEIGHTS: "value",
        ELEMENTS: list(dataset.demanded_elements),
        HHI_CAP: 1.0,
        STOCKPILE: 55,
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


def build_policy(values: Mapping[str, Any], dataset: Dataset) -> Policy:
    """The library Policy for the controls' values (percentages -> fractions). Incomplete table
    rows are ignored; the library's validate() judges everything else."""
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
    policy = Policy(
        objective=values.get(OBJECTIVE, "hhi"),
        budget_premium=values.get(PREMIUM, round(DEFAULT_PREMIUM * 100)) / 100,
        country_cap=country / 100 if country < 100 else None,
        caps=caps,
        element_caps=element_caps,
        bloc_min=bloc_min,
        recycled_min=values.get(RECYCLED, 0) / 100,
        risk_caps={"hhi": float(hhi_cap)} if hhi_cap < 1.0 else {},
        elements=elements,
        weights=values.get(WEIGHTS, "value"),
        alpha=float(values.get(ALPHA, 0.9)),
        stockpile_days=float(values.get(STOCKPILE, 55)),
        stage=values.get(STAGE_RULE, "worst"),
        year=None if values.get(YEAR) is None else int(values[YEAR]),
    )
    if NO_WORSE in values and _has_field(NO_WORSE):
        policy = policy.with_changes(**{NO_WORSE: bool(values[NO_WORSE])})
    name = values.get(PRESET, NO_PRESET)
    if name in PRESETS and preset_reproducible(policy, name):
        policy = policy.with_changes(preset=name)
    return policy


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


SOMETIMES_SHOWN = (ALPHA, STAGE_RULE)  # controls drawn only when they apply


def keep(session: MutableMapping[str, Any], keys: tuple[str, ...]) -> None:
    """Keep the values of widgets that are not drawn in every run (a control shown only for
    one objective, a view's control while its tab is closed): Streamlit drops a widget's value
    at the end of a run that did not draw it, and re-assigning it marks it as the app's own."""
    for key in keys:
        if key in session:
            session[key] = session[key]


def _pct_slider(label: str, key: str, help: str, disabled: bool = False) -> None:
    st.slider(label, 0, 100, step=1, key=key, format="%d%%", help=help, disabled=disabled)


def render(dataset: Dataset) -> Policy:
    """Draw the controls; return the Policy they describe (not yet validated)."""
    ss = st.session_state
    sync_to_dataset(ss, dataset)
    keep(ss, SOMETIMES_SHOWN)
    sb = st.sidebar
    with sb:
        st.markdown("### Policy")
        st.selectbox(
            "Preset",
            [NO_PRESET, *PRESETS],
            key=PRESET,
            format_func=lambda p: PRESET_LABELS.get(p, p),
            on_change=_apply_preset,
            help="Fills in the caps and minimums below; adjust them freely afterwards.",
        )
        st.selectbox(
            "Objective",
            list(OBJECTIVES),
            key=OBJECTIVE,
            format_func=lambda o: OBJECTIVE_LABELS.get(o, o),
            help=OBJECTIVE_HELP,
        )
        if ss[OBJECTIVE] == "cvar":
            st.slider(
                "CVaR level",
                0.5,
                0.99,
                step=0.01,
                key=ALPHA,
                help="CVaR at 0.90 is the mean loss of the worst 10% of outcomes (probability-"
                "weighted across the dataset's disruption scenarios); higher looks further into "
                "the tail.",
            )
        _pct_slider(
            "Budget: premium over least cost",
            PREMIUM,
            "The optimized mix may cost at most this much more than the cheapest mix that "
            "meets the same caps and minimums (USD/yr at landed prices).",
            disabled=ss[OBJECTIVE] == "cost",
        )
        _pct_slider(
            "China cap (max share of each element, every stage)",
            CHINA_CAP,
            "The most China may handle of any element's demand, at every stage of the chain "
            "(mining, separation, metal, magnets). 100% = no cap.",
        )
        _pct_slider(
            "Cap on any single country (every stage)",
            COUNTRY_CAP,
            "Applies to every country supplier at every stage (domestic sources are not "
            "countries). 100% = no cap.",
        )
        if ss[COUNTRY_CAP] < ss[CHINA_CAP]:
            st.caption(f"China is held to {ss[COUNTRY_CAP]}% by the single-country cap.")
        # Recycling has its own control (the recycled share); the other blocs get minimums.
        blocs = sorted(
            (b for b in dataset.blocs if b != RECYCLING_BLOC), key=lambda b: (b != "FORGE", b)
        )
        visible = [b for b in blocs if b == "FORGE"]
        for b in visible:
            _pct_slider(
                f"{b} minimum (share of each element)",
                bloc_key(b),
                f"At least this share of every element from {b} members "
                f"({', '.join(dataset.bloc_members(b))}).",
            )
        recyclers = dataset.bloc_members(RECYCLING_BLOC)
        _pct_slider(
            "Recycled share minimum",
            RECYCLED,
            "At least this share of each element from domestic recycling, as far as its "
            f"capacity allows ({', '.join(recyclers) or 'no recycler in this dataset'}).",
            disabled=not recyclers and ss[RECYCLED] == 0,
        )
        st.slider(
            "Stockpile (days of demand)",
            0,
            180,
            step=5,
            key=STOCKPILE,
            format="%d days",
            help="Strategic stock drawn first in a disruption, in days of each element's demand "
            "(KOMIR holds about 55 days and targets 100). Used by the Scenarios tab's stress "
            "test and by the disruption-loss objectives; the concentration objectives ignore it.",
        )
        rules = stage_rules(dataset)
        if len(dataset.stages) > 1:
            st.selectbox(
                "Risk counted at",
                rules,
                key=STAGE_RULE,
                format_func=lambda r: STAGE_RULE_LABELS.get(r, r),
                help=STAGE_RULE_HELP,
            )
        st.number_input(
            "Plants producing by (year, optional)",
            min_value=2000,
            max_value=2100,
            step=1,
            key=YEAR,
            placeholder="operating plants only",
            help=YEAR_HELP,
        )
        names = dataset.elements["name"]
        st.multiselect(
            "Elements in scope",
            dataset.demanded_elements,
            key=ELEMENTS,
            help="The elements optimized and shown; portfolio figures cover these only. "
            + ", ".join(f"{e} {names.get(e, e)}" for e in dataset.demanded_elements),
        )
        with st.expander("More caps and minimums"):
            suppliers = [s for s in dataset.suppliers.index if s != CHINA]
            stage_column = st.column_config.SelectboxColumn(
                "Stage", options=list(dataset.stages), help="Blank: every stage."
            )
            st.caption("Caps on suppliers (% of each element's demand; blank stage: every stage)")
            caps = st.data_editor(
                ss[CAPS],
                key=f"caps_editor_{ss[EDITOR_VERSION]}",
                num_rows="dynamic",
                hide_index=True,
                width="stretch",
                column_config={
                    "supplier": st.column_config.SelectboxColumn(
                        "Supplier", options=suppliers, required=True
                    ),
                    "stage": stage_column,
                    "cap_pct": st.column_config.NumberColumn(
                        "Cap %", min_value=0, max_value=100, step=1, format="%.0f%%"
                    ),
                },
            )
            st.caption("Per-element overrides (replace the caps above for one element)")
            ecaps = st.data_editor(
                ss[ELEMENT_CAPS],
                key=f"element_caps_editor_{ss[EDITOR_VERSION]}",
                num_rows="dynamic",
                hide_index=True,
                width="stretch",
                column_config={
                    "element": st.column_config.SelectboxColumn(
                        "Element", options=dataset.demanded_elements, required=True
                    ),
                    "supplier": st.column_config.SelectboxColumn(
                        "Supplier", options=list(dataset.suppliers.index), required=True
                    ),
                    "stage": stage_column,
                    "cap_pct": st.column_config.NumberColumn(
                        "Cap %", min_value=0, max_value=100, step=1, format="%.0f%%"
                    ),
                },
            )
            for b in blocs:
                if b not in visible:
                    _pct_slider(
                        f"{b} minimum",
                        bloc_key(b),
                        f"At least this share of every element from {b} members "
                        f"({', '.join(dataset.bloc_members(b))}).",
                    )
            st.slider(
                "Cap on each element's HHI",
                0.0,
                1.0,
                step=0.05,
                key=HHI_CAP,
                help="A ceiling on every element's concentration (HHI, 0-1); 1 = no cap. "
                "Mostly useful with the least-cost objective.",
            )
            if NO_WORSE in ss:
                st.toggle(
                    "No element worse than today",
                    key=NO_WORSE,
                    help="A portfolio objective may trade one element's risk for another's; "
                    "with this on, no element's measure may rise above today's mix (a breach "
                    "is reported, not hidden).",
                )
            st.selectbox(
                "Element weights",
                list(WEIGHTINGS),
                key=WEIGHTS,
                format_func=lambda w: WEIGHT_LABELS.get(w, w),
                help="How per-element risk and shares combine into the portfolio figures.",
            )
    values = {k: ss[k] for k in defaults(dataset) if k in ss}
    values[CAPS] = caps
    values[ELEMENT_CAPS] = ecaps
    return build_policy(values, dataset)


def render_data(dataset: Dataset) -> None:
    """The dataset box: upload, template, and what is in use (as-of, fingerprint)."""
    ss = st.session_state
    with st.sidebar:
        st.markdown("### Data")
        upload = st.file_uploader(
            "Your dataset (.xlsx, or a .zip of CSVs)",
            type=["xlsx", "zip"],
            key="upload",
            help="Same tables and columns as the bundled data (download the blank template). "
            "A file with problems is listed and rejected; the current data and results stay.",
        )
        if upload is not None and upload.file_id != ss.get(state.UPLOAD_SEEN):
            ss[state.UPLOAD_SEEN] = upload.file_id
            with st.spinner(f"Checking {upload.name}…"):
                state.handle_upload(ss, upload.getvalue(), upload.name)
            st.rerun()
        rejected = ss.get(state.UPLOAD_PROBLEMS)
        if rejected:
            name, problems = rejected
            st.error(
                f"{name} was not loaded: {len(problems)} problem{'s' * (len(problems) != 1)} "
                "(listed on the page). Still using the data below."
            )
        if ss.get(state.UPLOAD_NAME):
            st.button(
                "Use the bundled data again",
                on_click=state.use_bundled,
                args=(ss,),
                width="stretch",
            )
        state.download(
            st,
            "Blank dataset template (.xlsx)",
            state.template_file(),
            file_name="ree-sourcing-template.xlsx",
        )
        source = ss.get(state.UPLOAD_NAME) or "bundled reference data"
        st.caption(
            f"**Dataset:** {source}  \n"
            f"{dataset.meta.get('name', '')}  \n"
            f"**As of** {dataset.as_of} · **sha256** `{fmt.short_hash(dataset.fingerprint)}`  \n"
            f"{len(dataset.demanded_elements)} elements · {len(dataset.suppliers)} suppliers  \n"
            f"{plant_counts(dataset)}"
        )


PLANTS_BY_STAGE = "{count} plants: {stages}"


def plant_counts(dataset: Dataset) -> str:
    """'51 plants: 14 mine · 18 separation · 6 metal · 13 magnet'."""
    by = dataset.plants["stage"].value_counts()
    stages = " · ".join(f"{by[s]} {s}" for s in dataset.stages)
    return PLANTS_BY_STAGE.format(count=len(dataset.plants), stages=stages)
