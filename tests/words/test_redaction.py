"""No database password reaches a page, a CLI line or a log line, whatever shape the configured URL is
in; and a visitor is told only what kind of fault it is, never the server, user or database."""

from __future__ import annotations

import logging

import pytest
from streamlit.testing.v1 import AppTest

from kpi.store.db import UNREACHABLE, DatabaseError, check_connection, get_engine
from tests.cli.test_cli import assert_one_line_failure, run_cli
from tests.words.test_text import SECRET

# The shapes seen in the field that used to print the password or a traceback (the rest of the shapes
# are in tests/words/test_text.py, for the helper itself).
BAD_URLS = [
    "postgresql+psycopg//kpi:Secret@host/ahp",  # missing colon: the whole URL was printed
    " postgresql+psycopg//kpi:Secret@host/ahp",  # the same with a leading space
    "postgresql+psycopg://kpi:Secret@host:abc/ahp",  # non-numeric port: a raw traceback
    "postgresql+psycopg://kpi:p@ss:Secret@127.0.0.1:9/ahp",  # '@' and ':' in the password
    "postgresql+psycopg://kpi:Sec%40ret%3ASecret@127.0.0.1:9/ahp",  # URL-encoded password
    "postgresql+psycopg://kpi@127.0.0.1:9/ahp?password=Secret",  # password as a query parameter
    "host=127.0.0.1 port=9 password=Secret dbname=ahp",  # a libpq keyword string
]
UNREACHABLE_URL = "postgresql+psycopg://kpi:Secret@127.0.0.1:9/ahp"  # nothing listens on port 9


def _shown(text: str) -> None:
    assert SECRET not in text and "Sec%40ret" not in text, text


@pytest.mark.parametrize("url", [*BAD_URLS, UNREACHABLE_URL])
def test_database_errors_never_hold_the_password(url):
    get_engine.cache_clear()
    with pytest.raises(DatabaseError) as raised:
        check_connection(get_engine(url))
    _shown(str(raised.value))
    assert raised.value.__cause__ is None and raised.value.__suppress_context__  # no URL in a traceback
    for word in ("127.0.0.1", "kpi", "ahp", "host", "port"):
        assert word not in raised.value.public


@pytest.mark.parametrize("url", [*BAD_URLS, UNREACHABLE_URL])
def test_cli_says_one_line_without_the_password(url):
    result = run_cli("info", url=url)
    assert_one_line_failure(result, 1)
    _shown(result.stdout + result.stderr)
    assert result.stdout == ""


@pytest.mark.parametrize("url", [BAD_URLS[0], BAD_URLS[2], BAD_URLS[6], UNREACHABLE_URL])
def test_the_page_names_the_fault_but_no_server_and_the_log_is_redacted(url, monkeypatch, caplog):
    monkeypatch.setenv("KPI_DATABASE_URL", url)
    get_engine.cache_clear()
    with caplog.at_level(logging.ERROR, logger="kpi.ui"):
        at = AppTest.from_file("../../app.py", default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = at.error
    assert error.proto.title == "The dashboard cannot open its database"
    page = " ".join(str(getattr(element, "value", "")) for element in at.main) + error.value
    _shown(page)
    for word in ("127.0.0.1", "kpi:", "/ahp", "psycopg", "port"):
        assert word not in page, page
    if url == UNREACHABLE_URL:
        assert error.value.startswith(UNREACHABLE)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "cannot open its database" in logged
    _shown(logged)
    assert not [record for record in caplog.records if record.exc_info], "no traceback in the log"
