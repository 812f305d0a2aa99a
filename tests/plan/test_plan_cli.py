"""`python -m kpi plan`: the CSV it writes, read back by pandas, and one line with exit status 2 for
every bad argument (no traceback, nothing written)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kpi.__main__ import main
from kpi.plan import assumptions as store
from tests.conftest import add_observations
from tests.plan.test_plan_inputs import LEAD, apprentice_rows, leaver_rows, staff_rows

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = [
    "month",
    "profession",
    "scenario",
    "supply_fte_p50",
    "supply_fte_p05",
    "supply_fte_p95",
    "establishment_fte",
    "gap_fte",
    "synthetic",
]


@pytest.fixture
def small(engine):
    add_observations(engine, staff_rows() + leaver_rows() + apprentice_rows())
    return engine


def plan(*args: str) -> list[str]:
    return ["plan", *args]


def test_the_csv_has_a_row_per_month_profession_and_scenario(small, tmp_path, capsys):
    out = tmp_path / "plan.csv"
    code = main(
        plan(
            "--scope",
            "C&M",
            "--profession",
            "PHYSIO,ot",
            "--years",
            "2",
            "--scenario",
            "Retention +2 pts",
            "--scenario",
            "international recruitment paused",
            "--runs",
            "50",
            "--out",
            str(out),
        )
    )
    assert code == 0, capsys.readouterr().err
    frame = pd.read_csv(out)
    assert set(REQUIRED) <= set(frame.columns)
    assert len(frame) == 24 * 2 * 3
    assert list(dict.fromkeys(frame["scenario"])) == [
        "Baseline",
        "Retention +2 pts",
        "International recruitment paused",
    ]
    assert set(frame["profession"]) == {"PHYSIO", "OT"} and set(frame["scope"]) == {"C&M"}
    assert frame["synthetic"].dtype == bool and not frame["synthetic"].any()
    assert frame["month"].iloc[0] == "2026-01-01" and frame["month"].iloc[23] == "2027-12-01"
    gap = frame["establishment_fte"] - frame["supply_fte_p50"]
    assert (gap - frame["gap_fte"]).abs().max() < 0.011
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1
    assert printed[0].startswith(
        "Wrote 144 rows (24 months x 2 professions x 3 scenarios) for C&M from Dec 2025"
    )
    assert "widest gap: " in printed[0] and "SYNTHETIC" not in printed[0]


def test_synthetic_data_and_a_lead_scenario_name_are_safe_in_the_csv(engine, tmp_path, capsys):
    add_observations(engine, staff_rows() + leaver_rows(), synthetic=True)
    store.save_scenario(engine, LEAD, "=1+1", {"graduates_pct": 20})
    out = tmp_path / "plan.csv"
    assert (
        main(
            plan(
                "--scope",
                "cmast",
                "--profession",
                "PHYSIO",
                "--years",
                "1",
                "--scenario",
                "=1+1",
                "--runs",
                "10",
                "--seed",
                "3",
                "--out",
                str(out),
            )
        )
        == 0
    )
    frame = pd.read_csv(out)
    assert frame["synthetic"].all() and len(frame) == 12 * 1 * 2
    assert set(frame["scenario"]) == {"Baseline", "'=1+1"}  # shown as text in a spreadsheet, never run
    assert "SYNTHETIC demo data." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--scope", "NOWHERE", "--years", "3"], "There is no scope 'NOWHERE'"),
        (["--scope", "RX7", "--years", "3"], "system partner"),
        (
            ["--scope", "C&M", "--profession", "PHYSIO,NURSE", "--years", "3"],
            "There is no profession 'NURSE'",
        ),
        (["--scope", "C&M", "--years", "3", "--scenario", "Nope"], "There is no scenario 'Nope'"),
        (
            ["--scope", "C&M", "--years", "0"],
            "argument --years: expected a whole number of years from 1 to 10",
        ),
        (["--scope", "C&M", "--years", "11"], "argument --years"),
        (["--scope", "C&M", "--years", "2.5"], "argument --years"),
        (
            ["--scope", "C&M", "--years", "3", "--runs", "0"],
            "argument --runs: expected a whole number of runs",
        ),
        (["--scope", "C&M", "--years", "3", "--runs", "-5"], "argument --runs"),
        (["--scope", "C&M", "--years", "3", "--seed", "x"], "argument --seed"),
        (["--years", "3"], "the following arguments are required: --scope"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2(small, tmp_path, capsys, args, fragment):
    out = tmp_path / "plan.csv"
    assert main(plan(*args, "--out", str(out))) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err
    assert not out.exists()


@pytest.mark.parametrize(
    ("where", "fragment"), [("missing/plan.csv", "no such folder"), ("", "it is a folder")]
)
def test_an_unwritable_out_is_one_line_and_exit_2(small, tmp_path, capsys, where, fragment):
    target = str(tmp_path / where) if where else str(tmp_path)
    assert main(plan("--scope", "C&M", "--years", "1", "--out", target)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"cannot write --out {target}: {fragment}" in err[0]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write to a read-only folder")
def test_a_read_only_folder_is_refused(small, tmp_path, capsys):
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o555)
    assert main(plan("--scope", "C&M", "--years", "1", "--out", str(folder / "plan.csv"))) == 2
    assert "the folder is read-only" in capsys.readouterr().err


def test_a_scope_without_data_is_exit_1_in_one_line(small, tmp_path, capsys):
    assert main(plan("--scope", "RY7", "--years", "1", "--out", str(tmp_path / "p.csv"))) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no complete month of staff in post" in err[0]


def test_the_real_command_line_exit_codes(small, database_url, tmp_path):
    """As a user runs it: a new process, exit status 0 with the file, 2 with one line and no traceback."""
    env = {**os.environ, "KPI_DATABASE_URL": database_url}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "kpi", "plan", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)

    out = tmp_path / "plan.csv"
    done = run("--scope", "MHLDC", "--years", "1", "--runs", "20", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert len(pd.read_csv(out)) == 12 * 14  # every profession by default
    refused = run("--scope", "MHLDC", "--years", "1", "--profession", "XX", "--out", str(out))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines() == [
        "python -m kpi plan: There is no profession 'XX'; the codes are ART, DIET, DRAMA, MUSIC, OT, ODP, "
        "ORTHOPT, OSTEO, PARA, PHYSIO, POD, PO, RAD, SLT."
    ]
    assert run("--help").stdout.startswith("usage: python -m kpi plan")


def four_years(engine) -> None:
    """REM's OT, 100 FTE growing 1 FTE a month, Jan 2022 to Dec 2025, leaving at 12 % a year: 12 start
    months (Jan to Dec 2022) have 3 years after them."""
    months = pd.date_range("2022-01-01", "2025-12-01", freq="MS").strftime("%Y-%m")
    rows = [("SIP_FTE", "REM", "OT", m, 100 + i, None, None) for i, m in enumerate(months)]
    rows += [("LEAVER_RATE", "REM", "OT", m, None, 12, 100) for m in months]
    add_observations(engine, rows)


def test_the_backtest_csv_has_a_row_per_start_horizon_and_profession(engine, tmp_path, capsys):
    four_years(engine)
    out = tmp_path / "backtest.csv"
    assert main(plan("--scope", "REM", "--backtest", "--out", str(out))) == 0
    frame = pd.read_csv(out, dtype=str)
    assert frame.columns[:8].tolist() == [
        "start_month",
        "horizon",
        "profession",
        "actual",
        "p05",
        "p25",
        "p50",
        "p75",
    ]
    assert {"p95", "inside"} <= set(frame.columns)
    assert len(frame) == 12 * 3 and set(frame["profession"]) == {"OT"}
    assert frame["start_month"].iloc[0] == "2022-01" and frame["start_month"].iloc[-1] == "2022-12"
    first = frame[(frame["start_month"] == "2022-01") & (frame["horizon"] == "3")].iloc[0]
    assert first["actual"] == "135"  # 136 FTE in Jan 2025, rounded to 5 at trust level
    said = capsys.readouterr().out
    assert "Wrote 36 backtest rows for REM (12 starts)" in said and "90% band held" in said


def test_the_sensitivity_csv_puts_the_largest_lever_first(engine, tmp_path, capsys):
    four_years(engine)
    out = tmp_path / "levers.csv"
    assert main(plan("--scope", "C&M", "--years", "3", "--sensitivity", "--out", str(out))) == 0
    frame = pd.read_csv(out)
    everyone = frame[frame["profession"] == "All professions"]
    assert everyone["swing"].tolist() == sorted(everyone["swing"], reverse=True)
    for _, levers in frame.groupby("profession"):
        assert levers["swing"].tolist() == sorted(levers["swing"], reverse=True)
    assert f"largest for all professions: {everyone['input'].iloc[0]}" in capsys.readouterr().out


def test_years_are_needed_unless_it_is_the_backtest(small, tmp_path, capsys):
    assert main(plan("--scope", "C&M", "--out", str(tmp_path / "x.csv"))) == 2
    assert "--years is required" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
