"""The board's grid in a pack (kpi.reading.grid): KPIs as rows, the scope's organisations as columns, each
cell its reading's figure, icons in words and marks; what needs attention first. Real table cells in every
format: the HTML pack has one table that scrolls sideways; the PDF and the deck split the organisations into
parts that fit a page or a slide."""

from __future__ import annotations

from typing import Any

from kpi.exports.board_pack.collect import Pack
from kpi.reading.grid import Cell, kpi_order
from kpi.reading.scorecard import card_reading

PDF_COLUMNS = 6  # organisations per table on an A4 page
MARK_WORDS = ("provisional month", "stale", "commentary not reviewed")


def _cell(cell: Cell | None) -> dict[str, Any] | None:
    if cell is None or cell.reading.latest is None:
        return None
    reading = cell.reading
    return {
        "value": reading.value_text,
        "month": reading.month_text,
        "words": card_reading(reading),
        "marks": ", ".join(reason for reason in cell.reasons() if reason in MARK_WORDS),
        "attention": bool(cell.reasons()),
        "variation_icon": reading.variation_icon(),
        "assurance_icon": reading.assurance_icon(),
    }


def grid_parts(pack: Pack, per_part: int | None) -> list[dict[str, Any]]:
    """The grid as tables of at most `per_part` organisations each, shared out evenly (None: one table),
    every one with all the KPIs, needing attention first."""
    columns = pack.grid_columns
    if not columns:
        return []
    names = {scope: cell.reading.scope_name for (_code, scope), cell in pack.grid_cells.items()}
    codes = kpi_order(pack.grid_cells, list(pack.kpis))
    count = -(-len(columns) // (per_part or len(columns)))  # parts needed, then shared out evenly
    chunks = [columns[n * len(columns) // count : (n + 1) * len(columns) // count] for n in range(count)]
    parts = []
    for chunk in chunks:
        rows = []
        for code in codes:
            cells = [_cell(pack.grid_cells.get((code, scope))) for scope in chunk]
            rows.append({"code": code, "name": pack.kpis[code].name, "cells": cells})
        parts.append(
            {
                "title": f"KPIs by organisation: {names[chunk[0]]} to {names[chunk[-1]]}"
                if len(chunks) > 1
                else "KPIs by organisation",
                "columns": [names[scope] for scope in chunk],
                "rows": rows,
            }
        )
    return parts


__all__ = ["PDF_COLUMNS", "grid_parts"]
