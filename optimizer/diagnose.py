"""Plain-word reasons: why an element falls short, and what each policy constraint costs.

Each explanation is a message of the catalogue (optimizer.reports.messages, ids why.*): the
text column is its English, and the frame's attrs["why"] maps each row label to the message
id and values (messages.render gives it in Korean with the same numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .network.graph import UNKNOWN
from .network.model import (
    USD_PER_MUSD,
    Formulation,
    StageResults,
    effective_bloc_min,
    shortfall_without,
)
from .policy import Policy
from .reports.messages import render, why, word
from .schema import STAGES

SHORT_T = 1e-6  # tonnes below this are round-off, not a shortfall
POINT = 0.01  # shadow prices are quoted per percentage point of share
SHORTFALL_COLUMNS = [
    "element", "constraint", "stage", "demand_t", "short_t", "short_share", "cause",
    "capacity_t", "caps_t", "budget_t", "explanation",
]  # fmt: skip


def _at(form: Formulation, k: int) -> dict | str:
    """' at the separation stage', or nothing when the dataset has one stage."""
    return (
        why("why.at_stage", stage=word("stage", STAGES[k])) if len(form.dataset.stages) > 1 else ""
    )


def reach(
    form: Formulation, policy: Policy, element: str, k: int, members: set[str] | None = None
) -> tuple[float, float, list[str]]:
    """Tonnes the plants that can do stage k offer for an element (only those of `members`,
    a bloc, when given), the part the caps leave open, and the caps that cut into it."""
    ds, sd = form.dataset, form.net.stage_demand
    offered = capped = 0.0
    binding = []
    for i, (e, kk, c) in enumerate(form.net.entities):
        if e != element or kk != k or (members is not None and c not in members):
            continue
        ub = form.entity_upper_bounds[i]
        cap = 1.0 if c == UNKNOWN else policy.cap_for(ds, c, e, STAGES[k])
        offered += ub
        capped += min(ub, cap * sd[e, k])
        if cap * sd[e, k] < ub - SHORT_T:
            binding.append(f"{c} at most {cap:.0%} ({cap * sd[e, k]:,.0f} t)")
    return offered, capped, binding


def explain_shortfalls(form: Formulation, policy: Policy, stages: StageResults) -> pd.DataFrame:
    """One row per element that falls short (or misses a bloc minimum), with the tonnes split
    by cause: what no plant can supply (capacity), what the caps keep out (re-solved with the
    caps lifted, all of them and one supplier's at a time), and what the budget cannot pay for
    (the solve within the budget against the one without)."""
    lp, res = form.lp, stages.final
    rows = []
    gaps = {k: float(res.values[lp.col(v)]) for k, v in form.slack.items()}
    unmet = _per_element(form, res.values[form.short_cols])
    supply = _per_element(form, stages.supply_short) if stages.supply_short is not None else unmet
    short = [e for e in form.structure.scope if unmet.get(e, 0.0) > SHORT_T]
    split = (
        _split_by_caps(form, policy, supply)
        if any(supply.get(e, 0) > SHORT_T for e in short)
        else {}
    )
    for e in form.structure.scope:
        d = float(form.demand[e])
        if e in short:
            total = unmet[e]
            # the budget causes only what a solve within it leaves short beyond stage 0
            budget_t = (
                max(total - supply.get(e, 0.0), 0.0) if stages.budget_short is not None else 0.0
            )
            capacity_t, caps_t, by_cap = split.get(e, (supply.get(e, 0.0), 0.0, {}))
            parts = {"capacity": capacity_t, "caps": caps_t, "budget": budget_t}
            cause = max(parts, key=parts.get)
            rows.append(
                {
                    "element": e,
                    "constraint": "demand",
                    "stage": "",
                    "demand_t": d,
                    "short_t": total,
                    "short_share": total / d,
                    "cause": cause,
                    "capacity_t": capacity_t,
                    "caps_t": caps_t,
                    "budget_t": budget_t,
                    "why": why(
                        "why.short",
                        element=e,
                        short=_t(total),
                        share=f"{total / d:.1%}",
                        reasons=_reasons(form, policy, stages, e, parts, by_cap),
                    ),
                }
            )
        for (b, ee, k), gap in gaps.items():
            if ee == e and gap > SHORT_T:
                need = effective_bloc_min(form, policy, b, e, k) * form.net.stage_demand[e, k]
                members = set(form.dataset.bloc_members(b))
                _, capped, _ = reach(form, policy, e, k, members)
                rows.append(
                    {
                        "element": e,
                        "constraint": f"bloc minimum {b}",
                        "stage": STAGES[k],
                        "demand_t": d,
                        "short_t": gap,
                        "short_share": gap / d,
                        "cause": "bloc capacity",
                        "capacity_t": gap,
                        "caps_t": 0.0,
                        "budget_t": 0.0,
                        "why": why(
                            "why.bloc_short", bloc=b, element=e, at=_at(form, k), need=_t(need),
                            capped=_t(capped), gap=_t(gap),
                        ),
                    }
                )  # fmt: skip
    return _explained(rows, SHORTFALL_COLUMNS)


def _explained(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """The rows as a frame, each row's why rendered in English as its explanation and kept,
    by row label, in attrs["why"]."""
    for r in rows:
        r["explanation"] = render(r["why"])
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs["why"] = {i: r["why"] for i, r in enumerate(rows)}
    return frame


def _per_element(form: Formulation, short: np.ndarray) -> dict[str, float]:
    """Unmet tonnes per element from values in short_cols order (unmet columns come first)."""
    out: dict[str, float] = {}
    for (e, _), v in zip(form.u, short, strict=False):
        out[e] = out.get(e, 0.0) + float(v)
    return out


def _split_by_caps(
    form: Formulation, policy: Policy, supply: dict[str, float]
) -> dict[str, tuple[float, float, dict[str, float]]]:
    """Per element: tonnes short with no caps at all (capacity), the rest (caps), and what
    lifting each capped supplier alone would bring back."""
    free = shortfall_without(form, policy, None)
    capped = sorted(
        {c for (e, k, c) in form.cap_rows if policy.cap_for(form.dataset, c, e, STAGES[k]) < 1.0}
    )
    alone = {c: shortfall_without(form, policy, {c}) for c in capped}
    out = {}
    for e, total in supply.items():
        if total <= SHORT_T:
            continue
        capacity = min(free.get(e, 0.0), total)
        by_cap = {c: total - alone[c].get(e, total) for c in capped}
        out[e] = (capacity, total - capacity, {c: v for c, v in by_cap.items() if v > SHORT_T})
    return out


def _reasons(form, policy, stages, e, parts, by_cap) -> list[dict]:
    out = []
    if parts["capacity"] > SHORT_T:
        capacity = _capacity_words(form, policy, e)
        out.append(why("why.short_capacity", tonnes=_t(parts["capacity"]), capacity=capacity))
    if parts["caps"] > SHORT_T:
        named = ", ".join(f"{c} {_t(v)}" for c, v in sorted(by_cap.items(), key=lambda kv: -kv[1]))
        alone = why("why.caps_alone", named=named) if named else ""
        out.append(why("why.short_caps", tonnes=_t(parts["caps"]), alone=alone))
    if parts["budget"] > SHORT_T:
        budget = stages.budget_musd * USD_PER_MUSD if stages.budget_musd else 0.0
        out.append(why("why.short_budget", tonnes=_t(parts["budget"]), budget=f"{budget:,.0f}"))
    return out or [why("why.round_off")]


def _capacity_words(form: Formulation, policy: Policy, e: str) -> dict:
    for k in form.net.stages_in_play[e]:
        offered, _, _ = reach(form, policy, e, k)
        need = form.net.stage_demand[e, k]
        if offered < need - SHORT_T:
            return why(
                "why.capacity_stage",
                stage=word("stage", STAGES[k]),
                offered=_t(offered),
                need=_t(need),
            )
    if not form.net.stages_in_play[e]:
        return why("why.capacity_none")
    return why("why.capacity_chain")


def _t(x: float) -> str:
    """Tonnes for people: whole tonnes from 10 t, two significant figures below."""
    return f"{x:,.0f} t" if abs(x) >= 10 else f"{x:,.2g} t"


SHADOW_COLUMNS = [
    "constraint",
    "element",
    "stage",
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
    # stage 1 prices the caps in USD; stage 2 in risk (both LPs are free of penalties)
    lp, d1 = form.lp, stages.least_cost.row_duals
    d2 = stages.risk.row_duals if stages.risk is not None else d1
    measure = form.structure.objective
    risk_objective = measure != "cost"
    budget_dual = d2[lp.row(form.budget_row)] if risk_objective else 0.0
    through_budget = (
        (1 + policy.budget_premium) * budget_dual
        if risk_objective and policy.budget_usd is None
        else 0.0
    )
    risk_unit = form.loss_scale if form.scenario_set is not None else 1.0  # robust: USD
    ds, sd, values = form.dataset, form.net.stage_demand, stages.final.values
    short = {e for (e, _), v in form.u.items() if values[lp.col(v)] > SHORT_T}
    rows = []

    def add(kind, element, k, target, setting, row, scale, label, limit) -> None:
        # label: the why of a price, without its cost and risk; limit: the why said instead
        # binding where either stage's dual moves: a cap may cost money in stage 1 and leave
        # the risk of stage 2 alone, and the row then has a price all the same
        binding = abs(d1[row]) > 1e-9 or (risk_objective and abs(d2[row]) > 1e-9)
        if limit and binding:
            cost_effect = risk_effect = np.nan
            said = limit
        else:
            cost_effect = d1[row] * scale * USD_PER_MUSD
            risk_effect = (
                (d2[row] + through_budget * d1[row]) * scale * risk_unit
                if risk_objective
                else np.nan
            )
            said = why(
                label["id"],
                **label["args"],
                cost=_usd(cost_effect),
                risk=_risk(risk_effect, measure),
            )
        values_ = (
            kind,
            element,
            STAGES[k] if k is not None else "",
            target,
            setting,
            binding,
            cost_effect,
            risk_effect,
            said,
        )
        rows.append(dict(zip(SHADOW_COLUMNS[:-1] + ["why"], values_, strict=True)))

    for (e, k, c), row in form.cap_rows.items():
        cap = policy.cap_for(ds, c, e, STAGES[k])
        if cap < 1.0:
            at = _at(form, k)
            limit = (
                why(
                    "why.cap_short",
                    supplier=c,
                    element=e,
                    at=at,
                    cap=f"{cap:.0%}",
                    tonnes=f"{sd[e, k] * POINT:,.1f}",
                )
                if e in short
                else None
            )
            add(
                "cap", e, k, c, cap, lp.row(row), sd[e, k] * POINT,
                why("why.cap_price", supplier=c, element=e, at=at, cap=f"{cap:.0%}"),
                limit,
            )  # fmt: skip
    for (b, e, k), row in form.bloc_rows.items():
        m = effective_bloc_min(form, policy, b, e, k)
        if m > 0:
            members = set(ds.bloc_members(b))
            _, capped, _ = reach(form, policy, e, k, members)
            reachable = capped / sd[e, k]
            at_limit = e in short or m >= reachable - 1e-9
            at = _at(form, k)
            limit = (
                why(
                    "why.bloc_full",
                    bloc=b,
                    element=e,
                    at=at,
                    minimum=f"{m:.0%}",
                    reachable=f"{reachable:.0%}",
                )
                if at_limit
                else None
            )
            add(
                "bloc minimum", e, k, b, m, lp.row(row), sd[e, k] * POINT,
                why("why.bloc_price", bloc=b, element=e, at=at, minimum=f"{m:.0%}"),
                limit,
            )  # fmt: skip
    for (m, e, k), row in form.risk_cap_rows.items():
        cap = policy.risk_caps[m]
        at = _at(form, k)
        named = {"measure": word("measure", m), "element": e, "at": at, "cap": f"{cap:.2f}"}
        if (m, e, k) in stages.cap_excess:
            limit = why("why.riskcap_excess", **named)
        elif e in short:
            limit = why("why.riskcap_short", **named)
        else:
            limit = None
        add(
            "risk cap", e, k, m, cap, lp.row(row), POINT,
            why("why.riskcap_price", **named),
            limit,
        )  # fmt: skip
    if risk_objective and form.ceilings_on:
        for e, row in form.ceiling_rows.items():
            dual = d2[lp.row(row)]
            if abs(dual) <= 1e-9:
                continue
            if e in stages.ceiling_excess:
                said = why("why.ceiling_budget", element=e, measure=word("measure", measure))
                effect = np.nan
            else:
                effect = dual * POINT * risk_unit
                said = why(
                    "why.ceiling_price",
                    element=e,
                    measure=word("measure", measure),
                    effect=f"{effect:+.5f}",
                )
            values_ = ("today's ceiling", e, "", measure, np.nan, True, np.nan, effect, said)
            rows.append(dict(zip(SHADOW_COLUMNS[:-1] + ["why"], values_, strict=True)))
    if risk_objective:
        row = lp.row(form.budget_row)
        if policy.budget_usd is None:
            scale = stages.least_cost_musd * POINT
            label = why(
                "why.premium_price",
                premium=f"{policy.budget_premium:.0%}",
                usd=_usd(scale * USD_PER_MUSD),
                measure=word("measure", measure),
            )
        else:
            scale, label = 1.0, why("why.budget_price", measure=word("measure", measure))
        effect = d2[row] * scale * risk_unit
        shown = f"{effect:+,.0f} USD" if form.scenario_set is not None else f"{effect:+.5f}"
        values_ = (
            "budget",
            "*",
            "",
            "budget",
            stages.budget_musd * USD_PER_MUSD,
            abs(d2[row]) > 1e-9,
            0.0,
            effect,
            why(label["id"], **label["args"], effect=shown),
        )
        rows.append(dict(zip(SHADOW_COLUMNS[:-1] + ["why"], values_, strict=True)))
    return _explained(rows, SHADOW_COLUMNS)


def _usd(x: float) -> str:
    return f"{'-' if x < 0 else '+'}{abs(x):,.0f} USD"


def _risk(x: float, measure: str) -> dict | str:
    if np.isnan(x):
        return ""
    if measure in ("cvar", "worst-case"):
        return why("why.risk_loss", measure=word("measure", measure), usd=_usd(x))
    return why("why.risk_weighted", measure=word("measure", measure), x=f"{x:+.5f}")
