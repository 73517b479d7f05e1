"""Fast parametric re-solves: one built model per structure, many policies.

A Session builds the PuLP model once for each Structure (objective, capped measures, scope,
weighting, scenarios) and hands it to HiGHS once; every later policy of that structure only
changes right-hand sides and costs, so HiGHS starts from its last basis. Sweeps over policy
grids run on it, across processes when asked.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError, Problem
from .limits import check_at_most
from .network import measures
from .network.model import (
    USD_PER_MUSD,
    Formulation,
    Structure,
    formulate,
    restore,
    solve_stages,
)
from .policy import RISK_OBJECTIVES, Policy, validate
from .schema import STAGES
from .solution import (
    Solution,
    arc_flows_of,
    display_rule,
    robust_value,
    solution_from,
    stock_of,
)  # fmt: skip


@dataclass(frozen=True)
class _Layout:
    """A model's numbers for evaluate(): the stage tonnes (their (element, stage) row, holder
    column and LP column; the matrix shape), each row's element (position in scope) and stage
    name, the unmet-demand columns and their elements, the bloc-slack columns, demand and
    weights per element."""

    rows: np.ndarray
    holders: np.ndarray
    tonnes: np.ndarray
    shape: tuple[int, int]
    element: np.ndarray
    stage: np.ndarray
    unmet_element: np.ndarray
    unmet: np.ndarray
    slack: np.ndarray
    demand: np.ndarray
    weights: np.ndarray


@dataclass
class Session:
    dataset: Dataset
    _forms: dict[Structure, Formulation] = field(default_factory=dict)
    _stage_index: dict[int, _Layout] = field(default_factory=dict)

    def prepare(self, policy: Policy) -> Formulation:
        """The built model for this policy's structure (formulate leaves it as restart()
        does, so its first solve is the same as one after a restart)."""
        key = Structure.of(self.dataset, policy)
        if key not in self._forms:
            self._forms[key] = formulate(self.dataset, policy)
        return self._forms[key]

    def restart(self) -> None:
        """Every model back to its state when built: what is solved next no longer depends on
        what was solved before (sweeps restart at each chunk of points, wherever it runs)."""
        for form in self._forms.values():
            restore(form, form.built)

    def optimize(self, policy: Policy) -> Solution:
        """Same answer as optimizer.optimize(), re-using the built model."""
        started = time.perf_counter()
        policy = validate(policy, self.dataset)
        form = self.prepare(policy)
        solution = solution_from(form, policy, solve_stages(form, policy))
        solution.seconds = time.perf_counter() - started
        return solution

    def _index(self, form: Formulation) -> _Layout:
        """Where a model's numbers are, for evaluate() (cached per model)."""
        if id(form) not in self._stage_index:
            scope = list(form.structure.scope)
            keys = measures.stage_rows(self.dataset, scope)
            rows = {ek: i for i, ek in enumerate(keys)}
            cols = {c: j for j, c in enumerate(measures.holders(self.dataset))}
            ents = form.net.entities
            keep = [i for i, (e, k, _) in enumerate(ents) if (e, k) in rows]
            pos = {e: i for i, e in enumerate(scope)}
            self._stage_index[id(form)] = _Layout(
                np.array([rows[ents[i][0], ents[i][1]] for i in keep], dtype=int),
                np.array([cols[ents[i][2]] for i in keep], dtype=int),
                np.array([form.lp.col(form.s[i]) for i in keep], dtype=int),
                (len(keys), len(cols)),
                np.array([pos[e] for e, _ in keys], dtype=int),
                np.array([STAGES[k] for _, k in keys]),
                np.array([pos[e] for e, _ in form.u], dtype=int),
                form.cols(form.u.values()),
                form.cols(form.slack.values()),
                self.dataset.element_array("demand_t", scope),
                form.weights.to_numpy(),
            )
        return self._stage_index[id(form)]

    def evaluate(self, policy: Policy) -> dict[str, Any]:
        """The headline numbers of one policy, without building a full Solution (for sweeps):
        the same measures, read from the model's stage tonnes instead of its flows, on numpy
        arrays laid out once per model."""
        policy = validate(policy, self.dataset)
        form = self.prepare(policy)
        stages = solve_stages(form, policy)
        scope = list(form.structure.scope)
        values = stages.final.values
        at = self._index(form)
        tonnes = np.zeros(at.shape)
        np.add.at(tonnes, (at.rows, at.holders), values[at.tonnes])
        arrays = measures.stage_arrays(self.dataset, tonnes, scope)
        per_stage = np.column_stack([arrays[c] for c in measures.PORTFOLIO_MEASURES])

        def per_element(rule: str) -> dict[str, np.ndarray]:
            v = measures.aggregate_values(per_stage, at.element, at.stage, rule, len(scope))
            return dict(zip(measures.PORTFOLIO_MEASURES, v.T, strict=True))

        per = per_element(display_rule(policy))
        unmet = np.zeros(len(scope))
        np.add.at(unmet, at.unmet_element, values[at.unmet])
        per.update(demand_t=at.demand, unmet_t=unmet, cost_usd=np.zeros(len(scope)))
        out = measures.portfolio(per, at.weights)
        out["cost_usd"] = float(form.vector("cost") @ values) * USD_PER_MUSD
        slack = float(values[at.slack].sum())
        if form.scenario_set is not None:  # the disruption loss, from the flows as in a Solution
            stock = stock_of(form, policy, values)
            out["objective_value"] = robust_value(
                form, policy, arc_flows_of(form, values), stock["stock_t"].to_numpy()
            )
            out["stock_cost_usd"] = float(stock["holding_cost_usd"].sum())
        elif policy.objective in RISK_OBJECTIVES:
            out["objective_value"] = measures.objective_of(
                per_element(policy.stage), at.weights, policy.objective
            )
        else:
            out["objective_value"] = out["cost_usd"]
        short = out["unmet_t"] > 1e-6 or slack > 1e-6
        return {
            "status": "shortfall" if short else "optimal",
            "least_cost_usd": stages.least_cost_musd * USD_PER_MUSD,
            "budget_usd": None if stages.budget_musd is None else stages.budget_musd * USD_PER_MUSD,
            **out,
            "bloc_shortfall_t": slack,
            "cut_rounds": stages.cut_rounds,
        }


