"""The programme's milestones: their statuses, history and the lead's edits.

May import kpi.store, kpi.access and kpi.words.
"""
