"""optimize(): run the model for one policy and package what a user needs to read or export."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import diagnose, risk, scenarios, uncertainty
from .dataset import Dataset
from .network import measures
from .network.graph import PRODUCT
from .network.model import (
    USD_PER_MUSD,
    USD_PER_T,
    Formulation,
    StageResults,
    formulate,
    solve_stages,
    stock_range,
)  # fmt: skip
from .policy import RISK_OBJECTIVES, Policy, validate
from .reports import messages
from .scenarios import DAYS
from .schema import KOREA, STAGES
from .versions import package_versions

TONNE_EPS = 1e-6  # LP round-off below this is not a flow
FLOW_EXPORT_COLUMNS = [
    "element", "from_plant", "from_country", "from_stage", "to_plant", "to_country", "to_stage",
    "tonnes",
]  # fmt: skip
KOREA_CODE = "KOR"


@dataclass
class Solution:
    """The optimized flows for one policy, with their measures at every stage, today's, and the
    reasons. Per-element `metrics` show each measure at the element's worst stage (or at the
    stage the policy names); `stage_metrics` has every stage."""

    dataset: Dataset
    policy: Policy
    status: str  # optimal | shortfall
    arc_flows: pd.DataFrame  # element, from, to, tonnes (the model's own spelling)
    allocation: (
        pd.DataFrame
    )  # element, form, stage, plant, country, tonnes, share, cost_usd_kg, cost_usd
    metrics: pd.DataFrame  # per element
    portfolio: dict[str, float]
    stage_metrics: pd.DataFrame  # per element and stage
    baseline_metrics: pd.DataFrame
    baseline_portfolio: dict[str, float]
    baseline_stage_metrics: pd.DataFrame
    least_cost_usd: float
    budget_usd: float | None
    objective_value: float  # true (not LP) value of the objective, weighted over elements
    baseline_objective_value: float  # today's mix scored by the same objective
    lp_objective_value: float  # the LP's value of the same (HHI: a lower bound within tolerance)
    shortfalls: pd.DataFrame
    above_today: pd.DataFrame  # elements whose measure ends above today's despite the ceiling
    caps_not_met: pd.DataFrame  # risk caps no mix of the available supply can keep
    shadow_prices: pd.DataFrame
    cut_rounds: int
    seconds: float
    # Korea's stock by element: days held in the optimized plan (the policy's, plus what the
    # sizing decision bought) and the yearly cost of holding what was bought above it
    stock: pd.DataFrame = field(default_factory=pd.DataFrame)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def sourcing_cost_usd(self) -> float:
        return float(self.allocation["cost_usd"].sum())

    @property
    def stock_cost_usd(self) -> float:
        return float(self.stock["holding_cost_usd"].sum()) if len(self.stock) else 0.0

    @property
    def total_cost_usd(self) -> float:
        """What the budget bounds: the mix's cost plus the holding cost of stock bought."""
        return self.sourcing_cost_usd + self.stock_cost_usd

    @property
    def stock_days(self) -> pd.Series:
        """Days of each element's demand held in the optimized plan (the dataset's stock where
        the objective does not model the stockpile)."""
        if len(self.stock):
            return self.stock["days"]
        return scenarios.held_days(self.dataset, self.policy, self.scope)

    @property
    def scope(self) -> list[str]:
        return list(self.metrics.index)

    @property
    def flows(self) -> pd.DataFrame:
        """Every flow of the optimized mix in the export's columns (FLOW_EXPORT_COLUMNS)."""
        return expand_flows(self.dataset, self.arc_flows)

    @property
    def baseline_flows(self) -> pd.DataFrame:
        """Today's flows in the same columns."""
        return expand_flows(self.dataset, measures.baseline_flows(self.dataset, self.scope))

    def stage_portfolio(self, view: str = "optimized") -> pd.DataFrame:
        """Per stage, the measures weighted over the elements whose chain has that stage."""
        if view not in self._cache:
            per = self.stage_metrics if view == "optimized" else self.baseline_stage_metrics
            self._cache[view] = measures.stage_portfolio(
                self.dataset, per, self.scope, self.policy.weights
            )
        return self._cache[view]

    def worst_stage(
        self, view: str = "optimized", column: str = "china_share"
    ) -> tuple[str, float]:
        """The stage where the portfolio's China share (or another measure) is highest."""
        return measures.worst_stage(self.stage_portfolio(view), column)

    def stage_shares(self, view: str = "optimized") -> pd.DataFrame:
        """element, stage, country, tonnes, share of what arrives through each stage."""
        flows = (
            self.arc_flows
            if view == "optimized"
            else measures.baseline_flows(self.dataset, self.scope)
        )
        return measures.stage_shares(self.dataset, flows, self.scope)

    def summary(self) -> dict[str, Any]:
        """Everything needed to read and reproduce the run, as plain JSON-able data."""
        stage, china = self.worst_stage()
        base_stage, base_china = self.worst_stage("baseline")
        return {
            "status": self.status,
            "objective": self.policy.objective,
            "objective_value": self.objective_value,
            "baseline_objective_value": self.baseline_objective_value,
            "total_cost_usd": self.total_cost_usd,
            "sourcing_cost_usd": self.sourcing_cost_usd,
            "stock_cost_usd": self.stock_cost_usd,
            "stock": _records(self.stock.reset_index()) if len(self.stock) else [],
            "least_cost_usd": self.least_cost_usd,
            "budget_usd": self.budget_usd,
            "portfolio": self.portfolio,
            "baseline_portfolio": self.baseline_portfolio,
            "worst_stage": {
                "optimized": {"stage": stage, "china_share": china},
                "today": {"stage": base_stage, "china_share": base_china},
            },
            "elements": _records(self.metrics.reset_index()),
            "baseline_elements": _records(self.baseline_metrics.reset_index()),
            "stages": stage_records(self),
            "shortfalls": _records(self.shortfalls),
            "above_today": _records(self.above_today),
            "caps_not_met": _records(self.caps_not_met),
            "worse_than_today": worse_than_today(self),
            "shadow_prices": _records(self.shadow_prices),
            "policy": self.policy.to_dict(),
            "dataset": {
                "origin": self.dataset.origin,
                "form": self.dataset.form,
                "sha256": self.dataset.fingerprint,
                "as_of": self.dataset.as_of,
            },
            "solver": {"cut_rounds": self.cut_rounds, "seconds": self.seconds},
            "versions": package_versions(),
        }


