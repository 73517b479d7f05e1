"""Measures of any set of flows (optimized, today's, or a file's) at every stage of the chain.

A flows frame has columns element, from, to (a plant id or `korea`) and tonnes. Each tonne that
reaches Korea is attributed at every stage to the country whose plant performed that stage (see
graph.py); shares at a stage are fractions of what arrives through it, so an element that falls
short is judged on what it gets, and the shortfall is reported beside it. The arithmetic is on
dense (element, stage) x holder arrays: sweeps call it thousands of times.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .. import risk
from ..dataset import Dataset
from ..schema import KOREA, STAGES
from .graph import (
    KOREA_STAGE,
    STAGE_INDEX,
    UNKNOWN,
    expand_feeds,
    find_origins,
    find_stages_in_play,
)

CHINA = "CHN"
FORGE = "FORGE"
RISK_MEASURES = ("hhi", "wgi_hhi", "max_share", "top3_share", "china_share")
PORTFOLIO_MEASURES = (*RISK_MEASURES, "forge_share")
FLOW_COLUMNS = ["element", "from", "to", "tonnes"]


def measure_column(objective: str) -> str:
    """The metrics column holding an objective's value ('cost' -> cost_usd, 'top3' -> top3_share)."""
    return {"cost": "cost_usd", "top3": "top3_share"}.get(objective, objective.replace("-", "_"))


@lru_cache(maxsize=64)
def chain_facts(dataset: Dataset) -> tuple[frozenset, dict[str, tuple[int, ...]]]:
    """The dataset's origins and each demanded element's stages in play (cached per dataset)."""
    elements = list(dataset.elements.index)
    arcs = expand_feeds(dataset.plants, dataset.capacity, dataset.feeds, elements)
    return (
        find_origins(arcs, dataset.capacity),
        find_stages_in_play(
            dataset.plants, dataset.capacity, dataset.demand, dataset.demanded_elements
        ),
    )


@lru_cache(maxsize=64)
def plant_maps(dataset: Dataset) -> tuple[dict[str, int], dict[str, str]]:
    """Each plant's stage index and supplier code, as plain dicts (looked up per flow)."""
    return dict(dataset.plants["stage"].map(STAGE_INDEX)), dict(dataset.plants["country"])


def holders(dataset: Dataset) -> list[str]:
    """Columns of the measure arrays: every supplier code, then UNKNOWN."""
    return [*dataset.suppliers.index, UNKNOWN]


def stage_rows(dataset: Dataset, scope: tuple[str, ...] | list[str]) -> list[tuple[str, int]]:
    play = chain_facts(dataset)[1]
    return [(e, k) for e in scope for k in play.get(e, ())]


def stage_matrix(dataset: Dataset, flows: pd.DataFrame, scope: list[str]) -> np.ndarray:
    """Tonnes as an (element, stage) x holder array (rows: stage_rows, columns: holders)."""
    origins, play = chain_facts(dataset)
    rows = {ek: i for i, ek in enumerate(stage_rows(dataset, scope))}
    cols = {c: j for j, c in enumerate(holders(dataset))}
    out = np.zeros((len(rows), len(cols)))
    stage, country = plant_maps(dataset)
    for e, i, j, t in zip(
        flows["element"], flows["from"], flows["to"], flows["tonnes"], strict=True
    ):
        if e not in play or t == 0:
            continue
        lo = stage[i]
        hi = lo + 1 if j == KOREA else stage[j]
        start = lo if (i, e) not in origins else 0  # an origin's material has no plant before it
        for k in play[e]:
            if lo <= k < hi:
                out[rows[e, k], cols[country[i]]] += t
            elif start <= k < lo:
                out[rows[e, k], cols[UNKNOWN]] += t
    return out


def stage_arrays(dataset: Dataset, tonnes: np.ndarray, scope: list[str]) -> dict[str, np.ndarray]:
    """Per (element, stage) measures of a stage_matrix: shares of what arrives through it."""
    keys = stage_rows(dataset, scope)
    supplied = tonnes.sum(axis=1)
    shares = np.divide(
        tonnes, supplied[:, None], out=np.zeros_like(tonnes), where=supplied[:, None] > 0
    )
    cols = {c: j for j, c in enumerate(holders(dataset))}
    wgi = np.append(dataset.suppliers["wgi_risk"].to_numpy(dtype=float), 0.0)
    wgi[-1] = float(wgi[:-1].max(initial=10.0))  # unknown origin: the worst score in the data
    forge = [cols[s] for s in dataset.bloc_members(FORGE)]
    ordered = -np.sort(-shares, axis=1)
    need = stage_demand(dataset, keys)
    return {
        "demand_t": need,
        "supplied_t": supplied,
        "unknown_share": shares[:, cols[UNKNOWN]],
        "hhi": (shares**2).sum(axis=1),
        "wgi_hhi": (shares**2) @ wgi,
        "max_share": ordered[:, 0],
        "top3_share": ordered[:, : risk.TOP_K].sum(axis=1),
        "china_share": shares[:, cols[CHINA]] if CHINA in cols else np.zeros(len(keys)),
        "forge_share": shares[:, forge].sum(axis=1),
    }


