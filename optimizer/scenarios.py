"""Disruption scenarios: which arcs an event cuts, and a stress test of each event alone.

A scenario (an event of the library) says which share of a supplier's output still moves on
(availability) while it lasts; rows may name one element or all (*) and one stage or all. A
plant takes its supplier's availability. A flow on arc i -> j loses the part of it that i
withholds and j would have passed on: max(0, a_j - a_i), with Korea's a = 1. So a Myanmar mine
stop loses the ore China would have separated, a Chinese export stop loses what leaves China,
and flows inside one stopped country are not counted twice. How often events happen, how long
they last and what a year of them costs is optimizer/uncertainty.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError, Problem
from .rules import capacity_in_force
from .schema import ANY_ELEMENT, KOREA, STAGES

DAYS = 365.0
USD_PER_T = 1000.0  # price_usd_kg * 1000 = USD per tonne
ARC_COLUMNS = ["element", "from", "to"]


@dataclass(frozen=True)
class ScenarioSet:
    """Selected scenarios with their probabilities and the share of each arc's flow lost."""

    names: tuple[str, ...]
    probability: np.ndarray  # per event: that it begins in a year (independent events)
    duration_days: np.ndarray  # typical
    description: tuple[str, ...]
    arcs: pd.DataFrame  # element, from, to: the columns of `loss`
    loss: np.ndarray  # scenarios x arcs, 0 = unaffected
    availability: np.ndarray  # scenarios x arcs: what the arc's upstream plant still ships
    duration_low: np.ndarray  # the range a duration is drawn from (optimizer/uncertainty.py)
    duration_high: np.ndarray


def scenario_set(dataset: Dataset, arcs, names: tuple[str, ...] | None = None) -> ScenarioSet:
    """The loss on each arc under each scenario. `arcs` is a frame with element, from and to
    (or a Network, whose arcs are used). Within a scenario a row for one element overrides its
    supplier's '*' row, and a row for one stage overrides a row for every stage."""
    arcs = getattr(arcs, "arcs", arcs)[ARC_COLUMNS].reset_index(drop=True)
    sc = dataset.scenarios
    known = list(dict.fromkeys(sc["scenario"]))
    chosen = list(known if names is None else names)
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise InputError(
            [
                Problem(
                    "scenarios",
                    f"unknown scenario: choose from {', '.join(known) or 'none in this dataset'}",
                    value=n,
                )
                for n in unknown
            ]
        )
    plants = dataset.plants
    nodes = list(dict.fromkeys([*arcs["from"], *arcs["to"]]))
    node = {p: i for i, p in enumerate(nodes)}
    country = np.array([plants.at[p, "country"] if p != KOREA else "" for p in nodes], dtype=object)
    stage = np.array([plants.at[p, "stage"] if p != KOREA else "" for p in nodes], dtype=object)
    elements = list(dict.fromkeys(arcs["element"]))
    el = {e: i for i, e in enumerate(elements)}
    ai = arcs["from"].map(node).to_numpy()
    aj = arcs["to"].map(node).to_numpy()
    ae = arcs["element"].map(el).to_numpy()
    groups = dict(list(sc.groupby("scenario", sort=False)))  # one pass, not one filter a scenario
    has_stage = "stage" in sc.columns
    loss = np.zeros((len(chosen), len(arcs)))
    ship = np.ones((len(chosen), len(arcs)))
    prob, dur, desc, low, high = [], [], [], [], []
    for k, name in enumerate(chosen):
        rows = groups[name]
        avail = np.ones((len(nodes), len(elements)))  # node x element
        stages = rows["stage"] if has_stage else pd.Series("", index=rows.index)
        # general rows first, so a row for one element or one stage overrides them
        ordered = sorted(
            zip(
                rows["supplier"],
                rows["element"],
                stages.fillna(""),
                rows["availability"],
                strict=True,
            ),
            key=lambda r: (r[1] != ANY_ELEMENT) + (r[2] != ""),
        )
        for sup, e, stg, a in ordered:
            hit = country == sup
            if stg:
                hit &= stage == stg
            if e == ANY_ELEMENT:
                avail[hit, :] = a
            elif e in el:
                avail[hit, el[e]] = a
        a_i, a_j = avail[ai, ae], avail[aj, ae]
        a_j = np.where(arcs["to"].to_numpy() == KOREA, 1.0, a_j)
        loss[k] = np.maximum(a_j - a_i, 0.0)
        ship[k] = a_i
        prob.append(float(rows["probability"].iloc[0]))
        first = rows.iloc[0]
        d = first.get("duration_days", np.nan)
        d = DAYS if pd.isna(d) else float(d)
        lo, hi = first.get("duration_low_days", np.nan), first.get("duration_high_days", np.nan)
        dur.append(d)
        low.append(d if pd.isna(lo) else float(lo))
        high.append(d if pd.isna(hi) else float(hi))
        desc.append(str(first["description"]))
    return ScenarioSet(
        tuple(chosen), np.array(prob), np.array(dur), tuple(desc), arcs, loss, ship,
        np.array(low), np.array(high),
    )  # fmt: skip


