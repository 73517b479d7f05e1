"""Frames behind the app's scenario and sensitivity views: pure pandas, no plotting, no streamlit.

- Stress grids: one stress_test measure as a scenario x element table, 0 where a scenario
  leaves an element whole (stress_test lists only the shortfalls).
- Scenario facts: what each scenario is (description, probability, duration) and which
  suppliers it hits: the countries whose plants, upstream on an arc of the operating network
  (or of given flows), ship less than all of their output (ScenarioSet.availability below 1),
  for a map to mark.
- Sweep frames: a sweep table as a line (one parameter) or a surface (two), the sweep column
  that holds a measure, and a policy's own value of a sweep parameter, so a chart can mark where
  the current policy sits.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from . import scenarios
from .dataset import Dataset
from .network.graph import build_network
from .network.model import active_plants
from .policy import Policy
from .scenarios import ARC_COLUMNS, ScenarioSet, scenario_set
from .schema import STAGES
from .session import ALIASES, SCALARS

STRESS_MEASURES = ("short_share", "short_t", "value_at_risk_usd", "uncovered_t")
"""stress_test columns a grid can show: share of demand short over the disruption, tonnes
short, their value in USD, and tonnes left uncovered after spare capacity and the stockpile."""

HIT_BELOW = 1.0 - 1e-9  # availability below this means the scenario hits the plant


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


def scenario_arcs(
    dataset: Dataset, elements: list[str] | None = None, flows: list[pd.DataFrame] | None = None
) -> pd.DataFrame:
    """The arcs (element, from, to) whose upstream plants a scenario may hit: those of `flows`
    (frames with element, from, to, e.g. today's and the optimized flows) when given, else every
    arc of the operating network, over `elements` (default: every element with demand)."""
    scope = [e for e in dataset.demanded_elements if elements is None or e in elements]
    if flows is not None:
        frames = [scenarios.flows_of(f)[ARC_COLUMNS] for f in flows]
        arcs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ARC_COLUMNS)
    else:
        arcs = _network_arcs(dataset, tuple(scope))
    # a feed rule naming one element opens its arcs whatever the scope: keep the scope's only
    arcs = arcs[arcs["element"].isin(scope)]
    return arcs.drop_duplicates().reset_index(drop=True)


@lru_cache(maxsize=32)
def _network_arcs(dataset: Dataset, scope: tuple[str, ...]) -> pd.DataFrame:
    active = active_plants(dataset, None, stockpile=False)
    net = build_network(
        dataset.plants, dataset.capacity, dataset.feeds, dataset.demand, list(scope), active
    )
    return net.arcs[ARC_COLUMNS]


def _plant_availability(
    dataset: Dataset, arcs: pd.DataFrame, names: tuple[str, ...] | None
) -> tuple[ScenarioSet, pd.DataFrame]:
    """The scenario set over `arcs`, and one row per (element, upstream plant) of them: element,
    plant, supplier, stage; with the set's availability rows (scenarios x these rows)."""
    ss = scenario_set(dataset, arcs, names)
    plants = dataset.plants
    frame = pd.DataFrame(
        {
            "element": arcs["element"].to_numpy(),
            "plant": arcs["from"].to_numpy(),
            "supplier": arcs["from"].map(plants["country"]).to_numpy(),
            "stage": arcs["from"].map(plants["stage"]).to_numpy(),
        }
    )
    return ss, frame


def scenario_info(
    dataset: Dataset, elements: list[str] | None = None, flows: list[pd.DataFrame] | None = None
) -> pd.DataFrame:
    """One row per scenario, in the dataset's order: scenario, description, probability (as
    given), duration_days, suppliers_hit (codes of the suppliers whose plants on the arcs of
    scenario_arcs(dataset, elements, flows) ship less than all of their output)."""
    columns = ["scenario", "description", "probability", "duration_days", "suppliers_hit"]
    if dataset.scenarios.empty:
        return pd.DataFrame(columns=columns)
    ss, plants = _plant_availability(dataset, scenario_arcs(dataset, elements, flows), None)
    suppliers = plants["supplier"].to_numpy(dtype=object)
    rows = []
    for k, name in enumerate(ss.names):
        hit = suppliers[ss.availability[k] < HIT_BELOW] if len(plants) else []
        rows.append(
            {
                "scenario": name,
                "description": ss.description[k],
                "probability": float(ss.probability[k]),
                "duration_days": float(ss.duration_days[k]),
                "suppliers_hit": ", ".join(_in_order(dataset, hit)),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def _in_order(dataset: Dataset, codes) -> list[str]:
    found = set(codes)
    return [s for s in dataset.suppliers.index if s in found]


HIT_COLUMNS = [
    "supplier", "name", "kind", "elements", "stages", "offered", "availability_min",
    "availability_max", "detail",
]  # fmt: skip


def scenario_hits(
    dataset: Dataset,
    scenario: str,
    elements: list[str] | None = None,
    flows: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The suppliers a scenario hits among the upstream plants of scenario_arcs(dataset,
    elements, flows): supplier, name, kind, elements (hit, in the dataset's element order),
    stages (hit, in chain order), offered (how many of `elements` the supplier's plants there
    handle), availability_min, availability_max (0-1, the share its plants still ship) and
    detail, in words ('nothing ships, all 16 elements it handles (mine, separation)', 'Dy, Tb:
    70% ships; Sm: 90% ships (separation)'). Suppliers in the dataset's order; empty when the
    scenario hits none of them."""
    ss, plants = _plant_availability(dataset, scenario_arcs(dataset, elements, flows), (scenario,))
    frame = plants.assign(availability=ss.availability[0] if len(plants) else [])
    frame = frame.drop_duplicates(["element", "plant"])
    offered = frame.groupby("supplier")["element"].nunique()
    hit = frame[frame["availability"] < HIT_BELOW]
    order = {e: i for i, e in enumerate(dataset.elements.index)}
    rows = []
    for supplier in _in_order(dataset, hit["supplier"]):
        mine = hit[hit["supplier"] == supplier]
        # an element is as hit as its most cut plant of this supplier
        worst = mine.groupby("element")["availability"].min()
        worst = worst.loc[sorted(worst.index, key=order.get)]
        stages = [s for s in STAGES if s in set(mine["stage"])]
        n = int(offered.get(supplier, 0))
        rows.append(
            {
                "supplier": supplier,
                "name": dataset.suppliers.at[supplier, "name"],
                "kind": dataset.suppliers.at[supplier, "kind"],
                "elements": list(worst.index),
                "stages": stages,
                "offered": n,
                "availability_min": float(worst.min()),
                "availability_max": float(worst.max()),
                "detail": _detail(worst, n, stages),
            }
        )
    return pd.DataFrame(rows, columns=HIT_COLUMNS)


# Words of the scenario details (one place, for the message catalogue to come)
NOTHING_SHIPS = "nothing ships"
SHARE_SHIPS = "only {share} ships"
ALL_ELEMENTS = "{what}, all {count} elements it handles"
LEVEL = "{elements}: {share} ships"
NOTHING = "nothing"


def _detail(worst: pd.Series, offered: int, stages: list[str]) -> str:
    levels = worst.groupby(worst.to_numpy(), sort=True).apply(lambda s: list(s.index))
    where = f" ({', '.join(stages)})"
    if len(levels) == 1 and len(worst) == offered and offered > 1:
        a = levels.index[0]
        what = NOTHING_SHIPS if a <= 0 else SHARE_SHIPS.format(share=f"{a:.0%}")
        return ALL_ELEMENTS.format(what=what, count=offered) + where
    return (
        "; ".join(
            LEVEL.format(elements=", ".join(es), share=NOTHING if a <= 0 else f"{a:.0%}")
            for a, es in levels.items()
        )
        + where
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
        if colon and who in policy.element_bloc_min.get(element, {}):
            return float(policy.element_bloc_min[element][who])
        return float(policy.bloc_min.get(who, 0.0))
    raise ValueError(f"unknown sweep parameter {name!r}")
