"""What the user asks of the model: the objective, the budget and the policy caps.

A Policy is plain data. It is read from YAML or command-line flags, checked against a dataset
(unknown suppliers, caps outside [0, 1], contradictions) and recorded, fully resolved, with
every run so the run can be reproduced.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import InputError, Problem
from .limits import limit, parse_number
from .schema import MAX_DAYS, STAGES

if TYPE_CHECKING:
    from .dataset import Dataset

RISK_OBJECTIVES = ("hhi", "wgi-hhi", "max-share", "top3")  # per-element concentration
# value lost across the years the disruption library may bring (optimizer/uncertainty.py)
ROBUST_OBJECTIVES = ("cvar", "expected-loss", "worst-case")
OBJECTIVES = (*RISK_OBJECTIVES, *ROBUST_OBJECTIVES, "cost")
WEIGHTINGS = ("value", "volume", "equal")
RECYCLING_BLOC = "RECYCLING"  # suppliers tagged with this bloc count toward the recycled share
# How an element's risk at each stage of its chain becomes one number: its worst stage (the
# default: a chain is as exposed as its most concentrated step, and the EU and Korean targets
# hold "at any relevant stage"), the sum over stages, or one named stage.
STAGE_RULES = ("worst", "sum", *STAGES)
DEFAULT_PREMIUM = 0.15
MIN_HHI_TOLERANCE = 1e-8


@dataclass(frozen=True)
class Policy:
    """A sourcing policy. Shares are fractions of each element's demand (0.5 = 50%).

    Caps and bloc minimums hold at every stage of the chain unless their key names one:
    caps {"CHN": 0.5} caps China at every stage, {"separation:CHN": 0.3} at separation only;
    element_caps {"Dy": {"separation:CHN": 0.3}} for one element. The most specific key wins
    (element and stage, element, stage, neither), and country_cap holds on top of all of them.
    """

    objective: str = "hhi"
    budget_premium: float | None = DEFAULT_PREMIUM  # budget = (1 + premium) * least cost
    budget_usd: float | None = None  # absolute budget; replaces the premium when set
    country_cap: float | None = None  # no single country above this share of any element
    caps: Mapping[str, float] = field(default_factory=dict)  # supplier -> max share
    element_caps: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # e -> s -> cap
    bloc_min: Mapping[str, float] = field(default_factory=dict)  # bloc -> min share
    element_bloc_min: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    recycled_min: float = 0.0  # as far as domestic recycling capacity allows
    risk_caps: Mapping[str, float] = field(default_factory=dict)  # measure -> per-element max
    elements: tuple[str, ...] | None = None  # None: every element with demand
    weights: str = "value"  # how elements combine into the portfolio risk
    preset: str | None = None
    hhi_tolerance: float = 1e-7  # true minus LP value of the HHI objective at convergence
    alpha: float = 0.9  # CVaR level: the mean of the worst (1 - alpha) of outcomes
    # Korea's stock, drawn only in a disruption: None = the dataset's stockpile table (days by
    # element), a number = that many days of every element
    stockpile_days: float | None = None
    stockpile_target_days: float | None = None  # hold at least this many days of every element
    # the stockpile-sizing decision: the optimiser may raise any element's stock up to this
    # many days, at its holding cost, inside the budget (None: the stock is given)
    stockpile_max_days: float | None = None
    sample_years: int = 2000  # in-sample years drawn from the event model (robust objectives)
    seed: int = 0  # ... and the seed they are drawn with
    scenarios: tuple[str, ...] | None = None  # for robust objectives; None: all in the data
    # a portfolio objective may trade one element's risk for another's: with this on, no
    # element's measure may rise above today's mix (elastic: a breach is reported, not hidden)
    no_worse_than_today: bool = True
    stage: str = "worst"  # which stage's risk counts: worst, sum or a stage name (STAGE_RULES)
    year: int | None = None  # None: operating plants; a year: also plants first producing by then
    # round one counted KOMIR's stock as an annual supplier; off unless asked for
    stockpile_as_supplier: bool = False
    rules_in_force: bool = True  # trade rules in force (rules table) bind the base case

    @classmethod
    def from_preset(cls, name: str, **changes: Any) -> Policy:
        """A preset's settings, with `changes` on top (see PRESETS)."""
        return from_dict({"preset": name, **changes}, where=f"preset {name}")

    def with_changes(self, **changes: Any) -> Policy:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for YAML/JSON; `from_dict(to_dict())` gives the same policy."""
        out = dataclasses.asdict(self)
        out["caps"] = dict(self.caps)
        out["element_caps"] = {e: dict(v) for e, v in self.element_caps.items()}
        out["bloc_min"] = dict(self.bloc_min)
        out["element_bloc_min"] = {e: dict(v) for e, v in self.element_bloc_min.items()}
        out["risk_caps"] = dict(self.risk_caps)
        out["elements"] = list(self.elements) if self.elements is not None else None
        out["scenarios"] = list(self.scenarios) if self.scenarios is not None else None
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def cap_for(self, dataset: Dataset, supplier: str, element: str, stage: str) -> float:
        """The effective cap on one supplier's share of one element at one stage (1.0 = none).

        The most specific setting wins (element and stage, element, stage, neither); the
        country cap ("no country above X") holds on top, so a looser supplier cap never lets a
        foreign country past it. Korea's own plants and recycling are not capped by it."""
        own = _most_specific(self.caps, self.element_caps, element, stage, supplier, 1.0)
        if self.country_cap is not None and dataset.supplier_kinds[supplier] == "country":
            return min(own, self.country_cap)
        return own

    def bloc_min_for(self, bloc: str, element: str, stage: str) -> float:
        return _most_specific(self.bloc_min, self.element_bloc_min, element, stage, bloc, 0.0)


