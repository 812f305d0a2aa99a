"""Reference data as the facts stand: a merger or membership change is confirmed or planned, and only
confirmed ones apply (in the roll-ups and when an import maps old codes); planned ones are notes."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd

from kpi.figures import queries, scopes
from kpi.figures.queries import KPIFilter
from kpi.ingest.lookups import load_reference_data, map_successors
from kpi.reference.load import REFERENCE_DIR, load_reference
from tests.conftest import add_observations


def figures(engine, level: str, **filters) -> dict[tuple[str, str], float]:
    """{(scope, 'YYYY-MM'): staff in post FTE} at one level."""
    frame = queries.kpi_series(KPIFilter(kpis=("SIP_FTE",), **filters), level, engine)
    return {(row.scope_code, f"{row.period:%Y-%m}"): float(row.value) for row in frame.itertuples()}


def test_bridgewater_stays_its_own_trust_in_mhldc_after_march_2026(engine):
    # The merger into RWW from April 2026 is planned, not confirmed: RY2's 200 FTE counts for RY2 and
    # MHLDC, never for RWW or CMAST (whose April is RWW's 300 alone).
    add_observations(
        engine,
        [
            ("SIP_FTE", "RY2", None, "2026-03", 190, None, None),
            ("SIP_FTE", "RY2", None, "2026-04", 200, None, None),
            ("SIP_FTE", "RWW", None, "2026-04", 300, None, None),
        ],
    )
    trusts = figures(engine, "trust")
    assert trusts[("RY2", "2026-03")] == 190
    assert trusts[("RY2", "2026-04")] == 200
    assert trusts[("RWW", "2026-04")] == 300
    collabs = figures(engine, "collaborative")
    assert collabs[("MHLDC", "2026-04")] == 200
    assert collabs[("CMAST", "2026-04")] == 300
    assert figures(engine, "system")[("C&M", "2026-04")] == 500
    assert figures(engine, "trust", trusts=("RWW",)) == {("RWW", "2026-04"): 300}
    assert figures(engine, "collaborative", collaboratives=("CMAST",)) == {("CMAST", "2026-04"): 300}


def test_royal_liverpool_counts_as_itself_to_september_2019_and_under_rem_from_october(engine):
    # RQ6 merged into REM on 2019-10-01: September 2019 is RQ6's own; from October its rows count
    # under REM (40 + 100).
    add_observations(
        engine,
        [
            ("SIP_FTE", "RQ6", None, "2019-09", 30, None, None),
            ("SIP_FTE", "REM", None, "2019-09", 90, None, None),
            ("SIP_FTE", "RQ6", None, "2019-10", 40, None, None),
            ("SIP_FTE", "REM", None, "2019-10", 100, None, None),
        ],
    )
    assert figures(engine, "trust", trusts=("REM",)) == {("REM", "2019-09"): 90, ("REM", "2019-10"): 140}
    assert figures(engine, "trust", trusts=("RQ6",)) == {("RQ6", "2019-09"): 30}


def test_an_import_maps_only_confirmed_mergers(engine):
    ref = load_reference_data(engine)
    assert ref.successions["RQ6"] == ("REM", dt.date(2019, 10, 1))
    assert "RY2" not in ref.successions
    trust = pd.Series(["RQ6", "RQ6", "RY2"])
    period = pd.Series([dt.date(2019, 9, 1), dt.date(2019, 10, 1), dt.date(2026, 4, 1)])
    mapped, notices = map_successors(trust, period, pd.Series([2, 3, 4]), ref)
    assert list(mapped) == ["RQ6", "REM", "RY2"]
    assert len(notices) == 1


def _reference_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, folder)
    return folder


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


def test_a_planned_merger_in_the_file_is_loaded_as_planned_and_ignored_by_the_roll_up(engine, tmp_path):
    folder = _reference_copy(tmp_path)
    _append(folder / "successions.csv", "RBL,RWW,2024-01-01,planned,A made-up planned merger")
    load_reference(engine, folder)
    stored = queries.successions(engine).set_index("old_code")
    assert stored.loc["RBL", "status"] == "planned"
    add_observations(
        engine,
        [
            ("SIP_FTE", "RBL", None, "2024-02", 50, None, None),
            ("SIP_FTE", "RWW", None, "2024-02", 70, None, None),
        ],
    )
    trusts = figures(engine, "trust")
    assert trusts[("RBL", "2024-02")] == 50
    assert trusts[("RWW", "2024-02")] == 70
    assert figures(engine, "trust", trusts=("RWW",)) == {("RWW", "2024-02"): 70}


def test_a_planned_membership_does_not_count_in_the_collaborative(engine, tmp_path):
    folder = _reference_copy(tmp_path)
    _append(folder / "memberships.csv", "REM,MHLDC,2024-01-01,,planned,A made-up planned joining")
    load_reference(engine, folder)
    add_observations(
        engine,
        [
            ("SIP_FTE", "REM", None, "2024-02", 80, None, None),
            ("SIP_FTE", "RW4", None, "2024-02", 20, None, None),
        ],
    )
    assert figures(engine, "collaborative")[("MHLDC", "2024-02")] == 20
    assert figures(engine, "collaborative", collaboratives=("MHLDC",)) == {("MHLDC", "2024-02"): 20}
    assert "MHLDC" not in queries.trusts(engine).set_index("ods_code").loc["REM", "collaboratives"]


def test_the_planned_changes_note_names_bridgewater(engine):
    names = dict(zip(queries.trusts(engine)["ods_code"], queries.trusts(engine)["short_name"], strict=True))
    note = scopes.planned_changes_note(
        queries.successions(engine).to_dict("records"), queries.memberships(engine).to_dict("records"), names
    )
    assert note == (
        "Planned (not applied): Bridgewater (RY2) into Warrington and Halton (RWW) "
        "from 01/04/2026 (to confirm)"
    )


def test_the_planned_changes_note_lists_membership_changes_and_is_none_without_any():
    successions = [
        {
            "old_code": "RVY",
            "successor_code": "RBN",
            "effective_from": dt.date(2023, 7, 1),
            "status": "confirmed",
        }
    ]
    assert scopes.planned_changes_note(successions, [], {}) is None
    memberships = [
        {
            "trust_code": "RY2",
            "collaborative_code": "MHLDC",
            "valid_from": dt.date(2021, 4, 1),
            "valid_to": dt.date(2026, 3, 31),
            "status": "planned",
        },
        {
            "trust_code": "REM",
            "collaborative_code": "MHLDC",
            "valid_from": dt.date(2027, 4, 1),
            "valid_to": None,
            "status": "planned",
        },
    ]
    assert scopes.planned_changes_note(successions, memberships, {"RY2": "Bridgewater"}) == (
        "Planned (not applied): Bridgewater (RY2) leaves MHLDC after 31/03/2026 (to confirm); "
        "REM (REM) joins MHLDC from 01/04/2027 (to confirm)"
    )
