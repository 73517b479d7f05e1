"""Sensitivity: how a result moves when one or two policy settings move, from the library's
sweep (one built model, re-solved per grid point). A line for one parameter, a heatmap for two,
the current policy marked; the table downloads as the command line writes it."""

from __future__ import annotations

import math
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from .. import heatmaps
from ..dataset import Dataset
from ..errors import InputError
from ..lp import SolverError
from ..policy import RECYCLING_BLOC, ROBUST_OBJECTIVES, Policy
from ..session import parse_grid
from ..solution import Solution
from . import charts, state
from . import format as fmt
from .i18n import t

PREFIX = "sens_"
PARAM_X = "sens_param_x"
PARAM_Y = "sens_param_y"
MEASURE = "sens_measure"
NONE = "__none__"
MAX_POINTS = 400
SECONDS_PER_POINT = {"hhi": 0.07, "wgi-hhi": 0.07}  # measured on the bundled data
OTHER_SECONDS = 0.015


@dataclass(frozen=True)
class Parameter:
    """A sweep parameter as the controls show it: display = library value x scale."""

    key: str  # catalogue id: sens.p_<key>
    unit: str  # shown after numbers: "%", " days", ""
    scale: float
    start: float  # default range and points, display units
    stop: float
    points: int
    low: float  # bounds of the inputs, display units
    high: float
    step: float

    @property
    def label(self) -> str:
        return t(f"sens.p_{self.key}")

    def axis(self) -> str:
        unit = {"%": " (%)", " days": " " + t("sens.days_unit")}.get(self.unit, "")
        return f"{self.label}{unit}"


PARAMETERS = {
    "china_cap": Parameter("china_cap", "%", 100, 30, 100, 8, 0, 100, 5),
    "budget_premium": Parameter("budget_premium", "%", 100, 0, 50, 6, 0, 200, 5),
    "country_cap": Parameter("country_cap", "%", 100, 40, 100, 7, 0, 100, 5),
    "forge_min": Parameter("forge_min", "%", 100, 0, 30, 7, 0, 100, 5),
    "recycled_min": Parameter("recycled_min", "%", 100, 0, 30, 7, 0, 100, 5),
    "stockpile_days": Parameter("stockpile_days", " days", 1, 0, 180, 7, 0, 365, 5),
    "alpha": Parameter("alpha", "", 1, 0.8, 0.98, 7, 0.5, 0.99, 0.01),
}
DEFAULT_X, DEFAULT_Y = "china_cap", "budget_premium"


@dataclass(frozen=True)
class Measure:
    key: str  # catalogue id sens.m_<key>, with {unit} for money
    scale: float  # display = sweep column x scale
    number: str  # format of the numbers
    higher_is_better: bool = False
    money: bool = False  # in the session's currency (scale from USD x million_scale)

    @property
    def label(self) -> str:
        factor, unit = fmt.million_scale()
        return t(f"sens.m_{self.key}", unit=unit) if self.money else t(f"sens.m_{self.key}")

    @property
    def shown_scale(self) -> float:
        return self.scale * fmt.million_scale()[0] if self.money else self.scale


MEASURES = {
    "hhi": Measure("hhi", 1.0, ".3f"),
    "china_share": Measure("china_share", 100.0, ".1f"),
    "forge_share": Measure("forge_share", 100.0, ".1f", higher_is_better=True),
    "cost_usd": Measure("cost_usd", 1e-6, ",.1f", money=True),
    "unmet_t": Measure("unmet_t", 1.0, ",.1f"),
}
OBJECTIVE_MEASURES = {
    "hhi": Measure("o_hhi", 1.0, ".3f"),
    "wgi-hhi": Measure("o_wgi", 1.0, ".3f"),
    "max-share": Measure("o_max", 100.0, ".1f"),
    "top3": Measure("o_top3", 100.0, ".1f"),
    "cost": Measure("o_cost", 1e-6, ",.1f", money=True),
    "cvar": Measure("o_cvar", 1e-6, ",.2f", money=True),
    "worst-case": Measure("o_worst", 1e-6, ",.2f", money=True),
    "expected-loss": Measure("o_expected", 1e-6, ",.2f", money=True),
}


def measure_spec(measure: str, objective: str) -> Measure:
    return OBJECTIVE_MEASURES[objective] if measure == "objective" else MEASURES[measure]