def stage_demand(dataset: Dataset, keys: list[tuple[str, int]]) -> np.ndarray:
    """Tonnes passing each (element, stage) when demand is met: forms delivered there or later."""
    from ..schema import FORM_STAGE

    d = dataset.demand
    by = {}
    for e, form, t in zip(d["element"], d["form"], d["demand_t"], strict=True):
        for k in range(STAGE_INDEX[FORM_STAGE[form]] + 1):
            by[e, k] = by.get((e, k), 0.0) + float(t)
    return np.array([by.get(k, 0.0) for k in keys])


def stage_frame(dataset: Dataset, flows: pd.DataFrame, scope: list[str]) -> pd.DataFrame:
    """Per element and stage: demand_t, supplied_t, unknown_share and every measure."""
    arrays = stage_arrays(dataset, stage_matrix(dataset, flows, scope), scope)
    return pd.DataFrame(arrays, index=stage_index(dataset, tuple(scope)))


@lru_cache(maxsize=256)
def stage_index(dataset: Dataset, scope: tuple[str, ...]) -> pd.MultiIndex:
    keys = stage_rows(dataset, scope)
    return pd.MultiIndex.from_tuples([(e, STAGES[k]) for e, k in keys], names=["element", "stage"])


def stage_shares(dataset: Dataset, flows: pd.DataFrame, scope: list[str]) -> pd.DataFrame:
    """Long table element, stage, country, tonnes, share (of what arrives through the stage)."""
    m = stage_matrix(dataset, flows, scope)
    keys = stage_rows(dataset, scope)
    names = holders(dataset)
    r, c = np.nonzero(m > 1e-9)
    total = m.sum(axis=1)
    return pd.DataFrame(
        {
            "element": [keys[i][0] for i in r],
            "stage": [STAGES[keys[i][1]] for i in r],
            "country": [names[j] for j in c],
            "tonnes": m[r, c],
            "share": m[r, c] / total[r],
        }
    )


def aggregate(per_stage: pd.DataFrame, rule: str, scope: list[str]) -> pd.DataFrame:
    """One row per element: each risk measure at its worst stage (rule 'worst'), summed over
    stages ('sum'), or at one stage; the FORGE share at its lowest stage for 'worst'."""
    pos = {e: i for i, e in enumerate(scope)}
    rows = np.array(
        [pos.get(e, -1) for e in per_stage.index.get_level_values("element")], dtype=int
    )
    stages = np.asarray(per_stage.index.get_level_values("stage"))
    values = per_stage[list(PORTFOLIO_MEASURES)].to_numpy(dtype=float)
    out = aggregate_values(values, rows, stages, rule, len(scope))
    return pd.DataFrame(out, index=pd.Index(scope, name="element"), columns=PORTFOLIO_MEASURES)


def aggregate_values(
    values: np.ndarray, rows: np.ndarray, stages: np.ndarray, rule: str, size: int
) -> np.ndarray:
    """aggregate() on arrays (sweeps call it at every point): `values` has a column per
    PORTFOLIO_MEASURES and a row per (element, stage), `rows` the element's position in scope
    (-1: out of scope), `stages` the stage names."""
    out = np.zeros((size, values.shape[1]))
    if rule in STAGES:
        keep = (stages == rule) & (rows >= 0)
        out[rows[keep]] = values[keep]
    elif rule == "sum":
        np.add.at(out, rows[rows >= 0], values[rows >= 0])
    else:
        np.maximum.at(out, rows[rows >= 0], values[rows >= 0])
        low = np.full(out.shape, np.inf)
        np.minimum.at(low, rows[rows >= 0], values[rows >= 0])
        forge = PORTFOLIO_MEASURES.index("forge_share")
        out[:, forge] = np.where(np.isfinite(low[:, forge]), low[:, forge], 0.0)
    return out


def flow_costs(dataset: Dataset, flows: pd.DataFrame) -> np.ndarray:
    """USD a year each flow adds: its tonnes times the cost its upstream plant adds."""
    cost = unit_costs(dataset)
    unit = [cost.get((p, e), 0.0) for p, e in zip(flows["from"], flows["element"], strict=True)]
    return flows["tonnes"].to_numpy() * np.array(unit, dtype=float) * 1000.0