# --- sweeps ----------------------------------------------------------------------------------

ALIASES = {"china_cap": "cap.CHN", "forge_min": "bloc_min.FORGE", "premium": "budget_premium"}
SCALARS = ("budget_premium", "budget_usd", "country_cap", "recycled_min", "alpha", "stockpile_days")


def parse_grid(text: str) -> tuple[str, list[float]]:
    """'china_cap=0.3:0.8:11' (start:stop:count, both ends included) or 'alpha=0.9,0.95'."""
    name, sep, spec = text.partition("=")
    where = f"--grid {text}"
    try:
        if ":" in spec:
            start, stop, count = spec.split(":")
            n = int(count)
            if n < 1:
                raise ValueError
            values = list(np.linspace(float(start), float(stop), n))
        else:
            values = [float(v) for v in spec.split(",")]
    except ValueError:
        raise InputError(
            Problem(
                where,
                "expected NAME=START:STOP:COUNT or NAME=V1,V2,..., e.g. --grid china_cap=0.3:0.8:11",
            )
        ) from None
    if not sep or not name.strip() or any(math.isnan(v) for v in values):
        raise InputError(Problem(where, "expected NAME=START:STOP:COUNT or NAME=V1,V2,..."))
    return name.strip(), [round(v, 12) for v in values]


