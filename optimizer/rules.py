"""Trade rules in force -> the base case: what each plant can still ship to Korea, and how late.

A licence regime or an export ban that applies today is not a disruption that might happen: it
is how the world is. Each rule row binds a supplier's plants (at one stage, or all) for one
element (or all): it leaves `availability` of their capacity open to Korea and adds
`lead_time_days` to an order. Where several rules bind the same plant and element, the
availabilities multiply (each cuts what the others left) and the lead times add.
Events that might happen next are the scenarios (optimizer/uncertainty.py), on top of this.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dataset import Dataset
from .schema import ANY_ELEMENT


def binding(dataset: Dataset, plants: pd.Series, elements: pd.Series) -> pd.DataFrame:
    """For each (plant, element) pair given: the product of the availabilities and the sum of
    the lead times of the rules that bind it (1 and 0 where none does), and the rules' names."""
    n = len(plants)
    avail = np.ones(n)
    lead = np.zeros(n)
    names: list[list[str]] = [[] for _ in range(n)]
    rules = dataset.rules
    if rules is not None and not rules.empty:
        country = plants.map(dataset.plants["country"]).to_numpy()
        stage = plants.map(dataset.plants["stage"]).to_numpy()
        el = elements.to_numpy()
        for r in rules.itertuples(index=False):
            hit = country == r.supplier
            if isinstance(r.stage, str) and r.stage:
                hit &= stage == r.stage
            if r.element != ANY_ELEMENT:
                hit &= el == r.element
            avail[hit] *= r.availability
            lead[hit] += r.lead_time_days
            for i in np.flatnonzero(hit):
                if r.rule not in names[i]:
                    names[i].append(r.rule)
    return pd.DataFrame(
        {"availability": avail, "lead_time_days": lead, "rules": [";".join(x) for x in names]}
    )


def capacity_in_force(
    dataset: Dataset, in_force: bool = True, capacity: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The capacity table (the dataset's, or `capacity`) with capacity_t cut by the rules in
    force (unchanged if `in_force` is off or the dataset has none); `capacity_before_rules_t`
    keeps the table's own figure."""
    cap = dataset.capacity if capacity is None else capacity
    if not in_force or dataset.rules is None or dataset.rules.empty:
        return cap
    bound = binding(dataset, cap["plant"], cap["element"])
    out = cap.copy()
    out["capacity_before_rules_t"] = cap["capacity_t"]
    out["capacity_t"] = cap["capacity_t"].to_numpy() * bound["availability"].to_numpy()
    out["rules"] = bound["rules"].to_numpy()
    return out