# Portfolio measures and which way is better; a change the wrong way is said, not hidden.
LOWER_IS_BETTER = {"hhi": True, "wgi_hhi": True, "max_share": True, "top3_share": True,
                   "china_share": True, "forge_share": False, "unmet_t": True}  # fmt: skip


def worse_than_today(sol: Solution) -> list[dict[str, Any]]:
    """Portfolio measures (and the worst stage's China share) where the optimized mix is worse
    than today's."""
    out = []
    for m, lower in LOWER_IS_BETTER.items():
        today, opt = sol.baseline_portfolio.get(m), sol.portfolio.get(m)
        if today is None or opt is None:
            continue
        eps = 1e-6  # tonnes and shares: below this it is round-off
        if (opt > today + eps) if lower else (opt < today - eps):
            out.append({"measure": m, "today": today, "optimized": opt})
    (_, china), (_, base) = sol.worst_stage(), sol.worst_stage("baseline")
    if china > base + 1e-6:
        out.append({"measure": "china_share_worst_stage", "today": base, "optimized": china})
    return out


STAGE_SUMMARY = ("china_share", "hhi", "max_share", "top3_share", "wgi_hhi", "forge_share")


def stage_records(sol: Solution) -> list[dict[str, Any]]:
    """Per element and stage: the measures today and optimized."""
    opt, base = sol.stage_metrics, sol.baseline_stage_metrics
    out = []
    for e, stage in opt.index:
        row: dict[str, Any] = {"element": e, "stage": stage}
        for label, frame in (("today", base), ("optimized", opt)):
            row[label] = {
                c: float(frame.at[(e, stage), c]) if (e, stage) in frame.index else None
                for c in ("supplied_t", *STAGE_SUMMARY)
            }
        out.append(row)
    return out


