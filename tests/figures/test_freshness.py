"""Freshness and submissions: each KPI's newest complete month against the month its publication lag
says should be complete by now (stale or not), and which trusts' figures for a month are received,
late, missing or not yet due, each on both sides of its date; and the Data submissions page."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from kpi.figures import completeness, freshness, submissions
from kpi.reading import definitions
from kpi.store.models import ImportBatch
from kpi.ui import PAGE_FAILED
from kpi.words.formats import month_label
from kpi.words.months import add_months, current_month
from tests.conftest import add_observations

UTC = dt.UTC


def fte(trust: str | None, month: str, value: float = 10.0, profession: str | None = None) -> tuple:
    return ("SIP_FTE", trust, profession, month, value, None, None)


def batch_at(engine, rows: list[tuple], imported_at: dt.datetime, *, synthetic: bool = False) -> int:
    """A batch of observations imported at `imported_at` (UTC)."""
    batch_id = add_observations(engine, rows, synthetic=synthetic)
    with engine.begin() as conn:
        conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(imported_at=imported_at))
    return batch_id


def row_of(frame: pd.DataFrame, code: str) -> pd.Series:
    return frame.set_index("kpi_code").loc[code]


# --- dates (pure) ----------------------------------------------------------------------------------


def test_due_dates_and_the_month_due_by_today_agree():
    # SIP_FTE lags 3 months: January's figures are due by 30 April; on 30 April the newest month due is
    # December, on 1 May it is January.
    assert completeness.due_date(dt.date(2026, 1, 1), 3) == dt.date(2026, 4, 30)
    assert completeness.due_date(dt.date(2026, 1, 1), 0) == dt.date(2026, 1, 31)
    assert completeness.due_period(dt.date(2026, 4, 30), 3) == dt.date(2025, 12, 1)
    assert completeness.due_period(dt.date(2026, 5, 1), 3) == dt.date(2026, 1, 1)


def test_as_at_words_for_no_data_one_and_several_provisional_months():
    due = dt.date(2026, 7, 1)
    months = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-07-01", "2026-08-01", "2026-09-01"]),
            "expected": [15, 15, 15],
            "reported": [15, 15, 2],
            "provisional": [False, False, True],
        }
    )
    assert freshness.as_at_text(months, due) == (
        "Data as at Aug 2026 (Sep 2026 provisional: 2 of 15 trusts)",
        False,
    )
    months.loc[1, ["reported", "provisional"]] = [14, True]
    assert freshness.as_at_text(months, due) == (
        "Data as at Jul 2026 (2 months provisional, the newest Sep 2026: 2 of 15 trusts)",
        False,
    )
    assert freshness.as_at_text(months.iloc[0:0], due) == (
        "No data yet; stale: Jul 2026 expected by now",
        True,
    )
    only_provisional = months.iloc[2:]
    assert freshness.as_at_text(only_provisional, due) == (
        "No complete month yet (Sep 2026 provisional: 2 of 15 trusts); stale: Jul 2026 expected by now",
        True,
    )


# --- freshness -------------------------------------------------------------------------------------


def test_freshness_has_one_row_per_kpi_in_catalogue_order(engine):
    frame = freshness.freshness(engine, dt.date(2026, 11, 25))
    assert len(frame) == 22
    assert frame["kpi_code"].iloc[0] == "BOARD_AHP_LEAD"  # LEAD is the first workstream
    assert (
        list(frame["kpi_code"]).index("STT_SIP_FTE") == list(frame["kpi_code"]).index("TEMP_STAFF_RATE") + 1
    )
    sip = row_of(frame, "SIP_FTE")
    assert (sip["lag_months"], sip["latest_period"], sip["stale"]) == (3, None, True)
    assert sip["as_at"] == "No data yet; stale: Jul 2026 expected by now"


def test_a_kpi_is_stale_the_day_a_newer_month_falls_due(engine):
    # REM and RBS through July 2026 (SIP_FTE lags 3 months): on 30 November July is the month due, so
    # it is fresh; on 1 December August is due and missing, so it is stale.
    add_observations(engine, [fte(t, m) for t in ("REM", "RBS") for m in ("2026-06", "2026-07")])
    fresh = row_of(freshness.freshness(engine, dt.date(2026, 11, 30)), "SIP_FTE")
    assert (fresh["latest_complete_period"], fresh["due_period"]) == (
        dt.date(2026, 7, 1),
        dt.date(2026, 7, 1),
    )
    assert (fresh["stale"], fresh["as_at"]) == (False, "Data as at Jul 2026")
    stale = row_of(freshness.freshness(engine, dt.date(2026, 12, 1)), "SIP_FTE")
    assert (stale["due_period"], stale["stale"]) == (dt.date(2026, 8, 1), True)
    assert stale["as_at"] == "Data as at Jul 2026; stale: Aug 2026 expected by now"


def test_freshness_counts_the_provisional_months_after_the_latest_complete_one(engine):
    # August: both trusts; September and October: REM alone (1 of 2 each).
    rows = [fte("REM", m) for m in ("2026-08", "2026-09", "2026-10")] + [fte("RBS", "2026-08")]
    add_observations(engine, rows)
    sip = row_of(freshness.freshness(engine, dt.date(2026, 11, 25)), "SIP_FTE")
    assert (sip["latest_period"], sip["latest_complete_period"]) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 8, 1),
    )
    assert (sip["provisional_periods"], sip["stale"]) == (2, False)
    assert sip["as_at"] == "Data as at Aug 2026 (2 months provisional, the newest Oct 2026: 1 of 2 trusts)"


def test_a_kpi_whose_data_is_older_than_the_recent_window_is_still_read(engine):
    # Only Sep and Oct 2022 (both trusts, then REM alone): nothing in the last 36 months, so the KPI's
    # whole history is read and its newest complete month is found, long stale.
    add_observations(engine, [fte(t, "2022-09") for t in ("REM", "RBS")] + [fte("REM", "2022-10")])
    today = dt.date(2026, 11, 25)
    sip = row_of(freshness.freshness(engine, today), "SIP_FTE")
    assert (sip["latest_period"], sip["latest_complete_period"]) == (
        dt.date(2022, 10, 1),
        dt.date(2022, 9, 1),
    )
    assert (sip["provisional_periods"], sip["stale"]) == (1, True)
    assert sip["as_at"] == (
        "Data as at Sep 2022 (Oct 2022 provisional: 1 of 2 trusts); stale: Jul 2026 expected by now"
    )
    # A recent complete month is found in the window alone, and the old ones no longer matter.
    add_observations(engine, [fte(t, "2026-07") for t in ("REM", "RBS")])
    sip = row_of(freshness.freshness(engine, today), "SIP_FTE")
    assert (sip["latest_complete_period"], sip["provisional_periods"], sip["stale"]) == (
        dt.date(2026, 7, 1),
        0,
        False,
    )


def test_the_definitions_say_the_lag_the_latest_complete_month_and_stale(engine):
    from kpi.figures import queries
    from kpi.reference.catalogue import KPI

    add_observations(engine, [fte("REM", "2026-08"), fte("RBS", "2026-08"), fte("REM", "2026-09")])
    catalogue = queries.kpi_catalogue(engine)
    kpis = {row["code"]: KPI.from_row(row) for row in catalogue.to_dict("records")}
    fresh = freshness.freshness(engine, dt.date(2026, 12, 1))
    entries = {e.code: e for e in definitions.dictionary(catalogue, kpis, fresh)}
    facts = dict(entries["SIP_FTE"].facts)
    assert facts["Publication lag"] == "Usually available 3 months after the month ends"
    assert facts["Latest complete month"] == "Aug 2026 (1 later month provisional: too few trusts so far)"
    assert facts["Stale"] == "No" and not entries["SIP_FTE"].stale
    assert dict(entries["VACANCY_RATE"].facts)["Stale"] == "Yes: Oct 2026 expected by now"
    assert entries["VACANCY_RATE"].stale
    assert (
        dict(entries["VACANCY_RATE"].facts)["Publication lag"]
        == "Usually available 1 month after the month ends"
    )
    assert definitions.lag_words(0) == "Usually available when the month ends"


# --- submissions -----------------------------------------------------------------------------------

JAN = dt.date(2026, 1, 1)  # SIP_FTE figures for January 2026 are due by 30 April 2026


def statuses(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    return {(row.trust_code, f"{row.period:%Y-%m}"): row.status for row in frame.itertuples()}


def test_figures_imported_on_the_due_date_uk_time_are_received_and_after_it_late(engine):
    # 30 April 2026 22:30 UTC is 23:30 in London (BST): on the due date. 23:30 UTC is 00:30 on 1 May.
    on_time = batch_at(engine, [fte("REM", "2026-01")], dt.datetime(2026, 4, 30, 22, 30, tzinfo=UTC))
    late = batch_at(engine, [fte("RBS", "2026-01")], dt.datetime(2026, 4, 30, 23, 30, tzinfo=UTC))
    frame = submissions.submissions(engine, "SIP_FTE", JAN, JAN, dt.date(2026, 11, 25))
    assert statuses(frame) == {("REM", "2026-01"): "received", ("RBS", "2026-01"): "late"}
    assert frame.set_index("trust_code")["batch_id"].to_dict() == {"REM": on_time, "RBS": late}
    assert frame["trust_name"].tolist() == [
        "Alder Hey Children's NHS Foundation Trust",
        "Liverpool University Hospitals NHS Foundation Trust",
    ]


def test_demo_figures_are_received_whenever_they_were_loaded(engine):
    batch_at(engine, [fte("REM", "2026-01")], dt.datetime(2026, 11, 1, tzinfo=UTC), synthetic=True)
    frame = submissions.submissions(engine, "SIP_FTE", JAN, JAN, dt.date(2026, 11, 25))
    assert statuses(frame) == {("REM", "2026-01"): "received"}
    assert frame["synthetic"].tolist() == [True]


def test_an_expected_trust_without_figures_is_not_yet_due_until_the_due_date_then_missing(engine):
    # RW4 reported December 2025, so it is expected in January 2026 and has sent nothing.
    batch_at(engine, [fte("RW4", "2025-12"), fte("REM", "2025-12")], dt.datetime(2026, 1, 5, tzinfo=UTC))
    batch_at(engine, [fte("REM", "2026-01")], dt.datetime(2026, 2, 5, tzinfo=UTC))
    on_due_date = submissions.submissions(engine, "SIP_FTE", JAN, JAN, dt.date(2026, 4, 30))
    assert statuses(on_due_date) == {("REM", "2026-01"): "received", ("RW4", "2026-01"): "not yet due"}
    day_after = submissions.submissions(engine, "SIP_FTE", JAN, JAN, dt.date(2026, 5, 1))
    assert statuses(day_after)[("RW4", "2026-01")] == "missing"
    assert day_after.set_index("trust_code").loc["RW4", "batch_id"] is pd.NA


def test_the_newest_batch_is_shown_and_figures_in_on_time_stay_received(engine):
    # REM's physiotherapists came on time, its OTs in a later batch after the due date: the month's
    # figures arrived on time (received), and the newest batch is the one shown.
    first = batch_at(
        engine, [fte("REM", "2026-01", profession="PHYSIO")], dt.datetime(2026, 3, 1, tzinfo=UTC)
    )
    second = batch_at(engine, [fte("REM", "2026-01", profession="OT")], dt.datetime(2026, 6, 1, tzinfo=UTC))
    frame = submissions.submissions(engine, "SIP_FTE", JAN, JAN, dt.date(2026, 11, 25))
    assert second > first
    row = frame.set_index("trust_code").loc["REM"]
    assert (row["status"], row["batch_id"], row["imported_at"]) == (
        "received",
        second,
        pd.Timestamp("2026-06-01", tz="UTC"),
    )


def test_submissions_list_a_reporting_partner_and_merged_codes_under_the_successor(engine):
    # NWAS is never expected but its figures are listed; RVY's figures after the merger are RBN's.
    batch_at(engine, [fte("RX7", "2026-01"), fte("RVY", "2026-01")], dt.datetime(2026, 2, 1, tzinfo=UTC))
    frame = submissions.submissions(engine, "SIP_FTE", JAN, JAN, dt.date(2026, 11, 25))
    assert statuses(frame) == {("RBN", "2026-01"): "received", ("RX7", "2026-01"): "received"}
    assert frame.set_index("trust_code")["expected"].to_dict() == {"RBN": True, "RX7": False}
    assert submissions.submission_summary(frame) == ["Jan 2026: 1 of 1 received"]


def test_the_submission_summary_counts_each_status_of_expected_trusts():
    rows = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-10-01"] * 3 + ["2026-11-01"] * 3),
            "status": ["received", "late", "missing", "received", "not yet due", "not yet due"],
            "expected": [True] * 6,
        }
    )
    assert submissions.submission_summary(rows) == [
        "Oct 2026: 2 of 3 received (1 late), 1 missing",
        "Nov 2026: 1 of 3 received, 2 not yet due",
    ]
    # One line: the newest months, and an earlier one only when not wholly received on time.
    whole = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-08-01", "2026-09-01"]),
            "status": ["received", "received"],
            "expected": [True, True],
        }
    )
    both = pd.concat([whole, rows], ignore_index=True)
    assert submissions.submission_headline(both, recent=1) == (
        "Oct 2026: 2 of 3 received (1 late), 1 missing; Nov 2026: 1 of 3 received, 2 not yet due"
    )
    assert submissions.submission_headline(both, recent=3) == (
        "Sep 2026: 1 of 1 received; Oct 2026: 2 of 3 received (1 late), 1 missing; "
        "Nov 2026: 1 of 3 received, 2 not yet due"
    )


# --- the Data submissions page ---------------------------------------------------------------------


@pytest.fixture
def submissions_db(engine):
    """Three months relative to today (the page reads today's date): m0 eight months ago, m1 six months
    ago (due three months ago), m2 last month (not due yet). REM: m1 on time and m2; RBS: m1 late;
    RW4: m0 only, so expected in m1 (missing) and m2 (not yet due)."""
    today = dt.date.today()
    m0, m1, m2 = (add_months(current_month(today), -n) for n in (8, 6, 1))
    due = completeness.due_date(m1, 3)
    noon = dt.time(12, tzinfo=UTC)
    ids = {
        "rw4": batch_at(engine, [fte("RW4", f"{m0:%Y-%m}")], dt.datetime.combine(m0, noon)),
        "rem": batch_at(engine, [fte("REM", f"{m1:%Y-%m}")], dt.datetime.combine(due, noon)),
        "rbs": batch_at(
            engine, [fte("RBS", f"{m1:%Y-%m}")], dt.datetime.combine(due + dt.timedelta(10), noon)
        ),
        "rem2": batch_at(engine, [fte("REM", f"{m2:%Y-%m}")], dt.datetime.combine(today, noon)),
    }
    return engine, (m0, m1, m2), ids


def run_page(**params) -> AppTest:
    at = AppTest.from_file("../../app.py", default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("app_pages/submissions.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.error if PAGE_FAILED in str(e.proto.title)]
    return at


def test_submissions_page_shows_each_trust_and_months_status_and_batch(submissions_db):
    _, (m0, m1, m2), ids = submissions_db
    at = run_page()
    assert at.title[0].value == "Data submissions"
    assert at.selectbox(key="sub_kpi").value == "SIP_FTE"
    grid = at.dataframe[0].value.set_index("trust")
    key0, key1, key2 = (f"{m:%Y-%m}" for m in (m0, m1, m2))
    assert grid.loc["Liverpool University Hospitals (REM)", key1] == f"Received · batch {ids['rem']}"
    assert grid.loc["Liverpool University Hospitals (REM)", key2] == f"Received · batch {ids['rem2']}"
    assert grid.loc["Liverpool University Hospitals (REM)", key0] == "–"
    assert grid.loc["Alder Hey (RBS)", key1] == f"Late · batch {ids['rbs']}"
    assert grid.loc["Alder Hey (RBS)", key2] == "Not yet due"
    assert grid.loc["Mersey Care (RW4)", key0] == f"Received · batch {ids['rw4']}"
    assert grid.loc["Mersey Care (RW4)", key1] == "Missing"
    assert grid.loc["Mersey Care (RW4)", key2] == "Not yet due"
    # Every month not wholly received on time and the two newest; the eight-months-ago month (RW4 alone,
    # received) is left out. Four months ago is past its due date (missing), three months ago is not.
    month = {n: month_label(add_months(current_month(dt.date.today()), -n)) for n in range(1, 8)}
    headline = "; ".join(
        [
            f"{month[7]}: 0 of 1 received, 1 missing",
            f"{month[6]}: 2 of 3 received (1 late), 1 missing",
            f"{month[5]}: 0 of 3 received, 3 missing",
            f"{month[4]}: 0 of 3 received, 3 missing",
            f"{month[3]}: 0 of 3 received, 3 not yet due",
            f"{month[2]}: 0 of 3 received, 3 not yet due",
            f"{month[1]}: 1 of 3 received, 2 not yet due",
        ]
    )
    assert headline in [m.value for m in at.markdown]
    assert month_label(m1) == month[6] and month_label(m2) == month[1]
    assert any(
        c.value.startswith("Received: in by the due date, the last day of the third month")
        for c in at.caption
    )


def test_submissions_page_follows_the_trust_filter_and_a_board_member_can_read_it(submissions_db):
    _, (_, m1, _), _ = submissions_db
    at = run_page(trust="RW4")
    grid = at.dataframe[0].value
    assert grid["trust"].tolist() == ["Mersey Care (RW4)"]
    assert any(f"{month_label(m1)}: 0 of 1 received, 1 missing" in m.value for m in at.markdown)

    from tests.ui.test_roles_and_import_ui import BOARD, app

    board = app(auth=True, signed_in=BOARD, page="app_pages/submissions.py")
    assert not board.exception and board.title[0].value == "Data submissions"


def test_submissions_page_for_a_system_only_kpi_says_no_trust_submits_it(submissions_db):
    at = run_page(sub_kpi="FUNDING_SECURED")
    assert any("recorded for the system as a whole" in info.value for info in at.info)
    assert not at.dataframe
