"""Problems (what stops an import) and notices (what the user should know), kept and counted by kind,
and the problems as the table and CSV the user sees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from kpi.exports.tables import csv_bytes
from kpi.ingest.constants import MAX_PROBLEMS, TEMPLATE_COLUMNS


@dataclass(frozen=True)
class Problem:
    """Something in the file that stops the import. `row` is the row number as Excel shows it (the
    header is row 1, the first data row is row 2); None for a problem with the whole file."""

    row: int | None
    column: str | None
    message: str
    fix: str
    # What is wrong without this row's values ("The period is not a month the importer can read."), for
    # counting problems by kind; the message itself when empty.
    kind: str = field(default="", compare=False)

    @property
    def kind_text(self) -> str:
        return self.kind or self.message


@dataclass(frozen=True)
class ProblemKind:
    """How many problems of one kind (column and what is wrong) the file has, and how many are listed."""

    column: str | None
    kind: str
    count: int
    listed: int


class ProblemLog:
    """The first `limit` problems in file order, and a count of every problem by kind. Past the limit a
    problem is only counted: callers count a whole mask of rows and build Problem objects for the first
    `limit` rows only, so memory stays bounded however many rows are bad."""

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        self.limit = limit
        self.total = 0
        self._kept: list[Problem] = []
        self._counts: dict[tuple[str | None, str], int] = {}

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    def count(self, column: str | None, kind: str, number: int = 1) -> None:
        """Count problems without keeping them (add the kept ones with `keep`)."""
        if number:
            self._counts[(column, kind)] = self._counts.get((column, kind), 0) + number
            self.total += number

    def keep(self, problem: Problem) -> None:
        """Keep a problem already counted; only the first `limit` in file order survive."""
        self._kept.append(problem)
        if len(self._kept) >= 2 * self.limit:
            self._kept = _sorted_problems(self._kept)[: self.limit]

    def add(self, problem: Problem) -> None:
        """Count and keep one problem."""
        self.count(problem.column, problem.kind_text)
        self.keep(problem)

    def extend(self, problems: Iterable[Problem] | ProblemLog | None) -> None:
        if isinstance(problems, ProblemLog):
            for key, number in problems._counts.items():
                self.count(*key, number)
            for problem in problems._kept:
                self.keep(problem)
            return
        for problem in problems or ():
            self.add(problem)

    @property
    def problems(self) -> list[Problem]:
        """The kept problems, at most `limit`, in file order."""
        self._kept = _sorted_problems(self._kept)[: self.limit]
        return list(self._kept)

    @property
    def not_listed(self) -> int:
        return self.total - len(self.problems)

    def kinds(self) -> list[ProblemKind]:
        """Every kind of problem with its count, most frequent first."""
        listed: dict[tuple[str | None, str], int] = {}
        for problem in self.problems:
            key = (problem.column, problem.kind_text)
            listed[key] = listed.get(key, 0) + 1
        order = {name: i for i, name in enumerate(TEMPLATE_COLUMNS)}
        return [
            ProblemKind(column, kind, number, listed.get((column, kind), 0))
            for (column, kind), number in sorted(
                self._counts.items(), key=lambda i: (-i[1], order.get(i[0][0] or "", len(order)), i[0][1])
            )
        ]


def more_problems_text(not_listed: int, kinds: Iterable[ProblemKind] = ()) -> str:
    """The line under a capped list: "… and 998,765 more problems of the same kinds: fix these and upload
    again." ("" when every problem is listed)."""
    if not_listed <= 0:
        return ""
    same = all(k.listed for k in kinds)
    noun = "problem" if not_listed == 1 else "problems"
    what = "of the same kinds" if same else "(every kind is counted in the table of problems by kind)"
    return f"… and {not_listed:,} more {noun} {what}: fix these and upload again."


@dataclass(frozen=True)
class Notice:
    """Something the user should know that does not stop the import (a merged trust code mapped to
    its successor, an encoding guessed). `rows` lists the rows concerned (the first MAX_PROBLEMS: the
    message says how many there are); `row` is the first."""

    row: int | None
    message: str
    rows: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if len(self.rows) > MAX_PROBLEMS:  # a notice about a million rows keeps the first thousand
            object.__setattr__(self, "rows", tuple(self.rows[:MAX_PROBLEMS]))


def capped_notices(notices: Iterable[Notice], limit: int = MAX_PROBLEMS) -> list[Notice]:
    """The first `limit` notices, and a last one saying how many more there were: the same cap as
    problems, so no file makes the preview hold or show an unbounded list."""
    kept: list[Notice] = []
    more = 0
    for notice in notices:
        if len(kept) < limit:
            kept.append(notice)
        else:
            more += 1
    if more:
        kept.append(Notice(None, f"… and {more:,} more notices like these, not listed here."))
    return kept


def _sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    order = {name: i for i, name in enumerate(TEMPLATE_COLUMNS)}
    return sorted(
        problems,
        key=lambda p: (p.row is not None, p.row or 0, order.get(p.column or "", len(order)), p.message),
    )


def problems_frame(problems: Iterable[Problem], *, not_listed: int = 0) -> pd.DataFrame:
    """The problems as a table with the columns the user sees: row, column, problem, how to fix; with
    `not_listed`, a last row saying how many more problems the file has."""
    rows = [
        {
            "row": "" if p.row is None else str(p.row),
            "column": p.column or "",
            "problem": p.message,
            "how to fix": p.fix,
        }
        for p in problems
    ]
    if not_listed > 0:
        noun = "problem" if not_listed == 1 else "problems"
        rows.append(
            {
                "row": "",
                "column": "",
                "problem": f"… and {not_listed:,} more {noun} not listed here.",
                "how to fix": "Fix these and upload again.",
            }
        )
    return pd.DataFrame(rows, columns=["row", "column", "problem", "how to fix"], dtype=object)


def problems_csv(problems: Iterable[Problem], *, not_listed: int = 0) -> bytes:
    """The problems as an Excel-safe CSV (UTF-8 with BOM, formula-looking cells neutralised); with
    `not_listed`, a last line saying how many more problems the file has."""
    return csv_bytes(problems_frame(problems, not_listed=not_listed))


def problem_kinds_frame(kinds: Iterable[ProblemKind]) -> pd.DataFrame:
    """Problems by kind: column, what is wrong, how many in the file, how many listed."""
    rows = [
        {"column": k.column or "", "problem": k.kind, "in the file": k.count, "listed": k.listed}
        for k in kinds
    ]
    return pd.DataFrame(rows, columns=["column", "problem", "in the file", "listed"])


def quote(value: object, limit: int = 60) -> str:
    text_value = str(value)
    if len(text_value) > limit:
        text_value = text_value[: limit - 1] + "…"
    return f'"{text_value}"'


def rows_text(rows: list[int], limit: int = 8) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    more = len(rows) - limit
    return f"{shown} and {more:,} more" if more > 0 else shown
