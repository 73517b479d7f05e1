"""Disruption scenarios: what a set of flows loses when plants stop, and how to optimise against it.

A scenario says which share of a supplier's output still moves on (availability) for how long
(duration_days); rows may name one element or all (*) and one stage or all. A plant takes its
supplier's availability. A flow on arc i -> j loses the part of it that i withholds and j would
have passed on: max(0, a_j - a_i), with Korea's a = 1. So a Myanmar mine stop loses the ore
China would have separated, a Chinese export stop loses what leaves China, and flows inside one
stopped country are not counted twice. Over the disruption, for flows f (tonnes a year):
    short[k,e] = sum_a loss[k,a] * f[a] * duration_k / 365
and the stockpile (stockpile_days of demand) is released first, so the loss is
    loss[k] = sum_e price_e * max(0, short[k,e] - stock_e).
The same expressions, linearised, are the CVaR and worst-case objectives in network/model.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError, Problem
from .schema import ANY_ELEMENT, KOREA, STAGES

DAYS = 365.0
USD_PER_T = 1000.0  # price_usd_kg * 1000 = USD per tonne
ARC_COLUMNS = ["element", "from", "to"]


@dataclass(frozen=True)
class ScenarioSet:
    """Selected scenarios with their probabilities and the share of each arc's flow lost."""

    names: tuple[str, ...]
    probability: np.ndarray  # per scenario, as given in the data
    duration_days: np.ndarray
    description: tuple[str, ...]
    arcs: pd.DataFrame  # element, from, to: the columns of `loss`
    loss: np.ndarray  # scenarios x arcs, 0 = unaffected
    availability: np.ndarray  # scenarios x arcs: what the arc's upstream plant still ships

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
    prob, dur, desc = [], [], []
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
        d = rows["duration_days"].iloc[0] if "duration_days" in rows else np.nan
        dur.append(DAYS if pd.isna(d) else float(d))
        desc.append(str(rows["description"].iloc[0]))
    return ScenarioSet(tuple(chosen), np.array(prob), np.array(dur), tuple(desc), arcs, loss, ship)


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


def _membership(arcs: pd.DataFrame, elements: list[str]) -> np.ndarray:
    e = arcs["element"].to_numpy()
    return np.array([e == x for x in elements], dtype=float)


def shortfall_tonnes(ss: ScenarioSet, x: np.ndarray, elements: list[str]) -> np.ndarray:
    """Tonnes short per scenario and element over each scenario's duration (before stockpile)."""
    lost = ss.loss * x * (ss.duration_days[:, None] / DAYS)
    return lost @ _membership(ss.arcs, elements).T


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


def _flows_elements(dataset: Dataset, flows: pd.DataFrame) -> list[str]:
    return [e for e in dataset.demanded_elements if e in set(flows["element"])]


def stress_test(
    dataset: Dataset,
    mix: pd.DataFrame,
    names: tuple[str, ...] | None = None,
    stockpile_days: float = 55.0,
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
    stock = demand * stockpile_days / DAYS
    cap = dataset.capacity[dataset.capacity["element"].isin(elements)].reset_index(drop=True)
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
    """CVaR at `alpha` (or the worst case) of the USD lost across scenarios, for any flows."""
    flows = flows_of(mix)
    arcs = flows[ARC_COLUMNS].drop_duplicates().reset_index(drop=True)
    elements = _flows_elements(dataset, flows)
    return tail_of(
        scenario_set(dataset, arcs, names), flows, dataset, elements, measure, alpha, stockpile_days
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
    """CVaR (or worst case) of flows over an already built scenario set."""
    lost = losses(ss, arc_vector(mix, ss.arcs), dataset, elements, stockpile_days)
    if measure == "worst-case":
        return float(lost.max(initial=0.0))
    return cvar(np.concatenate([[0.0], lost]), ss.weights, alpha)


def monte_carlo(
    dataset: Dataset, mix: pd.DataFrame, samples: int = 10_000, seed: int = 0
) -> MonteCarlo:
    """Independent supplier outages: a stopped supplier's plants ship nothing for the year, so a
    flow is lost where it leaves a stopped supplier for one still running (or for Korea)."""
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
    flows = flows_of(mix)
    elements = _flows_elements(dataset, flows)
    flows = flows[flows["element"].isin(elements)]
    suppliers = list(dataset.suppliers.index)
    pos = {s: j for j, s in enumerate(suppliers)}
    country = dataset.plants["country"]
    fc = flows["from"].map(country).map(pos).to_numpy()
    tc = np.array([-1 if t == KOREA else pos[country[t]] for t in flows["to"]])
    # one column per (from supplier, to supplier) pair: samples x pairs is small
    pairs, pair_of = np.unique(np.stack([fc, tc], axis=1), axis=0, return_inverse=True)
    pair_of = pair_of.ravel()
    el = {e: i for i, e in enumerate(elements)}
    tonnes = np.zeros((len(pairs), len(elements)))
    np.add.at(tonnes, (pair_of, flows["element"].map(el).to_numpy()), flows["tonnes"].to_numpy())
    keep = pairs[:, 0] != pairs[:, 1]  # a stop inside one supplier is counted where it leaves
    pairs, tonnes = pairs[keep], tonnes[keep]
    p = dataset.suppliers["outage_probability"].fillna(0.0).to_numpy()
    rng = np.random.default_rng(seed)
    out = rng.random((samples, len(suppliers))) < p  # samples x suppliers
    runs = np.concatenate([~out, np.ones((samples, 1), dtype=bool)], axis=1)  # Korea: column -1
    lost = out[:, pairs[:, 0]] & runs[:, pairs[:, 1]]
    short = lost.astype(float) @ tonnes  # samples x elements
    price = dataset.elements.loc[elements, "price_usd_kg"].to_numpy() * USD_PER_T
    value = short @ price
    q = np.percentile(short, [50, 90, 99], axis=0)
    std = short.std(axis=0, ddof=1) if samples > 1 else np.zeros(len(elements))
    p_run = np.append(1.0 - p, 1.0)
    exact = (p[pairs[:, 0]] * p_run[pairs[:, 1]]) @ tonnes
    per = pd.DataFrame(
        {
            "mean_t": short.mean(axis=0), "std_t": std, "stderr_t": std / np.sqrt(samples),
            "p50_t": q[0], "p90_t": q[1], "p99_t": q[2], "prob_any": (short > 1e-9).mean(axis=0),
            "exact_mean_t": exact,
        },
        index=pd.Index(elements, name="element"),
    )  # fmt: skip
    vq = np.percentile(value, [50, 90, 99])
    return MonteCarlo(
        samples, per, pd.Series({"mean": value.mean(), "p50": vq[0], "p90": vq[1], "p99": vq[2]})
    )