def _most_specific(
    flat: Mapping[str, float],
    nested: Mapping[str, Mapping[str, float]],
    element: str,
    stage: str,
    name: str,
    default: float,
) -> float:
    own = nested.get(element, {})
    for table, key in ((own, f"{stage}:{name}"), (own, name), (flat, f"{stage}:{name}")):
        if key in table:
            return table[key]
    return flat.get(name, default)


def split_key(key: str) -> tuple[str | None, str]:
    """'separation:CHN' -> ('separation', 'CHN'); 'CHN' -> (None, 'CHN')."""
    stage, colon, name = key.rpartition(":")
    return (stage if colon else None), name


PRESETS: dict[str, dict[str, Any]] = {
    # Korea's 2023 Critical Minerals Strategy, 2030 targets: no country above 50%, recycling 20%.
    "korea-2030": {"country_cap": 0.5, "recycled_min": 0.2},
    # EU Critical Raw Materials Act, Art. 5: no third country above 65% of consumption.
    "eu-crma": {"country_cap": 0.65},
    # Lean on FORGE partners: a quarter of every element from the bloc, China below 60%.
    "forge-first": {"bloc_min": {"FORGE": 0.25}, "caps": {"CHN": 0.6}},
    # Korea's stockpile target: 100 days of every element (KOMIR's programme, by 2031); elements
    # already above it (Dy, Y) keep their stock.
    "stockpile-100": {"stockpile_target_days": 100},
    # The default robust policy: the least CVaR (90%) of the value lost to disruptions, buying
    # sources and stock (up to a year of demand) from one budget, 15% above the least cost.
    # Out of sample it halves today's loss for a few per cent more than today's cost
    # (docs/MODEL.md#security, `ree-sourcing out-of-sample --preset security`).
    "security": {"objective": "cvar", "alpha": 0.9, "stockpile_max_days": 365},
}


