"""Published files in their real layouts, with their mess (other regions and staff groups, prefixed values,
dd/mm/yyyy dates, trailing blank lines, predecessor codes), recognised by themselves and loaded with exact
figures after roll-up; a definition a lead adds by copying a file; broken definitions refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kpi.access.auth import User
from kpi.figures import published, queries
from kpi.ingest import apply_import
from kpi.ingest.dispatch import prepare_file
from kpi.ingest.sources import SOURCES_DIR, header_key, load_definitions, recognise, value_key
from tests.ingest.test_ingest import observation, snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")


def load(engine, name: str, sources: Path = SOURCES_DIR):
    path = FIXTURES / name
    preview = prepare_file(engine, path.name, path.read_bytes(), sources=sources)
    assert preview.ok, preview.problems
    result = apply_import(engine, LEAD, preview, replace=False)
    assert result.applied
    return preview


def system_value(engine, kpi: str, month: str) -> float:
    series = queries.kpi_series(queries.KPIFilter(kpis=(kpi,)), "system", engine)
    row = series[series["period"] == f"{month}-01"]
    assert len(row) == 1, series
    return float(row["value"].iloc[0])


def test_headers_and_values_match_whatever_their_case_spacing_and_prefix():
    assert header_key("ORG_CODE") == header_key("Org code") == header_key(" org-code ") == "org code"
    assert value_key("013_Scientific, therapeutic & technical staff") == value_key(
        "Scientific therapeutic and technical staff"
    )
    assert value_key("Band 3") != value_key("Band 4")


def test_each_shipped_layout_is_recognised_and_named():
    definitions = load_definitions()
    expected = {
        "nhs_workforce_staff_group.csv": ("nhs_workforce_staff_group", None),
        "nhs_workforce_staff_role.csv": ("nhs_workforce_staff_role", None),
        "nhs_sickness_absence_2025.csv": ("nhs_sickness_absence", "since Aug 2022 (with ICS columns)"),
        "nhs_sickness_absence_2022_apr.csv": (
            "nhs_sickness_absence",
            "Apr to Jul 2022 (without ICS columns)",
        ),
        "nhs_sickness_absence_archive_2019.csv": ("nhs_sickness_absence", "2018 to 2022 archive"),
    }
    for name, (source_id, layout) in expected.items():
        header = (FIXTURES / name).read_text(encoding="utf-8").splitlines()[0]
        recognition = recognise(header.split(","), definitions)
        assert recognition.source is not None and recognition.source.id == source_id, name
        assert recognition.layout == layout, name
    template = recognise(["period", "trust_code", "profession", "kpi_code", "value"], definitions)
    assert template.source is not None and template.source.kind == "template"


def test_staff_group_long_layout_loads_only_as_the_st_and_t_proxy(engine):
    preview = load(engine, "nhs_workforce_staff_group.csv")
    assert preview.source == "nhs_workforce_staff_group"
    assert preview.notices[0].message == (
        "Taken as NHS Workforce Statistics: staff group by organisation (FTE and headcount)."
    )
    assert preview.rows_in_file == 12
    assert preview.excluded == {
        "a staff group or measure this source does not load": 2,  # nurses, ambulance staff
        "no organisation code (a national, regional or ICB total)": 1,  # England
        "an organisation outside Cheshire and Merseyside": 1,  # RRK
        "a figure that is not a number (or is negative)": 1,  # "*"
    }
    assert observation(engine, "STT_SIP_FTE", "REM", None, "2025-01").value == 1234.5  # "1,234.5", prefixed
    assert observation(engine, "STT_SIP_HC", "REM", None, "2025-01").value == 1320
    assert observation(engine, "STT_SIP_FTE", "RBN", None, "2025-01").value == 610.0  # no comma in the name
    # Southport and Ormskirk: itself in June 2023, joining RBN from July 2023 (248 + 400).
    assert observation(engine, "STT_SIP_FTE", "RVY", None, "2023-06").value == 250.0
    assert observation(engine, "STT_SIP_FTE", "RBN", None, "2023-07").value == 648.0
    # Never an AHP figure.
    assert observation(engine, "SIP_FTE", "REM", None, "2025-01") is None
    assert system_value(engine, "STT_SIP_FTE", "2025-01") == 1844.5
    assert queries.kpi_catalogue(engine).set_index("code").loc["STT_SIP_FTE", "name"].endswith("proxy)")


def test_staff_role_layout_gives_ahps_by_profession_and_the_support_workforce(engine):
    preview = load(engine, "nhs_workforce_staff_role.csv")
    assert preview.source == "nhs_workforce_staff_role"
    assert preview.excluded == {
        "a staff group 2, staff group 1 or band this source does not load": 2,  # band 5 support, nurses
        "an organisation outside Cheshire and Merseyside": 1,
        "a profession the dashboard does not recognise": 1,  # "AHP Manager"
        "a figure that is not a number (or is negative)": 1,  # "-"
    }
    left_out = " ".join(n.message for n in preview.notices)
    assert "'AHP Manager'" in left_out and "'RRK'" in left_out
    # The AHP FTE is the published figure, kept beside the trusts' submissions, not written as SIP_FTE.
    assert observation(engine, "SIP_FTE", "REM", "PHYSIO", "2025-01") is None
    kept = published.in_force(engine, "SIP_FTE").set_index(["trust_code", "profession_code"])["value"]
    assert kept.to_dict() == {
        ("RBS", "SLT"): 30.0,
        ("REM", "PHYSIO"): 120.5,  # two care settings
        ("REM", "POD"): 10.4,
        ("REM", "RAD"): 100.0,  # diagnostic + therapeutic
    }  # RBT's dietitians ("-") are not a number, so not kept
    assert observation(engine, "SIP_HC", "REM", "PHYSIO", "2025-01").value == 131
    assert (
        "2 headcount figure(s) were added up from several rows: a person counted in two of them (two roles, "
        "care settings or merged trusts) counts twice here, where NHS England's own totals count them once."
    ) in [n.message for n in preview.notices]
    assert observation(engine, "SIP_HC", "REM", "RAD", "2025-01").value == 107  # diagnostic + therapeutic
    assert observation(engine, "SUPPORT_FTE", "REM", None, "2025-01").value == 52.5  # bands 3 and 4, not 5


def test_sickness_absence_since_2022_rolls_up_from_days_not_rates(engine):
    preview = load(engine, "nhs_sickness_absence_2025.csv")
    assert preview.notices[0].message == (
        "Taken as NHS Sickness Absence Rates: benchmarking by organisation and staff group, layout since "
        "Aug 2022 (with ICS columns)."
    )
    assert preview.excluded == {
        "a staff group this source does not load": 2,  # all staff groups, nurses
        "an organisation outside Cheshire and Merseyside": 1,
    }
    assert (
        "2 row(s) left out: a staff group this source does not load ('All staff groups', 'Nurses & health "
        "visitors'); rows 3, 4."
    ) in [n.message for n in preview.notices]
    rem = observation(engine, "STT_SICKNESS_RATE", "REM", None, "2025-01")
    assert (rem.numerator, rem.denominator) == (1520.4, 31000.0)
    # (1520.4 + 800) / (31000 + 20000) x 100, not the mean of 4.90 and 4.00.
    assert system_value(engine, "STT_SICKNESS_RATE", "2025-01") == pytest.approx(4.549803921568627, abs=1e-9)
    assert system_value(engine, "STT_SICKNESS_RATE", "2025-02") == 5.0
    assert observation(engine, "SICKNESS_RATE", "REM", None, "2025-01") is None  # never the AHP KPI


def test_sickness_absence_april_2022_layout_keeps_a_predecessor_before_its_merger(engine):
    load(engine, "nhs_sickness_absence_2022_apr.csv")
    assert observation(engine, "STT_SICKNESS_RATE", "RVY", None, "2022-04").numerator == 210.0
    assert system_value(engine, "STT_SICKNESS_RATE", "2022-04") == pytest.approx(2210 / 46000 * 100, abs=1e-9)


def test_sickness_absence_archive_maps_royal_liverpool_from_its_merger(engine):
    preview = load(engine, "nhs_sickness_absence_archive_2019.csv")
    assert preview.excluded == {"a staff group this source does not load": 1}
    assert observation(engine, "STT_SICKNESS_RATE", "RQ6", None, "2019-09").numerator == 1100.0
    october = observation(engine, "STT_SICKNESS_RATE", "REM", None, "2019-10")
    assert (october.numerator, october.denominator) == (1500.0, 40000.0)  # RQ6 1000 + REM 500
    assert observation(engine, "STT_SICKNESS_RATE", "RQ6", None, "2019-10") is None
    assert observation(engine, "STT_SICKNESS_RATE", "RBL", None, "2019-10").numerator == 300.0  # rate "n/a"


PWR = """\
# The Provider Workforce Return extract our trusts send (a local layout, added by the lead).
id = "pwr_extract"
name = "Provider Workforce Return extract"
publisher = "C&M trusts"
about = "AHP vacancies and establishment by profession."

