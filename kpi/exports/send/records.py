"""The record of board packs sent (send_records): one row per message delivered, so that a scheduled job
run twice does not send the same month twice to the same recipient."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pandas as pd
from sqlalchemy import Engine, Table, func, insert, select

from kpi.figures.completeness import read_frame
from kpi.store.db import session_scope
from kpi.store.models import SendRecord

_s = cast(Table, SendRecord.__table__)


def _address(email: str) -> str:
    return email.strip().lower()


def sent_before(engine: Engine, email: str, scope: str, fmt: str, period: dt.date) -> dt.datetime | None:
    """When this recipient was last sent this scope, format and month (None: never)."""
    with engine.connect() as conn:
        return conn.execute(
            select(func.max(_s.c.sent_at)).where(
                _s.c.recipient == _address(email), _s.c.scope == scope, _s.c.fmt == fmt, _s.c.period == period
            )
        ).scalar_one_or_none()


def record_sent(
    engine: Engine, email: str, scope: str, fmt: str, period: dt.date, message_id: str, *,
    provisional: bool, resent: bool, sent_at: dt.datetime | None = None,
) -> None:  # fmt: skip
    with session_scope(engine) as session:
        session.connection().execute(
            insert(_s),
            {
                "recipient": _address(email)[:320],
                "scope": scope[:16],
                "fmt": fmt[:8],
                "period": period,
                "sent_at": sent_at or dt.datetime.now(dt.UTC),
                "message_id": message_id[:255],
                "provisional": provisional,
                "resent": resent,
            },
        )


def send_history(engine: Engine) -> pd.DataFrame:
    """Every send, newest first."""
    return read_frame(engine, select(_s).order_by(_s.c.sent_at.desc(), _s.c.id.desc()))


__all__ = ["record_sent", "send_history", "sent_before"]
