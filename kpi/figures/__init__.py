"""The figures a view reads: the filter and every series read (`queries`), the roll-up rules in SQL
(`rollup_rules`) and the table that stores them per write (`rollups`), completeness and provisional
months (`completeness`, `provisional`), freshness, submissions, published figures and scopes (the
system, collaboratives and trusts, and how each is named).

May import kpi.reference, kpi.store and kpi.words.
"""
