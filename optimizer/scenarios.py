"""Disruption scenarios: what a mix loses when suppliers stop, and how to optimise against it.

A scenario says which share of a supplier's offer still reaches Korea (availability) for how
long (duration_days). For a mix x (tonnes a year) the tonnes short during scenario k are
    short[k,e] = sum_s (1 - a[k,s,e]) * x[s,e] * duration_k / 365
and the stockpile (stockpile_days of demand) is released first, so the loss is
    loss[k] = sum_e price_e * max(0, short[k,e] - stock_e).
The same expressions, linearised, are the CVaR and worst-case objectives in model.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError, Problem
from .schema import ANY_ELEMENT

DAYS = 365.0
USD_PER_T = 1000.0  # price_usd_kg * 1000 = USD per tonne


@dataclass(frozen=True)
class ScenarioSet:
    """Selected scenarios with their probabilities and the availability of each offer."""

    names: tuple[str, ...]
    probability: np.ndarray  # per scenario, as given in the data
    duration_days: np.ndarray
    description: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]  # (supplier, element) columns of `availability`
    availability: np.ndarray  # scenarios x pairs, 1 = unaffected

    @property
    def weights(self) -> np.ndarray:
        """Probabilities of [no disruption, scenario 1, ...]. Scenarios are read as mutually
        exclusive states of a year; if their probabilities add up to more than 1 they are used
        as relative weights (scaled to sum to 1), and `scaled` says so."""
        p = self.probability
        total = p.sum()
        if total > 1:
            return np.concatenate([[0.0], p / total])
        return np.concatenate([[1.0 - total], p])

    @property
    def scaled(self) -> bool:
        return bool(self.probability.sum() > 1 + 1e-12)


def scenario_set(
    dataset: Dataset, pairs: list[tuple[str, str]], names: tuple[str, ...] | None = None
) -> ScenarioSet:
    """The availability of each (supplier, element) pair under each scenario. A row for a
    specific element overrides the supplier's '*' row within the same scenario."""
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
    col = {p: j for j, p in enumerate(pairs)}
    by_supplier: dict[str, list[int]] = {}
    for j, (s, _) in enumerate(pairs):
        by_supplier.setdefault(s, []).append(j)
    groups = dict(list(sc.groupby("scenario", sort=False)))  # one pass, not one filter a scenario
    avail = np.ones((len(chosen), len(pairs)))
    prob, dur, desc = [], [], []
    for k, name in enumerate(chosen):
        rows = groups[name]
        # '*' rows first, so a row for a specific element overrides its supplier's '*' row
        ordered = sorted(
            zip(rows["supplier"], rows["element"], rows["availability"], strict=True),
            key=lambda r: r[1] != ANY_ELEMENT,
        )
        for s, e, a in ordered:
            if e == ANY_ELEMENT:
                avail[k, by_supplier.get(s, [])] = a
            elif (s, e) in col:
                avail[k, col[s, e]] = a
        prob.append(float(rows["probability"].iloc[0]))
        d = rows["duration_days"].iloc[0] if "duration_days" in rows else np.nan
        dur.append(DAYS if pd.isna(d) else float(d))
        desc.append(str(rows["description"].iloc[0]))
    return ScenarioSet(
        tuple(chosen), np.array(prob), np.array(dur), tuple(desc), tuple(pairs), avail
    )


def mix_vector(mix: pd.DataFrame, pairs: list[tuple[str, str]]) -> np.ndarray:
    tonnes = mix.groupby(["supplier", "element"])["tonnes"].sum()
    return tonnes.reindex(pd.MultiIndex.from_tuples(pairs)).fillna(0.0).to_numpy()


def shortfall_tonnes(ss: ScenarioSet, x: np.ndarray, elements: list[str]) -> np.ndarray:
    """Tonnes short per scenario and element over each scenario's duration (before stockpile)."""
    lost = (1.0 - ss.availability) * x * (ss.duration_days[:, None] / DAYS)
    member = np.array([[pe == e for (_, pe) in ss.pairs] for e in elements], dtype=float)
    return lost @ member.T