def available_parameters(dataset: Dataset, policy: Policy) -> list[str]:
    """The parameters that can change this policy's result on this dataset."""
    out = []
    for name in PARAMETERS:
        if name == "budget_premium" and (policy.objective == "cost" or policy.budget_usd):
            continue  # the least-cost objective has no budget; an absolute budget replaces it
        if name == "forge_min" and "FORGE" not in dataset.blocs:
            continue
        if name == "recycled_min" and not dataset.bloc_members(RECYCLING_BLOC):
            continue
        if name == "stockpile_days" and policy.objective not in ROBUST_OBJECTIVES:
            continue
        if name == "alpha" and policy.objective != "cvar":
            continue
        out.append(name)
    return out


def available_measures(objective: str) -> list[str]:
    return [*MEASURES, *(["objective"] if objective in OBJECTIVE_MEASURES else [])]


def kept_keys(session: MutableMapping[str, Any]) -> tuple[str, ...]:
    """This tab's controls, kept while the tab is closed."""
    return tuple(k for k in list(session.keys()) if str(k).startswith(PREFIX))


def range_keys(name: str) -> tuple[str, str, str]:
    return f"{PREFIX}{name}_start", f"{PREFIX}{name}_stop", f"{PREFIX}{name}_points"


def grid_of(session: MutableMapping[str, Any], name: str) -> list[float]:
    """The parameter's values (library units), through the library's own grid parser."""
    p = PARAMETERS[name]
    start, stop, points = (session[k] for k in range_keys(name))
    _, values = parse_grid(f"{name}={start / p.scale!r}:{stop / p.scale!r}:{int(points)}")
    return values


def cli_text(grids: dict[str, list[float]], session: MutableMapping[str, Any]) -> str:
    parts = []
    for name in grids:
        p = PARAMETERS[name]
        start, stop, points = (session[k] for k in range_keys(name))
        parts.append(f"--grid {name}={start / p.scale:g}:{stop / p.scale:g}:{int(points)}")
    return "ree-sourcing sweep --policy policy.yaml " + " ".join(parts) + " --out sweep.csv"


def render(solution: Solution) -> None:
    ss = st.session_state
    ds, policy = solution.dataset, solution.policy
    st.markdown(t("sens.intro"))
    names = available_parameters(ds, policy)
    if not names:
        st.info(t("sens.none"))
        return
    if ss.get(PARAM_X) not in names:
        ss[PARAM_X] = DEFAULT_X if DEFAULT_X in names else names[0]
    if ss.get(PARAM_Y) not in (NONE, *names) or ss.get(PARAM_Y) == ss[PARAM_X]:
        ss[PARAM_Y] = DEFAULT_Y if DEFAULT_Y in names and ss[PARAM_X] != DEFAULT_Y else NONE
    for name in names:
        p = PARAMETERS[name]
        for key, value in zip(range_keys(name), (p.start, p.stop, p.points), strict=True):
            ss.setdefault(key, value)

    x = _parameter_row(t("sens.param_x"), PARAM_X, names)
    others = [n for n in names if n != x]
    if ss.get(PARAM_Y) not in (NONE, *others):
        ss[PARAM_Y] = NONE
    y = _parameter_row(t("sens.param_y"), PARAM_Y, [NONE, *others])
    y = None if y in (None, NONE) else y

    measures = available_measures(policy.objective)
    if ss.get(MEASURE) not in measures:
        ss[MEASURE] = "objective" if "objective" in measures else "hhi"
    grids: dict[str, list[float]] = {}
    problem = None
    try:
        if y:  # the y parameter is the outer loop: the sweep fills the heatmap row by row
            grids[y] = grid_of(ss, y)
        grids[x] = grid_of(ss, x)
    except InputError as e:
        problem = "; ".join(p.message for p in e.problems)
    total = math.prod(len(v) for v in grids.values()) if grids else 0
    seconds = total * SECONDS_PER_POINT.get(policy.objective, OTHER_SECONDS)

    c = st.columns([1.6, 1, 2])
    measure = c[0].selectbox(
        t("map.measure"),
        measures,
        key=MEASURE,
        format_func=lambda m: measure_spec(m, policy.objective).label,
        help=t("sens.measure_help"),
    )
    too_many = total > MAX_POINTS
    c[1].markdown("<div style='height:1.75rem'></div>", unsafe_allow_html=True)
    run = c[1].button(
        t("sens.run", count=f"{total:,}"),
        type="primary",
        width="stretch",
        disabled=bool(problem) or too_many or total == 0,
        key="run_sweep",
        icon=":material/play_arrow:",
    )
    c[2].caption(
        t("sens.estimate", count=f"{total:,}", seconds=f"{max(seconds, 0.5):.0f}")
        + " "
        + (t("sens.too_many", most=MAX_POINTS) if too_many else t("sens.kept"))
    )
    if "china_cap" in (x, y) and policy.country_cap is not None:
        st.caption(t("sens.country_holds", cap=f"{policy.country_cap:.0%}"))
    if problem:
        st.error(t("sens.bad_grid", problem=fmt.md(problem)))
        return

    table = state.cached_sweep(ds, policy, grids)
    if run and table is None:
        bar = st.progress(0.0, text=t("sens.solving", count=f"{total:,}"))

        def progress(done: int, count: int) -> None:
            bar.progress(done / count, text=t("sens.solved", done=f"{done:,}", count=f"{count:,}"))

        try:
            table = state.run_sweep(ds, policy, grids, progress)
        except InputError as e:
            bar.empty()
            st.error(t("sens.cannot_run") + "\n" + "\n".join(f"- {fmt.md(p)}" for p in e.problems))
            return
        except SolverError as e:  # a library fault, not the user's: say so plainly
            bar.empty()
            st.error(t("sens.solver_fault", error=fmt.md(e)))
            return
        bar.empty()
    if table is None:
        st.info(t("sens.press_run"))
        return
    _draw(solution, table, x, y, measure)
    _notes(table)
    d = st.columns([1, 3])
    state.download(
        d[0],
        t("sens.download"),
        state.sweep_csv(table),
        file_name="sweep.csv",
        icon=":material/table:",
        key="download_sweep",
    )
    d[1].caption(t("sens.cli") + "  \n" + f"`{cli_text(grids, ss)}`")
    with st.expander(t("sens.table")):
        st.dataframe(table, hide_index=True, width="stretch", key="sweep_table")


