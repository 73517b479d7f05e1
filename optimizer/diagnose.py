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


SHADOW_COLUMNS = [
    "constraint",
    "element",
    "target",
    "setting",
    "binding",
    "least_cost_usd_per_point",
    "risk_per_point",
    "explanation",
]


def shadow_prices(form: Formulation, policy: Policy, stages: StageResults) -> pd.DataFrame:
    """What one more point of each active policy constraint is worth, in user units.

    Under a premium budget a looser cap also lowers the least cost and so the budget; the risk
    effect counts both (chain rule through the budget row), so it matches a re-solve. Where a
    constraint sits at a limit (its element falls short, or a minimum already takes all the
    capacity there is) the dual measures the shortfall penalty, not a price: those rows say so
    in words and carry no number.
    """
    lp, d1, d2 = form.lp, stages.least_cost.row_duals, stages.final.row_duals
    measure = form.structure.objective
    risk_objective = measure != "cost"
    budget_dual = d2[lp.row(form.budget_row)] if risk_objective else 0.0
    through_budget = (
        (1 + policy.budget_premium) * budget_dual
        if risk_objective and policy.budget_usd is None
        else 0.0
    )
    risk_unit = form.loss_scale if form.scenario_set is not None else 1.0  # robust: USD
    ds, demand, values = form.dataset, form.demand, stages.final.values
    short = {e for e in form.structure.scope if values[lp.col(form.u[e])] > SHORT_T}
    rows = []

    def add(
        kind: str,
        element: str,
        target: str,
        setting: float,
        row: int,
        scale: float,
        label: str,
        limit: str | None,
    ) -> None:
        binding = abs(d2[row] if risk_objective else d1[row]) > 1e-9
        if limit and binding:
            cost_effect = risk_effect = np.nan
            text = limit
        else:
            cost_effect = d1[row] * scale * USD_PER_MUSD
            risk_effect = (
                (d2[row] + through_budget * d1[row]) * scale * risk_unit
                if risk_objective
                else np.nan
            )
            text = label.format(cost=_usd(cost_effect), risk=_risk(risk_effect, measure))
        rows.append(
            dict(
                zip(
                    SHADOW_COLUMNS,
                    (kind, element, target, setting, binding, cost_effect, risk_effect, text),
                    strict=True,
                )
            )
        )

    for (s, e), row in form.cap_rows.items():
        cap = policy.cap_for(ds, s, e)
        if cap < 1.0:
            limit = (
                f"The {s} cap for {e} ({cap:.0%}) is part of why {e} falls short: each point more lets {demand[e] * POINT:,.1f} t more in."
                if e in short
                else None
            )
            add(
                "cap",
                e,
                s,
                cap,
                lp.row(row),
                demand[e] * POINT,
                f"Raising the {s} cap for {e} by one point (from {cap:.0%}) changes the least cost by {{cost}} a year{{risk}}.",
                limit,
            )
    for (b, e), row in form.bloc_rows.items():
        m = effective_bloc_min(form, policy, b, e)
        if m > 0:
            offers = form.offers[
                (form.offers["element"] == e) & form.offers["supplier"].isin(ds.bloc_members(b))
            ]
            reachable = (
                sum(
                    min(k, policy.cap_for(ds, s, e) * demand[e])
                    for s, k in zip(offers["supplier"], offers["capacity_t"], strict=True)
                )
                / demand[e]
            )
            at_limit = e in short or m >= reachable - 1e-9
            limit = (
                f"The {b} minimum for {e} ({m:.0%}) already takes all that {b} members can supply ({reachable:.0%}): it cannot be raised."
                if at_limit
                else None
            )
            add(
                "bloc minimum",
                e,
                b,
                m,
                lp.row(row),
                demand[e] * POINT,
                f"Raising the {b} minimum for {e} by one point (from {m:.0%}) changes the least cost by {{cost}} a year{{risk}}.",
                limit,
            )
    for (m, e), row in form.risk_cap_rows.items():
        cap = policy.risk_caps[m]
        limit = (
            f"The {m} cap for {e} ({cap:.2f}) is part of why {e} falls short: loosen it or add capacity."
            if e in short
            else None
        )
        add(
            "risk cap",
            e,
            m,
            cap,
            lp.row(row),
            POINT,
            f"Loosening the {m} cap for {e} by 0.01 (from {cap:.2f}) changes the least cost by {{cost}} a year{{risk}}.",
            limit,
        )
    if risk_objective:
        row = lp.row(form.budget_row)
        if policy.budget_usd is None:
            scale = stages.least_cost_musd * POINT
            label = f"One more point of budget premium (now {policy.budget_premium:.0%}, {_usd(scale * USD_PER_MUSD)}) changes the {measure} by {{effect}}."
        else:
            scale, label = (
                1.0,
                f"One more million USD of budget changes the {measure} by {{effect}}.",
            )
        effect = d2[row] * scale * risk_unit
        shown = f"{effect:+,.0f} USD" if form.scenario_set is not None else f"{effect:+.5f}"
        rows.append(
            dict(
                zip(
                    SHADOW_COLUMNS,
                    (
                        "budget",
                        "*",
                        "budget",
                        stages.budget_musd * USD_PER_MUSD,
                        abs(d2[row]) > 1e-9,
                        0.0,
                        effect,
                        label.format(effect=shown),
                    ),
                    strict=True,
                )
            )
        )
    return pd.DataFrame(rows, columns=SHADOW_COLUMNS)


def _usd(x: float) -> str:
    return f"{'-' if x < 0 else '+'}{abs(x):,.0f} USD"


def _risk(x: float, measure: str) -> str:
    if np.isnan(x):
        return ""
    if measure in ("cvar", "worst-case"):
        return f" and the {measure} loss by {_usd(x)}"
    return f" and the weighted {measure} by {x:+.5f}"
