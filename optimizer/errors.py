"""The project's one error type for mistakes a user can fix: a bad file, an impossible policy."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input, located precisely enough to fix it.

    `where` is a file, a workbook sheet or a command-line flag; `row` counts as a spreadsheet does
    (the header is row 1), so it matches what the user sees in Excel or a text editor.
    """

    where: str
    message: str
    row: int | None = None
    column: str | None = None
    value: Any = None

    def __str__(self) -> str:
        place = self.where
        if self.row is not None:
            place += f", row {self.row}"
        if self.column is not None:
            place += f", column '{self.column}'"
        shown = "" if self.value is None else f" (got {_show(self.value)})"
        return f"{place}: {self.message}{shown}"


def _show(value: Any) -> str:
    # reprlib bounds the work: str() of a nested value from a YAML alias bomb would not end
    if isinstance(value, str):
        text = repr(value[:200])
    elif isinstance(value, list | tuple | dict | set | frozenset):
        text = _SHORT.repr(value)
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


_SHORT = reprlib.Repr(maxlevel=3, maxlist=8, maxdict=8, maxstring=60, maxother=60)


class InputError(Exception):
    """Raised with every problem found, so a user fixes them all in one pass."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(where="input", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self.summary())

    def summary(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems:"] + [f"  - {p}" for p in self.problems]
        return "\n".join(lines)
