"""The figure builders: what the charts contain, independent of Streamlit."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import plotly.io as pio
import pytest

from kpi import charts
from kpi.figures import scopes
from kpi.reference.catalogue import KPI
from tests.readings import catalogue_targets, reading_of

VACANCY = KPI("VACANCY_RATE", "Vacancy rate", "PLAN", "%", "down", 7.5, "ratio", 1)


def series(values, scope="C&M", start="2024-01-01"):
    n = len(values)
    return pd.DataFrame({"kpi_code": "VACANCY_RATE", "scope_code": scope,
                         "period": pd.date_range(start, periods=n, freq="MS"), "value": values,
                         "numerator": [v * 10 for v in values], "denominator": [1000.0] * n})  # fmt: skip


def test_trend_figure_has_a_line_per_scope_with_styles_and_the_target():
    data = pd.concat([series([8.0, 8.5, 9.0]), series([7.0, 7.5, 8.0], scope="CMAST")])
    names = {"C&M": "C&M system", "CMAST": "CMAST"}
    fig = charts.trend_figure(data, VACANCY, names, targets=catalogue_targets(data, VACANCY, names))
    assert [t.name for t in fig.data] == ["C&M system", "CMAST"]
    assert fig.data[0].line.dash == "solid" and fig.data[1].line.dash == "dash"
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    assert fig.layout.title.text == "Vacancy rate (%)"
    assert fig.layout.shapes[0].y0 == 7.5 and fig.layout.annotations[0].text == "Target 7.5%"
    assert fig.data[0].customdata[0][0] == "8.0%" and fig.data[0].customdata[0][1] == "80.0 / 1,000.0"


def test_spc_figure_shows_types_limits_icons_and_the_reading():
    values = [10.0, 10.5] * 8 + [12.0, 12.5, 13.0, 14.0]
    data = series(values)
    reading = reading_of(data, VACANCY)
    result = reading.result
    fig = charts.spc_figure(reading, words="Special cause concern: test.")
    names = {t.name for t in fig.data if t.name}
    # 16 low alternating points are a shift below the mean (improvement, as lower is better); the last
    # points climb above the upper limit (concern).
    assert {"Mean", "Process limits", "Special cause: improvement", "Special cause: concern"} <= names
    assert result.variation == "concern_high" and result.assurance == "fail"
    assert len(fig.layout.images) == 2, "variation and assurance icons"
    texts = " ".join(a.text for a in fig.layout.annotations)
    assert "Special cause concern: test." in texts
    assert "Special cause<br>concern (high)" in texts and "Consistently<br>failing target" in texts
    assert fig.layout.title.text == "Vacancy rate (%): C&M system (XmR chart)"


def test_spc_figure_falls_back_to_a_run_chart_without_icons():
    data = series([8.0, 8.5, 9.0, 9.5, 9.0])
    reading = reading_of(data, VACANCY)
    fig = charts.spc_figure(reading, words=reading.sentence)
    assert "(run chart)" in fig.layout.title.text
    assert not fig.layout.images
    assert "Process limits" not in {t.name for t in fig.data}


def test_spc_figure_draws_each_segment_separately():
    values = [10.0, 11.0] * 7 + [20.0, 21.0] * 6
    data = series(values)
    reading = reading_of(data, VACANCY, rebase=[pd.Timestamp("2025-03-01")])
    fig = charts.spc_figure(reading, words="")
    means = [t for t in fig.data if t.name == "Mean"]
    assert len(means) == 2 and means[0].y[0] == 10.5 and means[1].y[0] == 20.5


def test_milestone_timeline_labels_status_in_words():
    milestones = pd.DataFrame(
        {"code": ["M1", "M2"], "title": ["Recruit the lead", "Publish the plan"],
         "status": ["complete", "at risk"],
         "baseline_due": pd.to_datetime(["2022-09-30", "2024-03-31"]),
         "forecast_due": pd.to_datetime(["2022-09-30", "2026-12-31"]),
         "completed_on": pd.to_datetime(["2022-08-15", None])}
    )  # fmt: skip
    fig = charts.milestone_timeline(milestones, dt.date(2026, 11, 25))
    labels = [text for t in fig.data if t.text is not None for text in t.text]
    assert "Complete" in labels and "At risk" in labels
    # A long name goes on two lines, so that a narrow window leaves the dates the width.
    long = milestones.assign(title=["Recruitment to the C&M AHP Workforce Lead post", "Publish the plan"])
    names = {y for t in charts.milestone_timeline(long, dt.date(2026, 11, 25)).data for y in t.y}
    assert names == {"M1: Recruitment to the C&M<br>AHP Workforce Lead post", "M2: Publish the plan"}
    assert {t.name for t in fig.data if t.name} == {"Baseline due", "Forecast", "Completed"}


def test_file_stem_is_meaningful_and_safe():
    assert charts.file_stem("VACANCY_RATE", "C&M", dt.date(2024, 4, 1), "to", dt.date(2026, 10, 1)) == (
        "VACANCY_RATE_C-M_2024-04_to_2026-10"
    )
    assert charts.plotly_config("x")["toImageButtonOptions"] == {"format": "png", "filename": "x", "scale": 2}


def test_every_axis_grows_its_margin_to_fit_its_labels_whatever_the_default_template(monkeypatch):
    """The figures have margins of a few pixels and rely on automargin for their tick labels and axis
    titles. Streamlit's template (the default once Streamlit is imported) has no automargin, so the
    figures ask for it themselves; images drawn on the server otherwise cut the y labels at the edge."""
    monkeypatch.setattr(pio.templates, "default", "none")
    data = series([8.0, 8.5, 9.0, 9.5, 9.0] * 3)
    reading = reading_of(data, VACANCY)
    by_profession = pd.DataFrame(
        {"profession_code": ["DIET", "POD"], "value": [7.0, 9.0], "numerator": [7.0, 9.0],
         "denominator": [100.0, 100.0], "period": pd.Timestamp("2024-01-01")}
    )  # fmt: skip
    milestones = pd.DataFrame(
        {"code": ["M1"], "title": ["Recruit the lead"], "status": ["at risk"],
         "baseline_due": pd.to_datetime(["2024-03-31"]), "forecast_due": pd.to_datetime(["2026-12-31"]),
         "completed_on": pd.to_datetime([None])}
    )  # fmt: skip
    names = {"DIET": "Dietitians", "POD": "Podiatrists"}
    figures = {
        "trend": charts.trend_figure(data, VACANCY, {"C&M": "C&M system"}),
        "SPC": charts.spc_figure(reading, words=""),
        "bars": charts.profession_bars(by_profession, VACANCY, names, title="By profession"),
        "heatmap": charts.profession_heatmap(by_profession, VACANCY, names, title="By profession"),
        "milestones": charts.milestone_timeline(milestones, dt.date(2026, 11, 25)),
    }
    for name, fig in figures.items():
        axes = [*fig.select_xaxes(), *fig.select_yaxes()]
        assert axes and all(axis.automargin is True for axis in axes), name
        assert fig.layout.yaxis.title.standoff == 12, name
    bars = figures["bars"].layout.xaxis
    assert bars.range[0] == 0 and bars.range[1] == pytest.approx(9.0 * 1.2), "room for the value labels"


RVY_MERGER = scopes.ScopeEvent(
    month=pd.Timestamp("2024-03-01"),
    label="RVY merged into RBN",
    detail="Southport and Ormskirk (RVY) merged into Mersey and West Lancashire (RBN) on 01/03/2024.",
)


def event_marks(fig):
    """(x of each dotted vertical line, [(label, hover, side) of each label drawn by one])."""
    lines = [s.x0 for s in fig.layout.shapes if s.line.dash == "dot" and s.yref == "paper"]
    labels = [(a.text, a.hovertext, a.xanchor) for a in fig.layout.annotations if a.hovertext]
    return lines, labels


def test_trend_figure_marks_a_merger_with_a_dotted_line_a_label_and_hover():
    fig = charts.trend_figure(series([8.0, 8.5, 9.0, 9.5, 9.0, 8.8]), VACANCY, {"C&M": "C&M system"},
                              events=[RVY_MERGER])  # fmt: skip
    lines, labels = event_marks(fig)
    assert [pd.Timestamp(x) for x in lines] == [pd.Timestamp("2024-03-01")]
    # In the first half of the chart, so the label runs right of its line, inside the plot.
    assert labels == [("RVY merged into RBN", RVY_MERGER.detail, "left")]
    assert [s.line.width for s in fig.layout.shapes if s.line.dash == "dot"] == [1.5]


def test_a_label_in_the_second_half_of_the_chart_runs_left_of_its_line():
    late = scopes.ScopeEvent(pd.Timestamp("2024-05-01"), "RTV merged into RW4", "detail")
    fig = charts.trend_figure(series([8.0, 8.5, 9.0, 9.5, 9.0, 8.8]), VACANCY, {"C&M": "C&M system"},
                              events=[late])  # fmt: skip
    assert event_marks(fig)[1] == [("RTV merged into RW4", "detail", "right")]


def test_no_events_no_marks():
    fig = charts.trend_figure(series([8.0, 8.5, 9.0]), VACANCY, {"C&M": "C&M system"})
    assert event_marks(fig) == ([], [])


def test_spc_figure_marks_a_merger_too():
    data = series([10.0, 10.5] * 8 + [12.0, 12.5, 13.0, 14.0])
    reading = reading_of(data, VACANCY)
    fig = charts.spc_figure(reading, words="", events=[RVY_MERGER])
    lines, labels = event_marks(fig)
    assert [pd.Timestamp(x) for x in lines] == [pd.Timestamp("2024-03-01")]
    assert labels == [("RVY merged into RBN", RVY_MERGER.detail, "left")]


def test_the_app_shows_a_figure_without_its_title_zooming_or_value_axis_title():
    """On screen the heading is text above the chart (it wraps on a phone) and the unit is in it; an
    image keeps both titles."""
    fig = charts.trend_figure(series([8.0, 8.5, 9.0]), VACANCY, {"C&M": "C&M system"})
    screen = charts.for_screen(fig)
    assert screen.layout.title.text == "" and screen.layout.yaxis.title.text == ""
    assert screen.layout.yaxis.title.standoff == 0, "no room kept for the empty title"
    assert screen.layout.dragmode is False
    assert (screen.layout.margin.t, screen.layout.margin.l, screen.layout.margin.r) == (16, 0, 0)
    assert fig.layout.title.text == "Vacancy rate (%)" and fig.layout.yaxis.title.text == "%"


def test_the_house_style_merges_into_what_the_figure_set_and_the_screen_copy_keeps_it():
    """The style is one merged layout: the value axis keeps the unit and the fixed top set before it
    (charts side by side on one scale), the target line and its label stay, and the screen copy, read
    back without a second validation, draws the same figure bar its titles."""
    data = series([8.0, 8.5, 9.0])
    names = {"C&M": "C&M system"}
    fig = charts.trend_figure(
        data, VACANCY, names, y_max=20.0, targets=catalogue_targets(data, VACANCY, names)
    )
    yaxis = fig.layout.yaxis
    assert (yaxis.ticksuffix, yaxis.rangemode, tuple(yaxis.range)) == ("%", "tozero", (0, 20.0 * 1.08))
    assert (yaxis.gridcolor, yaxis.title.text, yaxis.title.standoff) == (charts.NHS_PALE_GREY, "%", 12)
    assert [shape.y0 for shape in fig.layout.shapes] == [7.5]
    assert fig.layout.annotations[0].text == "Target 7.5%"
    screen = json.loads(charts.for_screen(fig).to_json())
    drawn = json.loads(fig.to_json())
    assert screen["data"] == drawn["data"]
    assert screen["layout"]["yaxis"]["range"] == [0, 20.0 * 1.08]
    assert screen["layout"]["shapes"] == drawn["layout"]["shapes"]


def test_the_legend_is_under_the_plot_where_it_never_covers_the_title():
    fig = charts.trend_figure(series([8.0, 8.5, 9.0]), VACANCY, {"C&M": "C&M system"})
    legend = fig.layout.legend
    assert (legend.orientation, legend.yanchor, legend.y, legend.x) == ("h", "top", -0.14, 0)


def test_the_app_has_no_modebar_but_the_html_board_pack_keeps_its_image_button():
    config = charts.app_config()
    assert config["displayModeBar"] is False and config["scrollZoom"] is False
    assert "toImageButtonOptions" not in config
    assert charts.plotly_config("x")["toImageButtonOptions"]["filename"] == "x"


def test_the_app_spc_figure_leaves_the_reading_and_icons_to_the_text_beside_it():
    data = series([10.0, 10.5] * 8 + [12.0, 12.5, 13.0, 14.0])
    reading = reading_of(data, VACANCY)
    screen = charts.spc_figure(reading, words="", icons=False)
    assert not screen.layout.images and not screen.layout.annotations[1:]
    assert [a.text for a in screen.layout.annotations] == ["Target 7.5%"]
    assert screen.layout.margin.r == 10, "no room kept for icons: the plot has the width"
    image = charts.spc_figure(reading, words="Special cause concern: test.")
    assert len(image.layout.images) == 2 and image.layout.margin.r == 130


def test_long_category_names_wrap_onto_two_lines():
    frame = pd.DataFrame(
        {"profession_code": ["ODP", "POD"], "value": [7.0, 9.0], "numerator": [7.0, 9.0],
         "denominator": [100.0, 100.0], "period": pd.Timestamp("2024-01-01")}
    )  # fmt: skip
    names = {"ODP": "Operating department practitioners", "POD": "Podiatrists"}
    bars = charts.profession_bars(frame, VACANCY, names, title="By profession", target=7.5)
    assert list(bars.data[0].y) == ["Operating department<br>practitioners", "Podiatrists"]
    assert bars.data[0].insidetextfont.color == "white" and bars.data[0].textposition == "auto"
    heatmap = charts.profession_heatmap(frame, VACANCY, names, title="By profession")
    assert "Operating department<br>practitioners" in list(heatmap.data[0].y)