def flows_of(mix: pd.DataFrame) -> pd.DataFrame:
    """A flows frame (element, from, to, tonnes) from a flows table in either spelling
    (from/to, or the export's from_plant/to_plant). Round one's mixes (element, supplier,
    tonnes) are deliveries from the plants a single-stage dataset names after its suppliers."""
    if "from_plant" in mix.columns:
        mix = mix.rename(columns={"from_plant": "from", "to_plant": "to"})
    elif "from" not in mix.columns and "supplier" in mix.columns:
        mix = mix.rename(columns={"supplier": "from"}).assign(to=KOREA)
    return mix[[*ARC_COLUMNS, "tonnes"]]


def arc_vector(mix: pd.DataFrame, arcs: pd.DataFrame) -> np.ndarray:
    tonnes = flows_of(mix).groupby(ARC_COLUMNS)["tonnes"].sum()
    return tonnes.reindex(pd.MultiIndex.from_frame(arcs[ARC_COLUMNS])).fillna(0.0).to_numpy()


def stock_tonnes(
    dataset: Dataset, elements: list[str], days: pd.Series | float | None
) -> np.ndarray:
    """Tonnes held per element: `days` of its demand (a Series by element, one number for all,
    or None for the dataset's stockpile table)."""
    demand = dataset.elements.loc[elements, "demand_t"].to_numpy(dtype=float)
    if days is None:
        days = dataset.stock_days
    if isinstance(days, pd.Series):
        d = days.reindex(elements).fillna(0.0).to_numpy(dtype=float)
    else:
        d = np.full(len(elements), float(days))
    return demand * d / DAYS


def held_days(dataset: Dataset, policy, elements: list[str]) -> pd.Series:
    """Days of stock a policy holds per element: its flat days or the dataset's stockpile
    table, raised to its target where one is set."""
    if policy.stockpile_days is None:
        days = dataset.stock_days.reindex(elements).fillna(0.0)
    else:
        days = pd.Series(float(policy.stockpile_days), index=elements)
    if policy.stockpile_target_days is not None:
        days = days.clip(lower=float(policy.stockpile_target_days))
    return days.rename("days")


def _membership(arcs: pd.DataFrame, elements: list[str]) -> np.ndarray:
    e = arcs["element"].to_numpy()
    return np.array([e == x for x in elements], dtype=float)


def shortfall_tonnes(ss: ScenarioSet, x: np.ndarray, elements: list[str]) -> np.ndarray:
    """Tonnes short per scenario and element over each scenario's duration (before stockpile)."""
    lost = ss.loss * x * (ss.duration_days[:, None] / DAYS)
    return lost @ _membership(ss.arcs, elements).T


STRESS_COLUMNS = [
    "scenario", "element", "probability", "duration_days", "demand_t", "short_t", "short_share",
    "value_at_risk_usd", "stockpile_days_needed", "stockpile_t", "spare_fill_t", "fill_cost_usd",
    "fill_premium_usd", "uncovered_t",
]  # fmt: skip


def _flows_elements(dataset: Dataset, flows: pd.DataFrame) -> list[str]:
    return [e for e in dataset.demanded_elements if e in set(flows["element"])]


