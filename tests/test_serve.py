"""serve.py, the server `make run` and a deployment start: its start-up step moves the start-up heap (the
modules, their classes, the reference data) out of the garbage collector's sight, so the full collection
Streamlit runs after every script run walks only what runs make."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_start_up_step_freezes_the_start_up_heap_before_the_first_visitor(monkeypatch):
    monkeypatch.setenv("KPI_WARM_CACHES", "0")  # warming itself: tests/test_warm.py
    spec = importlib.util.spec_from_file_location("serve", ROOT / "serve.py")
    assert spec and spec.loader
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    assert serve.app is not None, "an ASGI app that `streamlit run serve.py` finds"
    assert gc.get_freeze_count() == 0

    async def start() -> tuple[int, int]:
        async with serve.lifespan(None):
            return gc.get_freeze_count(), len(gc.get_objects())

    try:
        # In a thread of its own, with its own event loop: the browser tests' Playwright keeps one
        # running in this thread when the whole suite runs.
        with ThreadPoolExecutor(1) as thread:
            frozen, still_walked = thread.submit(asyncio.run, start()).result()
    finally:
        gc.unfreeze()
    assert frozen > 100_000, "the modules and classes imported at start-up"
    assert still_walked < frozen / 5, "what a full collection still walks"
