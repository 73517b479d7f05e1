"""One model of uncertainty: independent events, years drawn from them, and what a mix loses.

The scenarios table is a library of events that could happen next. Event k begins in a given
year with probability p_k, independently of the others, and lasts a duration drawn from a
triangular distribution (duration_low_days, duration_days, duration_high_days). While it lasts,
arc a loses the share loss[k, a] of its flow (optimizer/scenarios.py: max(0, a_to - a_from)).

A year is the set of events that begin in it with their durations. For flows x (t a year):
    y[k,e]     = sum_a loss[k,a] x[a]                     tonnes a year lost while k lasts
    short[s,e] = sum_k days[s,k] / 365 * y[k,e]           tonnes short in year s (events add;
                                                           an event counts in the year it begins)
    net[s,e]   = max(0, short[s,e] - stock[e])            after the stockpile is drawn
    value[s]   = sum_e price_e ((1 + r_e) net[s,e] + r_e (short[s,e] - net[s,e]))
               = sum_e price_e (net[s,e] + r_e short[s,e])
where r_e is the refill premium: a tonne short is valued at what it costs while supply is
disrupted, (1 + r_e) x price, and a tonne drawn from stock costs r_e x price more to buy back
afterwards than it would have cost. So drawing the stock always pays (it saves the price), for
any r_e >= 0, and the LP draws it first exactly as the evaluators do. The stockpile is drawn
only in a disruption, never as an annual supply.

Everything that scores a mix against disruptions uses these expressions over a YearSet: the
optimiser's CVaR and expected-loss objectives (network/model.py, the same sums as LP rows, over
the in-sample years), the Monte Carlo and the out-of-sample evaluation (fresh years, another
seed). `enumerate_years` gives the exact distribution when the library is small.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import Dataset
from .errors import InputError, Problem
from .scenarios import (
    ARC_COLUMNS,
    DAYS,
    USD_PER_T,
    ScenarioSet,
    arc_vector,
    flows_of,
    scenario_set,
    stock_tonnes,
)

MAX_ENUMERATED_EVENTS = 12  # 2^12 = 4,096 years: beyond that the exact distribution is sampled


@dataclass(frozen=True)
class YearSet:
    """Years and their weights: days[s, k] is how long event k lasts in year s (0: it does not
    happen). Years with no event are not stored; `calm` is their total weight."""

    days: np.ndarray  # years x events
    weight: np.ndarray  # per stored year; weight.sum() + calm == 1
    calm: float
    how: str  # "exact" or "sampled: N years, seed S"

    @property
    def size(self) -> int:
        return len(self.weight)


def sample_years(ss: ScenarioSet, n: int, seed: int) -> YearSet:
    """n years drawn from the event model: each event begins with its probability, and lasts a
    triangular duration between its low and high days around the typical one."""
    if n < 1:
        raise InputError(Problem("samples", "must be at least 1", value=n))
    rng = np.random.default_rng(seed)
    k = len(ss.names)
    happens = rng.random((n, k)) < ss.probability
    low, mode, high = ss.duration_low, ss.duration_days, ss.duration_high
    spread = high > low
    days = np.broadcast_to(mode, (n, k)).copy()
    if spread.any():
        days[:, spread] = rng.triangular(
            low[spread], mode[spread], high[spread], (n, int(spread.sum()))
        )
    days = np.where(happens, days, 0.0)
    busy = happens.any(axis=1)
    return YearSet(
        days[busy],
        np.full(int(busy.sum()), 1.0 / n),
        1.0 - busy.mean(),
        f"sampled: {n:,} years, seed {seed}",
    )


def enumerate_years(ss: ScenarioSet) -> YearSet:
    """Every combination of events, each at its typical duration, with its exact probability."""
    k = len(ss.names)
    if k > MAX_ENUMERATED_EVENTS:
        raise InputError(
            Problem(
                "scenarios",
                f"{k} events make 2^{k} combinations: too many to list; sample years instead",
            )
        )
    combos = np.array(list(itertools.product([0, 1], repeat=k)), dtype=bool)[1:]  # not all calm
    p = ss.probability
    weight = np.prod(np.where(combos, p, 1 - p), axis=1)
    calm = float(np.prod(1 - p))
    return YearSet(np.where(combos, ss.duration_days, 0.0), weight, calm, "exact")


def in_sample_years(ss: ScenarioSet, n: int, seed: int) -> YearSet:
    """The years the optimiser weighs: the exact distribution when the events have fixed
    durations and few enough combinations, else n years sampled with `seed`."""
    fixed = bool(np.all(ss.duration_low == ss.duration_high))
    if fixed and len(ss.names) <= MAX_ENUMERATED_EVENTS and 2 ** len(ss.names) <= n:
        return enumerate_years(ss)
    return merged(sample_years(ss, n, seed))


def merged(years: YearSet) -> YearSet:
    """The same years with durations in whole days (at least one), and years that then match
    merged into one with their weights added: a third fewer rows for the optimiser on the
    bundled library, for at most half a day's change in any duration."""
    days = np.where(years.days > 0, np.maximum(np.round(years.days), 1.0), 0.0)
    if not len(days):
        return years
    unique, inverse = np.unique(days, axis=0, return_inverse=True)
    weight = np.bincount(inverse.ravel(), weights=years.weight, minlength=len(unique))
    return YearSet(unique, weight, years.calm, years.how + ", durations in whole days")


