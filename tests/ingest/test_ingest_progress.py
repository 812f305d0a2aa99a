"""The import preview's progress bar only moves forward, from 0 to 1, one stage of checks after another
(the bar a lead watches on a large file must never jump back)."""

from __future__ import annotations

from kpi.ingest import TEMPLATE_COLUMNS, prepare_import


def test_the_preview_reports_each_stage_in_order_and_never_goes_back(engine):
    calls: list[tuple[float, str]] = []
    rows = "2025-04,REM,PHYSIO,SIP_FTE,100,,\n2025-04,REM,OT,SIP_FTE,50,,\n"
    data = (",".join(TEMPLATE_COLUMNS) + "\n" + rows).encode()
    preview = prepare_import(engine, "x.csv", data, progress=lambda f, m: calls.append((f, m)))
    assert preview.ok, preview.problems
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert [m for _, m in calls] == [
        "Reading the file",
        "Checking 2 rows",
        "Checking codes",
        "Checking numbers",
        "Checking for duplicate rows",
        "Rows checked",
        "Comparing with the database",
        "Ready to import",
    ]
