"""Dataset + Policy -> one network LP (PuLP) -> HiGHS, solved in lexicographic stages.

The formulation (docs/MODEL.md has it in full), per element e in scope:
  f[a] >= 0           tonnes on arc a (plant -> plant, or plant -> Korea)
  s[e,k,c]            tonnes of e reaching Korea whose stage-k step was done in country c
  u[e,form] >= 0      unmet demand; slack[b,e,k] >= 0 bloc shortfall
  demand      sum of deliveries of a form + u = D[e,form]
  capacity    outflow(p) <= capacity[p,e]
  balance     inflow(p) = outflow(p) for plants with feeds (not origins)
  feed limit  flow through a rule into p <= (>=) share * inflow(p)
  definition  s[e,k,c] = sum of the arcs whose upstream plant, in c, does stage k
  cap         s[e,k,c] <= cap[e,k,c] * D[e,k]      (D[e,k]: demand passing stage k)
  bloc        sum_{c in b} s[e,k,c] + slack >= m * D[e,k]
  budget      C = sum_p cost[p,e] outflow(p) <= B
  risk        R[e,k] from the shares s / D[e,k]; R_e = worst stage, sum or one stage
The stages of a solve are lexicographic, never weighted: (0) the most that can be supplied
under the caps, fixed; (1) the least cost of that supply; (2) the least weighted risk within the
budget (today's ceiling hard, or relaxed by exactly the least excess the budget forces); (3) the
least cost at that risk. Nothing is penalised, so no reported number depends on a weight, and
every run solves: a shortfall is reported with its cause, never as a bare "infeasible".
Every policy row exists whatever the policy (a cap of 1 is no cap), so one built model serves
any policy of the same Structure by changing right-hand sides only (see Session).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pulp

from .. import risk, scenarios, uncertainty
from ..dataset import Dataset
from ..lp import INF, HighsLP, Result, SolverError
from ..pipeline import pipeline_of
from ..policy import RECYCLING_BLOC, RISK_OBJECTIVES, ROBUST_OBJECTIVES, Policy
from ..rules import capacity_in_force
from ..schema import FORM_STAGE, STAGES
from . import measures
from .graph import UNKNOWN, Network, build_network

HHI_TYPES = ("hhi", "wgi-hhi")
# A value a stage fixes for the next holds to this (relative, plus the same absolute): HiGHS's
# own tolerances are 1e-9, so a tighter hold could make the next stage infeasible.
HOLD = 1e-9
RISK_HOLD = 1e-9  # stage 3's room above the least risk, beyond the cut tolerance (HHI)
MAX_CUT_ROUNDS = 200
CUT_SPREAD = 0.5
CUTS_KEPT_PER_TERM = 3  # cut rows kept between solves, per share^2 term
USD_PER_MUSD = 1e6
USD_PER_T = 1000.0


@dataclass(frozen=True)
class Structure:
    """What fixes the shape of the LP; policies that share it re-solve the same model."""

    objective: str
    capped: tuple[str, ...]  # risk measures with per-element caps
    scope: tuple[str, ...]
    weighting: str
    stage_rule: str = "worst"
    year: int | None = None
    stockpile_as_supplier: bool = False
    scenarios: tuple[str, ...] = ()  # robust objectives only
    alpha: float = 0.0  # CVaR only: it sets objective coefficients
    rules_in_force: bool = True
    sample_years: int = 0  # robust objectives only: the in-sample years and their seed
    seed: int = 0

    @classmethod
    def of(cls, dataset: Dataset, policy: Policy) -> Structure:
        demanded = dataset.demanded_elements
        scope = tuple(e for e in (policy.elements or demanded) if e in demanded)
        robust = policy.objective in ROBUST_OBJECTIVES
        names = policy.scenarios or tuple(dict.fromkeys(dataset.scenarios["scenario"]))
        return cls(
            policy.objective,
            tuple(sorted(policy.risk_caps)),
            scope,
            policy.weights,
            policy.stage,
            policy.year,
            policy.stockpile_as_supplier,
            tuple(names) if robust else (),
            policy.alpha if policy.objective == "cvar" else 0.0,
            policy.rules_in_force,
            policy.sample_years if robust else 0,
            policy.seed if robust else 0,
        )

    @property
    def measures(self) -> tuple[str, ...]:
        own = (self.objective,) if self.objective in RISK_OBJECTIVES else ()
        return tuple(dict.fromkeys(own + self.capped))


def active_plants(dataset: Dataset, year: int | None, stockpile: bool) -> pd.Index:
    """Plants a run may use: operating ones, plus those producing by `year` when one is given
    (from their project's first year where a project creates them, else their first_year);
    KOMIR's stock only when the policy counts it as a supplier."""
    p = dataset.plants
    ok = p["plant_status"] == "operating"
    if year is not None:
        first = p["first_year"].copy()
        starts = pipeline_of(dataset).start_year()
        first.update(pd.Series(starts, dtype=float))
        ok |= first.notna() & (first <= year)
    if not stockpile:
        ok &= p["country"].map(dataset.supplier_kinds) != "stockpile"
    return p.index[ok.to_numpy()]


def network_of(dataset: Dataset, st: Structure) -> Network:
    active = active_plants(dataset, st.year, st.stockpile_as_supplier)
    return network_in(dataset, st.scope, st.year, st.rules_in_force, active)


def network_in(
    dataset: Dataset,
    scope,
    year: int | None,
    rules_in_force: bool,
    active: pd.Index,
    demand: pd.DataFrame | None = None,
) -> Network:
    """The network of a year: projects' capacity on their ramp (optimizer/pipeline.py), cut by
    the rules in force; `demand` replaces the dataset's (the plan's growth)."""
    capacity = pipeline_of(dataset).capacity(year)
    capacity = capacity_in_force(dataset, rules_in_force, capacity)
    return build_network(
        dataset.plants,
        capacity,
        dataset.feeds,
        dataset.demand if demand is None else demand,
        list(scope),
        active,
    )


@dataclass
class Formulation:
    """The built LP with handles to every variable and row the stages and reports need."""

    dataset: Dataset
    structure: Structure
    net: Network
    demand: pd.Series  # total demand per element in scope (all forms)
    weights: pd.Series
    problem: pulp.LpProblem
    f: list[pulp.LpVariable]  # one per row of net.arcs
    s: list[pulp.LpVariable]  # one per net.entities
    u: dict[tuple[str, str], pulp.LpVariable]  # (element, form)
    slack: dict[tuple[str, str, int], pulp.LpVariable]  # (bloc, element, stage)
    cap_rows: dict[tuple[str, int, str], pulp.LpConstraint]  # (element, stage, supplier)
    bloc_rows: dict[tuple[str, str, int], pulp.LpConstraint]  # (bloc, element, stage)
    risk_cap_rows: dict[tuple[str, str, int], pulp.LpConstraint]  # (measure, element, stage)
    budget_row: pulp.LpConstraint
    cost: pulp.LpAffineExpression  # million USD
    risk: dict[str, dict[str, pulp.LpAffineExpression]]  # measure -> element -> LP value
    stage_risk: dict[str, dict[tuple[str, int], pulp.LpAffineExpression]]
    t: dict[int, pulp.LpVariable]  # entity -> t >= share^2 via tangent cuts
    supply: pulp.LpAffineExpression  # shortfall, per unit of demand: stage 0 minimises it
    excess: pulp.LpAffineExpression  # weighted excess over today's ceiling
    cap_excess: pulp.LpAffineExpression  # excess over the risk caps
    risk_cap_slack: dict[tuple[str, str, int], pulp.LpVariable]
    objective: pulp.LpAffineExpression | None  # the risk to minimise in stage 2
    objective_row: pulp.LpConstraint | None  # stage 3: risk held at stage 2's optimum
    stock_rows: dict[tuple[int, str], pulp.LpConstraint]  # robust: (year, element) draw rows
    scenario_set: scenarios.ScenarioSet | None
    loss_scale: float  # robust objectives: USD per unit of the LP's normalised loss
    ceiling_rows: dict[str, pulp.LpConstraint]  # R_e - excess_e <= today's R_e (stage 2 only)
    ceiling_excess: dict[str, pulp.LpVariable]
    years: uncertainty.YearSet | None = None  # robust objectives: the in-sample years
    stock_extra: dict[str, pulp.LpVariable] = field(default_factory=dict)  # t bought above floor
    stock_max_rows: dict[tuple[str], pulp.LpConstraint] = field(default_factory=dict)
    ceilings_on: bool = False  # whether the ceiling rows are active in the model right now
    risk_caps_now: dict[str, float] = field(default_factory=dict)  # the caps applied last
    risk_caps_on: bool = False  # whether the risk cap rows hold in the model right now
    least_cost_cache: Held | None = None  # what stages 0 and 1 fixed, by policy rhs
    bounds_kept: dict[tuple[str, str], list] = field(default_factory=dict)  # see bounds()
    tail: Tail | None = None  # cvar and worst-case: the years solved on (see Tail)
    years_on: np.ndarray | None = None  # which in-sample years are in the LP now
    built: Saved | None = None  # the state formulate leaves it in (see restore)
    supplied_now: dict = field(default_factory=dict)  # stage 0's tonnes per (element, stage)
    lp: HighsLP | None = None
    cuts: int = 0

    def vector(self, name: str) -> np.ndarray:
        """Column coefficients of one of the model's expressions; columns never change after
        the build (cuts add rows), so each is computed once."""
        if name not in self._vectors:
            self._vectors[name] = self.lp.vector(getattr(self, name))
        return self._vectors[name]

    @cached_property
    def _vectors(self) -> dict[str, np.ndarray]:
        return {}

    def cols(self, variables) -> np.ndarray:
        return np.array([self.lp.col(v) for v in variables], dtype=np.int32)

    @cached_property
    def short_cols(self) -> np.ndarray:
        """Unmet demand, then bloc shortfall columns: what stage 0 fixes."""
        return self.cols([*self.u.values(), *self.slack.values()])

    @cached_property
    def flow_cols(self) -> np.ndarray:
        return np.array([self.lp.col(v) for v in self.f], dtype=np.int64)

    @cached_property
    def ek(self) -> list[tuple[str, int]]:
        """Every (element, stage) measured, in scope order then stage order."""
        return [(e, k) for e in self.structure.scope for k in self.net.stages_in_play[e]]

    @cached_property
    def cut_terms(self) -> tuple[np.ndarray, ...]:
        """For each share^2 term: s column, t column, stage demand, wgi_risk and (e, k) row."""
        ents = self.net.entities
        keys = list(self.t)
        row = {k: i for i, k in enumerate(self.ek)}
        sd = self.net.stage_demand
        wgi = entity_wgi(self.dataset)
        return (
            np.array([self.lp.col(self.s[i]) for i in keys], dtype=np.int32),
            np.array([self.lp.col(self.t[i]) for i in keys], dtype=np.int32),
            np.array([sd[ents[i][0], ents[i][1]] for i in keys]),
            np.array([wgi(ents[i][2]) for i in keys]),
            np.array([row[ents[i][0], ents[i][1]] for i in keys], dtype=int),
        )

    def structure_tolerance(self, policy: Policy, measure: str | None = None) -> float:
        """How close to a stage's optimum the next stage holds it: the cut tolerance for HHI
        measures (on the WGI scale for WGI-HHI), round-off for the linear ones. `measure`
        defaults to the objective."""
        m = measure or self.structure.objective
        if m in HHI_TYPES:
            wgi = self.dataset.suppliers["wgi_risk"]
            scale = max(1.0, float(wgi.max())) if m == "wgi-hhi" else 1.0
            return policy.hhi_tolerance * scale + RISK_HOLD
        return RISK_HOLD

    def stage_risk_matrix(self, measure: str) -> np.ndarray:
        """Rows: the LP's value of a measure at each (element, stage) of `ek` (cached)."""
        key = f"stage:{measure}"
        if key not in self._vectors:
            exprs = self.stage_risk[measure]
            self._vectors[key] = np.array([self.lp.vector(exprs[ek]) for ek in self.ek])
        return self._vectors[key]

    def risk_matrix(self, measure: str) -> np.ndarray:
        """Rows: the LP's per-element value of a measure as column coefficients (cached)."""
        key = f"risk:{measure}"
        if key not in self._vectors:
            exprs = self.risk[measure]
            self._vectors[key] = np.array([self.lp.vector(exprs[e]) for e in self.structure.scope])
        return self._vectors[key]

    @cached_property
    def entity_upper_bounds(self) -> list[float]:
        return _entity_upper_bounds(self.net)

    @cached_property
    def ek_element(self) -> np.ndarray:
        pos = {e: i for i, e in enumerate(self.structure.scope)}
        return np.array([pos[e] for e, _ in self.ek], dtype=int)

    @cached_property
    def policy_rows(self) -> dict[str, dict[tuple, pulp.LpConstraint]]:
        """The rows a policy's right-hand sides set, by kind (see `bounds`)."""
        return {
            "cap": self.cap_rows,
            "bloc": self.bloc_rows,
            "risk": self.risk_cap_rows,
            "stock": self.stock_rows,
            "stockmax": self.stock_max_rows,
        }

    @cached_property
    def row_index(self) -> dict[tuple, int]:
        """HiGHS row of every policy row, keyed (kind, *key)."""
        return {
            (kind, *key): self.lp.row(c)
            for kind, t in self.policy_rows.items()
            for key, c in t.items()
        }


def entity_wgi(dataset: Dataset):
    """Governance risk of a share's holder; material of unknown origin takes the worst score
    in the data, since nothing is known of where it was processed."""
    wgi = dataset.suppliers["wgi_risk"]
    worst = float(wgi.max()) if len(wgi) else 10.0
    return lambda code: worst if code == UNKNOWN else float(wgi[code])


# --- building ------------------------------------------------------------------------------


def bounds(form: Formulation, policy: Policy) -> list[tuple[tuple, float]]:
    """Right-hand sides of every policy row for `policy`, keyed (kind, *key) as in row_index.

    Each kind of row is computed once for each value of the settings it reads and kept on the
    model, so a sweep point recomputes only what its parameter moves: a budget step nothing,
    a China-cap step the cap rows."""
    out: list[tuple[tuple, float]] = []
    for kind, reads, rows in (
        ("cap", (policy.caps, policy.element_caps, policy.country_cap), _cap_bounds),
        ("bloc", (policy.bloc_min, policy.element_bloc_min, policy.recycled_min), _bloc_bounds),
        ("risk", (policy.risk_caps,), _risk_bounds),
        (
            "stock",
            (policy.stockpile_days, policy.stockpile_target_days, policy.stockpile_max_days),
            _stock_bounds,
        ),
    ):
        key = (kind, repr(reads))
        if key not in form.bounds_kept:
            if len(form.bounds_kept) >= BOUNDS_KEPT:
                form.bounds_kept.clear()
            form.bounds_kept[key] = rows(form, policy)
        out += form.bounds_kept[key]
    return out


BOUNDS_KEPT = 256  # distinct settings a model keeps the rows of (a sweep's grid values)


def _cap_bounds(form: Formulation, policy: Policy) -> list[tuple[tuple, float]]:
    ds, sd = form.dataset, form.net.stage_demand
    return [
        (("cap", e, k, c), policy.cap_for(ds, c, e, STAGES[k]) * sd[e, k])
        for e, k, c in form.cap_rows
    ]


def _bloc_bounds(form: Formulation, policy: Policy) -> list[tuple[tuple, float]]:
    sd = form.net.stage_demand
    return [
        (("bloc", b, e, k), effective_bloc_min(form, policy, b, e, k) * sd[e, k])
        for b, e, k in form.bloc_rows
    ]


def _risk_bounds(form: Formulation, policy: Policy) -> list[tuple[tuple, float]]:
    return [(("risk", m, e, k), policy.risk_caps[m]) for m, e, k in form.risk_cap_rows]


def _stock_bounds(form: Formulation, policy: Policy) -> list[tuple[tuple, float]]:
    if not form.stock_rows:
        return []
    floor, top = (s.to_dict() for s in stock_range(form, policy))  # one row a year: no .loc
    out = [(("stock", n, e), -floor[e]) for n, e in form.stock_rows]
    return out + [(("stockmax", e), max(0.0, top[e] - floor[e])) for (e,) in form.stock_max_rows]


def stock_range(form: Formulation, policy: Policy) -> tuple[pd.Series, pd.Series]:
    """Tonnes of stock per element in scope: what the policy holds (its floor) and the most the
    sizing decision may raise it to (the floor itself when the stock is given)."""
    scope = list(form.structure.scope)
    held = form.demand * scenarios.held_days(form.dataset, policy, scope) / scenarios.DAYS
    if policy.stockpile_max_days is None:
        return held, held
    return held, held.clip(lower=form.demand * policy.stockpile_max_days / scenarios.DAYS)


def effective_bloc_min(form: Formulation, policy: Policy, bloc: str, element: str, k: int) -> float:
    """The bloc minimum asked for at stage k; the recycled share (asked of the chain's first
    stage, where recycled material enters) only as far as recycling capacity allows."""
    m = policy.bloc_min_for(bloc, element, STAGES[k])
    if (
        bloc == RECYCLING_BLOC
        and policy.recycled_min > 0
        and k == form.net.stages_in_play[element][0]
    ):
        members = set(form.dataset.bloc_members(bloc))
        cap = form.net.capacity
        mine = cap[
            (cap["element"] == element)
            & cap["plant"].map(form.dataset.plants["country"]).isin(members)
        ]
        reachable = mine["capacity_t"].sum() / form.net.stage_demand[element, k]
        m = max(m, min(policy.recycled_min, reachable))
    return m


@dataclass
class Block:
    """The rows of one year's network: flows, demand, capacity, balance, feed limits, stage
    tonnes by country, and the policy's cap and bloc rows (right-hand sides set later)."""

    f: list[pulp.LpVariable]
    u: dict[tuple[str, str], pulp.LpVariable]
    s: list[pulp.LpVariable]
    slack: dict[tuple[str, str, int], pulp.LpVariable]
    cost: pulp.LpAffineExpression  # million USD
    cap_rows: dict[tuple[str, int, str], pulp.LpConstraint]
    bloc_rows: dict[tuple[str, str, int], pulp.LpConstraint]
    by_ek: dict[tuple[str, int], list[int]]
    out_of: dict[tuple[str, str], list[int]]
    capacity_rows: dict[tuple[str, str], pulp.LpConstraint]


def network_rows(
    prob: pulp.LpProblem,
    dataset: Dataset,
    net: Network,
    tag: str = "",
    extra_capacity: dict[tuple[str, str], pulp.LpAffineExpression] | None = None,
) -> Block:
    """Add one network's rows to `prob`: the single-year model has one (tag ""), the plan one
    per year (tag "2027|"). `extra_capacity` adds capacity a decision buys (a backed project's
    offtake) to a plant's row: outflow - extra <= capacity."""
    arcs, cap = net.arcs, net.capacity
    sd = net.stage_demand
    extra_capacity = extra_capacity or {}
    f = [prob.add_variable(f"{tag}f|{n}", 0) for n in range(len(arcs))]
    out_of: dict[tuple[str, str], list[int]] = {}
    into: dict[tuple[str, str], list[int]] = {}
    deliveries: dict[tuple[str, str], list[int]] = {}
    for n, (e, i, j, form_) in enumerate(
        zip(arcs["element"], arcs["from"], arcs["to"], arcs["form"], strict=True)
    ):
        out_of.setdefault((i, e), []).append(n)
        if form_ is None:
            into.setdefault((j, e), []).append(n)
        else:
            deliveries.setdefault((e, form_), []).append(n)

    unit_cost = dict(
        zip(zip(cap["plant"], cap["element"], strict=True), cap["cost_usd_kg"], strict=True)
    )
    cost = pulp.lpSum(
        unit_cost[i, e] * USD_PER_T / USD_PER_MUSD * f[n]
        for n, (e, i) in enumerate(zip(arcs["element"], arcs["from"], strict=True))
    )
    u = {}
    for e, form_, d in zip(
        net.demand["element"], net.demand["form"], net.demand["demand_t"], strict=True
    ):
        u[e, form_] = prob.add_variable(f"{tag}unmet|{e}|{form_}", 0)
        prob.addConstraint(
            pulp.lpSum(f[n] for n in deliveries.get((e, form_), [])) + u[e, form_] == float(d),
            f"{tag}demand|{e}|{form_}",
        )
    capacity_rows = {}
    for p, e, k in zip(cap["plant"], cap["element"], cap["capacity_t"], strict=True):
        if (p, e) in out_of:
            outflow = pulp.lpSum(f[n] for n in out_of[p, e])
            if (p, e) in extra_capacity:
                outflow = outflow - extra_capacity[p, e]
            capacity_rows[p, e] = prob.addConstraint(outflow <= float(k), f"{tag}capacity|{p}|{e}")
    for (p, e), ins in into.items():
        if (p, e) not in net.origins:
            prob.addConstraint(
                pulp.lpSum(f[n] for n in ins) - pulp.lpSum(f[n] for n in out_of.get((p, e), []))
                == 0,
                f"{tag}balance|{p}|{e}",
            )
    for r, e, j, share, sense in net.limits.itertuples(index=False):
        mine = net.rule_arcs[
            (net.rule_arcs["rule"] == r)
            & (net.rule_arcs["to"] == j)
            & (net.rule_arcs["element"] == e)
        ]["arc"]
        expr = pulp.lpSum(f[n] for n in mine) - share * pulp.lpSum(f[n] for n in into[j, e])
        prob.addConstraint(
            expr <= 0 if sense == "max" else expr >= 0, f"{tag}feed|{r}|{j}|{e}|{sense}"
        )

    # stage tonnes by country: one column each, so caps and HHI cuts act on a single variable
    ents = net.entities
    members: dict[int, list[int]] = {}
    for ent, arc in zip(net.attribution["entity"], net.attribution["arc"], strict=True):
        members.setdefault(int(ent), []).append(int(arc))
    s = []
    for i, (e, k, c) in enumerate(ents):
        s.append(prob.add_variable(f"{tag}s|{e}|{k}|{c}", 0))
        prob.addConstraint(
            s[i] - pulp.lpSum(f[n] for n in members.get(i, [])) == 0, f"{tag}stage|{e}|{k}|{c}"
        )
    by_ek: dict[tuple[str, int], list[int]] = {}
    for i, (e, k, _) in enumerate(ents):
        by_ek.setdefault((e, k), []).append(i)

    cap_rows = {
        (e, k, c): prob.addConstraint(s[i] <= float(sd[e, k]), f"{tag}cap|{e}|{k}|{c}")
        for i, (e, k, c) in enumerate(ents)
        if c != UNKNOWN
    }
    slack, bloc_rows = {}, {}
    for b in dataset.blocs:
        member = set(dataset.bloc_members(b))
        for (e, k), idx in by_ek.items():
            vars_ = [s[i] for i in idx if ents[i][2] in member]
            if vars_:
                slack[b, e, k] = prob.add_variable(f"{tag}slack|{b}|{e}|{k}", 0)
                bloc_rows[b, e, k] = prob.addConstraint(
                    pulp.lpSum(vars_) + slack[b, e, k] >= 0.0, f"{tag}bloc|{b}|{e}|{k}"
                )

    return Block(f, u, s, slack, cost, cap_rows, bloc_rows, by_ek, out_of, capacity_rows)


def formulate(dataset: Dataset, policy: Policy) -> Formulation:
    """Build the LP for `policy` with PuLP and hand it to HiGHS (which solves stage 1 once)."""
    st = Structure.of(dataset, policy)
    scope = list(st.scope)
    net = network_of(dataset, st)
    demand = dataset.elements.loc[scope, "demand_t"].astype(float)
    sd = net.stage_demand
    prob = pulp.LpProblem("ree_sourcing", pulp.LpMinimize)
    block = network_rows(prob, dataset, net)
    f, u, s, cost = block.f, block.u, block.s, block.cost
    ents, by_ek, slack = net.entities, block.by_ek, block.slack
    cap_rows, bloc_rows = block.cap_rows, block.bloc_rows

    stage_risk: dict[str, dict[tuple[str, int], pulp.LpAffineExpression]] = {}
    t: dict[int, pulp.LpVariable] = {}
    wgi = entity_wgi(dataset)
    if any(m in HHI_TYPES for m in st.measures):
        ub = _entity_upper_bounds(net)
        for i, (e, k, _) in enumerate(ents):
            t[i] = prob.add_variable(f"sq|{i}", 0)
            top = min(1.0, ub[i] / sd[e, k])
            for q in [q for q in risk.INITIAL_CUT_POINTS if q <= top] + [top]:
                slope, icpt = risk.tangent_cut(q)
                prob.addConstraint(t[i] - slope / sd[e, k] * s[i] >= icpt)
        stage_risk["hhi"] = {ek: pulp.lpSum(t[i] for i in idx) for ek, idx in by_ek.items()}
        stage_risk["wgi-hhi"] = {
            ek: pulp.lpSum(wgi(ents[i][2]) * t[i] for i in idx) for ek, idx in by_ek.items()
        }
    if "max-share" in st.measures:
        z = {ek: prob.add_variable(f"maxshare|{ek[0]}|{ek[1]}", 0) for ek in by_ek}
        for i, (e, k, _) in enumerate(ents):
            prob.addConstraint(z[e, k] - s[i] / sd[e, k] >= 0)
        stage_risk["max-share"] = {ek: z[ek] + 0 for ek in by_ek}
    if "top3" in st.measures:
        # Ogryczak-Tamir: the sum of the k largest shares is min over tau of k*tau + sum (p - tau)+
        # tau >= 0 keeps it exact when a stage has fewer than k holders (then: all of them)
        tau = {ek: prob.add_variable(f"tau|{ek[0]}|{ek[1]}", 0) for ek in by_ek}
        over = {i: prob.add_variable(f"over|{i}", 0) for i in range(len(ents))}
        for i, (e, k, _) in enumerate(ents):
            prob.addConstraint(over[i] + tau[e, k] - s[i] / sd[e, k] >= 0)
        stage_risk["top3"] = {
            ek: risk.TOP_K * tau[ek] + pulp.lpSum(over[i] for i in idx) for ek, idx in by_ek.items()
        }
    # a risk cap's slack is 0 unless no mix meeting the supply can keep it (then: the least)
    risk_cap_slack = {
        (m, e, k): prob.add_variable(f"riskslack|{m}|{e}|{k}", 0)
        for m in st.capped
        for (e, k) in by_ek
    }
    risk_cap_rows = {
        key: prob.addConstraint(
            stage_risk[key[0]][key[1], key[2]] - v <= 1e30, f"risk|{'|'.join(map(str, key))}"
        )
        for key, v in risk_cap_slack.items()
    }
    risk_exprs = {m: _per_element(prob, m, per, net, st) for m, per in stage_risk.items()}

    # Today's ceiling: no element's measure above its value in today's mix (stage 2; its excess
    # is 0 unless the budget cannot hold it, then exactly the least the budget forces)
    ceiling_excess, ceiling_rows = {}, {}
    if st.objective in RISK_OBJECTIVES:
        for e in scope:
            ceiling_excess[e] = prob.add_variable(f"excess_over_today|{e}", 0)
            ceiling_rows[e] = prob.addConstraint(
                risk_exprs[st.objective][e] - ceiling_excess[e] <= 1e30, f"today|{e}"
            )

    weights = risk.weights(dataset.elements, scope, st.weighting)
    robust = None
    if st.objective in RISK_OBJECTIVES:
        objective = pulp.lpSum(weights[e] * risk_exprs[st.objective][e] for e in scope)
    elif st.objective in ROBUST_OBJECTIVES:
        robust = _robust_objective(prob, dataset, st, net, f, demand)
        objective = robust.objective
        cost = cost + robust.holding  # extra stock is bought inside the same budget
    else:
        objective = None
    budget_row = prob.addConstraint(cost <= 1e30, "budget")
    objective_row = (
        prob.addConstraint(objective <= 1e30, "hold|objective") if objective is not None else None
    )
    # shortfall counted per unit of each element's demand: elements are separate networks, so
    # any positive weights give the same per-element optimum
    supply = pulp.lpSum(v / demand[e] for (e, _), v in u.items()) + pulp.lpSum(
        v / sd[e, k] for (_, e, k), v in slack.items()
    )
    excess = pulp.lpSum(weights[e] * v for e, v in ceiling_excess.items())
    cap_excess = pulp.lpSum(risk_cap_slack.values())

    form = Formulation(
        dataset, st, net, demand, weights, prob, f, s, u, slack, cap_rows, bloc_rows,
        risk_cap_rows, budget_row, cost, risk_exprs, stage_risk, t, supply, excess, cap_excess,
        risk_cap_slack, objective, objective_row,
        robust.stock_rows if robust else {}, robust.events if robust else None,
        robust.scale if robust else 1.0, ceiling_rows, ceiling_excess,
        years=robust.years if robust else None,
        stock_extra=robust.extra if robust else {},
        stock_max_rows=robust.max_rows if robust else {},
    )  # fmt: skip
    prob.objective = supply  # PuLP needs one; each stage sets its own costs
    form.lp = HighsLP(prob)
    if robust is not None and robust.tail is not None:
        form.tail = Tail.of(form.lp, robust.tail, robust.years, st.objective == "worst-case")
        form.years_on = np.ones(len(robust.years.weight), dtype=bool)  # as built
    # Every model starts from `built`, where Session.restart() puts one back: the LP as HiGHS
    # reads it back, no basis. A solve then depends only on the policy, not on the history.
    form.built = save(form, basis=False)
    restore(form, form.built)
    return form


def _entity_upper_bounds(net: Network) -> list[float]:
    """The most a share holder could carry: the capacity of the plants behind its arcs."""
    members: dict[int, list[int]] = {}
    for ent, arc in zip(net.attribution["entity"], net.attribution["arc"], strict=True):
        members.setdefault(int(ent), []).append(int(arc))
    cap = dict(
        zip(
            zip(net.capacity["plant"], net.capacity["element"], strict=True),
            net.capacity["capacity_t"],
            strict=True,
        )
    )
    src = list(zip(net.arcs["from"], net.arcs["element"], strict=True))
    return [
        float(sum(cap[p] for p in {src[n] for n in members.get(i, [])}))
        for i in range(len(net.entities))
    ]


def _per_element(
    prob: pulp.LpProblem, measure: str, per: dict, net: Network, st: Structure
) -> dict:
    """One risk value per element from its stages: the worst (an epigraph variable), the sum,
    or the named stage (0 where the element has no such stage)."""
    out = {}
    for e in st.scope:
        play = net.stages_in_play[e]
        if st.stage_rule == "sum":
            out[e] = pulp.lpSum(per[e, k] for k in play)
        elif st.stage_rule != "worst":
            k = STAGES.index(st.stage_rule)
            out[e] = per[e, k] + 0 if k in play else pulp.LpAffineExpression()
        elif len(play) == 1:
            out[e] = per[e, play[0]] + 0
        else:
            w = prob.add_variable(f"worst|{measure}|{e}", 0)
            for k in play:
                prob.addConstraint(w - per[e, k] >= 0, f"worststage|{measure}|{e}|{k}")
            out[e] = w + 0
    return out


LOWER_BOUND_ROWS = ("bloc", "stock")  # ">=" rows: the policy sets their lower bound


@dataclass
class Robust:
    """The disruption part of the LP (see optimizer/uncertainty.py for the expressions)."""

    objective: pulp.LpAffineExpression  # normalised: USD / scale
    holding: pulp.LpAffineExpression  # million USD a year for stock bought above the floor
    stock_rows: dict[tuple[int, str], pulp.LpConstraint]
    max_rows: dict[tuple[str], pulp.LpConstraint]
    extra: dict[str, pulp.LpVariable]
    events: scenarios.ScenarioSet
    years: uncertainty.YearSet
    scale: float
    tail: TailParts | None = None  # cvar and worst-case: see Tail


@dataclass
class TailParts:
    """The PuLP side of Tail: each year's variables and rows, and what its loss is made of."""

    y: dict[tuple[int, str], pulp.LpVariable]  # (event, element): tonnes the event would stop
    hit: list[str]  # elements some event hits
    per_tonne: dict[str, float]  # value lost per tonne short (normalised)
    refill: dict[str, float]
    threshold: pulp.LpVariable  # cvar: the value at risk; worst-case: the worst year's loss
    extra: dict[str, pulp.LpVariable]
    year_vars: list[tuple[int, pulp.LpVariable]]
    year_rows: list[tuple[int, pulp.LpConstraint, str | None]]  # element: stock rows only


@dataclass
class Tail:
    """CVaR and worst-case LPs solved on the in-sample years that matter.

    Only the years whose loss can exceed the threshold (the value at risk, or the worst year)
    shape the optimum; the rest sit at zero excess. The LP starts with the years that lose
    most at the least-cost mix (twice the tail's weight, at least MIN_YEARS) and their rows;
    the other years' variables are fixed at 0 and their rows free. After each solve every
    year's true loss is computed from the flows and stock, and the years above the threshold
    that were left out are added, until none is: the optimum is then the full LP's (the left
    out years' rows hold with zero excess). With 10,000 years about a fifth of the LP's rows
    are live."""

    cols: np.ndarray  # LP columns of the years' variables
    col_year: np.ndarray
    rows: np.ndarray  # LP rows of the years' stock and excess (or worst) rows
    row_year: np.ndarray
    row_element: np.ndarray  # position in `hit` of a stock row's element, -1 otherwise
    y_cols: np.ndarray  # (event, element in hit): LP column of y, -1 where the event misses
    extra_cols: np.ndarray  # per element in hit
    threshold_col: int
    per_tonne: np.ndarray
    refill: np.ndarray
    hit: list[str]
    share_of_year: np.ndarray  # (year, event): days / 365
    weight: np.ndarray
    calm: float
    worst_case: bool

    MIN_YEARS = 50

    @classmethod
    def of(cls, lp: HighsLP, parts: TailParts, years, worst_case: bool) -> Tail:
        pos = {e: i for i, e in enumerate(parts.hit)}
        y_cols = np.full((years.days.shape[1], len(parts.hit)), -1, dtype=int)
        for (k, e), v in parts.y.items():
            if e in pos:
                y_cols[k, pos[e]] = lp.col(v)
        return cls(
            np.array([lp.col(v) for _, v in parts.year_vars], dtype=np.int32),
            np.array([n for n, _ in parts.year_vars], dtype=int),
            np.array([lp.row(c) for _, c, _ in parts.year_rows], dtype=np.int32),
            np.array([n for n, _, _ in parts.year_rows], dtype=int),
            np.array([-1 if e is None else pos[e] for _, _, e in parts.year_rows], dtype=int),
            y_cols,
            np.array([lp.col(parts.extra[e]) for e in parts.hit], dtype=int),
            lp.col(parts.threshold),
            np.array([parts.per_tonne[e] for e in parts.hit]),
            np.array([parts.refill[e] for e in parts.hit]),
            list(parts.hit),
            np.asarray(years.days, dtype=float) / scenarios.DAYS,
            np.asarray(years.weight, dtype=float),
            float(years.calm),
            worst_case,
        )

    def losses(self, values: np.ndarray, floor: np.ndarray) -> np.ndarray:
        """Each year's loss (normalised, as in the LP) at a solution's flows and stock, with
        `floor` the stock the policy holds of each element in `hit`."""
        y = np.where(self.y_cols >= 0, values[np.maximum(self.y_cols, 0)], 0.0)
        short = self.share_of_year @ y
        net = np.maximum(short - floor - values[self.extra_cols], 0.0)
        return net @ self.per_tonne + short @ (self.per_tonne * self.refill)

    def first_years(self, losses: np.ndarray, alpha: float) -> np.ndarray:
        """The years to start with: the worst ones, twice the tail's weight of them (CVaR) and
        at least MIN_YEARS."""
        order = np.argsort(-losses, kind="stable")
        keep = self.MIN_YEARS
        if not self.worst_case:
            tail = 2.0 * (1.0 - alpha) * (self.weight.sum() + self.calm)
            keep = max(keep, int(np.searchsorted(np.cumsum(self.weight[order]), tail)) + 1)
        active = np.zeros(len(losses), dtype=bool)
        active[order[:keep]] = True
        return active


def _robust_objective(
    prob: pulp.LpProblem, dataset: Dataset, st: Structure, net: Network, f: list, demand: pd.Series
) -> Robust:
    """Expected value lost, its CVaR (Rockafellar-Uryasev) or the worst year, over the in-sample
    years, with the stockpile as recourse and its size a decision.

    y[k,e] = sum_a loss[k,a] f[a]; in year s, net[s,e] + extra[e] >= sum_k days/365 y[k,e] -
    floor[e] (the rhs a policy sets), net >= 0; value_s = sum_e price_e/scale (net + r_e short)
    with r_e the refill premium. The value is divided by the demand's value so the objective is
    a fraction of it (HiGHS's tolerances are absolute)."""
    scope = list(st.scope)
    ss = scenarios.scenario_set(dataset, net, st.scenarios)
    years = uncertainty.in_sample_years(ss, st.sample_years, st.seed)
    price = dataset.elements.loc[scope, "price_usd_kg"] * USD_PER_T
    scale = float((price * demand).sum()) or 1.0
    refill = pd.Series(uncertainty.refill_premium(dataset, scope), index=scope)
    holding_rate = dataset.stock_column("holding_rate").reindex(scope).fillna(0.0)
    element_of = net.arcs["element"].to_numpy()
    y: dict[tuple[int, str], pulp.LpVariable] = {}
    for k in range(len(ss.names)):
        terms: dict[str, list] = {}
        for n in np.flatnonzero(ss.loss[k] > 0):
            terms.setdefault(element_of[n], []).append(ss.loss[k, n] * f[n])
        for e, lost in terms.items():
            y[k, e] = prob.add_variable(f"eventloss|{k}|{e}", 0)
            prob.addConstraint(y[k, e] - pulp.lpSum(lost) == 0, f"eventloss|{k}|{e}")
    hit = [e for e in scope if any((k, e) in y for k in range(len(ss.names)))]
    extra = {e: prob.add_variable(f"stockextra|{e}", 0) for e in hit}
    max_rows = {(e,): prob.addConstraint(extra[e] <= 0, f"stockmax|{e}") for e in hit}
    holding = pulp.lpSum(float(holding_rate[e] * price[e]) / USD_PER_MUSD * extra[e] for e in hit)
    stock_rows: dict[tuple[int, str], pulp.LpConstraint] = {}
    # rows are built from (variable, coefficient) lists: there are one or two per in-sample
    # year and element, and PuLP's operator arithmetic would copy every partial sum
    per_tonne = {e: float(price[e]) / scale for e in hit}
    refill_of = {e: float(refill[e]) for e in hit}
    events_of = {e: [k for k in range(len(ss.names)) if (k, e) in y] for e in hit}
    loss: list[list[tuple[pulp.LpVariable, float]]] = []  # each year's value lost, as terms
    year_vars: list[tuple[int, pulp.LpVariable]] = []
    year_rows: list[tuple[int, pulp.LpConstraint, str | None]] = []
    for n_year, row in enumerate(years.days):
        terms = []
        for e in hit:
            short = [(y[k, e], row[k] / scenarios.DAYS) for k in events_of[e] if row[k] > 0]
            if not short:
                continue
            v = prob.add_variable(f"net|{n_year}|{e}", 0)
            cover = [(v, 1.0), (extra[e], 1.0)] + [(yk, -c) for yk, c in short]
            stock_rows[n_year, e] = prob.addConstraint(
                pulp.LpAffineExpression.from_list(cover) >= 0.0, f"stock|{n_year}|{e}"
            )
            year_vars.append((n_year, v))
            year_rows.append((n_year, stock_rows[n_year, e], e))
            p, r = per_tonne[e], refill_of[e]
            terms.append((v, p))
            terms += [(yk, p * r * c) for yk, c in short]
        loss.append(terms)
    w = years.weight
    if st.objective == "worst-case":
        worst = prob.add_variable("worst", 0)  # >= 0: a calm year loses nothing
        for n_year, terms in enumerate(loss):
            row_terms = [(worst, 1.0)] + [(x, -c) for x, c in terms]
            row = pulp.LpAffineExpression.from_list(row_terms) >= 0
            year_rows.append((n_year, prob.addConstraint(row, f"worst|{n_year}"), None))
        objective = worst + 0
        threshold = worst
    elif st.objective == "expected-loss":
        objective = pulp.LpAffineExpression.from_list(
            [(x, float(w[i]) * c) for i, terms in enumerate(loss) for x, c in terms]
        )
    else:
        eta = prob.add_variable("var")
        calm_excess = prob.add_variable("excess|calm", 0)
        prob.addConstraint(calm_excess + eta >= 0, "excess|calm")
        excess = [prob.add_variable(f"excess|{i}", 0) for i in range(len(loss))]
        for i, terms in enumerate(loss):
            row_terms = [(excess[i], 1.0), (eta, 1.0)] + [(x, -c) for x, c in terms]
            row = pulp.LpAffineExpression.from_list(row_terms) >= 0
            year_rows.append((i, prob.addConstraint(row, f"excess|{i}"), None))
            year_vars.append((i, excess[i]))
        threshold = eta
        tail = 1.0 / (1.0 - st.alpha)
        objective = pulp.LpAffineExpression.from_list(
            [(eta, 1.0), (calm_excess, tail * years.calm)]
            + [(v, tail * float(w[i])) for i, v in enumerate(excess)]
        )
    parts = None
    if st.objective != "expected-loss":  # every year weighs in an expectation
        parts = TailParts(
            y, hit, per_tonne, refill_of, threshold, extra, year_vars, year_rows
        )  # fmt: skip
    return Robust(objective, holding, stock_rows, max_rows, extra, ss, years, scale, parts)


def apply(form: Formulation, policy: Policy, rows_rhs: list | None = None) -> None:
    """Point the built model at another policy of the same structure: right-hand sides only."""
    rows_rhs = bounds(form, policy) if rows_rhs is None else rows_rhs
    keys, rhs = zip(*rows_rhs, strict=True) if rows_rhs else ((), ())
    rows = np.array([form.row_index[k] for k in keys], dtype=np.int32)
    form.risk_caps_now = dict(policy.risk_caps)
    rhs = np.array(rhs, dtype=float)
    is_lower = np.array([k[0] in LOWER_BOUND_ROWS for k in keys], dtype=bool)
    form.lp.set_row_bounds(rows, np.where(is_lower, rhs, -INF), np.where(is_lower, INF, rhs))
    if form.tail is not None:  # the stock rows of years out of the LP stay free
        set_years(form, policy, form.years_on)


def _held(form: Formulation, policy: Policy) -> np.ndarray:
    """Tonnes of stock the policy holds of each element an event hits (in Tail.hit order)."""
    return stock_range(form, policy)[0].reindex(form.tail.hit).to_numpy()


def set_years(form: Formulation, policy: Policy, on: np.ndarray) -> None:
    """Put the in-sample years `on` in the LP and take the others out (Tail)."""
    tail = form.tail
    form.years_on = on
    floor = _held(form, policy)
    live_row = on[tail.row_year]
    lower = np.where(tail.row_element >= 0, -floor[np.maximum(tail.row_element, 0)], 0.0)
    form.lp.set_row_bounds(tail.rows, np.where(live_row, lower, -INF), np.full(len(tail.rows), INF))
    live_col = on[tail.col_year]
    form.lp.set_col_bounds(tail.cols, np.zeros(len(tail.cols)), np.where(live_col, INF, 0.0))


def _years_left_out(form: Formulation, policy: Policy, res: Result) -> np.ndarray:
    """The years out of the LP whose true loss at `res` is above the threshold."""
    loss = form.tail.losses(res.values, _held(form, policy))
    above = loss > res.values[form.tail.threshold_col] + TAIL_TOLERANCE
    return above & ~form.years_on


TAIL_TOLERANCE = 1e-9  # normalised loss (a fraction of demand's value): about 0.5 USD


# --- solving -------------------------------------------------------------------------------

# what solving changes on a Formulation besides its HiGHS model
STATE = (
    "ceilings_on", "risk_caps_now", "risk_caps_on", "least_cost_cache", "supplied_now", "cuts",
    "years_on",
)  # fmt: skip


@dataclass(frozen=True)
class Saved:
    """A built model's state to come back to: its HiGHS LP (with the cuts it had) and basis,
    and which of its rows held. Solving from a restored state gives what solving then would
    have: a re-solve otherwise starts where the last one ended, and where a point has several
    optimal mixes the one reported can depend on what was solved before."""

    highs: tuple
    flags: dict


def save(form: Formulation, basis: bool = True) -> Saved:
    """`basis` False: restored, the model solves from scratch (a basis belongs to the policy
    last solved, so a state meant for any policy of the structure keeps none)."""
    return Saved(form.lp.save(basis), {k: copy.copy(getattr(form, k)) for k in STATE})


def restore(form: Formulation, saved: Saved) -> None:
    form.lp.restore(saved.highs)
    for k, v in saved.flags.items():
        setattr(form, k, copy.copy(v))


@dataclass
class StageResults:
    least_cost: Result  # stage 1: its duals price the caps in USD
    final: Result  # the reported mix (stage 3, or stage 1 for the cost objective)
    least_cost_musd: float
    budget_musd: float | None
    cut_rounds: int
    seconds: float
    risk: Result | None = None  # stage 2: its duals price the caps in risk
    supply_short: np.ndarray | None = None  # stage 0's unmet and bloc shortfall (short_cols)
    budget_short: np.ndarray | None = None  # the same once an absolute budget is applied
    ceiling_excess: dict[str, float] = field(default_factory=dict)  # forced by the budget
    ceiling_hold_musd: float | None = None  # the least cost that would hold today's ceiling
    cap_excess: dict[tuple[str, str, int], float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Held:
    """What stages 0 and 1 fixed, cached: a sweep along the budget starts at stage 2."""

    key: tuple[float, ...]
    short_ub: np.ndarray
    cap_ub: np.ndarray
    least: Result
    supply_short: np.ndarray
    cap_excess: dict


def solve_stages(form: Formulation, policy: Policy) -> StageResults:
    """The lexicographic stages (module docstring)."""
    started = time.perf_counter()
    solves = form.lp.solves
    held, rounds = supply_and_cost_stages(form, policy)
    # stage 2 from scratch if HiGHS holds stage 1's least-cost basis (see HighsLP.solve)
    cold = form.lp.solves > solves
    first = held.least
    least = float(form.vector("cost") @ first.values)
    out = StageResults(first, first, least, None, rounds, 0.0, supply_short=held.supply_short)
    out.cap_excess = held.cap_excess
    limit = budget_limit(policy, least)
    if policy.budget_usd is not None and limit < least * (1 - HOLD) - HOLD:
        # the budget cannot pay for the most that can be supplied: the most it can pay for
        first, more = _budget_supply(form, policy, limit)
        out.least_cost, out.final, rounds = first, first, rounds + more
        out.budget_short = first.values[form.short_cols]
    if form.structure.objective == "cost":
        out.seconds = time.perf_counter() - started
        return out
    out.budget_musd = limit
    risk, final, more = risk_stages(form, policy, limit, out, cold)
    out.risk, out.final, out.cut_rounds = risk, final, rounds + more
    out.seconds = time.perf_counter() - started
    return out


def supply_and_cost_stages(form: Formulation, policy: Policy) -> tuple[Held, int]:
    """Stage 0, the most that can be supplied (risk caps and budget aside), fixed; the risk
    caps, kept where a mix of that supply can keep them; stage 1, the least cost of it."""
    lp = form.lp
    rows_rhs = bounds(form, policy)
    key = tuple(r for _, r in rows_rhs)
    cache = form.least_cost_cache
    if cache is not None and cache.key == key:
        _set_ub(form, form.short_cols, cache.short_ub)
        _set_ub(form, _cap_cols(form), cache.cap_ub)
        set_risk_caps(form, policy, on=True)
        set_budget(form, INF)
        _hold_objective(form, INF)
        return cache, 0
    zero = _most_supply(form, policy, rows_rhs)
    short = zero.values[form.short_cols]
    short_ub = short * (1 + HOLD) + HOLD
    _set_ub(form, form.short_cols, short_ub)
    rounds = 0
    caps = _cap_cols(form)
    cap_excess: dict = {}
    if form.risk_cap_rows:
        set_risk_caps(form, policy, on=True, supplied=_supplied(form, zero))
        _set_ub(form, caps, np.full(len(caps), INF))
        lp.set_costs(form.vector("cap_excess"))
        res, rounds = _cut_loop(form, lp.solve(), policy, objective=False)
        over = res.values[caps]
        cap_excess = {
            k: float(v) for k, v in zip(form.risk_cap_slack, over, strict=True) if v > 1e-7
        }
        room = max(form.structure_tolerance(policy, m) for m, _, _ in form.risk_cap_slack)
        _set_ub(form, caps, over + room)
    lp.set_costs(form.vector("cost"))
    first, more = _cut_loop(form, lp.solve(), policy, objective=False)
    cap_ub = lp_col_upper(form, caps)
    form.least_cost_cache = Held(key, short_ub, cap_ub, first, short, cap_excess)
    return form.least_cost_cache, rounds + more


def _most_supply(form: Formulation, policy: Policy, rows_rhs: list) -> Result:
    """Stage 0 with these right-hand sides: the least shortfall, risk caps, budget, today's
    ceiling and held risk aside."""
    if form.tail is not None:  # stages 0 and 1 do not read the years: none in the LP
        form.years_on = np.zeros(len(form.years_on), dtype=bool)
    apply(form, policy, rows_rhs)
    set_risk_caps(form, policy, on=False)
    set_budget(form, INF)
    set_ceilings(form, None)
    _hold_objective(form, INF)
    _set_ub(form, form.short_cols, np.full(len(form.short_cols), INF))
    form.lp.set_costs(form.vector("supply"))
    return form.lp.solve()


def _budget_supply(form: Formulation, policy: Policy, limit: float) -> tuple[Result, int]:
    """Within an absolute budget below the least cost: the most that can be supplied, then the
    least cost of it."""
    lp = form.lp
    set_budget(form, limit)
    _set_ub(form, form.short_cols, np.full(len(form.short_cols), INF))
    lp.set_costs(form.vector("supply"))
    res, rounds = _cut_loop(form, lp.solve(), policy, objective=False)
    short = res.values[form.short_cols]
    _set_ub(form, form.short_cols, short * (1 + HOLD) + HOLD)
    lp.set_costs(form.vector("cost"))
    first, more = _cut_loop(form, lp.solve(), policy, objective=False)
    return first, rounds + more


def risk_stages(
    form: Formulation, policy: Policy, limit: float, out: StageResults, cold: bool = False
) -> tuple[Result, Result, int]:
    """Stage 2 (today's ceiling first where it is on), then stage 3, within `limit` (million
    USD). Returns the stage-2 result (its duals price constraints in risk), the final mix and
    the cut rounds. `cold`: start stage 2 from scratch (HiGHS holds a least-cost basis)."""
    lp = form.lp
    set_budget(form, limit)
    _hold_objective(form, INF)
    rounds = 0
    out.ceiling_excess, out.ceiling_hold_musd = {}, None
    room = form.structure_tolerance(policy)
    risk = None
    if form.tail is not None:
        losses = form.tail.losses(out.least_cost.values, _held(form, policy))
        set_years(form, policy, form.tail.first_years(losses, policy.alpha))
    if policy.no_worse_than_today and form.ceiling_rows:
        set_ceilings(form, todays_levels(form, policy, out.least_cost))
        excess_cols = form.cols(form.ceiling_excess.values())
        # most budgets hold the ceiling: try stage 2 with it hard (to the cut tolerance, which
        # later cuts may use up) before asking how far above today the budget forces anything
        _set_ub(form, excess_cols, np.full(len(excess_cols), room))
        lp.set_costs(form.vector("objective"))
        first = lp.solve(feasible_only=True, cold=cold)
        if first is not None:
            try:
                risk, rounds = _solve_years(form, policy, first, objective=True)
            except SolverError:
                risk = None
        if risk is None:
            _set_ub(form, excess_cols, np.full(len(excess_cols), INF))
            lp.set_costs(form.vector("excess"))
            res, rounds = _solve_years(form, policy, lp.solve(cold=cold), objective=False)
            over = res.values[excess_cols]
            if float(form.vector("excess") @ res.values) > room:
                out.ceiling_excess = {
                    e: float(v) for e, v in zip(form.ceiling_excess, over, strict=True) if v > 1e-7
                }
                out.ceiling_hold_musd = _cost_to_hold(form, policy, excess_cols)
                set_budget(form, limit)
            _set_ub(form, excess_cols, over + room)
    else:
        set_ceilings(form, None)
    if risk is None:
        lp.set_costs(form.vector("objective"))
        risk, more = _solve_years(form, policy, lp.solve(cold=cold), objective=True)
        rounds += more
    # stage 3: the cheapest mix no riskier than stage 2's (its true value: every cut lies
    # below it, so stage 2's mix stays feasible). Both loops run to half the tolerance, so the
    # reported risk is within one tolerance of the least.
    held = true_objective(form, risk) + RISK_HOLD
    _hold_objective(form, held)
    lp.set_costs(form.vector("cost"))
    # stage 2's mix meets the hold: primal simplex goes on from its basis (see HighsLP.solve)
    final, more = _solve_years(form, policy, lp.solve(primal=True), objective=True)
    return risk, final, rounds + more


def _solve_years(
    form: Formulation, policy: Policy, res: Result, objective: bool
) -> tuple[Result, int]:
    """_cut_loop, then (Tail) the years left out whose loss is above the threshold put in, and
    again, until none is. Returns the result and the rounds of cuts and years."""
    rounds = 0
    while True:
        res, more = _cut_loop(form, res, policy, objective)
        rounds += more
        if form.tail is None:
            return res, rounds
        missing = _years_left_out(form, policy, res)
        if not missing.any():
            return res, rounds
        set_years(form, policy, form.years_on | missing)
        res = form.lp.solve()
        rounds += 1


def _cost_to_hold(form: Formulation, policy: Policy, excess_cols: np.ndarray) -> float | None:
    """The least cost of a mix that keeps every element at or below today (None: no budget
    can, given the caps and the supply)."""
    lp = form.lp
    set_budget(form, INF)
    _set_ub(form, excess_cols, np.full(len(excess_cols), INF))
    lp.set_costs(form.vector("excess"))
    res, _ = _cut_loop(form, lp.solve(), policy, objective=False)
    if float(form.vector("excess") @ res.values) > form.structure_tolerance(policy):
        return None
    _set_ub(form, excess_cols, np.zeros(len(excess_cols)))
    lp.set_costs(form.vector("cost"))
    res, _ = _cut_loop(form, lp.solve(), policy, objective=False)
    return float(form.vector("cost") @ res.values)


def true_objective(form: Formulation, res: Result) -> float:
    """The stage-2 objective's true value at a solution (the LP's under-estimates HHI)."""
    if form.structure.objective not in HHI_TYPES:
        return float(form.vector("objective") @ res.values)
    scols, _, demand, wgi, ek = form.cut_terms
    p = res.values[scols] / demand
    sq = p * p * (wgi if form.structure.objective == "wgi-hhi" else 1.0)
    per_stage = np.bincount(ek, weights=sq, minlength=len(form.ek))
    return float(_combine(form, per_stage) @ form.weights.to_numpy())


def _supplied(form: Formulation, res: Result) -> dict[tuple[str, int], float]:
    """Tonnes of each element passing each stage in a solution (stage 0's supply)."""
    need = form.net.stage_demand
    out = dict(need)
    for (e, f), v in form.u.items():
        short = float(res.values[form.lp.col(v)])
        for k in range(STAGES.index(FORM_STAGE[f]) + 1):
            if (e, k) in out:
                out[e, k] -= short
    return {k: max(v, 0.0) for k, v in out.items()}


def set_risk_caps(
    form: Formulation, policy: Policy, on: bool, supplied: dict | None = None
) -> None:
    """Hold the risk caps on what is supplied, or lift them (stage 0 asks what can be supplied
    at all). Shares in the LP are of demand; with the supply fixed, a cap on supplied shares
    is the same cap scaled by (supplied / demand) (squared for the HHI measures)."""
    if not form.risk_cap_rows:
        return
    if supplied is not None:
        form.supplied_now = supplied
    need = form.net.stage_demand
    rows, upper = [], []
    for (m, e, k), row in form.risk_cap_rows.items():
        ratio = form.supplied_now.get((e, k), need[e, k]) / need[e, k] if need[e, k] else 1.0
        scale = ratio * ratio if m in HHI_TYPES else ratio
        rows.append(form.lp.row(row))
        upper.append(policy.risk_caps[m] * scale if on else INF)
    form.lp.set_row_bounds(np.array(rows), np.full(len(rows), -INF), np.array(upper))
    form.risk_caps_on = on


def _cap_cols(form: Formulation) -> np.ndarray:
    return form.cols(form.risk_cap_slack.values())


def _set_ub(form: Formulation, cols: np.ndarray, upper: np.ndarray) -> None:
    form.lp.set_col_bounds(cols, np.zeros(len(cols)), np.asarray(upper, dtype=float))


def lp_col_upper(form: Formulation, cols: np.ndarray) -> np.ndarray:
    return np.asarray(form.lp.highs.getLp().col_upper_)[cols] if len(cols) else np.zeros(0)


def _hold_objective(form: Formulation, limit: float) -> None:
    if form.objective_row is None:
        return
    upper = limit if limit >= INF else limit * (1 + HOLD) + HOLD
    form.lp.set_row_bounds(
        np.array([form.lp.row(form.objective_row)]), np.array([-INF]), np.array([upper])
    )


def todays_levels(form: Formulation, policy: Policy, res: Result) -> dict[str, float]:
    """The objective's measure for each element in today's mix: its ceiling, on what is
    supplied. With a shortfall the LP's shares (of demand) understate the supplied ones by at
    most the smallest supplied/demand ratio of the element's stages, so the ceiling is scaled
    by it (squared for HHI measures): a level that holds in the LP then holds on supply."""
    st = form.structure
    today = measures.baseline_levels(form.dataset, st.scope, st.objective, st.stage_rule)
    supplied = _supplied(form, res)
    need = form.net.stage_demand
    out = {}
    for e in st.scope:
        ratios = [supplied[e, k] / need[e, k] for k in form.net.stages_in_play[e] if need[e, k]]
        r = min(ratios, default=1.0)
        out[e] = today[e] * (r * r if st.objective in HHI_TYPES else r)
    return out


def set_ceilings(form: Formulation, levels: dict[str, float] | None) -> None:
    """Activate today's ceilings (levels per element) or lift them (None)."""
    if not form.ceiling_rows or (levels is None and not form.ceilings_on):
        return
    rows = np.array([form.lp.row(c) for c in form.ceiling_rows.values()])
    upper = np.array([INF if levels is None else levels[e] for e in form.ceiling_rows])
    form.lp.set_row_bounds(rows, np.full(len(rows), -INF), upper)
    form.ceilings_on = levels is not None


def budget_limit(policy: Policy, least_musd: float) -> float:
    if policy.budget_usd is not None:
        return policy.budget_usd / USD_PER_MUSD
    return (1.0 + policy.budget_premium) * least_musd


def set_budget(form: Formulation, limit: float) -> None:
    # A hair of room so a zero premium is not lost to floating-point round-off.
    upper = limit if limit >= INF else limit * (1 + HOLD) + HOLD
    form.lp.set_row_bounds(
        np.array([form.lp.row(form.budget_row)]), np.array([-INF]), np.array([upper])
    )


def _cut_loop(
    form: Formulation, res: Result, policy: Policy, objective: bool
) -> tuple[Result, int]:
    """Kelley's cutting planes: add tangents of share^2 where the LP under-estimates it, until
    the HHI values the current stage relies on are true within the policy's tolerance
    (`objective`: the stage minimises the risk objective or holds it)."""
    if not form.t:
        return res, 0
    lp = form.lp
    scols, tcols, demand, wgi, ek = form.cut_terms
    tol = policy.hhi_tolerance * (0.5 if objective else 1.0)
    for rounds in range(MAX_CUT_ROUNDS):
        p = res.values[scols] / demand
        gap = np.maximum(p * p - res.values[tcols], 0.0)
        if _converged(form, res, p, wgi, ek, tol, objective):
            lp.drop_slack_rows(keep_at_most=CUTS_KEPT_PER_TERM * len(scols))
            return res, rounds
        todo = np.flatnonzero((gap > tol * 1e-3) & _may_bind(form, res, p, wgi, ek, tol)[ek])
        # the tangent at p, and a pair either side: the optimum moves by about sqrt(gap) when
        # the cut lands, so the pair saves most of the rounds plain Kelley would take
        step = CUT_SPREAD * np.sqrt(gap[todo])
        q = np.concatenate([p[todo], p[todo] - step, p[todo] + step])
        term = np.tile(todo, 3)
        keep = (q >= 0.0) & (q <= 1.0)
        q, term = q[keep], term[keep]
        slope, lower = risk.tangent_cut(q)
        lp.add_cuts(tcols[term], scols[term], -slope / demand[term], lower)
        form.cuts += len(q)
        res = lp.solve()
    raise RuntimeError(f"HHI cuts did not converge in {MAX_CUT_ROUNDS} rounds")


def _converged(
    form: Formulation,
    res: Result,
    p: np.ndarray,
    wgi: np.ndarray,
    ek: np.ndarray,
    tol: float,
    objective: bool,
) -> bool:
    """True when every HHI-type value in use is exact within `tol`: the weighted objective and,
    where the measure is capped or held under today's level, each element's value. The test is
    on the true value against the LP's (per element, after its stages are combined), not term
    by term: under the worst-stage rule a stage below the worst may rest on a loose cut without
    changing any number the model acts on."""
    st = form.structure
    n = len(form.ek)
    for m in st.measures:
        if m not in HHI_TYPES:
            continue
        # WGI-HHI runs to 10x the HHI's scale: hold it to the tolerance on that scale
        scaled = tol * max(1.0, float(wgi.max(initial=1.0))) if m == "wgi-hhi" else tol
        sq = p * p * (wgi if m == "wgi-hhi" else 1.0)
        true_stage = np.bincount(ek, weights=sq, minlength=n)
        gap = _combine(form, true_stage) - form.risk_matrix(m) @ res.values
        if m == st.objective:
            if objective and float(gap @ form.weights.to_numpy()) > scaled:
                return False
            if form.ceilings_on and float(gap.max(initial=0.0)) > scaled:
                return False
        if m in st.capped and form.risk_caps_on:
            # the LP holds each capped stage value at its (scaled) cap plus its slack
            lp_stage = form.stage_risk_matrix(m) @ res.values
            if float((true_stage - lp_stage).max(initial=0.0)) > scaled:
                return False
    return True


def _may_bind(
    form: Formulation, res: Result, p: np.ndarray, wgi: np.ndarray, ek: np.ndarray, tol: float
) -> np.ndarray:
    """Which (element, stage) values can matter this round: under the worst-stage rule, a
    stage whose true value is below its element's LP value by more than the tolerance cannot
    move any number the model acts on, so its terms get no cuts (the loop re-checks it each
    round). Capped measures keep every stage."""
    n = len(form.ek)
    st = form.structure
    if st.stage_rule != "worst" or st.capped or st.objective not in HHI_TYPES:
        return np.ones(n, dtype=bool)
    sq = p * p * (wgi if st.objective == "wgi-hhi" else 1.0)
    true_stage = np.bincount(ek, weights=sq, minlength=n)
    lp_element = form.risk_matrix(st.objective) @ res.values
    return true_stage >= lp_element[form.ek_element] - 10 * tol


def _combine(form: Formulation, per_stage: np.ndarray) -> np.ndarray:
    """Per-element values from per-(element, stage) ones by the structure's stage rule."""
    size = len(form.structure.scope)
    rule = form.structure.stage_rule
    if rule == "sum":
        return np.bincount(form.ek_element, weights=per_stage, minlength=size)
    if rule == "worst":
        out = np.zeros(size)
        np.maximum.at(out, form.ek_element, per_stage)
        return out
    k = STAGES.index(rule)
    mask = np.array([kk == k for _, kk in form.ek], dtype=float)
    return np.bincount(form.ek_element, weights=per_stage * mask, minlength=size)


def shortfall_without(
    form: Formulation, policy: Policy, relax: set[str] | None
) -> dict[str, float]:
    """Each element's least shortfall with the caps of `relax` (supplier codes; None: every
    cap and bloc minimum) lifted, budget and risk caps aside: what those caps cost in supply.
    Re-solves stage 0 on the held model, then puts the policy's rows and stage-0/1 holds back
    (elements are separate networks, so one solve answers for all of them)."""
    lp = form.lp
    rows_rhs = [
        (key, form.net.stage_demand[key[1], key[2]])
        if key[0] == "cap" and (relax is None or key[3] in relax)
        else ((key, 0.0) if key[0] == "bloc" and relax is None else (key, rhs))
        for key, rhs in bounds(form, policy)
    ]
    res = _most_supply(form, policy, rows_rhs)
    out: dict[str, float] = {}
    for (e, _), v in form.u.items():
        out[e] = out.get(e, 0.0) + float(res.values[lp.col(v)])
    apply(form, policy)
    held = form.least_cost_cache
    if held is not None:
        _set_ub(form, form.short_cols, held.short_ub)
        _set_ub(form, _cap_cols(form), held.cap_ub)
    set_risk_caps(form, policy, on=True)
    return out