@dataclass(frozen=True)
class Exposure:
    """What one set of flows loses over a YearSet, per year and element."""

    elements: tuple[str, ...]
    short: np.ndarray  # years x elements, tonnes before the stockpile
    net: np.ndarray  # after it
    value: np.ndarray  # per year, USD
    years: YearSet
    demand: np.ndarray  # per element, t a year

    @property
    def expected_usd(self) -> float:
        return float(self.years.weight @ self.value)

    def cvar_usd(self, alpha: float) -> float:
        return cvar(
            np.concatenate([[0.0], self.value]),
            np.concatenate([[self.years.calm], self.years.weight]),
            alpha,
        )

    @property
    def days_short(self) -> np.ndarray:
        """Days of each element's demand not met, per year (net shortfall x 365 / demand)."""
        return self.net / self.demand * DAYS

    def summary(self, alpha: float = 0.9) -> dict[str, float]:
        w = self.years.weight
        worst_days = self.days_short.max(axis=1, initial=0.0)
        return {
            "expected_value_lost_usd": self.expected_usd,
            f"cvar{int(round(alpha * 100))}_value_lost_usd": self.cvar_usd(alpha),
            "p99_value_lost_usd": quantile(self.value, w, self.years.calm, 0.99),
            "probability_short": float(w @ (self.net.sum(axis=1) > 1e-9)),
            "expected_days_short": float(w @ worst_days),  # the worst-hit element's, per year
        }

    def per_element(self) -> pd.DataFrame:
        w = self.years.weight
        return pd.DataFrame(
            {
                "expected_short_t": w @ self.short,
                "expected_net_short_t": w @ self.net,
                "expected_days_short": w @ self.days_short,
                "probability_short": w @ (self.net > 1e-9),
            },
            index=pd.Index(self.elements, name="element"),
        )


def event_rates(ss: ScenarioSet, x: np.ndarray, elements: list[str]) -> np.ndarray:
    """y[k, e]: tonnes a year of element e lost while event k lasts."""
    member = np.array([ss.arcs["element"].to_numpy() == e for e in elements], dtype=float)
    return (ss.loss * x) @ member.T


def refill_premium(dataset: Dataset, elements: list[str]) -> np.ndarray:
    """Per element; 0 where the dataset gives none (a refill at the normal price)."""
    return dataset.stock_column("refill_premium").reindex(elements).fillna(0.0).to_numpy()


def exposure_of(
    dataset: Dataset,
    ss: ScenarioSet,
    years: YearSet,
    x: np.ndarray,
    elements: list[str],
    stock_t: np.ndarray,
) -> Exposure:
    """The value lost by flows x (on ss.arcs) in each year, with the stockpile drawn first."""
    y = event_rates(ss, x, elements)
    short = (years.days / DAYS) @ y
    net = np.maximum(short - stock_t, 0.0)
    demand = dataset.elements.loc[elements, "demand_t"].to_numpy(dtype=float)
    value = value_lost(dataset, list(elements), short, net)
    return Exposure(tuple(elements), short, net, value, years, demand)


def value_lost(
    dataset: Dataset, elements: list[str], short: np.ndarray, net: np.ndarray
) -> np.ndarray:
    """USD lost in each year: the net shortfall at its price, and the refill premium on every
    tonne short (the stock drawn is bought back)."""
    price = dataset.elements.loc[elements, "price_usd_kg"].to_numpy(dtype=float) * USD_PER_T
    return (net + refill_premium(dataset, elements) * short) @ price