@lru_cache(maxsize=64)
def unit_costs(dataset: Dataset) -> dict[tuple[str, str], float]:
    """USD/kg each plant adds, by (plant, element); a project's plant the capacity table does
    not list adds its project_capacity cost."""
    cap = dataset.capacity
    out = dict(zip(zip(cap["plant"], cap["element"], strict=True), cap["cost_usd_kg"], strict=True))
    projects, pc = dataset.projects, dataset.project_capacity
    if projects is not None and not projects.empty and pc is not None:
        plant = dict(zip(projects["project"], projects["plant"], strict=True))
        for j, e, c in zip(pc["project"], pc["element"], pc["cost_usd_kg"], strict=True):
            out.setdefault((plant[j], e), float(c))
    return out


def element_frame(
    dataset: Dataset, flows: pd.DataFrame, scope: list[str], rule: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per element (demand, supply, unmet, cost and measures by the stage rule), and per stage."""
    per_stage = stage_frame(dataset, flows, scope)
    out = aggregate(per_stage, rule, scope)
    row = {e: i for i, e in enumerate(scope)}
    at = np.array([row.get(e, -1) for e in flows["element"]], dtype=int)
    known = at >= 0
    supplied, costs = np.zeros(len(scope)), np.zeros(len(scope))
    to_korea = known & (flows["to"].to_numpy() == KOREA)
    np.add.at(supplied, at[to_korea], flows["tonnes"].to_numpy()[to_korea])
    np.add.at(costs, at[known], flow_costs(dataset, flows)[known])
    demand = dataset.element_array("demand_t", scope)
    out.insert(0, "demand_t", demand)
    out.insert(1, "supplied_t", supplied)
    out.insert(2, "unmet_t", np.maximum(demand - supplied, 0.0))
    out["cost_usd"] = costs
    return out, per_stage


def portfolio(per, weights: np.ndarray) -> dict[str, float]:
    """Weighted portfolio values of per-element measures (a frame, or a dict of arrays); cost
    and tonnes are plain sums."""
    out = {c: float(np.asarray(per[c]) @ weights) for c in PORTFOLIO_MEASURES}
    for c in ("cost_usd", "unmet_t", "demand_t"):
        out[c] = float(np.sum(per[c]))
    return out


def stage_portfolio(
    dataset: Dataset, per_stage: pd.DataFrame, scope: list[str], weighting: str
) -> pd.DataFrame:
    """Per stage: the measures weighted over the elements whose chain has that stage."""
    w = risk.weights(dataset.elements, scope, weighting)
    rows = {}
    frame = per_stage.reset_index()
    for stage in STAGES:
        part = frame[frame["stage"] == stage]
        if part.empty:
            continue
        ww = w.reindex(part["element"]).to_numpy()
        ww = ww / ww.sum() if ww.sum() > 0 else np.full(len(ww), 1 / len(ww))
        rows[stage] = {c: float(part[c].to_numpy() @ ww) for c in PORTFOLIO_MEASURES}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("stage")


def worst_stage(stage_port: pd.DataFrame, column: str = "china_share") -> tuple[str, float]:
    """The stage where a portfolio measure is highest, and its value ('' and 0 if none)."""
    if stage_port.empty:
        return "", 0.0
    stage = str(stage_port[column].idxmax())
    return stage, float(stage_port.at[stage, column])


def objective_of(per, weights: np.ndarray, objective: str) -> float:
    return float(np.asarray(per[measure_column(objective)]) @ weights)


def baseline_flows(dataset: Dataset, scope: list[str] | None = None) -> pd.DataFrame:
    scope = scope or dataset.demanded_elements
    b = dataset.baseline_flows
    return b[b["element"].isin(scope)][FLOW_COLUMNS].reset_index(drop=True)


@lru_cache(maxsize=64)
def baseline_metrics(
    dataset: Dataset, scope: tuple[str, ...], weighting: str, rule: str = "worst"
) -> tuple[pd.DataFrame, dict[str, float], pd.DataFrame]:
    """Today's flows scored the same way (per element, portfolio, per stage); cached, since
    every solve shows them beside its own."""
    flows = baseline_flows(dataset, list(scope))
    per, per_stage = element_frame(dataset, flows, list(scope), rule)
    weights = risk.weights(dataset.elements, list(scope), weighting).to_numpy()
    return per, portfolio(per, weights), per_stage


def baseline_levels(
    dataset: Dataset, scope: tuple[str, ...], objective: str, rule: str
) -> dict[str, float]:
    """Today's value of the objective's measure per element, aggregated over stages by `rule`."""
    per, _, _ = baseline_metrics(dataset, tuple(scope), "value", rule)
    return per[measure_column(objective)].to_dict()


__all__ = ["KOREA_STAGE"]
