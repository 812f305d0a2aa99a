"""Text a lead types or imports is stored without control characters, once, where it is written
(`kpi.words.text.stored_text`); every XML writer goes through `kpi.words.text.xml_safe`, so text stored
before the
rule (or from anywhere else) cannot stop the PowerPoint deck or a chart image. Both sides of each rule:
line breaks and tabs are kept, every other control character is not; every write path (annotation,
chart-setting reason, commentary sections and owner, milestone notes, plan scenario name and description,
assumption reason, an import's file name) on every backend."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kpi.access.auth import User
from kpi.ingest import apply_import, prepare_import
from kpi.notes import annotations, chart_settings, commentary
from kpi.notes.common import NoteError
from kpi.plan import assumptions as plan_store
from kpi.programme.milestones import update_milestone
from kpi.store.db import session_scope
from kpi.store.models import Annotation, ChartSetting, Commentary, ImportBatch, Milestone, PlanScenario
from kpi.words.text import stored_text, xml_safe

LEAD = User("lead@example.nhs.uk", "Workforce Lead", "lead")
# Every kind of character the rule removes: NUL, BEL, vertical tab, form feed, an ANSI colour sequence,
# DEL, a C1 control (NEL), a bidi override, a zero-width space, a lone surrogate, a non-character.
HOSTILE = "\x00\x07\x0b\x0c\x1b[31m\x7f\x85\u202e\u200b\ud800\ufffe"
TYPED = f"Agency{HOSTILE} spend\r\nrose\tin MSK"
STORED = "Agency spend\nrose\tin MSK"


def test_stored_text_keeps_words_line_breaks_and_tabs_and_removes_the_rest():
    assert stored_text(TYPED) == STORED
    assert stored_text("one\rtwo\r\nthree\nfour") == "one\ntwo\nthree\nfour", "every line break is \\n"
    assert stored_text("Ünïcödé – “quotes” £5 ✓ 😀") == "Ünïcödé – “quotes” £5 ✓ 😀", "printable text kept"
    assert stored_text(HOSTILE) == ""


def test_xml_safe_removes_only_what_xml_forbids():
    assert xml_safe("a\x00b\x01c\x0bd\x0ce\x1ff\ud800g\ufffeh\uffff") == "abcdefgh"
    kept = "tab\tline\nreturn\r DEL\x7f NEL\x85 bidi\u202e £ 😀"
    assert xml_safe(kept) == kept, "characters XML allows stay (the write path removes them)"


def _only(engine, model, **where):
    with session_scope(engine) as s:
        return s.scalars(select(model).filter_by(**where)).one()


def test_annotations_are_stored_clean_when_added_and_edited(engine):
    note = annotations.add_annotation(engine, LEAD, "VACANCY_RATE", "C&M", dt.date(2026, 1, 1), TYPED)
    assert _only(engine, Annotation, id=note).text == STORED
    annotations.edit_annotation(engine, LEAD, note, text=f"Bank{HOSTILE} rules")
    assert _only(engine, Annotation, id=note).text == "Bank rules"
    with pytest.raises(NoteError, match="cannot be left empty"):
        annotations.add_annotation(engine, LEAD, "VACANCY_RATE", "C&M", dt.date(2026, 2, 1), HOSTILE)


def test_chart_setting_reasons_are_stored_clean_when_added_and_removed(engine):
    setting = chart_settings.add_setting(
        engine, LEAD, "VACANCY_RATE", "C&M", "target", TYPED, period=dt.date(2026, 4, 1), value=6.0
    )
    assert _only(engine, ChartSetting, id=setting).reason == STORED
    chart_settings.remove_setting(engine, LEAD, setting, f"Superseded{HOSTILE}")
    assert _only(engine, ChartSetting, id=setting).removed_reason == "Superseded"
    with pytest.raises(NoteError, match="cannot be left empty"):
        chart_settings.add_setting(
            engine, LEAD, "VACANCY_RATE", "C&M", "target", HOSTILE, period=dt.date(2026, 5, 1), value=6.0
        )


def test_commentary_sections_and_owner_are_stored_clean(engine):
    texts = {name: f"{name}: {TYPED}" for name in commentary.SECTIONS}
    commentary.save_commentary(
        engine, LEAD, "VACANCY_RATE", "C&M", dt.date(2026, 10, 1), owner=f"AHP{HOSTILE} lead", **texts
    )
    row = _only(engine, Commentary, kpi_code="VACANCY_RATE")
    for name in commentary.SECTIONS:
        assert getattr(row, name) == f"{name}: {STORED}"
    assert row.owner == "AHP lead"


def test_milestone_notes_are_stored_clean(engine):
    update_milestone(engine, LEAD, "M2", notes=TYPED)
    assert _only(engine, Milestone, code="M2").notes == STORED


def test_scenario_names_descriptions_and_assumption_reasons_are_stored_clean(engine):
    plan_store.save_scenario(engine, LEAD, f"OT{HOSTILE} retention", {"leaver_rate_pts": -1}, TYPED)
    row = _only(engine, PlanScenario)
    assert (row.name, row.description) == ("OT retention", STORED)
    plan_store.set_assumption(engine, LEAD, "PHYSIO", "graduates", "all", 300, TYPED)
    assert list(plan_store.assumption_history(engine, "PHYSIO")["reason"]) == [STORED]
    with pytest.raises(NoteError, match="cannot be left empty"):
        plan_store.save_scenario(engine, LEAD, HOSTILE, {"leaver_rate_pts": -1})


def test_an_imports_file_name_is_stored_clean(engine):
    data = b"period,trust_code,profession,kpi_code,value\n2026-01,REM,PHYSIO,SIP_FTE,10\n"
    preview = prepare_import(engine, "march\x1b]0;title\x07\x00.csv", data, today=dt.date(2026, 3, 1))
    assert preview.ok, preview.problems
    result = apply_import(engine, LEAD, preview, replace=False)
    assert result.batch_id is not None
    assert _only(engine, ImportBatch, id=result.batch_id).file_name == "march.csv"
