"""The command line, `python -m kpi`: one module per command group (kpi.__main__ dispatches)."""