def display_rule(policy: Policy) -> str:
    """How per-element metrics read stages: the policy's stage if it names one, else the worst."""
    return policy.stage if policy.stage in STAGES else "worst"


def optimize(dataset: Dataset, policy: Policy | None = None) -> Solution:
    """The least-risk mix within the budget (or the least-cost mix within risk caps)."""
    started = time.perf_counter()
    policy = validate(policy or Policy(), dataset)
    form = formulate(dataset, policy)
    solution = solution_from(form, policy, solve_stages(form, policy))
    solution.seconds = time.perf_counter() - started  # build, both stages and the report
    return solution


def arc_flows_of(form: Formulation, values: np.ndarray) -> pd.DataFrame:
    arcs = form.net.arcs
    tonnes = values[form.flow_cols]
    keep = tonnes > TONNE_EPS
    return pd.DataFrame(
        {
            "element": arcs["element"].to_numpy()[keep],
            "from": arcs["from"].to_numpy()[keep],
            "to": arcs["to"].to_numpy()[keep],
            "tonnes": tonnes[keep],
        }
    )


def solution_from(form: Formulation, policy: Policy, stages: StageResults) -> Solution:
    ds = form.dataset
    scope = list(form.structure.scope)
    flows = arc_flows_of(form, stages.final.values)
    rule = display_rule(policy)
    per, per_stage = measures.element_frame(ds, flows, scope, rule)
    weights = risk.weights(ds.elements, scope, policy.weights).to_numpy()
    portfolio = measures.portfolio(per, weights)
    base_per, base_portfolio, base_stage = measures.baseline_metrics(
        ds, tuple(scope), policy.weights, rule
    )
    shortfalls = diagnose.explain_shortfalls(form, policy, stages)
    lp_value = (
        float(form.lp.vector(form.objective) @ stages.final.values) * form.loss_scale
        if form.objective is not None
        else float("nan")
    )
    stock = stock_of(form, policy, stages.final.values)
    if form.scenario_set is not None:
        held = stock["held_t"].to_numpy()
        objective_value = robust_value(form, policy, flows, stock["stock_t"].to_numpy())
        baseline_value = robust_value(form, policy, measures.baseline_flows(ds, scope), held)
    elif policy.objective in RISK_OBJECTIVES:
        objective_value = measures.objective_of(
            measures.aggregate(per_stage, policy.stage, scope), weights, policy.objective
        )
        baseline_value = measures.objective_of(
            measures.aggregate(base_stage, policy.stage, scope), weights, policy.objective
        )
    else:
        objective_value, baseline_value = portfolio["cost_usd"], base_portfolio["cost_usd"]
    return Solution(
        dataset=ds,
        policy=policy,
        status="shortfall" if len(shortfalls) else "optimal",
        arc_flows=flows,
        allocation=allocation_of(form, flows),
        metrics=per,
        portfolio=portfolio,
        stage_metrics=per_stage,
        baseline_metrics=base_per,
        baseline_portfolio=base_portfolio,
        baseline_stage_metrics=base_stage,
        least_cost_usd=stages.least_cost_musd * USD_PER_MUSD,
        budget_usd=None if stages.budget_musd is None else stages.budget_musd * USD_PER_MUSD,
        objective_value=objective_value,
        baseline_objective_value=baseline_value,
        lp_objective_value=lp_value,
        shortfalls=shortfalls,
        above_today=_above_today(policy, per_stage, base_stage, scope, stages),
        caps_not_met=_caps_not_met(policy, per_stage, stages),
        shadow_prices=diagnose.shadow_prices(form, policy, stages),
        cut_rounds=stages.cut_rounds,
        seconds=stages.seconds,
        stock=stock,
    )


