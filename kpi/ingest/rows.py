"""The rows of a template-shaped file as the checks see them: each cell trimmed, and each reading of the
cells (the month, the KPI and its rules, the trust after mergers, the profession, the numbers, the kind
of KPI) worked out once, when a check first asks for it. Every series is aligned with `work`."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import numpy as np
import pandas as pd

from kpi.ingest.cells import parse_numbers, parse_period
from kpi.ingest.constants import NUMBER_COLUMNS, TEMPLATE_COLUMNS
from kpi.ingest.lookups import ReferenceData, map_successors, normalise_name
from kpi.ingest.problems import Notice
from kpi.store.models import RATIO_SCALE


class Rows:
    """`work` holds `row_no` and one text column per template column ("" when the file lacks it);
    `columns` maps the template columns the file has to their headings in the file."""

    def __init__(
        self, work: pd.DataFrame, columns: dict[str, str], ref: ReferenceData, this_month: dt.date
    ) -> None:
        self.work = work
        self.columns = columns
        self.ref = ref
        self.this_month = this_month
        self.has = {c: work[c] != "" for c in TEMPLATE_COLUMNS}

    # --- periods ---

    @cached_property
    def period(self) -> pd.Series:
        """The month of each row (a date), None where empty or unreadable. Each distinct text parsed once."""
        period_map = {value: parse_period(value) for value in self.work["period"].unique()}
        return self.work["period"].map(period_map)

    @cached_property
    def bad_period(self) -> pd.Series:
        return self.has["period"] & self.period.isna()

    @cached_property
    def future(self) -> pd.Series:
        this_month = self.this_month
        return self.period.map(lambda p: isinstance(p, dt.date) and p > this_month).astype(bool)

    # --- KPI codes and their rules ---

    @cached_property
    def known_kpi(self) -> pd.Series:
        return self.work["kpi_code"].str.upper().isin(self.ref.kpis.keys())

    @cached_property
    def kpi(self) -> pd.Series:
        """The KPI code in upper case, "" where unknown."""
        return self.work["kpi_code"].str.upper().where(self.known_kpi, "")

    @cached_property
    def _rules(self) -> pd.Series:
        return self.kpi.map(lambda c: self.ref.kpis.get(c))

    @cached_property
    def rollup(self) -> pd.Series:
        return self._rules.map(lambda r: r.rollup if r else "")

    @cached_property
    def grain(self) -> pd.Series:
        return self._rules.map(lambda r: r.grain if r else "")

    @cached_property
    def max_value(self) -> pd.Series:
        return self._rules.map(lambda r: r.max_value if r and r.max_value is not None else np.nan).astype(
            float
        )

    # --- trusts and professions ---

    @cached_property
    def trust(self) -> pd.Series:
        return self.work["trust_code"].str.upper()

    @cached_property
    def known_trust(self) -> pd.Series:
        return self.trust.isin(self.ref.trusts.keys())

    @cached_property
    def _successors(self) -> tuple[pd.Series, list[Notice]]:
        good_period = self.period.where(~(self.bad_period | self.future), None)
        return map_successors(
            self.trust.where(self.known_trust, ""), good_period, self.work["row_no"], self.ref
        )

    @property
    def mapped_trust(self) -> pd.Series:
        """The trust code, old codes of merged trusts replaced by the successor from the merger on."""
        return self._successors[0]

    @property
    def merge_notices(self) -> list[Notice]:
        return self._successors[1]

    @cached_property
    def profession(self) -> pd.Series:
        """The profession code a code, name or alias (any case) stands for; None where empty or unknown."""
        lookup = self.ref.professions
        profession_map = {v: lookup.get(normalise_name(v)) for v in self.work["profession"].unique() if v}
        return self.work["profession"].map(lambda v: profession_map.get(v) if v else None)

    @cached_property
    def not_by_profession(self) -> pd.Series:
        """Rows giving a profession for a KPI not collected by profession."""
        return self.has["profession"] & self.known_kpi & (self.grain != "trust_profession")

    # --- numbers ---

    @cached_property
    def _parsed(self) -> dict[str, tuple[pd.Series, pd.Series]]:
        return {column: parse_numbers(self.work[column]) for column in NUMBER_COLUMNS}

    def number(self, column: str) -> pd.Series:
        return self._parsed[column][0]

    def not_a_number(self, column: str) -> pd.Series:
        return self._parsed[column][1]

    def negative(self, column: str) -> pd.Series:
        return self.number(column) < 0

    def usable(self, column: str) -> pd.Series:
        """Given, a number and not negative."""
        return self.has[column] & ~(self.not_a_number(column) | self.negative(column))

    # --- the kind of KPI and the rate ---

    @cached_property
    def is_ratio(self) -> pd.Series:
        # Without any number column the file-level problem says it all; no row-by-row repeats.
        return self.known_kpi & (self.rollup == "ratio") & bool(set(NUMBER_COLUMNS) & set(self.columns))

    @cached_property
    def is_sum(self) -> pd.Series:
        return self.known_kpi & (self.rollup == "sum") & bool(set(NUMBER_COLUMNS) & set(self.columns))

    @cached_property
    def zero_denominator(self) -> pd.Series:
        return self.is_ratio & self.usable("denominator") & (self.number("denominator") == 0)

    @cached_property
    def both_parts(self) -> pd.Series:
        """Rate rows with a usable numerator and a usable, non-zero denominator."""
        return self.is_ratio & self.usable("numerator") & self.usable("denominator") & ~self.zero_denominator

    @cached_property
    def rate(self) -> pd.Series:
        """100 x numerator / denominator."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return RATIO_SCALE * self.number("numerator") / self.number("denominator")

    @cached_property
    def numerator_over_denominator(self) -> pd.Series:
        """Rate rows of a percentage KPI whose numerator is larger than the denominator."""
        numerator, denominator = self.number("numerator"), self.number("denominator")
        return self.both_parts & (numerator > denominator) & (self.max_value == RATIO_SCALE)

    @cached_property
    def count_with_parts(self) -> pd.Series:
        """Count-KPI rows giving a numerator or a denominator."""
        return self.is_sum & (self.has["numerator"] | self.has["denominator"])

    # --- duplicates ---

    @cached_property
    def keys(self) -> pd.DataFrame:
        """The key (KPI, month, trust after mergers, profession) of every row whose key is fully valid."""
        has = self.has
        key_ok = (
            self.known_kpi
            & has["period"]
            & ~self.bad_period
            & ~self.future
            & (~has["trust_code"] | self.known_trust)
            & (~has["profession"] | self.profession.notna())
        )
        return pd.DataFrame(
            {
                "kpi": self.kpi,
                "period": self.period.map(lambda p: p.isoformat() if isinstance(p, dt.date) else ""),
                "trust": self.mapped_trust,
                "profession": self.profession.fillna(""),
            }
        )[key_ok.to_numpy(dtype=bool)]

    @cached_property
    def first_row(self) -> pd.Series:
        """For each keyed row, the file row of the first row with the same key."""
        keys = self.keys
        if not len(keys):
            return pd.Series(dtype="int64")
        return self.work.loc[keys.index, "row_no"].groupby([keys[c] for c in keys.columns]).transform("first")

    @cached_property
    def duplicate(self) -> pd.Series:
        """Rows with the same key as an earlier row."""
        mask = pd.Series(False, index=self.work.index)
        if len(self.keys):
            repeated = self.keys.duplicated(keep="first")
            mask.loc[self.keys.index[repeated.to_numpy()]] = True
        return mask

    # --- the outcome ---

    def records(self) -> pd.DataFrame:
        """The rows ready to plan: codes resolved, merged trusts mapped, numbers parsed, rates worked out."""
        is_ratio = self.is_ratio
        return pd.DataFrame(
            {
                "row": self.work["row_no"].astype("int64"),
                "kpi_code": self.kpi.astype(object),
                "period": self.period.astype(object),
                "trust_code": self.mapped_trust.astype(object),
                "profession_code": self.profession.fillna("").astype(object),
                "value": self.number("value").where(~is_ratio, self.rate).astype(float),
                "numerator": self.number("numerator").where(is_ratio).astype(float),
                "denominator": self.number("denominator").where(is_ratio).astype(float),
            }
        ).reset_index(drop=True)
