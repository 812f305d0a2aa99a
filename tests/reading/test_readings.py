"""One reading per KPI: on the demo data, for every KPI and every scope the Overview offers (the system,
both collaboratives, each member trust), the headline card says what the Making Data Count summary
says, in the same words and the icons' colour, and the month-on-month change is plain text; the charts
are drawn from the same readings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from kpi import charts
from kpi.figures import queries
from kpi.reading import chosen_window, scorecard
from kpi.reading.load import readings_for
from kpi.reading.tables import scorecard_frame, summary_frame
from kpi.reference.catalogue import KPI
from kpi.reference.load import load_reference
from kpi.seed.demo import load_demo
from kpi.store.db import get_engine, migrate

END = dt.date(2026, 10, 1)
START = dt.date(2023, 11, 1)  # the default period: the last 36 months


@dataclass
class Scope:
    code: str
    readings: dict
    card: pd.DataFrame
    summary: pd.DataFrame
    cards: dict[str, scorecard.HeadlineCard]


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("readings") / "demo.db"
    engine = get_engine(f"sqlite:///{path}")
    migrate(engine)
    load_reference(engine)
    load_demo(engine, end=END)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def scopes(demo_engine: Engine) -> dict[str, Scope]:
    """Scorecard, Making Data Count summary and headline cards (every KPI) for each scope, built as the
    Overview builds them."""
    kpis = {row["code"]: KPI.from_row(row) for row in queries.kpi_catalogue(demo_engine).to_dict("records")}
    trusts = queries.trusts(demo_engine)
    members = list(trusts.loc[trusts["role"] == "member", "ods_code"])
    out = {}
    for code in [queries.SYSTEM_CODE, "CMAST", "MHLDC", *members]:
        readings = readings_for(demo_engine, code, window=chosen_window(START, END), today=END)
        card = scorecard_frame(readings.values(), {})
        summary = summary_frame(readings.values())
        cards = scorecard.headline_cards(readings, tuple(kpis))
        out[code] = Scope(code, readings, card, summary, {c.code: c for c in cards})
    return out


@pytest.fixture(scope="module")
def kpis(demo_engine: Engine) -> dict[str, KPI]:
    return {row["code"]: KPI.from_row(row) for row in queries.kpi_catalogue(demo_engine).to_dict("records")}


def _code(value):
    return None if pd.isna(value) else value


def test_every_scope_of_the_overview_is_covered(scopes):
    assert len(scopes) == 3 + 16
    assert all(len(scope.cards) == 22 for scope in scopes.values())


def test_card_and_summary_say_the_same_for_every_kpi_and_scope(scopes, kpis):
    checked = 0
    for scope in scopes.values():
        summary = scope.summary.set_index("kpi_code")
        for code, card in scope.cards.items():
            row = summary.loc[code]
            where = f"{code} for {scope.code}"
            if card.reading is None:
                assert row["latest"] == "No data", where
                continue
            checked += 1
            # The same month and figure ...
            assert card.value == row["latest"], where
            assert scope.card.set_index("kpi_code").loc[code, "month"] == row["month"], where
            # ... the same icons, in the same words ...
            variation, assurance = _code(row["variation"]), _code(row["assurance"])
            assert (card.variation, card.assurance) == (variation, assurance), where
            short = scorecard.CARD_VARIATION_WORDS.get(variation or "", scorecard.NO_ICON_WORDS)
            assert card.reading.startswith(short), where
            assert len(card.reading) <= 36, f"{where}: one line on a phone"
            assert row["variation_label"] in card.help and row["reading"] in card.help, where
            if (
                variation is not None
                and scope.readings[code].target.value is not None
                and assurance is not None
            ):
                assert card.reading.endswith(scorecard.CARD_ASSURANCE_WORDS[assurance]), where
                assert row["assurance_label"] in card.help, where
            # ... and the icons' colour and side, never a green/red verdict on one month's change.
            assert card.colour == scorecard.card_colour(variation, assurance), where
            assert card.colour in {"blue", "orange", "violet", "gray"}, where
            kind = (variation or "none").rsplit("_", 1)[0]
            if kind in ("improvement", "concern", "neither"):
                assert card.colour == {"improvement": "blue", "concern": "orange", "neither": "violet"}[kind]
                assert {"improvement": "Improvement", "concern": "Concern", "neither": "Unusually"}[kind] in (
                    card.reading
                ), where
                assert card.arrow == ("up" if variation.endswith("_high") else "down"), where
            else:
                assert card.arrow == "off", where
            assert not any(word in card.change for word in ("better", "worse")), where
    assert checked > 300


def test_accumulating_kpis_are_trends_everywhere_and_say_why(scopes):
    for scope in scopes.values():
        summary = scope.summary.set_index("kpi_code")
        for code in ("LEAVER_RATE", "FUNDING_UTILISED"):
            if summary.loc[code, "latest"] == "No data":
                continue  # funding is collected for the system only
            assert pd.isna(summary.loc[code, "variation"]) and pd.isna(summary.loc[code, "assurance"])
            assert summary.loc[code, "reading"].endswith("so the SPC rules do not apply; shown as a trend.")
            assert scope.cards[code].colour == "gray" and scope.cards[code].arrow == "off"
    system = scopes[queries.SYSTEM_CODE].summary.set_index("kpi_code")
    assert system.loc["LEAVER_RATE", "reading"] == (
        "Leaver rate is a 12-month rolling figure: each month shares 11 months with the one before, so the "
        "SPC rules do not apply; shown as a trend."
    )
    assert system.loc["FUNDING_UTILISED", "reading"].startswith("Funding utilised is a year-to-date figure")


def test_a_board_lead_measure_at_100_percent_reads_as_nhs_england_reads_it_and_suggests_a_recalculation(
    scopes,
):
    system = scopes[queries.SYSTEM_CODE].summary.set_index("kpi_code").loc["BOARD_AHP_LEAD"]
    # The limits still include the months before 100%: NHS England's query reads target 100 at or above
    # the upper limit as consistently failing, and the reading says to recalculate from Oct 2024.
    assert system["assurance"] == "fail"
    assert system["suggestion"] == "Oct 2024"
    assert "Recalculating the limits from Oct 2024 is worth considering" in system["reading"]


def test_the_system_cards_that_used_to_contradict_the_summary(scopes):
    cards = scopes[queries.SYSTEM_CODE].cards
    sickness = cards["SICKNESS_RATE"]  # was a green "better than Sep 2026" beside a concern
    assert (sickness.colour, sickness.arrow) == ("orange", "up")
    assert sickness.reading == "Concern (high) · failing target"
    assert "Special cause concern (high). Consistently failing target." in sickness.help
    assert sickness.change.endswith("on Sep 2026")
    leavers = cards["LEAVER_RATE"]  # was a grey card beside a concern; now a trend in both
    assert leavers.colour == "gray" and leavers.reading == "No SPC icon"
    assert "Leaver rate is a 12-month rolling figure" in leavers.help


def test_the_system_charts_show_what_the_summary_says(scopes, kpis):
    system = scopes[queries.SYSTEM_CODE]
    summary = system.summary.set_index("kpi_code")
    for code, kpi in kpis.items():
        reading = system.readings[code]
        assert reading.sentence == summary.loc[code, "reading"], code
        figure = charts.spc_figure(reading, words=reading.sentence)
        names = {trace.name for trace in figure.data}
        if not kpi.is_monthly:  # a plain trend: the points, no mean, limits, point types or icons
            assert figure.layout.title.text.endswith("(trend)"), code
            assert not names & {"Mean", "Process limits", "Common cause", "Special cause: improvement"}, code
            assert len(figure.layout.images) == 0, code
        else:
            assert figure.layout.title.text.endswith("(XmR chart)"), code
            icons = 1 + (pd.notna(summary.loc[code, "assurance"]))
            assert len(figure.layout.images) == icons, code
    leavers = charts.spc_figure(system.readings["LEAVER_RATE"], words="")
    assert "12-month rolling figure" in {trace.name for trace in leavers.data}