def apply_parameter(policy: Policy, name: str, value: float) -> Policy:
    """A policy with one sweep parameter set: a scalar field, cap.SUPPLIER, cap.ELEMENT:SUPPLIER,
    bloc_min.BLOC or bloc_min.ELEMENT:BLOC (aliases: china_cap, forge_min, premium)."""
    name = ALIASES.get(name, name)
    if name in SCALARS:
        changes: dict[str, Any] = {name: value}
        if name == "budget_usd":
            changes["budget_premium"] = None
        return policy.with_changes(**changes)
    kind, _, target = name.partition(".")
    element, colon, who = target.rpartition(":")
    if kind == "cap" and who:
        if colon:
            caps = {e: dict(v) for e, v in policy.element_caps.items()}
            caps.setdefault(element, {})[who] = value
            return policy.with_changes(element_caps=caps)
        return policy.with_changes(caps={**policy.caps, who: value})
    if kind == "bloc_min" and who:
        if colon:
            mins = {e: dict(v) for e, v in policy.element_bloc_min.items()}
            mins.setdefault(element, {})[who] = value
            return policy.with_changes(element_bloc_min=mins)
        return policy.with_changes(bloc_min={**policy.bloc_min, who: value})
    raise InputError(
        Problem(
            f"--grid {name}",
            f"unknown parameter: use {', '.join(SCALARS)}, cap.SUPPLIER, cap.ELEMENT:SUPPLIER, bloc_min.BLOC or an alias ({', '.join(ALIASES)})",
        )
    )


def grid_points(grids: dict[str, list[float]]) -> list[dict[str, float]]:
    names = list(grids)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grids.values())]


def sweep(
    dataset: Dataset,
    policy: Policy,
    grids: dict[str, list[float]],
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Evaluate every combination of the grids (crossed). One row per point: the parameters,
    status, costs, risk measures, China and FORGE shares and unmet demand.

    `workers` > 1 runs the points on a local Dask cluster of that many processes; `scheduler`
    (an address such as tcp://10.0.0.5:8786) uses a running Dask cluster instead. Each worker
    builds the model once and re-solves its share of the points. The points are solved in
    chunks of SWEEP_CHUNK, in order, each chunk from the model as built (Session.restart):
    where a point has several optimal mixes, which one a re-solve finds depends on what the
    model solved before, so fixing the chunks makes every run, serial or on any cluster, give
    the same rows."""
    from .distributed import map_chunks, use_cluster

    total = math.prod(len(v) for v in grids.values())
    check_at_most(total, "REE_SOURCING_MAX_GRID_POINTS", "--grid", "grid points")
    for name, values in grids.items():  # bad names and every value, before any work starts
        for value in values:
            validate(
                apply_parameter(policy, name, value), dataset, where=f"--grid {name}={value:g}"
            )
    points = grid_points(grids)
    if use_cluster(len(points), workers, scheduler):
        parts = map_chunks(
            _run_chunk,
            points,
            (dataset, policy),
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            size=SWEEP_CHUNK,
        )
        return pd.DataFrame([row for part in parts for row in part])
    rows: list[dict[str, Any]] = []
    session = Session(dataset)
    for start in range(0, len(points), SWEEP_CHUNK):
        session.restart()
        for p in points[start : start + SWEEP_CHUNK]:
            rows.append(_point_row(session, policy, p))
            if progress:
                progress(len(rows), len(points))
    return pd.DataFrame(rows)


def _point_row(session: Session, policy: Policy, point: dict[str, float]) -> dict[str, Any]:
    p = policy
    for name, value in point.items():
        p = apply_parameter(p, name, value)
    try:
        result = session.evaluate(p)
    except InputError as e:  # a grid can cross into settings that contradict each other
        result = {"status": "invalid", "error": e.summary()}
    return {**point, **result}


SWEEP_CHUNK = 200  # points a sweep solves in a row on one model before it restarts it

_WORKER_SESSIONS: dict[str, Session] = {}  # per worker process: a Session per dataset
KEPT_SESSIONS = 2  # datasets a worker keeps a Session for (two clients may share a cluster)


def _run_chunk(
    dataset: Dataset, policy: Policy, points: list[dict[str, float]]
) -> list[dict[str, Any]]:
    """One chunk of a sweep, on a Dask worker: the first chunk a process gets for a dataset
    builds its Session; every chunk starts from the models as built, as a serial sweep's does."""
    session = _WORKER_SESSIONS.get(dataset.fingerprint)
    if session is None:
        while len(_WORKER_SESSIONS) >= KEPT_SESSIONS:
            del _WORKER_SESSIONS[next(iter(_WORKER_SESSIONS))]
        session = _WORKER_SESSIONS[dataset.fingerprint] = Session(dataset)
    session.restart()
    return [_point_row(session, policy, p) for p in points]
