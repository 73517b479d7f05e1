"""The stage selector the Overview, Allocation and Partner map share, and the words for stages.

The selector offers the worst stage (the default: it follows the solution, so a new policy whose
worst stage moves takes the view with it) and then each stage of the chain. Labels live here
so the Korean catalogue to come has one place to translate them.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from .. import maps
from ..solution import Solution

WORST = "__worst__"
STAGE_NAMES = {
    "mine": "Mine",
    "separation": "Separation",
    "metal": "Metal",
    "magnet": "Magnet",
    "korea": "Korea",
}
SELECTOR_LABEL = "Stage"
WORST_LABEL = "Worst stage ({stage})"
SELECTOR_HELP = (
    "Which step of the chain the figures are at: mine (concentrate), separation (oxide), metal "
    "and alloy, or magnet. A tonne is counted at each stage in the country whose plant did that "
    "step. The worst stage is where China's share of the optimized mix is highest."
)


def name(stage: str) -> str:
    return STAGE_NAMES.get(stage, stage)


def options(solution: Solution) -> list[str]:
    return [WORST, *maps.stages_of(solution)]


def resolve(solution: Solution, choice: str | None) -> str:
    """The stage a choice stands for: the worst stage for WORST (and for a stale choice)."""
    if choice in maps.stages_of(solution):
        return choice
    return maps.default_stage(solution)


def label(solution: Solution, choice: str) -> str:
    if choice == WORST:
        return WORST_LABEL.format(stage=name(maps.default_stage(solution)).lower())
    return name(choice)


def pick(where: Any, key: str, solution: Solution, session: MutableMapping[str, Any]) -> str:
    """Draw the selector (when the chain has more than one stage); return the choice, WORST or
    a stage name. A choice the solution does not have falls back to WORST."""
    choices = options(solution)
    if session.get(key) not in choices:
        session[key] = WORST
    if len(choices) <= 2:  # one stage: nothing to choose
        return WORST
    where.selectbox(
        SELECTOR_LABEL,
        choices,
        key=key,
        format_func=lambda c: label(solution, c),
        help=SELECTOR_HELP,
    )
    return session[key]


__all__ = ["WORST", "label", "name", "options", "pick", "resolve"]
