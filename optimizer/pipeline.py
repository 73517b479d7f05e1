"""Projects -> capacity by year: what each plant can put through for Korea in a given year.

A project (projects table) creates or expands a plant from its earliest first year, reaching
ramp[i] of its nameplate in its (i+1)-th year. What it gives Korea in year t splits in two:
- exogenous X: what reaches Korea whatever Korea does. A project with no Korean support comes
  on its own schedule, giving its plant's capacity open to Korea (capacity table) x ramp, or,
  for an expansion, offtake_share x nameplate x ramp. An overseas project Korea's loans may
  back still opens its ordinary share to Korea (capacity table x ramp) unbacked.
- backable B: what backing adds. Overseas (policy loans): Korea's offtake above the open share,
  max(0, offtake_share x nameplate - open) x ramp. Domestic (subsidies): a Korean plant is built
  only with support, so all of it, max(open, offtake_share x nameplate) x ramp; an expansion
  adds offtake_share x nameplate x ramp.
A single-year run for a year (`--year`) counts X only; the plan (optimizer/plan.py) decides B.
Plants with no project keep the rule they had: full capacity from their first_year.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from .dataset import Dataset
from .reports import messages

SUPPORTED = ("overseas-loan", "domestic-subsidy")


def ramp_of(text: str) -> list[float]:
    return [float(x) for x in str(text).split(";")]


@dataclass(frozen=True)
class Pipeline:
    """The dataset's projects, read once."""

    dataset: Dataset

    @cached_property
    def projects(self) -> pd.DataFrame:
        """One row per project whose plant is in the network's plants table, with its ramp as
        a list and Korea's investment (offtake_share x capex, USD)."""
        pr = self.dataset.projects
        if pr is None or pr.empty:
            columns = ["project", "plant", "kind", "support", "earliest_first_year", "ramp_list"]
            return pd.DataFrame(columns=[*columns, "invest_usd"]).set_index("project")
        known = pr["plant"].isin(self.dataset.plants.index)
        out = pr[known].copy()
        out["ramp_list"] = out["ramp"].map(ramp_of)
        out["invest_usd"] = out["offtake_share"] * out["capex_musd"] * 1e6
        return out.set_index("project")

    @cached_property
    def left_out(self) -> pd.DataFrame:
        """Projects the network cannot route material through, and why: a plant the plants
        table lacks, or one with no capacity row (so no feed rule opens an arc to it)."""
        pr = self.dataset.projects
        if pr is None or pr.empty:
            return pd.DataFrame(columns=["project", "plant", "why", "reason"])
        rows = set(self.dataset.capacity["plant"]) | set(
            pr.loc[pr["project"].isin(self.dataset.project_capacity["project"]), "plant"]
        )
        missing = ~pr["plant"].isin(self.dataset.plants.index)
        no_rows = ~missing & ~pr["plant"].isin(rows)
        out = pr.loc[missing | no_rows, ["project", "plant"]].copy()
        out["why"] = [
            messages.why("why.plan_left_missing" if m else "why.plan_left_no_rows")
            for m in missing[missing | no_rows]
        ]
        out["reason"] = [messages.render(w) for w in out["why"]]
        return out

    def share_in(self, project: str, year: int) -> float:
        """Share of nameplate the project reaches in `year` (0 before its first year)."""
        row = self.projects.loc[project]
        i = year - int(row["earliest_first_year"])
        if i < 0:
            return 0.0
        ramp = row["ramp_list"]
        return ramp[i] if i < len(ramp) else 1.0

    @cached_property
    def _parts(self) -> pd.DataFrame:
        """Per project and element: the full-ramp exogenous and backable tonnes."""
        pr = self.projects
        if pr.empty:
            return pd.DataFrame(columns=["project", "plant", "element", "x_t", "b_t"])
        cap = self.dataset.project_capacity.merge(
            pr[["plant", "kind", "support", "offtake_share"]].reset_index(), on="project"
        )
        own = self.dataset.capacity.set_index(["plant", "element"])["capacity_t"]
        open_ = (
            pd.MultiIndex.from_frame(cap[["plant", "element"]]).map(own.to_dict().get).to_numpy()
        )
        has_row = ~pd.isna(open_)
        offtake = cap["offtake_share"].to_numpy() * cap["capacity_t"].to_numpy()
        new = cap["kind"].to_numpy() == "new"
        support = cap["support"].to_numpy()
        # a plant the capacity table does not list opens what Korea may contract, unbacked,
        # when nobody in Korea backs it (support none), and nothing otherwise
        open_ = np.where(has_row, open_, np.where(support == "none", offtake, 0.0)).astype(float)
        x = np.where(new, open_, offtake)
        b = np.zeros(len(cap))
        loan, subsidy = support == "overseas-loan", support == "domestic-subsidy"
        b[loan] = np.where(new[loan], np.maximum(0.0, offtake[loan] - open_[loan]), offtake[loan])
        x[loan & ~new] = 0.0  # a backable expansion adds nothing unbacked
        x[subsidy] = 0.0
        b[subsidy] = np.where(
            new[subsidy], np.maximum(open_[subsidy], offtake[subsidy]), offtake[subsidy]
        )
        return pd.DataFrame(
            {
                "project": cap["project"],
                "plant": cap["plant"],
                "element": cap["element"],
                "kind": cap["kind"],
                "x_t": x,
                "b_t": b,
                "listed": has_row,
                "cost_usd_kg": cap["cost_usd_kg"].to_numpy(),
                "source": cap["source"].to_numpy(),
                "status": cap["status"].to_numpy(),
            }
        )

    def backable(self, year: int) -> pd.DataFrame:
        """project, plant, element, tonnes: what backing each project adds in `year`."""
        parts = self._parts
        share = parts["project"].map(lambda p: self.share_in(p, year))
        out = parts.assign(tonnes=parts["b_t"] * share)
        return out.loc[out["tonnes"] > 0, ["project", "plant", "element", "tonnes"]]

    def capacity(self, year: int | None) -> pd.DataFrame:
        """The capacity table for `year` with projects' exogenous capacity on their ramp: a new
        project's plant at X, an expansion adding to its plant. None: today's table."""
        cap = self.dataset.capacity
        if year is None or self.projects.empty:
            return cap
        parts = self._parts
        share = parts["project"].map(lambda p: self.share_in(p, year)).to_numpy()
        x = pd.Series(
            parts["x_t"].to_numpy() * share,
            index=pd.MultiIndex.from_frame(parts[["plant", "element"]]),
        )
        new_plants = set(parts.loc[parts["kind"] == "new", "plant"])
        key = pd.MultiIndex.from_frame(cap[["plant", "element"]])
        out = cap.copy()
        base = np.where(cap["plant"].isin(new_plants), 0.0, cap["capacity_t"].to_numpy())
        add = x.groupby(level=[0, 1]).sum().reindex(key).fillna(0.0).to_numpy()
        out["capacity_t"] = base + add
        # rows for project plants the table does not list: from project_capacity
        extra = parts[~parts["listed"]].assign(
            capacity_t=parts.loc[~parts["listed"], "x_t"] * share[~parts["listed"].to_numpy()]
        )
        if len(extra):
            rows = extra[["plant", "element", "capacity_t", "cost_usd_kg", "source", "status"]]
            rows = rows.groupby(["plant", "element"], as_index=False).agg(
                {"capacity_t": "sum", "cost_usd_kg": "first", "source": "first", "status": "first"}
            )
            out = pd.concat([out, rows], ignore_index=True)
        return out

    def start_year(self) -> dict[str, int]:
        """Plant -> the first year its project produces (plants with a new project)."""
        pr = self.projects
        new = pr[pr["kind"] == "new"]
        return dict(zip(new["plant"], new["earliest_first_year"].astype(int), strict=True))


@lru_cache(maxsize=16)
def pipeline_of(dataset: Dataset) -> Pipeline:
    """The dataset's pipeline, read once (a plan asks for it per year and stage)."""
    return Pipeline(dataset)
