"""Time to survive and time to recover, node by node (Simchi-Levi's method).

For every node of a mix (each plant that carries flow, each country at each stage, each country
as a whole) and every element it carries: stop the node (its plants ship nothing) and find the
most the rest of the network can deliver to Korea in a year. That is an LP: the model's own
network and rows (optimizer/network/model.py: capacity, balance, feed limits, demand by form as
an upper bound on deliveries), with no cost or risk objective but the least unmet demand. One
model serves every node and every element (elements are separate networks): a node changes
only the bounds of its plants' arcs, and HiGHS re-solves from the last basis.

With D the element's demand (t a year), r the rate without the node and S the stock in days of
demand, the stock lasts

    time to survive = S * D / 365 / (D - r) * 365 = S * D / (D - r)  days,

so a node with no alternative (r = 0) gives exactly S, and one whose loss the rest of the
network covers (r >= D) never runs short (reported as blank and `never_short`, not a number).
Where even the intact network cannot meet demand (a mix with a shortfall), D is replaced by
what it does deliver, min(D, r0): that gap is unmet demand the plan accepts, not something the
stock is drawn for, so only what the stop takes away counts.
The time to recover (data/recovery.csv) is how long the node takes to deliver as before; where
survival is shorter, Korea is short for the difference, and the table ranks those nodes by the
value of what is missing.

`qualified` says which arcs may carry the replacement: "mix" (the default) only arcs the mix
already uses, up to plant capacity, since qualifying a new supplier takes longer than most
disruptions; "network" every arc of the dataset (what could be done with suppliers qualified in
advance). docs/MODEL.md has the details.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError, Problem
from .scenarios import flows_of
from .schema import ANY_ELEMENT, KOREA, STAGES

DAYS = 365.0
USD_PER_T = 1000.0  # price_usd_kg * 1000 = USD per tonne
QUALIFIED = ("mix", "network")
DEFAULT_QUALIFIED = "mix"
NODE_TYPES = ("plant", "country-stage", "country")
TONNE_EPS = 1e-6  # LP round-off below this is not a flow
SHORT_EPS = 1e-9  # relative to demand: a rate this close to demand is never short
STAGE_INDEX = {s: i for i, s in enumerate(STAGES)}

COLUMNS = [
    "node", "node_type", "country", "stage", "element", "through_t", "share_of_demand",
    "demand_t", "rate_intact_t", "rate_without_t", "short_t_per_year", "stock_days", "never_short",
    "time_to_survive_days", "time_to_recover_days", "days_uncovered", "value_at_risk_usd",
    "exposed", "recovery_rule", "recovery_status", "recovery_source", "also", "plants",
]  # fmt: skip


@dataclass(frozen=True)
class Node:
    """Plants that stop together, and the names the exposure table knows them by."""

    node: str  # a plant id, STAGE:COUNTRY or a supplier code
    node_type: str  # plant | country-stage | country
    country: str
    stage: str | None  # None for a country as a whole
    plants: frozenset[str]
    also: tuple[str, ...] = ()  # other nodes that are the same plants (listed once, here)

    def identities(self) -> list[str]:
        """Recovery rows that describe this node, most specific first (data/README.md#recovery):
        the plant, its country's stage, its country, then the stage's default."""
        c, s = self.country, self.stage
        if self.node_type == "plant":
            return [self.node, f"{s}:{c}", c, f"{s}:*"]
        if self.node_type == "country-stage":
            return [f"{s}:{c}", c, f"{s}:*"]
        return [c]


@dataclass(frozen=True)
class Recovery:
    days: float  # NaN: no row describes the node
    rule: str  # the row that gave it, as node/element, or how it was combined
    status: str
    source: str


NO_RECOVERY = Recovery(np.nan, "", "", "")


def stock_days_of(solution) -> pd.Series:
    """Days of each element's demand held behind the optimized mix.

    The Solution's own `stock_days` (the stock its policy holds or sizes) where it has them,
    else the dataset's stock today (`Dataset.stock_days`)."""
    days = getattr(solution, "stock_days", None)
    return days if isinstance(days, pd.Series) else solution.dataset.stock_days


# --- the nodes of a mix ----------------------------------------------------------------------


def mix_flows(dataset: Dataset, flows: pd.DataFrame) -> pd.DataFrame:
    """element, from, to, tonnes of the demanded elements, positive flows only, in either
    spelling of a flows table (scenarios.flows_of)."""
    f = flows_of(flows)
    f = f[f["element"].isin(dataset.demanded_elements) & (f["tonnes"] > TONNE_EPS)]
    return f.reset_index(drop=True)


def nodes_of(dataset: Dataset, flows: pd.DataFrame, active: set[str]) -> list[Node]:
    """Every plant carrying flow in the mix; every country at each stage where it does, with all
    its `active` plants there; every such country as a whole. A node whose plants are exactly
    another's is the same stop: it is listed once, under the more specific name, with the other
    names in `also` (Myanmar's only plant is its mine aggregate: one node, not three)."""
    plants = dataset.plants
    carrying = set(flows["from"]) - {KOREA}
    stage_of = plants["stage"].to_dict()
    country_of = plants["country"].to_dict()
    order = sorted(carrying, key=lambda p: (STAGE_INDEX[stage_of[p]], country_of[p], p))
    pool = active | carrying  # a file's mix may name a plant the network leaves out
    candidates: list[Node] = [
        Node(p, "plant", country_of[p], stage_of[p], frozenset([p])) for p in order
    ]
    pairs = sorted(
        {(stage_of[p], country_of[p]) for p in carrying},
        key=lambda sc: (STAGE_INDEX[sc[0]], sc[1]),
    )
    for s, c in pairs:
        members = frozenset(p for p in pool if stage_of[p] == s and country_of[p] == c)
        candidates.append(Node(f"{s}:{c}", "country-stage", c, s, members))
    for c in sorted({country_of[p] for p in carrying}):
        members = frozenset(p for p in pool if country_of[p] == c)
        candidates.append(Node(c, "country", c, None, members))
    kept: dict[frozenset[str], Node] = {}
    for n in candidates:
        first = kept.get(n.plants)
        if first is None:
            kept[n.plants] = n
        else:
            kept[n.plants] = Node(
                first.node, first.node_type, first.country, first.stage, first.plants,
                (*first.also, n.node),
            )  # fmt: skip
    return list(kept.values())


# --- time to recover -------------------------------------------------------------------------


class RecoveryTable:
    """Looks up a node's time to recover: at each of its identities in turn, a row for the
    element beats a row for every element (*); the first identity with a row wins. A country as
    a whole without a row of its own takes the longest of its stages (it is back when every
    stage is)."""

    def __init__(self, dataset: Dataset):
        rec = dataset.recovery
        self.rows: dict[tuple[str, str], Recovery] = {}
        if rec is None or rec.empty:
            return
        for node, element, days, status, source in zip(
            rec["node"], rec["element"], rec["recovery_days"], rec["status"], rec["source"],
            strict=True,
        ):  # fmt: skip
            self.rows[node, element] = Recovery(
                float(days), f"{node}/{element}", str(status), str(source)
            )

    def _first(self, identities: list[str], element: str) -> Recovery:
        for ident in identities:
            for key in ((ident, element), (ident, ANY_ELEMENT)):
                if key in self.rows:
                    return self.rows[key]
        return NO_RECOVERY

    def of(self, node: Node, element: str, stage_of: Mapping[str, str]) -> Recovery:
        found = self._first(node.identities(), element)
        if found is not NO_RECOVERY or node.node_type != "country":
            return found
        stages = sorted({stage_of[p] for p in node.plants}, key=STAGE_INDEX.get)
        parts = [self._first([f"{s}:{node.country}", f"{s}:*"], element) for s in stages]
        known = [p for p in parts if not np.isnan(p.days)]
        if len(known) < len(parts) or not known:
            return NO_RECOVERY
        worst = max(known, key=lambda p: p.days)
        return Recovery(
            worst.days,
            "longest stage: " + ", ".join(p.rule for p in parts),
            worst.status,
            worst.source,
        )


# --- the rate without a node ------------------------------------------------------------------


def network_policy(year: int | None = None, like=None):
    """The policy the rate LP is built with: cost, no caps, no bloc minimums, no budget (in a
    disruption Korea buys what it can get), on the plants of `year` and with the trade rules in
    force as `like` (a Policy) has them."""
    from .policy import Policy

    policy = Policy(objective="cost", year=year)
    if like is not None and hasattr(like, "rules_in_force"):
        policy = policy.with_changes(rules_in_force=like.rules_in_force)
    return policy


class RateModel:
    """The most each element can reach Korea a year with some plants stopped.

    Built once with the model's own formulation (network/model.py `formulate`, a cost policy:
    no caps, no budget) and re-solved with HiGHS for each node; only the bounds of flow columns
    change. Stage 0's objective, the least unmet demand per unit of each element's demand,
    maximises every element's deliveries at once."""

    def __init__(self, dataset: Dataset, year: int | None = None, like=None):
        from .lp import INF
        from .network.model import formulate

        self.dataset = dataset
        self.form = formulate(dataset, network_policy(year, like))
        self.arcs = self.form.net.arcs
        self.cols = np.asarray(self.form.flow_cols, dtype=np.int32)
        self.form.lp.set_costs(self.form.vector("supply"))
        self.inf = INF
        self.sources = self.arcs["from"].to_numpy()
        self.delivery = (self.arcs["to"] == KOREA).to_numpy()
        self.codes, self.names = pd.factorize(self.arcs["element"].to_numpy())
        self.index = pd.MultiIndex.from_frame(self.arcs[["element", "from", "to"]])
        self.active = set(self.form.net.capacity["plant"])
        self.solves = 0

    def allowed(self, flows: pd.DataFrame | None) -> np.ndarray:
        """Arcs that may carry flow: those the mix uses (or every arc, for None)."""
        if flows is None:
            return np.ones(len(self.arcs), dtype=bool)
        used = pd.MultiIndex.from_frame(flows[["element", "from", "to"]])
        return self.index.isin(used)

    def rates(self, stopped: frozenset[str], allowed: np.ndarray) -> dict[str, float]:
        """Tonnes a year delivered to Korea per element, with `stopped` plants shipping nothing
        and only `allowed` arcs open."""
        open_ = allowed & ~np.isin(self.sources, list(stopped))
        upper = np.where(open_, self.inf, 0.0)
        self.form.lp.set_col_bounds(self.cols, np.zeros(len(self.cols)), upper)
        res = self.form.lp.solve()
        self.solves += 1
        x = res.values[self.cols]
        got = np.bincount(
            self.codes[self.delivery], weights=x[self.delivery], minlength=len(self.names)
        )
        return {e: max(float(v), 0.0) for e, v in zip(self.names, got, strict=True)}


# --- tonnes through a node ----------------------------------------------------------------------


def through_tonnes(
    flows: pd.DataFrame, stage_of: Mapping[str, str]
) -> Callable[[str, frozenset[str]], float]:
    """A function (element, plants) -> tonnes a year of the element's deliveries to Korea that
    pass through any of the plants. Material mixes in proportion at each plant (the path
    decomposition the measures use), so a plant passes on the share of its input that came
    through the node."""
    chains: dict[str, tuple[list[str], dict, list[tuple[str, float]]]] = {}
    for e, g in flows.groupby("element", sort=False):
        feeds: dict[str, list[tuple[str, float]]] = {}
        out: list[tuple[str, float]] = []
        for i, j, t in zip(g["from"], g["to"], g["tonnes"], strict=True):
            if j == KOREA:
                out.append((i, float(t)))
            else:
                feeds.setdefault(j, []).append((i, float(t)))
        plants = sorted(set(g["from"]) | set(feeds), key=lambda p: STAGE_INDEX[stage_of[p]])
        chains[e] = (plants, feeds, out)

    def through(element: str, members: frozenset[str]) -> float:
        if element not in chains:
            return 0.0
        plants, feeds, out = chains[element]
        share: dict[str, float] = {}
        for p in plants:  # in stage order, so every feeder is done first
            if p in members:
                share[p] = 1.0
                continue
            ins = feeds.get(p, [])
            total = sum(t for _, t in ins)
            share[p] = sum(t * share.get(i, 0.0) for i, t in ins) / total if total > 0 else 0.0
        return float(sum(t * share.get(p, 0.0) for p, t in out))

    return through


# --- the table ------------------------------------------------------------------------------------


def _check_qualified(qualified: str) -> None:
    if qualified not in QUALIFIED:
        raise InputError(
            Problem(
                "qualified",
                f"must be one of {', '.join(QUALIFIED)}: 'mix' lets only arcs the mix uses carry the replacement, 'network' every arc",
                value=qualified,
            )
        )


def _stock_series(dataset: Dataset, stock_days) -> pd.Series:
    if stock_days is None:
        return dataset.stock_days
    if isinstance(stock_days, int | float):
        return pd.Series(float(stock_days), index=dataset.elements.index)
    # elements a given Series leaves out keep the dataset's stock
    given = pd.Series(stock_days, dtype=float).reindex(dataset.elements.index)
    return given.fillna(dataset.stock_days)


def exposure(
    dataset: Dataset,
    flows: pd.DataFrame,
    stock_days: pd.Series | float | None = None,
    *,
    qualified: str = DEFAULT_QUALIFIED,
    year: int | None = None,
    model: RateModel | None = None,
    like=None,
) -> pd.DataFrame:
    """The exposure table of one mix (COLUMNS), ranked: exposed nodes first, by value at risk,
    then by time to survive. `stock_days` is days of demand held per element (default: the
    dataset's stock today); `year` the plants the network has (as Policy.year); `like` a
    Policy whose trade rules in force the network keeps; `model` a RateModel to re-use across
    mixes of the same dataset and year."""
    _check_qualified(qualified)
    model = model or RateModel(dataset, year, like)
    flows = mix_flows(dataset, flows)
    days = _stock_series(dataset, stock_days)
    stage_of = dataset.plants["stage"].to_dict()
    demand = dataset.elements["demand_t"].astype(float)
    price = dataset.elements["price_usd_kg"].astype(float)
    nodes = nodes_of(dataset, flows, model.active)
    allowed = model.allowed(flows if qualified == "mix" else None)
    through = through_tonnes(flows, stage_of)
    recovery = RecoveryTable(dataset)
    carried = flows.groupby("from")["element"].unique().to_dict()
    # what the network delivers with nothing stopped: a mix that falls short of demand already
    # leaves that gap unmet, and the stock is drawn only for what a stop takes away
    intact = model.rates(frozenset(), allowed)
    rows = []
    for node in nodes:
        elements = sorted(
            {e for p in node.plants for e in carried.get(p, ())},
            key=dataset.demanded_elements.index,
        )
        amounts = {e: through(e, node.plants) for e in elements}
        elements = [e for e in elements if amounts[e] > TONNE_EPS]
        if not elements:
            continue
        rate = model.rates(node.plants, allowed)
        for e in elements:
            d = float(demand[e])
            base = min(intact.get(e, 0.0), d)
            r = min(rate.get(e, 0.0), base)
            short = max(base - r, 0.0)
            never = short <= SHORT_EPS * max(d, 1.0)
            held = float(days.get(e, 0.0))
            rec = recovery.of(node, e, stage_of)
            ttr = rec.days
            if never:  # the rest of the network covers the loss: nothing to bridge
                tts, uncovered, value = np.nan, 0.0, 0.0
            else:  # an unknown time to recover leaves the gap unknown too (NaN), not zero
                tts = held * d / short
                uncovered = max(0.0, ttr - tts) if not np.isnan(ttr) else np.nan
                value = uncovered / DAYS * short * float(price[e]) * USD_PER_T
            rows.append({
                "node": node.node, "node_type": node.node_type, "country": node.country,
                "stage": node.stage or "", "element": e, "through_t": amounts[e],
                "share_of_demand": amounts[e] / d if d > 0 else np.nan, "demand_t": d,
                "rate_intact_t": base, "rate_without_t": r,
                "short_t_per_year": 0.0 if never else short,
                "stock_days": held, "never_short": bool(never), "time_to_survive_days": tts,
                "time_to_recover_days": ttr, "days_uncovered": uncovered,
                "value_at_risk_usd": value,
                "exposed": bool(not never and not np.isnan(ttr) and tts < ttr),
                "recovery_rule": rec.rule, "recovery_status": rec.status,
                "recovery_source": rec.source, "also": "; ".join(node.also),
                "plants": "; ".join(sorted(node.plants)),
            })  # fmt: skip
    return rank(pd.DataFrame(rows, columns=COLUMNS))


def rank(table: pd.DataFrame) -> pd.DataFrame:
    """Exposed first, by value at risk (largest first), then time to survive (shortest first;
    never short last), then node and element for a stable order."""
    if table.empty:
        return table.reset_index(drop=True)
    key = table.assign(
        _exposed=~table["exposed"].astype(bool),
        _value=-table["value_at_risk_usd"].fillna(0.0),
        _tts=table["time_to_survive_days"].fillna(np.inf),
    )
    key = key.sort_values(["_exposed", "_value", "_tts", "node", "element"], kind="stable").drop(
        columns=["_exposed", "_value", "_tts"]
    )
    return key.reset_index(drop=True)


def compare(
    dataset: Dataset,
    mixes: Mapping[str, tuple[pd.DataFrame, pd.Series | float | None]],
    *,
    qualified: str = DEFAULT_QUALIFIED,
    year: int | None = None,
    like=None,
) -> pd.DataFrame:
    """Exposure tables of several mixes ({name: (flows, stock_days)}) on one model, stacked
    with a `mix` column first."""
    _check_qualified(qualified)
    model = RateModel(dataset, year, like)
    parts = [
        exposure(dataset, f, days, qualified=qualified, year=year, model=model).assign(mix=name)
        for name, (f, days) in mixes.items()
    ]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    return out[["mix", *COLUMNS]]


def of_solution(solution, qualified: str = DEFAULT_QUALIFIED) -> pd.DataFrame:
    """Today's mix ('baseline') and the optimized one ('optimized') of a Solution, stacked, on
    the network its policy's year gives; the optimized mix behind its own stock (see
    stock_days_of)."""
    from .network import measures

    ds = solution.dataset
    mixes = {
        "baseline": (measures.baseline_flows(ds, solution.scope), ds.stock_days),
        "optimized": (solution.arc_flows, stock_days_of(solution)),
    }
    return compare(ds, mixes, qualified=qualified, year=solution.policy.year, like=solution.policy)


def side_by_side(stacked: pd.DataFrame, first: str = "baseline", second: str = "optimized"):
    """One row per node and element of either mix: time to survive, value at risk and exposure
    in each, the (shared) time to recover; ranked by the larger value at risk, exposed first."""
    keys = ["node", "node_type", "element"]  # a plant may share its name with its supplier
    shared = ["country", "stage", "time_to_recover_days", "recovery_rule", "also"]
    per = ["through_t", "never_short", "time_to_survive_days", "days_uncovered",
           "value_at_risk_usd", "exposed"]  # fmt: skip
    a = stacked[stacked["mix"] == first].set_index(keys)
    b = stacked[stacked["mix"] == second].set_index(keys)
    index = a.index.union(b.index, sort=False)
    out = pd.DataFrame(index=index)
    for col in shared:
        out[col] = a[col].reindex(index).combine_first(b[col].reindex(index))
    for col in per:
        out[f"{col}_{first}"] = a[col].reindex(index)
        out[f"{col}_{second}"] = b[col].reindex(index)
    out[f"in_{first}"] = index.isin(a.index)
    out[f"in_{second}"] = index.isin(b.index)
    for m in (first, second):
        out[f"exposed_{m}"] = out[f"exposed_{m}"].fillna(False).astype(bool)
    out = out.reset_index()
    worst = out[[f"value_at_risk_usd_{first}", f"value_at_risk_usd_{second}"]].max(axis=1)
    tts = out[[f"time_to_survive_days_{first}", f"time_to_survive_days_{second}"]].min(axis=1)
    out = out.assign(
        _exposed=~(out[f"exposed_{first}"] | out[f"exposed_{second}"]),
        _value=-worst.fillna(0.0),
        _tts=tts.fillna(np.inf),
    )
    out = out.sort_values(["_exposed", "_value", "_tts", "node", "element"], kind="stable")
    return out.drop(columns=["_exposed", "_value", "_tts"]).reset_index(drop=True)