def cvar(losses: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    """Conditional value at risk: the mean loss in the worst (1 - alpha) tail of a discrete
    distribution, splitting the atom at the quantile exactly as Rockafellar-Uryasev does."""
    order = np.argsort(-losses, kind="stable")
    tail = 1.0 - alpha
    taken, total = 0.0, 0.0
    for i in order:
        w = min(weights[i], tail - taken)
        if w <= 0:
            break
        total += w * losses[i]
        taken += w
    return total / tail


def quantile(values: np.ndarray, weights: np.ndarray, calm: float, q: float) -> float:
    """The q-quantile of a weighted distribution whose calm years lose 0."""
    v = np.concatenate([[0.0], values])
    w = np.concatenate([[calm], weights])
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    return float(v[order][min(np.searchsorted(cum, q - 1e-12), len(v) - 1)])


def _elements(dataset: Dataset, flows: pd.DataFrame) -> list[str]:
    return [e for e in dataset.demanded_elements if e in set(flows["element"])]


def mix_exposure(
    dataset: Dataset,
    mix: pd.DataFrame,
    years: YearSet | None = None,
    stock_days: pd.Series | float | None = None,
    names: tuple[str, ...] | None = None,
    samples: int = 10_000,
    seed: int = 1,
) -> Exposure:
    """Any flows table against the event library: `years` if given, else `samples` fresh years."""
    flows = flows_of(mix)
    flows = flows[flows["tonnes"] > 0]
    elements = _elements(dataset, flows)
    arcs = flows[ARC_COLUMNS].drop_duplicates().reset_index(drop=True)
    ss = scenario_set(dataset, arcs, names)
    years = sample_years(ss, samples, seed) if years is None else years
    stock = stock_tonnes(dataset, elements, stock_days)
    return exposure_of(dataset, ss, years, arc_vector(flows, arcs), elements, stock)


def tail_loss(
    dataset: Dataset,
    mix: pd.DataFrame,
    measure: str = "cvar",
    alpha: float = 0.9,
    stock_days: pd.Series | float | None = None,
    names: tuple[str, ...] | None = None,
    years: YearSet | None = None,
) -> float:
    """CVaR at `alpha`, the expected value lost or the worst year (USD), for any flows."""
    ex = mix_exposure(dataset, mix, years, stock_days, names)
    if measure == "worst-case":
        return float(ex.value.max(initial=0.0))
    if measure == "expected-loss":
        return ex.expected_usd
    return ex.cvar_usd(alpha)


@dataclass
class MonteCarlo:
    """Years drawn from the event model: shortfall per element and value lost per year."""

    samples: int
    per_element: (
        pd.DataFrame
    )  # mean_t, std_t, stderr_t, p50_t, p90_t, p99_t, prob_any, exact_mean_t
    value_lost_usd: pd.Series  # mean, p50, p90, p99, cvar90 of the yearly value lost


def monte_carlo(
    dataset: Dataset,
    mix: pd.DataFrame,
    samples: int = 10_000,
    seed: int = 0,
    stock_days: pd.Series | float | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> MonteCarlo:
    """The event model sampled `samples` years; `exact_mean_t` is the exact expected shortfall
    before the stockpile (sum_k p_k x mean duration_k / 365 x y[k,e]), which the sample mean_t
    must approach within its standard error.

    `workers` > 1 (a local Dask cluster) or `scheduler` (a running one) evaluates the years in
    chunks across processes; the years are drawn here as always, so the numbers are the same."""
    if samples < 1:
        raise InputError(Problem("--samples", "must be at least 1", value=samples))
    flows = flows_of(mix)
    flows = flows[flows["tonnes"] > 0]
    elements = _elements(dataset, flows)
    arcs = flows[ARC_COLUMNS].drop_duplicates().reset_index(drop=True)
    ss = scenario_set(dataset, arcs)
    x = arc_vector(flows, arcs)
    years = sample_years(ss, samples, seed)
    on_cluster = _on_cluster(dataset, [(mix, stock_days)], None, years, workers, scheduler)
    ex = (
        exposure_of(dataset, ss, years, x, elements, stock_tonnes(dataset, elements, stock_days))
        if on_cluster is None
        else on_cluster[0]
    )
    # calm years are not stored: put their zeros back for the percentiles
    short = np.vstack([ex.short, np.zeros((samples - ex.years.size, len(elements)))])
    value = np.concatenate([ex.value, np.zeros(samples - ex.years.size)])
    mean_days = (ss.duration_low + ss.duration_days + ss.duration_high) / 3.0
    exact = (ss.probability * mean_days / DAYS) @ event_rates(ss, x, elements)
    std = short.std(axis=0, ddof=1) if samples > 1 else np.zeros(len(elements))
    q = np.percentile(short, [50, 90, 99], axis=0)
    per = pd.DataFrame(
        {
            "mean_t": short.mean(axis=0), "std_t": std, "stderr_t": std / np.sqrt(samples),
            "p50_t": q[0], "p90_t": q[1], "p99_t": q[2], "prob_any": (short > 1e-9).mean(axis=0),
            "exact_mean_t": exact,
        },
        index=pd.Index(elements, name="element"),
    )  # fmt: skip
    vq = np.percentile(value, [50, 90, 99])
    return MonteCarlo(
        samples,
        per,
        pd.Series(
            {
                "mean": value.mean(),
                "p50": vq[0],
                "p90": vq[1],
                "p99": vq[2],
                "cvar90": ex.cvar_usd(0.9),
            }
        ),
    )


OUT_OF_SAMPLE_COLUMNS = [
    "mix", "cost_usd", "premium_over_today", "expected_value_lost_usd", "cvar90_value_lost_usd",
    "p99_value_lost_usd", "probability_short", "expected_days_short", "value_lost_vs_today",
]  # fmt: skip


def out_of_sample(
    dataset: Dataset,
    mixes: dict[str, tuple[pd.DataFrame, pd.Series | float | None, float]],
    samples: int = 10_000,
    seed: int = 1,
    names: tuple[str, ...] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
) -> tuple[pd.DataFrame, YearSet]:
    """Score mixes on years drawn afresh from the event model (their own seed, durations drawn
    from their ranges), all on the same years. `mixes`: name -> (flows, stock days, cost USD a
    year); the first is the reference ("today") for the premium and the cut in value lost.

    `workers` > 1 (a local Dask cluster) or `scheduler` (a running one) evaluates the years in
    chunks across processes; the years are drawn here as always, so the table is the same."""
    # the years depend on the events only, not on the arcs they are scored on
    years = sample_years(scenario_set(dataset, dataset.baseline_flows, names), samples, seed)
    held = [(flows, stock_days) for flows, stock_days, _ in mixes.values()]
    exposures = _on_cluster(dataset, held, names, years, workers, scheduler) or [
        mix_exposure(dataset, flows, years, stock_days, names) for flows, stock_days in held
    ]
    rows = [
        {"mix": name, "cost_usd": cost, **ex.summary(0.9)}
        for (name, (_, _, cost)), ex in zip(mixes.items(), exposures, strict=True)
    ]
    out = pd.DataFrame(rows)
    ref = out.iloc[0]
    out["premium_over_today"] = out["cost_usd"] / ref["cost_usd"] - 1.0
    lost = ref["expected_value_lost_usd"]
    out["value_lost_vs_today"] = out["expected_value_lost_usd"] / lost if lost > 0 else np.nan
    return out[OUT_OF_SAMPLE_COLUMNS], years


# --- years evaluated on a Dask cluster ---------------------------------------------------------


@dataclass(frozen=True)
class _YearSlices:
    """A YearSet's stored years as a sequence whose slices are YearSets (their years' weights,
    the whole set's calm share), to be handed out in chunks."""

    years: YearSet

    def __len__(self) -> int:
        return self.years.size

    def __getitem__(self, rows: slice) -> YearSet:
        y = self.years
        return YearSet(y.days[rows], y.weight[rows], y.calm, y.how)


def _exposures(
    dataset: Dataset,
    mixes: list[tuple[pd.DataFrame, pd.Series | float | None]],
    names: tuple[str, ...] | None,
    years: YearSet,
) -> list[Exposure]:
    """Each (flows, stock days) on a chunk of the years: one task on a Dask worker."""
    return [mix_exposure(dataset, flows, years, stock_days, names) for flows, stock_days in mixes]


def _on_cluster(
    dataset: Dataset,
    mixes: list[tuple[pd.DataFrame, pd.Series | float | None]],
    names: tuple[str, ...] | None,
    years: YearSet,
    workers: int,
    scheduler: str | None,
) -> list[Exposure] | None:
    """Each mix's exposure over `years`, evaluated in chunks of years on a Dask cluster (None:
    not worth a cluster, see distributed.use_cluster). A year's shortfall depends on that year
    alone, so the chunks' rows stacked in order are the serial ones. The value lost is computed
    again here over all the years at once (value_lost, as exposure_of does): a matrix-vector
    product's last digit can depend on where its rows were cut and on BLAS's threads."""
    from .distributed import map_chunks, use_cluster

    if not years.size or not use_cluster(years.size, workers, scheduler):
        return None
    parts = map_chunks(
        _exposures,
        _YearSlices(years),
        (dataset, mixes, names),
        workers=workers,
        scheduler=scheduler,
        chunks_per_worker=1,  # one chunk each: the evaluation is vectorised, the setup is not
    )
    out = []
    for i in range(len(mixes)):
        first = parts[0][i]
        elements = list(first.elements)
        short = np.vstack([part[i].short for part in parts])
        net = np.vstack([part[i].net for part in parts])
        value = value_lost(dataset, elements, short, net)
        out.append(Exposure(first.elements, short, net, value, years, first.demand))
    return out
