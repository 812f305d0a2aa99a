"""The bare baseline for benchmarks/bench_load.py: a plain Streamlit + Plotly app that draws the same kind
of Overview as the dashboard (8 metric cards with deltas and sparklines, a table, three line charts)
from a small in-memory DataFrame, with a trust multiselect in the sidebar. No database, no caches of our
own, no URL state: what is left is what Streamlit and Plotly cost, so the benchmark's ratios isolate the
app's own costs. Above the trusts, a collaborative control like the dashboard's (Both, CMAST, MHLDC)
narrows the trusts and the figures to that collaborative's.

`?charts=N` draws N trend charts instead of three single-line ones (N = 0: none), each with three lines
over the four years (the system and the two collaboratives, as the dashboard's trend charts; with a
trust chosen, its line and two of those, as the Trusts page draws a trust with its collaborative and the
system); `&follow=0` leaves the charts as they are when a trust is picked, as on the dashboard's pages
other than Trusts. benchmarks/bench_browser.py and bench_load.py set both to what the dashboard page
they compare with does (`PAGE_SHAPES` there), so that both draw the same charts before and after a
trust is picked (issue 25: the Overview, which draws no chart, was compared with three).

    streamlit run benchmarks/bare_app.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import streamlit as st

TRUSTS = [f"Trust {n:02d}" for n in range(1, 18)]  # the programme has 17 trusts
COLLABORATIVES = {"CMAST": TRUSTS[:14], "MHLDC": TRUSTS[14:]}
KPIS = [
    ("Staff in post (FTE)", 400.0),
    ("Vacancy rate (%)", 9.0),
    ("Turnover rate (%)", 11.0),
    ("Sickness absence (%)", 5.0),
    ("Leavers in first year (%)", 14.0),
    ("Students placed", 120.0),
    ("Apprentices", 30.0),
    ("Appraisal rate (%)", 82.0),
]
MONTHS = pd.date_range("2022-11-01", "2026-10-01", freq="MS")  # four years, as the demo data


@st.cache_data
def observations() -> pd.DataFrame:
    """Every KPI, trust and month: 8 x 17 x 48 rows of a seeded random walk."""
    rng = np.random.default_rng(7)
    frames = []
    for kpi, level in KPIS:
        for trust in TRUSTS:
            walk = level * (1 + np.cumsum(rng.normal(0, 0.01, len(MONTHS))))
            frames.append(pd.DataFrame({"kpi": kpi, "trust": trust, "month": MONTHS, "value": walk}))
    return pd.concat(frames, ignore_index=True)


st.set_page_config(page_title="Bare baseline", layout="wide")
with st.sidebar:
    st.header("Filters", anchor=False)
    collaborative = st.segmented_control(
        "Collaborative", ["Both", *COLLABORATIVES], default="Both", key="f_collab"
    )
    members = COLLABORATIVES.get(collaborative or "Both", TRUSTS)
    chosen = st.multiselect("Trusts", members, key="f_trusts", placeholder="All trusts")

data = observations()
data = data[data["trust"].isin(members)]
if chosen:
    data = data[data["trust"].isin(chosen)]
monthly = data.groupby(["kpi", "month"], as_index=False)["value"].mean()

st.title("Overview", anchor=False)
st.subheader("Headline KPIs", anchor=False)
rows = []
with st.grid(4, min_column_width=240, gap="small"):
    for kpi, _level in KPIS:
        series = monthly[monthly["kpi"] == kpi].sort_values("month")["value"]
        latest, previous, year_ago = series.iloc[-1], series.iloc[-2], series.iloc[-13]
        rows.append(
            {
                "KPI": kpi,
                "Latest": round(latest, 1),
                "Change on previous month": round(latest - previous, 1),
                "Change on same month last year": round(latest - year_ago, 1),
                "Trend": series.iloc[-12:].round(2).tolist(),
            }
        )
        with st.container(border=True, height="stretch"):
            st.metric(kpi, f"{latest:,.1f}", delta=f"{latest - previous:+.1f}", chart_data=series.iloc[-12:])

st.subheader("All KPIs", anchor=False)
st.dataframe(
    pd.DataFrame(rows),
    hide_index=True,
    column_config={"Trend": st.column_config.LineChartColumn("Last 12 months")},
)

st.subheader("Trends", anchor=False)
count = st.query_params.get("charts")
if count is None:  # as benchmarks/bench_load.py compares with the Overview: three single-line charts
    for kpi, _level in KPIS[:3]:
        figure = px.line(monthly[monthly["kpi"] == kpi], x="month", y="value", title=kpi, markers=True)
        st.plotly_chart(figure, width="stretch")
else:
    # The two collaboratives' and the system's lines do not follow the trust filter (as on the dashboard);
    # a chosen trust's line takes the place of the third, as on the Trusts page (trust, collaborative,
    # system), so that after a trust is picked both still draw the same charts.
    every = observations()
    every = every[every["trust"].isin(members)]
    three = every.assign(line=every["trust"].map(lambda trust: f"Line {int(trust[-2:]) % 3 + 1}"))
    three = three.groupby(["kpi", "line", "month"], as_index=False)["value"].mean()
    if chosen and st.query_params.get("follow") != "0":
        picked = data.rename(columns={"trust": "line"})[["kpi", "line", "month", "value"]]
        three = pd.concat([three[three["line"] != "Line 3"], picked], ignore_index=True)
    for number in range(int(count) if count.isdigit() else 3):
        kpi = KPIS[number % len(KPIS)][0]
        figure = px.line(
            three[three["kpi"] == kpi], x="month", y="value", color="line", title=kpi, markers=True
        )
        st.plotly_chart(figure, width="stretch", key=f"trend_{number}")
