"""What a lead writes about the figures: annotations, chart settings (recalculations, baselines, dated
targets), commentary and its review, and the settings file; `common` holds the checks and history
they share.

May import kpi.figures, kpi.spc, kpi.reference, kpi.store, kpi.access and kpi.words.
"""
