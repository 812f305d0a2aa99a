"""The command line, `python -m kpi`: one module per command group (kpi.__main__ dispatches).

Above everything in kpi/ but kpi.ui: it may import any package except kpi.ui.
"""
