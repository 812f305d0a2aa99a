"""benchmarks/bare_app.py served as the dashboard is (`streamlit run serve.py`: Streamlit's ASGI server,
st.App) but with no start-up step, so that the benchmarks compare the two apps on the same server.

    streamlit run benchmarks/bare_serve.py
"""

import streamlit as st

app = st.App("bare_app.py")