def stock_of(form: Formulation, policy: Policy, values: np.ndarray) -> pd.DataFrame:
    """Per element in scope: the stock the policy holds, what the sizing decision added, the
    days that make, and the yearly cost of holding the addition (robust objectives only)."""
    if form.scenario_set is None:
        return pd.DataFrame()
    scope = list(form.structure.scope)
    held, _ = stock_range(form, policy)
    added = pd.Series(
        [
            float(values[form.lp.col(form.stock_extra[e])]) if e in form.stock_extra else 0.0
            for e in scope
        ],
        index=scope,
    ).clip(lower=0.0)
    added[added < TONNE_EPS] = 0.0
    total = held + added
    ds = form.dataset
    price = ds.elements.loc[scope, "price_usd_kg"] * USD_PER_T
    rate = ds.stock_column("holding_rate").reindex(scope).fillna(0.0)
    return pd.DataFrame(
        {
            "held_t": held,
            "added_t": added,
            "stock_t": total,
            "days": total / form.demand * DAYS,
            "holding_cost_usd": added * price * rate,
        },
        index=pd.Index(scope, name="element"),
    )


ALLOCATION_COLUMNS = [
    "element", "form", "stage", "plant", "country", "tonnes", "share", "cost_usd_kg", "cost_usd",
]  # fmt: skip


def allocation_of(form: Formulation, flows: pd.DataFrame) -> pd.DataFrame:
    """One row per element and plant used: what it puts through, its share of the demand that
    passes its stage, and the cost it adds. The rows' cost_usd add up to the mix's cost."""
    stage_of, country_of = measures.plant_maps(form.dataset)
    through = flows.groupby(["element", "from"], sort=False)["tonnes"].sum()
    cost = measures.unit_costs(form.dataset)
    order = {e: i for i, e in enumerate(form.structure.scope)}
    need = form.net.stage_demand
    rows = sorted(
        ((e, p, t) for (e, p), t in through.items()),
        key=lambda r: (order[r[0]], stage_of[r[1]], -r[2]),
    )
    k = [stage_of[p] for _, p, _ in rows]
    tonnes = np.array([t for *_, t in rows], dtype=float)
    unit = np.array([cost[p, e] for e, p, _ in rows], dtype=float)
    return pd.DataFrame(
        {
            "element": [e for e, _, _ in rows],
            "form": [PRODUCT[STAGES[i]] for i in k],
            "stage": [STAGES[i] for i in k],
            "plant": [p for _, p, _ in rows],
            "country": [country_of[p] for _, p, _ in rows],
            "tonnes": tonnes,
            "share": tonnes
            / np.array([need[e, i] for (e, _, _), i in zip(rows, k, strict=True)], dtype=float),
            "cost_usd_kg": unit,
            "cost_usd": tonnes * unit * 1000.0,
        },
        columns=ALLOCATION_COLUMNS,
    )


def expand_flows(dataset: Dataset, flows: pd.DataFrame) -> pd.DataFrame:
    """Flows in the export's columns: plant, country and stage at both ends; a delivery goes to
    to_plant korea, to_country KOR, to_stage korea."""
    plants = dataset.plants
    to_korea = flows["to"] == KOREA
    out = pd.DataFrame(
        {
            "element": flows["element"].to_numpy(),
            "from_plant": flows["from"].to_numpy(),
            "from_country": flows["from"].map(plants["country"]).to_numpy(),
            "from_stage": flows["from"].map(plants["stage"]).to_numpy(),
            "to_plant": flows["to"].to_numpy(),
            "to_country": np.where(to_korea, KOREA_CODE, flows["to"].map(plants["country"])),
            "to_stage": np.where(to_korea, KOREA, flows["to"].map(plants["stage"])),
            "tonnes": flows["tonnes"].to_numpy(),
        }
    )
    return out


