"""`python -m kpi`: the commands work, and every failure is one clear line with a non-zero exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if url is not None:
        env["KPI_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "kpi", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def assert_one_line_failure(result: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_init_demo_info_on_a_new_database(empty_database_url):
    init = run_cli("init", url=empty_database_url)
    assert init.returncode == 0, init.stderr
    assert "22 KPIs" in init.stdout and "14 professions and 1 combined group(s)" in init.stdout
    demo = run_cli("demo", "--end", "2025-03", url=empty_database_url)
    assert demo.returncode == 0, demo.stderr
    assert "SYNTHETIC" in demo.stdout and "Apr 2022 to Mar 2025" in demo.stdout
    info = run_cli("info", url=empty_database_url)
    assert info.returncode == 0, info.stderr
    assert "16 member trusts, 1 system partner" in info.stdout
    assert "Collaboratives:  2" in info.stdout
    assert "Professions:     14" in info.stdout
    assert "Workstreams:     7" in info.stdout
    assert "KPIs:            22" in info.stdout
    assert "Milestones:      6" in info.stdout
    assert "all synthetic demo data" in info.stdout
    assert "Data as at:      Mar 2025" in info.stdout


@pytest.mark.parametrize("command", [[], ["init"], ["demo"], ["info"]])
def test_help_on_each_command(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m kpi")


def test_unknown_command_is_one_line_and_exit_2():
    assert_one_line_failure(run_cli("frobnicate"), 2, "invalid choice: 'frobnicate'", "--help")


def test_bad_month_argument_is_one_line_and_exit_2():
    assert_one_line_failure(run_cli("demo", "--end", "March"), 2, "expected a month as YYYY-MM")


def test_malformed_database_url_is_one_line(tmp_path):
    assert_one_line_failure(run_cli("info", url="not a url"), 1, "malformed")


def test_unreachable_database_is_one_line():
    result = run_cli("init", url="postgresql+psycopg://nobody@127.0.0.1:9/nowhere")
    assert_one_line_failure(result, 1, "Cannot connect to postgresql+psycopg://nobody@127.0.0.1:9/nowhere")


def test_info_on_a_missing_sqlite_file_says_to_run_init_and_creates_nothing(tmp_path):
    path = tmp_path / "missing.db"
    assert_one_line_failure(run_cli("info", url=f"sqlite:///{path}"), 1, "run 'python -m kpi init'")
    assert not path.exists()


GOOD = (
    "period,trust_code,profession,kpi_code,value,numerator,denominator\n"
    "2026-09,REM,Physiotherapists,SIP_FTE,312.4,,\n"
    "2026-09,REM,Physiotherapists,VACANCY_RATE,,24.6,337\n"
)


def observation_count(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM observations")).scalar_one()
    engine.dispose()
    return count


def test_import_exit_codes_and_nothing_written_unless_it_succeeds(database_url, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad = ROOT / "tests" / "fixtures" / "imports" / "mixed_problems.csv"

    result = run_cli("import", str(bad), url=database_url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("row 1, column notes: Unknown column")
    assert any(line.startswith("row 3, column trust_code: Unknown trust code") for line in lines)
    assert lines[-1].startswith("error: 8 problems found")
    assert observation_count(database_url) == 0

    dry = run_cli("import", str(good), "--dry-run", url=database_url)
    assert dry.returncode == 0 and "nothing was written" in dry.stdout
    assert observation_count(database_url) == 0

    done = run_cli("import", str(good), url=database_url)
    assert done.returncode == 0 and "2 new" in done.stdout
    assert observation_count(database_url) == 2

    good.write_text(GOOD.replace("312.4", "320.0"), encoding="utf-8")
    refused = run_cli("import", str(good), url=database_url)
    assert refused.returncode == 1 and "--replace" in refused.stderr
    replaced = run_cli("import", str(good), "--replace", url=database_url)
    assert replaced.returncode == 0 and "1 changed" in replaced.stdout

    undone = run_cli("undo", "2", url=database_url)
    assert undone.returncode == 0 and "undone" in undone.stdout
    assert observation_count(database_url) == 2


def test_import_usage_errors_exit_2(database_url):
    assert_one_line_failure(
        run_cli("import", url=database_url), 2, "the following arguments are required: PATH"
    )
    assert_one_line_failure(run_cli("import", "/no/such/file.csv", url=database_url), 2, "no such file")


def test_import_recognises_a_published_layout_and_says_which_it_took(database_url):
    path = ROOT / "tests" / "fixtures" / "nhs_workforce" / "staff_group_by_profession.csv"
    result = run_cli("import", str(path), url=database_url)
    assert result.returncode == 0, result.stderr
    assert "note: Taken as NHS Workforce Statistics: staff group, care setting, level and organisation" in (
        result.stdout
    )
    assert "11 of 17 rows used; left out: 2 not an organisation-level row" in result.stdout
    assert "Published figures kept beside the submissions: 10." in result.stdout
    assert observation_count(database_url) == 9  # headcounts; the FTE is kept as the published figure


def test_import_of_an_unrecognised_layout_names_the_sources_it_knows(database_url, tmp_path):
    path = tmp_path / "pwr.csv"
    path.write_text("Month,Trust,Vacant FTE\n2026-09,REM,12\n", encoding="utf-8")
    result = run_cli("import", str(path), url=database_url)
    assert result.returncode == 1 and observation_count(database_url) == 0
    assert "does not recognise this file's columns (Month, Trust, Vacant FTE)" in result.stderr
    assert "NHS Sickness Absence Rates: benchmarking by organisation and staff group: DATE, ORG_CODE" in (
        result.stderr
    )


def test_terminal_escape_codes_in_a_cell_never_reach_the_terminal(database_url, tmp_path):
    # A cell that would clear the screen and turn what follows red, and one that sets the terminal's
    # title: the CLI prints the words, without the control sequences.
    path = tmp_path / "esc.csv"
    path.write_text(
        "period,trust_code,profession,kpi_code,value,numerator,denominator\n"
        "2026-09,\x1b[2J\x1b[31mred,Physiotherapists,SIP_FTE,312.4,,\n"
        "2026-09,REM,Physiotherapists\x1b]0;owned\x07,SIP_FTE,312.4,,\n"
        + "".join(f"2026-0{m},REM,Physiotherapists,SIP_FTE,31{m}.4,,\n" for m in range(1, 9)),
        encoding="utf-8",
    )
    result = run_cli("import", str(path), url=database_url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    output = result.stdout + result.stderr
    assert 'Unknown trust code "red"' in output, output
    assert not [ch for ch in output if (ord(ch) < 32 and ch not in "\n\t") or 0x7F <= ord(ch) <= 0x9F]


def test_import_prints_the_first_1000_problems_and_counts_the_rest(database_url, tmp_path):
    path = tmp_path / "many.csv"
    rows = [f"2025-03,XYZ,,SIP_FTE,{i},," for i in range(1_001)]
    path.write_text("period,trust_code,profession,kpi_code,value,numerator,denominator\n" + "\n".join(rows))
    result = run_cli("import", str(path), url=database_url)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    problems = [line for line in lines if line.startswith("row ")]
    assert len(problems) == 1_000
    assert problems[0].startswith("row 2, column trust_code: Unknown trust code")
    assert problems[-1].startswith("row 1001, column trust_code:")
    assert lines[1_000] == "… and 1 more problem of the same kinds: fix these and upload again."
    assert "1,001 x column trust_code: Unknown trust code. (1,000 listed)" in lines[1_001]
    assert lines[-1].startswith("error: 1,001 problems found")
    assert observation_count(database_url) == 0


@pytest.mark.parametrize("rows", ["lots", "0", "-5", "60000000"])
def test_demo_rows_must_be_a_count_and_exit_2(rows):
    assert_one_line_failure(run_cli("demo", "--rows", rows), 2, "--rows")


def test_benchmark_rows_are_synthetic_member_trusts_that_count_in_the_system(engine):
    import datetime as dt

    from kpi.figures import queries
    from kpi.seed.demo_scale import MONTHS, add_benchmark_rows

    added = add_benchmark_rows(engine, 20_000, dt.date(2026, 10, 1), seed=1)
    status = queries.data_status(engine)
    counted = queries.observation_counts(engine).total
    assert 0 < added == counted <= 20_000, "one trust's ten years, under the count asked for"
    assert status.all_synthetic
    assert add_benchmark_rows(engine, counted, dt.date(2026, 10, 1), seed=1) == 0
    assert queries.observation_counts(engine).total == added, "nothing more when it holds enough"
    assert (status.first_period, status.last_period) == (dt.date(2016, 11, 1), dt.date(2026, 10, 1))
    assert MONTHS == 120
    flt = queries.KPIFilter(kpis=("SIP_FTE",), period_from=dt.date(2026, 10, 1))
    trust = queries.kpi_series(flt, "trust", engine)
    assert list(trust["scope_code"]) == ["ZB000"]
    system = queries.kpi_series(flt, "system", engine)
    assert system["value"].iloc[0] == pytest.approx(trust["value"].iloc[0])
    collab = queries.kpi_series(flt, "collaborative", engine)
    assert list(collab["scope_code"]) == ["CMAST"]
