"""The readings from the command line, on SQLite and PostgreSQL: `settings import` loads a lead's settings
all or nothing, refusing each row that could not take effect with its row number and why; `export
summary` writes the very file the Overview's download gives; `export series` carries the SPC chart."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from kpi.notes import chart_settings
from tests.cli.test_cli import run_cli
from tests.conftest import add_observations
from tests.exports.test_downloads import ROWS, one, open_page, spy  # noqa: F401 (fixture)

# Three years of the system's vacancy rate (Nov 2023 to Oct 2026, about 9%) and sickness absence.
MONTHS = pd.date_range("2023-11-01", periods=36, freq="MS")
VACANCY = [
    ("VACANCY_RATE", None, None, f"{m:%Y-%m}", None, 90.0 + i % 3, 1000.0) for i, m in enumerate(MONTHS)
]
SICKNESS = [
    ("SICKNESS_RATE", None, None, f"{m:%Y-%m}", None, 45.0 + i % 2, 1000.0) for i, m in enumerate(MONTHS)
]


@pytest.fixture
def charted(engine):
    add_observations(engine, VACANCY + SICKNESS, synthetic=True)
    return engine


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def write(tmp_path, text: str):
    path = tmp_path / "settings.csv"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """kpi_code,scope,kind,month,value,text
VACANCY_RATE,C&M,target,2026-04,6,Board target for 2026/27
SICKNESS_RATE,c&m,recalculation,2025-10,,New absence policy
VACANCY_RATE,all,annotation,2025-01,,Recruitment drive launched
"""


def test_settings_import_writes_every_row_or_none(charted, tmp_path):
    bad = GOOD + "SICKNESS_RATE,C&M,recalculation,2026-01,,Too late\nVACANCY_RATE,XYZ,target,2026-04,6,typo\n"
    refused = run_cli("settings", "import", str(write(tmp_path, bad)), url=url_of(charted))
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.splitlines() == [
        "row 5: A recalculation needs at least 12 months after it; Jan 2026 has 10 (to Oct 2026); Nov 2025 "
        "or earlier would work now, or save it once 2 more months are in.",
        "row 6: 'XYZ' is not the system, a collaborative or a trust code.",
        "error: 2 rows refused; nothing was written.",
    ]
    assert chart_settings.settings_rows(charted, "VACANCY_RATE", "C&M").empty, "nothing half-written"
    written = run_cli("settings", "import", str(write(tmp_path, GOOD)), url=url_of(charted))
    assert written.returncode == 0, written.stderr
    assert "Wrote 3 rows" in written.stdout
    settings = chart_settings.settings_for(charted, "VACANCY_RATE", "C&M")
    assert settings.targets == [(pd.Timestamp("2026-04-01"), 6.0, "Board target for 2026/27")]
    again = run_cli("settings", "import", str(write(tmp_path, GOOD)), url=url_of(charted))
    assert again.returncode == 2 and "row 2: This chart already has that target (Apr 2026)" in again.stderr


def test_a_settings_file_with_other_columns_is_refused_in_one_line(charted, tmp_path):
    result = run_cli("settings", "import", str(write(tmp_path, "kpi,scope\nX,Y\n")), url=url_of(charted))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "The columns must be kpi_code, scope, kind, month, value, text" in result.stderr


def test_export_summary_says_the_target_in_force_and_the_suggestion(charted, tmp_path):
    run_cli("settings", "import", str(write(tmp_path, GOOD)), url=url_of(charted))
    out = tmp_path / "summary.csv"
    result = run_cli("export", "summary", "--scope", "system", "--out", str(out), url=url_of(charted))
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(out).set_index("KPI code")
    for column in (
        "Month",
        "Value",
        "Target",
        "Variation",
        "Assurance",
        "Reading",
        "Suggested recalculation",
    ):
        assert column in frame.columns, column
    vacancy = frame.loc["VACANCY_RATE"]
    assert (vacancy["Month"], vacancy["Target"], vacancy["Target from"]) == ("2026-10", 6, "2026-04")
    assert "Target 6% from Apr 2026: Board target for 2026/27." in vacancy["Reading"]
    assert "7.5%" not in vacancy["Reading"]
    assert "Limits recalculated from Oct 2025: New absence policy." in frame.loc["SICKNESS_RATE", "Reading"]


def test_export_summary_is_the_file_the_overview_downloads(engine, spy, tmp_path):  # noqa: F811
    add_observations(engine, ROWS, synthetic=True, file_name="downloads-fixture.csv")
    _, offered = open_page(spy)
    app = one(offered, "mdc-summary_").data
    out = tmp_path / "summary.csv"
    result = run_cli("export", "summary", "--scope", "C&M", "--out", str(out), url=url_of(engine))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == app


def test_export_series_carries_the_chart(charted, tmp_path):
    run_cli("settings", "import", str(write(tmp_path, GOOD)), url=url_of(charted))
    out = tmp_path / "series.csv"
    result = run_cli(
        "export", "series", "--scope", "system", "--kpi", "vacancy_rate", "--from", "2024-01",
        "--out", str(out), url=url_of(charted),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    frame = pd.read_csv(io.BytesIO(out.read_bytes())).set_index("Month")
    assert list(frame.index[[0, -1]]) == ["2024-01", "2026-10"]
    for column in ("Mean", "Lower process limit", "Upper process limit", "Point type", "Segment", "Target"):
        assert column in frame.columns, column
    assert frame.loc["2026-03", "Target"] == 7.5 and frame.loc["2026-04", "Target"] == 6
    assert frame.loc["2025-01", "Annotation"] == "Recruitment drive launched"
    assert set(frame["Point type"]) <= {"common cause", "special cause improvement (low)",
                                        "special cause concern (high)"}  # fmt: skip
    assert set(frame["Segment"]) == {1}
    unknown = run_cli(
        "export", "series", "--scope", "system", "--kpi", "NOPE", "--out", str(out), url=url_of(charted)
    )
    assert unknown.returncode == 2 and "there is no KPI with the code 'NOPE'" in unknown.stderr
