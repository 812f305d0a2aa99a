"""Who may do what: signed-in users and their roles (`auth`: verified claims, `require_lead`, the audit
name) and whether this deployment may run at all (`deployment.decide`: fail closed).

Imports nothing from kpi: every writer below the UI calls `require_lead` from here.
"""
