"""The lead's notes on charts, on SQLite and PostgreSQL: annotations, chart settings and commentary are
written only by the lead, checked before anything is written, keep their history, and come back as the
charts and the pack need them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kpi import spc
from kpi.access.auth import PermissionDenied, User
from kpi.notes import annotations, chart_settings, commentary
from kpi.notes.common import NoteError, history
from kpi.store.db import session_scope
from tests.conftest import add_observations
from tests.ingest.test_ingest import snapshot

LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
BOARD = User("board@cheshireandmerseyside.nhs.uk", "Board Member", "board")
OCT = dt.date(2026, 10, 1)
NOV_2024 = dt.date(2024, 11, 1)  # 12 months of the fixture before it, 24 from it on


def months_of(kpi: str, first: str, count: int, value=lambda i: 100.0 + i % 2) -> list[tuple]:
    """System-level rows of `kpi` for `count` months from `first` ('YYYY-MM')."""
    months = pd.date_range(f"{first}-01", periods=count, freq="MS")
    return [(kpi, None, None, f"{m:%Y-%m}", value(i), None, None) for i, m in enumerate(months)]


@pytest.fixture
def charted(engine):
    """Three years of staff in post for the system (Nov 2023 to Oct 2026) and of the named-AHP-lead share,
    so that settings can change the charts."""
    add_observations(engine, months_of("SIP_FTE", "2023-11", 36))
    share = [(kpi, None, None, month, None, 17.0, 17.0) for kpi, _, _, month, *_ in
             months_of("BOARD_AHP_LEAD", "2023-11", 36)]  # fmt: skip
    add_observations(engine, share)
    return engine


def test_an_annotation_shows_for_its_scope_and_every_scope_one_for_all(engine):
    mine = annotations.add_annotation(
        engine, LEAD, "sip_fte", "CMAST", dt.date(2026, 4, 17), " Recruitment drive "
    )
    every = annotations.add_annotation(engine, LEAD, "SIP_FTE", None, OCT, "Bridgewater services transferred")
    annotations.add_annotation(engine, LEAD, "VACANCY_RATE", "CMAST", OCT, "Another KPI")
    cmast = annotations.annotations_for(engine, ["SIP_FTE"], "CMAST")
    assert list(cmast["id"]) == [mine, every]
    assert list(cmast["text"]) == ["Recruitment drive", "Bridgewater services transferred"]
    assert cmast["period"].iloc[0] == pd.Timestamp("2026-04-01"), "stored as its month"
    assert list(annotations.annotations_for(engine, ["SIP_FTE"], "MHLDC")["id"]) == [every]


def test_editing_and_removing_an_annotation_keeps_its_history(engine):
    note = annotations.add_annotation(engine, LEAD, "SIP_FTE", "C&M", OCT, "Drive")
    assert annotations.edit_annotation(engine, LEAD, note, text="Recruitment drive launched")
    assert not annotations.edit_annotation(engine, LEAD, note, text="Recruitment drive launched")
    annotations.remove_annotation(engine, LEAD, note)
    assert annotations.annotations_for(engine, ["SIP_FTE"]).empty
    with session_scope(engine) as s:
        changes = [(c.field, c.old_value, c.new_value, c.changed_by) for c in history(s, "annotation", note)]
    assert changes == [
        ("text", "Drive", "Recruitment drive launched", LEAD.email),
        ("removed", None, "yes", LEAD.email),
    ]


@pytest.mark.parametrize(
    ("kpi", "scope", "text", "words"),
    [
        ("SIP_FTE", "C&M", "   ", "Write the text"),
        ("SIP_FTE", "C&M", "x" * 201, "is 201 characters; keep it to 200"),
        ("NOPE", "C&M", "Drive", "no KPI with the code 'NOPE'"),
        ("SIP_FTE", "ZZZ", "Drive", "'ZZZ' is not the system, a collaborative or a trust code"),
    ],
)
def test_a_bad_annotation_is_refused_and_nothing_written(engine, kpi, scope, text, words):
    before = snapshot(engine)
    with pytest.raises(NoteError, match=words):
        annotations.add_annotation(engine, LEAD, kpi, scope, OCT, text)
    assert snapshot(engine) == before


def test_board_members_read_but_never_write(engine):
    note = annotations.add_annotation(engine, LEAD, "SIP_FTE", "C&M", OCT, "Drive")
    before = snapshot(engine)
    for write in (
        lambda: annotations.add_annotation(engine, BOARD, "SIP_FTE", "C&M", OCT, "Mine"),
        lambda: annotations.remove_annotation(engine, BOARD, note),
        lambda: chart_settings.add_setting(engine, BOARD, "SIP_FTE", "C&M", "ghost", "why", period=OCT),
        lambda: commentary.save_commentary(engine, BOARD, "SIP_FTE", "C&M", OCT, tells="Up"),
    ):
        with pytest.raises(PermissionDenied):
            write()
    assert snapshot(engine) == before


def test_chart_settings_become_the_engines_arguments_and_the_readings_words(charted):
    engine = charted
    add = chart_settings.add_setting
    add(engine, LEAD, "SIP_FTE", "C&M", "baseline", "the first year before the programme", points=12)
    add(engine, LEAD, "SIP_FTE", "C&M", "recalculation", "new triage model", period=dt.date(2025, 4, 1))
    add(engine, LEAD, "SIP_FTE", "C&M", "ghost", "ESR migration month", period=dt.date(2025, 1, 9))
    add(engine, LEAD, "SIP_FTE", "C&M", "target", "plan refresh", period=dt.date(2026, 4, 1), value=6000)
    settings = chart_settings.settings_for(engine, "SIP_FTE", "C&M")
    assert chart_settings.spc_arguments(settings) == {
        "recalculate_at": [pd.Timestamp("2025-04-01")],
        "baseline": 12,
        "ghosts": [pd.Timestamp("2025-01-01")],
        "targets": [(pd.Timestamp("2026-04-01"), 6000.0)],
    }
    assert chart_settings.setting_words(settings, lambda v: f"{v:,.0f} FTE") == [
        "Limits fixed on the first 12 months (baseline): the first year before the programme.",
        "Limits recalculated from Apr 2025: new triage model.",
        "Jan 2025 is a ghost point, left out of the limits and rules: ESR migration month.",
        "Target 6,000 FTE from Apr 2026: plan refresh.",
    ]
    # The arguments are the engine's own.
    months = pd.date_range("2024-01-01", periods=36, freq="MS")
    result = spc.xmr([10.0, 12.0] * 18, months, **chart_settings.spc_arguments(settings))
    assert result.points.loc[12, "point_type"] == "ghost" and result.target == 6000.0
    assert chart_settings.settings_for(engine, "SIP_FTE", "CMAST") == chart_settings.ChartSettings()


@pytest.mark.parametrize(
    ("kind", "fields", "words"),
    [
        ("baseline", {"points": 11}, "A baseline is 12 to 120 points"),
        ("baseline", {"points": 121}, "A baseline is 12 to 120 points"),
        ("target", {"period": OCT, "value": "high"}, "Give the target as a number"),
        ("ghost", {}, "must be a month"),
        ("rebase", {"period": OCT}, "'rebase' is not a chart setting"),
    ],
)
def test_a_setting_its_kind_cannot_take_is_refused(engine, kind, fields, words):
    with pytest.raises(NoteError, match=words):
        chart_settings.add_setting(engine, LEAD, "SIP_FTE", "C&M", kind, "a reason", **fields)


def test_a_baseline_is_taken_only_where_later_months_are_read_against_it(charted):
    engine = charted
    chart_settings.add_setting(engine, LEAD, "SIP_FTE", "C&M", "baseline", "why", points=12)
    assert chart_settings.settings_for(engine, "SIP_FTE", "C&M").baseline == (12, "why")
    # 36 months: a baseline of 35 leaves one month to read against it, one of 36 none.
    chart_settings.add_setting(engine, LEAD, "BOARD_AHP_LEAD", "C&M", "baseline", "why", points=35)
    with pytest.raises(NoteError, match="A baseline of 36 months needs more than 36 complete months"):
        chart_settings.add_setting(engine, LEAD, "SIP_FTE", "CMAST", "baseline", "why", points=36)
    with pytest.raises(NoteError, match="there are 0"):  # CMAST has no figures at all
        chart_settings.add_setting(engine, LEAD, "SIP_FTE", "CMAST", "baseline", "why", points=12)


def test_every_setting_needs_a_reason_and_is_not_repeated_until_removed(charted):
    engine = charted
    with pytest.raises(NoteError, match="Write the reason"):
        chart_settings.add_setting(engine, LEAD, "SIP_FTE", "C&M", "ghost", " ", period=OCT)
    first = chart_settings.add_setting(engine, LEAD, "SIP_FTE", "C&M", "ghost", "one-off", period=OCT)
    with pytest.raises(NoteError, match="already has that ghost"):
        chart_settings.add_setting(engine, LEAD, "SIP_FTE", "C&M", "ghost", "again", period=OCT)
    chart_settings.remove_setting(engine, LEAD, first, "it was real after all")
    assert chart_settings.settings_for(engine, "SIP_FTE", "C&M").ghosts == []
    chart_settings.add_setting(engine, LEAD, "SIP_FTE", "C&M", "ghost", "again", period=OCT)


def test_accepting_a_suggestion_adds_the_recalculation_and_both_decisions_are_remembered(charted):
    engine = charted
    with pytest.raises(NoteError, match="needs at least 12 months after it; Oct 2026 has 1"):
        chart_settings.decide_suggestion(engine, LEAD, "BOARD_AHP_LEAD", "C&M", OCT, "accepted", "too late")
    chart_settings.decide_suggestion(
        engine, LEAD, "BOARD_AHP_LEAD", "C&M", NOV_2024, "accepted", "met 100% for a year"
    )
    chart_settings.decide_suggestion(
        engine, LEAD, "BOARD_AHP_LEAD", "C&M", dt.date(2025, 1, 1), "dismissed", "noise"
    )
    settings = chart_settings.settings_for(engine, "BOARD_AHP_LEAD", "C&M")
    assert settings.recalculations == [(pd.Timestamp(NOV_2024), "met 100% for a year")]
    assert chart_settings.decided_months(engine, "BOARD_AHP_LEAD", "C&M") == {
        pd.Timestamp(NOV_2024),
        pd.Timestamp("2025-01-01"),
    }


def test_commentary_saves_with_history_and_carries_over_as_a_draft(engine):
    save = commentary.save_commentary
    assert save(
        engine, LEAD, "SIP_FTE", "C&M", OCT, tells="Up 21 FTE", actions="Keep the drive", owner="AHP lead"
    )
    assert not save(
        engine, LEAD, "SIP_FTE", "C&M", OCT, tells="Up 21 FTE", actions="Keep the drive", owner="AHP lead"
    )
    final = {"tells": "Up 21.0 FTE", "actions": "Keep the drive", "owner": "AHP lead"}
    assert save(engine, LEAD, "SIP_FTE", "C&M", OCT, status="final", **final)
    october = commentary.commentary_for(engine, "SIP_FTE", "C&M", OCT)
    assert (october.tells, october.status, october.carried_over_from) == ("Up 21.0 FTE", "final", None)
    november = commentary.commentary_for(engine, "SIP_FTE", "C&M", dt.date(2026, 11, 1))
    assert (november.tells, november.status, november.carried_over_from) == ("Up 21.0 FTE", "draft", OCT)
    assert commentary.commentary_for(engine, "SIP_FTE", "C&M", dt.date(2026, 9, 1)).is_empty
    assert commentary.commentary_for(engine, "SIP_FTE", "CMAST", OCT).is_empty
    with session_scope(engine) as s:
        fields = [c.field for c in history(s, "commentary", 1)]
    # Created as a draft, then made final with one word changed: version 2.
    assert fields == ["tells", "actions", "owner", "status", "version", "tells", "status"]


def test_final_commentary_needs_what_the_chart_tells_us(engine):
    with pytest.raises(NoteError, match="before marking the commentary final"):
        commentary.save_commentary(engine, LEAD, "SIP_FTE", "C&M", OCT, status="final", actions="Act")
