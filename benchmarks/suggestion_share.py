"""How often the SPC view suggests recalculating, on the demo data: every KPI read as an XmR chart for the
system, both collaboratives and every member trust, over each KPI's default period and over the whole
history, with the readings the app shows (kpi.reading, mergers and membership changes included).

    python benchmarks/suggestion_share.py [--end YYYY-MM]

Prints the share, and the suggestions by KPI. Measures a rule, not speed: it never fails a build."""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kpi.figures import queries
from kpi.reading import Window
from kpi.reading.load import readings_for
from kpi.reference.load import load_reference
from kpi.seed.demo import last_complete_month, load_demo
from kpi.store.db import get_engine, migrate
from kpi.words.months import parse_month


def count(
    engine, scopes: list[str], window: Window | None, today: dt.date
) -> tuple[int, int, collections.Counter]:
    charts = suggested = 0
    by_kpi: collections.Counter = collections.Counter()
    for scope in scopes:
        for code, reading in readings_for(engine, scope, window=window, today=today).items():
            if reading.chart_type != "xmr":
                continue
            charts += 1
            if reading.suggestion is not None:
                suggested += 1
                by_kpi[code] += 1
    return charts, suggested, by_kpi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--end", type=parse_month, help="the demo's last month (default: last complete)")
    args = parser.parse_args()
    end = args.end or last_complete_month()
    with tempfile.TemporaryDirectory() as folder:
        engine = get_engine(f"sqlite:///{folder}/demo.db")
        migrate(engine)
        load_reference(engine)
        load_demo(engine, end=end)
        trusts = queries.trusts(engine)
        scopes = [queries.SYSTEM_CODE, "CMAST", "MHLDC", *trusts.loc[trusts["role"] == "member", "ods_code"]]
        for label, window in (("default period", None), ("whole history", Window(None, None))):
            charts, suggested, by_kpi = count(engine, scopes, window, end)
            share = f"{suggested} of {charts} XmR charts ({suggested / charts:.1%})"
            print(f"{label}: {share} suggest recalculating")
            print("   " + ", ".join(f"{code} {n}" for code, n in by_kpi.most_common()))
        engine.dispose()


if __name__ == "__main__":
    main()
