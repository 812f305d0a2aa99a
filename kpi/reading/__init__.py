"""ONE reading per KPI, scope and month: the value and whether it is provisional, the target in force, the
SPC result under the settings that took effect, the icons, the sentences, the suggested recalculation and
the freshness. Every view renders a `Reading` and nothing else; no view reads a catalogue value that a
lead's setting can change.

- :mod:`kpi.reading.window`: the months a chart covers (a chosen period, or each KPI's own default);
- :mod:`kpi.reading.targets`: the target in force in a month;
- :mod:`kpi.reading.build`: `read_kpi` and `read_scope`;
- :mod:`kpi.reading.model`: the `Reading` and what it says;
- :mod:`kpi.reading.tables`: readings as the summary and scorecard tables and their CSVs;
- :mod:`kpi.reading.grid`: the board's grid, KPIs by organisation, each cell a reading;
- :mod:`kpi.reading.draft`: "what the chart tells us" drafted from a reading's facts;
- :mod:`kpi.reading.load`: readings (and the grid) straight from the database, for callers outside the app
  (the only module here that reads the database).

May import kpi.spc, kpi.notes.chart_settings, kpi.figures.provisional, kpi.words.formats, kpi.spc.icons and
kpi.reading.chart_text; never
streamlit, and never the database outside kpi.reading.load (callers read the series and settings and pass
them in).

May import kpi.notes, kpi.spc, kpi.figures, kpi.reference, kpi.store and kpi.words.
"""

from kpi.reading.build import KPIMonths, read_kpi, read_scope
from kpi.reading.model import AppliedSetting, Change, Reading
from kpi.reading.targets import Target, target_in_force
from kpi.reading.window import DEFAULT_MONTHS, Window, chosen_window, default_window

__all__ = [
    "DEFAULT_MONTHS",
    "AppliedSetting",
    "Change",
    "KPIMonths",
    "Reading",
    "Target",
    "Window",
    "chosen_window",
    "default_window",
    "read_kpi",
    "read_scope",
    "target_in_force",
]