def losses(
    ss: ScenarioSet, x: np.ndarray, dataset: Dataset, elements: list[str], stockpile_days: float
) -> np.ndarray:
    """USD lost in each scenario (value of tonnes short after the stockpile is drawn)."""
    short = shortfall_tonnes(ss, x, elements)
    stock = dataset.elements.loc[elements, "demand_t"].to_numpy() * stockpile_days / DAYS
    price = dataset.elements.loc[elements, "price_usd_kg"].to_numpy() * USD_PER_T
    return np.maximum(short - stock, 0.0) @ price


def cvar(losses_: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """Conditional value at risk: the mean loss in the worst (1 - alpha) tail of a discrete
    distribution, splitting the atom at the quantile exactly as Rockafellar-Uryasev does.
    `weights` and `losses_` include the no-disruption state (loss 0) first."""
    order = np.argsort(-losses_)
    tail = 1.0 - alpha
    taken, total = 0.0, 0.0
    for i in order:
        w = min(weights[i], tail - taken)
        if w <= 0:
            break
        total += w * losses_[i]
        taken += w
    return total / tail


STRESS_COLUMNS = [
    "scenario", "element", "probability", "duration_days", "demand_t", "short_t", "short_share",
    "value_at_risk_usd", "stockpile_days_needed", "stockpile_t", "spare_fill_t", "fill_cost_usd",
    "fill_premium_usd", "uncovered_t",
]  # fmt: skip


def stress_test(
    dataset: Dataset,
    mix: pd.DataFrame,
    names: tuple[str, ...] | None = None,
    stockpile_days: float = 55.0,
) -> pd.DataFrame:
    """Per scenario and element: tonnes short over the disruption, their value, the stockpile
    days needed to bridge them, and how much spare capacity elsewhere (still available in that
    scenario, cheapest first) could fill, at what cost; `uncovered_t` is left after both."""
    elements = [e for e in dataset.demanded_elements if e in set(mix["element"])]
    offers = dataset.offers[dataset.offers["element"].isin(elements)]
    pairs = list(zip(offers["supplier"], offers["element"], strict=True))
    ss = scenario_set(dataset, pairs, names)
    x = mix_vector(mix, pairs)
    cap = offers["capacity_t"].to_numpy()
    cost = offers["cost_usd_kg"].to_numpy() * USD_PER_T
    short = shortfall_tonnes(ss, x, elements)
    demand = dataset.elements.loc[elements, "demand_t"].to_numpy()
    price = dataset.elements.loc[elements, "price_usd_kg"].to_numpy() * USD_PER_T
    stock = demand * stockpile_days / DAYS
    rows = []
    for k, name in enumerate(ss.names):
        frac = ss.duration_days[k] / DAYS
        spare = ss.availability[k] * np.maximum(cap - x, 0.0) * frac
        lost_cost = (1.0 - ss.availability[k]) * x * frac * cost
        for i, e in enumerate(elements):
            gap = short[k, i]
            if gap <= 1e-9:
                continue
            mine = np.flatnonzero(offers["element"].to_numpy() == e)
            fill, fill_cost = _cheapest_fill(gap, spare[mine], cost[mine])
            rows.append({
                "scenario": name, "element": e, "probability": ss.probability[k],
                "duration_days": ss.duration_days[k], "demand_t": demand[i], "short_t": gap,
                "short_share": gap / (demand[i] * frac), "value_at_risk_usd": gap * price[i],
                "stockpile_days_needed": gap / demand[i] * DAYS, "stockpile_t": stock[i],
                "spare_fill_t": fill, "fill_cost_usd": fill_cost,
                "fill_premium_usd": fill_cost - lost_cost[mine].sum() * fill / gap,
                "uncovered_t": max(0.0, gap - fill - stock[i]),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=STRESS_COLUMNS)


def _cheapest_fill(gap: float, spare: np.ndarray, cost: np.ndarray) -> tuple[float, float]:
    filled, paid = 0.0, 0.0
    for j in np.argsort(cost, kind="stable"):
        take = min(spare[j], gap - filled)
        filled += take
        paid += take * cost[j]
    return filled, paid


@dataclass
class MonteCarlo:
    """Shortfall distribution from independent supplier outages (a stopped supplier delivers
    nothing for the year)."""

    samples: int
    per_element: (
        pd.DataFrame
    )  # mean_t, std_t, stderr_t, p50_t, p90_t, p99_t, prob_any, exact_mean_t
    value_lost_usd: pd.Series  # mean, p50, p90, p99 of the yearly value short


def tail_loss(
    dataset: Dataset,
    mix: pd.DataFrame,
    measure: str = "cvar",
    alpha: float = 0.9,
    stockpile_days: float = 55.0,
    names: tuple[str, ...] | None = None,
) -> float:
    """CVaR at `alpha` (or the worst case) of the USD lost across scenarios, for any mix."""
    elements = [e for e in dataset.demanded_elements if e in set(mix["element"])]
    offers = dataset.offers[dataset.offers["element"].isin(elements)]
    pairs = list(zip(offers["supplier"], offers["element"], strict=True))
    return tail_of(
        scenario_set(dataset, pairs, names), mix, dataset, elements, measure, alpha, stockpile_days
    )


def tail_of(
    ss: ScenarioSet,
    mix: pd.DataFrame,
    dataset: Dataset,
    elements: list[str],
    measure: str,
    alpha: float,
    stockpile_days: float,
) -> float:
    """CVaR (or worst case) of a mix over an already built scenario set."""
    lost = losses(ss, mix_vector(mix, list(ss.pairs)), dataset, elements, stockpile_days)
    if measure == "worst-case":
        return float(lost.max(initial=0.0))
    return cvar(np.concatenate([[0.0], lost]), ss.weights, alpha)


def monte_carlo(
    dataset: Dataset, mix: pd.DataFrame, samples: int = 10_000, seed: int = 0
) -> MonteCarlo:
    if "outage_probability" not in dataset.suppliers.columns:
        raise InputError(
            Problem(
                "suppliers",
                "Monte Carlo needs an outage_probability column (0-1, per supplier)",
                column="outage_probability",
            )
        )
    if samples < 1:
        raise InputError(Problem("--samples", "must be at least 1", value=samples))
    elements = [e for e in dataset.demanded_elements if e in set(mix["element"])]
    suppliers = list(dataset.suppliers.index)
    p = dataset.suppliers["outage_probability"].fillna(0.0).to_numpy()
    tonnes = mix.pivot_table(
        index="supplier", columns="element", values="tonnes", aggfunc="sum", fill_value=0.0
    )
    tonnes = tonnes.reindex(index=suppliers, columns=elements, fill_value=0.0).to_numpy()
    rng = np.random.default_rng(seed)
    out = rng.random((samples, len(suppliers))) < p  # samples x suppliers
    short = out.astype(float) @ tonnes  # samples x elements
    price = dataset.elements.loc[elements, "price_usd_kg"].to_numpy() * USD_PER_T
    value = short @ price
    q = np.percentile(short, [50, 90, 99], axis=0)
    std = short.std(axis=0, ddof=1) if samples > 1 else np.zeros(len(elements))
    per = pd.DataFrame(
        {
            "mean_t": short.mean(axis=0), "std_t": std, "stderr_t": std / np.sqrt(samples),
            "p50_t": q[0], "p90_t": q[1], "p99_t": q[2], "prob_any": (short > 1e-9).mean(axis=0),
            "exact_mean_t": p @ tonnes,
        },
        index=pd.Index(elements, name="element"),
    )  # fmt: skip
    vq = np.percentile(value, [50, 90, 99])
    return MonteCarlo(
        samples, per, pd.Series({"mean": value.mean(), "p50": vq[0], "p90": vq[1], "p99": vq[2]})
    )