def _parameter_row(label: str, key: str, options: list[str]) -> str:
    c = st.columns([1.6, 1, 1, 0.8])
    name = c[0].selectbox(
        label,
        options,
        key=key,
        format_func=lambda n: t("sens.one_param") if n == NONE else PARAMETERS[n].label,
    )
    if name in (None, NONE):
        return NONE
    p = PARAMETERS[name]
    start, stop, points = range_keys(name)
    number = "%.2f" if p.step < 1 else "%.0f"
    unit = p.unit.strip()
    shown_unit = t("sens.days_word") if unit == "days" else unit
    c[1].number_input(
        t("sens.from") + (f" ({shown_unit})" if unit else ""),
        min_value=float(p.low),
        max_value=float(p.high),
        step=float(p.step),
        format=number,
        key=start,
    )
    c[2].number_input(
        t("sens.to") + (f" ({shown_unit})" if unit else ""),
        min_value=float(p.low),
        max_value=float(p.high),
        step=float(p.step),
        format=number,
        key=stop,
    )
    c[3].number_input(t("sens.points"), min_value=2, max_value=40, step=1, key=points)
    return name


def _current_y(solution: Solution, measure: str) -> float:
    if measure == "objective":
        return solution.objective_value
    return solution.portfolio[measure]


def _draw(solution: Solution, table: pd.DataFrame, x: str, y: str | None, measure: str) -> None:
    policy = solution.policy
    column = heatmaps.measure_column(measure, policy.objective)
    spec = measure_spec(measure, policy.objective)
    px = PARAMETERS[x]
    cx = heatmaps.policy_parameter(policy, x) * px.scale
    if y is None:
        line = heatmaps.sweep_line(table, x, column)
        line["x"] = line["x"] * px.scale
        line["y"] = line["y"] * spec.shown_scale
        fig = charts.sweep_line_chart(
            line,
            px.axis(),
            spec.label,
            spec.number,
            current=(cx, _current_y(solution, measure) * spec.shown_scale),
        )
    else:
        py = PARAMETERS[y]
        surface = heatmaps.sweep_surface(table, x, y, column) * spec.shown_scale
        status = heatmaps.sweep_surface(table, x, y, "status")
        for frame in (surface, status):
            frame.columns = [v * px.scale for v in frame.columns]
            frame.index = [v * py.scale for v in frame.index]
        cy = heatmaps.policy_parameter(policy, y) * py.scale
        fig = charts.sweep_heatmap(
            surface,
            status,
            px.axis(),
            py.axis(),
            spec.label,
            spec.number,
            current=(cx, cy),
            reverse=spec.higher_is_better,
        )
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False}, key="sweep_chart")


def _notes(table: pd.DataFrame) -> None:
    counts = table["status"].value_counts()
    short, invalid = int(counts.get("shortfall", 0)), int(counts.get("invalid", 0))
    notes = []
    if short:
        notes.append(t("sens.short_note", short=short, total=len(table)))
    if invalid:
        first = table.loc[table["status"] == "invalid", "error"].iloc[0]
        notes.append(t("sens.invalid_note", count=invalid, first=fmt.md(first)))
    if notes:
        st.caption(" ".join(notes))
