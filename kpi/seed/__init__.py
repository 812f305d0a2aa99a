"""What a new database gets: the schema and reference data (`bootstrap`, `kpi init`), the seeded
synthetic demo history (`demo`) and the larger synthetic databases for benchmarks (`demo_scale`).

May import kpi.figures, kpi.reference and kpi.store.
"""
