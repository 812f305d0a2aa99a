"""Shim: the board pack moved to :mod:`kpi.board_pack` and its command line to :mod:`kpi.__main__`.

Kept only for app_pages/board_pack.py (owned elsewhere), which uses ``report.scope_months``,
``report.report_file_name``, ``report.build_report`` and ``report.ReportError``; switch it to
``kpi.board_pack`` and delete this file.
"""

from __future__ import annotations

from kpi.board_pack import ReportError, build_report, report_file_name, scope_months

__all__ = ["ReportError", "build_report", "report_file_name", "scope_months"]
