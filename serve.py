"""The dashboard's server: `streamlit run serve.py` serves app.py (the pages) as `streamlit run app.py`
would, with one start-up step first (Streamlit's ASGI lifespan), before the process takes its first
visitor:

- it imports the dashboard, opens and prepares the database and warms the default views, then keeps them
  warm (kpi.ui.warm.at_start). A process behind the proxy is healthy only once it is warm, so the first
  visitor after a start or a deployment does not pay for the imports and the first reads. A fault there
  is logged and left for the first page to meet and explain; the page's own checks (sign-in,
  deployment) are not touched, and a refused deployment opens no database.
- it moves everything made so far out of the garbage collector's sight (`gc.freeze`): the modules, their
  classes and the reference data live as long as the process, and a full collection would otherwise
  walk their 200,000 objects each time (140 ms).

And for as long as the process serves (`collect_in_generations`, issue 25): Streamlit's full collection
after every script run (`runner.postScriptGC`) is switched off, unless set explicitly. It walked the
whole heap after every run, and the heap grows with what a process has served (cached views, sessions'
state), so a process got slower the longer it ran: 0.11 -> 0.18 CPU-s per session over three rounds,
and 9% -> 80% of the script thread's time in that collection. Python's own generational collection runs
instead, whose full collections come only when the long-lived objects have grown by a quarter, so their
cost is spread over what made them. Every FREEZE_SECONDS, what survived a collection is frozen too (the
views cached since, the sessions still open), so that those full collections walk only what is new; and
every REFREEZE_TIMES freezes everything is unfrozen and collected once, so that frozen objects that
became garbage since (a closed session's cycles, a cleared cache's) are freed: memory stays bounded.

And before the server starts, `hide_unloadable_secrets`: secrets Streamlit's server itself could not load
(a file that is not UTF-8 or cannot be opened, `auth = "..."` where the [auth] section belongs) would make
it answer HTTP 500 on every URL, /_stcore/health included, before the app could say anything. The server
is given no secrets then, and the app shows its "Sign-in is misconfigured" page saying why.
"""

import asyncio
import gc
import logging
import os
from contextlib import asynccontextmanager

import streamlit as st
from streamlit import config

from kpi.access import deployment


def hide_unloadable_secrets() -> None:
    """If Streamlit's server could not load the secrets (`deployment.streamlit_cannot_load`), give it
    none (secrets.files empty) and leave their paths in KPI_SECRETS_WITHHELD for the app, which reads
    them itself (kpi.ui.session.secrets_paths) and shows the closed page: why, and once the files are
    fixed, to restart (Streamlit reads them only at start)."""
    paths = list(config.get_option("secrets.files") or [])
    if deployment.streamlit_cannot_load(deployment.read_secrets(paths)):
        os.environ[deployment.WITHHELD_ENV] = os.pathsep.join(paths)
        config.set_option("secrets.files", [])
        logging.getLogger("kpi.ui").error(
            "Sign-in is misconfigured: Streamlit's server cannot load the secrets files, so it is given none."
        )


@asynccontextmanager
async def lifespan(_app):
    from kpi.ui import warm  # imported here, after Streamlit's runtime has started, for its caches

    await asyncio.to_thread(warm.at_start)
    gc.collect()  # nothing that is garbage now is frozen with the rest
    gc.freeze()
    freezing = asyncio.create_task(keep_freezing())
    try:
        yield
    finally:
        freezing.cancel()


FREEZE_SECONDS = 30.0
REFREEZE_TIMES = 10  # so frozen garbage is freed every 5 minutes


def collect_in_generations() -> None:
    """No full collection after every script run (the module says why), unless the option is set."""
    if not config.is_manually_set("runner.postScriptGC"):
        config.set_option("runner.postScriptGC", False)


def freeze_survivors(times: int) -> None:
    """The `times`-th periodic step: collect what is not frozen and freeze what survives; every
    REFREEZE_TIMES-th time, unfreeze first, so that everything is collected once."""
    if times % REFREEZE_TIMES == 0:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


async def keep_freezing() -> None:
    times = 0
    while True:
        await asyncio.sleep(FREEZE_SECONDS)
        times += 1
        freeze_survivors(times)


hide_unloadable_secrets()
collect_in_generations()
app = st.App("app.py", lifespan=lifespan)
