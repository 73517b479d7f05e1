"""Frames behind the app's scenario and sensitivity views: pure pandas, no plotting, no streamlit.

- Stress grids: one stress_test measure as a scenario x element table, 0 where a scenario
  leaves an element whole (stress_test lists only the shortfalls).
- Scenario facts: what each scenario is (description, probability, duration) and which
  suppliers it hits, i.e. which offers have availability below 1, for a map to mark.
- Sweep frames: a sweep table as a line (one parameter) or a surface (two), the sweep column
  that holds a measure, and a policy's own value of a sweep parameter, so a chart can mark where
  the current policy sits.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .dataset import Dataset
from .policy import Policy
from .scenarios import scenario_set
from .session import ALIASES, SCALARS

STRESS_MEASURES = ("short_share", "short_t", "value_at_risk_usd", "uncovered_t")
"""stress_test columns a grid can show: share of demand short over the disruption, tonnes
short, their value in USD, and tonnes left uncovered after spare capacity and the stockpile."""

HIT_BELOW = 1.0 - 1e-9  # availability below this means the scenario hits the offer


def stress_grid(
    table: pd.DataFrame,
    measure: str,
    scenarios: list[str] | tuple[str, ...],
    elements: list[str] | tuple[str, ...],
) -> pd.DataFrame:
    """One measure of a stress_test table as scenarios (rows) x elements (columns), in the order
    given; 0 where the table has no row (the scenario leaves that element whole)."""
    if measure not in STRESS_MEASURES:
        raise ValueError(f"unknown measure {measure!r}: choose {', '.join(STRESS_MEASURES)}")
    grid = table.pivot_table(
        index="scenario", columns="element", values=measure, aggfunc="sum", fill_value=0.0
    )
    grid = grid.reindex(index=list(scenarios), columns=list(elements), fill_value=0.0)
    grid = grid.fillna(0.0).astype(float)
    grid.index.name, grid.columns.name = "scenario", "element"
    return grid


def _offer_pairs(dataset: Dataset, elements: list[str] | None) -> list[tuple[str, str]]:
    offers = dataset.offers
    if elements is not None:
        offers = offers[offers["element"].isin(elements)]
    return list(zip(offers["supplier"], offers["element"], strict=True))


def scenario_info(dataset: Dataset, elements: list[str] | None = None) -> pd.DataFrame:
    """One row per scenario, in the dataset's order: scenario, description, probability (as
    given), duration_days, suppliers_hit (codes of suppliers with an offer of `elements`, default
    every element, whose availability is below 1)."""
    columns = ["scenario", "description", "probability", "duration_days", "suppliers_hit"]
    if dataset.scenarios.empty:
        return pd.DataFrame(columns=columns)
    pairs = _offer_pairs(dataset, elements)
    ss = scenario_set(dataset, pairs)
    suppliers = np.array([s for s, _ in pairs], dtype=object)
    rows = []
    for k, name in enumerate(ss.names):
        hit = suppliers[ss.availability[k] < HIT_BELOW] if len(pairs) else []
        rows.append(
            {
                "scenario": name,
                "description": ss.description[k],
                "probability": float(ss.probability[k]),
                "duration_days": float(ss.duration_days[k]),
                "suppliers_hit": ", ".join(dict.fromkeys(hit)),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def scenario_hits(
    dataset: Dataset, scenario: str, elements: list[str] | None = None
) -> pd.DataFrame:
    """The suppliers a scenario hits among the offers of `elements` (default: every element):
    supplier, name, kind, elements (hit, in the dataset's element order), offered (how many of
    `elements` the supplier offers), availability_min, availability_max (0-1, what still arrives)
    and detail, in words ('nothing arrives, all 16 elements it offers', 'Dy, Tb: 70% arrives;
    Sm: 90% arrives').
    Suppliers in the dataset's order; empty when the scenario hits none of them."""
    columns = [
        "supplier",
        "name",
        "kind",
        "elements",
        "offered",
        "availability_min",
        "availability_max",
        "detail",
    ]
    pairs = _offer_pairs(dataset, elements)
    ss = scenario_set(dataset, pairs, (scenario,))
    frame = pd.DataFrame(
        {
            "supplier": [s for s, _ in pairs],
            "element": [e for _, e in pairs],
            "availability": ss.availability[0] if len(pairs) else [],
        }
    )
    offered = frame.groupby("supplier")["element"].count()
    hit = frame[frame["availability"] < HIT_BELOW]
    order = {e: i for i, e in enumerate(dataset.elements.index)}
    rows = []
    for supplier in dataset.suppliers.index:
        mine = hit[hit["supplier"] == supplier]
        if mine.empty:
            continue
        mine = mine.assign(_rank=mine["element"].map(order)).sort_values("_rank")
        n = int(offered.get(supplier, 0))
        rows.append(
            {
                "supplier": supplier,
                "name": dataset.suppliers.at[supplier, "name"],
                "kind": dataset.suppliers.at[supplier, "kind"],
                "elements": list(mine["element"]),
                "offered": n,
                "availability_min": float(mine["availability"].min()),
                "availability_max": float(mine["availability"].max()),
                "detail": _detail(mine, n),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _detail(hit: pd.DataFrame, offered: int) -> str:
    levels = hit.groupby("availability", sort=True)["element"].agg(list)
    if len(levels) == 1 and len(hit) == offered and offered > 1:
        a = levels.index[0]
        arrives = "nothing arrives" if a <= 0 else f"only {a:.0%} arrives"
        return f"{arrives}, all {offered} elements it offers"
    return "; ".join(
        f"{', '.join(es)}: {'nothing' if a <= 0 else f'{a:.0%}'} arrives"
        for a, es in levels.items()
    )


# --- sweeps ----------------------------------------------------------------------------------

SWEEP_MEASURES = ("hhi", "china_share", "forge_share", "cost_usd", "unmet_t", "objective")


def measure_column(measure: str, objective: str) -> str | None:
    """The sweep table's column for a measure; 'objective' is the policy's own objective."""
    if measure == "objective":
        return "objective_value"
    if measure not in SWEEP_MEASURES:
        raise ValueError(f"unknown measure {measure!r}: choose {', '.join(SWEEP_MEASURES)}")
    return measure


def sweep_line(table: pd.DataFrame, parameter: str, column: str) -> pd.DataFrame:
    """A one-parameter sweep as x (the parameter's value), y (the column; NaN where the point was
    invalid) and status, ordered by x."""
    y = table[column] if column in table else pd.Series(np.nan, index=table.index)
    out = pd.DataFrame(
        {
            "x": table[parameter].astype(float),
            "y": pd.to_numeric(y, errors="coerce"),
            "status": table["status"],
        }
    )
    return out.sort_values("x", kind="stable").reset_index(drop=True)


def sweep_surface(table: pd.DataFrame, x: str, y: str, column: str) -> pd.DataFrame:
    """A two-parameter sweep as a grid: rows the values of `y`, columns the values of `x` (both
    ascending), cells the column (NaN where the point was invalid; text columns such as status
    are kept as text)."""
    if column not in table:
        table = table.assign(**{column: np.nan})
    grid = table.pivot_table(index=y, columns=x, values=column, aggfunc="first", dropna=False)
    return grid.sort_index().sort_index(axis=1)


def policy_parameter(policy: Policy, name: str) -> float:
    """The policy's own value of a sweep parameter (see session.apply_parameter), with 'no cap'
    as 1.0 and 'no minimum' as 0.0, so a sweep chart can mark the current policy. NaN when the
    policy has no such value (e.g. the premium of a policy with an absolute budget)."""
    name = ALIASES.get(name, name)
    if name in SCALARS:
        value = getattr(policy, name)
        if value is None:
            return 1.0 if name == "country_cap" else math.nan
        return float(value)
    kind, _, target = name.partition(".")
    element, colon, who = target.rpartition(":")
    if kind == "cap" and who:
        if colon and who in policy.element_caps.get(element, {}):
            return float(policy.element_caps[element][who])
        return float(policy.caps.get(who, 1.0))
    if kind == "bloc_min" and who:
        if colon:
            return float(policy.bloc_min_for(who, element))
        return float(policy.bloc_min.get(who, 0.0))
    raise ValueError(f"unknown sweep parameter {name!r}")