def from_dict(data: Mapping[str, Any], where: str = "policy") -> Policy:
    """Build a policy from plain data (YAML, JSON), reporting every unusable entry."""
    problems: list[Problem] = []
    fields = {f.name for f in dataclasses.fields(Policy)}
    unknown = [k for k in data if k not in fields]
    for k in unknown:
        problems.append(
            Problem(
                where, f"unknown setting: expected one of {', '.join(sorted(fields))}", column=k
            )
        )
    values: dict[str, Any] = {}
    preset = data.get("preset")
    if preset is not None:
        if preset not in PRESETS:
            problems.append(
                Problem(
                    where,
                    f"unknown preset: choose {', '.join(PRESETS)}",
                    column="preset",
                    value=preset,
                )
            )
        else:
            values.update(PRESETS[preset])
    for k, v in data.items():
        if k in fields:  # an explicit null means the field's default, so it undoes a preset
            if v is None and k not in _NULL_IS_A_VALUE:
                v = _default(k)
            values[k] = v
    problems += [
        Problem(where, msg, column=k, value=values[k]) for k, msg in _type_problems(values)
    ]
    if problems:
        raise InputError(problems)
    for key in ("elements", "scenarios"):
        if isinstance(values.get(key), list | tuple):
            values[key] = tuple(values[key])
    try:
        return Policy(**values)
    except TypeError as e:
        raise InputError(Problem(where, str(e))) from None


# A null that is a setting, not "the default": budget_premium null is no premium (the absolute
# budget_usd, or no budget at all), which to_yaml writes and must read back as written.
_NULL_IS_A_VALUE = ("budget_premium",)
_NUMBERS = (
    "budget_premium",
    "budget_usd",
    "country_cap",
    "recycled_min",
    "hhi_tolerance",
    "alpha",
    "stockpile_days",
    "stockpile_target_days",
    "stockpile_max_days",
)
# Upper ends where a huge but finite number would overflow in the model (days x demand).
_MAXIMA = {
    name: (MAX_DAYS, "days (a hundred years)")
    for name in ("stockpile_days", "stockpile_target_days", "stockpile_max_days")
}
_TEXT = ("objective", "weights", "preset", "stage")
_SHARE_MAPS = ("caps", "bloc_min", "risk_caps")
_NESTED_MAPS = ("element_caps", "element_bloc_min")
_LISTS = ("elements", "scenarios")
_FLAGS = ("no_worse_than_today", "stockpile_as_supplier", "rules_in_force")
_INTEGERS = ("year", "sample_years", "seed")


def _default(name: str) -> Any:
    field_ = next(f for f in dataclasses.fields(Policy) if f.name == name)
    if field_.default_factory is not dataclasses.MISSING:
        return field_.default_factory()
    return field_.default


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _finite(v: Any) -> bool:
    """A number that is not NaN or infinite (YAML's .nan and .inf are floats)."""
    try:
        return _is_number(v) and math.isfinite(v)
    except OverflowError:  # an integer too large for a float
        return False


def _number_map(v: Any) -> bool:
    return isinstance(v, Mapping) and all(isinstance(k, str) and _finite(x) for k, x in v.items())


