"""The board pack: one document per scope and month, as a PDF, a self-contained HTML file or a
PowerPoint deck.

* :mod:`kpi.exports.board_pack.scope`: what a pack covers (scope, months, file name) and :class:`ReportError`;
* :mod:`kpi.exports.board_pack.collect`: read the figures and draw the charts;
* :mod:`kpi.exports.board_pack.render`: lay them out with ``template.html`` as HTML or print them as PDF;
* :mod:`kpi.exports.board_pack.slides`: the same pack as PowerPoint slides (python-pptx).

The command line (`python -m kpi report ...`) is in :mod:`kpi.__main__`.
"""

from __future__ import annotations

from kpi.exports.board_pack.collect import MONTHS, PROGRAMME
from kpi.exports.board_pack.render import build_report
from kpi.exports.board_pack.scope import (
    FORMATS,
    Format,
    ReportError,
    Scope,
    pack_format,
    pack_month,
    report_file_name,
    resolve_scope,
    scope_filter,
    scope_months,
)

__all__ = [
    "FORMATS",
    "MONTHS",
    "PROGRAMME",
    "Format",
    "ReportError",
    "Scope",
    "build_report",
    "pack_format",
    "pack_month",
    "report_file_name",
    "resolve_scope",
    "scope_filter",
    "scope_months",
]
