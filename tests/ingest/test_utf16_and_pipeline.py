"""Two smaller findings of the hardening pass, each on both sides:

- Excel's "Unicode Text" export (UTF-16 little-endian with a byte-order mark, tab-separated, saved as
  .txt) is read, as are UTF-16 without a byte-order mark and tab-separated UTF-8; a damaged UTF-16 file is
  refused naming the encoding and how to save the file as UTF-8; a binary file is still refused.
- A PostgreSQL connection that dies in the middle of an import's batch of updates (psycopg runs
  executemany in a pipeline) gives the user one line, on the command line and in the app, never
  psycopg's second message "error ignored terminating <psycopg.Pipeline [BAD] ...>".
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from kpi.ingest import read_table
from kpi.ingest.dispatch import prepare_file
from tests.ui.test_app import run_app

ROOT = Path(__file__).resolve().parents[2]
ROWS = [
    ["period", "trust_code", "profession", "kpi_code", "value"],
    ["2026-01", "REM", "Physiotherapists", "SIP_FTE", "312.4"],
    ["2026-01", "RBS", "Occupational therapists", "SIP_FTE", "12"],
]
TABBED = "\r\n".join("\t".join(row) for row in ROWS) + "\r\n"


def test_excels_unicode_text_is_read_as_utf16_and_tab_separated():
    read = read_table("figures.txt", TABBED.encode("utf-16"))  # Python's utf-16: LE with a BOM, as Excel
    assert read.table is not None and not read.problems
    assert list(read.table.columns) == [*ROWS[0], "row_no"]
    assert list(read.table["value"]) == ["312.4", "12"]
    assert read.encoding == "utf-16"
    assert any("UTF-16" in n.message for n in read.notices)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read_too(codec):
    read = read_table("figures.txt", TABBED.encode(codec))
    assert read.table is not None and list(read.table["trust_code"]) == ["REM", "RBS"]


def test_tab_separated_utf8_is_read_and_commas_stay_the_default():
    tabbed = read_table("figures.tsv", TABBED.encode())
    assert tabbed.table is not None and any("tab-separated" in n.message for n in tabbed.notices)
    commas = "\n".join(",".join(row) for row in ROWS).encode()
    read = read_table("figures.csv", commas)
    assert read.table is not None and not [n for n in read.notices if "tab" in n.message]


def test_damaged_utf16_is_refused_naming_the_encoding_and_how_to_save_as_utf8():
    cut = TABBED.encode("utf-16")[:-1]  # an odd number of bytes: cut short
    read = read_table("figures.txt", cut)
    (problem,) = read.problems
    assert read.table is None and "UTF-16" in problem.message and "CSV UTF-8" in problem.fix


def test_a_binary_file_with_nul_bytes_is_still_not_a_table():
    read = read_table("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    assert read.table is None and "binary" in read.problems[0].message


def test_the_unicode_text_file_imports_like_the_csv(engine):
    preview = prepare_file(engine, "figures.txt", TABBED.encode("utf-16"), today=dt.date(2026, 3, 1))
    assert preview.ok, [p.message for p in preview.problems]
    assert preview.rows_added == 2


# --- a PostgreSQL connection lost mid-import -------------------------------------------------------------

KILL_ON_999 = """
CREATE FUNCTION kill_on_999() RETURNS trigger AS $$ BEGIN
    IF NEW.value = 999 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER kill_on_999 BEFORE UPDATE ON observations FOR EACH ROW EXECUTE FUNCTION kill_on_999();
"""


def _figures(value_of) -> bytes:
    """Staff in post for three trusts, four professions, twelve months of 2025."""
    lines = ["period,trust_code,profession,kpi_code,value"]
    for month in range(1, 13):
        for trust in ("REM", "RBS", "RBN"):
            for profession in ("PHYSIO", "OT", "SLT", "DIET"):
                lines.append(
                    f"2025-{month:02d},{trust},{profession},SIP_FTE,{value_of(month, trust, profession)}"
                )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def dying_postgres(engine, backend, tmp_path):
    """A PostgreSQL database holding 144 figures, whose connection dies when an import updates one of
    them to 999 (a trigger terminates its own backend): a connection lost in the middle of a batch."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL only: the pipeline is psycopg's")
    first = tmp_path / "first.csv"
    first.write_bytes(_figures(lambda *_: 10))
    done = _cli("import", str(first), url=engine.url.render_as_string(hide_password=False))
    assert done.returncode == 0, done.stderr
    with engine.begin() as conn:
        conn.exec_driver_sql(KILL_ON_999)
    return engine


def _cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KPI_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "kpi", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def _replacement(tmp_path, fatal: bool) -> Path:
    path = tmp_path / ("fatal.csv" if fatal else "fine.csv")
    path.write_bytes(_figures(lambda m, t, p: 999 if fatal and (m, t, p) == (6, "RBS", "OT") else 11))
    return path


def test_the_command_line_says_one_line_when_the_connection_dies_mid_import(dying_postgres, tmp_path):
    url = dying_postgres.url.render_as_string(hide_password=False)
    failed = _cli("import", str(_replacement(tmp_path, fatal=True)), "--replace", url=url)
    assert failed.returncode != 0
    assert "Pipeline" not in failed.stderr and "error ignored" not in failed.stderr, failed.stderr
    (line,) = failed.stderr.strip().splitlines()
    assert line.startswith("error: database error:"), line
    with dying_postgres.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM observations WHERE value = 10")).scalar_one() == 144
    fine = _cli("import", str(_replacement(tmp_path, fatal=False)), "--replace", url=url)
    assert fine.returncode == 0 and fine.stderr == "", "the other side: the same import without the fault"


def test_the_app_says_one_sentence_and_logs_no_pipeline_warning(dying_postgres, tmp_path, caplog):
    at = run_app("app_pages/import_data.py")
    data = _replacement(tmp_path, fatal=True).read_bytes()
    at.file_uploader(key="upload_file").upload("fatal.csv", data, "text/csv").run()
    at.checkbox(key="import_replace").check().run()
    with caplog.at_level(logging.DEBUG, logger="psycopg"):
        at.button(key="import_go").click().run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "nothing was imported" in shown and "Pipeline" not in shown
    warnings = [r for r in caplog.records if r.name.startswith("psycopg") and r.levelno >= logging.WARNING]
    assert warnings == [], [r.getMessage() for r in warnings]


def test_only_psycopgs_second_error_is_demoted_to_debug(caplog):
    import kpi.store.db  # noqa: F401  (installs the filter on the psycopg logger)

    with caplog.at_level(logging.DEBUG, logger="psycopg"):
        logging.getLogger("psycopg").warning("error ignored terminating %r: %s", "<Pipeline [BAD]>", "closed")
        logging.getLogger("psycopg").warning("some other warning")
    levels = {r.getMessage().split(" ")[0]: r.levelno for r in caplog.records}
    assert levels == {"error": logging.DEBUG, "some": logging.WARNING}
