"""What leaves the app: CSV tables (`tables`, Excel-friendly and injection-safe), chart images and PDF
printing (`images`), the board pack as PDF, HTML and PowerPoint (`board_pack`) and its delivery by
e-mail (`send`).

May import kpi.plan, kpi.charts, kpi.selection, kpi.reading, kpi.programme, kpi.notes, kpi.figures,
kpi.reference, kpi.store and kpi.words.
"""