def stress_test(
    dataset: Dataset,
    mix: pd.DataFrame,
    names: tuple[str, ...] | None = None,
    stock_days: pd.Series | float | None = None,
) -> pd.DataFrame:
    """Per scenario and element: tonnes short over the disruption, their value, the stockpile
    days needed to bridge them, and how much spare capacity at plants the scenario leaves alone
    could fill (the scarcest stage of the element's chain bounds it, cheapest plants first), at
    what cost; `uncovered_t` is left after both."""
    flows = flows_of(mix)
    flows = flows[flows["tonnes"] > 0].reset_index(drop=True)
    elements = _flows_elements(dataset, flows)
    arcs = flows[ARC_COLUMNS].drop_duplicates().reset_index(drop=True)
    ss = scenario_set(dataset, arcs, names)
    x = arc_vector(flows, arcs)
    ae = arcs["element"].to_numpy()
    short = shortfall_tonnes(ss, x, elements)
    demand = dataset.elements.loc[elements, "demand_t"].to_numpy()
    price = dataset.elements.loc[elements, "price_usd_kg"].to_numpy() * USD_PER_T
    stock = stock_tonnes(dataset, elements, stock_days)
    cap = capacity_in_force(dataset)
    cap = cap[cap["element"].isin(elements)].reset_index(drop=True)
    cap = cap[cap["plant"].map(dataset.plants["plant_status"]) == "operating"].reset_index(
        drop=True
    )
    through = flows.groupby(["from", "element"])["tonnes"].sum()
    used = through.reindex(pd.MultiIndex.from_frame(cap[["plant", "element"]])).fillna(0.0)
    spare_year = np.maximum(cap["capacity_t"].to_numpy() - used.to_numpy(), 0.0)
    cost = cap["cost_usd_kg"].to_numpy() * USD_PER_T
    cap_stage = cap["plant"].map(dataset.plants["stage"]).to_numpy()
    cap_country = cap["plant"].map(dataset.plants["country"]).to_numpy()
    landed = _cumulative_cost(dataset, flows)
    avoided = (
        ss.loss
        * x
        * np.array(
            [landed.get((i, e), 0.0) for e, i in zip(arcs["element"], arcs["from"], strict=True)]
        )
    )
    rows = []
    for k, name in enumerate(ss.names):
        frac = ss.duration_days[k] / DAYS
        hit = _hit_suppliers(dataset, name)
        for i, e in enumerate(elements):
            gap = short[k, i]
            if gap <= 1e-9:
                continue
            # per stage of the element's chain: spare at plants the scenario leaves alone
            spare = []
            for stg in STAGES:
                at = (cap["element"].to_numpy() == e) & (cap_stage == stg)
                if at.any():
                    free = np.flatnonzero(at & ~np.isin(cap_country, list(hit.get((e, stg), ()))))
                    spare.append((spare_year[free] * frac, cost[free]))
            fill = min([gap] + [float(t.sum()) for t, _ in spare])
            fill_cost = sum(_cheapest_fill(fill, t, c)[1] for t, c in spare)
            rows.append({
                "scenario": name, "element": e, "probability": ss.probability[k],
                "duration_days": ss.duration_days[k], "demand_t": demand[i], "short_t": gap,
                "short_share": gap / (demand[i] * frac), "value_at_risk_usd": gap * price[i],
                "stockpile_days_needed": gap / demand[i] * DAYS, "stockpile_t": stock[i],
                "spare_fill_t": fill, "fill_cost_usd": fill_cost,
                "fill_premium_usd": fill_cost - avoided[k, ae == e].sum() * frac * fill / gap,
                "uncovered_t": max(0.0, gap - fill - stock[i]),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=STRESS_COLUMNS)


def _hit_suppliers(dataset: Dataset, name: str) -> dict[tuple[str, str], set[str]]:
    """(element, stage) -> suppliers whose plants there the scenario slows at all."""
    sc = dataset.scenarios[dataset.scenarios["scenario"] == name]
    out: dict[tuple[str, str], set[str]] = {}
    stages = sc["stage"] if "stage" in sc.columns else pd.Series("", index=sc.index)
    for sup, e, stg, a in zip(
        sc["supplier"], sc["element"], stages.fillna(""), sc["availability"], strict=True
    ):
        if a >= 1:
            continue
        for el in dataset.demanded_elements if e == ANY_ELEMENT else [e]:
            for st in [stg] if stg else STAGES:
                out.setdefault((el, st), set()).add(sup)
    return out


def _cumulative_cost(dataset: Dataset, flows: pd.DataFrame) -> dict[tuple[str, str], float]:
    """USD per tonne a plant's output has cost by the time it leaves: its own cost plus the
    inflow-weighted cost of what fed it (stages run in order, so one pass suffices)."""
    cost = dataset.capacity.set_index(["plant", "element"])["cost_usd_kg"] * USD_PER_T
    stage = {s: i for i, s in enumerate(STAGES)}
    plants = sorted(
        set(zip(flows["from"], flows["element"], strict=True)),
        key=lambda pe: stage[dataset.plants.at[pe[0], "stage"]],
    )
    inner = flows[flows["to"] != KOREA]
    feeds = {k: g for k, g in inner.groupby(["to", "element"])}
    out: dict[tuple[str, str], float] = {}
    for p, e in plants:
        own = float(cost.get((p, e), 0.0))
        g = feeds.get((p, e))
        if g is not None and g["tonnes"].sum() > 0:
            up = [out.get((i, e), 0.0) for i in g["from"]]
            own += float(np.dot(up, g["tonnes"]) / g["tonnes"].sum())
        out[p, e] = own
    return out


def _cheapest_fill(gap: float, spare: np.ndarray, cost: np.ndarray) -> tuple[float, float]:
    filled, paid = 0.0, 0.0
    for j in np.argsort(cost, kind="stable"):
        take = min(spare[j], gap - filled)
        filled += take
        paid += take * cost[j]
    return filled, paid
