"""The supply chain a dataset describes: plants by stage, the arcs between them, and Korea.

Plants sit at one stage each (mine, separation, metal, magnet). A feed rule opens arcs from
upstream plants to downstream ones; every plant at a stage whose form Korea demands can also
deliver to Korea. An arc that skips a stage means the upstream plant performs the skipped
stages too (a recycler whose alloy goes straight to a magnet maker). A plant with no arc into it
for an element is an origin for that element: it produces without input.

For the measures, every tonne that reaches Korea is attributed, at each stage, to the plant that
performed that stage. On an arc i -> j that is i, for stages stage(i) .. stage(j) - 1; on a
delivery i -> Korea, for stage(i) alone. Material that enters the chain after stage k (an origin
plant downstream of k) has no plant at k: it is counted as `UNKNOWN` there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import Problem
from ..schema import ANY_ELEMENT, FORM_STAGE, FORMS, KOREA, STAGES

STAGE_INDEX = {s: i for i, s in enumerate(STAGES)}
STAGE_FORM = {v: k for k, v in FORM_STAGE.items()}  # separation -> oxide, ...
PRODUCT = {"mine": "concentrate", **STAGE_FORM}  # what a plant at each stage puts out
UNKNOWN = "UNKNOWN"  # stage attribution of material whose plant at a stage is not in the data
KOREA_STAGE = len(STAGES)  # the stage index of a delivery's destination


def parse_node(text: str) -> tuple[str, str | None, str | None]:
    """A feed endpoint: ('plant', id, None), or ('group', stage, country) for STAGE:COUNTRY
    and STAGE:* (country None)."""
    stage, colon, country = text.partition(":")
    if not colon:
        return "plant", text, None
    return "group", stage, None if country == "*" else country


def node_problem(text: str, plants: pd.DataFrame, countries: set[str]) -> str | None:
    """Why a feed endpoint names nothing, or None if it is well formed."""
    kind, a, b = parse_node(text)
    if kind == "plant":
        return (
            None
            if a in plants.index
            else "unknown plant: give a plant id from plants, STAGE:COUNTRY or STAGE:*"
        )
    if a not in STAGE_INDEX:
        return f"unknown stage {a!r}: use {', '.join(STAGES)} before the ':'"
    if b is not None and b not in countries:
        return f"unknown supplier code {b!r} after the ':': use a code from suppliers or *"
    return None


def _members(text: str, groups: dict[tuple[str, str | None], list[str]]) -> list[str]:
    kind, a, b = parse_node(text)
    return [a] if kind == "plant" else groups.get((a, b), [])


def expand_feeds(
    plants: pd.DataFrame, capacity: pd.DataFrame, feeds: pd.DataFrame, elements: list[str]
) -> pd.DataFrame:
    """One row per arc (element, from, to, rule): every pair a rule names where the downstream
    plant is at a later stage and both have a capacity row for the element. `rule` is the feed
    row's index (several rules may open the same arc; each limit keeps its own rows)."""
    columns = ["element", "from", "to", "rule"]
    if feeds.empty:
        return pd.DataFrame(columns=columns)
    has = set(zip(capacity["plant"], capacity["element"], strict=True))
    # plain dicts and lists: this runs on every load (validation) and every model build
    stage = dict(zip(plants.index, plants["stage"].map(STAGE_INDEX), strict=True))
    groups: dict[tuple[str, str | None], list[str]] = {}
    for plant, s, country in zip(plants.index, plants["stage"], plants["country"], strict=True):
        groups.setdefault((s, None), []).append(plant)
        groups.setdefault((s, country), []).append(plant)
    wanted = set(elements)
    rows = []
    for rule, f, t, el in zip(
        feeds.index, feeds["from"], feeds["to"], feeds["element"], strict=True
    ):
        ups, downs = _members(f, groups), _members(t, groups)
        for e in elements if el == ANY_ELEMENT else [el] if el in wanted else []:
            for i in ups:
                if (i, e) not in has:
                    continue
                for j in downs:
                    if (j, e) in has and stage[j] > stage[i]:
                        rows.append((e, i, j, rule))
    return pd.DataFrame(rows, columns=columns)


def find_origins(arcs: pd.DataFrame, capacity: pd.DataFrame) -> frozenset[tuple[str, str]]:
    """(plant, element) pairs with no arc into them: they produce without input."""
    fed = set(zip(arcs["to"], arcs["element"], strict=True))
    return frozenset(
        (p, e)
        for p, e in zip(capacity["plant"], capacity["element"], strict=True)
        if (p, e) not in fed
    )