def _type_problems(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Wrong kinds of value (a word where a number belongs, a number where a list belongs),
    numbers that are NaN or infinite, and lists that name something twice."""
    out = []
    for k, v in values.items():
        if v is None:  # unset: the field's default
            continue
        if k in _NUMBERS and not _is_number(v):
            out.append((k, "must be a number"))
        elif k in _NUMBERS and not _finite(v):
            out.append((k, "must be a finite number (not .nan or .inf)"))
        elif k in _MAXIMA and v > _MAXIMA[k][0]:
            out.append((k, f"must be at most {_MAXIMA[k][0]:,} {_MAXIMA[k][1]}"))
        elif k in _TEXT and not isinstance(v, str):
            out.append((k, "must be a word, e.g. hhi"))
        elif k in _SHARE_MAPS and not _number_map(v):
            out.append((k, "must map names to finite numbers, e.g. {CHN: 0.5}"))
        elif k in _NESTED_MAPS and not (
            isinstance(v, Mapping)
            and all(isinstance(e, str) and _number_map(m) for e, m in v.items())
        ):
            out.append((k, "must map elements to {name: number}, e.g. {Dy: {CHN: 0.3}}"))
        elif k in _FLAGS and not isinstance(v, bool):
            out.append((k, "must be true or false"))
        elif k in _INTEGERS and (not isinstance(v, int) or isinstance(v, bool)):
            out.append((k, "must be a whole number, e.g. 2028"))
        elif k in _LISTS and not (
            isinstance(v, list | tuple) and all(isinstance(x, str) for x in v)
        ):
            out.append((k, "must be a list of names, e.g. [Nd, Dy]"))
        elif k in _LISTS and len(set(v)) < len(v):
            twice = sorted({x for x in v if list(v).count(x) > 1})
            out.append((k, f"names {', '.join(twice)} twice: name each once"))
    return out


class _PolicyLoader(yaml.SafeLoader):
    """SafeLoader that refuses what a policy never needs and a bomb relies on: more than a few
    aliases (billion laughs), deep nesting, and a key given twice (the second would win
    silently). Limits: REE_SOURCING_MAX_YAML_ALIASES and REE_SOURCING_MAX_YAML_DEPTH."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases, self.depth = 0, 0
        self.max_aliases = limit("REE_SOURCING_MAX_YAML_ALIASES")
        self.max_depth = limit("REE_SOURCING_MAX_YAML_DEPTH")

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > self.max_aliases:
                raise _Refused(
                    f"uses more than {self.max_aliases} aliases (*name): write the settings out, or raise the limit with the environment variable REE_SOURCING_MAX_YAML_ALIASES",
                    self.peek_event().start_mark,
                )
        self.depth += 1
        try:
            if self.depth > self.max_depth:
                raise _Refused(
                    f"nests more than {self.max_depth} levels deep: a policy needs three at most (raise the limit with the environment variable REE_SOURCING_MAX_YAML_DEPTH)",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[tuple[str, str]] = set()
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                if (key.tag, key.value) in seen:
                    raise _Refused(
                        f"gives the setting {key.value!r} twice: keep one", key.start_mark
                    )
                seen.add((key.tag, key.value))
        return super().construct_mapping(node, deep=deep)


class _Refused(yaml.YAMLError):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message, self.problem_mark = message, mark


def read_policy_file(path: str | Path) -> dict[str, Any]:
    """The settings of a YAML policy file as plain data, read with _PolicyLoader from a regular
    file of at most REE_SOURCING_MAX_YAML_BYTES."""
    from .dataset import read_file

    path = Path(path)
    data = read_file(path, str(path), "REE_SOURCING_MAX_YAML_BYTES")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(Problem(str(path), "is not UTF-8 text: save it as UTF-8")) from None
    try:
        settings = yaml.load(text, Loader=_PolicyLoader) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InputError(
            Problem(
                str(path),
                e.message
                if isinstance(e, _Refused)
                else "is not valid YAML: check indentation and colons",
                row=mark.line + 1 if mark else None,
            )
        ) from None
    except RecursionError:
        raise InputError(Problem(str(path), "nests too deeply to be a policy")) from None
    if not isinstance(settings, dict):
        raise InputError(Problem(str(path), "must be a mapping of settings, e.g. 'objective: hhi'"))
    return settings


def load_policy(path: str | Path) -> Policy:
    """A policy from a YAML file (see read_policy_file for what is refused)."""
    return from_dict(read_policy_file(path), where=str(path))


def parse_assignment(text: str, flag: str) -> tuple[str | None, str, float]:
    """Parse 'CHN=0.5', 'separation:CHN=0.5', 'Dy:CHN=0.3' or 'Dy:separation:CHN=0.3' from a
    command-line flag into (element or None, name with its stage if any, value)."""
    target, sep, number = text.partition("=")
    parts = [x.strip() for x in target.split(":")]
    try:
        value = parse_number(number)
    except ValueError as e:
        if sep and number.strip():  # a number that breaks the one rule: say which way
            raise InputError(Problem(f"{flag} {text}", f"the share {e}", value=number)) from None
        value = math.nan
    element = None
    if len(parts) == 3 or (len(parts) == 2 and parts[0] not in STAGES):
        element, parts = parts[0], parts[1:]
    ok = sep and all(parts) and len(parts) <= 2 and (len(parts) == 1 or parts[0] in STAGES)
    if not ok or (element is not None and not element) or math.isnan(value):
        raise InputError(
            Problem(
                f"{flag} {text}",
                f"expected [ELEMENT:][STAGE:]NAME=SHARE with STAGE one of {', '.join(STAGES)}, e.g. {flag} CHN=0.5 or {flag} Dy:separation:CHN=0.3",
            )
        )
    return element, ":".join(parts), value


def validate(
    policy: Policy, dataset: Dataset, where: str = "policy", contradictions: bool = True
) -> Policy:
    """Check a policy against a dataset; raise one InputError listing every problem.
    `contradictions=False` checks each setting alone (a sweep's grid values), leaving settings
    that clash with each other to the points where they meet."""
    problems = [
        Problem(where, msg, column=k, value=getattr(policy, k))
        for k, msg in _type_problems({k: v for k, v in policy.to_dict().items() if v is not None})
    ]
    if problems:
        raise InputError(problems)
    suppliers = set(dataset.suppliers.index)
    elements = set(dataset.elements.index)
    blocs = set(dataset.blocs)

    def share(name: str, value: Any, low: float = 0.0, high: float = 1.0) -> None:
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not (low <= value <= high)
        ):
            problems.append(
                Problem(
                    where, f"must be a number from {low:g} to {high:g}", column=name, value=value
                )
            )

    def known(name: str, value: str, pool: set[str], what: str, staged: bool = False) -> bool:
        stage, value = split_key(value) if staged else (None, value)
        if stage is not None and stage not in STAGES:
            problems.append(
                Problem(
                    where,
                    f"unknown stage {stage!r}: use {', '.join(STAGES)}",
                    column=name,
                    value=stage,
                )
            )
            return False
        if value not in pool:
            problems.append(
                Problem(
                    where,
                    f"unknown {what}: choose from {', '.join(sorted(pool)) or 'none in this dataset'}",
                    column=name,
                    value=value,
                )
            )
            return False
        return True

    if policy.objective not in OBJECTIVES:
        problems.append(
            Problem(
                where,
                f"unknown objective: choose {', '.join(OBJECTIVES)}",
                column="objective",
                value=policy.objective,
            )
        )
    if policy.stage not in STAGE_RULES:
        problems.append(
            Problem(
                where,
                f"unknown stage rule: choose {', '.join(STAGE_RULES)}",
                column="stage",
                value=policy.stage,
            )
        )
    if policy.year is not None and not 1900 <= policy.year <= 2100:
        problems.append(
            Problem(where, "must be a year such as 2028", column="year", value=policy.year)
        )
    if policy.weights not in WEIGHTINGS:
        problems.append(
            Problem(
                where,
                f"unknown weighting: choose {', '.join(WEIGHTINGS)}",
                column="weights",
                value=policy.weights,
            )
        )
    if policy.budget_usd is not None:
        if not isinstance(policy.budget_usd, int | float) or policy.budget_usd < 0:
            problems.append(
                Problem(
                    where,
                    "must be a non-negative amount of USD",
                    column="budget_usd",
                    value=policy.budget_usd,
                )
            )
    elif policy.budget_premium is not None:
        share("budget_premium", policy.budget_premium, 0.0, 100.0)
    else:  # null premium and no absolute budget: nothing to set the cost limit from
        problems.append(
            Problem(
                where,
                "is null and budget_usd is not set: give a premium over the least cost "
                "(e.g. 0.15) or an absolute budget_usd",
                column="budget_premium",
            )
        )
    if policy.country_cap is not None:
        share("country_cap", policy.country_cap)
    for s, v in policy.caps.items():
        if known(f"caps.{s}", s, suppliers, "supplier", staged=True):
            share(f"caps.{s}", v)
    for e, caps in policy.element_caps.items():
        if known(f"element_caps.{e}", e, elements, "element"):
            for s, v in caps.items():
                if known(f"element_caps.{e}.{s}", s, suppliers, "supplier", staged=True):
                    share(f"element_caps.{e}.{s}", v)
    for b, v in policy.bloc_min.items():
        if known(f"bloc_min.{b}", b, blocs, "bloc", staged=True):
            share(f"bloc_min.{b}", v)
    for e, mins in policy.element_bloc_min.items():
        if known(f"element_bloc_min.{e}", e, elements, "element"):
            for b, v in mins.items():
                if known(f"element_bloc_min.{e}.{b}", b, blocs, "bloc", staged=True):
                    share(f"element_bloc_min.{e}.{b}", v)
    share("recycled_min", policy.recycled_min)
    # HiGHS solves to about 1e-9; asking the cuts for more than 1e-8 cannot be met.
    share("hhi_tolerance", policy.hhi_tolerance, MIN_HHI_TOLERANCE, 0.1)
    if policy.recycled_min > 0 and not dataset.bloc_members(RECYCLING_BLOC):
        problems.append(
            Problem(
                where,
                f"no supplier is tagged {RECYCLING_BLOC} in the dataset's blocs column, so a recycled share cannot be asked for",
                column="recycled_min",
                value=policy.recycled_min,
            )
        )
    for m, v in policy.risk_caps.items():
        if m not in RISK_OBJECTIVES:
            problems.append(
                Problem(
                    where,
                    f"unknown risk measure: choose {', '.join(RISK_OBJECTIVES)}",
                    column=f"risk_caps.{m}",
                    value=m,
                )
            )
        else:
            share(f"risk_caps.{m}", v, 0.0, 10.0 if m == "wgi-hhi" else 1.0)
    share("alpha", policy.alpha, 0.0, 0.999)
    for name in ("stockpile_days", "stockpile_target_days", "stockpile_max_days"):
        v = getattr(policy, name)
        if v is not None and (not _finite(v) or v < 0 or v > MAX_DAYS):
            problems.append(
                Problem(
                    where, f"must be a number of days from 0 to {MAX_DAYS:,}", column=name, value=v
                )
            )
    top = limit("REE_SOURCING_MAX_SAMPLE_YEARS")
    if not isinstance(policy.sample_years, int) or not 1 <= policy.sample_years <= top:
        problems.append(
            Problem(
                where,
                f"must be a whole number of years from 1 to {top:,} (raise the limit with the environment variable REE_SOURCING_MAX_SAMPLE_YEARS)",
                column="sample_years",
                value=policy.sample_years,
            )
        )
    if policy.stockpile_max_days is not None:
        rate = dataset.stock_column("holding_rate")
        missing = [e for e in dataset.demanded_elements if not rate[e] >= 0]  # NaN: not given
        if missing:
            problems.append(
                Problem(
                    where,
                    f"sizing the stockpile needs its holding cost: the stockpile table has no holding_rate for {', '.join(missing)}; add it there or leave stockpile_max_days unset",
                    column="stockpile_max_days",
                    value=policy.stockpile_max_days,
                )
            )
    known_scenarios = set(dataset.scenarios["scenario"])
    for name in policy.scenarios or ():
        known("scenarios", name, known_scenarios, "scenario")
    if policy.objective in ROBUST_OBJECTIVES and not known_scenarios:
        problems.append(
            Problem(
                where,
                "a robust objective needs disruption scenarios: add a scenarios table to the dataset",
                column="objective",
                value=policy.objective,
            )
        )
    if policy.elements is not None:
        for e in policy.elements:
            known("elements", e, elements, "element")
        if not [e for e in policy.elements if e in dataset.demanded_elements]:
            problems.append(
                Problem(
                    where,
                    "none of the chosen elements has demand: choose at least one element with demand_t > 0",
                    column="elements",
                )
            )
    if not problems:
        problems.extend(_contradictions(policy, dataset, where) if contradictions else [])
    if problems:
        raise InputError(problems)
    return policy


def _contradictions(policy: Policy, dataset: Dataset, where: str) -> list[Problem]:
    """Policies no allocation could satisfy, whatever the data: say which settings clash."""
    problems = []
    scope = policy.elements or tuple(dataset.demanded_elements)
    for e in scope:
        for b in dataset.blocs:
            for stage in dataset.stages:
                need = policy.bloc_min_for(b, e, stage)
                if need <= 0:
                    continue
                allowed = sum(policy.cap_for(dataset, s, e, stage) for s in dataset.bloc_members(b))
                if allowed + 1e-12 < need:
                    at = f" at the {stage} stage" if len(dataset.stages) > 1 else ""
                    problems.append(
                        Problem(
                            where,
                            f"for {e}{at}, the {b} minimum of {need:.0%} is above what the caps on its members allow together ({allowed:.0%}): lower the minimum or raise the caps",
                            column=f"bloc_min.{b}",
                            value=need,
                        )
                    )
    return problems
