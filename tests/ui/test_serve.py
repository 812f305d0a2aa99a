"""serve.py, the server `make run` and a deployment start: its start-up step moves the start-up heap (the
modules, their classes, the reference data) out of the garbage collector's sight, so the full collection
Streamlit runs after every script run walks only what runs make."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_start_up_step_freezes_the_start_up_heap_before_the_first_visitor(monkeypatch):
    monkeypatch.setenv("KPI_WARM_CACHES", "0")  # warming itself: tests/ui/test_warm.py
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


def _load_serve():
    spec = importlib.util.spec_from_file_location("serve", ROOT / "serve.py")
    assert spec and spec.loader
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    return serve


def test_no_full_collection_after_every_run_unless_asked_for(monkeypatch):
    from streamlit import config

    monkeypatch.setenv("KPI_WARM_CACHES", "0")
    before = config.get_option("runner.postScriptGC"), config.get_where_defined("runner.postScriptGC")
    try:
        config.set_option("runner.postScriptGC", True, config.ConfigOption.DEFAULT_DEFINITION)
        _load_serve()
        assert config.get_option("runner.postScriptGC") is False, "Streamlit's default is switched off"
        config.set_option("runner.postScriptGC", True, "command-line")
        _load_serve()
        assert config.get_option("runner.postScriptGC") is True, "an explicit setting is kept"
    finally:
        config.set_option("runner.postScriptGC", *before)


def test_survivors_are_frozen_and_frozen_garbage_is_freed_every_so_often(monkeypatch):
    monkeypatch.setenv("KPI_WARM_CACHES", "0")
    serve = _load_serve()

    class Node:
        me: Node

    def cycle() -> Node:
        node = Node()
        node.me = node  # freed only by the collector
        return node

    def walked() -> list[Node]:
        return [o for o in gc.get_objects() if isinstance(o, Node)]

    gc.collect()
    try:
        kept, dropped = cycle(), cycle()
        dropped_ref = weakref.ref(dropped)
        serve.freeze_survivors(1)
        assert walked() == [], "what survived a collection is out of the collector's sight"
        del dropped
        for times in range(2, serve.REFREEZE_TIMES):
            serve.freeze_survivors(times)
        assert dropped_ref() is not None, "frozen garbage waits for the next unfreezing"
        serve.freeze_survivors(serve.REFREEZE_TIMES)
        assert dropped_ref() is None, "every REFREEZE_TIMES-th step collects everything once"
        gc.unfreeze()
        assert walked() == [kept]
    finally:
        gc.unfreeze()