def find_stages_in_play(
    plants: pd.DataFrame, capacity: pd.DataFrame, demand: pd.DataFrame, scope: list[str]
) -> dict[str, tuple[int, ...]]:
    """For each element, the stages from its first plant's up to the latest form demanded: the
    stages its measures are reported at (a single-stage dataset has separation alone)."""
    top: dict[str, int] = {}
    for e, form, d in zip(demand["element"], demand["form"], demand["demand_t"], strict=True):
        if d > 0:
            top[e] = max(top.get(e, -1), STAGE_INDEX[FORM_STAGE[form]])
    first = (
        capacity.assign(k=capacity["plant"].map(plants["stage"]).map(STAGE_INDEX))
        .groupby("element")["k"]
        .min()
    )
    return {
        e: tuple(range(int(first.get(e, top.get(e, -1) + 1)), top.get(e, -1) + 1)) for e in scope
    }


@dataclass(frozen=True, eq=False)
class Network:
    """The arcs one model runs on: active plants only, elements in scope.

    `arcs` has one row per arc (plant-to-plant, then deliveries) with columns element, from, to,
    from_stage, to_stage (indexes; a delivery's to_stage is KOREA_STAGE), form (deliveries only),
    cover_lo, cover_hi (the stages the arc's upstream plant performs for that material) and
    country (the upstream plant's supplier code). `limits` has one row per feed limit and
    downstream plant: rule, element, to, share, sense ('max' or 'min').
    """

    plants: pd.DataFrame  # index plant; country, stage, ...
    capacity: pd.DataFrame  # plant, element, capacity_t, cost_usd_kg (active plants, in scope)
    arcs: pd.DataFrame
    rule_arcs: pd.DataFrame  # rule, arc (row of `arcs`): which arcs each limited rule covers
    limits: pd.DataFrame
    origins: frozenset[tuple[str, str]]  # (plant, element) with no arc into it in the data
    demand: pd.DataFrame  # element, form, demand_t (positive, in scope)
    scope: tuple[str, ...]
    stages_in_play: dict[str, tuple[int, ...]]

    @cached_property
    def stage_demand(self) -> dict[tuple[str, int], float]:
        """Tonnes of each element that pass stage k when demand is met: the demand of every form
        delivered at stage k or later. Shares at a stage are fractions of this."""
        out: dict[tuple[str, int], float] = {}
        for e, form, d in zip(
            self.demand["element"], self.demand["form"], self.demand["demand_t"], strict=True
        ):
            for k in range(STAGE_INDEX[FORM_STAGE[form]] + 1):
                out[e, k] = out.get((e, k), 0.0) + float(d)
        return out

    @cached_property
    def entities(self) -> list[tuple[str, int, str]]:
        """(element, stage, supplier code or UNKNOWN) that can hold a share: one HHI term each."""
        seen: dict[tuple[str, int, str], None] = {}
        a = self.arcs
        for e, lo, hi, c, origin_stage in zip(
            a["element"], a["cover_lo"], a["cover_hi"], a["country"], a["origin_after"], strict=True
        ):
            play = self.stages_in_play[e]
            for k in play:
                if lo <= k < hi:
                    seen[e, k, c] = None
                elif origin_stage is not None and k < origin_stage:
                    seen[e, k, UNKNOWN] = None
        return list(seen)

    @cached_property
    def attribution(self) -> pd.DataFrame:
        """Which arcs count toward which entity: columns entity (row of `entities`), arc."""
        index = {key: n for n, key in enumerate(self.entities)}
        rows = []
        a = self.arcs
        for arc, (e, lo, hi, c, origin_stage) in enumerate(
            zip(
                a["element"],
                a["cover_lo"],
                a["cover_hi"],
                a["country"],
                a["origin_after"],
                strict=True,
            )
        ):
            for k in self.stages_in_play[e]:
                if lo <= k < hi:
                    rows.append((index[e, k, c], arc))
                elif origin_stage is not None and k < origin_stage:
                    rows.append((index[e, k, UNKNOWN], arc))
        return pd.DataFrame(rows, columns=["entity", "arc"])


