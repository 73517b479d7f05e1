"""Plain-word reasons: why an element falls short, and what each policy constraint costs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import USD_PER_MUSD, Formulation, StageResults, effective_bloc_min
from .policy import Policy

SHORT_T = 1e-6  # tonnes below this are round-off, not a shortfall
POINT = 0.01  # shadow prices are quoted per percentage point of share


def explain_shortfalls(form: Formulation, policy: Policy, stages: StageResults) -> pd.DataFrame:
    """One row per element that falls short (or misses a bloc minimum), with the cause."""
    lp, res = form.lp, stages.final
    ds, demand = form.dataset, form.demand
    rows = []
    gaps = {k: float(res.values[lp.col(v)]) for k, v in form.slack.items()}
    for e in form.structure.scope:
        unmet = float(res.values[lp.col(form.u[e])])
        if unmet <= SHORT_T and not any(g > SHORT_T for (_, ee), g in gaps.items() if ee == e):
            continue
        offers = form.offers[form.offers["element"] == e]
        d = float(demand[e])
        if unmet > SHORT_T:
            offered = float(offers["capacity_t"].sum())
            reachable = sum(
                min(k, policy.cap_for(ds, s, e) * d)
                for s, k in zip(offers["supplier"], offers["capacity_t"], strict=True)
            )
            binding = [
                f"{s} at most {policy.cap_for(ds, s, e):.0%} ({policy.cap_for(ds, s, e) * d:,.0f} t)"
                for s, k in zip(offers["supplier"], offers["capacity_t"], strict=True)
                if policy.cap_for(ds, s, e) * d < k - SHORT_T
            ]
            if offered < d - SHORT_T:
                cause, why = (
                    "capacity",
                    f"all suppliers together offer {offered:,.0f} t of the {d:,.0f} t needed",
                )
            elif reachable < d - SHORT_T:
                cause, why = (
                    "caps",
                    f"the caps leave {reachable:,.0f} t of {d:,.0f} t reachable ({'; '.join(binding)}): raise a cap or add capacity",
                )
            elif any(
                abs(res.row_duals[lp.row(form.risk_cap_rows[m, e])]) > 1e-9
                for m in form.structure.capped
            ):
                cause, why = (
                    "risk cap",
                    "the concentration cap cannot be met with the capacity offered, so less is bought: raise the risk cap",
                )
            else:
                cause, why = (
                    "budget",
                    f"the budget of {stages.budget_musd * USD_PER_MUSD if stages.budget_musd else 0:,.0f} USD does not cover it: raise the budget",
                )
            rows.append(
                {
                    "element": e,
                    "constraint": "demand",
                    "demand_t": d,
                    "short_t": unmet,
                    "short_share": unmet / d,
                    "cause": cause,
                    "explanation": f"{e} is short by {unmet:,.1f} t ({unmet / d:.1%} of demand): {why}.",
                }
            )
        for (b, ee), gap in gaps.items():
            if ee == e and gap > SHORT_T:
                members = offers[offers["supplier"].isin(ds.bloc_members(b))]
                need = effective_bloc_min(form, policy, b, e) * d
                rows.append(
                    {
                        "element": e,
                        "constraint": f"bloc minimum {b}",
                        "demand_t": d,
                        "short_t": gap,
                        "short_share": gap / d,
                        "cause": "bloc capacity",
                        "explanation": f"the {b} minimum for {e} asks {need:,.0f} t but {b} members offer {members['capacity_t'].sum():,.0f} t within their caps, {gap:,.1f} t too little: lower the minimum or add {b} capacity.",
                    }
                )
    return pd.DataFrame(
        rows,
        columns=[
            "element",
            "constraint",
            "demand_t",
            "short_t",
            "short_share",
            "cause",
            "explanation",
        ],
    )


def shadow_prices(form: Formulation, policy: Policy, stages: StageResults) -> pd.DataFrame:
    """What one more point of each active policy constraint is worth, in user units.

    Under a premium budget a looser cap also lowers the least cost and so the budget; the risk
    effect counts both (chain rule through the budget row), so it matches a re-solve.
    """
    lp, d1, d2 = form.lp, stages.least_cost.row_duals, stages.final.row_duals
    risk_objective = form.structure.objective != "cost"
    budget_dual = d2[lp.row(form.budget_row)] if risk_objective else 0.0
    through_budget = (
        (1 + policy.budget_premium) * budget_dual
        if risk_objective and policy.budget_usd is None
        else 0.0
    )
    ds, demand = form.dataset, form.demand
    rows = []

    def add(
        kind: str, element: str, target: str, setting: float, row: int, scale: float, label: str
    ) -> None:
        cost_effect = d1[row] * scale * USD_PER_MUSD
        risk_effect = (d2[row] + through_budget * d1[row]) * scale if risk_objective else np.nan
        binding = abs(d2[row] if risk_objective else d1[row]) > 1e-9
        rows.append(
            {
                "constraint": kind,
                "element": element,
                "target": target,
                "setting": setting,
                "binding": binding,
                "least_cost_usd_per_point": cost_effect,
                "risk_per_point": risk_effect,
                "explanation": label.format(
                    cost=_usd(cost_effect), risk=_risk(risk_effect, form.structure.objective)
                ),
            }
        )

    for (s, e), row in form.cap_rows.items():
        cap = policy.cap_for(ds, s, e)
        if cap < 1.0:
            add(
                "cap",
                e,
                s,
                cap,
                lp.row(row),
                demand[e] * POINT,
                f"Raising the {s} cap for {e} by one point (from {cap:.0%}) changes the least cost by {{cost}} a year{{risk}}.",
            )
    for (b, e), row in form.bloc_rows.items():
        m = effective_bloc_min(form, policy, b, e)
        if m > 0:
            add(
                "bloc minimum",
                e,
                b,
                m,
                lp.row(row),
                demand[e] * POINT,
                f"Raising the {b} minimum for {e} by one point (from {m:.0%}) changes the least cost by {{cost}} a year{{risk}}.",
            )
    for (m, e), row in form.risk_cap_rows.items():
        cap = policy.risk_caps[m]
        add(
            "risk cap",
            e,
            m,
            cap,
            lp.row(row),
            POINT,
            f"Loosening the {m} cap for {e} by 0.01 (from {cap:.2f}) changes the least cost by {{cost}} a year{{risk}}.",
        )
    if risk_objective:
        row = lp.row(form.budget_row)
        if policy.budget_usd is None:
            scale, label = (
                stages.least_cost_musd * POINT,
                f"One more point of budget premium (now {policy.budget_premium:.0%}, {_usd(stages.least_cost_musd * POINT * USD_PER_MUSD)}) changes the {form.structure.objective} by {{risk_only}}.",
            )
        else:
            scale, label = (
                1.0,
                f"One more million USD of budget changes the {form.structure.objective} by {{risk_only}}.",
            )
        effect = d2[row] * scale
        rows.append(
            {
                "constraint": "budget",
                "element": "*",
                "target": "budget",
                "setting": stages.budget_musd * USD_PER_MUSD,
                "binding": abs(d2[row]) > 1e-9,
                "least_cost_usd_per_point": 0.0,
                "risk_per_point": effect,
                "explanation": label.format(risk_only=f"{effect:+.5f}"),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "constraint",
            "element",
            "target",
            "setting",
            "binding",
            "least_cost_usd_per_point",
            "risk_per_point",
            "explanation",
        ],
    )


def _usd(x: float) -> str:
    return f"{'-' if x < 0 else '+'}{abs(x):,.0f} USD"


def _risk(x: float, measure: str) -> str:
    return "" if np.isnan(x) else f" and the weighted {measure} by {x:+.5f}"