[columns]
month = ["Month"]
org = ["Trust code"]
profession = ["Profession"]
vacant = ["Vacant WTE"]
establishment = ["Establishment WTE"]

[[figures]]
kpi = "VACANCY_RATE"
numerator = "vacant"
denominator = "establishment"
profession = "profession"

[[figures]]
kpi = "ESTAB_FTE"
value = "establishment"
profession = "profession"
"""


def test_a_lead_adds_a_layout_by_copying_a_definition(engine, tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    data = b"Month,Trust code,Profession,Vacant WTE,Establishment WTE\nOct 2026,REM,Physiotherapist,12,150\n"
    before = prepare_file(engine, "pwr.csv", data, sources=sources)
    assert not before.ok and "does not recognise" in before.problems[0].message
    (sources / "pwr_extract.toml").write_text(PWR, encoding="utf-8")
    preview = prepare_file(engine, "pwr.csv", data, sources=sources)
    assert preview.ok, preview.problems
    assert preview.source == "pwr_extract"
    apply_import(engine, LEAD, preview, replace=False)
    assert observation(engine, "VACANCY_RATE", "REM", "PHYSIO", "2026-10").value == 8.0
    assert observation(engine, "ESTAB_FTE", "REM", "PHYSIO", "2026-10").value == 150.0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("id = 'x'\nname = 'X'\n[columns\n", "x_broken.toml is not valid TOML"),
        ("id = 'Bad Id'\nname = 'X'\n[columns]\nmonth = ['M']\norg = ['O']\n", "id 'Bad Id' must be"),
        (
            "id = 'x'\nname = 'X'\n[columns]\nmonth = ['M']\n[[figures]]\nkpi='SIP_FTE'\nvalue='v'\n",
            "role(s) org",
        ),
        (
            "id = 'x'\nname = 'X'\n[columns]\nmonth=['M']\norg=['O']\n"
            "[[figures]]\nkpi='SIP_FTE'\nvalue='v'\n",
            "figure SIP_FTE uses role(s) not in [columns]: v",
        ),
        ("id = 'template'\nname = 'X'\nkind = 'template'\n[columns]\nperiod = ['period']\n", "both have id"),
    ],
)
def test_a_broken_definition_stops_imports_with_its_file_named(engine, tmp_path, text, words):
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    (sources / "x_broken.toml").write_text(text, encoding="utf-8")
    before = snapshot(engine)
    good = (FIXTURES / "nhs_workforce_staff_group.csv").read_bytes()
    preview = prepare_file(engine, "staff.csv", good, sources=sources)
    assert not preview.ok
    message = preview.problems[0].message
    assert (
        message.startswith("A source definition is not valid, so nothing was imported: ") and words in message
    )
    assert "x_broken.toml" in message
    assert snapshot(engine) == before


def test_a_definition_naming_an_unknown_kpi_is_refused(engine, tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    (sources / "pwr_extract.toml").write_text(PWR.replace('"ESTAB_FTE"', '"NO_SUCH_KPI"'), encoding="utf-8")
    data = b"Month,Trust code,Profession,Vacant WTE,Establishment WTE\nOct 2026,REM,Physiotherapist,12,150\n"
    preview = prepare_file(engine, "pwr.csv", data, sources=sources)
    assert not preview.ok
    assert "pwr_extract.toml names KPI code(s) NO_SUCH_KPI" in preview.problems[0].message
