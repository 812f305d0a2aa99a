"""The system counts every C&M trust of its time (kpi.reference.membership): a trust's figures count in the
C&M total for every month its system span covers, whatever the collaboratives; a collaborative follows its
membership dates; completeness expects the same trusts as the roll-ups count. Each boundary is tested on
both sides: the month before a span starts and the month it starts, its last month and the month after.

The archive fixture is the 2018-2022 NHS Sickness Absence layout with its mess (thousands separators,
'n/a' rates, other staff groups and regions, a national total, NWAS, trailing blank lines)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, update

from kpi.access.auth import User
from kpi.figures import queries
from kpi.figures.queries import KPIFilter
from kpi.ingest import apply_import
from kpi.ingest.dispatch import prepare_file
from kpi.reference import membership
from kpi.reference.load import REFERENCE_DIR, ReferenceDataError, load_reference
from kpi.store.db import session_scope
from kpi.store.models import Membership, Trust
from tests.conftest import add_observations
from tests.ingest.test_ingest import observation

FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "sources"
    / "nhs_sickness_absence_archive_2018_2020.csv"
)
LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
KPI = "STT_SICKNESS_RATE"


def load_archive(engine):
    preview = prepare_file(engine, FIXTURE.name, FIXTURE.read_bytes())
    assert preview.ok, preview.problems
    assert apply_import(engine, LEAD, preview, replace=False).applied
    return preview


def rows(engine, level: str, kpi: str = KPI, **filters) -> dict[tuple[str, str], tuple]:
    """{(scope, 'YYYY-MM'): (value, numerator, denominator, contributors, expected, provisional)}."""
    frame = queries.kpi_series(KPIFilter(kpis=(kpi,), **filters), level, engine)
    return {
        (row.scope_code, f"{row.period:%Y-%m}"): (
            row.value, row.numerator, row.denominator, row.contributors, row.expected, row.provisional
        )
        for row in frame.itertuples()
    }  # fmt: skip


def rate(lost: float, available: float) -> float:
    return lost / available * 100


# --- the archive: pre-2021 history reaches the system total ---------------------------------------------


def test_the_archive_is_taken_with_its_mess_and_each_left_out_row_said(engine):
    preview = load_archive(engine)
    assert preview.notices[0].message == (
        "Taken as NHS Sickness Absence Rates: benchmarking by organisation and staff group, layout 2018 to "
        "2022 archive."
    )
    assert preview.excluded == {
        "a staff group this source does not load": 2,  # RQ6's nurses, England's all staff groups
        "an organisation outside Cheshire and Merseyside": 1,  # RRK, Birmingham
    }
    assert observation(engine, KPI, "RQ6", None, "2019-06").numerator == 1100.0  # "1,100.0"
    assert observation(engine, KPI, "RBL", None, "2019-06").denominator == 12000.0  # rate "n/a"


def test_a_2019_royal_liverpool_figure_counts_in_the_system_total_exactly(engine):
    load_archive(engine)
    system = rows(engine, "system")
    # June 2019: Royal Liverpool (RQ6, before its merger), Aintree (REM), Wirral (RBL) and North West
    # Boroughs (RTV, counted whole); never NWAS (RX7, a system partner) nor Birmingham (RRK).
    value, lost, available, contributors, expected, provisional = system[("C&M", "2019-06")]
    assert (lost, available) == (1100 + 500 + 300 + 400, 22000 + 15000 + 12000 + 10000)
    assert value == pytest.approx(rate(2300, 59000), abs=1e-12)
    assert (contributors, expected, provisional) == (4, 4, False)


def test_the_same_royal_liverpool_row_after_the_merger_counts_once_as_liverpool_university_hospitals(engine):
    load_archive(engine)
    system = rows(engine, "system")
    # January 2020: the RQ6 row maps to REM (merged 2019-10-01) and joins REM's own row, once.
    value, lost, available, contributors, expected, provisional = system[("C&M", "2020-01")]
    assert (lost, available) == (1000 + 600 + 350 + 420, 25000 + 16000 + 12500 + 10500)
    assert value == pytest.approx(rate(2370, 64000), abs=1e-12)
    # RQ6's own span ended in September 2019, so it is not expected after (3 trusts, all reported).
    assert (contributors, expected, provisional) == (3, 3, False)
    trust = rows(engine, "trust", trusts=("REM", "RQ6"))
    assert trust[("REM", "2020-01")][1:3] == (1600.0, 41000.0)
    assert ("RQ6", "2020-01") not in trust


@pytest.mark.parametrize(
    ("month", "royal_liverpool_under"),
    [("2019-09", "RQ6"), ("2019-10", "REM")],  # its last month as itself, and the merger's month
)
def test_royal_liverpool_counts_once_on_both_sides_of_its_merger(engine, month, royal_liverpool_under):
    load_archive(engine)
    _, lost, available, contributors, expected, _ = rows(engine, "system")[("C&M", month)]
    own = {"2019-09": (1050 + 450, 21000 + 15000), "2019-10": (1000 + 500, 25000 + 15000)}[month]
    assert (lost, available) == own
    # Wirral and North West Boroughs reported in June, so are expected (and missing) both months; RQ6 is
    # expected in September as itself, and from October only as part of REM.
    assert (contributors, expected) == ((2, 4) if royal_liverpool_under == "RQ6" else (1, 3))
    trusts = {scope for scope, period in rows(engine, "trust", trusts=("REM", "RQ6")) if period == month}
    assert royal_liverpool_under in trusts


@pytest.mark.parametrize(
    ("month", "lost", "available"),
    [("2018-03", 200 + 300, 5000 + 8000), ("2018-04", 210 + 310, 5100 + 8100)],
)
def test_liverpool_community_health_counts_before_and_under_mersey_care_after_its_acquisition(
    engine, month, lost, available
):
    load_archive(engine)
    assert rows(engine, "system")[("C&M", month)][1:3] == (lost, available)
    trusts = {scope for scope, period in rows(engine, "trust", trusts=("RY1", "RW4")) if period == month}
    assert trusts == ({"RY1", "RW4"} if month == "2018-03" else {"RW4"})


def test_collaboratives_follow_their_memberships_not_the_system_span(engine):
    load_archive(engine)
    collab = rows(engine, "collaborative")
    # Royal Liverpool merged before the collaboratives were formed and was never a member: CMAST's June 2019
    # is Aintree and Wirral (members, start not known: counted from the start of the data).
    assert collab[("CMAST", "2019-06")][1:5] == (800.0, 27000.0, 2, 2)
    assert collab[("MHLDC", "2019-06")][1:5] == (400.0, 10000.0, 1, 1)  # RTV, a member until its merger
    # Liverpool Community Health (RY1) was never a member: MHLDC has Mersey Care alone in March 2018, and
    # RY1's April 2018 row under Mersey Care.
    assert collab[("MHLDC", "2018-03")][1:3] == (300.0, 8000.0)
    assert collab[("MHLDC", "2018-04")][1:3] == (520.0, 13200.0)


def test_nwas_figures_are_stored_and_shown_alone_but_never_in_a_total(engine):
    load_archive(engine)
    assert observation(engine, KPI, "RX7", None, "2019-06").numerator == 900.0
    assert rows(engine, "trust", trusts=("RX7",))[("RX7", "2019-06")][1:3] == (900.0, 30000.0)
    assert ("RX7", "2019-06") not in rows(engine, "trust")  # not among the system's trusts either


def test_the_system_reads_the_same_from_the_roll_up_table_and_the_observations(engine):
    load_archive(engine)
    for level in ("system", "collaborative", "trust"):
        stored = queries.kpi_series(KPIFilter(kpis=(KPI,)), level, engine)
        computed = queries.kpi_series(KPIFilter(kpis=(KPI,)), level, engine, raw=True)
        pd.testing.assert_frame_equal(stored, computed)


# --- span boundaries, on both sides -----------------------------------------------------------------


def set_span(engine, trust: str, start: dt.date | None, end: dt.date | None) -> None:
    with session_scope(engine) as s:
        s.execute(update(Trust).where(Trust.ods_code == trust).values(system_from=start, system_to=end))


FTE = [("SIP_FTE", trust, None, month, value, None, None)
       for trust, value in (("RBQ", 10.0), ("RET", 1.0))
       for month in ("2019-09", "2019-10", "2020-03", "2020-04")]  # fmt: skip


def test_a_system_span_counts_from_the_month_it_starts_to_its_last_month(engine):
    # The Walton Centre (RET) in the system from Oct 2019 to the end of March 2020 (as if it had joined
    # and left): Sep 2019 and Apr 2020 are outside; Oct 2019 and Mar 2020 inside. RBQ throughout.
    set_span(engine, "RET", dt.date(2019, 10, 1), dt.date(2020, 3, 31))
    add_observations(engine, FTE)
    system = rows(engine, "system", "SIP_FTE")
    assert {month: system[("C&M", month)][0] for month in ("2019-09", "2019-10", "2020-03", "2020-04")} == {
        "2019-09": 10.0,
        "2019-10": 11.0,
        "2020-03": 11.0,
        "2020-04": 10.0,
    }
    # Completeness expects the same trusts the total counts, month by month.
    assert {month: system[("C&M", month)][3:5] for month in ("2019-09", "2019-10", "2020-03", "2020-04")} == {
        "2019-09": (1, 1),
        "2019-10": (2, 2),
        "2020-03": (2, 2),
        "2020-04": (1, 1),
    }
    # The trusts' view of the system lists RET only in its months; CMAST, by membership, has it in all.
    trust = rows(engine, "trust", "SIP_FTE")
    assert sorted(period for scope, period in trust if scope == "RET") == ["2019-10", "2020-03"]
    collab = rows(engine, "collaborative", "SIP_FTE")
    assert [collab[("CMAST", m)][0] for m in ("2019-09", "2020-04")] == [11.0, 11.0]


def test_a_trust_that_leaves_the_system_is_no_longer_expected(engine):
    # RBQ reported every month; RET stops in the system after March 2020: April expects RBQ alone, so it is
    # complete, where a stale expectation would leave it provisional.
    set_span(engine, "RET", None, dt.date(2020, 3, 31))
    add_observations(engine, [*FTE, ("SIP_FTE", "RBQ", None, "2020-05", 10.0, None, None)])
    system = rows(engine, "system", "SIP_FTE")
    assert system[("C&M", "2020-05")][3:6] == (1, 1, False)
    set_span(engine, "RET", None, None)  # still in the system: May expects RET too, and it did not report
    assert rows(engine, "system", "SIP_FTE")[("C&M", "2020-05")][3:6] == (1, 2, True)


def test_an_unknown_membership_start_counts_from_the_start_of_the_data(engine):
    add_observations(engine, [("SIP_FTE", "REM", None, "2009-04", 5.0, None, None)])
    assert rows(engine, "collaborative", "SIP_FTE")[("CMAST", "2009-04")][0] == 5.0
    with session_scope(engine) as s:  # with a known start after it, the month is outside
        s.execute(
            update(Membership).where(Membership.trust_code == "REM").values(valid_from=dt.date(2009, 5, 1))
        )
    assert ("CMAST", "2009-04") not in rows(engine, "collaborative", "SIP_FTE")
    assert rows(engine, "system", "SIP_FTE")[("C&M", "2009-04")][0] == 5.0  # the system is unchanged


# --- one rule: SQL, frames and days agree -----------------------------------------------------------


SPANS = [(None, None), (dt.date(2019, 10, 1), None), (None, dt.date(2019, 9, 30)),
         (dt.date(2019, 10, 1), dt.date(2020, 3, 31)), (None, dt.date(2020, 3, 1))]  # fmt: skip
MONTHS = [dt.date(2019, 9, 1), dt.date(2019, 10, 1), dt.date(2020, 3, 1), dt.date(2020, 4, 1)]


def test_the_covering_rule_is_the_same_in_sql_on_frames_and_for_one_day(engine):
    expected = {
        (None, None): [True, True, True, True],
        (dt.date(2019, 10, 1), None): [False, True, True, True],
        (None, dt.date(2019, 9, 30)): [True, False, False, False],
        (dt.date(2019, 10, 1), dt.date(2020, 3, 31)): [False, True, True, False],
        (None, dt.date(2020, 3, 1)): [True, True, True, False],  # an end on the 1st covers that month
    }
    for start, end in SPANS:
        set_span(engine, "RET", start, end)
        with engine.connect() as conn:
            in_sql = [
                bool(conn.execute(select(membership.in_system("RET", month))).scalar()) for month in MONTHS
            ]
        frame = pd.DataFrame(
            {"valid_from": pd.to_datetime([start] * 4), "valid_to": pd.to_datetime([end] * 4)}
        )
        on_frame = membership.covers_months(frame, pd.Series(pd.to_datetime(MONTHS))).tolist()
        for_day = [membership.covers_day(start, end, month) for month in MONTHS]
        assert in_sql == on_frame == for_day == expected[(start, end)], (start, end)


def test_the_spans_frame_holds_the_system_and_the_collaboratives(engine):
    spans = membership.spans(engine)
    system = membership.system_spans(spans).set_index("trust_code")
    # Every member trust, and the predecessors until the day before their merger; never NWAS or Calderstones.
    assert "RX7" not in system.index and "RJX" not in system.index
    assert system.loc["RQ6", "valid_to"] == pd.Timestamp("2019-09-30")
    assert system.loc["RTV", "valid_to"] == pd.Timestamp("2021-05-31")
    assert system.loc["RY1", "valid_to"] == pd.Timestamp("2018-03-31")
    assert system.loc["RVY", "valid_to"] == pd.Timestamp("2023-06-30")
    assert system["valid_from"].isna().all()  # no start is known
    assert len(system) == 16 + 4
    collabs = membership.collaborative_spans(spans)
    assert set(collabs["scope_code"]) == {"CMAST", "MHLDC"}
    assert collabs["valid_from"].isna().all()


# --- the reference facts: a source for each, and consistent with roles and mergers ----------------------


def reference_copy(tmp_path: Path, file: str, edit) -> Path:
    """A copy of data/reference with one file's rows changed by `edit(rows)` (a list of dicts)."""
    for path in REFERENCE_DIR.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    with (tmp_path / f"{file}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, table = list(reader.fieldnames or []), list(reader)
    edit(table)
    with (tmp_path / f"{file}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    return tmp_path


def row_of(table: list[dict], **match) -> dict:
    return next(row for row in table if all(row[k] == v for k, v in match.items()))


def span(code: str, start: str, end: str):
    """An edit giving trust `code` the system span `start` to `end`."""
    return lambda table: row_of(table, ods_code=code).update(system_from=start, system_to=end)


@pytest.mark.parametrize(
    ("file", "edit", "refusal"),
    [
        ("trusts", lambda t: row_of(t, ods_code="RX7").update(in_system="yes"),
         r"trusts.csv row \d+ \(RX7\): a system partner is outside system totals"),
        ("trusts", lambda t: row_of(t, ods_code="RJX").update(system_to="2016-06-30"),
         r"\(RJX\): system_from and system_to are for a trust in the system"),
        ("trusts", lambda t: row_of(t, ods_code="RQ6").update(system_to="2019-10-01"),
         r"\(RQ6\): system_to 2019-10-01 is on or after its merger \(2019-10-01\)"),
        ("trusts", span("RET", "2020-01-01", "2019-12"), r"trusts.csv row \d+, column system_to: "),  # no day
        ("trusts", span("RET", "2020-01-02", "2020-01-01"), r"\(RET\): system_to is before system_from"),
        ("trusts", lambda t: row_of(t, ods_code="RET").update(in_system="maybe"),
         r"trusts.csv row \d+, column in_system: expected yes or no"),
        ("trusts", lambda t: row_of(t, ods_code="RET").update(system_source=""),
         r"trusts.csv row \d+, column system_source: say where the fact comes from"),
        ("memberships", lambda t: row_of(t, trust_code="REM").update(source=""),
         r"memberships.csv row \d+, column source: say where the fact comes from"),
        ("memberships", lambda t: t.append({**row_of(t, trust_code="REM"), "valid_from": "2024-01-01"}),
         r"memberships.csv rows \d+ and \d+: REM's memberships of CMAST overlap"),
        ("memberships", lambda t: t.append({**row_of(t, trust_code="REM"), "trust_code": "RX7"}),
         r"memberships.csv row \d+: RX7 is a system partner, outside collaborative totals"),
        ("professions", lambda t: row_of(t, code="ARTS").update(combines="ART MUSIC DANCE"),
         r"professions.csv row \d+, column combines: DANCE is not a profession"),
    ],
)  # fmt: skip
def test_a_reference_fact_that_breaks_the_rules_is_refused_naming_file_and_row(
    engine, tmp_path, file, edit, refusal
):
    folder = reference_copy(tmp_path, file, edit)
    with pytest.raises(ReferenceDataError, match=refusal):
        load_reference(engine, folder)


@pytest.mark.parametrize(
    ("file", "edit"),
    [
        ("trusts", lambda t: row_of(t, ods_code="RQ6").update(system_to="2019-09-30")),  # the day before
        ("trusts", lambda t: row_of(t, ods_code="RQ6").update(system_to="")),  # open: the merger ends it
        ("trusts", span("RET", "2020-01-01", "2020-01-01")),  # one day: January 2020 alone
        ("memberships", lambda t: row_of(t, trust_code="REM").update(valid_from="2021-04-01")),  # known start
        # Two memberships of one collaborative, one ending the day before the other starts.
        ("memberships", lambda t: (row_of(t, trust_code="REM").update(valid_to="2023-12-31"),
                                   t.append({**row_of(t, trust_code="REM"), "valid_from": "2024-01-01",
                                             "valid_to": ""}))),
    ],
)  # fmt: skip
def test_the_facts_beside_each_refusal_are_accepted(engine, tmp_path, file, edit):
    load_reference(engine, reference_copy(tmp_path, file, edit))
