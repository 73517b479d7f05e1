"""The stage selector the Overview, Allocation and Partner map share, and the words for stages.

The selector offers the worst stage (the default: it follows the solution, so a new policy whose
worst stage moves takes the view with it) and then each stage of the chain. Labels come from
the message catalogue (optimizer.reports.messages).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from .. import maps
from ..reports import messages
from ..solution import Solution
from .i18n import t

WORST = "__worst__"


def name(stage: str) -> str:
    """A stage's name in the session's language (its code when the catalogue has none)."""
    key = f"stage.{stage}"
    return t(key) if key in messages.CATALOGUE else stage


def options(solution: Solution) -> list[str]:
    return [WORST, *maps.stages_of(solution)]


def resolve(solution: Solution, choice: str | None) -> str:
    """The stage a choice stands for: the worst stage for WORST (and for a stale choice)."""
    if choice in maps.stages_of(solution):
        return choice
    return maps.default_stage(solution)


def label(solution: Solution, choice: str) -> str:
    if choice == WORST:
        return t("stage.worst", stage=name(maps.default_stage(solution)).lower())
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
        t("stage.selector"),
        choices,
        key=key,
        format_func=lambda c: label(solution, c),
        help=t("stage.help"),
    )
    return session[key]


__all__ = ["WORST", "label", "name", "options", "pick", "resolve"]
