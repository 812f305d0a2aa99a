"""Caches of shared, read-only objects (st.cache_resource) that hold figures: each registers how to clear
itself here, and kpi.ui.database clears them with the cached data when the data change. A module of its
own, importing nothing, so that both can use it without importing each other."""

from __future__ import annotations

from collections.abc import Callable

#: How to clear each shared cache of figures.
CLEARS: list[Callable[[], None]] = []


def clear_shared() -> None:
    """Clear every registered shared cache."""
    for clear in CLEARS:
        clear()
