"""The reconciliation of submitted AHP FTE with NHS Workforce Statistics (issue 30): a published staff-role
file in its real layout (a merged trust's old code, a suppressed cell, a profession on one side only, the
arts therapists as one group, rows of other staff groups and regions) kept beside the trusts' own
submissions, never over them; the exact table; the tolerance on both sides of each edge; the command
line's CSV the same bytes as the page's; undo takes the published figures back."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from kpi.access.auth import User
from kpi.figures import published
from kpi.ingest import apply_import, prepare_import, reconciliation, undo_batch
from kpi.ingest.dispatch import prepare_file
from tests.cli.test_cli import run_cli
from tests.ingest.test_ingest import observation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reconciliation"
PUBLISHED = FIXTURES / "staff_role_2025_03.csv"
SUBMITTED = FIXTURES / "submitted_2025_03.csv"
LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
MARCH = dt.date(2025, 3, 1)
R = reconciliation


def load(engine, path: Path, data: bytes | None = None, *, replace: bool = False):
    content = data if data is not None else path.read_bytes()
    preview = prepare_file(engine, path.name, content)
    assert preview.ok, preview.problems
    result = apply_import(engine, LEAD, preview, replace=replace)
    assert result.applied, result.message
    return preview, result


@pytest.fixture
def both(engine):
    submitted = load(engine, SUBMITTED)
    publication = load(engine, PUBLISHED)
    return submitted, publication


EXPECTED = [
    # trust, profession, submitted, published, difference, flag
    ("RBN", "Dietitians", 15.0, 12.0, 3.0, R.DIFFERS),  # 3 FTE and 25%: beyond both
    ("RBN", "Physiotherapists", 71.5, 70.0, 1.5, R.WITHIN),  # RVY's 30 + RBN's 40 (merged 2023)
    ("RBS", "Speech and language therapists", 11.9, 10.0, 1.9, R.WITHIN),  # 19% but under 2 FTE
    ("REM", "Occupational therapists", 56.0, 50.0, 6.0, R.DIFFERS),
    ("REM", "Physiotherapists", 120.0, 120.5, -0.5, R.WITHIN),  # two care settings: 100 + 20.5
    ("REM", "Podiatrists", None, 8.0, None, R.NOT_SUBMITTED),
    ("REM", "Speech and language therapists", 14.0, None, None, R.NOT_PUBLISHED),
    ("RET", "Physiotherapists", 25.0, None, None, R.SUPPRESSED),  # "*"
    ("RW4", "Occupational therapists", 209.0, 200.0, 9.0, R.WITHIN),  # 9 FTE but 4.5%
    ("RW4", "Arts therapists (art, music and drama, not split)", 4.5, 6.0, -1.5, R.WITHIN),  # 2+1.5+1
]


def rows_of(table: pd.DataFrame) -> list[tuple]:
    def cell(value):
        return None if pd.isna(value) else value

    return [tuple(cell(v) for v in row) for row in table[R.COLUMNS].itertuples(index=False, name=None)]


def test_the_published_file_is_kept_beside_the_submissions_not_over_them(engine, both):
    _, (preview, result) = both
    assert preview.rows_changed == 0  # no submitted figure is touched
    assert observation(engine, "SIP_FTE", "REM", "PHYSIO", "2025-03").value == 120.0
    assert observation(engine, "SIP_HC", "REM", "PHYSIO", "2025-03").value == 130  # headcount still loads
    kept = published.in_force(engine, "SIP_FTE", MARCH)
    assert len(kept) == 9 and int(kept["value"].isna().sum()) == 1  # RET's suppressed physiotherapists
    assert (
        "9 published figure(s) (SIP_FTE by trust and profession) are kept as the publication's"
        in " ".join(n.message for n in preview.notices)
    )
    assert "9 published figures kept beside the submissions" in result.message


def test_the_reconciliation_table_has_exact_figures_and_flags(engine, both):
    table = R.reconciliation_table(R.reconciliation(engine, MARCH))
    assert list(table.columns) == R.COLUMNS  # real data: no synthetic column
    assert rows_of(table) == EXPECTED


@pytest.mark.parametrize(
    ("submitted", "published_fte", "flag"),
    [
        (102.0, 100.0, R.WITHIN),  # 2 FTE exactly: not more than 2
        (102.01, 100.0, R.WITHIN),  # more than 2 FTE but 2.01% of 100
        (105.01, 100.0, R.DIFFERS),  # more than 5% and more than 2 FTE
        (97.99, 100.0, R.WITHIN),  # below: 2.01 FTE but 2%
        (42.1, 40.0, R.DIFFERS),  # 2.1 FTE, 5.25%
        (42.0, 40.0, R.WITHIN),  # 2 FTE, 5%: neither more
        (0.0, 3.0, R.DIFFERS),  # a trust with none against a published 3
        (float("nan"), 3.0, R.NOT_SUBMITTED),
        (3.0, float("nan"), R.SUPPRESSED),
    ],
)
def test_the_tolerance_is_more_than_5_percent_and_more_than_2_fte(submitted, published_fte, flag):
    assert R.flag(submitted, published_fte, True) == flag


def test_a_figure_missing_from_the_publication_is_said_so():
    assert R.flag(14.0, float("nan"), False) == R.NOT_PUBLISHED


def test_the_command_line_writes_the_same_bytes_as_the_page(engine, both, database_url, tmp_path):
    out = tmp_path / "recon.csv"
    result = run_cli("export", "reconciliation", "--period", "2025-03", "--out", str(out), url=database_url)
    assert result.returncode == 0, result.stderr
    assert "Wrote 10 rows for Mar 2025" in result.stdout and "2 differ by more than 5%" in result.stdout
    assert out.read_bytes() == R.reconciliation_csv(R.reconciliation(engine, MARCH))
    lines = out.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == "Trust code,Profession,Submitted FTE,Published FTE,Difference,Flag"
    assert lines[1] == "RBN,Dietitians,15.0,12.0,3.0,Differs by more than 5% and 2 FTE"
    assert lines[6] == "REM,Podiatrists,,8.0,,Not submitted"
    assert lines[8] == "RET,Physiotherapists,25.0,,,Suppressed in the publication"


def test_the_command_line_refuses_a_bad_month(database_url, tmp_path):
    result = run_cli("export", "reconciliation", "--period", "March", "--out", str(tmp_path / "r.csv"),
                     url=database_url)  # fmt: skip
    assert result.returncode == 2 and "expected a month as YYYY-MM" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_revised_publication_replaces_the_figure_and_undo_brings_it_back(engine, both):
    revised = PUBLISHED.read_text(encoding="utf-8").replace(
        "Dietitian,Acute,Qualified,Band 6,12.0,", "Dietitian,Acute,Qualified,Band 6,14.5,"
    )
    _, result = load(engine, Path("staff_role_2025_03_revised.csv"), revised.encode())
    frame = R.reconciliation(engine, MARCH).set_index(["trust_code", "profession_code"])
    assert frame.loc[("RBN", "DIET"), "published"] == 14.5
    assert frame.loc[("RBN", "DIET"), "flag"] == R.WITHIN  # 0.5 FTE now
    undo_batch(engine, LEAD, result.batch_id)
    frame = R.reconciliation(engine, MARCH).set_index(["trust_code", "profession_code"])
    assert frame.loc[("RBN", "DIET"), "published"] == 12.0


def test_importing_the_same_publication_again_writes_nothing(engine, both):
    again = prepare_file(engine, PUBLISHED.name, PUBLISHED.read_bytes())
    result = apply_import(engine, LEAD, again, replace=False)
    assert not result.applied and result.message.startswith("Nothing to import")


def test_a_file_with_only_the_published_fte_imports(engine):
    lines = PUBLISHED.read_text(encoding="utf-8").splitlines()
    only_fte = "\n".join(",".join(line.split(",")[:-1]) for line in lines) + "\n"  # no Headcount column
    preview, result = load(engine, Path("fte_only.csv"), only_fte.encode())
    assert preview.rows_added == 0 and "9 published figures kept" in result.message
    assert len(published.in_force(engine, "SIP_FTE", MARCH)) == 9


def test_synthetic_submissions_are_labelled_in_the_file(engine):
    from kpi.seed.demo import load_demo

    load_demo(engine, end=MARCH)
    load(engine, PUBLISHED, replace=True)  # the demo's headcounts give way; its FTE stays submitted
    frame = R.reconciliation(engine, MARCH)
    table = R.reconciliation_table(frame)
    assert list(table.columns) == [*R.COLUMNS, "Synthetic data"]
    assert set(table["Synthetic data"]) == {"yes"}
    assert not math.isnan(
        frame.set_index(["trust_code", "profession_code"]).loc[("REM", "PHYSIO"), "submitted"]
    )


def test_a_month_without_a_publication_is_an_empty_file_with_the_header(engine, tmp_path, database_url):
    preview = prepare_import(engine, "s.csv", SUBMITTED.read_bytes())
    apply_import(engine, LEAD, preview, replace=False)
    frame = R.reconciliation(engine, MARCH)
    assert set(frame["flag"]) == {R.NOT_PUBLISHED}
    out = tmp_path / "r.csv"
    result = run_cli("export", "reconciliation", "--period", "2025-04", "--out", str(out), url=database_url)
    assert result.returncode == 0 and "No published figures for that month" in result.stdout
    assert out.read_bytes().decode("utf-8-sig").strip() == ",".join(R.COLUMNS)


# --- the Data submissions page ------------------------------------------------------------------------


def shown(value: float | None, *, signed: bool = False) -> str:
    """A figure as the page shows it: '120.50', '+1.50', '–' for none."""
    return "–" if value is None else f"{value:+,.2f}" if signed else f"{value:,.2f}"


def reconciliation_shown(at) -> pd.DataFrame | None:
    tables = [df.value for df in at.main.dataframe if "Published FTE" in df.value.columns]
    return tables[0] if tables else None


def test_the_page_shows_the_reconciliation_and_the_filters_it_says_apply(engine, both):
    from tests.figures.test_freshness import run_page

    at = run_page(to="2025-03")
    table = reconciliation_shown(at)
    assert table is not None and rows_of(table) == [
        (trust, profession, *(shown(v, signed=i == 2) for i, v in enumerate(figures)), flag)
        for trust, profession, *figures, flag in EXPECTED
    ]
    headline = (
        "Mar 2025: 2 of 10 trust and profession figures differ by more than 5% and more than 2 FTE; "
        "1 not submitted; 1 not in the publication; 1 suppressed in the publication."
    )
    assert headline in [m.value for m in at.main.markdown]
    # The trust filter narrows it; the profession filter (said not to apply) changes nothing.
    narrowed = reconciliation_shown(run_page(to="2025-03", trust="REM"))
    assert narrowed is not None and list(narrowed["Trust code"]) == ["REM"] * 4
    same = reconciliation_shown(run_page(to="2025-03", profession="PHYSIO"))
    assert same is not None and same.equals(table)
    # The period filter: a period ending before the published month offers none.
    february = SUBMITTED.read_text(encoding="utf-8").splitlines()[0] + "\n2025-02,REM,PHYSIO,SIP_FTE,119,,\n"
    assert apply_import(
        engine, LEAD, prepare_import(engine, "feb.csv", february.encode()), replace=False
    ).applied
    before = run_page(to="2025-02")
    assert reconciliation_shown(before) is None
    assert any("No published staff-role figures" in str(i.value) for i in before.main.info)


def test_a_file_of_published_figures_only_is_worth_importing_until_it_is_imported(engine):
    """The Import data page offers the Import button while `rows_added + rows_changed + published_new`
    is above nought (app_pages/import_data.py)."""
    lines = PUBLISHED.read_text(encoding="utf-8").splitlines()
    only_fte = ("\n".join(",".join(line.split(",")[:-1]) for line in lines) + "\n").encode()
    preview = prepare_file(engine, "fte_only.csv", only_fte)
    assert (preview.rows_added, preview.published_new, len(preview.published)) == (0, 9, 9)
    assert apply_import(engine, LEAD, preview, replace=False).applied
    again = prepare_file(engine, "fte_only.csv", only_fte)
    assert (again.rows_added, again.published_new) == (0, 0)
