"""The board's month (issue 29), on SQLite and PostgreSQL: the grid of KPIs by organisation, each cell the
reading of its KPI and scope (a dated target, a provisional month and a stale KPI among them), its CSV and
XLSX pivoting back to it, commentary drafted from the reading sentence by sentence, and the sign-off that
locks a reviewed month and asks for review again after a change, which the board cannot do."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pandas as pd
import pytest

from kpi.access.auth import PermissionDenied
from kpi.exports import tables as export
from kpi.notes import chart_settings, commentary
from kpi.notes.common import NoteError, history
from kpi.reading import grid
from kpi.reading.draft import draft, late_milestones, signal_start
from kpi.reading.load import grid_for, readings_for
from kpi.store.db import session_scope
from kpi.words.formats import month_label
from tests.cli.test_cli import run_cli
from tests.conftest import add_observations
from tests.exports.test_downloads import one, open_page, spy  # noqa: F401 (fixture)
from tests.notes.test_chart_notes import BOARD, LEAD
from tests.ui.test_app import assert_page_ok, run_app, url

TODAY = dt.date(2026, 12, 1)  # vacancy due to Oct 2026 (lag 1), sickness to Jul 2026 (lag 4)
SYSTEM_TRUSTS = ["RBS", "RJR", "RBT", "RBN", "RJN", "RBQ", "REM", "REP", "REN", "RET", "RWW", "RBL",
                 "RW4", "RXA", "RY2", "RY7"]  # fmt: skip
MONTHS = pd.date_range("2023-11-01", "2026-10-01", freq="MS")  # 36 complete months
SICKNESS_MONTHS = pd.date_range("2023-02-01", "2026-01-01", freq="MS")  # ends in Jan 2026: stale by Dec
OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def vacancy(trust: str, i: int) -> tuple[float, float]:
    """Vacant FTE and establishment: Alder Hey (RBS) rises from 7% to 9% in Apr 2026, others wobble."""
    if trust == "RBS":
        return (9.0 if i >= 29 else 7.0 + (i % 3) * 0.1), 100.0
    return 5.0 + (i + len(trust)) % 4 * 0.5, 100.0


@pytest.fixture
def month(engine):
    """Every system trust's vacancy rate (Nov 2023 to Oct 2026, Nov 2026 from two trusts only: a
    provisional month for the collaboratives and the system) and sickness absence (to Jan 2026: stale by
    Dec 2026); a lead's target of 6% from Apr 2026 for Alder Hey's vacancy rate."""
    rows = []
    for trust in SYSTEM_TRUSTS:
        for i, m in enumerate(MONTHS):
            vacant, establishment = vacancy(trust, i)
            rows.append(("VACANCY_RATE", trust, None, f"{m:%Y-%m}", None, vacant, establishment))
        for i, m in enumerate(SICKNESS_MONTHS):
            rows.append(("SICKNESS_RATE", trust, None, f"{m:%Y-%m}", None, 4.0 + i % 2, 100.0))
    rows += [("VACANCY_RATE", t, None, "2026-11", None, 9.0, 100.0) for t in ("RBS", "RJR")]
    add_observations(engine, rows, synthetic=True)
    chart_settings.add_setting(
        engine, LEAD, "VACANCY_RATE", "RBS", "target", "Trust board target 2026/27",
        period=dt.date(2026, 4, 1), value=6,
    )  # fmt: skip
    return engine


# --- the grid -------------------------------------------------------------------------------------------


def test_a_trusts_grid_has_the_trust_its_collaboratives_and_the_system(month):
    columns, _cells = grid_for(month, "RBS", today=TODAY)
    assert columns == ["RBS", "CMAST", "MHLDC", "C&M"], "Alder Hey is in both collaboratives"
    columns, _cells = grid_for(month, "CMAST", today=TODAY)
    assert columns[-2:] == ["CMAST", "C&M"]
    assert "RVY" not in columns, "merged before the data: a column without a figure is left out"
    assert set(columns[:-2]) == {"RBS", "RJR", "RBT", "RBN", "RJN", "RBQ", "REM", "REP", "REN", "RET",
                                 "RWW", "RBL"}  # fmt: skip
    columns, _cells = grid_for(month, "C&M", today=TODAY)
    assert columns == [*columns[:16], "CMAST", "MHLDC", "C&M"] and set(columns[:16]) == set(SYSTEM_TRUSTS)
    assert "RX7" not in columns, "a system partner is never in the system's grid"


def said(reading) -> tuple:
    """What a cell says of its reading: figure, month, icons, target, freshness and words."""
    return (reading.value, reading.month, reading.variation, reading.assurance, reading.target,
            reading.stale, reading.provisional_note, reading.sentence, reading.as_at)  # fmt: skip


def test_every_cell_is_the_reading_of_its_kpi_and_scope(month):
    columns, cells = grid_for(month, "RBS", today=TODAY)
    for scope in columns:
        readings = readings_for(month, scope, today=TODAY)
        for code, reading in readings.items():
            cell = cells[(code, scope)].reading
            assert said(cell) == said(reading), (code, scope)
    alder_hey = cells[("VACANCY_RATE", "RBS")]
    assert alder_hey.reading.target.value == 6 and alder_hey.reading.target.since == pd.Timestamp(
        "2026-04-01"
    )
    assert cells[("VACANCY_RATE", "CMAST")].reading.target.value == 7.5, (
        "the lead's target is Alder Hey's only"
    )
    system = cells[("VACANCY_RATE", "C&M")]
    assert system.reading.month == pd.Timestamp("2026-10-01"), "Nov 2026 is provisional: 2 of 16 trusts"
    assert system.reading.provisional_note.startswith("Nov 2026 provisional: 2 of 16 trusts reported")
    assert "provisional month" in system.reasons() and "provisional month" not in alder_hey.reasons()
    assert alder_hey.reading.month == pd.Timestamp("2026-11-01"), "a trust's own month is never provisional"
    sickness = cells[("SICKNESS_RATE", "C&M")]
    assert sickness.reading.stale and "stale" in sickness.reasons()
    assert not system.reading.stale and "stale" not in system.reasons()


def test_the_csv_and_the_xlsx_pivot_back_to_the_grid(month, tmp_path):
    columns, cells = grid_for(month, "RBS", today=TODAY)
    catalogue = {code: cells[(code, "RBS")].reading.kpi for code, scope in cells if scope == "RBS"}
    long = export.grid_table(cells, catalogue, columns, {"PLAN": "Workforce planning", "RET": "Retention"})
    csv = pd.read_csv(io.BytesIO(export.csv_bytes(long, provenance=export.Provenance(synthetic=True))))
    for column in ("KPI code", "Scope code", "Month", "Value", "Variation", "Assurance", "Provisional"):
        assert column in csv.columns
    assert len(csv) == len(cells), "one row per KPI and organisation"
    values = csv.pivot(index="KPI code", columns="Scope code", values="Value")
    variation = csv.pivot(index="KPI code", columns="Scope code", values="Variation").fillna("")
    for (code, scope), cell in cells.items():
        reading = cell.reading
        expected = round(reading.value, reading.kpi.decimals) if reading.value is not None else None
        got = values.loc[code, scope]
        assert (pd.isna(got) and expected is None) or got == pytest.approx(expected), (code, scope)
        assert variation.loc[code, scope] == (reading.variation or "")
    row = csv[(csv["KPI code"] == "VACANCY_RATE") & (csv["Scope code"] == "C&M")].iloc[0]
    assert (row["Month"], row["Provisional"], row["Target"]) == ("2026-10", "yes", 7.5)
    assert csv.loc[csv["KPI code"] == "SICKNESS_RATE", "Stale"].eq("yes").all()
    assert csv["Synthetic data"].eq("yes").all()
    attention = csv.groupby("KPI code", sort=False)["Needs attention"].apply(
        lambda s: s.fillna("").ne("").any()
    )
    assert list(attention) == sorted(attention, reverse=True), "KPIs needing attention first"
    assert set(attention.index[attention]) == {"VACANCY_RATE", "SICKNESS_RATE"}, "no figure: nothing to read"
    book = openpyxl.load_workbook(io.BytesIO(export.grid_xlsx(long, "KPIs by organisation, Alder Hey")))
    sheet = book["Grid"]
    assert sheet["A1"].value == "KPIs by organisation, Alder Hey"
    assert [c.value for c in sheet[2]][: len(export.GRID_COLUMNS)] == export.GRID_COLUMNS
    assert sheet.max_row == 2 + len(long)
    values_sheet = book["Values"]
    header = [c.value for c in values_sheet[3]] or [c.value for c in values_sheet[2]]
    assert "Alder Hey" in [c.value for c in values_sheet[2]] or "Alder Hey" in header


def test_the_filters_keep_a_cell_on_their_side_of_each_line(month):
    _columns, cells = grid_for(month, "RBS", today=TODAY)
    stale = cells[("SICKNESS_RATE", "C&M")]
    assert grid.keep(stale, "attention") and grid.keep(stale, "all")
    for code_scope, cell in cells.items():
        assert grid.keep(cell, "concern") == str(cell.reading.variation or "").startswith("concern"), (
            code_scope
        )
        assert grid.keep(cell, "failing") == (cell.reading.assurance == "fail"), code_scope
    at_risk = [cell for cell in cells.values() if cell.reading.assurance == "hit_or_miss"]
    for cell in at_risk:  # hit and miss is at risk, not failing: the line between the two filters
        assert not grid.keep(cell, "failing") and "target at risk" in cell.reasons()


def test_sorting_by_a_column_puts_its_concerns_first_and_by_name_a_to_z(month):
    _columns, cells = grid_for(month, "RBS", today=TODAY)
    codes = ["SICKNESS_RATE", "VACANCY_RATE", "BOARD_AHP_LEAD"]
    assert grid.sort_kpis(cells, codes, grid.NAME) == ["SICKNESS_RATE", "BOARD_AHP_LEAD", "VACANCY_RATE"]
    by_rbs = grid.sort_kpis(cells, codes, "RBS")
    priorities = [cells[(code, "RBS")].reading.priority for code in by_rbs]
    assert priorities == sorted(priorities)


# --- commentary drafted from the reading ----------------------------------------------------------------


def trace(sentence, reading, notes, late) -> None:
    """Every sentence says one fact of the reading (or of its chart's notes or late milestones)."""
    if sentence.fact == "value":
        assert sentence.value == (reading.value, reading.month)
        assert reading.value_text in sentence.text and month_label(reading.month) in sentence.text
    elif sentence.fact == "signal":
        if reading.variation not in (None, "common_cause"):
            start = signal_start(reading)
            assert sentence.value == (reading.variation, start)
            assert f"since {month_label(start)}" in sentence.text
        else:
            assert sentence.value in (reading.variation, None)
    elif sentence.fact == "assurance":
        if reading.target.value is None:
            assert sentence.text == "There is no target for this KPI."
        else:
            assert sentence.value == (reading.assurance, reading.target.value)
            assert reading.target.words(reading.kpi.unit).removeprefix("Target ") in sentence.text
    elif sentence.fact in ("change_month", "change_year"):
        change = reading.previous if sentence.fact == "change_month" else reading.last_year
        words = reading.change_words(change)
        assert sentence.value == change and words[1:] in sentence.text
    elif sentence.fact == "stale":
        assert reading.stale and sentence.text == f"{reading.as_at}."
    elif sentence.fact == "provisional":
        assert sentence.text == reading.provisional_note
    elif sentence.fact == "annotation":
        assert sentence.value in set(notes["text"])
    elif sentence.fact == "milestone":
        assert sentence.value in set(late["code"])
    else:
        raise AssertionError(f"a sentence from no fact: {sentence}")


def test_every_draft_sentence_is_traced_to_a_fact_of_the_reading(month):
    _columns, cells = grid_for(month, "RBS", today=TODAY)
    notes = pd.DataFrame({"period": [pd.Timestamp("2026-04-01")], "text": ["New vacancy controls"]})
    milestones = pd.DataFrame(
        {
            "code": ["M3", "M4", "M5"],
            "title": ["Late one", "On time", "Done"],
            "workstream_code": ["PLAN", "PLAN", "PLAN"],
            "status": ["in_progress", "in_progress", "complete"],
            "baseline_due": pd.to_datetime(["2026-06-30", "2027-03-31", "2026-01-31"]),
            "forecast_due": pd.to_datetime(["2026-12-31", "2027-03-31", "2026-01-31"]),
        }
    )
    late = late_milestones(milestones, "PLAN", TODAY)
    assert list(late["code"]) == ["M3"], "forecast after baseline; on time and complete are not late"
    facts = set()
    for cell in cells.values():
        reading = cell.reading
        made = draft(reading, notes=notes, late=late if reading.kpi.workstream_code == "PLAN" else None)
        if reading.latest is None:
            assert not made
            continue
        for sentence in made.sentences:
            trace(sentence, reading, notes, late)
            facts.add(sentence.fact)
    assert {"value", "signal", "assurance", "change_month", "change_year", "stale", "provisional",
            "annotation", "milestone"} <= facts  # fmt: skip
    text = draft(cells[("VACANCY_RATE", "RBS")].reading).text
    assert "Against the target in force, 6% from Apr 2026 (the catalogue's is 7.5%)" in text


def test_the_signal_started_where_its_run_of_special_cause_points_began(month):
    reading = readings_for(month, "RBS", today=TODAY)["VACANCY_RATE"]
    assert reading.variation == "concern_high", reading.sentence
    start = signal_start(reading)
    assert start == pd.Timestamp("2026-04-01"), "9% from Apr 2026, 7% before: Mar 2026 is not in the run"
    assert "special cause concern, higher than usual since Apr 2026" in draft(reading).text


# --- sign-off -------------------------------------------------------------------------------------------


def write(engine, user=LEAD, kpi="VACANCY_RATE", **texts):
    return commentary.save_commentary(engine, user, kpi, "C&M", OCT, **texts)


def test_a_reviewed_month_is_locked_and_a_change_makes_a_version_to_review_again(month):
    assert write(month, tells="Vacancies steady.")
    view = commentary.commentary_for(month, "VACANCY_RATE", "C&M", OCT)
    assert (view.own, view.reviewed, view.version, view.review_words) == (True, False, 1, "Not yet reviewed")
    assert commentary.review_commentary(month, LEAD, "VACANCY_RATE", "C&M", OCT)
    assert not commentary.review_commentary(month, LEAD, "VACANCY_RATE", "C&M", OCT), "already reviewed"
    view = commentary.commentary_for(month, "VACANCY_RATE", "C&M", OCT)
    assert view.reviewed and view.reviewed_by == LEAD.label
    assert view.review_words.startswith("Reviewed by Workforce Lead on ")
    with pytest.raises(commentary.CommentaryLocked, match=r"reviewed by Workforce Lead .* locked"):
        write(month, tells="Vacancies rising.")
    assert commentary.commentary_for(month, "VACANCY_RATE", "C&M", OCT).tells == "Vacancies steady."
    assert not write(month, tells="Vacancies steady."), "the same text is no change, locked or not"
    assert write(month, tells="Vacancies rising.", reopen=True)
    view = commentary.commentary_for(month, "VACANCY_RATE", "C&M", OCT)
    assert (view.tells, view.version, view.reviewed, view.review_words) == (
        "Vacancies rising.", 2, False, "Not yet reviewed (version 2)"
    )  # fmt: skip
    assert commentary.review_commentary(month, LEAD, "VACANCY_RATE", "C&M", OCT)
    with session_scope(month) as s:
        row = s.execute(
            commentary.select(commentary.Commentary).where(commentary.Commentary.kpi_code == "VACANCY_RATE")
        ).scalar_one()
        kept = [(c.field, c.old_value, c.new_value) for c in history(s, "commentary", row.id)]
    assert ("tells", None, "Vacancies steady.") in kept and (
        "tells",
        "Vacancies steady.",
        "Vacancies rising.",
    ) in kept
    assert [change for change in kept if change[0] == "reviewed"] == [
        ("reviewed", None, "version 1"),
        ("reviewed", None, "version 2"),
    ]
    assert ("version", "1", "2") in kept


def test_nothing_is_reviewed_without_written_commentary_and_a_month_is_all_or_nothing(month):
    with pytest.raises(NoteError, match="has no commentary for Oct 2026"):
        commentary.review_commentary(month, LEAD, "VACANCY_RATE", "C&M", OCT)
    write(month, issues="Only issues, nothing on what the chart tells us.")
    with pytest.raises(NoteError, match="VACANCY_RATE has no commentary"):
        commentary.review_commentary(month, LEAD, "VACANCY_RATE", "C&M", OCT)
    write(month, kpi="SICKNESS_RATE", tells="Stable.")
    with pytest.raises(NoteError):
        commentary.review_month(month, LEAD, "C&M", OCT, ["SICKNESS_RATE", "VACANCY_RATE"])
    assert not commentary.commentary_for(month, "SICKNESS_RATE", "C&M", OCT).reviewed, "all or nothing"
    assert commentary.review_month(month, LEAD, "C&M", OCT, ["SICKNESS_RATE"]) == 1


def test_the_board_cannot_sign_off_or_edit(month):
    write(month, tells="Vacancies steady.")
    with pytest.raises(PermissionDenied):
        commentary.review_commentary(month, BOARD, "VACANCY_RATE", "C&M", OCT)
    with pytest.raises(PermissionDenied):
        commentary.review_month(month, BOARD, "C&M", OCT, ["VACANCY_RATE"])
    with pytest.raises(PermissionDenied):
        write(month, user=BOARD, tells="Changed by the board.")
    view = commentary.commentary_for(month, "VACANCY_RATE", "C&M", OCT)
    assert (view.tells, view.reviewed) == ("Vacancies steady.", False)


def test_the_cover_line_counts_the_reviewed_kpis_and_names_the_reviewer(month):
    write(month, tells="Vacancies steady.")
    write(month, kpi="SICKNESS_RATE", tells="Stable.")
    views = {
        code: commentary.commentary_for(month, code, "C&M", OCT)
        for code in ("VACANCY_RATE", "SICKNESS_RATE", "SIP_FTE")
    }
    assert commentary.review_summary(views) == "No KPI's commentary reviewed yet (0 of 3)"
    commentary.review_commentary(month, LEAD, "VACANCY_RATE", "C&M", OCT)
    views = {code: commentary.commentary_for(month, code, "C&M", OCT) for code in views}
    line = commentary.review_summary(views)
    assert line.startswith("1 of 3 KPIs' commentary reviewed by Workforce Lead on ")
    assert line.endswith(commentary.uk_day(views["VACANCY_RATE"].reviewed_at))


def test_the_grid_marks_written_commentary_not_reviewed_and_not_missing_commentary(month):
    write(month, tells="Vacancies steady.")
    _columns, cells = grid_for(month, "RBS", today=TODAY)
    assert cells[("VACANCY_RATE", "C&M")].reviewed is False
    assert "commentary not reviewed" in cells[("VACANCY_RATE", "C&M")].reasons()
    assert cells[("VACANCY_RATE", "CMAST")].reviewed is None, "no commentary is not 'not reviewed'"
    commentary.review_commentary(month, LEAD, "VACANCY_RATE", "C&M", OCT)
    _columns, cells = grid_for(month, "RBS", today=TODAY)
    assert cells[("VACANCY_RATE", "C&M")].reviewed is True
    assert "commentary not reviewed" not in cells[("VACANCY_RATE", "C&M")].reasons()


# --- the page -------------------------------------------------------------------------------------------


def grid_html(at) -> str:
    return " ".join(h.proto.body for h in at.get("html") if "kpi-grid" in h.proto.body)


def test_the_grid_page_draws_each_cell_from_its_reading_with_a_link_to_its_chart(month):
    at = run_app("app_pages/grid.py")
    assert_page_ok(at)
    page = grid_html(at)
    system = readings_for(month, "C&M")["VACANCY_RATE"]
    named = (  # a link is named by its content (WCAG 2.5.3), the KPI, organisation and month hidden
        f'<span class="kpi-grid-hidden">Vacancy rate, C&amp;M system, Oct 2026: </span>'
        f"<strong>{system.value_text}</strong>"
    )
    assert named in page
    assert "provisional month.</span>" in page, "the provisional month is said, not only shaded"
    assert "workstreams?workstream=PLAN&amp;view=spc&amp;spc_scope=C%26M&amp;kpi=VACANCY_RATE" in page
    assert (
        "trusts?section=kpis&amp;workstream=PLAN&amp;view=spc&amp;spc_scope=RBS&amp;kpi=VACANCY_RATE&amp;trust=RBS"
        in page
    )
    assert page.index("Vacancy rate</th>") < page.index("AHP staff in post (FTE)</th>"), "attention first"
    at.selectbox(key="grid_show").set_value("failing").run()
    assert_page_ok(at)
    shown = re.findall(r'<th scope="row">([^<]+)</th>', grid_html(at))
    _columns, cells = grid_for(month, "C&M")
    failing = {cell.reading.kpi.name for cell in cells.values() if cell.reading.assurance == "fail"}
    assert failing and set(shown) == failing, "only the KPIs failing their target somewhere"
    assert url(at, "grid_show") == ["failing"], "the filter is kept in the link"


def test_only_the_lead_signs_off_on_the_page(month):
    write(month, tells="Vacancies steady.")
    board = run_app("app_pages/grid.py", **{"as": "board"})
    assert_page_ok(board)
    assert not [b for b in board.button if b.label.startswith("Mark the")]
    lead = run_app("app_pages/grid.py")
    button = next(b for b in lead.button if b.key == "signoff_review")
    assert button.label == "Mark the 1 written commentaries reviewed" and not button.disabled
    button.click().run()
    assert_page_ok(lead)
    assert any("Marked 1 commentaries reviewed by" in s.value for s in lead.success)
    assert commentary.commentary_for(month, "VACANCY_RATE", "C&M", OCT).reviewed
    assert next(b for b in lead.button if b.key == "signoff_review").disabled, "nothing left to review"


def test_export_matrix_writes_the_file_the_grid_page_downloads(month, spy, tmp_path):  # noqa: F811
    _at, offered = open_page(spy, "app_pages/grid.py", scope="CMAST")
    app = one(offered, "kpi-grid_CMAST").data
    out = tmp_path / "grid.csv"
    result = run_cli(
        "export", "matrix", "--scope", "cmast", "--out", str(out), url=month.url.render_as_string(False)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Wrote 308 rows for CMAST"), "22 KPIs by 14 organisations"
    assert out.read_bytes() == app
    frame = pd.read_csv(out)
    assert frame.pivot(index="KPI code", columns="Scope code", values="Value").shape == (22, 14)
    bad = run_cli(
        "export", "matrix", "--scope", "NOWHERE", "--out", str(out), url=month.url.render_as_string(False)
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Unknown scope 'NOWHERE'" in bad.stderr


def test_export_matrix_to_xlsx_writes_the_grid_workbook_and_other_exports_refuse_it(month, tmp_path):
    url_ = month.url.render_as_string(False)
    csv_out, xlsx_out = tmp_path / "grid.csv", tmp_path / "grid.xlsx"
    assert run_cli("export", "matrix", "--scope", "CMAST", "--out", str(csv_out), url=url_).returncode == 0
    result = run_cli("export", "matrix", "--scope", "CMAST", "--out", str(xlsx_out), url=url_)
    assert result.returncode == 0, result.stderr
    assert xlsx_out.read_bytes()[:2] == b"PK", "a workbook, not a CSV named .xlsx"
    book = openpyxl.load_workbook(xlsx_out)
    assert book.sheetnames == ["Grid", "Values"]
    assert str(book["Grid"]["A1"].value).startswith("KPIs by organisation, CMAST, ")
    sheet = pd.read_excel(xlsx_out, sheet_name="Grid", header=1)
    csv = pd.read_csv(csv_out)
    assert list(sheet.columns) == list(csv.columns)
    assert sheet["KPI code"].tolist() == csv["KPI code"].tolist()
    assert sheet["Value"].tolist() == pytest.approx(csv["Value"].tolist(), nan_ok=True)

    refused = tmp_path / "summary.xlsx"
    bad = run_cli("export", "summary", "--scope", "CMAST", "--out", str(refused), url=url_)
    assert bad.returncode == 2 and "must name a .csv file" in bad.stderr
    assert not refused.exists(), "nothing written under a misleading name"
    text = tmp_path / "grid.txt"
    bad = run_cli("export", "matrix", "--scope", "CMAST", "--out", str(text), url=url_)
    assert bad.returncode == 2 and "must name a .csv or .xlsx file" in bad.stderr and not text.exists()
