"""Reference data: loading the shipped CSVs into the database (`load`), the KPI catalogue's type
(`catalogue.KPI`) and the one membership-in-month and merger rule, as SQL (`membership`), that the
series, the roll-ups and the completeness counts all use.

May import kpi.store and kpi.words.
"""
