"""The dashboard's server: `streamlit run serve.py` serves app.py (the pages) as `streamlit run app.py`
would, with one start-up step first (Streamlit's ASGI lifespan), before the process takes its first
visitor:

- it imports the dashboard, opens and prepares the database and warms the default views, then keeps them
  warm (kpi.ui.warm.at_start). A process behind the proxy is healthy only once it is warm, so the first
  visitor after a start or a deployment does not pay for the imports and the first reads. A fault there
  is logged and left for the first page to meet and explain; the page's own checks (sign-in,
  deployment) are not touched, and a refused deployment opens no database.
- it moves everything made so far out of the garbage collector's sight (`gc.freeze`): the modules, their
  classes and the reference data live as long as the process, and the full collection Streamlit runs
  after every script run (`runner.postScriptGC`) would otherwise walk their 200,000 objects each time
  (140 ms a run, against 5 to 12 ms for what runs make), which dominated the processor time of many
  viewers at once.
"""

import asyncio
import gc
from contextlib import asynccontextmanager

import streamlit as st


@asynccontextmanager
async def lifespan(_app):
    from kpi.ui import warm  # imported here, after Streamlit's runtime has started, for its caches

    await asyncio.to_thread(warm.at_start)
    gc.collect()  # nothing that is garbage now is frozen with the rest
    gc.freeze()
    yield


app = st.App("app.py", lifespan=lifespan)