def robust_value(
    form: Formulation, policy: Policy, flows: pd.DataFrame, stock_t: np.ndarray
) -> float:
    """The robust objective in USD, computed from the flows over the in-sample years (the
    model's own years, so it equals the LP's value up to solver round-off)."""
    ss = form.scenario_set
    ex = uncertainty.exposure_of(
        form.dataset, ss, form.years, scenarios.arc_vector(flows, ss.arcs),
        list(form.structure.scope), stock_t,
    )  # fmt: skip
    if policy.objective == "worst-case":
        return float(ex.value.max(initial=0.0))
    if policy.objective == "expected-loss":
        return ex.expected_usd
    return ex.cvar_usd(policy.alpha)


CEILING_SLACK = 1e-6  # cut tolerance: a measure this close to today's is not above it


def _above_today(
    policy: Policy,
    per_stage: pd.DataFrame,
    base_stage: pd.DataFrame,
    scope: list[str],
    stages: StageResults,
) -> pd.DataFrame:
    """Where the ceiling 'no element worse than today' could not hold, and what would hold it:
    the least budget (found by a solve without one), or no budget at all."""
    columns = ["element", "measure", "today", "optimized", "explanation"]
    if not policy.no_worse_than_today or policy.objective not in RISK_OBJECTIVES:
        return pd.DataFrame(columns=columns)
    m = measures.measure_column(policy.objective)
    per = measures.aggregate(per_stage, policy.stage, scope)
    base = measures.aggregate(base_stage, policy.stage, scope)
    hold = stages.ceiling_hold_musd
    if hold is None:
        why = messages.why("why.no_budget_holds")
    else:
        least = stages.least_cost_musd
        premium = (
            messages.why("why.hold_premium", premium=f"{hold / least - 1:.1%}") if least > 0 else ""
        )
        # to three figures: the hold is met to the cut tolerance, worth a few hundred USD
        why = messages.why("why.budget_holds", hold=f"{hold:,.3g}", premium=premium)
    above = [e for e in per.index if per.at[e, m] > base.at[e, m] + CEILING_SLACK]
    whys = [
        messages.why(
            "why.above_today",
            element=e,
            measure=messages.word("measure", policy.objective),
            today=f"{base.at[e, m]:.3f}",
            optimized=f"{per.at[e, m]:.3f}",
            why=why,
        )
        for e in above
    ]
    rows = [
        (e, policy.objective, base.at[e, m], per.at[e, m], messages.render(w))
        for e, w in zip(above, whys, strict=True)
    ]
    return _with_whys(pd.DataFrame(rows, columns=columns), whys)


def _with_whys(frame: pd.DataFrame, whys: list[dict]) -> pd.DataFrame:
    """The explanations' message ids and values by row label (optimizer.diagnose does the
    same), so the app can give them in another language."""
    frame.attrs["why"] = dict(enumerate(whys))
    return frame


def _caps_not_met(policy: Policy, per_stage: pd.DataFrame, stages: StageResults) -> pd.DataFrame:
    """Risk caps no mix of the supply that can be had keeps: the least value reached instead."""
    columns = ["measure", "element", "stage", "cap", "optimized", "explanation"]
    rows, whys = [], []
    for (m, e, k), _ in stages.cap_excess.items():
        stage = STAGES[k]
        got = float(per_stage.at[(e, stage), measures.measure_column(m)])
        cap = policy.risk_caps[m]
        whys.append(
            messages.why(
                "why.cap_not_met",
                measure=messages.word("measure", m),
                cap=f"{cap:.2f}",
                element=e,
                stage=messages.word("stage", stage),
                got=f"{got:.3f}",
            )
        )
        rows.append((m, e, stage, cap, got, messages.render(whys[-1])))
    return _with_whys(pd.DataFrame(rows, columns=columns), whys)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in clean.to_dict("records")
    ]