def build_network(
    plants: pd.DataFrame,
    capacity: pd.DataFrame,
    feeds: pd.DataFrame,
    demand: pd.DataFrame,
    scope: list[str],
    active: pd.Index,
) -> Network:
    """The network of `active` plants for the elements in `scope`. Origins are decided on the
    whole data, so a plant whose suppliers are all inactive has no feed, not a free one."""
    all_arcs = expand_feeds(plants, capacity, feeds, scope)
    fed = set(zip(all_arcs["to"], all_arcs["element"], strict=True))
    origins = frozenset(
        (p, e)
        for p, e in zip(capacity["plant"], capacity["element"], strict=True)
        if (p, e) not in fed
    )
    act = set(active)
    cap = capacity[capacity["element"].isin(scope) & capacity["plant"].isin(act)].reset_index(
        drop=True
    )
    dem = demand[demand["element"].isin(scope) & (demand["demand_t"] > 0)].reset_index(drop=True)
    arcs = all_arcs[all_arcs["from"].isin(act) & all_arcs["to"].isin(act)]
    rule_of = arcs[["element", "from", "to", "rule"]]
    arcs = arcs.drop_duplicates(["element", "from", "to"])[["element", "from", "to"]]
    stage = plants["stage"].map(STAGE_INDEX)
    wanted = {
        (e, STAGE_INDEX[FORM_STAGE[f]]): f for e, f in zip(dem["element"], dem["form"], strict=True)
    }
    deliveries = [
        (e, p, KOREA, wanted[e, stage[p]])
        for p, e in zip(cap["plant"], cap["element"], strict=True)
        if (e, stage[p]) in wanted
    ]
    frame = pd.concat(
        [
            arcs.assign(form=None),
            pd.DataFrame(deliveries, columns=["element", "from", "to", "form"]),
        ],
        ignore_index=True,
    )
    frame["from_stage"] = frame["from"].map(stage).astype(int)
    frame["to_stage"] = [KOREA_STAGE if t == KOREA else int(stage[t]) for t in frame["to"]]
    frame["cover_lo"] = frame["from_stage"]
    frame["cover_hi"] = np.where(frame["to"] == KOREA, frame["from_stage"] + 1, frame["to_stage"])
    frame["country"] = frame["from"].map(plants["country"])
    # material from an origin below the first stage has no plant at the stages before it
    frame["origin_after"] = [
        s if (p, e) in origins and s > 0 else None
        for p, e, s in zip(frame["from"], frame["element"], frame["from_stage"], strict=True)
    ]
    arc_index = {
        k: n for n, k in enumerate(zip(frame["element"], frame["from"], frame["to"], strict=True))
    }
    limited = (
        feeds.index[
            feeds.get("min_share", pd.Series(np.nan, index=feeds.index)).notna()
            | feeds.get("max_share", pd.Series(np.nan, index=feeds.index)).notna()
        ]
        if len(feeds)
        else pd.Index([])
    )
    rule_arcs = pd.DataFrame(
        [
            (r, arc_index[e, i, j], j, e)
            for e, i, j, r in zip(
                rule_of["element"], rule_of["from"], rule_of["to"], rule_of["rule"], strict=True
            )
            if r in limited
        ],
        columns=["rule", "arc", "to", "element"],
    )
    limits = []
    for sense in ("min", "max"):
        col = f"{sense}_share"
        if col not in feeds.columns:
            continue
        for (r, e, j), _ in rule_arcs.groupby(["rule", "element", "to"]):
            share = feeds.at[r, col]
            if pd.notna(share):
                limits.append((r, e, j, float(share), sense))
    return Network(
        plants=plants,
        capacity=cap,
        arcs=frame,
        rule_arcs=rule_arcs,
        limits=pd.DataFrame(limits, columns=["rule", "element", "to", "share", "sense"]),
        origins=origins,
        demand=dem,
        scope=tuple(scope),
        stages_in_play=find_stages_in_play(plants, capacity, demand, scope),
    )


def feed_problems(
    plants: pd.DataFrame,
    capacity: pd.DataFrame,
    feeds: pd.DataFrame,
    elements: list[str],
    where: str,
) -> list[Problem]:
    """Feed rules that open no arc at all (a typo, or plants without capacity rows)."""
    arcs = expand_feeds(plants, capacity, feeds, elements)
    used = set(arcs["rule"])
    return [
        Problem(
            where,
            "this rule opens no arc: the downstream plants must be at a later stage and both ends need a capacity row for the element",
            row=int(r) + 2,
            column="to",
            value=f"{f} -> {t}",
        )
        for r, f, t in zip(feeds.index, feeds["from"], feeds["to"], strict=True)
        if r not in used
    ]


__all__ = [
    "FORMS",
    "KOREA",
    "PRODUCT",
    "STAGE_FORM",
    "STAGE_INDEX",
    "UNKNOWN",
    "Network",
    "build_network",
    "expand_feeds",
]
