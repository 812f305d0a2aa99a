"""The database: tables (`models`, with the domain's Literal values), engines, sessions and the write hook
(`db`), and import batches (`batches`: the demo source's name and the one undo rule).

May import kpi.words only (db cleans stored text once, where it is written).
"""
