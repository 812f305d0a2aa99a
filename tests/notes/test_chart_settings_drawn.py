"""The lead's chart settings and annotations as a board member sees them: in the SPC figure (baseline
band, hollow ghosts, target steps, numbered flags), in the reading, and in the CSV behind a chart."""

from __future__ import annotations

import pandas as pd

from kpi import charts
from kpi.exports import tables as export
from kpi.notes.chart_settings import ChartSettings
from kpi.reference.catalogue import KPI
from tests.readings import reading_of

VACANCY = KPI("VACANCY_RATE", "Vacancy rate", "PLAN", "%", "down", 7.5, "ratio", 1)
MONTHS = pd.date_range("2024-01-01", periods=24, freq="MS")
VALUES = [8.0, 8.4, 7.9, 8.2, 8.1, 7.8, 8.3, 8.0, 7.7, 8.2, 8.1, 7.9] * 2


def series(values=VALUES, scope="C&M"):
    return pd.DataFrame({"kpi_code": "VACANCY_RATE", "scope_code": scope, "period": MONTHS[: len(values)],
                         "value": values, "numerator": [v * 10 for v in values],
                         "denominator": [1000.0] * len(values), "synthetic": False})  # fmt: skip


def figure(settings: ChartSettings, notes=()):
    reading = reading_of(series(), VACANCY, settings=settings)
    return reading.result, charts.spc_figure(reading, words="", notes=notes)


def test_a_baseline_is_a_shaded_band_over_exactly_its_months():
    _, fig = figure(ChartSettings(baseline=(12, "first year")))
    bands = [s for s in fig.layout.shapes if s.fillcolor == charts.BASELINE_FILL]
    assert len(bands) == 1
    assert pd.Timestamp(bands[0].x0) < MONTHS[0] < pd.Timestamp(bands[0].x1) < MONTHS[12]
    assert pd.Timestamp(bands[0].x1) > MONTHS[11]
    _, plain = figure(ChartSettings())
    assert not [s for s in plain.layout.shapes if s.fillcolor == charts.BASELINE_FILL]


def test_a_ghost_is_hollow_grey_and_left_out_of_the_mean():
    spiked = [*VALUES[:-1], 30.0]
    ghosted = reading_of(series(spiked), VACANCY, settings=ChartSettings(ghosts=[(MONTHS[23], "x")]))
    without = reading_of(series(spiked), VACANCY).result
    assert ghosted.result.points["mean"].iloc[0] == sum(VALUES[:-1]) / 23
    assert without.points["mean"].iloc[0] == sum(spiked) / 24
    fig = charts.spc_figure(ghosted, words="")
    ghost = next(t for t in fig.data if t.name and t.name.startswith("Ghost point"))
    assert list(ghost.x) == [MONTHS[23]] and list(ghost.marker.symbol) == ["circle-open"]
    assert "ghost point" in ghost.customdata[0][1]


def test_a_target_from_a_month_is_a_step_and_the_catalogue_target_a_flat_line():
    _, fig = figure(ChartSettings(targets=[(MONTHS[12], 6.5, "new plan")]))
    step = next(t for t in fig.data if t.name == "Target")
    assert step.line.shape == "hv"
    assert list(step.y[:12]) == [7.5] * 12 and list(step.y[12:]) == [6.5] * 12
    _, flat = figure(ChartSettings())
    assert not [t for t in flat.data if t.name == "Target"]
    assert [s.y0 for s in flat.layout.shapes if s.type == "line" and s.y0 == s.y1] == [7.5]


def test_the_reading_says_each_setting_with_its_reason():
    settings = ChartSettings(
        recalculations=[(MONTHS[12], "new triage model")], targets=[(MONTHS[12], 6.5, "new plan")]
    )
    reading = reading_of(series(), VACANCY, settings=settings)
    assert "Limits recalculated from Jan 2025: new triage model." in reading.sentence
    assert "Target 6.5% from Jan 2025: new plan." in reading.sentence
    assert reading.result.points["segment"].nunique() == 2  # the app's recalculation is a break
    both = reading_of(series(), VACANCY, rebase=[MONTHS[12]], settings=settings).result
    assert both.points["segment"].nunique() == 2  # the catalogue's month and the app's are one break


def test_annotations_are_numbered_flags_whose_text_is_never_markup():
    notes = [(MONTHS[3], "Drive <b>launched</b>"), (MONTHS[20], "Services transferred")]
    _, fig = figure(ChartSettings(), notes)
    flags = [a for a in fig.layout.annotations if a.text in ("<b>1</b>", "<b>2</b>")]
    assert [(pd.Timestamp(a.x), a.text) for a in flags] == [(MONTHS[3], "<b>1</b>"), (MONTHS[20], "<b>2</b>")]
    assert flags[0].hovertext == "Apr 2024: Drive &lt;b&gt;launched&lt;/b&gt;"
    assert charts.annotation_sentence(notes) == (
        "Annotated: 1 Apr 2024, Drive <b>launched</b>; 2 Sep 2025, Services transferred."
    )
    assert charts.annotation_sentence([]) == ""


def test_the_csv_carries_each_months_annotations_for_its_scope():
    data = pd.concat([series(VALUES[:3]), series(VALUES[:3], scope="CMAST")], ignore_index=True)
    notes = pd.DataFrame({"id": [1, 2], "kpi_code": "VACANCY_RATE", "scope_code": [None, "CMAST"],
                          "period": [MONTHS[1], MONTHS[2]],
                          "text": ["Everywhere", "=CMAST only"]})  # fmt: skip
    table = export.chart_table(data, VACANCY, {"C&M": "C&M system", "CMAST": "CMAST"}, notes)
    keys = zip(table["Scope code"], table["Month"], strict=True)
    by_row = dict(zip(keys, table["Annotation"], strict=True))
    assert by_row[("C&M", "2024-02")] == "Everywhere" and by_row[("CMAST", "2024-02")] == "Everywhere"
    assert by_row[("CMAST", "2024-03")] == "=CMAST only" and by_row[("C&M", "2024-03")] == ""
    assert by_row[("C&M", "2024-01")] == ""
    assert b"'=CMAST only" in export.csv_bytes(table)  # a spreadsheet shows it as text
    assert "Annotation" not in export.chart_table(data, VACANCY, {}).columns


def test_confirmed_mergers_are_automatic_annotations_in_the_csv():
    from kpi.figures.scopes import ScopeEvent
    from kpi.notes import annotations

    data = series(VALUES[:3])
    lead = pd.DataFrame({"id": [1], "kpi_code": "VACANCY_RATE", "scope_code": ["C&M"], "period": [MONTHS[1]],
                         "text": ["Drive"], "created_by": "lead", "created_at": None})  # fmt: skip
    merger = ScopeEvent(MONTHS[1], "RVY merged into RBN", "Southport and Ormskirk merged into ...")
    notes = annotations.with_events(lead, "VACANCY_RATE", [merger])
    table = export.chart_table(data, VACANCY, {"C&M": "C&M system"}, notes)
    assert list(table["Annotation"]) == ["", "Drive; RVY merged into RBN (automatic)", ""]
    assert annotations.with_events(lead, "VACANCY_RATE", []) is lead
