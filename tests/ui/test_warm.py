"""Warm caches (kpi.ui.warm): the default views computed in the background are exactly what the Overview
reads, and after a write anywhere the watcher clears and warms them again. Shown by emptying the roll-up
tables behind kpi's back after warming (no fingerprint or data version moves): a page served from the
warm cache still shows the figures, a cold one shows none."""

from __future__ import annotations

import logging
import time

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from kpi.access.auth import User
from kpi.figures import queries
from kpi.figures.queries import KPIFilter
from kpi.ingest import apply_import
from kpi.ingest.dispatch import prepare_file
from kpi.seed.bootstrap import prepare_database
from kpi.seed.demo import load_demo
from kpi.store.db import get_engine
from kpi.ui import shared, warm
from tests.exports.test_report import END

LEAD = User("lead@cheshireandmerseyside.nhs.uk", "Workforce Lead", "lead")
SIP = "AHP staff in post (FTE)"


@pytest.fixture
def demo(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = get_engine(url)
    prepare_database(engine, with_demo=False)
    load_demo(engine, end=END)
    monkeypatch.setenv("KPI_DATABASE_URL", url)
    forget_cached()
    yield engine
    warm.stop(url)
    engine.dispose()


def forget_cached() -> None:
    """What a data change clears: the cached data and the shared caches of readings (kpi.ui.shared)."""
    st.cache_data.clear()
    shared.clear_shared()


def empty_rollups_behind_kpis_back(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM rollup_trust_months"))
        conn.execute(text("DELETE FROM rollup_month_counts"))


def overview_headline() -> str:
    at = AppTest.from_file("../../app.py", default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return next(m.value for m in at.metric if m.label == SIP)


def system_sip(engine) -> str:
    series = queries.kpi_series(KPIFilter(kpis=("SIP_FTE",)), "system", engine)
    return f"{series.loc[series['period'] == pd.Timestamp(END), 'value'].iloc[0]:,.1f} FTE"


def test_the_warmed_default_views_are_what_the_overview_reads(demo):
    expected = system_sip(demo)
    warm.default_views(str(demo.url))
    empty_rollups_behind_kpis_back(demo)
    assert overview_headline() == expected, "served from the warm cache"
    forget_cached()
    assert overview_headline() == "No data", "cold, the emptied tables show nothing"


def workstream_charts(page: str) -> int:
    at = AppTest.from_file("../../app.py", default_timeout=120)
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return len(at.get("plotly_chart"))


@pytest.mark.parametrize("page", ["workstreams", "collaboratives"])
def test_the_warmed_views_include_the_series_the_chart_pages_open_on(demo, page):
    warm.default_views(str(demo.url))
    empty_rollups_behind_kpis_back(demo)
    assert workstream_charts(page) > 0, "served from the warm cache"
    forget_cached()
    assert workstream_charts(page) == 0, "cold, the emptied tables draw no chart"


def test_at_start_the_server_warms_what_the_first_page_reads(demo, monkeypatch):
    """serve.py's start-up step, before any page has run: the views it warms are keyed as the pages
    read them (the same database URL), so the first visitor is served from the cache."""
    monkeypatch.setenv(warm.ENV_VAR, "1")
    monkeypatch.setenv("KPI_DEPLOYMENT", "local")
    expected = system_sip(demo)
    warm.at_start()
    empty_rollups_behind_kpis_back(demo)
    assert overview_headline() == expected, "the first page is served from what start-up warmed"


def test_at_start_a_refused_deployment_opens_no_database(tmp_path, monkeypatch):
    """Production without sign-in configured is refused: start-up opens, creates and warms nothing
    (the pages show only the misconfigured page)."""
    database = tmp_path / "never-created.db"
    monkeypatch.setenv(warm.ENV_VAR, "1")
    monkeypatch.setenv("KPI_DEPLOYMENT", "production")
    monkeypatch.setenv("KPI_DATABASE_URL", f"sqlite:///{database}")
    warm.at_start()
    assert not database.exists()
    monkeypatch.setenv("KPI_DEPLOYMENT", "local")  # the other side: allowed, it creates and fills it
    warm.at_start()
    warm.stop(f"sqlite:///{database}")
    assert database.exists()
    with get_engine(f"sqlite:///{database}").connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM observations")).scalar_one() > 0, "demo data"


def test_after_a_write_anywhere_the_watcher_clears_and_warms_again(demo, monkeypatch, caplog):
    monkeypatch.setenv(warm.ENV_VAR, "1")
    monkeypatch.setattr(warm, "WATCH_SECONDS", 0.05)
    caplog.set_level(logging.INFO, logger="kpi.ui")
    url = str(demo.url)
    warm.start(url)
    wait_for(caplog, "Default views warmed for data version")
    before = system_sip(demo)
    csv = "period,trust_code,profession,kpi_code,value,numerator,denominator\n"
    csv += f"{END:%Y-%m},REM,PHYSIO,SIP_FTE,1000,,\n"  # far above the demo's figure: the total moves
    result = apply_import(
        demo, LEAD, prepare_file(demo, "fix.csv", csv.encode(), channel="cli"), replace=True
    )
    assert result.applied
    after = system_sip(demo)
    assert after != before
    with demo.connect() as conn:
        version = conn.execute(text("SELECT version FROM data_version")).scalar_one()
    wait_for(caplog, f"Default views warmed for data version {version}")
    empty_rollups_behind_kpis_back(demo)
    assert overview_headline() == after, "warmed again after the import, before any page asked"


def wait_for(caplog, message: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(message in record.getMessage() for record in caplog.records):
            return
        time.sleep(0.05)
    raise AssertionError(f"not logged within {seconds} s: {message}")
